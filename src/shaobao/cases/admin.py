from typing import Any

from django.contrib import admin

from shaobao.cases.models import Attachment, Case, CaseEvent, Supervision, Task


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "role", "from_status", "to_status", "at", "payload"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the lifecycle service, not the admin form."""

    list_display = ["number", "status", "item", "community", "lead_department", "created_at"]
    list_filter = ["status", "channel"]
    search_fields = ["number", "description"]
    inlines = [CaseEventInline]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


admin.site.register(Task)
admin.site.register(Supervision)
admin.site.register(Attachment)
