"""`shaobao import-cases CSV`: bulk history, millions of rows, resumable.

Documented columns (header names; only `created_at` and one of `description`/`item` are
required): number, created_at, item, description, address, lat, lng, grid, status,
closed_at, lead_department, rating, resolved. Timestamps are ISO 8601; without an offset
they are read in the mapping's `timezone` (default Asia/Shanghai). A mapping file
(YAML) adapts other layouts; see `mappings/us311.yaml` and docs/analytics.md.

Each batch (default 5,000 rows) commits in one transaction: the cases (COPY on
PostgreSQL, one executemany on SQLite, see `bulkwrite`), one synthetic `import` event per
case, their facts (`facts.derive` per row) and the rollup deltas (summed in SQL from the
batch's facts rows, `facts.rollups_add_from_facts`), and the file's checkpoint. A rerun
of the same file (same path, size and mtime) skips the rows already committed. Bad rows
are reported with their line numbers; good rows are kept.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, cast
from zoneinfo import ZoneInfo

import yaml
from django.db import connection, transaction
from django.utils import timezone

from shaobao.analytics.bulkwrite import BulkTable, db_time, is_sqlite
from shaobao.analytics.facts import derive, rollups_add_from_facts
from shaobao.analytics.models import FLAGS, CaseFacts, ImportCheckpoint
from shaobao.cases.models import Case, CaseEvent, Rating, Status
from shaobao.core.errors import ImportFailed
from shaobao.core.rules import product_rule

COLUMNS = ("number", "created_at", "item", "description", "address", "lat", "lng", "grid",
           "status", "closed_at", "lead_department", "rating", "resolved")
CLOSED_LIKE = {"closed"}
DEFAULT_BATCH = 5000  # rows per transaction (and per checkpoint)
csv.field_size_limit(10 * 1024 * 1024)


@dataclass
class Mapping:
    columns: dict[str, Any] = field(default_factory=lambda: {c: c for c in COLUMNS})
    number_prefix: str = ""
    item_map: dict[str, str] = field(default_factory=dict)
    item_default: str | None = None
    department_map: dict[str, str] = field(default_factory=dict)
    department_default: str | None = None
    status_map: dict[str, str] = field(default_factory=dict)
    status_default: str | None = None
    timezone: str = "Asia/Shanghai"
    delimiter: str = ","
    encoding: str = "utf-8-sig"

    @classmethod
    def load(cls, path: Path | None) -> Mapping:
        if path is None:
            return cls()
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        known = set(cls.__dataclass_fields__)
        unknown = set(raw) - known
        if unknown:
            raise ImportFailed(f"映射文件有未知的键：{', '.join(sorted(unknown))}")
        m = cls(**raw)
        bad = set(m.columns) - set(COLUMNS)
        if bad:
            raise ImportFailed(f"映射文件 columns 有未知的目标列：{', '.join(sorted(bad))}")
        return m


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0  # already committed by an earlier run
    bad: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_per_s(self) -> float:
        return self.imported / self.seconds if self.seconds else 0.0


class Progress:
    """A one-line progress bar on stderr (rows, percentage, rate)."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total, self.stream, self.enabled = max(total, 1), stream or sys.stderr, enabled
        self.started = time.monotonic()
        self.last = 0.0

    def update(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < 0.5):
            return
        self.last = now
        frac = min(done / self.total, 1.0)
        bar = "#" * int(frac * 30)
        rate = done / (now - self.started) if now > self.started else 0.0
        self.stream.write(f"\r[{bar:<30}] {done}/{self.total} 行 {frac:6.1%} {rate:,.0f} 行/秒")
        self.stream.flush()

    def close(self, done: int) -> None:
        self.update(done, force=True)
        if self.enabled:
            self.stream.write("\n")


def _count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            n += chunk.count(b"\n")
    return max(n - 1, 0)


class _Lookups:
    def __init__(self) -> None:
        from shaobao.catalogue.selectors import current_items
        from shaobao.geo.models import Grid
        from shaobao.org.models import Department

        self.items = {i.code: i.pk for i in current_items()}
        self.grids = {g.code: (g.pk, g.community_id, g.community.parent_id if g.community
                               else None)
                      for g in Grid.objects.filter(valid_to__isnull=True)
                      .select_related("community")}
        self.departments = dict(Department.objects.values_list("code", "id"))


def _parse_time(value: str, tz: ZoneInfo) -> datetime:
    value = value.strip()
    dt: datetime | None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        dt = None
        for fmt in ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%y %H:%M", "%Y/%m/%d %H:%M:%S",
                    "%Y/%m/%d %H:%M"):
            try:
                dt = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if dt is None:
        raise ValueError(f"无法识别的时间“{value}”")
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


class _Record:
    """One good CSV row: the case's values and everything `facts.derive` reads.

    What an imported case never has (a check-in, deadlines, feedback, rework, an overdue
    mark) is a class attribute rather than a slot, so no row pays for setting it.
    """

    __slots__ = ("accepted_at", "address", "closed_at", "community_id", "created_at",
                 "description", "district_code", "grid_id", "handled_at", "item_code",
                 "item_id", "lat", "lead_department_id", "line", "lng", "number", "pk",
                 "rating", "resolved_confirmed", "status", "street_id", "whistled_at")
    line: int
    number: str
    pk: int
    district_code: str
    status: str
    rating: str
    created_at: datetime
    closed_at: datetime | None
    handled_at: datetime | None
    accepted_at: datetime | None
    whistled_at: datetime | None
    item_code: str
    item_id: int | None
    description: str
    address: str
    lat: float | None
    lng: float | None
    grid_id: int | None
    community_id: int | None
    street_id: int | None
    lead_department_id: int | None
    resolved_confirmed: bool | None
    channel = "import"
    checked_in_at = handle_due = feedback_at = feedback_due = None
    rework_count = 0
    overdue = False


Where = int | tuple[int | None, ...] | None  # a source column's index, several, or absent


class _Parser:
    """CSV rows (lists of strings) → `_Record`s; raises ValueError with a Chinese message."""

    def __init__(self, mapping: Mapping, lookups: _Lookups, source: str) -> None:
        self.m, self.lk = mapping, lookups
        self.tz = ZoneInfo(mapping.timezone)
        self.district = product_rule("DISTRICT_CODE")
        self.source = source
        self.digest = hashlib.sha1(source.encode()).hexdigest()[:6].upper()
        self.ratings = set(Rating.values)
        self.statuses = set(Status.values)
        self.width = 0
        self.where: dict[str, Where] = dict.fromkeys(COLUMNS)

    def bind(self, header: list[str]) -> None:
        """Resolve each target column to its position in this file's header, once."""
        index = {name: i for i, name in enumerate(header)}  # a repeated name: the last wins
        self.width = len(header)
        for target in COLUMNS:
            src = self.m.columns.get(target)
            if isinstance(src, list):
                self.where[target] = tuple(index.get(s) for s in src)
            else:
                self.where[target] = index.get(src) if src is not None else None

    def get(self, row: list[str], target: str) -> str:
        where = self.where[target]
        if where is None:
            return ""
        if isinstance(where, int):
            return row[where].strip()
        return " / ".join(v for v in (row[i].strip() if i is not None else "" for i in where)
                          if v)

    def parse(self, row: list[str], line: int) -> _Record:
        if len(row) < self.width:  # a short row: missing cells read as empty
            row = row + [""] * (self.width - len(row))
        get = self.get
        created_text = get(row, "created_at")
        if not created_text:
            raise ValueError("缺少 created_at")
        created = _parse_time(created_text, self.tz)
        closed_text = get(row, "closed_at")
        closed = _parse_time(closed_text, self.tz) if closed_text else None
        if closed is not None and closed < created:
            raise ValueError("closed_at 早于 created_at")
        item_text = get(row, "item")
        item_code = self._item_code(item_text)
        description = get(row, "description") or item_text
        if not description:
            raise ValueError("缺少 description")
        dept_code = self._department_code(get(row, "lead_department"))
        status_text = get(row, "status")
        status = self.m.status_map.get(status_text, status_text if status_text in self.statuses
                                       else (self.m.status_default or ""))
        if not status:
            status = "closed" if closed else "accepted"
        if status not in self.statuses:
            raise ValueError(f"未知状态“{status_text}”")
        if status == "closed" and closed is None:
            closed = created
        if status != "closed":
            closed = None
        rating = get(row, "rating")
        if rating and (rating not in self.ratings or status != "closed"):
            raise ValueError(f"评价“{rating}”无效或案件未结案")
        r = _Record()
        r.line, r.district_code, r.status, r.rating = line, self.district, status, rating
        r.created_at, r.closed_at, r.handled_at = created, closed, closed
        r.item_code = item_code
        r.item_id = self.lk.items.get(item_code) if item_code else None
        r.description, r.address = description[:4000], get(row, "address")[:200]
        r.lat, r.lng = self._point(get(row, "lat"), get(row, "lng"))
        r.grid_id, r.community_id, r.street_id = self._grid(get(row, "grid"))
        r.lead_department_id = self.lk.departments.get(dept_code) if dept_code else None
        r.number = self._number(get(row, "number"), line)
        resolved_text = get(row, "resolved").lower()
        r.resolved_confirmed = ((resolved_text in ("1", "true", "yes", "是") if resolved_text
                                 else rating in ("satisfied", "basically_satisfied"))
                                if rating else None)
        accepted = status not in ("submitted", "rejected", "merged")
        r.accepted_at = created if accepted else None
        r.whistled_at = created if dept_code and accepted else None
        return r

    def _item_code(self, text: str) -> str:
        if text and not self.m.item_map and text not in self.lk.items:
            raise ValueError(f"未知事项“{text}”")  # strict without a mapping table
        code = self.m.item_map.get(text, text if text in self.lk.items
                                   else (self.m.item_default or ""))
        if code and code not in self.lk.items:
            raise ValueError(f"未知事项“{code}”")
        return code

    def _department_code(self, text: str) -> str:
        if text and not self.m.department_map and text not in self.lk.departments:
            raise ValueError(f"未知部门“{text}”")
        code = self.m.department_map.get(text, text if text in self.lk.departments
                                         else (self.m.department_default or ""))
        if code and code not in self.lk.departments:
            raise ValueError(f"未知部门“{code}”")
        return code

    @staticmethod
    def _point(lat_text: str, lng_text: str) -> tuple[float | None, float | None]:
        if not (lat_text or lng_text):
            return None, None
        lat, lng = float(lat_text), float(lng_text)
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValueError("经纬度超出范围")
        return lat, lng

    def _grid(self, code: str) -> tuple[int | None, int | None, int | None]:
        if not code:
            return None, None, None
        if code not in self.lk.grids:
            raise ValueError(f"未知网格“{code}”")
        return self.lk.grids[code]

    def _number(self, text: str, line: int) -> str:
        number = f"{self.m.number_prefix}{text}" if text else f"IM{self.digest}{line:09d}"
        if len(number) > 24:
            raise ValueError("number 超过 24 个字符")
        return number


# --- writing ------------------------------------------------------------------------------

# The case columns an import fills per row; every other column is the same for all rows.
_CASE_VARIABLE = ("id", "number", "district_code", "status", "item_id", "description",
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
_EVENT_VARIABLE = ("case_id", "to_status", "at", "payload")
_EVENT_CONST: dict[str, Any] = {"action": "import", "actor_id": None, "role": "admin",
                                "from_status": "", "public": False}
_FACT_COLS = tuple(f.column for f in CaseFacts._meta.concrete_fields)


@functools.cache
def _tables() -> tuple[BulkTable, BulkTable, BulkTable]:
    """The three bulk writers (built on first use, after every app's models are loaded)."""
    constants = dict(_CASE_CONST)
    for f in Case._meta.concrete_fields:  # a column added later: its model default
        if f.column not in constants and f.column not in _CASE_VARIABLE:
            constants[f.column] = f.get_default()
    return (BulkTable(Case._meta.db_table, _CASE_VARIABLE, constants),
            BulkTable(CaseEvent._meta.db_table, _EVENT_VARIABLE, _EVENT_CONST),
            BulkTable(CaseFacts._meta.db_table, _FACT_COLS))


def _allocate_ids(n: int) -> list[int]:
    table = Case._meta.db_table
    with connection.cursor() as cur:
        if not is_sqlite():
            cur.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                        "FROM generate_series(1, %s)", [n])
            return [r[0] for r in cur.fetchall()]
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        start = int(cur.fetchone()[0]) + 1
        return list(range(start, start + n))


def _fact_values(r: _Record, sqlite: bool) -> tuple[Any, ...]:
    row = derive(cast(Any, r), r.item_code, False)
    row["case_id"] = r.pk
    if sqlite:
        row["day"], row["month"] = row["day"].isoformat(), row["month"].isoformat()
    return tuple(row[c] for c in _FACT_COLS)


def write_batch(records: list[_Record], source: str, now: datetime) -> None:
    """Cases, their import events, facts and rollup deltas for one batch (no transaction)."""
    if not records:
        return
    sqlite = is_sqlite()
    ids = _allocate_ids(len(records))
    updated = db_time(now, sqlite)
    payload_head = '{"source": ' + json.dumps(source, ensure_ascii=False) + ', "line": '
    cases, events, facts = [], [], []
    for case_id, r in zip(ids, records, strict=True):
        r.pk = case_id
        created, closed = db_time(r.created_at, sqlite), db_time(r.closed_at, sqlite)
        resolved: Any = r.resolved_confirmed
        if sqlite and resolved is not None:
            resolved = int(resolved)  # a bool would take sqlite3's slow adapter path
        cases.append((case_id, r.number, r.district_code, r.status, r.item_id, r.description,
                      r.address, r.lat, r.lng, r.grid_id, r.community_id, r.street_id,
                      r.lead_department_id, created, updated,
                      created if r.accepted_at else None, created if r.whistled_at else None,
                      closed, closed, r.rating, resolved, closed if r.rating else None))
        events.append((case_id, r.status, created, f"{payload_head}{r.line}}}"))
        facts.append(_fact_values(r, sqlite))
    case_table, event_table, fact_table = _tables()
    case_table.write(cases)
    event_table.write(events)
    fact_table.write(facts)
    rollups_add_from_facts(ids)

def _existing_numbers(numbers: list[str]) -> set[str]:
    if not is_sqlite():  # one array parameter instead of chunks of IN lists
        with connection.cursor() as cur:
            cur.execute(f"SELECT number FROM {Case._meta.db_table} WHERE number = ANY(%s)",
                        [numbers])
            return {n for n, in cur.fetchall()}
    found: set[str] = set()
    for i in range(0, len(numbers), 900):
        found.update(Case.objects.filter(number__in=numbers[i:i + 900])
                     .values_list("number", flat=True))
    return found


def _records(path: Path, mapping: Mapping, parser: _Parser) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each data row; blank lines are skipped, as DictReader does."""
    with path.open(newline="", encoding=mapping.encoding, errors="replace") as fh:
        reader = csv.reader(fh, delimiter=mapping.delimiter)
        header = next(reader, None)
        if header is None:
            return
        parser.bind(header)
        for row in reader:
            if row:
                yield reader.line_num, row


def _split_duplicates(records: list[_Record]) -> tuple[list[_Record], list[tuple[int, str]]]:
    """Records whose number is new, and the bad rows of those already taken."""
    taken = _existing_numbers([r.number for r in records])
    good, bad = [], []
    for r in records:
        if r.number in taken:
            bad.append((r.line, f"案件编号重复：{r.number}"))
        else:
            taken.add(r.number)
            good.append(r)
    return good, bad


@contextmanager
def _fast_writes() -> Iterator[None]:
    """Tune this connection for a long bulk load, then put it back.

    SQLite: a 256 MB page cache, so the cases table's sixteen indexes stay in memory
    (the settings already give WAL with synchronous=NORMAL, which loses nothing
    committed on a crash of the process). Nothing on PostgreSQL here: see `_commit_batch`.
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


def _commit_batch(records: list[_Record], source: str, checkpoint: ImportCheckpoint,
                  **counts: int) -> None:
    """One batch and the file's checkpoint in one transaction.

    On PostgreSQL the commit does not wait for the WAL flush (`synchronous_commit=off`,
    this transaction only): a crash may lose the last batches, never half of one, and
    the checkpoint rolls back with them, so a rerun imports them again.
    """
    with transaction.atomic():
        if not is_sqlite():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit = off")
        write_batch(records, source, timezone.now())
        ImportCheckpoint.objects.filter(pk=checkpoint.pk).update(**counts)


def import_cases(path: Path, *, mapping: Mapping | None = None, batch: int = DEFAULT_BATCH,
                 progress: bool = True, stream: TextIO | None = None,
                 on_batch: Callable[[int], None] | None = None) -> ImportResult:
    """Import `path`; resumable through its checkpoint. Returns counts and bad rows."""
    mapping = mapping or Mapping()
    path = path.resolve()
    stat = path.stat()
    started = time.monotonic()
    checkpoint, _ = ImportCheckpoint.objects.get_or_create(
        path=str(path), size=stat.st_size, mtime=stat.st_mtime)
    done_records = checkpoint.last_line
    result = ImportResult(skipped=done_records)
    parser = _Parser(mapping, _Lookups(), path.name)
    bar = Progress(_count_lines(path), stream, progress)
    pending: list[_Record] = []
    pending_bad: list[tuple[int, str]] = []
    record = 0

    def commit() -> None:
        nonlocal pending, pending_bad
        good, dupes = _split_duplicates(pending)
        pending_bad += dupes
        _commit_batch(good, path.name, checkpoint, last_line=record,
                      imported=checkpoint.imported + result.imported + len(good),
                      bad=checkpoint.bad + len(result.bad) + len(pending_bad))
        result.imported += len(good)
        result.bad.extend(pending_bad)
        pending, pending_bad = [], []
        if on_batch:
            on_batch(result.imported)

    with _fast_writes():
        for line, row in _records(path, mapping, parser):
            record += 1
            if record <= done_records:
                continue
            try:
                pending.append(parser.parse(row, line))
            except (ValueError, TypeError) as exc:
                pending_bad.append((line, str(exc)))
            if len(pending) + len(pending_bad) >= batch:
                commit()
                bar.update(record)
        if pending or pending_bad:
            commit()
    bar.close(record)
    result.seconds = time.monotonic() - started
    result.bad.sort()
    return result


def import_flags_summary() -> dict[str, int]:
    """Counts of imported cases' facts (for the command's summary)."""
    from django.db.models import Sum

    agg = CaseFacts.objects.filter(channel="import").aggregate(**{f: Sum(f) for f in FLAGS})
    return {k: int(v or 0) for k, v in agg.items()}
