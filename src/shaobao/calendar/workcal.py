"""Working calendar and time-limit arithmetic for case handling.

Every case in the platform carries a time limit (处置时限). Following the
digital urban management standards (数字化城市管理: CJJ/T 106 for the
information system, and the case filing/disposal/closing rules that build on
it), a limit is written as a number *and* a kind of time. The kind decides how
the clock runs:

``EMERGENCY_HOURS`` (紧急工作时)
    Continuous clock hours. Nights, weekends and holidays all count; used for
    hazards that must be dealt with at once (an open manhole, a gas smell).
``WORK_HOURS`` (工作时)
    Only time inside the working periods of working days counts, by default
    08:30–12:00 and 14:30–18:00 (seven hours a day).
``WORK_DAYS`` (工作日)
    Counted in working days. "N个工作日内" ends at the close of business of the
    N-th working day *after* the day the case was received; the receiving day
    never counts. This is how 12345 hotlines and most municipal catalogues
    read the phrase, and it spares a case filed at 17:55 from being due at
    once.
``CALENDAR_DAYS`` (自然日)
    Whole 24-hour days of continuous time, as used for rectification periods
    set in notices.

Working days come from three sources, strongest first: days an administrator
entered (``WorkCalendar.overrides``), the State Council schedule as packaged in
``chinese_calendar``, and a plain Monday–Friday rule for years that package
does not know yet. The fallback keeps the platform running on 1 January of a
year whose schedule has not been published, while ``uncovered_years`` lets the
UI warn that deadlines in that year are provisional.

All functions here are pure: the calendar and "now" are always passed in, so
results can be reproduced and tested without a database or a clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Final, Literal
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "DEFAULT_TZ",
    "DEFAULT_WORK_PERIODS",
    "TIME_KIND_LABELS",
    "Light",
    "TimeKind",
    "WorkCalendar",
    "deadline",
    "elapsed",
    "light",
    "shift",
]


class TimeKind(StrEnum):
    """How a time limit's clock runs; the value doubles as the English label."""

    EMERGENCY_HOURS = "emergency_hours"
    WORK_HOURS = "work_hours"
    WORK_DAYS = "work_days"
    CALENDAR_DAYS = "calendar_days"

    @property
    def label(self) -> str:
        return TIME_KIND_LABELS[self]


TIME_KIND_LABELS: Final[dict[TimeKind, str]] = {
    TimeKind.EMERGENCY_HOURS: "紧急工作时",
    TimeKind.WORK_HOURS: "工作时",
    TimeKind.WORK_DAYS: "工作日",
    TimeKind.CALENDAR_DAYS: "自然日",
}

Light = Literal["green", "yellow", "red"]

DEFAULT_TZ: Final = ZoneInfo("Asia/Shanghai")
DEFAULT_WORK_PERIODS: Final[tuple[tuple[time, time], ...]] = (
    (time(8, 30), time(12, 0)),
    (time(14, 30), time(18, 0)),
)

_US_PER_SECOND: Final = 1_000_000
_US_PER_HOUR: Final = 3600 * _US_PER_SECOND
_US_PER_DAY: Final = 24 * _US_PER_HOUR
# Rounding of float limits to whole microseconds can leave the used fraction a
# hair below an exact threshold; this keeps "exactly 80 %" on the yellow side.
_FRACTION_EPSILON: Final = 1e-9


@lru_cache(maxsize=1)
def _statutory_year_range() -> tuple[int, int]:
    # The package only exposes its range through the error message, so probe
    # the year tables it ships instead of parsing text.
    years = [d.year for d in chinese_calendar.holidays] + [
        d.year for d in chinese_calendar.workdays
    ]
    return min(years), max(years)


@lru_cache(maxsize=1 << 15)
def _statutory_workday(d: date) -> bool | None:
    """The official schedule for ``d``, or None when the package lacks that year."""
    first, last = _statutory_year_range()
    if not first <= d.year <= last:
        return None
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return None


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days and when work happens on them.

    ``overrides`` maps a date to True (working day) or False (day off) and beats
    every other source. Work periods are wall-clock times in ``tz``.
    """

    overrides: Mapping[date, bool] = field(default_factory=dict)
    work_periods: tuple[tuple[time, time], ...] = DEFAULT_WORK_PERIODS
    tz: ZoneInfo = DEFAULT_TZ
    _periods_us: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    _day_us: int = field(init=False, repr=False, compare=False)
    _override_years: frozenset[int] = field(init=False, repr=False, compare=False)
    _fallback_years: set[int] = field(init=False, repr=False, compare=False, default_factory=set)
    # Day walks ask about the same ordinals over and over; a plain dict beats
    # building a date and consulting overrides plus the lru cache each time.
    _by_ordinal: dict[int, bool] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if not self.work_periods:
            raise ValueError("a work calendar needs at least one work period")
        periods = tuple((_time_us(a), _time_us(b)) for a, b in self.work_periods)
        previous_end = 0
        for begin, end in periods:
            if begin >= end:
                raise ValueError(f"work period must start before it ends: {begin}..{end}")
            if begin < previous_end:
                raise ValueError("work periods must be sorted and must not overlap")
            previous_end = end
        # Snapshot the overrides so that later edits to the caller's dict cannot
        # change deadlines already computed from this (frozen) calendar.
        frozen = MappingProxyType(dict(self.overrides))
        object.__setattr__(self, "overrides", frozen)
        object.__setattr__(self, "_periods_us", periods)
        object.__setattr__(self, "_day_us", sum(end - begin for begin, end in periods))
        object.__setattr__(self, "_override_years", frozenset(d.year for d in frozen))

    def __hash__(self) -> int:
        return hash((frozenset(self.overrides.items()), self.work_periods, self.tz))

    @property
    def day_hours(self) -> float:
        """Length of one working day in hours (7.0 with the default periods)."""
        return self._day_us / _US_PER_HOUR

    @property
    def fallback_years(self) -> frozenset[int]:
        """Years for which this calendar has had to guess with Monday–Friday."""
        return frozenset(self._fallback_years)

    def is_workday(self, d: date) -> bool:
        override = self.overrides.get(d)
        if override is not None:
            return override
        official = _statutory_workday(d)
        if official is not None:
            return official
        self._fallback_years.add(d.year)
        return d.weekday() < 5

    def covered(self, year: int) -> bool:
        """Whether working days in ``year`` are known rather than guessed."""
        if year in self._override_years:
            return True
        first, last = _statutory_year_range()
        return first <= year <= last

    def uncovered_years(self, years: Iterable[int]) -> list[int]:
        return sorted({y for y in years if not self.covered(y)})

    # -- working-time primitives on (day ordinal, microsecond of day) --------

    def _workday_ordinal(self, ordinal: int) -> bool:
        known = self._by_ordinal.get(ordinal)
        if known is None:
            known = self._by_ordinal[ordinal] = self.is_workday(date.fromordinal(ordinal))
        return known

    def _overlap(self, lo: int, hi: int) -> int:
        total = 0
        for begin, end in self._periods_us:
            if end <= lo:
                continue
            if begin >= hi:
                break
            total += min(end, hi) - max(begin, lo)
        return total

    def _work_between(self, a: tuple[int, int], b: tuple[int, int]) -> int:
        """Working microseconds in [a, b]; requires a <= b."""
        (day_a, us_a), (day_b, us_b) = a, b
        if day_a == day_b:
            return self._overlap(us_a, us_b) if self._workday_ordinal(day_a) else 0
        total = self._overlap(us_a, _US_PER_DAY) if self._workday_ordinal(day_a) else 0
        full_days = sum(1 for o in range(day_a + 1, day_b) if self._workday_ordinal(o))
        total += full_days * self._day_us
        if self._workday_ordinal(day_b):
            total += self._overlap(0, us_b)
        return total

    def _advance(self, at: tuple[int, int], amount: int) -> tuple[int, int]:
        """Earliest point whose working time since ``at`` reaches ``amount``.

        Landing exactly on the end of a period returns that end rather than the
        start of the next one, so "3.5 h from 08:30" is 12:00, not 14:30.
        """
        if amount <= 0:
            return at
        day, us = at
        while True:
            if self._workday_ordinal(day):
                for begin, end in self._periods_us:
                    if end <= us:
                        continue
                    available = end - max(begin, us)
                    if amount <= available:
                        return day, max(begin, us) + amount
                    amount -= available
            day, us = day + 1, 0

    def _close_of_day(self, at: tuple[int, int]) -> tuple[int, int]:
        """Where the WORK_DAYS clock starts: after the last period of ``at``'s day.

        No working time lies between this point and the next day, so counting
        from here is the same as counting from the following midnight while
        still letting a zero-day limit mean "by close of business today".
        """
        day, us = at
        last_end = self._periods_us[-1][1]
        if us < last_end and self._workday_ordinal(day):
            return day, last_end
        return at


# -- conversions ---------------------------------------------------------------


def _require_aware(*values: datetime) -> None:
    for value in values:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime not allowed: {value!r}")


def _to_local(value: datetime, cal: WorkCalendar) -> tuple[int, int]:
    local = value.astimezone(cal.tz)
    return local.toordinal(), _time_us(local.time())


def _from_local(point: tuple[int, int], cal: WorkCalendar, like: datetime) -> datetime:
    day, us = point
    naive = datetime.combine(date.fromordinal(day), time()) + timedelta(microseconds=us)
    return naive.replace(tzinfo=cal.tz).astimezone(like.tzinfo)


def _limit_us(limit: float, unit_us: int) -> int:
    if isinstance(limit, bool) or not math.isfinite(limit) or limit < 0:
        raise ValueError(f"time limit must be a finite non-negative number: {limit!r}")
    return round(limit * unit_us)


def _real_delta(start: datetime, end: datetime) -> timedelta:
    # Subtracting datetimes that share a tzinfo object ignores DST offsets, so
    # go through UTC to get true elapsed time.
    return end.astimezone(UTC) - start.astimezone(UTC)


def _real_add(start: datetime, delta: timedelta) -> datetime:
    return (start.astimezone(UTC) + delta).astimezone(start.tzinfo)


# -- public API ----------------------------------------------------------------


def deadline(start: datetime, limit: float | int, kind: TimeKind, cal: WorkCalendar) -> datetime:
    """When a clock started at ``start`` with ``limit`` units of ``kind`` runs out.

    The result is aware and in ``start``'s time zone.

    * EMERGENCY_HOURS: ``start + limit`` hours of real time.
    * WORK_HOURS: ``limit`` hours of working time. A start outside working time
      begins counting at the next working period; a deadline that falls
      exactly on the end of a period is that end (12:00 / 18:00).
    * WORK_DAYS: the close of the ``limit``-th working day after the start
      day; the start day itself never counts, whatever the time of day and
      whether or not it is a working day. Received Friday 10:00 with a limit of
      1: due Monday 18:00 (if Monday is a working day). A fractional limit
      continues into the next working day by that share of a working day's
      hours. A limit of 0 means close of business on the start day (or
      ``start`` itself if that is already past or the day is off).
    * CALENDAR_DAYS: ``start + limit`` × 24 h of real time.
    """
    _require_aware(start)
    if kind is TimeKind.EMERGENCY_HOURS:
        return _real_add(start, timedelta(microseconds=_limit_us(limit, _US_PER_HOUR)))
    if kind is TimeKind.CALENDAR_DAYS:
        return _real_add(start, timedelta(microseconds=_limit_us(limit, _US_PER_DAY)))
    at = _to_local(start, cal)
    if kind is TimeKind.WORK_HOURS:
        return _from_local(cal._advance(at, _limit_us(limit, _US_PER_HOUR)), cal, start)
    if kind is TimeKind.WORK_DAYS:
        amount = _limit_us(limit, cal._day_us)
        return _from_local(cal._advance(cal._close_of_day(at), amount), cal, start)
    raise ValueError(f"unknown time kind: {kind!r}")


def elapsed(start: datetime, end: datetime, kind: TimeKind, cal: WorkCalendar) -> float:
    """Time from ``start`` to ``end`` in the unit of ``kind``.

    Hours for the two hour kinds, days for the two day kinds. WORK_DAYS counts
    the working time after the start day, divided by the length of a working
    day: whole working days count 1 each and the day ``end`` falls on counts
    its worked share, while time on the start day counts 0 because the
    WORK_DAYS clock only starts at its close. This makes
    ``elapsed(s, deadline(s, n, k, cal), k, cal) == n`` for every kind.

    ``end`` before ``start`` gives the negated elapsed time the other way round.
    """
    _require_aware(start, end)
    if end < start:
        return -elapsed(end, start, kind, cal)
    if kind is TimeKind.EMERGENCY_HOURS:
        return _real_delta(start, end) / timedelta(hours=1)
    if kind is TimeKind.CALENDAR_DAYS:
        return _real_delta(start, end) / timedelta(days=1)
    a, b = _to_local(start, cal), _to_local(end, cal)
    if kind is TimeKind.WORK_HOURS:
        return cal._work_between(a, b) / _US_PER_HOUR
    if kind is TimeKind.WORK_DAYS:
        anchor = cal._close_of_day(a)
        if b <= anchor:
            return 0.0
        return cal._work_between(anchor, b) / cal._day_us
    raise ValueError(f"unknown time kind: {kind!r}")


def light(
    start: datetime,
    due: datetime,
    now: datetime,
    kind: TimeKind,
    cal: WorkCalendar,
    *,
    yellow_at: float = 0.8,
) -> Light:
    """Traffic light for a running clock.

    "red" once ``now`` is past ``due``; otherwise "yellow" when at least
    ``yellow_at`` of the allowed time (``start``..``due``, measured with
    :func:`elapsed` in ``kind``) is used, else "green". A clock whose allowed
    time measures zero is yellow until it turns red: nothing is left of it.
    """
    if not 0 < yellow_at <= 1:
        raise ValueError(f"yellow_at must be in (0, 1]: {yellow_at!r}")
    _require_aware(start, due, now)
    if now > due:
        return "red"
    allowed = elapsed(start, due, kind, cal)
    if allowed <= 0:
        return "yellow"
    used = elapsed(start, now, kind, cal) / allowed
    return "yellow" if used >= yellow_at - _FRACTION_EPSILON else "green"


def shift(
    due: datetime,
    paused_from: datetime,
    paused_to: datetime,
    kind: TimeKind,
    cal: WorkCalendar,
) -> datetime:
    """Move ``due`` later by the time the clock stood still (挂起/暂停).

    The pause is measured the way ``kind``'s clock runs and added back after
    ``due``: real time for EMERGENCY_HOURS and CALENDAR_DAYS, working time for
    WORK_HOURS and WORK_DAYS. For WORK_DAYS the pause is not subject to the
    start-day rule of :func:`deadline`; a pause from Monday 10:00 to Tuesday
    10:00 gives back exactly one working day's worth of working time. Whether
    pausing an already overdue clock is allowed is a workflow decision left to
    the caller: the pause is added as given.
    """
    _require_aware(due, paused_from, paused_to)
    if paused_to < paused_from:
        raise ValueError("a pause cannot end before it starts")
    if kind in (TimeKind.EMERGENCY_HOURS, TimeKind.CALENDAR_DAYS):
        return _real_add(due, _real_delta(paused_from, paused_to))
    if kind in (TimeKind.WORK_HOURS, TimeKind.WORK_DAYS):
        lost = cal._work_between(_to_local(paused_from, cal), _to_local(paused_to, cal))
        return _from_local(cal._advance(_to_local(due, cal), lost), cal, due)
    raise ValueError(f"unknown time kind: {kind!r}")
