"""Benchmarks behind `shaobao bench analytics|import|sweep` (each prints `name: value`).

Each runs in a fresh data directory (SQLite) or a fresh PostgreSQL database
(`shaobao_bench_an`), in a child `shaobao bench <name>-inner` process so the caller's
own database is never touched.

* `analytics --cases N`: builds N cases of a year and a half of realistic history inside
  the database (INSERT … SELECT over random draws: case rows and their facts, indexes
  rebuilt after the load, then every rollup by one INSERT … SELECT … GROUP BY), then
  times `kpis_for` for the district, every street and the busiest departments over
  the last 365 days (`kpi_p50_ms`, `kpi_p95_ms`) and, in the same run, the same sums
  by a plain GROUP BY over the facts table (`baseline_p50_ms`, `baseline_p95_ms`).
* `import --rows N`: writes an N-row CSV in the documented columns and imports it
  (`import_rows_per_s`).
* `sweep --open N`: N open cases, about 44 % past a deadline and not yet marked; times
  the catch-up sweep over that backlog (marking + facts/rollups; notices by sample rate)
  and then the every-minute `sla_sweep` one minute later, whole (`sweep_seconds`).
"""

from __future__ import annotations

import functools
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from shaobao.demo.bench import bench_environment, shaobao_cmd

Rows = list[tuple[str, str]]
Progress = Callable[[str], None]
BENCH_PG_URL = "postgres://postgres@127.0.0.1:5432/shaobao_bench_an"
CHUNK = 50_000


def _quiet(message: str) -> None:
    pass


def run_inner(db: str, args: list[str], progress: Progress = _quiet,
              pg_url: str | None = None) -> Rows:
    """Run `shaobao bench <args>` in a fresh environment and collect its `name: value` rows.
    `pg_url` names the PostgreSQL database to drop and recreate (default BENCH_PG_URL)."""
    with bench_environment(db, pg_url=pg_url or BENCH_PG_URL) as env:
        progress(f"fresh {db} database; running bench {' '.join(args)}")
        proc = subprocess.run(shaobao_cmd("bench", *args), env=env, capture_output=True,
                              text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"bench {args[0]} failed:\n{proc.stdout}\n{proc.stderr}")
        for line in proc.stderr.splitlines():
            if line.startswith("#"):
                progress(line.lstrip("# "))
        rows = [("db", db)]
        for line in proc.stdout.splitlines():
            if ": " in line:
                k, v = line.split(": ", 1)
                rows.append((k, v))
        return rows


def _prepare_world(progress: Progress) -> None:
    from django.core.management import call_command

    from shaobao.demo.setup import demo_catalogue, demo_departments, demo_divisions

    call_command("migrate", interactive=False, verbosity=0)
    for step in (demo_divisions, demo_departments, demo_catalogue):
        step(progress)


def _pct(samples: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(samples) * 1000.0, q)) if samples else float("nan")


# --- building history ---------------------------------------------------------------------

class _Dims:
    def __init__(self) -> None:
        from shaobao.catalogue.selectors import current_items
        from shaobao.geo.models import Division

        self.communities = list(Division.objects.filter(level="community")
                                .values_list("id", "parent_id"))
        self.items = [(i.pk, i.code, i.lead_department_id) for i in current_items()]
        # Busy items first: a Zipf-like share, as complaints are in practice.
        self.item_weights = [1.0 / (r + 1) for r in range(len(self.items))]
        self.community_weights = [1.0 + (i % 7) for i in range(len(self.communities))]


SLOTS = 1000  # weighted choice in SQL: a uniform slot number → a community / an item


def _weighted_slots(values: list[Any], weights: list[float]) -> list[tuple[int, Any]]:
    """(slot, value) for SLOTS slots, each value holding a share of slots ∝ its weight."""
    total, acc, out, k = sum(weights), 0.0, [], 0
    for value, w in zip(values, weights, strict=True):
        acc += w
        while k < SLOTS and (k + 0.5) / SLOTS * total <= acc:
            out.append((k, value))
            k += 1
    out += [(j, values[-1]) for j in range(k, SLOTS)]
    return out


def _history_dims_tables(cur: Any, dims: _Dims) -> None:
    cur.execute("CREATE TEMPORARY TABLE hist_comm (slot integer PRIMARY KEY, id bigint, "
                "street_id bigint)")
    cur.executemany("INSERT INTO hist_comm VALUES (%s, %s, %s)",
                    [(k, c, s) for k, (c, s) in _weighted_slots(dims.communities,
                                                                dims.community_weights)])
    cur.execute("CREATE TEMPORARY TABLE hist_item (slot integer PRIMARY KEY, id bigint, "
                "code varchar(16), dept_id bigint)")
    cur.executemany("INSERT INTO hist_item VALUES (%s, %s, %s, %s)",
                    [(k, i, code, d) for k, (i, code, d) in _weighted_slots(dims.items,
                                                                          dims.item_weights)])


def _history_seed_sql(pg: bool) -> list[str]:
    """One row per case: its random draws, status, whistle and rating (same mix as ever:
    78 % closed, 4 % rejected, 2 % merged, the rest open; 70 % of the rest dispatched)."""
    r = "random()" if pg else "((random() & 1073741823) / 1073741824.0)"
    series = ("generate_series(%(lo)s, %(hi)s) AS g(i)" if pg else
              "(WITH RECURSIVE g(i) AS (SELECT %(lo)s UNION ALL SELECT i + 1 FROM g "
              "WHERE i < %(hi)s) SELECT i FROM g) g")
    status = ("CASE WHEN us < 0.78 THEN 'closed' WHEN us < 0.82 THEN 'rejected' "
              "WHEN us < 0.84 THEN 'merged' WHEN us < 0.88 THEN 'accepted' "
              "WHEN us < 0.92 THEN 'whistled' WHEN us < 0.96 THEN 'in_progress' "
              "ELSE 'handled' END")
    rating = ("CASE WHEN status <> 'closed' THEN '' WHEN ur < 0.5 THEN 'satisfied' "
              "WHEN ur < 4 / 6.0 THEN 'basically_satisfied' WHEN ur < 5 / 6.0 "
              "THEN 'unsatisfied' ELSE '' END")
    # The draws get a table of their own: SQLite flattens subqueries and would evaluate
    # random() again at every reference to a drawn column.
    return [
        f"CREATE TEMPORARY TABLE hist_draw AS SELECT i AS id, {r} * 540 AS age_days, "
        f"{r} AS us, {r} AS uw, {r} AS ur, {r} AS uo, 4 + {r} * 116 AS due_h, "
        f"1 + {r} * 149 AS close_h, 1 + {r} * 79 AS close_work_h, "
        f"CAST({r} * {SLOTS} AS integer) AS cs, CAST({r} * {SLOTS} AS integer) AS its "
        f"FROM {series}",
        "CREATE TEMPORARY TABLE hist_seed AS SELECT x.*, "
        "CASE WHEN status NOT IN ('rejected', 'merged') AND uw < 0.7 THEN 1 ELSE 0 END "
        f"AS whistled, {rating} AS rating FROM (SELECT d.*, {status} AS status "
        "FROM hist_draw d) x",
        "DROP TABLE hist_draw",
    ]


def _at(pg: bool, hours_after_report: str) -> str:
    days = f"({hours_after_report}) / 24.0 - s.age_days"
    return (f"(%(now)s::timestamptz + ({days}) * interval '1 day')" if pg else
            f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', %(now)s + {days})")


def _history_cases_sql(pg: bool) -> str:
    from shaobao.analytics.bulkwrite import sql_literal
    from shaobao.cases.models import Case

    at = functools.partial(_at, pg)
    closed, whistled = "s.status = 'closed'", "s.whistled = 1"
    checked_in = f"({whistled} AND s.status <> 'whistled')"
    good = "s.rating IN ('satisfied', 'basically_satisfied')"
    values = {
        "id": "s.id", "status": "s.status", "item_id": "it.id", "community_id": "c.id",
        "street_id": "c.street_id", "district_code": "%(district)s", "channel": "'resident'",
        "number": ("'BN' || lpad(CAST(s.id AS text), 12, '0')" if pg else
                   "'BN' || substr('000000000000' || s.id, -12, 12)"),
        "lead_department_id": f"CASE WHEN {whistled} THEN it.dept_id END",
        "created_at": at("0"), "updated_at": at("s.age_days * 24"),
        "accepted_at": f"CASE WHEN s.status NOT IN ('rejected', 'merged') THEN {at('0')} END",
        "whistled_at": f"CASE WHEN {whistled} THEN {at('0')} END",
        "checked_in_at": f"CASE WHEN {checked_in} THEN {at('1')} END",
        "check_in_due": f"CASE WHEN {whistled} THEN {at('2')} END",
        "handle_due": at("s.due_h"), "handle_clock_start": at("0"),
        "handled_at": f"CASE WHEN {closed} THEN {at('s.close_h')} END",
        "closed_at": f"CASE WHEN {closed} THEN {at('s.close_h')} END",
        "rating": "s.rating", "rated_at": f"CASE WHEN s.rating <> '' THEN {at('s.close_h')} END",
        "resolved_confirmed": f"CASE WHEN s.rating = '' THEN NULL WHEN {good} THEN "
                              f"{'TRUE' if pg else '1'} ELSE {'FALSE' if pg else '0'} END",
        "feedback_due": at("72"), "feedback_at": at("5"),
    }
    for f in Case._meta.concrete_fields:
        if f.column not in values:
            values[f.column] = sql_literal(f.get_default(), pg=pg)
    return (f"INSERT INTO cases_case ({', '.join(values)}) SELECT {', '.join(values.values())} "
            "FROM hist_seed s JOIN hist_comm c ON c.slot = s.cs "
            "JOIN hist_item it ON it.slot = s.its")


def _local_day_month_sql(pg: bool) -> tuple[str, str]:
    """SQL for the Beijing day and month of `c.created_at` (facts' period columns)."""
    local = "(c.created_at AT TIME ZONE 'Asia/Shanghai')"
    day = f"CAST({local} AS date)" if pg else "date(c.created_at, '+8 hours')"
    month = (f"CAST(date_trunc('month', {local}) AS date)" if pg else
             "strftime('%%Y-%%m-01', c.created_at, '+8 hours')")
    return day, month


def _history_facts_sql(pg: bool) -> str:
    from shaobao.analytics.models import FLAGS

    day, month = _local_day_month_sql(pg)
    closed, whistled = "s.status = 'closed'", "s.whistled = 1"
    checked_in = f"({whistled} AND s.status <> 'whistled')"
    accepted = "s.status NOT IN ('rejected', 'merged')"
    flag_sql = {
        "submitted": "TRUE", "accepted": accepted, "rejected": "s.status = 'rejected'",
        "merged": "s.status = 'merged'", "due_to_close": accepted, "whistled": whistled,
        "checked_in": checked_in, "checked_in_on_time": f"{checked_in} AND s.uo < 0.9",
        "closed": closed, "closed_on_time": f"{closed} AND s.close_h <= s.due_h",
        "overdue_open": f"NOT {closed} AND {accepted} AND s.uo >= 0.9",
        "reworked": f"{closed} AND s.uo < 0.05", "rated": "s.rating <> ''",
        "satisfied": "s.rating = 'satisfied'",
        "basically_satisfied": "s.rating = 'basically_satisfied'",
        "unsatisfied": "s.rating = 'unsatisfied'",
        "resolved": "s.rating IN ('satisfied', 'basically_satisfied')",
        "station_solved": f"{closed} AND NOT {whistled}",
        "whistle_closed": f"{closed} AND {whistled}", "feedback_3d": "TRUE",
        "rated_closed": "s.rating <> ''",
    }
    flags = ", ".join(f"CASE WHEN {flag_sql[f]} THEN 1 ELSE 0 END" for f in FLAGS)
    return (f"INSERT INTO analytics_casefacts (case_id, district_code, day, month, street_id, "
            f"community_id, grid_id, item_code, department_id, channel, check_in_hours, "
            f"close_hours, {', '.join(FLAGS)}) "
            f"SELECT c.id, c.district_code, {day}, {month}, c.street_id, c.community_id, 0, "
            f"it.code, COALESCE(c.lead_department_id, 0), c.channel, "
            f"CASE WHEN {checked_in} THEN 1.0 END, CASE WHEN {closed} THEN s.close_work_h END, "
            f"{flags} FROM hist_seed s JOIN cases_case c ON c.id = s.id "
            f"JOIN hist_item it ON it.slot = s.its")


def build_history(n: int, *, now: datetime | None = None, progress: Progress = _quiet,
                  chunk: int = 1_000_000) -> None:
    """`n` cases of a year and a half with their facts (no events), then every rollup.

    Generated inside the database (INSERT … SELECT over random draws), chunk by chunk:
    seconds per million rows where building them in Python took minutes. For a fresh
    benchmark database only: the secondary indexes and foreign keys of the two tables
    are dropped for the load and rebuilt after it, as any bulk load into empty tables.
    """
    from django.db import connection, transaction

    from shaobao.analytics.facts import rollups_rebuild_sql
    from shaobao.core.rules import product_rule

    pg = connection.vendor == "postgresql"
    at_now = now or datetime.now(UTC)
    params = {"now": at_now if pg else _julian(at_now),
              "district": product_rule("DISTRICT_CODE")}
    with connection.cursor() as cur:
        _history_dims_tables(cur, _Dims())
    with _indexes_dropped(("cases_case", "analytics_casefacts"), progress):
        for lo in range(1, n + 1, chunk):
            with transaction.atomic(), connection.cursor() as cur:
                for sql in _history_seed_sql(pg):
                    cur.execute(sql, {"lo": lo, "hi": min(lo + chunk - 1, n)})
                cur.execute(_history_cases_sql(pg), params)
                cur.execute(_history_facts_sql(pg), params)
                cur.execute("DROP TABLE hist_seed")
            progress(f"{min(lo + chunk - 1, n)} cases written")
    with transaction.atomic(), connection.cursor() as cur:
        if pg:
            cur.execute("SET LOCAL work_mem = '256MB'")  # the GROUP BYs stay in memory
            cur.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s)",
                        [n + 1])
        rollups_rebuild_sql()
        cur.execute("DROP TABLE hist_comm")
        cur.execute("DROP TABLE hist_item")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


@contextmanager
def _indexes_dropped(tables: tuple[str, ...], progress: Progress) -> Iterator[None]:
    """Drop the tables' secondary indexes (and FKs on PostgreSQL), restore them after."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS "
                        f"NOT NULL AND tbl_name IN ({', '.join(['%s'] * len(tables))})",
                        list(tables))
            saved = [(f'DROP INDEX "{name}"', sql) for name, sql in cur.fetchall()]
        else:
            cur.execute("SELECT format('ALTER TABLE %%I DROP CONSTRAINT %%I', t.relname, "
                        "c.conname), format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', "
                        "t.relname, c.conname, pg_get_constraintdef(c.oid)) "
                        "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                        "WHERE c.contype = 'f' AND t.relname = ANY(%s)", [list(tables)])
            saved = cur.fetchall()
            cur.execute("SELECT format('DROP INDEX %%I', i.indexrelid::regclass::text), "
                        "pg_get_indexdef(i.indexrelid) FROM pg_index i "
                        "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s) "
                        "AND NOT i.indisprimary AND NOT i.indisunique", [list(tables)])
            saved += cur.fetchall()
        for drop, _ in saved:
            cur.execute(drop)
    try:
        yield
    finally:
        progress(f"rebuilding {len(saved)} indexes and constraints")
        with connection.cursor() as cur:
            if connection.vendor != "sqlite":
                cur.execute("SET maintenance_work_mem = '512MB'")
            for _, create in reversed(saved):
                cur.execute(create)


# --- analytics ----------------------------------------------------------------------------

def analytics_inner(cases: int, rounds: int = 3, progress: Progress = _quiet) -> Rows:
    from django.db.models import Sum

    from shaobao.analytics.kpis import Scope, kpis_for
    from shaobao.analytics.models import FLAGS, CaseFacts, DailyRollup, MonthlyRollup
    from shaobao.core.rules import product_rule
    from shaobao.geo.models import Division

    _prepare_world(progress)
    t0 = time.perf_counter()
    build_history(cases, progress=progress)
    build_s = time.perf_counter() - t0
    district = product_rule("DISTRICT_CODE")
    today = date.today()
    frm, to = today - timedelta(days=364), today
    streets = list(Division.objects.filter(level="street").values_list("id", flat=True))
    depts = [d for d, in CaseFacts.objects.exclude(department_id=0).values_list("department_id")
             .annotate(n=Sum("submitted")).order_by("-n").values_list("department_id")[:10]]
    scopes = ([("district", Scope(district_code=district))]
              + [("street", Scope(street_id=s)) for s in streets]
              + [("department", Scope(department_id=d)) for d in depts])
    kpi: dict[str, list[float]] = {"district": [], "street": [], "department": []}
    base: dict[str, list[float]] = {"district": [], "street": [], "department": []}
    sums = {f: Sum(f) for f in FLAGS}
    for _kind, scope in scopes[:3]:  # warm caches
        kpis_for(scope, frm, to)
    for _ in range(rounds):
        for kind, scope in scopes:
            t = time.perf_counter()
            result = kpis_for(scope, frm, to)
            kpi[kind].append(time.perf_counter() - t)
            t = time.perf_counter()
            plain = CaseFacts.objects.filter(scope.q(), day__gte=frm, day__lte=to).aggregate(
                **sums)
            base[kind].append(time.perf_counter() - t)
            assert int(plain["submitted"] or 0) == result["counts"]["submitted"]
    all_kpi = [v for vs in kpi.values() for v in vs]
    all_base = [v for vs in base.values() for v in vs]
    rows: Rows = [("bench_cases", str(cases)), ("build_seconds", f"{build_s:.1f}"),
                  ("rollup_rows_daily", str(DailyRollup.objects.count())),
                  ("rollup_rows_monthly", str(MonthlyRollup.objects.count())),
                  ("kpi_queries", str(len(all_kpi))),
                  ("kpi_p50_ms", f"{_pct(all_kpi, 50):.2f}"),
                  ("kpi_p95_ms", f"{_pct(all_kpi, 95):.2f}")]
    for kind in kpi:
        rows.append((f"kpi_{kind}_p95_ms", f"{_pct(kpi[kind], 95):.2f}"))
    rows += [("baseline_p50_ms", f"{_pct(all_base, 50):.2f}"),
             ("baseline_p95_ms", f"{_pct(all_base, 95):.2f}")]
    for kind in base:
        rows.append((f"baseline_{kind}_p95_ms", f"{_pct(base[kind], 95):.2f}"))
    return rows


# --- import -------------------------------------------------------------------------------

def import_inner(rows: int, batch: int | None = None, progress: Progress = _quiet) -> Rows:
    from shaobao.analytics.importer import DEFAULT_BATCH, import_cases
    from shaobao.catalogue.selectors import current_items
    from shaobao.org.models import Department

    _prepare_world(progress)
    items = [i.code for i in current_items()]
    depts = list(Department.objects.values_list("code", flat=True))
    path = Path(tempfile.mkdtemp(prefix="shaobao-import-")) / "cases.csv"
    rnd = random.Random(3)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("number,created_at,item,description,status,closed_at,lead_department,rating\n")
        for i in range(rows):
            created = start + timedelta(seconds=rnd.randrange(0, 400 * 86400))
            closed = rnd.random() < 0.8
            closed_at = (created + timedelta(hours=rnd.uniform(1, 100))).isoformat() \
                if closed else ""
            rating = rnd.choice(("satisfied", "basically_satisfied", "unsatisfied", "")) \
                if closed else ""
            fh.write(f"H{i},{created.isoformat()},{rnd.choice(items)},历史案件 {i},"
                     f"{'closed' if closed else 'accepted'},{closed_at},"
                     f"{rnd.choice(depts) if rnd.random() < 0.7 else ''},{rating}\n")
    progress(f"{rows} rows written to {path}")
    result = import_cases(path, batch=batch or DEFAULT_BATCH, progress=False)
    shutil.rmtree(path.parent, ignore_errors=True)
    return [("import_rows", str(result.imported)), ("import_bad_rows", str(len(result.bad))),
            ("import_seconds", f"{result.seconds:.2f}"),
            ("import_rows_per_s", f"{result.rows_per_s:.0f}")]


# --- sweep --------------------------------------------------------------------------------

STEADY_MINUTE = timedelta(minutes=1)
CATCHUP_NOTICE_SAMPLE = 1000  # notices timed in the catch-up run (the rate is reported)


def sweep_inner(open_cases: int, progress: Progress = _quiet) -> Rows:
    """Build `open_cases` open cases (about 44 % past a deadline, none marked), then:

    (b) catch-up: the first sweep over that backlog — the set-based marking (marks,
        facts, rollups; timed in full) and a sample of its notices through
        `case_transition` (the rate and the projected time for all are reported);
    then the rest of the backlog's notices are written in bulk as setup, as the earlier
    minutes would have left them (untimed; without their events);
    (a) steady state: `sla_sweep` exactly as the worker runs it one minute later, timed
        whole: marks, facts, rollups and every notice due (`sweep_seconds`).
    """
    from shaobao.analytics.models import CaseFacts
    from shaobao.cases.models import Case
    from shaobao.cases.services.sweep import (
        SweepResult,
        notices_due_count,
        notices_issue,
        overdue_marks_refresh,
        sla_sweep,
    )

    _prepare_world(progress)
    now = datetime.now(UTC)
    t = time.perf_counter()
    _build_open_cases(open_cases, now, progress)
    build_s = time.perf_counter() - t
    rows: Rows = [("sweep_open_cases", str(open_cases)), ("sweep_build_seconds", f"{build_s:.1f}")]

    t = time.perf_counter()
    marked, _ = overdue_marks_refresh(now)
    catchup_mark_s = time.perf_counter() - t
    t = time.perf_counter()
    pending = notices_due_count(now)
    catchup_due_s = time.perf_counter() - t
    sample = SweepResult()
    t = time.perf_counter()
    notices_issue(now, sample, budget_s=None, limit=CATCHUP_NOTICE_SAMPLE)
    sample_s = time.perf_counter() - t
    rate = (sample.yellow + sample.red) / sample_s if sample_s else float("nan")
    rows += [("catchup_marked", str(marked)), ("catchup_mark_seconds", f"{catchup_mark_s:.3f}"),
             ("catchup_notices_due", str(pending)),
             ("catchup_notices_count_seconds", f"{catchup_due_s:.3f}"),
             ("catchup_notice_sample", str(sample.yellow + sample.red)),
             ("catchup_notices_per_s", f"{rate:.0f}"),
             ("catchup_notices_projected_seconds", f"{pending / rate:.0f}")]

    _bulk_prior_notices(now)
    later = now + STEADY_MINUTE
    t = time.perf_counter()
    steady = sla_sweep(later, notice_budget_s=None)
    steady_s = time.perf_counter() - t
    overdue = Case.objects.filter(overdue=True).count()
    assert CaseFacts.objects.filter(overdue_open=1).count() == overdue
    rows += [("steady_marked", str(steady.marked_overdue)), ("steady_unmarked", str(steady.unmarked)),
             ("steady_yellow", str(steady.yellow)), ("steady_red", str(steady.red)),
             ("steady_overdue_total", str(overdue)),
             ("steady_marks_seconds", f"{steady.marks_seconds:.3f}"),
             ("steady_notices_seconds", f"{steady.notices_seconds:.3f}"),
             ("sweep_seconds", f"{steady_s:.3f}")]
    return rows


def _build_open_cases(n: int, now: datetime, progress: Progress) -> None:
    """N open cases and their facts by INSERT … SELECT inside the database (seconds per
    million, where row-by-row building takes minutes), then the rollups by GROUP BY.

    The same mix as `build_history(open_only=True)`: reported in the last 3 days; one
    third each whistled, in progress, station; 70 % of the others dispatched (check-in
    due 2 h after); handling due 4–120 h after the report; uniform over communities and
    items. Not seeded: the database's own random().
    """
    from django.db import connection, transaction

    from shaobao.analytics.facts import rollups_rebuild_sql
    from shaobao.core.rules import product_rule

    dims = _Dims()
    pg = connection.vendor == "postgresql"
    rand = "random()" if pg else "((random() & 1073741823) / 1073741824.0)"
    whole = "floor" if pg else ""  # CAST rounds on PostgreSQL and truncates on SQLite
    series = ("generate_series(1, %(n)s) AS s(i)" if pg else
              "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %(n)s) "
              "SELECT i FROM s) s")
    params = {"n": n, "now": now if pg else _julian(now),
              "district": product_rule("DISTRICT_CODE")}
    with transaction.atomic(), connection.cursor() as cur:
        if not pg:  # the whole load is one transaction: keep its index pages in memory
            cur.execute("PRAGMA cache_size = -400000")
        _bench_dims_tables(cur, dims)
        # Ids follow report time, as real ids do, so the time indexes grow at one end.
        cur.execute(f"CREATE TEMPORARY TABLE bench_seed AS SELECT row_number() OVER "
                    f"(ORDER BY age_days DESC) AS id, * FROM (SELECT "
                    f"{rand} * 3 AS age_days, CAST({whole}({rand} * 3) AS integer) AS st, "
                    f"{rand} < 0.7 AS dispatched, 4 + {rand} * 116 AS due_hours, "
                    f"CAST({whole}({rand} * {len(dims.communities)}) AS integer) AS ci, "
                    f"CAST({whole}({rand} * {len(dims.items)}) AS integer) AS ii "
                    f"FROM {series}) r",
                    params)
        progress(f"{n} case seeds drawn")
        cur.execute(_open_cases_insert_sql(pg), params)
        progress(f"{n} cases written")
        cur.execute(_open_facts_insert_sql(pg), params)
        progress(f"{n} facts written")
        for temp in ("bench_seed", "bench_comm", "bench_item"):
            cur.execute(f"DROP TABLE {temp}")
        if pg:
            cur.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s)", [n + 1])
        rollups_rebuild_sql()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def _julian(at: datetime) -> float:
    """SQLite's julianday() of a UTC time (it stores naive UTC text)."""
    return 2440587.5 + at.timestamp() / 86400.0


def _bench_dims_tables(cur: Any, dims: _Dims) -> None:
    cur.execute("CREATE TEMPORARY TABLE bench_comm (idx integer PRIMARY KEY, id bigint, "
                "street_id bigint)")
    cur.executemany("INSERT INTO bench_comm VALUES (%s, %s, %s)",
                    [(i, cid, sid) for i, (cid, sid) in enumerate(dims.communities)])
    cur.execute("CREATE TEMPORARY TABLE bench_item (idx integer PRIMARY KEY, id bigint, "
                "code varchar(16), dept_id bigint)")
    cur.executemany("INSERT INTO bench_item VALUES (%s, %s, %s, %s)",
                    [(i, iid, code, dept) for i, (iid, code, dept) in enumerate(dims.items)])


def _open_cases_insert_sql(pg: bool) -> str:
    def at(hours_after_report: str) -> str:
        days = f"({hours_after_report}) / 24.0 - s.age_days"
        return (f"(%(now)s::timestamptz + ({days}) * interval '1 day')" if pg else
                f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', %(now)s + {days})")

    whistled = "(s.st <> 2 AND s.dispatched)"
    return (
        "INSERT INTO cases_case (id, number, district_code, status, version, channel, item_id, "
        "description, address, community_id, street_id, reporter_name, reporter_phone, "
        "anonymous, lead_department_id, created_at, updated_at, accepted_at, whistled_at, "
        "check_in_due, handle_due, handle_clock_start, feedback_due, feedback_at, rating, "
        "rating_comment, escalation_level, supervision_level, rework_count, overdue) "
        "SELECT s.id, 'BO' || CAST(s.id AS varchar(12)), %(district)s, "
        "CASE s.st WHEN 0 THEN 'whistled' WHEN 1 THEN 'in_progress' ELSE 'station' END, 1, "
        "'resident', it.id, '', '', c.id, c.street_id, '', '', FALSE, "
        f"CASE WHEN {whistled} THEN it.dept_id END, {at('0')}, {at('s.age_days * 24')}, "
        f"{at('0')}, CASE WHEN {whistled} THEN {at('0')} END, "
        f"CASE WHEN {whistled} THEN {at('2')} END, {at('s.due_hours')}, {at('0')}, "
        f"{at('72')}, {at('5')}, '', '', '', 0, 0, FALSE "
        "FROM bench_seed s JOIN bench_comm c ON c.idx = s.ci JOIN bench_item it ON it.idx = s.ii")


def _open_facts_insert_sql(pg: bool) -> str:
    from shaobao.analytics.models import FLAGS

    day, month = _local_day_month_sql(pg)
    ones = {"submitted", "accepted", "due_to_close", "feedback_3d"}
    flags = ", ".join("CASE WHEN c.whistled_at IS NULL THEN 0 ELSE 1 END" if f == "whistled"
                      else "1" if f in ones else "0" for f in FLAGS)
    return (f"INSERT INTO analytics_casefacts (case_id, district_code, day, month, street_id, "
            f"community_id, grid_id, item_code, department_id, channel, {', '.join(FLAGS)}) "
            f"SELECT c.id, c.district_code, {day}, {month}, c.street_id, c.community_id, 0, "
            f"it.code, COALESCE(c.lead_department_id, 0), c.channel, {flags} "
            f"FROM cases_case c JOIN catalogue_item it ON it.id = c.item_id")


def _bulk_prior_notices(now: datetime) -> None:
    """Setup for the steady-state minute: every marked case already has the notices the
    earlier minutes gave it (yellow when it fell due; red too if a working day has
    passed since), written in bulk, without events. Not part of any timing."""
    from django.db import connection, transaction

    from shaobao.cases.services.sweep import red_threshold
    from shaobao.org.services import system_user

    fell_due = "CASE WHEN status = 'whistled' AND check_in_due IS NOT NULL " \
               "THEN check_in_due ELSE handle_due END"
    adapt = connection.ops.adapt_datetimefield_value
    params = {"actor": system_user().pk, "red_by": adapt(red_threshold(now)), "now": adapt(now)}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("INSERT INTO cases_supervision (case_id, level, reason, issued_by_id, "
                    f"department_id, at) SELECT id, 1, '系统督办', %(actor)s, lead_department_id, "
                    f"{fell_due} FROM cases_case WHERE overdue AND supervision_level = 0", params)
        cur.execute("INSERT INTO cases_supervision (case_id, level, reason, issued_by_id, "
                    "department_id, at) SELECT id, 2, '系统督办', %(actor)s, lead_department_id, "
                    f"%(now)s FROM cases_case WHERE overdue AND supervision_level = 0 "
                    f"AND {fell_due} <= %(red_by)s", params)
        cur.execute("UPDATE cases_case SET version = version + 1, supervision_level = "
                    f"CASE WHEN {fell_due} <= %(red_by)s THEN 2 ELSE 1 END "
                    "WHERE overdue AND supervision_level = 0", params)
    with connection.cursor() as cur:  # as autovacuum would leave it after the backlog
        cur.execute("VACUUM ANALYZE cases_case" if connection.vendor == "postgresql"
                    else "ANALYZE")


def bench_analytics_run(cases: int, db: str = "sqlite", progress: Progress = _quiet,
                        pg_url: str | None = None) -> Rows:
    return run_inner(db, ["analytics-inner", "--cases", str(cases)], progress, pg_url)


def bench_import_run(rows: int, db: str = "sqlite", progress: Progress = _quiet,
                     pg_url: str | None = None) -> Rows:
    return run_inner(db, ["import-inner", "--rows", str(rows)], progress, pg_url)


def bench_sweep_run(open_cases: int, db: str = "sqlite", progress: Progress = _quiet,
                    pg_url: str | None = None) -> Rows:
    return run_inner(db, ["sweep-inner", "--open", str(open_cases)], progress, pg_url)


def run_named(name: str, opts: dict[str, Any], progress: Progress = _quiet) -> Rows:
    """Dispatch for the `bench` command (outer runs and their hidden inner halves)."""
    db = opts.get("db") or "sqlite"
    pg_url = opts.get("pg_url")
    if name == "analytics":
        return bench_analytics_run(opts["cases"], db, progress, pg_url)
    if name == "import":
        return bench_import_run(opts["rows"], db, progress, pg_url)
    if name == "sweep":
        return bench_sweep_run(opts["open"], db, progress, pg_url)
    if name == "analytics-inner":
        return analytics_inner(opts["cases"], progress=progress)
    if name == "import-inner":
        return import_inner(opts["rows"], progress=progress)
    if name == "sweep-inner":
        return sweep_inner(opts["open"], progress=progress)
    raise ValueError(name)
