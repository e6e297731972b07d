"""The deadline sweep: set-based marks, facts kept aligned, notices through the service."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from django.utils import timezone

from cases.test_actions import case_in
from shaobao.analytics.facts import facts_refresh_overdue
from shaobao.analytics.models import CaseFacts, DailyCoarseRollup, MonthlyRollup
from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import TimeKind, deadline
from shaobao.cases.models import Case, CaseEvent, Supervision
from shaobao.cases.services.sweep import (
    NoticeDue,
    SweepResult,
    _issue_together,
    notices_due_count,
    overdue_filter,
    red_threshold,
    sla_sweep,
)
from shaobao.org.services import system_user

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def _facts_overdue(case: Case) -> int:
    return CaseFacts.objects.get(case_id=case.pk).overdue_open


def test_yellow_when_due_then_red_a_working_day_later() -> None:
    case = case_in("whistled")
    due = Case.objects.get(pk=case.pk).check_in_due
    assert due is not None
    at = due + timedelta(minutes=1)
    first = sla_sweep(at)
    assert (first.marked_overdue, first.yellow, first.red) == (1, 1, 0)
    assert _facts_overdue(case) == 1
    assert sla_sweep(at + timedelta(minutes=1)).yellow == 0  # one yellow, not one a minute
    red_at = deadline(at, 1, TimeKind.WORK_DAYS, work_calendar())
    assert sla_sweep(red_at - timedelta(seconds=1)).red == 0
    assert sla_sweep(red_at).red == 1
    assert sla_sweep(red_at + timedelta(days=5)).red == 0  # red is the last level
    assert [s.level for s in Supervision.objects.filter(case=case).order_by("id")] == [1, 2]
    events = CaseEvent.objects.filter(case=case, action="supervise")
    assert [e.payload["level"] for e in events.order_by("id")] == [1, 2]


def test_marks_follow_the_rule_both_ways() -> None:
    cases = [case_in(state) for state in
             ["whistled", "in_progress", "station", "suspended", "handled", "accepted"]]
    due = max(c.handle_due or c.check_in_due or c.created_at for c in cases)
    late = due + timedelta(days=30)
    sla_sweep(late, notice_budget_s=0)
    ids = [c.pk for c in cases]
    marked = set(Case.objects.filter(pk__in=ids, overdue=True).values_list("pk", flat=True))
    assert marked == set(Case.objects.filter(overdue_filter(late), pk__in=ids)
                         .values_list("pk", flat=True))
    assert marked == {cases[0].pk, cases[1].pk, cases[2].pk}
    assert {c.pk for c in cases if _facts_overdue(c)} == marked
    result = sla_sweep(cases[0].created_at, notice_budget_s=0)  # back before any deadline
    assert result.unmarked == 3
    assert not Case.objects.filter(pk__in=ids, overdue=True).exists()
    assert not CaseFacts.objects.filter(case_id__in=ids, overdue_open=1).exists()


def test_a_stale_mark_on_a_finished_case_is_cleared_without_touching_facts() -> None:
    case = case_in("closed")
    Case.objects.filter(pk=case.pk).update(overdue=True)
    result = sla_sweep(case.created_at + timedelta(days=400))
    assert result.unmarked == 1 and result.yellow == 0
    assert not Case.objects.get(pk=case.pk).overdue and _facts_overdue(case) == 0


def test_refresh_on_its_own_repairs_by_comparing_every_case() -> None:
    case = case_in("in_progress")
    Case.objects.filter(pk=case.pk).update(overdue=True)  # drifted outside any sweep
    assert facts_refresh_overdue(timezone.now()) == 1
    assert _facts_overdue(case) == 1
    facts_total = CaseFacts.objects.aggregate(n=Sum("overdue_open"))["n"]
    for rollup in (MonthlyRollup, DailyCoarseRollup):
        assert rollup.objects.aggregate(n=Sum("overdue_open"))["n"] == facts_total
    assert facts_refresh_overdue(timezone.now()) == 0


def test_notices_over_budget_wait_for_the_next_run() -> None:
    cases = [case_in("in_progress") for _ in range(3)]
    late = max(c.handle_due for c in cases if c.handle_due) + timedelta(minutes=1)
    starved = sla_sweep(late, notice_budget_s=0)
    assert starved.marked_overdue >= 3 and starved.yellow == 0
    assert starved.deferred == notices_due_count(late) >= 3
    caught_up = sla_sweep(late, notice_budget_s=None)
    assert caught_up.yellow == starved.deferred and notices_due_count(late) == 0


def test_notices_sharing_a_transaction_stand_alone_when_one_is_refused() -> None:
    cases = [case_in("in_progress") for _ in range(3)]
    at = max(c.handle_due for c in cases if c.handle_due) + timedelta(minutes=1)
    stale = cases[1]
    Case.objects.filter(pk=stale.pk).update(version=stale.version + 1)  # changed meanwhile
    notices = [NoticeDue(c.pk, c.version, "超期未办结") for c in cases]
    result = SweepResult()
    _issue_together(system_user(), notices, at, result)
    assert result.yellow == 2
    noticed = set(Supervision.objects.values_list("case_id", flat=True))
    assert noticed == {cases[0].pk, cases[2].pk}
    assert not CaseEvent.objects.filter(case=stale, action="supervise").exists()
    assert Case.objects.get(pk=stale.pk).supervision_level == 0


@pytest.mark.parametrize("at", [datetime(2026, 1, 20, 10, 0, tzinfo=BJ),   # Tuesday
                                datetime(2026, 1, 19, 18, 0, tzinfo=BJ),   # Monday close
                                datetime(2026, 1, 25, 9, 0, tzinfo=BJ)])   # Sunday
def test_red_threshold_is_exactly_the_last_notice_time_due_for_red(at: datetime) -> None:
    cal = work_calendar()
    threshold = red_threshold(at)
    assert deadline(threshold, 1, TimeKind.WORK_DAYS, cal) <= at
    assert deadline(threshold + timedelta(microseconds=1), 1, TimeKind.WORK_DAYS, cal) > at


def test_batched_transitions_judge_each_case_like_the_single_service() -> None:
    from django.db import transaction

    from shaobao.cases.services.transition import case_transitions_locked
    from shaobao.core.errors import Forbidden, NotAllowedInState
    from shaobao.org.models import User

    open_case, closed_case = case_in("in_progress"), case_in("closed")
    at = timezone.now()
    resident = User.objects.get(username="resident1")
    with transaction.atomic():
        refused = case_transitions_locked(resident, [open_case.pk], "supervise",
                                          [{"version": open_case.version}], at=at)
    assert isinstance(refused[0], Forbidden)  # a resident may not supervise
    with transaction.atomic():
        mixed = case_transitions_locked(
            system_user(), [closed_case.pk, open_case.pk], "supervise",
            [{"version": closed_case.version}, {"version": open_case.version}], at=at)
    assert isinstance(mixed[0], NotAllowedInState)  # closed: not in the table's sources
    assert isinstance(mixed[1], Case) and mixed[1].supervision_level == 1
    events = CaseEvent.objects.filter(action="supervise")
    assert list(events.values_list("case_id", flat=True)) == [open_case.pk]
    assert Case.objects.get(pk=open_case.pk).version == open_case.version + 1
