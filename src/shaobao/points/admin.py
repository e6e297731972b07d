from typing import Any

from django.contrib import admin

from shaobao.points.models import Appeal, PointsEntry, StationEvaluation


@admin.register(PointsEntry)
class PointsEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "department", "rule", "points", "reason", "month"]
    list_filter = ["rule", "month"]
    raw_id_fields = ["case", "event", "reverses"]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


admin.site.register(Appeal)
admin.site.register(StationEvaluation)
