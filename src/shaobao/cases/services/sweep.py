"""The deadline sweep: mark overdue cases and issue supervision notices (督办) by rule.

Rule: when a check-in or handling clock runs out the case is marked overdue and gets a
yellow notice; if it is still overdue one working day after that, a red one. Run every
minute by `shaobao worker`, or once by `shaobao sla-sweep`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Q
from django.utils import timezone

from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import TimeKind, deadline
from shaobao.cases.hooks import run_sweep_hooks
from shaobao.cases.models import Case, Status
from shaobao.cases.services.transition import case_transition
from shaobao.core.errors import ShaobaoError
from shaobao.org.models import Role, User

SYSTEM_USERNAME = "shaobao-system"
RED_AFTER_WORK_DAYS = 1


@dataclass
class SweepResult:
    marked_overdue: int = 0
    yellow: int = 0
    red: int = 0

    def __str__(self) -> str:
        return (f"marked_overdue: {self.marked_overdue}\nyellow_notices: {self.yellow}\n"
                f"red_notices: {self.red}")


def system_user() -> User:
    user, _ = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"role": Role.COMMAND, "display_name": "系统督办", "is_active": False})
    return user


def overdue_filter(now: datetime) -> Q:
    return (Q(status=Status.WHISTLED, check_in_due__lt=now)
            | Q(status__in=[Status.WHISTLED, Status.IN_PROGRESS, Status.STATION],
                handle_due__lt=now))


def sla_sweep(now: datetime | None = None) -> SweepResult:
    at = now or timezone.now()
    result = SweepResult()
    result.marked_overdue = Case.objects.filter(overdue_filter(at), overdue=False).update(
        overdue=True)
    # Suspended or finished cases stop counting as overdue.
    Case.objects.filter(overdue=True).exclude(overdue_filter(at)).update(overdue=False)
    run_sweep_hooks(at)  # e.g. analytics' open-and-overdue facts
    actor = system_user()
    cal = work_calendar()
    candidates = (Case.objects.filter(overdue=True, supervision_level__lt=2)
                  .annotate(last_notice=Max("supervisions__at")))
    for case in candidates.iterator(chunk_size=500):
        if case.supervision_level == 1 and case.last_notice and \
                deadline(case.last_notice, RED_AFTER_WORK_DAYS, TimeKind.WORK_DAYS, cal) > at:
            continue
        reason = "超期未报到" if case.status == Status.WHISTLED and case.check_in_due and \
            case.check_in_due < at else "超期未办结"
        try:
            case_transition(actor, case.number, "supervise",
                            {"version": case.version, "reason": f"系统督办：{reason}"}, now=at)
        except ShaobaoError:
            continue  # changed meanwhile; the next sweep looks again
        if case.supervision_level == 0:
            result.yellow += 1
        else:
            result.red += 1
    return result
