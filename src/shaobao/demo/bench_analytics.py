"""Benchmarks behind `shaobao bench analytics|import|sweep` (each prints `name: value`).

Each runs in a fresh data directory (SQLite) or a fresh PostgreSQL database
(`shaobao_bench_an`), in a child `shaobao bench <name>-inner` process so the caller's
own database is never touched.

* `analytics --cases N`: builds N cases of a year and a half of realistic history by
  direct bulk insert (minimal case rows, their facts, then both rollups by one
  INSERT … SELECT … GROUP BY), then times `kpis_for` for the district, every street and
  the busiest departments over the last 365 days (`kpi_p50_ms`, `kpi_p95_ms`) and, in
  the same run, the same sums by a plain GROUP BY over the facts table
  (`baseline_p50_ms`, `baseline_p95_ms`).
* `import --rows N`: writes an N-row CSV in the documented columns and imports it
  (`import_rows_per_s`).
* `sweep --open N`: N open cases, about a third past their deadline; times the deadline
  sweep's overdue marking plus the facts/rollup refresh (`sweep_seconds`).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

Rows = list[tuple[str, str]]
Progress = Callable[[str], None]
BENCH_PG_URL = "postgres://postgres@127.0.0.1:5432/shaobao_bench_an"
CHUNK = 50_000


def _quiet(message: str) -> None:
    pass


@contextmanager
def _environment(db: str) -> Iterator[dict[str, str]]:
    data_dir = Path(tempfile.mkdtemp(prefix="shaobao-bench-an-"))
    env = dict(os.environ)
    env["SHAOBAO_DATA_DIR"] = str(data_dir)
    env["SHAOBAO_SECRET_KEY"] = "bench-" + os.urandom(8).hex()
    if db == "postgres":
        import psycopg
        from psycopg import sql

        base, _, name = BENCH_PG_URL.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        env["DATABASE_URL"] = BENCH_PG_URL
    elif db == "sqlite":
        env.pop("DATABASE_URL", None)
    else:
        raise ValueError(f"unknown database {db!r}: sqlite or postgres")
    try:
        yield env
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run_inner(db: str, args: list[str], progress: Progress = _quiet) -> Rows:
    """Run `shaobao bench <args>` in a fresh environment and collect its `name: value` rows."""
    with _environment(db) as env:
        progress(f"fresh {db} database; running bench {' '.join(args)}")
        proc = subprocess.run([sys.executable, "-m", "shaobao.config.cli", "bench", *args],
                              env=env, capture_output=True, text=True, check=False)
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


def build_history(n: int, *, open_only: bool = False, now: datetime | None = None,
                  progress: Progress = _quiet, seed: int = 1) -> None:
    """Insert `n` cases with facts (no events), then both rollups by GROUP BY."""
    from django.db import connection, transaction

    from shaobao.analytics.facts import rollups_rebuild_sql
    from shaobao.analytics.importer import _CASE_COLS, _CASE_CONST, _FACT_COLS, _write
    from shaobao.analytics.models import FLAGS, CaseFacts
    from shaobao.cases.models import Case
    from shaobao.core.rules import product_rule

    rnd = random.Random(seed)
    dims = _Dims()
    district = product_rule("DISTRICT_CODE")
    at_now = now or datetime.now(UTC)
    span = 540 * 86400.0  # a year and a half: enough for a year plus year-on-year
    next_id = 1
    for start in range(0, n, CHUNK):
        size = min(CHUNK, n - start)
        cases, facts = [], []
        communities = rnd.choices(dims.communities, dims.community_weights, k=size)
        items = rnd.choices(dims.items, dims.item_weights, k=size)
        for j in range(size):
            cid = next_id + j
            created = at_now - timedelta(seconds=rnd.random() * (3 * 86400 if open_only
                                                                 else span))
            community_id, street_id = communities[j]
            item_id, item_code, dept_id = items[j]
            r = rnd.random()
            if open_only:
                status = rnd.choice(("whistled", "in_progress", "station"))
            else:
                status = ("closed" if r < 0.78 else "rejected" if r < 0.82 else
                          "merged" if r < 0.84 else rnd.choice(("accepted", "whistled",
                                                                 "in_progress", "handled")))
            whistled = status not in ("rejected", "merged", "station") and rnd.random() < 0.7
            closed = status == "closed"
            rating = rnd.choice(("satisfied", "satisfied", "satisfied", "basically_satisfied",
                                 "unsatisfied", "")) if closed else ""
            handle_due = created + timedelta(hours=rnd.uniform(4, 120))
            closed_at = created + timedelta(hours=rnd.uniform(1, 150)) if closed else None
            checked_in = whistled and status != "whistled"
            values = {**_CASE_CONST, "id": cid, "number": f"BN{cid:012d}",
                      "district_code": district, "status": status, "channel": "resident",
                      "item_id": item_id, "description": "", "address": "", "lat": None,
                      "lng": None, "grid_id": None, "community_id": community_id,
                      "street_id": street_id, "lead_department_id": dept_id if whistled
                      else None, "created_at": created, "updated_at": at_now,
                      "accepted_at": created if status not in ("rejected", "merged") else None,
                      "whistled_at": created if whistled else None,
                      "checked_in_at": created + timedelta(hours=1) if checked_in else None,
                      "handle_due": handle_due, "handle_clock_start": created,
                      "check_in_due": created + timedelta(hours=2) if whistled else None,
                      "handled_at": closed_at, "closed_at": closed_at, "rating": rating,
                      "rated_at": closed_at if rating else None,
                      "resolved_confirmed": rating in ("satisfied", "basically_satisfied")
                      if rating else None, "feedback_due": created + timedelta(days=3),
                      "feedback_at": created + timedelta(hours=5), "overdue": False}
            cases.append([values.get(c) for c in _CASE_COLS])
            day = (created + timedelta(hours=8)).date()
            flags = {f: 0 for f in FLAGS}
            flags.update(submitted=1, accepted=int(values["accepted_at"] is not None),
                         rejected=int(status == "rejected"), merged=int(status == "merged"),
                         due_to_close=int(values["accepted_at"] is not None),
                         whistled=int(whistled), checked_in=int(checked_in),
                         checked_in_on_time=int(checked_in and rnd.random() < 0.9),
                         closed=int(closed), closed_on_time=int(closed and closed_at is not None
                                                               and closed_at <= handle_due),
                         overdue_open=int(not closed and not open_only and rnd.random() < 0.1
                                          and status not in ("rejected", "merged")),
                         reworked=int(closed and rnd.random() < 0.05), rated=int(bool(rating)),
                         satisfied=int(rating == "satisfied"),
                         basically_satisfied=int(rating == "basically_satisfied"),
                         unsatisfied=int(rating == "unsatisfied"),
                         resolved=int(rating in ("satisfied", "basically_satisfied")),
                         station_solved=int(closed and not whistled),
                         whistle_closed=int(closed and whistled), feedback_3d=1,
                         rated_closed=int(bool(rating)))
            row = {"case_id": cid, "district_code": district, "day": day,
                   "month": day.replace(day=1), "street_id": street_id,
                   "community_id": community_id, "grid_id": 0, "item_code": item_code,
                   "department_id": dept_id if whistled else 0, "channel": "resident",
                   "check_in_hours": 1.0 if checked_in else None,
                   "close_hours": rnd.uniform(1, 80) if closed else None, **flags}
            facts.append([row[c] for c in _FACT_COLS])
        with transaction.atomic():
            _write(Case._meta.db_table, _CASE_COLS, cases)
            _write(CaseFacts._meta.db_table, _FACT_COLS, facts)
        next_id += size
        progress(f"{next_id - 1} cases written")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s)",
                        [next_id])
    with transaction.atomic():
        rollups_rebuild_sql()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


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

def import_inner(rows: int, batch: int = 5000, progress: Progress = _quiet) -> Rows:
    from shaobao.analytics.importer import import_cases
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
    result = import_cases(path, batch=batch, progress=False)
    shutil.rmtree(path.parent, ignore_errors=True)
    return [("import_rows", str(result.imported)), ("import_bad_rows", str(len(result.bad))),
            ("import_seconds", f"{result.seconds:.2f}"),
            ("import_rows_per_s", f"{result.rows_per_s:.0f}")]


# --- sweep --------------------------------------------------------------------------------

def sweep_inner(open_cases: int, progress: Progress = _quiet) -> Rows:
    from django.db import transaction

    from shaobao.analytics.facts import facts_refresh_overdue
    from shaobao.analytics.models import CaseFacts
    from shaobao.cases.models import Case
    from shaobao.cases.services.sweep import overdue_filter

    _prepare_world(progress)
    now = datetime.now(UTC)
    build_history(open_cases, open_only=True, now=now, progress=progress)
    t = time.perf_counter()
    with transaction.atomic():
        marked = Case.objects.filter(overdue_filter(now), overdue=False).update(overdue=True)
        Case.objects.filter(overdue=True).exclude(overdue_filter(now)).update(overdue=False)
    mark_s = time.perf_counter() - t
    t = time.perf_counter()
    with transaction.atomic():
        changed = facts_refresh_overdue(now)
    refresh_s = time.perf_counter() - t
    assert CaseFacts.objects.filter(overdue_open=1).count() == marked
    return [("sweep_open_cases", str(open_cases)), ("sweep_marked", str(marked)),
            ("sweep_mark_seconds", f"{mark_s:.3f}"),
            ("sweep_facts_refresh_seconds", f"{refresh_s:.3f}"),
            ("sweep_facts_changed", str(changed)),
            ("sweep_seconds", f"{mark_s + refresh_s:.3f}")]


def bench_analytics_run(cases: int, db: str = "sqlite", progress: Progress = _quiet) -> Rows:
    return run_inner(db, ["analytics-inner", "--cases", str(cases)], progress)


def bench_import_run(rows: int, db: str = "sqlite", progress: Progress = _quiet) -> Rows:
    return run_inner(db, ["import-inner", "--rows", str(rows)], progress)


def bench_sweep_run(open_cases: int, db: str = "sqlite", progress: Progress = _quiet) -> Rows:
    return run_inner(db, ["sweep-inner", "--open", str(open_cases)], progress)


def run_named(name: str, opts: dict[str, Any], progress: Progress = _quiet) -> Rows:
    """Dispatch for the `bench` command (outer runs and their hidden inner halves)."""
    db = opts.get("db") or "sqlite"
    if name == "analytics":
        return bench_analytics_run(opts["cases"], db, progress)
    if name == "import":
        return bench_import_run(opts["rows"], db, progress)
    if name == "sweep":
        return bench_sweep_run(opts["open"], db, progress)
    if name == "analytics-inner":
        return analytics_inner(opts["cases"], progress=progress)
    if name == "import-inner":
        return import_inner(opts["rows"], progress=progress)
    if name == "sweep-inner":
        return sweep_inner(opts["open"], progress=progress)
    raise ValueError(name)
