"""The router bench on a tiny CSV: output keys, and extra rows never leaking test texts."""

from __future__ import annotations

import csv
from pathlib import Path

from shaobao.routing.bench import bench_router, extra_rows


def _write(path: Path, rows: list[tuple[str, str]], split: str = "train") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label", "split"])
        writer.writerows((t, y, split) for y, t in rows)
    return path


def test_extra_rows_drop_test_texts_ignoring_whitespace(tmp_path: Path) -> None:
    path = _write(tmp_path / "extra.csv", [("路灯", "路灯 不亮"), ("井盖", "井盖丢了"),
                                           ("路灯", "新的一句")])
    texts, labels, dropped = extra_rows([path], "text", "label", None, ["路灯不亮", "井盖丢了"])
    assert (texts, labels, dropped) == (["新的一句"], ["路灯"], 2)
    assert extra_rows([path], "text", "label", {"split": "dev"}, []) == ([], [], 0)


def test_bench_prints_figures_and_counts_extra_rows(tmp_path: Path,
                                                    sample: list[tuple[str, str]]) -> None:
    main = _write(tmp_path / "main.csv", sample)
    extra = _write(tmp_path / "extra.csv", [*sample[:3], ("路灯", "路灯又坏了")])
    lines: list[str] = []
    result = bench_router(main, "text", "label", extra_csv=[extra], out=lines.append)
    assert result["test_rows"] == 5 and result["train_rows"] + result["test_rows"] == 24 + \
        result["extra_rows"]
    # The three copied sample rows are dropped when they fall into the test split.
    assert result["extra_rows"] + result["extra_dropped_as_test_duplicates"] == 4
    assert 0 <= result["router_macro_f1"] <= 1 and result["router_ms_per_case"] > 0
    assert any(line.startswith("router_ms_p95: ") for line in lines)
