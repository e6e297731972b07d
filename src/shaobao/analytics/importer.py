"""`shaobao import-cases CSV`: bulk history, millions of rows, resumable.

Documented columns (header names; only `created_at` and one of `description`/`item` are
required): number, created_at, item, description, address, lat, lng, grid, status,
closed_at, lead_department, rating, resolved. Timestamps are ISO 8601; without an offset
they are read in the mapping's `timezone` (default Asia/Shanghai). A mapping file
(YAML) adapts other layouts; see `mappings/us311.yaml` and docs/analytics.md.

Each batch (default 5,000 rows) commits in one transaction: the cases (COPY on
PostgreSQL, executemany on SQLite), one synthetic `import` event per case, their facts
and the rollup deltas (computed in bulk, not through per-case handlers), and the file's
checkpoint. A rerun of the same file (same path, size and mtime) skips the rows already
committed. Bad rows are reported with their line numbers; good rows are kept.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import yaml
from django.db import connection, transaction
from django.utils import timezone

from shaobao.analytics.facts import derive, rollups_add, rollups_from_rows
from shaobao.analytics.models import FLAGS, CaseFacts, ImportCheckpoint
from shaobao.cases.models import Case, CaseEvent, Rating, Status
from shaobao.core.errors import ImportFailed
from shaobao.core.rules import product_rule

COLUMNS = ("number", "created_at", "item", "description", "address", "lat", "lng", "grid",
           "status", "closed_at", "lead_department", "rating", "resolved")
CLOSED_LIKE = {"closed"}
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


class _Row:
    """What `facts.derive` reads, for a row that never becomes a model instance."""

    __slots__ = ("accepted_at", "channel", "checked_in_at", "closed_at", "community_id",
                 "created_at", "district_code", "feedback_at", "feedback_due", "grid_id",
                 "handle_due", "handled_at", "lead_department_id", "overdue", "pk", "rating",
                 "resolved_confirmed", "rework_count", "status", "street_id", "whistled_at")

    def __init__(self, **values: Any) -> None:
        for k in self.__slots__:
            setattr(self, k, values.get(k))


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


class _Parser:
    def __init__(self, mapping: Mapping, lookups: _Lookups, source: str) -> None:
        self.m, self.lk = mapping, lookups
        self.tz = ZoneInfo(mapping.timezone)
        self.district = product_rule("DISTRICT_CODE")
        self.source = source
        self.digest = hashlib.sha1(source.encode()).hexdigest()[:6].upper()
        self.ratings = set(Rating.values)
        self.statuses = set(Status.values)

    def get(self, raw: dict[str, str], target: str) -> str:
        src = self.m.columns.get(target)
        if src is None:
            return ""
        if isinstance(src, list):
            return " / ".join(v for v in ((raw.get(s) or "").strip() for s in src) if v)
        return (raw.get(src) or "").strip()

    def parse(self, raw: dict[str, str], line: int) -> dict[str, Any]:
        created_text = self.get(raw, "created_at")
        if not created_text:
            raise ValueError("缺少 created_at")
        created = _parse_time(created_text, self.tz)
        closed_text = self.get(raw, "closed_at")
        closed = _parse_time(closed_text, self.tz) if closed_text else None
        if closed is not None and closed < created:
            raise ValueError("closed_at 早于 created_at")
        item_text = self.get(raw, "item")
        if item_text and not self.m.item_map and item_text not in self.lk.items:
            raise ValueError(f"未知事项“{item_text}”")  # strict without a mapping table
        item_code = self.m.item_map.get(item_text, item_text if item_text in self.lk.items
                                        else (self.m.item_default or ""))
        if item_code and item_code not in self.lk.items:
            raise ValueError(f"未知事项“{item_code}”")
        description = self.get(raw, "description") or item_text
        if not description:
            raise ValueError("缺少 description")
        dept_text = self.get(raw, "lead_department")
        if dept_text and not self.m.department_map and dept_text not in self.lk.departments:
            raise ValueError(f"未知部门“{dept_text}”")
        dept_code = self.m.department_map.get(dept_text, dept_text if dept_text in
                                              self.lk.departments else
                                              (self.m.department_default or ""))
        if dept_code and dept_code not in self.lk.departments:
            raise ValueError(f"未知部门“{dept_code}”")
        status_text = self.get(raw, "status")
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
        rating = self.get(raw, "rating")
        if rating and (rating not in self.ratings or status != "closed"):
            raise ValueError(f"评价“{rating}”无效或案件未结案")
        lat = lng = None
        lat_text, lng_text = self.get(raw, "lat"), self.get(raw, "lng")
        if lat_text or lng_text:
            lat, lng = float(lat_text), float(lng_text)
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise ValueError("经纬度超出范围")
        grid_code = self.get(raw, "grid")
        grid_id = community_id = street_id = None
        if grid_code:
            if grid_code not in self.lk.grids:
                raise ValueError(f"未知网格“{grid_code}”")
            grid_id, community_id, street_id = self.lk.grids[grid_code]
        number = self.get(raw, "number")
        number = f"{self.m.number_prefix}{number}" if number else f"IM{self.digest}{line:09d}"
        if len(number) > 24:
            raise ValueError("number 超过 24 个字符")
        resolved_text = self.get(raw, "resolved").lower()
        accepted = status not in ("submitted", "rejected", "merged")
        return {
            "number": number, "created_at": created, "closed_at": closed, "status": status,
            "item_id": self.lk.items.get(item_code) if item_code else None, "item_code": item_code,
            "description": description[:4000], "address": self.get(raw, "address")[:200],
            "lat": lat, "lng": lng, "grid_id": grid_id, "community_id": community_id,
            "street_id": street_id,
            "lead_department_id": self.lk.departments.get(dept_code) if dept_code else None,
            "rating": rating, "rated_at": closed if rating else None,
            "resolved_confirmed": (resolved_text in ("1", "true", "yes", "是") if resolved_text
                                   else rating in ("satisfied", "basically_satisfied"))
            if rating else None,
            "accepted_at": created if accepted else None,
            "whistled_at": created if dept_code and accepted else None,
            "handled_at": closed, "feedback_at": None, "feedback_due": None,
            "district_code": self.district, "line": line,
        }


# --- writing ------------------------------------------------------------------------------

_CASE_CONST: dict[str, Any] = {
    "version": 1, "channel": "import", "reporter_id": None, "reporter_name": "",
    "reporter_phone": "", "anonymous": False, "checked_in_at": None, "check_in_due": None,
    "handle_due": None, "handle_clock_start": None, "suspended_at": None,
    "pending_request": None, "rating_comment": "", "merged_into_id": None,
    "escalation_level": "", "supervision_level": 0, "rework_count": 0, "overdue": False,
}
_CASE_COLS = [f.column for f in Case._meta.concrete_fields]
_FACT_COLS = [f.column for f in CaseFacts._meta.concrete_fields]
_TEMPORAL = frozenset(f.column for m in (Case, CaseFacts, CaseEvent)
                      for f in m._meta.concrete_fields
                      if f.get_internal_type() in ("DateTimeField", "DateField"))
_EVENT_COLS = ["case_id", "action", "actor_id", "role", "from_status", "to_status", "at",
               "payload", "public"]


def _is_pg() -> bool:
    return connection.vendor == "postgresql"


_PLAIN = frozenset({type(None), int, str, float, bool})


def _adapt(value: Any) -> Any:
    """SQLite through executemany stores naive-UTC text datetimes and ISO dates (as Django)."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _allocate_ids(n: int) -> list[int]:
    table = Case._meta.db_table
    with connection.cursor() as cur:
        if _is_pg():
            cur.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                        "FROM generate_series(1, %s)", [n])
            return [r[0] for r in cur.fetchall()]
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        start = int(cur.fetchone()[0]) + 1
        return list(range(start, start + n))


def _write(table: str, cols: list[str], rows: list[list[Any]]) -> None:
    if not rows:
        return
    with connection.cursor() as cur:
        if _is_pg():
            raw = cur.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(cols))
            temporal = [i for i, c in enumerate(cols) if c in _TEMPORAL]
            for row in rows:
                for i in temporal:
                    row[i] = _adapt(row[i])
            cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)


def write_batch(parsed: list[dict[str, Any]], source: str, now: datetime) -> None:
    """Cases, their import events, facts and rollup deltas for one batch (no transaction)."""
    ids = _allocate_ids(len(parsed))
    case_rows, event_rows, fact_rows, facts = [], [], [], []
    for case_id, p in zip(ids, parsed, strict=True):
        values = {**_CASE_CONST, **p, "id": case_id, "updated_at": now}
        case_rows.append([values.get(c) for c in _CASE_COLS])
        payload = {"source": source, "line": p["line"]}
        event_rows.append([case_id, "import", None, "admin", "", p["status"], p["created_at"],
                           json.dumps(payload), False])
        light: Any = _Row(pk=case_id, channel="import", rework_count=0, overdue=False, **p)
        row = derive(light, p["item_code"], False)
        row["case_id"] = case_id
        facts.append(row)
        fact_rows.append([row[c] for c in _FACT_COLS])
    _write(Case._meta.db_table, _CASE_COLS, case_rows)
    _write(CaseEvent._meta.db_table, _EVENT_COLS, event_rows)
    _write(CaseFacts._meta.db_table, _FACT_COLS, fact_rows)
    rollups_add(rollups_from_rows(facts))


def _existing_numbers(numbers: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(numbers), 900):
        found.update(Case.objects.filter(number__in=numbers[i:i + 900])
                     .values_list("number", flat=True))
    return found


def _records(path: Path, mapping: Mapping) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding=mapping.encoding, errors="replace") as fh:
        reader = csv.DictReader(fh, delimiter=mapping.delimiter)
        for raw in reader:
            yield reader.line_num, raw


def import_cases(path: Path, *, mapping: Mapping | None = None, batch: int = 5000,
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
    pending: list[dict[str, Any]] = []
    pending_bad: list[tuple[int, str]] = []
    record = 0

    def commit() -> None:
        nonlocal pending, pending_bad
        numbers = [p["number"] for p in pending]
        dupes = _existing_numbers(numbers)
        seen: set[str] = set()
        good = []
        for p in pending:
            if p["number"] in dupes or p["number"] in seen:
                pending_bad.append((p["line"], f"案件编号重复：{p['number']}"))
            else:
                seen.add(p["number"])
                good.append(p)
        with transaction.atomic():
            write_batch(good, path.name, timezone.now())
            ImportCheckpoint.objects.filter(pk=checkpoint.pk).update(
                last_line=record, imported=checkpoint.imported + result.imported + len(good),
                bad=checkpoint.bad + len(result.bad) + len(pending_bad))
        result.imported += len(good)
        result.bad.extend(pending_bad)
        pending, pending_bad = [], []
        if on_batch:
            on_batch(result.imported)

    for line, raw in _records(path, mapping):
        record += 1
        if record <= done_records:
            continue
        try:
            pending.append(parser.parse(raw, line))
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
