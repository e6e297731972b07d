from django.contrib import admin

from shaobao.geo.models import Division, Grid


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "community", "area_km2", "valid_from", "valid_to"]
    list_filter = ["valid_to"]
    search_fields = ["code", "name"]
    raw_id_fields = ["community"]
