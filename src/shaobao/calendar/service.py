"""The working calendar in force: packaged holiday data plus the administrator's overrides."""

from __future__ import annotations

import time

from shaobao.calendar.models import CalendarOverride
from shaobao.calendar.workcal import WorkCalendar

CACHE_SECONDS = 30.0
_cached: tuple[float, WorkCalendar] | None = None


def work_calendar() -> WorkCalendar:
    """The calendar to compute deadlines with; overrides are re-read every 30 seconds."""
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > CACHE_SECONDS:
        overrides = dict(CalendarOverride.objects.values_list("day", "is_workday"))
        _cached = (now, WorkCalendar(overrides=overrides))
    return _cached[1]


def work_calendar_invalidate() -> None:
    global _cached
    _cached = None
