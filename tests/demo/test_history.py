"""The demo history simulator: runs on any world, deterministic, honest event order."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from shaobao.cases.models import Case, CaseEvent, Status
from shaobao.demo.history import demo_history
from shaobao.points.models import PointsEntry

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 16, 40, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Friday afternoon


class _Rollback(Exception):
    pass


def _run(messages: list[str], cases: int = 120) -> dict[str, int] | None:
    return demo_history(messages.append, cases=cases, now=NOW, create_missing_users=True)


def _snapshot() -> tuple[Counter[str], Counter[tuple[str, str]]]:
    statuses = Counter(Case.objects.values_list("status", flat=True))
    items = Counter((s, code or "") for s, code in Case.objects.values_list("status",
                                                                           "item__code"))
    return statuses, items


def _check_plausible(counts: dict[str, int] | None, messages: list[str]) -> None:
    assert counts is not None and sum(counts.values()) == 120
    assert "步未能执行" not in messages[-1], messages[-1]
    assert Case.objects.count() == 120
    statuses = set(counts)
    assert Status.CLOSED in statuses
    assert statuses & {Status.WHISTLED, Status.IN_PROGRESS}
    assert PointsEntry.objects.exists()

    events: dict[int, list[CaseEvent]] = {}
    for e in CaseEvent.objects.order_by("id"):
        events.setdefault(e.case_id, []).append(e)
    assert set(events) == set(Case.objects.values_list("id", flat=True))
    for case_events in events.values():
        assert case_events[0].action == "create"
        times = [e.at for e in case_events]
        assert times == sorted(times), [(e.action, e.at) for e in case_events]
        assert times[-1] <= NOW
        # Each step starts where the previous one ended.
        for before, after in itertools.pairwise(case_events):
            assert after.from_status == before.to_status
    first = min(Case.objects.values_list("created_at", flat=True))
    assert (NOW - first).days >= 60  # spread over about three months


def test_history_is_plausible_ordered_and_deterministic() -> None:
    runs = []
    for _ in range(2):
        messages: list[str] = []
        with pytest.raises(_Rollback), transaction.atomic():
            counts = _run(messages)
            runs.append(_snapshot())
            _check_plausible(counts, messages)
            raise _Rollback
        assert not Case.objects.exists()
    assert runs[0] == runs[1]


def test_second_run_does_nothing() -> None:
    messages: list[str] = []
    assert _run(messages, cases=20) is not None
    assert _run(messages, cases=20) is None
    assert messages[-1].endswith("跳过")
    assert Case.objects.count() == 20


def test_without_department_accounts_cases_wait() -> None:
    """No users are invented unless asked: whistles to departments without accounts wait.
    (The platform's own account, which acts for rules such as reopening on an
    unsatisfied rating, may appear: nobody can sign in with it.)"""
    from shaobao.org.models import User
    from shaobao.org.services import SYSTEM_USERNAME

    people = User.objects.exclude(username=SYSTEM_USERNAME)
    before = people.count()
    counts = demo_history(lambda m: None, cases=30, now=NOW)
    assert counts is not None and sum(counts.values()) == 30
    assert people.count() == before
