"""The writing half of `import-cases`: database-ready rows, and one batch's transaction.

`prepare` turns parsed records into row tuples *without* their case ids. It touches no
database, so on PostgreSQL the importer runs it in its reader thread (`importpipe`)
while the previous batch is written. `commit_batch` then, in one transaction: drops
numbers already taken, allocates ids, writes cases, `import` events and facts (COPY on
PostgreSQL, executemany on SQLite, see `bulkwrite`), runs the deferred FK checks,
adds the batch's facts to the rollups in SQL and advances the file's checkpoint.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from django.db import connection, transaction

from shaobao.analytics.bulkwrite import BulkTable, db_time, is_sqlite
from shaobao.analytics.facts import derive, rollups_add_from_facts
from shaobao.analytics.models import CaseFacts, ImportCheckpoint
from shaobao.cases.models import Case, CaseEvent

if TYPE_CHECKING:
    from shaobao.analytics.importer import _Record

# The case columns an import fills per row (after `id`); every other column is the same
# for all rows.
_CASE_VARIABLE = ("number", "district_code", "status", "item_id", "description",
                  "address", "lat", "lng", "grid_id", "community_id", "street_id",
                  "lead_department_id", "created_at", "updated_at", "accepted_at",
                  "whistled_at", "handled_at", "closed_at", "rating", "resolved_confirmed",
                  "rated_at")
_CASE_CONST: dict[str, Any] = {
    "version": 1, "channel": "import", "reporter_id": None, "reporter_name": "",
    "reporter_phone": "", "anonymous": False, "checked_in_at": None, "check_in_due": None,
    "handle_due": None, "handle_clock_start": None, "suspended_at": None,
    "pending_request": None, "rating_comment": "", "merged_into_id": None,
    "escalation_level": "", "supervision_level": 0, "rework_count": 0, "overdue": False,
    "feedback_at": None, "feedback_due": None,
}
_EVENT_VARIABLE = ("to_status", "at", "payload")
_EVENT_CONST: dict[str, Any] = {"action": "import", "actor_id": None, "role": "admin",
                                "from_status": "", "public": False}
# Facts columns after `case_id`, as `derive` names them.
_FACT_VARIABLE = tuple(f.column for f in CaseFacts._meta.concrete_fields
                       if f.column != "case_id")
_fact_tuple = itemgetter(*_FACT_VARIABLE)


@dataclass
class PreparedBatch:
    """One batch ready to write; row i of each list belongs to `numbers[i]`."""

    upto: int  # records of the file this batch completes (the checkpoint after it)
    numbers: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    cases: list[tuple[Any, ...]] = field(default_factory=list)  # without `id`
    events: list[tuple[Any, ...]] = field(default_factory=list)  # without `case_id`
    facts: list[tuple[Any, ...]] = field(default_factory=list)  # without `case_id`
    bad: list[tuple[int, str]] = field(default_factory=list)

    def without(self, drop: set[int]) -> PreparedBatch:
        """The batch minus the rows at positions `drop` (numbers found taken)."""
        keep = [i for i in range(len(self.numbers)) if i not in drop]
        return PreparedBatch(self.upto, [self.numbers[i] for i in keep],
                             [self.lines[i] for i in keep], [self.cases[i] for i in keep],
                             [self.events[i] for i in keep], [self.facts[i] for i in keep],
                             self.bad)


@functools.cache
def _tables() -> tuple[BulkTable, BulkTable, BulkTable]:
    """The three bulk writers (built on first use, after every app's models are loaded)."""
    constants = dict(_CASE_CONST)
    for f in Case._meta.concrete_fields:  # a column added later: its model default
        if f.column not in constants and f.column not in ("id", *_CASE_VARIABLE):
            constants[f.column] = f.get_default()
    # Binary COPY for cases and facts; the events' payload is JSON text, which binary
    # jsonb would take for a JSON string, so they stay in the text format.
    return (BulkTable(Case._meta.db_table, ("id", *_CASE_VARIABLE), constants, binary=True),
            BulkTable(CaseEvent._meta.db_table, ("case_id", *_EVENT_VARIABLE), _EVENT_CONST),
            BulkTable(CaseFacts._meta.db_table, ("case_id", *_FACT_VARIABLE), binary=True))


def prepare(records: Sequence[_Record], bad: list[tuple[int, str]], upto: int, source: str,
            now: datetime, sqlite: bool) -> PreparedBatch:
    """Row tuples for `records` (pure Python: safe off the main thread)."""
    updated = db_time(now, sqlite)
    payload_head = '{"source": ' + json.dumps(source, ensure_ascii=False) + ', "line": '
    out = PreparedBatch(upto, bad=bad)
    add_case, add_event, add_fact = out.cases.append, out.events.append, out.facts.append
    for r in records:
        created, closed = db_time(r.created_at, sqlite), db_time(r.closed_at, sqlite)
        resolved: Any = r.resolved_confirmed
        if sqlite and resolved is not None:
            resolved = int(resolved)  # a bool would take sqlite3's slow adapter path
        add_case((r.number, r.district_code, r.status, r.item_id, r.description, r.address,
                  r.lat, r.lng, r.grid_id, r.community_id, r.street_id,
                  r.lead_department_id, created, updated,
                  created if r.accepted_at else None, created if r.whistled_at else None,
                  closed, closed, r.rating, resolved, closed if r.rating else None))
        add_event((r.status, created, f"{payload_head}{r.line}}}"))
        add_fact(_fact_values(r, sqlite))
    out.numbers = [r.number for r in records]
    out.lines = [r.line for r in records]
    return out


def _fact_values(r: _Record, sqlite: bool) -> tuple[Any, ...]:
    row = derive(cast(Any, r), r.item_code, False)
    if sqlite:
        row["day"], row["month"] = row["day"].isoformat(), row["month"].isoformat()
    return cast(tuple[Any, ...], _fact_tuple(row))


@functools.cache
def _id_sequence() -> str:
    """The cases' id sequence (PostgreSQL), looked up once: named inside the SELECT list,
    pg_get_serial_sequence ran once per row (14 ms of 16 per 5,000 ids)."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT pg_get_serial_sequence('{Case._meta.db_table}', 'id')")
        return str(cur.fetchone()[0])


def _allocate_ids(n: int) -> list[int]:
    table = Case._meta.db_table
    with connection.cursor() as cur:
        if not is_sqlite():
            cur.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                        [_id_sequence(), n])
            return [r[0] for r in cur.fetchall()]
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        start = int(cur.fetchone()[0]) + 1
        return list(range(start, start + n))


def _existing_numbers(numbers: list[str]) -> set[str]:
    table = Case._meta.db_table
    with connection.cursor() as cur:
        if not is_sqlite():  # one array parameter instead of chunks of IN lists
            cur.execute(f"SELECT number FROM {table} WHERE number = ANY(%s)", [numbers])
            return {n for n, in cur.fetchall()}
        found: set[str] = set()
        for i in range(0, len(numbers), 900):  # plain SQL: the ORM's IN took 0.3 s / 50k
            chunk = numbers[i:i + 900]
            cur.execute(f"SELECT number FROM {table} WHERE number IN "
                        f"({', '.join(['%s'] * len(chunk))})", chunk)
            found.update(n for n, in cur.fetchall())
        return found


def _drop_duplicates(batch: PreparedBatch, in_flight: frozenset[str]) -> PreparedBatch:
    """The batch without numbers already stored, in flight (`in_flight`: the previous
    batch, not committed yet) or repeated in it; those become bad rows."""
    taken = _existing_numbers(batch.numbers) | in_flight
    drop: set[int] = set()
    for i, number in enumerate(batch.numbers):
        if number in taken:
            batch.bad.append((batch.lines[i], f"案件编号重复：{number}"))
            drop.add(i)
        else:
            taken.add(number)
    return batch.without(drop) if drop else batch


def _write_rows(batch: PreparedBatch, id_lock: AbstractContextManager[Any]) -> list[int]:
    """Cases, events and facts of a batch (no transaction); their case ids."""
    if not batch.numbers:
        return []
    with id_lock:  # one contiguous id range per batch, also with two writers
        ids = _allocate_ids(len(batch.numbers))
    case_table, event_table, fact_table = _tables()
    case_table.write_keyed(ids, batch.cases)
    event_table.write_keyed(ids, batch.events)
    fact_table.write_keyed(ids, batch.facts)
    return ids


def commit_batch(batch: PreparedBatch, checkpoint: ImportCheckpoint, *,
                 in_flight: frozenset[str] = frozenset(),
                 after: Callable[[], None] | None = None,
                 id_lock: AbstractContextManager[Any] | None = None) -> PreparedBatch:
    """One batch, its rollup deltas and the file's checkpoint in one transaction.

    Returns the batch as written (duplicates moved to its bad rows). With two writers
    (`importpipe.OrderedWriters`), `after` blocks until the previous batch has
    committed: rows are written before it, the rollups and the checkpoint only after,
    so batches commit in file order and the rollup upserts never wait on each other.
    On PostgreSQL the commit does not wait for the WAL flush (`synchronous_commit=off`,
    this transaction only): a crash may lose the last batches, never half of one, and
    the checkpoint rolls back with them, so a rerun imports them again. The checkpoint
    object is updated only after the commit.
    """
    with transaction.atomic():
        if not is_sqlite():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit = off")
        batch = _drop_duplicates(batch, in_flight)
        ids = _write_rows(batch, id_lock or nullcontext())
        if after is not None:
            _check_foreign_keys_now()
            after()
        rollups_add_from_facts(ids)
        imported, bad = checkpoint.imported + len(ids), checkpoint.bad + len(batch.bad)
        ImportCheckpoint.objects.filter(pk=checkpoint.pk).update(
            last_line=batch.upto, imported=imported, bad=bad)
    checkpoint.last_line, checkpoint.imported, checkpoint.bad = batch.upto, imported, bad
    return batch


def _check_foreign_keys_now() -> None:
    """Run this transaction's deferred FK checks now (PostgreSQL; two writers only).

    Before waiting for the previous batch rather than in the commit that the next batch
    waits for. Only where the batch's transaction is its own (the two-writer mode):
    the mode lasts until the end of the transaction, which might be a caller's.
    """
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


@contextmanager
def fast_writes() -> Iterator[None]:
    """Tune this connection for a long bulk load, then put it back.

    SQLite: a 256 MB page cache, so the cases table's indexes stay in memory (the
    settings already give WAL with synchronous=NORMAL, which loses nothing committed on
    a crash of the process). Nothing on PostgreSQL here: see `commit_batch`.
    """
    if not is_sqlite():
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        before = int(cur.fetchone()[0])
        cur.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {before}")
