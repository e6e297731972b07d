"""Tests for the working calendar and time-limit arithmetic.

Every expected value in the tables was worked out by hand from the published
holiday schedules (cross-checked against chinese_calendar before writing) so
that the tables, not the code under test, are the source of truth.
"""

from __future__ import annotations

import math
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shaobao.calendar.workcal import (
    TIME_KIND_LABELS,
    TimeKind,
    WorkCalendar,
    deadline,
    elapsed,
    light,
    shift,
)

SH = ZoneInfo("Asia/Shanghai")
EH = TimeKind.EMERGENCY_HOURS
WH = TimeKind.WORK_HOURS
WD = TimeKind.WORK_DAYS
CD = TimeKind.CALENDAR_DAYS

DEFAULT = WorkCalendar()


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=SH)


# -- labels ------------------------------------------------------------------


def test_kind_values_are_english_and_labels_chinese() -> None:
    assert [k.value for k in TimeKind] == [
        "emergency_hours",
        "work_hours",
        "work_days",
        "calendar_days",
    ]
    assert TIME_KIND_LABELS == {EH: "紧急工作时", WH: "工作时", WD: "工作日", CD: "自然日"}
    assert WD.label == "工作日"
    assert TimeKind("work_hours") is WH


# -- deadline: one table per scenario ------------------------------------------

# 2025-03-07 is a Friday; 8 and 9 March are an ordinary weekend.
ORDINARY = [
    pytest.param(at(2025, 3, 11, 9), 5, EH, at(2025, 3, 11, 14), id="eh-5h-same-day"),
    pytest.param(at(2025, 3, 11, 9), 20, EH, at(2025, 3, 12, 5), id="eh-20h-through-night"),
    pytest.param(at(2025, 3, 11, 9), 2, WH, at(2025, 3, 11, 11), id="wh-2h-morning"),
    pytest.param(at(2025, 3, 11, 9), 4, WH, at(2025, 3, 11, 15, 30), id="wh-4h-over-lunch"),
    pytest.param(at(2025, 3, 11, 9), 7, WH, at(2025, 3, 12, 9), id="wh-7h-next-morning"),
    pytest.param(at(2025, 3, 11, 9), 3, WH, at(2025, 3, 11, 12), id="wh-ends-on-period-end"),
    pytest.param(at(2025, 3, 11, 9), 0, WH, at(2025, 3, 11, 9), id="wh-zero"),
    pytest.param(at(2025, 3, 11, 9), 1, WD, at(2025, 3, 12, 18), id="wd-1"),
    pytest.param(at(2025, 3, 11, 9), 3, WD, at(2025, 3, 14, 18), id="wd-3-to-friday"),
    pytest.param(at(2025, 3, 11, 9), 5, WD, at(2025, 3, 18, 18), id="wd-5-over-weekend"),
    pytest.param(at(2025, 3, 11, 9), 0.5, WD, at(2025, 3, 12, 12), id="wd-half"),
    pytest.param(at(2025, 3, 11, 9), 0, WD, at(2025, 3, 11, 18), id="wd-zero-close-today"),
    pytest.param(at(2025, 3, 11, 9), 3, CD, at(2025, 3, 14, 9), id="cd-3"),
    pytest.param(at(2025, 3, 11, 9), 0.5, CD, at(2025, 3, 11, 21), id="cd-half"),
]

FRIDAY_EVENING = [
    pytest.param(at(2025, 3, 7, 19, 30), 12, EH, at(2025, 3, 8, 7, 30), id="eh-12h"),
    pytest.param(at(2025, 3, 7, 19, 30), 2, WH, at(2025, 3, 10, 10, 30), id="wh-2h-monday"),
    pytest.param(at(2025, 3, 7, 19, 30), 3.5, WH, at(2025, 3, 10, 12), id="wh-3.5h-noon"),
    pytest.param(at(2025, 3, 7, 19, 30), 1, WD, at(2025, 3, 10, 18), id="wd-1-monday"),
    pytest.param(at(2025, 3, 7, 19, 30), 2, WD, at(2025, 3, 11, 18), id="wd-2-tuesday"),
    pytest.param(at(2025, 3, 7, 19, 30), 2, CD, at(2025, 3, 9, 19, 30), id="cd-2-sunday"),
    pytest.param(at(2025, 3, 7, 10), 1, WD, at(2025, 3, 10, 18), id="wd-1-friday-morning"),
]

LUNCH_BREAK = [
    pytest.param(at(2025, 3, 12, 12, 45), 1, EH, at(2025, 3, 12, 13, 45), id="eh-1h"),
    pytest.param(at(2025, 3, 12, 12, 45), 1, WH, at(2025, 3, 12, 15, 30), id="wh-1h"),
    pytest.param(at(2025, 3, 12, 12, 45), 4, WH, at(2025, 3, 13, 9), id="wh-4h-next-day"),
    pytest.param(at(2025, 3, 12, 12, 45), 1, WD, at(2025, 3, 13, 18), id="wd-1"),
]

# chinese_calendar 1.11: off 2026-02-15..23, working Saturdays 2026-02-14 and 02-28.
SPRING_FESTIVAL_2026 = [
    pytest.param(at(2026, 2, 13, 16), 4, WH, at(2026, 2, 14, 10, 30), id="wh-into-sat-14"),
    pytest.param(at(2026, 2, 14, 17), 2, WH, at(2026, 2, 24, 9, 30), id="wh-over-holiday"),
    pytest.param(at(2026, 2, 13, 10), 1, WD, at(2026, 2, 14, 18), id="wd-1-sat-14"),
    pytest.param(at(2026, 2, 13, 10), 2, WD, at(2026, 2, 24, 18), id="wd-2-over-holiday"),
    pytest.param(at(2026, 2, 15, 10), 5, WD, at(2026, 2, 28, 18), id="wd-5-sat-28"),
    pytest.param(at(2026, 2, 15, 10), 48, EH, at(2026, 2, 17, 10), id="eh-holiday-counts"),
    pytest.param(at(2026, 2, 13, 10), 7, CD, at(2026, 2, 20, 10), id="cd-holiday-counts"),
]

# chinese_calendar 1.11: off 2025-10-01..08 (and Sat 09-27), working Sun 09-28 and Sat 10-11.
NATIONAL_DAY_2025 = [
    pytest.param(at(2025, 9, 26, 15), 4, WH, at(2025, 9, 28, 9, 30), id="wh-into-sun-28"),
    pytest.param(at(2025, 9, 30, 16), 5, WH, at(2025, 10, 9, 11, 30), id="wh-over-holiday"),
    pytest.param(at(2025, 9, 30, 10), 1, WD, at(2025, 10, 9, 18), id="wd-1-oct-9"),
    pytest.param(at(2025, 9, 30, 10), 3, WD, at(2025, 10, 11, 18), id="wd-3-sat-oct-11"),
    pytest.param(at(2025, 9, 27, 10), 1, WD, at(2025, 9, 28, 18), id="wd-1-from-sat-27"),
]

# chinese_calendar 1.11: Mid-autumn off 2026-09-25..27, working Sun 09-20;
# National Day off 10-01..07, working Sat 10-10, Sun 10-11 off.
NATIONAL_DAY_2026 = [
    pytest.param(at(2026, 9, 30, 10), 1, WD, at(2026, 10, 8, 18), id="wd-1-oct-8"),
    pytest.param(at(2026, 9, 30, 10), 3, WD, at(2026, 10, 10, 18), id="wd-3-sat-oct-10"),
    pytest.param(at(2026, 9, 30, 10), 4, WD, at(2026, 10, 12, 18), id="wd-4-skips-sun-11"),
    pytest.param(at(2026, 9, 24, 17), 2, WH, at(2026, 9, 28, 9, 30), id="wh-over-mid-autumn"),
    pytest.param(at(2026, 9, 19, 10), 1, WD, at(2026, 9, 20, 18), id="wd-1-sun-20"),
]


def _scenario(name: str, params: list[Any]) -> list[Any]:
    return [pytest.param(*p.values, id=f"{name}:{p.id}") for p in params]


DEADLINE_CASES = (
    _scenario("ordinary", ORDINARY)
    + _scenario("friday-evening", FRIDAY_EVENING)
    + _scenario("lunch-break", LUNCH_BREAK)
    + _scenario("spring-festival-2026", SPRING_FESTIVAL_2026)
    + _scenario("national-day-2025", NATIONAL_DAY_2025)
    + _scenario("national-day-2026", NATIONAL_DAY_2026)
)


@pytest.mark.parametrize(("start", "limit", "kind", "expected"), DEADLINE_CASES)
def test_deadline(start: datetime, limit: float, kind: TimeKind, expected: datetime) -> None:
    assert deadline(start, limit, kind, DEFAULT) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 2, 14), True, id="2026-02-14-sat-working"),
        pytest.param(date(2026, 2, 15), False, id="2026-02-15-holiday"),
        pytest.param(date(2026, 2, 23), False, id="2026-02-23-last-holiday"),
        pytest.param(date(2026, 2, 24), True, id="2026-02-24-back-to-work"),
        pytest.param(date(2026, 2, 28), True, id="2026-02-28-sat-working"),
        pytest.param(date(2025, 9, 27), False, id="2025-09-27-sat-off"),
        pytest.param(date(2025, 9, 28), True, id="2025-09-28-sun-working"),
        pytest.param(date(2025, 10, 1), False, id="2025-10-01-holiday"),
        pytest.param(date(2025, 10, 8), False, id="2025-10-08-holiday"),
        pytest.param(date(2025, 10, 11), True, id="2025-10-11-sat-working"),
        pytest.param(date(2026, 9, 20), True, id="2026-09-20-sun-working"),
        pytest.param(date(2026, 10, 7), False, id="2026-10-07-holiday"),
        pytest.param(date(2026, 10, 10), True, id="2026-10-10-sat-working"),
        pytest.param(date(2026, 10, 11), False, id="2026-10-11-sun-off"),
    ],
)
def test_is_workday_official_schedule(day: date, expected: bool) -> None:
    assert DEFAULT.is_workday(day) is expected


# -- overrides -----------------------------------------------------------------

SAT_WORKING = WorkCalendar(overrides={date(2025, 3, 8): True})
MON_OFF = WorkCalendar(overrides={date(2025, 3, 10): False})
HOLIDAY_WORKING = WorkCalendar(overrides={date(2025, 10, 8): True})
ADJUSTED_SUNDAY_OFF = WorkCalendar(overrides={date(2025, 9, 28): False})


@pytest.mark.parametrize(
    ("cal", "start", "limit", "kind", "expected"),
    [
        pytest.param(SAT_WORKING, at(2025, 3, 7, 10), 1, WD, at(2025, 3, 8, 18), id="sat-on-wd"),
        pytest.param(SAT_WORKING, at(2025, 3, 7, 17), 2, WH, at(2025, 3, 8, 9, 30), id="sat-on-wh"),
        pytest.param(MON_OFF, at(2025, 3, 7, 10), 1, WD, at(2025, 3, 11, 18), id="mon-off-wd"),
        pytest.param(MON_OFF, at(2025, 3, 7, 17), 2, WH, at(2025, 3, 11, 9, 30), id="mon-off-wh"),
        pytest.param(
            HOLIDAY_WORKING, at(2025, 9, 30, 10), 1, WD, at(2025, 10, 8, 18), id="holiday-on"
        ),
        pytest.param(
            ADJUSTED_SUNDAY_OFF, at(2025, 9, 26, 15), 4, WH, at(2025, 9, 29, 9, 30), id="adj-off"
        ),
    ],
)
def test_deadline_with_overrides(
    cal: WorkCalendar, start: datetime, limit: float, kind: TimeKind, expected: datetime
) -> None:
    assert deadline(start, limit, kind, cal) == expected


def test_overrides_are_snapshotted() -> None:
    entered = {date(2025, 3, 8): True}
    cal = WorkCalendar(overrides=entered)
    entered[date(2025, 3, 8)] = False
    assert cal.is_workday(date(2025, 3, 8)) is True


# -- years chinese_calendar does not cover ------------------------------------


def test_uncovered_year_falls_back_to_monday_to_friday() -> None:
    cal = WorkCalendar()
    assert cal.covered(2026) is True
    assert cal.covered(2027) is False
    assert cal.uncovered_years([2028, 2025, 2027, 2027, 2026]) == [2027, 2028]
    # 1 January 2027 is a Friday: the guess makes it a working day.
    assert cal.is_workday(date(2027, 1, 1)) is True
    assert cal.is_workday(date(2027, 1, 2)) is False
    assert cal.fallback_years == frozenset({2027})
    assert deadline(at(2026, 12, 31, 10), 1, WD, cal) == at(2027, 1, 1, 18)


def test_override_in_uncovered_year_makes_it_covered() -> None:
    cal = WorkCalendar(overrides={date(2027, 1, 1): False})
    assert cal.covered(2027) is True
    assert cal.uncovered_years([2027, 2028]) == [2028]
    assert cal.is_workday(date(2027, 1, 1)) is False
    assert cal.is_workday(date(2027, 1, 4)) is True
    assert deadline(at(2026, 12, 31, 10), 1, WD, cal) == at(2027, 1, 4, 18)


# -- elapsed -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "kind", "expected"),
    [
        pytest.param(at(2025, 3, 11, 9), at(2025, 3, 11, 15, 30), WH, 4.0, id="wh-over-lunch"),
        pytest.param(at(2025, 3, 7, 17), at(2025, 3, 10, 9, 30), WH, 2.0, id="wh-over-weekend"),
        pytest.param(at(2025, 3, 11, 12, 15), at(2025, 3, 11, 14), WH, 0.0, id="wh-in-lunch"),
        pytest.param(at(2025, 3, 11, 15, 30), at(2025, 3, 11, 9), WH, -4.0, id="wh-reversed"),
        pytest.param(at(2025, 3, 7, 17), at(2025, 3, 10, 9, 30), EH, 64.5, id="eh-weekend"),
        pytest.param(at(2025, 3, 7, 17), at(2025, 3, 10, 5), CD, 2.5, id="cd-weekend"),
        pytest.param(at(2025, 3, 7, 10), at(2025, 3, 7, 17), WD, 0.0, id="wd-start-day-free"),
        pytest.param(at(2025, 3, 7, 10), at(2025, 3, 10, 12), WD, 0.5, id="wd-half-monday"),
        pytest.param(at(2025, 3, 7, 10), at(2025, 3, 11, 18), WD, 2.0, id="wd-two-days"),
        pytest.param(at(2025, 3, 11, 9), at(2025, 3, 13, 12), WD, 1.5, id="wd-one-and-half"),
        pytest.param(at(2026, 2, 13, 10), at(2026, 2, 24, 18), WD, 2.0, id="wd-spring-festival"),
    ],
)
def test_elapsed(start: datetime, end: datetime, kind: TimeKind, expected: float) -> None:
    assert elapsed(start, end, kind, DEFAULT) == pytest.approx(expected, abs=1e-9)


# -- light ---------------------------------------------------------------------


# fmt: off
LIGHT_CASES = [
    # 10 working hours from Tue 08:30 run out Wed 11:30; 80 % is reached Wed 09:30.
    pytest.param(
        at(2025, 3, 11, 8, 30), at(2025, 3, 12, 11, 30), at(2025, 3, 11, 20), WH, 0.8,
        "green", id="wh-70pct",
    ),
    pytest.param(
        at(2025, 3, 11, 8, 30), at(2025, 3, 12, 11, 30), at(2025, 3, 12, 9, 29, 59), WH, 0.8,
        "green", id="wh-just-under-80",
    ),
    pytest.param(
        at(2025, 3, 11, 8, 30), at(2025, 3, 12, 11, 30), at(2025, 3, 12, 9, 30), WH, 0.8,
        "yellow", id="wh-exactly-80",
    ),
    pytest.param(
        at(2025, 3, 11, 8, 30), at(2025, 3, 12, 11, 30), at(2025, 3, 12, 11, 30), WH, 0.8,
        "yellow", id="wh-at-due",
    ),
    pytest.param(
        at(2025, 3, 11, 8, 30), at(2025, 3, 12, 11, 30), at(2025, 3, 12, 11, 30, 0, 1), WH,
        0.8, "red", id="wh-past-due",
    ),
    # 1 working day from Fri 10:00 is due Mon 18:00; 80 % = 5.6 h of Monday = 16:36.
    pytest.param(
        at(2025, 3, 7, 10), at(2025, 3, 10, 18), at(2025, 3, 7, 17, 59), WD, 0.8,
        "green", id="wd-start-day",
    ),
    pytest.param(
        at(2025, 3, 7, 10), at(2025, 3, 10, 18), at(2025, 3, 10, 16, 35), WD, 0.8,
        "green", id="wd-just-under-80",
    ),
    pytest.param(
        at(2025, 3, 7, 10), at(2025, 3, 10, 18), at(2025, 3, 10, 16, 36), WD, 0.8,
        "yellow", id="wd-exactly-80",
    ),
    pytest.param(
        at(2025, 3, 7, 10), at(2025, 3, 10, 18), at(2025, 3, 10, 18, 0, 1), WD, 0.8,
        "red", id="wd-past-due",
    ),
    pytest.param(
        at(2025, 3, 11, 9), at(2025, 3, 11, 19), at(2025, 3, 11, 16, 59), EH, 0.8,
        "green", id="eh-just-under-80",
    ),
    pytest.param(
        at(2025, 3, 11, 9), at(2025, 3, 11, 19), at(2025, 3, 11, 17), EH, 0.8,
        "yellow", id="eh-exactly-80",
    ),
    pytest.param(
        at(2025, 3, 1), at(2025, 3, 11), at(2025, 3, 8, 23, 59), CD, 0.8,
        "green", id="cd-just-under-80",
    ),
    pytest.param(
        at(2025, 3, 1), at(2025, 3, 11), at(2025, 3, 9), CD, 0.8, "yellow", id="cd-80",
    ),
    pytest.param(
        at(2025, 3, 11, 9), at(2025, 3, 11, 19), at(2025, 3, 11, 14), EH, 0.5,
        "yellow", id="custom-threshold",
    ),
    pytest.param(
        at(2025, 3, 7, 10), at(2025, 3, 7, 18), at(2025, 3, 7, 12), WD, 0.8,
        "yellow", id="zero-allowance",
    ),
]
# fmt: on


@pytest.mark.parametrize(("start", "due", "now", "kind", "yellow_at", "expected"), LIGHT_CASES)
def test_light(
    start: datetime,
    due: datetime,
    now: datetime,
    kind: TimeKind,
    yellow_at: float,
    expected: str,
) -> None:
    assert light(start, due, now, kind, DEFAULT, yellow_at=yellow_at) == expected


@pytest.mark.parametrize("yellow_at", [0.0, -0.1, 1.5], ids=["zero", "negative", "above-one"])
def test_light_rejects_bad_threshold(yellow_at: float) -> None:
    with pytest.raises(ValueError):
        light(
            at(2025, 3, 11, 9),
            at(2025, 3, 11, 19),
            at(2025, 3, 11, 10),
            EH,
            DEFAULT,
            yellow_at=yellow_at,
        )


# -- shift ---------------------------------------------------------------------

# Paused Fri 16:00 to Mon 10:00: 2 h on Friday + 1.5 h on Monday of working time,
# 66 h of real time.
# fmt: off
SHIFT_CASES = [
    pytest.param(
        at(2025, 3, 11, 12), at(2025, 3, 7, 16), at(2025, 3, 10, 10), WH,
        at(2025, 3, 11, 18), id="wh-over-weekend",
    ),
    pytest.param(
        at(2025, 3, 11, 12), at(2025, 3, 7, 16), at(2025, 3, 10, 10), WD,
        at(2025, 3, 11, 18), id="wd-over-weekend",
    ),
    pytest.param(
        at(2025, 3, 11, 12), at(2025, 3, 7, 16), at(2025, 3, 10, 10), EH,
        at(2025, 3, 14, 6), id="eh-over-weekend",
    ),
    pytest.param(
        at(2025, 3, 11, 12), at(2025, 3, 7, 16), at(2025, 3, 10, 10), CD,
        at(2025, 3, 14, 6), id="cd-over-weekend",
    ),
    pytest.param(
        at(2025, 3, 11, 12), at(2025, 3, 8, 10), at(2025, 3, 9, 20), WH,
        at(2025, 3, 11, 12), id="wh-weekend-only-no-loss",
    ),
    pytest.param(
        at(2025, 3, 11, 12), at(2025, 3, 8, 10), at(2025, 3, 9, 20), EH,
        at(2025, 3, 12, 22), id="eh-weekend-only",
    ),
    # Only the working Saturday 2026-02-14 is lost: one working day.
    pytest.param(
        at(2026, 2, 27, 18), at(2026, 2, 13, 18), at(2026, 2, 24, 8, 30), WD,
        at(2026, 2, 28, 18), id="wd-over-spring-festival",
    ),
]
# fmt: on


@pytest.mark.parametrize(("due", "paused_from", "paused_to", "kind", "expected"), SHIFT_CASES)
def test_shift(
    due: datetime, paused_from: datetime, paused_to: datetime, kind: TimeKind, expected: datetime
) -> None:
    assert shift(due, paused_from, paused_to, kind, DEFAULT) == expected


def test_shift_rejects_backwards_pause() -> None:
    with pytest.raises(ValueError):
        shift(at(2025, 3, 11, 12), at(2025, 3, 10, 10), at(2025, 3, 7, 16), WH, DEFAULT)


# -- time zones, validation, configuration ------------------------------------


def test_result_keeps_input_time_zone() -> None:
    start = datetime(2025, 3, 11, 1, tzinfo=UTC)  # 09:00 in Shanghai
    due = deadline(start, 2, WH, DEFAULT)
    assert due == datetime(2025, 3, 11, 3, tzinfo=UTC)
    assert due.tzinfo is UTC


@pytest.mark.parametrize(
    ("limit", "kind"),
    [
        pytest.param(-1, WH, id="negative"),
        pytest.param(math.nan, WD, id="nan"),
        pytest.param(math.inf, EH, id="inf"),
    ],
)
def test_deadline_rejects_bad_limits(limit: float, kind: TimeKind) -> None:
    with pytest.raises(ValueError):
        deadline(at(2025, 3, 11, 9), limit, kind, DEFAULT)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError):
        deadline(datetime(2025, 3, 11, 9), 1, WH, DEFAULT)


def test_custom_work_periods() -> None:
    cal = WorkCalendar(overrides={}, work_periods=((time(9), time(17)),))
    assert cal.day_hours == 8.0
    assert deadline(at(2025, 3, 11, 9), 0.5, WD, cal) == at(2025, 3, 12, 13)
    assert deadline(at(2025, 3, 11, 16), 2, WH, cal) == at(2025, 3, 12, 10)


@pytest.mark.parametrize(
    "periods",
    [
        pytest.param((), id="empty"),
        pytest.param(((time(12), time(8)),), id="reversed"),
        pytest.param(((time(8), time(12)), (time(11), time(18))), id="overlapping"),
    ],
)
def test_bad_work_periods(periods: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):
        WorkCalendar(overrides={}, work_periods=periods)


def test_calendars_hash_and_compare_by_content() -> None:
    a = WorkCalendar(overrides={date(2025, 3, 8): True})
    b = WorkCalendar(overrides={date(2025, 3, 8): True})
    assert a == b
    assert hash(a) == hash(b)
    assert a != DEFAULT


# -- properties ------------------------------------------------------------------

CALENDARS = st.sampled_from(
    [
        DEFAULT,
        SAT_WORKING,
        MON_OFF,
        WorkCalendar(overrides={date(2027, 1, 1): False, date(2026, 10, 11): True}),
    ]
)
ZONES = st.sampled_from([SH, ZoneInfo("UTC"), ZoneInfo("America/New_York")])
STARTS = ZONES.flatmap(
    lambda tz: st.datetimes(
        min_value=datetime(2004, 1, 1),
        max_value=datetime(2027, 6, 30),
        timezones=st.just(tz),
        allow_imaginary=False,
    )
)
MAX_LIMIT = {EH: 1500.0, WH: 420.0, WD: 60.0, CD: 365.0}


def _limits(kind: TimeKind) -> st.SearchStrategy[float]:
    top = MAX_LIMIT[kind]
    return st.one_of(
        st.integers(min_value=0, max_value=int(top)).map(float),
        st.floats(min_value=0, max_value=top, allow_nan=False, allow_infinity=False),
    )


@pytest.mark.parametrize("kind", list(TimeKind), ids=[k.value for k in TimeKind])
@settings(deadline=None, max_examples=150)
@given(data=st.data(), start=STARTS, cal=CALENDARS)
def test_round_trip(
    kind: TimeKind, data: st.DataObject, start: datetime, cal: WorkCalendar
) -> None:
    limit = data.draw(_limits(kind), label="limit")
    due = deadline(start, limit, kind, cal)
    assert due >= start
    assert due.tzinfo is start.tzinfo
    assert elapsed(start, due, kind, cal) == pytest.approx(limit, abs=1e-6)


@pytest.mark.parametrize("kind", list(TimeKind), ids=[k.value for k in TimeKind])
@settings(deadline=None, max_examples=100)
@given(data=st.data(), start=STARTS, cal=CALENDARS)
def test_deadline_is_monotonic_in_limit(
    kind: TimeKind, data: st.DataObject, start: datetime, cal: WorkCalendar
) -> None:
    a = data.draw(_limits(kind), label="a")
    b = data.draw(_limits(kind), label="b")
    lo, hi = sorted((a, b))
    assert deadline(start, lo, kind, cal) <= deadline(start, hi, kind, cal)


@pytest.mark.parametrize("kind", [WH, WD], ids=["work_hours", "work_days"])
@settings(deadline=None, max_examples=100)
@given(
    start=STARTS,
    pause=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
    gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
    cal=CALENDARS,
)
def test_shift_restores_working_time_lost(
    kind: TimeKind, start: datetime, pause: timedelta, gap: timedelta, cal: WorkCalendar
) -> None:
    due = start + gap
    paused_from = start
    paused_to = start + pause
    moved = shift(due, paused_from, paused_to, kind, cal)
    lost = elapsed(paused_from, paused_to, WH, cal)
    assert elapsed(due, moved, WH, cal) == pytest.approx(lost, abs=1e-6)


# -- speed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "limit"),
    [pytest.param(WD, 60, id="wd-60"), pytest.param(WH, 420, id="wh-420")],
)
def test_long_limits_are_fast(kind: TimeKind, limit: int) -> None:
    cal = WorkCalendar()
    start = at(2025, 9, 20, 10)
    deadline(start, limit, kind, cal)  # warm the per-day cache
    runs = 200
    began = clock.perf_counter()
    for _ in range(runs):
        due = deadline(start, limit, kind, cal)
        elapsed(start, due, kind, cal)
    per_call = (clock.perf_counter() - began) / runs
    # Generous bound so a loaded CI machine does not flake; typical is ~0.1 ms.
    assert per_call < 1e-3
