"""Django admin for governance. Append-only ledgers are read-only; petition identities are
shown only to petition staff, as everywhere else."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shaobao.governance import models as m
from shaobao.governance.services.petitions import is_petition_staff


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.AdmissionItem)
class AdmissionItemAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "list_kind", "department", "status", "effective_from"]
    list_filter = ["list_kind", "status"]
    search_fields = ["code", "title", "keywords"]


@admin.register(m.AdmissionApplication)
class AdmissionApplicationAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "list_kind", "status", "submitted_at", "decide_due",
                    "decided_late"]
    list_filter = ["status", "list_kind"]


@admin.register(m.TaskPush)
class TaskPushAdmin(ReadOnlyAdmin):
    list_display = ["at", "department", "community", "kind", "title", "outcome", "reason"]
    list_filter = ["outcome", "kind", "month"]


class MemberInline(admin.TabularInline):
    model = m.MeetingMember
    extra = 0


class AgendaInline(admin.TabularInline):
    model = m.AgendaItem
    extra = 0
    raw_id_fields = ["case"]


@admin.register(m.Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "street", "scheduled_at", "status", "convener"]
    list_filter = ["kind", "status"]
    inlines = [MemberInline, AgendaInline]


@admin.register(m.MeetingDecision)
class MeetingDecisionAdmin(ReadOnlyAdmin):
    list_display = ["agenda_item", "action", "task", "department", "deadline", "at"]


admin.site.register(m.PetitionStaff)

IDENTITY = ("petitioner_name", "petitioner_phone", "petitioner_address")


@admin.register(m.Petition)
class PetitionAdmin(admin.ModelAdmin):
    """State changes go through the petition services; the admin only reads."""

    list_display = ["number", "status", "channel", "street", "subject", "registered_at"]
    list_filter = ["status", "channel"]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        user: Any = request.user
        if obj is not None and is_petition_staff(user, obj.street_id):
            return ()
        if obj is None and is_petition_staff(user):
            return ()
        return IDENTITY

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.register(m.PetitionEvent, ReadOnlyAdmin)
admin.site.register(m.PartyMember)
admin.site.register(m.ServicePost)
admin.site.register(m.PartyActivity)
admin.site.register(m.PostClaim, ReadOnlyAdmin)
admin.site.register(m.ActivitySignIn, ReadOnlyAdmin)


@admin.register(m.PartyPointsEntry)
class PartyPointsAdmin(ReadOnlyAdmin):
    list_display = ["at", "member", "place", "department", "community", "points", "reason"]
    list_filter = ["place", "month"]


@admin.register(m.VisitLog)
class VisitLogAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "grid_code", "author", "status"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["case"]


admin.site.register(m.PartyProject)
admin.site.register(m.Roster)
admin.site.register(m.CoverageGap)
admin.site.register(m.Indicator)
admin.site.register(m.IndicatorValue)
