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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
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
from shaobao.calendar.workcal import TimeKind, elapsed
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
    if start is None or end is None:
        return None
    return round(elapsed(start, end, TimeKind.WORK_HOURS, work_calendar()), 4)


def derive(case: CaseLike, item_code: str, check_in_on_time: bool) -> dict[str, Any]:
    """All columns of a case's facts row, from the case as it stands now."""
    status = case.status
    day = local_day(case.created_at)
    accepted = case.accepted_at is not None
    whistled = case.whistled_at is not None
    checked_in = whistled and case.checked_in_at is not None
    closed = status == "closed"
    rating = case.rating or ""
    on_time_close = closed and (case.handle_due is None or case.handled_at is None
                                or case.handled_at <= case.handle_due)
    row: dict[str, Any] = {
        "district_code": case.district_code, "day": day, "month": day.replace(day=1),
        "street_id": case.street_id or 0, "community_id": case.community_id or 0,
        "grid_id": case.grid_id or 0, "item_code": item_code or "",
        "department_id": case.lead_department_id or 0, "channel": case.channel,
        "check_in_hours": work_hours(case.whistled_at, case.checked_in_at) if checked_in
        else None,
        "close_hours": work_hours(case.created_at, case.closed_at) if closed else None,
    }
    flags = {
        "submitted": 1,
        "accepted": int(accepted),
        "rejected": int(status == "rejected"),
        "merged": int(status == "merged"),
        "due_to_close": int(accepted and status not in ("rejected", "merged")),
        "whistled": int(whistled),
        "checked_in": int(checked_in),
        "checked_in_on_time": int(checked_in and check_in_on_time),
        "closed": int(closed),
        "closed_on_time": int(on_time_close),
        "overdue_open": int(bool(case.overdue) and status in OPEN),
        "reworked": int(case.rework_count or 0),
        "rated": int(bool(rating)),
        "satisfied": int(rating == "satisfied"),
        "basically_satisfied": int(rating == "basically_satisfied"),
        "unsatisfied": int(rating == "unsatisfied"),
        "resolved": int(bool(rating) and case.resolved_confirmed is True),
        "station_solved": int(closed and not whistled),
        "whistle_closed": int(closed and whistled),
        "feedback_3d": int(case.feedback_at is not None and case.feedback_due is not None
                           and case.feedback_at <= case.feedback_due),
        "rated_closed": int(closed and bool(rating)),
    }
    row.update(flags)
    return row


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


UPSERT_CHUNK = 400  # rows per multi-row upsert (keeps parameters under both limits)


def rollups_add(deltas: Deltas) -> None:
    """Add per-key flag deltas to every rollup, inserting missing keys.

    One multi-row `INSERT … VALUES (…), (…) ON CONFLICT DO UPDATE` per chunk: the keys in
    a delta map are distinct, as a single statement requires.
    """
    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cur:
        for spec, by_key in deltas.items():
            rows = [[_param(k[0]) if sqlite else k[0], *k[1:], *d]
                    for k, d in by_key.items() if any(d)]
            if not rows:
                continue
            if not sqlite:
                _upsert_pg_arrays(cur, spec, rows)
                continue
            sql = spec.upsert_sql
            head, _, tail = sql.partition(" VALUES ")
            one, _, conflict = tail.partition(" ON CONFLICT ")
            for i in range(0, len(rows), UPSERT_CHUNK):
                chunk = rows[i:i + UPSERT_CHUNK]
                cur.execute(f"{head} VALUES {', '.join([one] * len(chunk))} ON CONFLICT {conflict}",
                            [v for row in chunk for v in row])


_PG_TYPES = {"day": "date", "month": "date", "district_code": "varchar", "item_code": "varchar"}


def _upsert_pg_arrays(cur: Any, spec: RollupSpec, rows: list[list[Any]]) -> None:
    """PostgreSQL: the whole delta map as one array per column, `unnest`ed in one upsert."""
    cols = [spec.period, *spec.dims, *FLAGS]
    arrays = [list(col) for col in zip(*rows, strict=True)]
    casts = ", ".join(f"%s::{_PG_TYPES.get(c, 'bigint')}[]" for c in cols)
    _, _, conflict = spec.upsert_sql.partition(" ON CONFLICT ")
    cur.execute(f"INSERT INTO {spec.table} ({', '.join(cols)}) SELECT * FROM unnest({casts}) "
                f"ON CONFLICT {conflict}", arrays)


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
    rollups_add(deltas)
    if old is None:
        CaseFacts.objects.create(case_id=case_id, **new)
    else:
        changed = {k: v for k, v in new.items() if getattr(old, k) != v}
        if changed:
            CaseFacts.objects.filter(case_id=case_id).update(**changed)


def facts_on_event(ctx: EventContext) -> None:
    """The event handler: bring this case's facts and the rollups up to date."""
    case, event = ctx.case, ctx.event
    old = CaseFacts.objects.filter(case_id=case.pk).first()
    if event.action == "check_in":
        on_time = bool(event.payload.get("on_time"))
    elif event.action == "whistle":
        on_time = False
    else:
        on_time = bool(old and getattr(old, "checked_in_on_time", 0))
    item_code = case.item.code if case.item_id and case.item else ""
    facts_store(old, derive(case, item_code, on_time), case.pk)


# --- the time-dependent fact: open and overdue --------------------------------------------

def facts_refresh_overdue(now: datetime) -> int:
    """Align `overdue_open` with the cases' `overdue` marks (after the deadline sweep).

    Set-based: the deltas per rollup key are summed in SQL and applied with
    UPDATE … FROM, then the facts themselves are updated; nothing is read into Python.
    Returns the number of facts rows changed.
    """
    facts = CaseFacts._meta.db_table
    cases = "cases_case"
    is_overdue = (f"(CASE WHEN c.overdue AND c.status IN ({', '.join(repr(s) for s in sorted(OPEN))})"
                  " THEN 1 ELSE 0 END)")
    changed = (f"SELECT f.case_id, f.day, f.month, {', '.join('f.' + d for d in KEY_DIMS)}, "
               f"{is_overdue} - f.overdue_open AS delta FROM {facts} f "
               f"JOIN {cases} c ON c.id = f.case_id "
               f"WHERE (c.overdue AND f.overdue_open = 0) OR (f.overdue_open = 1 AND NOT "
               f"{is_overdue} = 1)")
    with connection.cursor() as cur:
        for spec in ROLLUPS:
            table, period, dims = spec.table, spec.period, ", ".join(spec.dims)
            key_match = " AND ".join(f"{table}.{d} = d.{d}" for d in spec.dims)
            cur.execute(
                f"UPDATE {table} SET overdue_open = {table}.overdue_open + d.delta FROM ("
                f"SELECT {period}, {dims}, SUM(delta) AS delta FROM ({changed}) x "
                f"GROUP BY {period}, {dims}) d "
                f"WHERE {table}.{period} = d.{period} AND {key_match} AND d.delta <> 0")
        cur.execute(f"UPDATE {facts} SET overdue_open = 1 - overdue_open WHERE case_id IN "
                    f"(SELECT case_id FROM ({changed}) y)")
        return int(cur.rowcount or 0)


# --- bulk: facts and rollups for many cases at once (import, rebuild, benchmarks) --------

def rollups_from_rows(rows: Iterable[dict[str, Any]]) -> Deltas:
    deltas: Deltas = {}
    for row in rows:
        _accumulate(deltas, row, flags_of(row), +1)
    return deltas


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
