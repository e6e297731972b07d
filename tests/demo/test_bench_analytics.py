"""The analytics benchmarks run end to end at a small size (each in its own data dir)."""

from __future__ import annotations

from shaobao.demo.bench_analytics import (
    bench_analytics_run,
    bench_import_run,
    bench_sweep_run,
)


def _as_dict(rows: list[tuple[str, str]]) -> dict[str, str]:
    return dict(rows)


def test_bench_analytics_small() -> None:
    got = _as_dict(bench_analytics_run(3000, "sqlite"))
    assert got["bench_cases"] == "3000"
    for key in ("kpi_p50_ms", "kpi_p95_ms", "baseline_p95_ms"):
        assert float(got[key]) > 0, got


def test_bench_import_small() -> None:
    got = _as_dict(bench_import_run(600, "sqlite"))
    assert got["import_rows"] == "600" and got["import_bad_rows"] == "0", got
    assert float(got["import_rows_per_s"]) > 0


def test_bench_sweep_small() -> None:
    got = _as_dict(bench_sweep_run(3000, "sqlite"))
    assert got["sweep_open_cases"] == "3000"
    assert int(got["catchup_marked"]) > 0, got
    assert float(got["sweep_seconds"]) >= 0
