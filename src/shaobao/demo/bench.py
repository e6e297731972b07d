"""Benchmarks behind `shaobao bench NAME`; each returns (name, value) rows to print.

* `locate`: point → grid throughput of the vectorised `GridIndex.locate_many` against a
  plain STRtree query, plus the latency of single `GET /api/v1/grids/locate` requests
  made in-process with django.test.Client (no network, no server: the view's own cost).
* `intake`: starts `shaobao serve` as a subprocess on a free port against a fresh data
  directory (SQLite) or a fresh PostgreSQL database, loads the demo region, then hammers
  `POST /api/v1/cases` from concurrent keep-alive HTTP clients. `GET /healthz` measured
  the same way in the same run is the ceiling: what the server does with no work at all.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

Rows = list[tuple[str, str]]
Progress = Callable[[str], None]

BENCH_PG_URL = "postgres://postgres@127.0.0.1:5432/shaobao_bench"
BENCH_USER = "resident1"
SAMPLE_POINTS = 5000


def _quiet(message: str) -> None:
    pass


# --- locate -------------------------------------------------------------------------------


def locate_index_for_bench() -> tuple[Any, str]:
    """A GridIndex of the current grids in the database, else of the generated demo grids."""
    from django.db import DatabaseError
    from shapely.geometry import shape

    from shaobao.geo.models import Grid
    from shaobao.geo.spatial import GridIndex

    try:
        grids = [(g.code, shape(g.geometry))
                 for g in Grid.objects.filter(valid_to__isnull=True)]
    except DatabaseError:  # not migrated yet: no grids to speak of
        grids = []
    if grids:
        return GridIndex(grids), "database"
    from shaobao.demo import gridgen
    from shaobao.demo.setup import data_path

    rows = gridgen.communities_from_csv(data_path("daguan_divisions.csv"))
    generated = gridgen.generate_grids(gridgen.load_outline(data_path("daguan_outline.geojson")),
                                       [(code, street) for code, _, street in rows])
    return GridIndex([(g.code, g.geometry) for g in generated]), "generated"


def _percentile_ms(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000.0, q)) if samples else float("nan")


def bench_locate_run(points: int = 1_000_000, requests: int = 500, seed: int = 1,
                     progress: Progress = _quiet) -> Rows:
    from django.test import Client

    from shaobao.geo.locate import grid_index_invalidate
    from shaobao.geo.spatial import bench_locate

    index, source = locate_index_for_bench()
    progress(f"index of {len(index)} grids ({source}); {points} points")
    result = bench_locate(index, points, seed=seed)
    rows: Rows = [
        ("locate_grids", str(len(index))),
        ("locate_grids_source", source),
        ("locate_points", str(points)),
        ("locate_points_per_s", f"{result['points_per_s']:.0f}"),
        ("locate_baseline_points_per_s", f"{result['baseline_points_per_s']:.0f}"),
        ("locate_speedup", f"{result['speedup']:.1f}"),
        ("locate_agreement", f"{result['agreement']:.6f}"),
    ]

    # Single requests through the whole Django stack, in this process (no sockets).
    rng = np.random.default_rng(seed + 1)
    xmin, ymin, xmax, ymax = index.bounds
    xs, ys = rng.uniform(xmin, xmax, 20 * requests + 100), rng.uniform(ymin, ymax, 20 * requests + 100)
    hit = index.locate_many(xs, ys) >= 0
    if hit.any():
        xs, ys = xs[hit], ys[hit]  # points inside grids: the common, successful case
    xs, ys = np.resize(xs, requests), np.resize(ys, requests)
    if source != "database":
        # The API answers from the grids in the database; without them it is not worth timing.
        return [*rows, ("locate_api_mode", "skipped (no grids in the database)"),
                ("locate_api_p50_ms", "nan"), ("locate_api_p95_ms", "nan")]
    grid_index_invalidate()
    client = Client()
    client.get("/api/v1/grids/locate", {"lat": ys[0], "lng": xs[0]})  # builds the index
    timings: list[float] = []
    statuses: dict[int, int] = {}
    for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
        start = time.perf_counter()
        r = client.get("/api/v1/grids/locate", {"lat": f"{y:.7f}", "lng": f"{x:.7f}"})
        timings.append(time.perf_counter() - start)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    rows += [
        ("locate_api_mode", "in-process django.test.Client"),
        ("locate_api_requests", str(requests)),
        ("locate_api_ok", str(statuses.get(200, 0))),
        ("locate_api_p50_ms", f"{_percentile_ms(timings, 50):.3f}"),
        ("locate_api_p95_ms", f"{_percentile_ms(timings, 95):.3f}"),
    ]
    return rows


# --- intake: preparing the world ----------------------------------------------------------


def intake_prepare(points_path: Path, progress: Progress = _quiet) -> str:
    """Run inside the benchmark's own data directory / database: migrate, load the minimal
    demo world, write sample points inside the grids, return a token for BENCH_USER."""
    from django.core.management import call_command
    from shapely.geometry import shape

    from shaobao.catalogue.selectors import current_items
    from shaobao.demo.setup import (
        demo_accounts,
        demo_catalogue,
        demo_departments,
        demo_divisions,
        demo_grids,
    )
    from shaobao.geo.models import Grid
    from shaobao.geo.spatial import GridIndex
    from shaobao.org.models import User
    from shaobao.org.services import token_create

    call_command("migrate", interactive=False, verbosity=0)
    for step in (demo_divisions, demo_grids, demo_departments, demo_catalogue, demo_accounts):
        step(progress)
    index = GridIndex([(g.code, shape(g.geometry))
                       for g in Grid.objects.filter(valid_to__isnull=True)])
    rng = np.random.default_rng(7)
    xmin, ymin, xmax, ymax = index.bounds
    xs, ys = rng.uniform(xmin, xmax, SAMPLE_POINTS * 3), rng.uniform(ymin, ymax, SAMPLE_POINTS * 3)
    inside = index.locate_many(xs, ys) >= 0
    # Keep a margin from edges so the server, rounding to 7 decimals, agrees.
    pts = [[round(y, 6), round(x, 6)] for x, y in zip(xs[inside], ys[inside], strict=True)]
    items = list(current_items().values_list("code", flat=True))
    points_path.write_text(json.dumps({"points": pts[:SAMPLE_POINTS], "items": items}))
    return token_create(User.objects.get(username=BENCH_USER), name="bench")


# --- intake: the server -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shaobao_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "shaobao.config.cli", *args]


def postgres_fresh_database(url: str = BENCH_PG_URL) -> None:
    """Drop and recreate the benchmark database (only ever the one named in `url`)."""
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@contextmanager
def bench_environment(db: str, keep: bool = False,
                      pg_url: str = BENCH_PG_URL) -> Iterator[dict[str, str]]:
    """A fresh temporary data directory and, for `postgres`, a fresh database at `pg_url`."""
    data_dir = Path(tempfile.mkdtemp(prefix="shaobao-bench-"))
    env = dict(os.environ)
    env["SHAOBAO_DATA_DIR"] = str(data_dir)
    env["SHAOBAO_SECRET_KEY"] = "bench-" + os.urandom(8).hex()
    # The benchmark measures intake throughput, not the per-user abuse limit.
    env["SHAOBAO_INTAKE_PER_MIN"] = "0"
    env.pop("SHAOBAO_DEBUG", None)
    if db == "postgres":
        postgres_fresh_database(pg_url)
        env["DATABASE_URL"] = pg_url
    elif db == "sqlite":
        env.pop("DATABASE_URL", None)
    else:
        raise ValueError(f"unknown database {db!r}: sqlite or postgres")
    try:
        yield env
    finally:
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def running_server(env: dict[str, str], port: int, workers: int | None,
                   timeout: float = 90.0) -> Iterator[subprocess.Popen[bytes]]:
    args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers:
        args += ["--workers", str(workers)]
    log = open(Path(env["SHAOBAO_DATA_DIR"]) / "serve.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(shaobao_cmd(*args), env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"shaobao serve exited with {proc.returncode}; see "
                                   f"{env['SHAOBAO_DATA_DIR']}/serve.log")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("shaobao serve did not answer /healthz in time")
            time.sleep(0.2)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group only
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


# --- intake: the load ---------------------------------------------------------------------


@dataclass
class LoadResult:
    ok: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def run_load(port: int, clients: int, seconds: float,
             make_request: Callable[[random.Random], tuple[str, str, bytes | None,
                                                           dict[str, str], int]]) -> LoadResult:
    """`clients` threads, each with one keep-alive connection, for `seconds`."""
    result = LoadResult()
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def worker(n: int) -> None:
        rnd = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        ok = errors = 0
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        start_gate.wait()
        while time.perf_counter() < stop_at[0]:
            method, path, body, headers, expect = make_request(rnd)
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
            if status == expect:
                ok += 1
            else:
                errors += 1
        conn.close()
        with lock:
            result.ok += ok
            result.errors += errors
            result.latencies += latencies
            for k, v in statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start_gate.wait()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - began
    return result


def bench_intake_run(db: str = "sqlite", clients: int = 16, seconds: float = 10.0,
                     workers: int | None = None, keep: bool = False,
                     progress: Progress = _quiet) -> Rows:
    with bench_environment(db, keep) as env:
        data_dir = Path(env["SHAOBAO_DATA_DIR"])
        points_path = data_dir / "bench_points.json"
        progress(f"preparing {db} world in {data_dir}")
        prep = subprocess.run(shaobao_cmd("bench", "intake-prepare", "--points-file",
                                           str(points_path)),
                              env=env, capture_output=True, text=True, check=False)
        if prep.returncode != 0:
            raise RuntimeError(f"preparing failed:\n{prep.stdout}\n{prep.stderr}")
        token = next(line.split(":", 1)[1].strip() for line in prep.stdout.splitlines()
                     if line.startswith("token:"))
        sample = json.loads(points_path.read_text())
        points: list[list[float]] = sample["points"]
        items: list[str | None] = [*sample["items"], None]
        port = free_port()
        progress(f"serving on 127.0.0.1:{port}")
        with running_server(env, port, workers):
            auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

            def healthz(rnd: random.Random) -> tuple[str, str, bytes | None, dict[str, str], int]:
                return "GET", "/healthz", None, {}, 200

            def intake(rnd: random.Random) -> tuple[str, str, bytes | None, dict[str, str], int]:
                lat, lng = rnd.choice(points)
                body = {"description": f"压测上报 {rnd.randrange(10**9)}：路面破损需要修补",
                        "lat": lat, "lng": lng, "item": rnd.choice(items),
                        "address": "压测地址"}
                return "POST", "/api/v1/cases", json.dumps(body).encode(), auth, 201

            run_load(port, clients, min(2.0, seconds), healthz)  # warm every worker
            progress(f"GET /healthz, {clients} clients, {seconds:g} s")
            ceiling = run_load(port, clients, seconds, healthz)
            progress(f"POST /api/v1/cases, {clients} clients, {seconds:g} s")
            load = run_load(port, clients, seconds, intake)
    ratio = load.per_s / ceiling.per_s if ceiling.per_s else 0.0
    return [
        ("intake_db", db),
        ("intake_clients", str(clients)),
        ("intake_seconds", f"{seconds:g}"),
        ("intake_per_s", f"{load.per_s:.1f}"),
        ("intake_p50_ms", f"{_percentile_ms(load.latencies, 50):.1f}"),
        ("intake_p95_ms", f"{_percentile_ms(load.latencies, 95):.1f}"),
        ("intake_errors", str(load.errors)),
        ("ceiling_per_s", f"{ceiling.per_s:.1f}"),
        ("ceiling_p50_ms", f"{_percentile_ms(ceiling.latencies, 50):.1f}"),
        ("intake_ratio", f"{ratio:.3f}"),
    ]
