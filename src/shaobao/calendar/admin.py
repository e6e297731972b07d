from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from shaobao.calendar.models import CalendarOverride
from shaobao.calendar.service import work_calendar, work_calendar_invalidate


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "day"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # Deadlines in a year without the State Council's schedule fall back to Mon–Fri:
        # say so where the administrator can fix it.
        year = timezone.localdate().year
        missing = work_calendar().uncovered_years([year, year + 1])
        if missing:
            messages.warning(request, "以下年份尚无法定节假日安排，时限暂按周一至周五计算，"
                                      f"请录入放假和调休日期：{'、'.join(map(str, missing))}")
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        work_calendar_invalidate()
