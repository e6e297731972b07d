"""Case deadlines: which clocks run, when they end, and their green/yellow/red light."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import TimeKind, deadline, light
from shaobao.cases.models import OPEN_STATUSES, Case, Status
from shaobao.core.rules import product_rule

# Used when a case is dispatched before anyone classified it against the whistle list.
DEFAULT_CHECK_IN = (2.0, TimeKind.WORK_HOURS)
DEFAULT_HANDLE = (5.0, TimeKind.WORK_DAYS)
LIGHT_ORDER = {"green": 0, "yellow": 1, "red": 2}


def check_in_rule(case: Case) -> tuple[float, TimeKind]:
    if case.item is None:
        return DEFAULT_CHECK_IN
    return case.item.check_in_limit, TimeKind(case.item.check_in_kind)


def handle_rule(case: Case) -> tuple[float, TimeKind]:
    if case.item is None:
        return DEFAULT_HANDLE
    return case.item.handle_limit, TimeKind(case.item.handle_kind)


def feedback_due_for(created_at: datetime) -> datetime:
    days = product_rule("FEEDBACK_WORK_DAYS")
    return deadline(created_at, days, TimeKind.WORK_DAYS, work_calendar())


def start_check_in_clock(case: Case, now: datetime) -> None:
    limit, kind = check_in_rule(case)
    case.check_in_due = deadline(now, limit, kind, work_calendar())


def start_handle_clock(case: Case, now: datetime) -> None:
    limit, kind = handle_rule(case)
    case.handle_clock_start = now
    case.handle_due = deadline(now, limit, kind, work_calendar())


def _clocks(case: Case) -> list[tuple[str, datetime, datetime, TimeKind]]:
    """The clocks still running on an open case: (name, started, due, kind)."""
    if case.status not in OPEN_STATUSES:
        return []
    clocks = []
    if case.feedback_at is None and case.feedback_due:
        clocks.append(("feedback", case.created_at, case.feedback_due, TimeKind.WORK_DAYS))
    if case.status == Status.WHISTLED and case.check_in_due and case.whistled_at:
        clocks.append(("check_in", case.whistled_at, case.check_in_due, check_in_rule(case)[1]))
    if case.status in (Status.WHISTLED, Status.IN_PROGRESS, Status.STATION) and \
            case.handle_due and case.handle_clock_start:
        clocks.append(("handle", case.handle_clock_start, case.handle_due,
                       handle_rule(case)[1]))
    return clocks


def case_lights(case: Case, now: datetime) -> dict[str, str]:
    cal = work_calendar()
    yellow_at = product_rule("YELLOW_AT")
    return {name: light(start, due, now, kind, cal, yellow_at=yellow_at)
            for name, start, due, kind in _clocks(case)}


def worst_light(lights: dict[str, str]) -> str | None:
    """The most urgent of a case's lights; None when no clock runs."""
    return max(lights.values(), key=LIGHT_ORDER.__getitem__) if lights else None


def case_deadlines_view(case: Case, now: datetime) -> dict[str, Any]:
    lights = case_lights(case, now)
    worst = worst_light(lights)
    return {
        "check_in": case.check_in_due.isoformat() if case.check_in_due else None,
        "handle": case.handle_due.isoformat() if case.handle_due else None,
        "feedback": case.feedback_due.isoformat() if case.feedback_due else None,
        "lights": lights,
        "state": worst,
    }


def is_overdue(case: Case, now: datetime) -> bool:
    return any(due < now for name, _, due, _ in _clocks(case) if name != "feedback")
