"""The deadline sweep: mark overdue cases and issue supervision notices (督办) by rule.

Rule: when a check-in or handling clock runs out the case is marked overdue and gets a
yellow notice; if it is still overdue one working day after that, a red one. Run every
minute by `shaobao worker`, or once by `shaobao sla-sweep`.

The sweep is set-based and index-driven, so its cost follows what changed, not how
many cases are open:

1. In one transaction, the cases whose mark must change are written to a temporary
   table (`sweep_changed`: case id, new `overdue_open`), their rows updated by id, and
   the sweep hooks run; analytics reads the same table to move just those facts and
   rollup counts. The scans are range scans on partial indexes (Case.Meta): a case
   leaves the "not overdue" indexes once marked, so each minute meets only the newly
   due. The queries repeat the index conditions verbatim, as SQLite requires.
2. Notices go through the transition service (the transition table stays the one
   authority: checks, event, points, facts, notifications, webhooks), within a time
   budget; whatever is left waits for the next minute. Up to NOTICE_TRANSACTION of them
   share one transaction and one locked read (`case_transitions_locked`; each notice in
   its own savepoint): a commit, a visibility lookup and a locked read per notice were a
   third of a notice's cost.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import TimeKind, deadline
from shaobao.cases.hooks import run_sweep_hooks
from shaobao.cases.models import Case, Status, Supervision
from shaobao.cases.services.transition import case_transitions_locked
from shaobao.core.errors import ShaobaoError
from shaobao.org.models import User
from shaobao.org.services import system_user

RED_AFTER_WORK_DAYS = 1
# Statuses whose handling clock runs. Keep the order of Case.Meta's partial index
# conditions: SQLite uses a partial index only if the query repeats them word for word.
WATCHED: tuple[str, ...] = (Status.WHISTLED, Status.IN_PROGRESS, Status.STATION)
CHANGES_TABLE = "sweep_changed"
NOTICE_CHUNK = 200  # notice candidates read per query
# Notices per transaction. Their case rows are locked up front by one read, in id order,
# so a user acting on one of them waits for the batch instead of deadlocking with it over
# the shared rollup rows; the batch holds those locks for about NOTICE_TRANSACTION × 5 ms.
NOTICE_TRANSACTION = 25
# The every-minute run stops issuing notices after this long, so runs never overlap;
# the next run picks up the rest (candidates are read from the cases, nothing is lost).
NOTICE_BUDGET_S = 40.0

_changes: ContextVar[str | None] = ContextVar("sweep_changes", default=None)


@dataclass
class SweepResult:
    marked_overdue: int = 0
    unmarked: int = 0
    yellow: int = 0
    red: int = 0
    deferred: int = 0  # notices left for the next run (time budget spent)
    marks_seconds: float = 0.0
    notices_seconds: float = 0.0

    def __str__(self) -> str:
        return (f"marked_overdue: {self.marked_overdue}\nunmarked: {self.unmarked}\n"
                f"yellow_notices: {self.yellow}\nred_notices: {self.red}\n"
                f"notices_deferred: {self.deferred}\n"
                f"marks_seconds: {self.marks_seconds:.3f}\n"
                f"notices_seconds: {self.notices_seconds:.3f}")


def overdue_filter(now: datetime) -> Q:
    """The rule, as an ORM filter (for readers such as analytics' replay); the sweep
    itself runs the same rule as index-driven SQL below."""
    return (Q(status=Status.WHISTLED, check_in_due__lt=now)
            | Q(status__in=WATCHED, handle_due__lt=now))


def sweep_changes_table() -> str | None:
    """While `sla_sweep` runs its hooks: the temporary table of the cases whose overdue
    mark it just changed, as (case_id, overdue_open). None at any other time."""
    return _changes.get()


def sla_sweep(now: datetime | None = None, *,
              notice_budget_s: float | None = NOTICE_BUDGET_S) -> SweepResult:
    """One sweep. `notice_budget_s=None` issues every due notice however long it takes."""
    at = now or timezone.now()
    result = SweepResult()
    started = time.perf_counter()
    result.marked_overdue, result.unmarked = overdue_marks_refresh(at)
    result.marks_seconds = time.perf_counter() - started
    notices_issue(at, result, budget_s=notice_budget_s)
    result.notices_seconds = time.perf_counter() - started - result.marks_seconds
    return result


# --- 1. marks -------------------------------------------------------------------------------

def overdue_marks_refresh(at: datetime) -> tuple[int, int]:
    """Mark newly overdue cases, un-mark suspended/finished/extended ones, run the hooks;
    all in one transaction so facts and cases never disagree. Returns (marked, unmarked)."""
    with transaction.atomic(), connection.cursor() as cur, _temp_changes(cur) as table:
        with _bitmap_scans_only(cur):
            marked = _collect_and_set(cur, table, _newly_overdue(), at, overdue=True)
            unmarked = _collect_and_set(cur, table, _no_longer_overdue(), at, overdue=False)
        token = _changes.set(table)
        try:
            run_sweep_hooks(at)  # e.g. analytics' open-and-overdue facts
        finally:
            _changes.reset(token)
    return marked, unmarked


def _quoted(values: tuple[str, ...]) -> str:
    # Literals, not parameters: SQLite matches partial-index conditions only verbatim.
    return ", ".join(f"'{v}'" for v in values)


# (index, condition) pairs; each condition starts with its index's own condition.
Branches = list[tuple[str, str]]


def _newly_overdue() -> Branches:
    """Open, not yet marked, and a clock has run out."""
    watched, whistled = _quoted(WATCHED), _quoted((Status.WHISTLED,))
    return [("case_unmarked_handle_due",
             f"NOT overdue AND status IN ({watched}) AND handle_due < %(at)s"),
            ("case_unmarked_check_in_due",
             f"NOT overdue AND status = {whistled} AND check_in_due < %(at)s")]


def _no_longer_overdue() -> Branches:
    """Marked, but no clock is out any more (suspended, finished, deadline extended).

    Split so that every arm is a short range: a whistled case is range-scanned on its
    check-in due date, since the many still waiting for check-in have a handling date in
    the future. NULL due dates count as "not out", as the ORM's `exclude()` did before.
    """
    watched, whistled = _quoted(WATCHED), _quoted((Status.WHISTLED,))
    handling = _quoted(tuple(s for s in WATCHED if s != Status.WHISTLED))
    others = _quoted(tuple(s for s in Status if s not in WATCHED))
    check_in_not_out = (f"(status <> {whistled} OR check_in_due IS NULL "
                        f"OR check_in_due >= %(at)s)")
    return [("case_marked_due", f"overdue AND status IN ({others})"),
            ("case_marked_due", f"overdue AND status IN ({watched}) AND handle_due IS NULL "
                                f"AND {check_in_not_out}"),
            ("case_marked_due", f"overdue AND status IN ({handling}) AND handle_due >= %(at)s"),
            ("case_marked_due", f"overdue AND status = {whistled} AND handle_due >= %(at)s "
                                f"AND check_in_due IS NULL"),
            ("case_marked_check_in_due", f"overdue AND status = {whistled} "
                                         f"AND check_in_due >= %(at)s AND handle_due >= %(at)s")]


def _select_ids(branches: Branches) -> str:
    """PostgreSQL: one OR (a BitmapOr over the partial indexes) under FOR UPDATE, which
    locks the rows and re-checks the condition on their latest version, so a case a user
    changes meanwhile is not marked on stale data. SQLite: a UNION, each arm pinned to
    its index (INDEXED BY fails loudly if the condition drifts from the index); the
    IMMEDIATE transaction already holds the only write lock."""
    table = Case._meta.db_table
    if connection.vendor == "postgresql":
        ors = " OR ".join(f"({cond})" for _, cond in branches)
        return f"SELECT id FROM {table} WHERE {ors} FOR UPDATE"
    return " UNION ".join(f"SELECT id FROM {table} INDEXED BY {index} WHERE {cond}"
                          for index, cond in branches)


def _collect_and_set(cur: Any, table: str, branches: Branches, at: datetime, *,
                     overdue: bool) -> int:
    """Remember the matching ids in `table`, then update exactly those rows."""
    value = int(overdue)
    cur.execute(f"INSERT INTO {table} (case_id, overdue_open) "
                f"SELECT id, {value} FROM ({_select_ids(branches)}) s",
                {"at": connection.ops.adapt_datetimefield_value(at)})
    count = int(cur.rowcount or 0)
    if count:
        cur.execute(f"UPDATE {Case._meta.db_table} SET overdue = %s WHERE id IN "
                    f"(SELECT case_id FROM {table} WHERE overdue_open = %s)", [overdue, value])
    return count


@contextmanager
def _bitmap_scans_only(cur: Any) -> Iterator[None]:
    """PostgreSQL cannot know that "past due" and "not yet marked" hardly overlap (it
    multiplies their selectivities), so a plain index scan of the single-column
    `overdue` index looks cheap, and reads every unmarked row (0.5 s at 1M open cases).
    Without plain index scans it takes the BitmapOr over the partial indexes (ms).
    A planner setting, local to the transaction and switched back at once."""
    if connection.vendor != "postgresql":
        yield
        return
    cur.execute("SET LOCAL enable_indexscan = off")
    try:
        yield
    finally:
        cur.execute("SET LOCAL enable_indexscan = on")


@contextmanager
def _temp_changes(cur: Any) -> Iterator[str]:
    schema = "pg_temp" if connection.vendor == "postgresql" else "temp"
    cur.execute(f"DROP TABLE IF EXISTS {schema}.{CHANGES_TABLE}")
    cur.execute(f"CREATE TEMPORARY TABLE {CHANGES_TABLE} "
                "(case_id bigint PRIMARY KEY, overdue_open integer NOT NULL)")
    yield CHANGES_TABLE
    cur.execute(f"DROP TABLE {schema}.{CHANGES_TABLE}")


# --- 2. notices -----------------------------------------------------------------------------

@dataclass(frozen=True)
class NoticeDue:
    case_id: int
    version: int
    reason: str


def notices_issue(at: datetime, result: SweepResult, *, budget_s: float | None,
                  limit: int | None = None) -> None:
    """Yellow for marked cases without a notice, red when the last notice is a working
    day old; each through `case_transition` in its own transaction (short row locks).
    Candidates are read a chunk at a time, so a large backlog costs nothing up front."""
    actor, threshold = system_user(), red_threshold(at)
    started, issued = time.monotonic(), 0
    for level in (0, 1):
        after = 0
        while batch := _notices_due(at, threshold, level=level, after=after):
            for first in range(0, len(batch), NOTICE_TRANSACTION):
                out_of_time = budget_s is not None and time.monotonic() - started > budget_s
                if out_of_time or (limit is not None and issued >= limit):
                    result.deferred = notices_due_count(at)
                    return
                share = batch[first:first + NOTICE_TRANSACTION]
                if limit is not None:
                    share = share[:limit - issued]
                _issue_together(actor, share, at, result)
                issued += len(share)
            after = batch[-1].case_id


def notices_due_count(at: datetime) -> int:
    threshold = red_threshold(at)
    return sum(_due_query(threshold, level).count() for level in (0, 1))


def _due_query(threshold: datetime, level: int) -> QuerySet[Case]:
    """Marked cases owed a notice at `level` + 1: level 0, or level 1 with no notice
    after the red threshold. Read from the marked-cases index."""
    marked = Case.objects.filter(overdue=True, supervision_level=level).order_by("id")
    if level == 0:
        return marked
    later_notice = Supervision.objects.filter(case=OuterRef("pk"), at__gt=threshold)
    return marked.filter(~Exists(later_notice))


def _notices_due(at: datetime, threshold: datetime, *, level: int,
                 after: int) -> list[NoticeDue]:
    rows = _due_query(threshold, level).filter(id__gt=after).values_list(
        "id", "version", "status", "check_in_due")[:NOTICE_CHUNK]
    return [NoticeDue(case_id, version, _reason(status, check_in_due, at))
            for case_id, version, status, check_in_due in rows]


def red_threshold(at: datetime) -> datetime:
    """The latest notice time whose red follow-up is due by `at`.

    `deadline(start, 1 working day)` never decreases as `start` grows, so "red due" is
    exactly "last notice <= threshold"; a bisection to the microsecond finds it.
    """
    cal = work_calendar()

    def red_due_by_now(notice_at: datetime) -> bool:
        return deadline(notice_at, RED_AFTER_WORK_DAYS, TimeKind.WORK_DAYS, cal) <= at

    lo, hi = at - timedelta(days=60), at  # no holiday lasts 60 days
    while hi - lo > timedelta(microseconds=1):
        mid = lo + (hi - lo) // 2
        lo, hi = (mid, hi) if red_due_by_now(mid) else (lo, mid)
    return lo


def _reason(status: str, check_in_due: datetime | None, at: datetime) -> str:
    late_check_in = status == Status.WHISTLED and check_in_due and check_in_due < at
    return "超期未报到" if late_check_in else "超期未办结"


def _issue_together(actor: User, notices: list[NoticeDue], at: datetime,
                    result: SweepResult) -> None:
    """One transaction and one locked read for the lot; each notice still goes through the
    transition service's checks and effects, in its own savepoint, so a notice refused
    (the case changed meanwhile) leaves the others standing."""
    with transaction.atomic():
        outcomes = case_transitions_locked(
            actor, [n.case_id for n in notices], "supervise",
            [{"version": n.version, "reason": f"系统督办：{n.reason}"} for n in notices], at=at)
    for case in outcomes:
        if isinstance(case, ShaobaoError):
            continue  # changed meanwhile; the next sweep looks again
        if case.supervision_level == 1:
            result.yellow += 1
        else:
            result.red += 1
