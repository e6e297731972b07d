"""`facts.work_hours` (the bulk fast path) agrees with `calendar.workcal.elapsed`."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from shaobao.analytics.facts import work_hours
from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import TimeKind, elapsed

pytestmark = pytest.mark.django_db
BEIJING_8 = timedelta(hours=8)


def _expected(start: datetime, end: datetime) -> float:
    return round(elapsed(start, end, TimeKind.WORK_HOURS, work_calendar()), 4)


@pytest.mark.parametrize(("start", "end"), [
    # same morning; across lunch; overnight; a weekend; the 2025 National Day week with
    # its adjusted working Saturday (10-11); end before start (negative).
    ("2025-03-03T09:00", "2025-03-03T11:30"),
    ("2025-03-03T11:00", "2025-03-03T15:00"),
    ("2025-03-03T17:00", "2025-03-04T09:00"),
    ("2025-03-07T17:00", "2025-03-10T09:00"),
    ("2025-09-30T10:00", "2025-10-11T10:00"),
    ("2025-03-04T09:00", "2025-03-03T17:00"),
    ("2025-03-03T12:00", "2025-03-03T14:30"),
    ("2025-03-03T08:30", "2025-03-03T18:00"),
])
def test_work_hours_table(start: str, end: str) -> None:
    s = datetime.fromisoformat(start).replace(tzinfo=UTC) - BEIJING_8
    e = datetime.fromisoformat(end).replace(tzinfo=UTC) - BEIJING_8
    assert work_hours(s, e) == _expected(s, e)


def test_work_hours_random_pairs_match_elapsed() -> None:
    rnd = random.Random(7)
    base = datetime.combine(date(2024, 12, 20), datetime.min.time(), tzinfo=UTC)
    for _ in range(2000):
        s = base + timedelta(seconds=rnd.randrange(0, 400 * 86400), microseconds=rnd.randrange(10**6))
        e = s + timedelta(hours=rnd.uniform(0, 24 * rnd.choice((1, 5, 40))))
        assert work_hours(s, e) == _expected(s, e), (s, e)
    assert work_hours(None, base) is None and work_hours(base, None) is None
