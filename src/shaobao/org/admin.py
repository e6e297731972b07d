from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from shaobao.org.models import (
    ApiToken,
    Department,
    GridAssignment,
    MemberGroup,
    Station,
    StationMember,
    UnitLeader,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "division", "department", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "display_name", "phone"]
    raw_id_fields = ["division", "department"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("角色与范围", {"fields": ("role", "display_name", "phone", "division", "department",
                                  "grid_code")}),
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]


class StationMemberInline(admin.TabularInline):
    model = StationMember
    extra = 0


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "head_name", "deputy_name"]
    search_fields = ["name", "community__code"]
    inlines = [StationMemberInline]
    raw_id_fields = ["community"]


admin.site.register(MemberGroup)
admin.site.register(GridAssignment)
admin.site.register(UnitLeader)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "expires_at", "revoked"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
