"""`shaobao import-cases CSV`: bulk history, millions of rows, resumable.

Documented columns (header names; only `created_at` and one of `description`/`item` are
required): number, created_at, item, description, address, lat, lng, grid, status,
closed_at, lead_department, rating, resolved. Timestamps are ISO 8601; without an offset
they are read in the mapping's `timezone` (default Asia/Shanghai). A mapping file
(YAML) adapts other layouts; see `mappings/us311.yaml` and docs/analytics.md.

This module reads and parses rows into batches of database-ready tuples
(`importwrite.prepare`, incl. `facts.derive` per row). Each batch (default 10,000 rows)
commits in one transaction (`importwrite.commit_batch`): the cases (COPY on PostgreSQL,
one executemany on SQLite, see `bulkwrite`), one synthetic `import` event per case, their
facts, the rollup deltas (summed in SQL from the batch's facts rows) and the file's
checkpoint. On PostgreSQL the reading runs in a thread ahead of the writing and batches
alternate between two writer connections, still committing in file order
(`importpipe`). A rerun of the same file (same path, size and mtime) skips the rows
already committed. Bad rows are reported with their line numbers; good rows are kept.
"""

from __future__ import annotations

import csv
import hashlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import yaml
from django.db import connection
from django.utils import timezone

from shaobao.analytics.bulkwrite import is_sqlite
from shaobao.analytics.importpipe import OrderedWriters, Prefetch
from shaobao.analytics.importwrite import PreparedBatch, commit_batch, fast_writes, prepare
from shaobao.analytics.models import ImportCheckpoint
from shaobao.calendar.service import work_calendar
from shaobao.cases.models import Rating, Status
from shaobao.core.errors import ImportFailed
from shaobao.core.rules import product_rule

COLUMNS = ("number", "created_at", "item", "description", "address", "lat", "lng", "grid",
           "status", "closed_at", "lead_department", "rating", "resolved")
CLOSED_LIKE = {"closed"}
# Rows per transaction (and per checkpoint). 10,000 rather than 5,000: the rollup
# upserts repeat fewer keys (PostgreSQL server CPU per 200,000 rows 13.5 → 12.6 s,
# import 20.0k → 21.4k rows/s), and a crash still redoes at most two batches.
DEFAULT_BATCH = 10_000
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
        self._pick: Callable[[list[str]], tuple[str, ...]] | None = None

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
        plain = all(not isinstance(w, tuple) for w in self.where.values())
        # Usually every target is one column or none: then one itemgetter call picks all
        # thirteen cells of a row (an absent column reads the "" that `values` appends).
        self._pick = (itemgetter(*[-1 if w is None else w for w in self.where.values()])
                      if plain else None)

    def values(self, row: list[str]) -> list[str]:
        """The stripped cells of `row` for every target in `COLUMNS` order."""
        if self._pick is not None:
            return [v.strip() for v in self._pick([*row, ""])]
        return [self.get(row, target) for target in COLUMNS]

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
        (number_text, created_text, item_text, description, address, lat_text, lng_text,
         grid_code, status_text, closed_text, dept_text, rating, resolved_text) = self.values(row)
        if not created_text:
            raise ValueError("缺少 created_at")
        created = _parse_time(created_text, self.tz)
        closed = _parse_time(closed_text, self.tz) if closed_text else None
        if closed is not None and closed < created:
            raise ValueError("closed_at 早于 created_at")
        item_code = self._item_code(item_text)
        description = description or item_text
        if not description:
            raise ValueError("缺少 description")
        dept_code = self._department_code(dept_text)
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
        if rating and (rating not in self.ratings or status != "closed"):
            raise ValueError(f"评价“{rating}”无效或案件未结案")
        r = _Record()
        r.line, r.district_code, r.status, r.rating = line, self.district, status, rating
        r.created_at, r.closed_at, r.handled_at = created, closed, closed
        r.item_code = item_code
        r.item_id = self.lk.items.get(item_code) if item_code else None
        r.description, r.address = description[:4000], address[:200]
        r.lat, r.lng = self._point(lat_text, lng_text)
        r.grid_id, r.community_id, r.street_id = self._grid(grid_code)
        r.lead_department_id = self.lk.departments.get(dept_code) if dept_code else None
        r.number = self._number(number_text, line)
        resolved_text = resolved_text.lower()
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


# --- the run -----------------------------------------------------------------------------

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


def _batches(path: Path, mapping: Mapping, parser: _Parser, *, skip: int, batch: int,
             sqlite: bool) -> Iterator[PreparedBatch]:
    """Parsed, derived, database-ready batches of the records after the first `skip`.

    Runs in the reader thread (`importpipe.Prefetch`): no database access here.
    """
    pending: list[_Record] = []
    bad: list[tuple[int, str]] = []
    record = 0
    for line, row in _records(path, mapping, parser):
        record += 1
        if record <= skip:
            continue
        try:
            pending.append(parser.parse(row, line))
        except (ValueError, TypeError) as exc:
            bad.append((line, str(exc)))
        if len(pending) + len(bad) >= batch:
            yield prepare(pending, bad, record, parser.source, timezone.now(), sqlite)
            pending, bad = [], []
    if pending or bad:
        yield prepare(pending, bad, record, parser.source, timezone.now(), sqlite)


def import_cases(path: Path, *, mapping: Mapping | None = None, batch: int = DEFAULT_BATCH,
                 progress: bool = True, stream: TextIO | None = None,
                 on_batch: Callable[[int], None] | None = None) -> ImportResult:
    """Import `path`; resumable through its checkpoint. Returns counts and bad rows.

    Batches commit in file order, each with its checkpoint, so an interruption leaves a
    prefix of the file imported (on PostgreSQL the batch in flight on the other writer
    still commits or rolls back whole before this returns or raises).
    """
    mapping = mapping or Mapping()
    path = path.resolve()
    stat = path.stat()
    started = time.monotonic()
    checkpoint, _ = ImportCheckpoint.objects.get_or_create(
        path=str(path), size=stat.st_size, mtime=stat.st_mtime)
    result = ImportResult(skipped=checkpoint.last_line)
    parser = _Parser(mapping, _Lookups(), path.name)
    work_calendar()  # fresh in this thread, so the reader's `derive` needs no query
    bar = Progress(_count_lines(path), stream, progress)
    batches = _batches(path, mapping, parser, skip=checkpoint.last_line, batch=batch,
                       sqlite=is_sqlite())
    done = checkpoint.last_line

    def committed(written: PreparedBatch) -> None:
        nonlocal done
        result.imported += len(written.numbers)
        result.bad.extend(written.bad)
        done = written.upto
        if on_batch:
            on_batch(result.imported)
        bar.update(done)

    # SQLite runs in this process and gives the GIL up for each row's insert only; a
    # reader thread then slows the writer about as much as it saves (measured), so
    # there the reading stays in this thread.
    with fast_writes(), Prefetch(batches, depth=2, background=not is_sqlite()) as ready:
        _write_all(ready, checkpoint, committed)
    bar.close(done)
    result.seconds = time.monotonic() - started
    result.bad.sort()
    return result


def _write_all(ready: Iterator[PreparedBatch], checkpoint: ImportCheckpoint,
               committed: Callable[[PreparedBatch], None]) -> None:
    """Commit every batch in order; on PostgreSQL on two connections in turn.

    Two connections need the batches' transactions to be their own: inside a caller's
    transaction (a test, an outer `atomic`) the other connection would not see what
    that transaction wrote, so there every batch goes through this thread's connection.
    """
    if is_sqlite() or connection.in_atomic_block:  # SQLite: one writer at a time anyway
        for prepared in ready:
            committed(commit_batch(prepared, checkpoint))
        return
    id_lock = threading.Lock()

    def commit(prepared: PreparedBatch, prev: PreparedBatch | None,
               wait_prev: Callable[[], None]) -> PreparedBatch:
        in_flight = frozenset(prev.numbers) if prev is not None else frozenset()
        return commit_batch(prepared, checkpoint, in_flight=in_flight, after=wait_prev,
                            id_lock=id_lock)

    with OrderedWriters(commit) as writers:
        for prepared in ready:
            for written in writers.submit(prepared):
                committed(written)
        for written in writers.drain():
            committed(written)
