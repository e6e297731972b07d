"""Facts per case and their incremental rollups (SPEC §5).

`facts_on_event` runs inside every case event's transaction (registered in
AnalyticsConfig.ready): it derives the case's flags afresh from the case row (plus the
one fact only the event knows: whether the latest check-in was on time), compares them
with the stored row and pushes the difference into the daily and monthly rollups with
`INSERT … ON CONFLICT DO UPDATE SET col = col + excluded.col` — one statement, safe
against concurrent writers on both SQLite and PostgreSQL. When the rollup key moves
(e.g. a whistle sets the lead department) the old flags are subtracted from the old key
and the new ones added to the new key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.db import connection

from shaobao.analytics.models import (
    COARSE_DIMS,
    FLAGS,
    KEY_DIMS,
    CaseFacts,
    DailyCoarseRollup,
    DailyRollup,
    MonthlyCoarseRollup,
    MonthlyRollup,
)
from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import TimeKind, WorkCalendar, elapsed
from shaobao.cases.hooks import EventContext

BEIJING = ZoneInfo("Asia/Shanghai")
OPEN = frozenset({"submitted", "accepted", "station", "whistled", "in_progress", "suspended",
                  "handled", "escalated"})
STAFF_FEEDBACK_EXCLUDED_ROLES = frozenset({"resident", "unit_leader"})

Key = tuple[Any, ...]  # (period, district_code, street_id, community_id, item_code, dept_id)


class CaseLike(Protocol):
    """What the derivation reads: a `Case`, or a light row built by the importer."""

    pk: Any
    district_code: str
    status: str
    channel: str
    created_at: datetime
    street_id: int | None
    community_id: int | None
    grid_id: int | None
    lead_department_id: int | None
    accepted_at: datetime | None
    whistled_at: datetime | None
    checked_in_at: datetime | None
    handled_at: datetime | None
    closed_at: datetime | None
    handle_due: datetime | None
    feedback_at: datetime | None
    feedback_due: datetime | None
    rating: str
    resolved_confirmed: bool | None
    rework_count: int
    overdue: bool


def local_day(at: datetime) -> date:
    return at.astimezone(BEIJING).date()


def work_hours(start: datetime | None, end: datetime | None) -> float | None:
    """Working hours from start to end, as `elapsed(…, WORK_HOURS, …)`, to 4 decimals."""
    if start is None or end is None:
        return None
    cal = work_calendar()
    if end < start:
        return round(elapsed(start, end, TimeKind.WORK_HOURS, cal), 4)
    return round(_clock_for(cal).work_us(start, end) / _US_PER_HOUR, 4)


_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR


class _WorkClock:
    """`elapsed` for WORK_HOURS, the same arithmetic without its per-call checks.

    Bulk imports and rebuilds derive millions of durations; `elapsed` re-validates its
    arguments and re-reads the calendar for every one, which made it the largest cost of
    `derive`. `tests/analytics/test_work_hours.py` pins equality with `elapsed`.
    """

    def __init__(self, cal: WorkCalendar) -> None:
        self.cal = cal
        self.periods = tuple((_us_of_day(a), _us_of_day(b)) for a, b in cal.work_periods)
        self.day_us = sum(b - a for a, b in self.periods)
        self.workdays: dict[int, bool] = {}
        # Workdays strictly between two days, by (first, last) ordinal: a case's open
        # span repeats across a file (most close within days of being reported).
        self.between: dict[tuple[int, int], int] = {}

    def is_workday(self, ordinal: int) -> bool:
        known = self.workdays.get(ordinal)
        if known is None:
            known = self.workdays[ordinal] = self.cal.is_workday(date.fromordinal(ordinal))
        return known

    def overlap(self, lo: int, hi: int) -> int:
        total = 0
        for begin, end in self.periods:
            if end > lo and begin < hi:
                total += (end if end < hi else hi) - (begin if begin > lo else lo)
        return total

    def work_us(self, start: datetime, end: datetime) -> int:
        """Working microseconds in [start, end]; requires start <= end."""
        tz = self.cal.tz
        a, b = start.astimezone(tz), end.astimezone(tz)
        day_a, day_b = a.toordinal(), b.toordinal()
        us_a, us_b = _us_of_day(a), _us_of_day(b)
        if day_a == day_b:
            return self.overlap(us_a, us_b) if self.is_workday(day_a) else 0
        total = self.overlap(us_a, _US_PER_DAY) if self.is_workday(day_a) else 0
        if day_b - day_a > 1:
            span = (day_a, day_b)
            days = self.between.get(span)
            if days is None:
                days = self.between[span] = sum(1 for o in range(day_a + 1, day_b)
                                                if self.is_workday(o))
            total += self.day_us * days
        return total + (self.overlap(0, us_b) if self.is_workday(day_b) else 0)


def _us_of_day(t: datetime | time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


_clock: _WorkClock | None = None


def _clock_for(cal: WorkCalendar) -> _WorkClock:
    """One clock per calendar object (`work_calendar()` swaps it when overrides change)."""
    global _clock
    if _clock is None or _clock.cal is not cal:
        _clock = _WorkClock(cal)
    return _clock


def derive(case: CaseLike, item_code: str, check_in_on_time: bool) -> dict[str, Any]:
    """All columns of a case's facts row, from the case as it stands now.

    Written as one dict of plain conditionals (`1 if … else 0`): the importer derives
    every row of a file, and this form costs about half of `int(…)` calls and a merge.
    """
    status = case.status
    day = local_day(case.created_at)
    accepted = case.accepted_at is not None
    whistled = case.whistled_at is not None
    checked_in = whistled and case.checked_in_at is not None
    closed = status == "closed"
    rating = case.rating or ""
    handle_due, handled_at = case.handle_due, case.handled_at
    on_time_close = closed and (handle_due is None or handled_at is None
                                or handled_at <= handle_due)
    feedback_at, feedback_due = case.feedback_at, case.feedback_due
    return {
        "district_code": case.district_code, "day": day, "month": day.replace(day=1),
        "street_id": case.street_id or 0, "community_id": case.community_id or 0,
        "grid_id": case.grid_id or 0, "item_code": item_code or "",
        "department_id": case.lead_department_id or 0, "channel": case.channel,
        "check_in_hours": work_hours(case.whistled_at, case.checked_in_at) if checked_in
        else None,
        "close_hours": work_hours(case.created_at, case.closed_at) if closed else None,
        # the flags, in FLAGS order
        "submitted": 1,
        "accepted": 1 if accepted else 0,
        "rejected": 1 if status == "rejected" else 0,
        "merged": 1 if status == "merged" else 0,
        "due_to_close": 1 if accepted and status not in ("rejected", "merged") else 0,
        "whistled": 1 if whistled else 0,
        "checked_in": 1 if checked_in else 0,
        "checked_in_on_time": 1 if checked_in and check_in_on_time else 0,
        "closed": 1 if closed else 0,
        "closed_on_time": 1 if on_time_close else 0,
        "overdue_open": 1 if case.overdue and status in OPEN else 0,
        "reworked": int(case.rework_count or 0),
        "rated": 1 if rating else 0,
        "satisfied": 1 if rating == "satisfied" else 0,
        "basically_satisfied": 1 if rating == "basically_satisfied" else 0,
        "unsatisfied": 1 if rating == "unsatisfied" else 0,
        "resolved": 1 if rating and case.resolved_confirmed is True else 0,
        "station_solved": 1 if closed and not whistled else 0,
        "whistle_closed": 1 if closed and whistled else 0,
        "feedback_3d": 1 if (feedback_at is not None and feedback_due is not None
                             and feedback_at <= feedback_due) else 0,
        "rated_closed": 1 if closed and rating else 0,
    }


@dataclass(frozen=True)
class RollupSpec:
    table: str
    period: str  # "day" or "month"
    dims: tuple[str, ...]

    @property
    def upsert_sql(self) -> str:
        cols = [self.period, *self.dims, *FLAGS]
        marks = ", ".join(["%s"] * len(cols))
        conflict = ", ".join([self.period, *self.dims])
        sets = ", ".join(f"{f} = {self.table}.{f} + excluded.{f}" for f in FLAGS)
        return (f"INSERT INTO {self.table} ({', '.join(cols)}) VALUES ({marks}) "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}")


ROLLUPS: tuple[RollupSpec, ...] = (
    RollupSpec(DailyRollup._meta.db_table, "day", KEY_DIMS),
    RollupSpec(MonthlyRollup._meta.db_table, "month", KEY_DIMS),
    RollupSpec(DailyCoarseRollup._meta.db_table, "day", COARSE_DIMS),
    RollupSpec(MonthlyCoarseRollup._meta.db_table, "month", COARSE_DIMS),
)
Deltas = dict[RollupSpec, dict[Key, list[int]]]


def key_of(row: dict[str, Any] | CaseFacts, spec: RollupSpec) -> Key:
    get = row.get if isinstance(row, dict) else row.__dict__.get
    return (get(spec.period), *(get(d) for d in spec.dims))


def flags_of(row: dict[str, Any] | CaseFacts) -> list[int]:
    get = row.get if isinstance(row, dict) else row.__dict__.get
    return [int(get(f) or 0) for f in FLAGS]


# --- rollup upserts -----------------------------------------------------------------------

def _param(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def rollups_add(deltas: Deltas) -> None:
    """Add one case's flag deltas to every rollup, inserting missing keys.

    One `INSERT … VALUES … ON CONFLICT DO UPDATE` per table (a case moves at most two keys
    per table, and keys in a delta map are distinct, as a single statement requires).
    """
    sqlite = connection.vendor == "sqlite"
    statements: list[tuple[str, list[Any]]] = []
    for spec, by_key in deltas.items():
        rows = [[_param(k[0]) if sqlite else k[0], *k[1:], *d]
                for k, d in by_key.items() if any(d)]
        if rows:
            statements.append(_upsert_values(spec, rows))
    if not statements:
        return
    with connection.cursor() as cur:
        if sqlite:
            for sql, params in statements:
                cur.execute(sql, params)
            return
        # PostgreSQL: one round trip for all tables, in a fixed order. The rows of a day
        # and street are shared by every case there and stay locked until commit.
        # (Several statements in one execute rely on psycopg's client-side binding,
        # Django's default.)
        cur.execute("; ".join(sql for sql, _ in statements),
                    [p for _, params in statements for p in params])


def _upsert_values(spec: RollupSpec, rows: list[list[Any]]) -> tuple[str, list[Any]]:
    head, _, tail = spec.upsert_sql.partition(" VALUES ")
    one, _, conflict = tail.partition(" ON CONFLICT ")
    return (f"{head} VALUES {', '.join([one] * len(rows))} ON CONFLICT {conflict}",
            [v for row in rows for v in row])


def _accumulate(deltas: Deltas, row: dict[str, Any] | CaseFacts, flags: Sequence[int],
                sign: int) -> None:
    for spec in ROLLUPS:
        acc = deltas.setdefault(spec, {}).setdefault(key_of(row, spec), [0] * len(FLAGS))
        for i, v in enumerate(flags):
            acc[i] += sign * v


def facts_store(old: CaseFacts | None, new: dict[str, Any], case_id: int) -> None:
    """Write the new facts row and move the difference into the rollups."""
    deltas: Deltas = {}
    if old is not None:
        _accumulate(deltas, old, flags_of(old), -1)
    _accumulate(deltas, new, flags_of(new), +1)
    if old is None:
        CaseFacts.objects.create(case_id=case_id, **new)
    else:
        changed = {k: v for k, v in new.items() if getattr(old, k) != v}
        if changed:
            CaseFacts.objects.filter(case_id=case_id).update(**changed)
    # Last: rollup rows are shared by every case of a day and street, and their row locks
    # last until commit.
    rollups_add(deltas)


def facts_on_event(ctx: EventContext) -> None:
    """The event handler: bring this case's facts and the rollups up to date."""
    case, event = ctx.case, ctx.event
    # A case has no facts before its first event: intake need not look for them.
    old = None if event.action == "create" else CaseFacts.objects.filter(case_id=case.pk).first()
    if event.action == "check_in":
        on_time = bool(event.payload.get("on_time"))
    elif event.action == "whistle":
        on_time = False
    else:
        on_time = bool(old and getattr(old, "checked_in_on_time", 0))
    item_code = case.item.code if case.item_id and case.item else ""
    facts_store(old, derive(case, item_code, on_time), case.pk)


# --- the time-dependent fact: open and overdue --------------------------------------------

def facts_refresh_overdue(now: datetime, changed_table: str | None = None) -> int:
    """Align `overdue_open` with the cases' `overdue` marks (after the deadline sweep).

    `changed_table` — by default, during `sla_sweep`, the sweep's own temporary table —
    holds (case_id, overdue_open) for just the cases whose mark changed: only their
    facts are read, once, into a table of ±1 deltas that feeds every rollup and then
    the facts themselves. Called on its own (an operator's repair), it first compares
    every facts row with its case. Set-based: nothing is read into Python.
    Returns the number of facts rows changed.
    """
    from shaobao.cases.services.sweep import sweep_changes_table

    table = changed_table or sweep_changes_table()
    with connection.cursor() as cur:
        if table is None:
            table = _overdue_temp(cur, "overdue_recomputed", _overdue_recomputed_sql())
        deltas = _overdue_temp(cur, "overdue_deltas", _overdue_deltas_sql(table))
        for spec in ROLLUPS:
            _rollup_add_overdue(cur, spec, deltas)
        facts = CaseFacts._meta.db_table
        cur.execute(f"UPDATE {facts} SET overdue_open = {facts}.overdue_open + d.delta "
                    f"FROM {deltas} d WHERE {facts}.case_id = d.case_id")
        changed = int(cur.rowcount or 0)
        cur.execute(f"DROP TABLE {_temp_schema()}.{deltas}")
        cur.execute(f"DROP TABLE IF EXISTS {_temp_schema()}.overdue_recomputed")
        return changed


def _temp_schema() -> str:
    return "pg_temp" if connection.vendor == "postgresql" else "temp"


def _overdue_temp(cur: Any, name: str, select: str) -> str:
    cur.execute(f"DROP TABLE IF EXISTS {_temp_schema()}.{name}")
    cur.execute(f"CREATE TEMPORARY TABLE {name} AS {select}")
    return name


def _overdue_recomputed_sql() -> str:
    """Every case's should-be `overdue_open` (the repair path: a full join)."""
    open_list = ", ".join(f"'{s}'" for s in sorted(OPEN))
    return (f"SELECT c.id AS case_id, CASE WHEN c.overdue AND c.status IN ({open_list}) "
            f"THEN 1 ELSE 0 END AS overdue_open FROM cases_case c")


def _overdue_deltas_sql(changed: str) -> str:
    """One row per facts row that must move: its rollup keys and +1 or -1."""
    dims = ", ".join(f"f.{d}" for d in KEY_DIMS)
    return (f"SELECT f.case_id, f.day, f.month, {dims}, "
            f"ch.overdue_open - f.overdue_open AS delta "
            # CROSS JOIN: SQLite keeps this order (the temp table has no statistics and
            # would otherwise be probed once per facts row); PostgreSQL plans it freely.
            f"FROM {changed} ch CROSS JOIN {CaseFacts._meta.db_table} f "
            f"WHERE f.case_id = ch.case_id AND ch.overdue_open <> f.overdue_open")


def _rollup_add_overdue(cur: Any, spec: RollupSpec, deltas: str) -> None:
    table, period, dims = spec.table, spec.period, ", ".join(spec.dims)
    key_match = " AND ".join(f"{table}.{d} = d.{d}" for d in (period, *spec.dims))
    cur.execute(f"UPDATE {table} SET overdue_open = {table}.overdue_open + d.delta FROM ("
                f"SELECT {period}, {dims}, SUM(delta) AS delta FROM {deltas} "
                f"GROUP BY {period}, {dims}) d WHERE {key_match} AND d.delta <> 0")


# --- bulk: facts and rollups for many cases at once (import, rebuild, benchmarks) --------

def rollups_add_from_facts(case_ids: Sequence[int]) -> None:
    """Add the facts rows of `case_ids` (newly inserted) to every rollup, in SQL.

    One `INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE` per rollup table: the
    database sums the batch, nothing per row goes through Python. A contiguous id range
    (the importer allocates one) is selected by BETWEEN; other id lists by `= ANY` on
    PostgreSQL or chunks of IN on SQLite.
    """
    ids = sorted(case_ids)
    if not ids:
        return
    for where, params in _case_id_filters(ids):
        with connection.cursor() as cur:
            for spec in ROLLUPS:
                cur.execute(_rollup_from_facts_sql(spec, where), params)


def _case_id_filters(ids: list[int]) -> list[tuple[str, list[Any]]]:
    if ids[-1] - ids[0] + 1 == len(ids) == len(set(ids)):
        return [("case_id BETWEEN %s AND %s", [ids[0], ids[-1]])]
    if connection.vendor == "postgresql":
        return [("case_id = ANY(%s)", [ids])]
    chunks = [ids[i:i + 900] for i in range(0, len(ids), 900)]
    return [(f"case_id IN ({', '.join(['%s'] * len(c))})", c) for c in chunks]


def _rollup_from_facts_sql(spec: RollupSpec, where: str) -> str:
    facts = CaseFacts._meta.db_table
    key = ", ".join([spec.period, *spec.dims])
    sums = ", ".join(f"SUM({f})" for f in FLAGS)
    _, _, conflict = spec.upsert_sql.partition(" ON CONFLICT ")
    # (SQLite needs the WHERE before ON CONFLICT to parse an upsert from a SELECT.)
    return (f"INSERT INTO {spec.table} ({key}, {', '.join(FLAGS)}) "
            f"SELECT {key}, {sums} FROM {facts} WHERE {where} GROUP BY {key} "
            f"ON CONFLICT {conflict}")


def rollups_rebuild_sql() -> None:
    """Recompute every rollup from the facts table in SQL (bulk loads, repairs)."""
    facts = CaseFacts._meta.db_table
    sums = ", ".join(f"SUM({f})" for f in FLAGS)
    with connection.cursor() as cur:
        for spec in ROLLUPS:
            dims = ", ".join(spec.dims)
            cur.execute(f"DELETE FROM {spec.table}")
            cur.execute(f"INSERT INTO {spec.table} ({spec.period}, {dims}, {', '.join(FLAGS)}) "
                        f"SELECT {spec.period}, {dims}, {sums} FROM {facts} "
                        f"GROUP BY {spec.period}, {dims}")


def facts_rebuild() -> int:
    """Recompute every facts row and both rollups from the cases (an operator's repair).

    Check-in punctuality comes from the latest check-in event's `on_time`.
    """
    from shaobao.cases.models import Case, CaseEvent

    CaseFacts.objects.all().delete()
    on_time: dict[int, bool] = {}
    for case_id, action, payload in (CaseEvent.objects.filter(action__in=["whistle", "check_in"])
                                     .order_by("at", "id")
                                     .values_list("case_id", "action", "payload")
                                     .iterator(chunk_size=5000)):
        on_time[case_id] = action == "check_in" and bool(payload.get("on_time"))
    count = 0
    batch: list[dict[str, Any]] = []
    for case in Case.objects.select_related("item").iterator(chunk_size=2000):
        row = derive(case, case.item.code if case.item else "", on_time.get(case.pk, False))
        row["case_id"] = case.pk
        batch.append(row)
        if len(batch) >= 5000:
            count += _bulk_store(batch)
            batch = []
    count += _bulk_store(batch)
    rollups_rebuild_sql()
    return count


def _bulk_store(rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    CaseFacts.objects.bulk_create([CaseFacts(**r) for r in rows], batch_size=2000)
    return len(rows)
