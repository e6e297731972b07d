"""`shaobao bench router`: router quality and speed on a split the model never saw.

Pure Python (no Django). Trains `TextRouter` and, in the same run and on the same split,
the baseline of issue 8 (character 1–3-gram TF-IDF + LinearSVC), then prints
`name: value` lines. Without `--test-csv` it holds out `test_size` of FILE, stratified,
with `seed`; with it, it trains on all of FILE and scores on FILE2. `--extra-csv` adds
labelled rows to the training side only, after dropping every row whose text (whitespace
removed) is also a test text, so extra data can never put a test case into training.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from shaobao.routing.classifier import SEED, TextRouter


def read_labelled(path: str | Path, text_col: str, label_col: str,
                  where: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Non-empty (text, label) rows of a UTF-8 CSV; `where` filters on other columns."""
    texts: list[str] = []
    labels: list[str] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {text_col, label_col} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: no column {', '.join(sorted(missing))}")
        for row in reader:
            if where and any(row.get(k) != v for k, v in where.items()):
                continue
            text, label = (row[text_col] or "").strip(), (row[label_col] or "").strip()
            if text and label:
                texts.append(text)
                labels.append(label)
    return texts, labels


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text)


def extra_rows(paths: Sequence[str | Path], text_col: str, label_col: str,
               where: dict[str, str] | None,
               test_texts: Sequence[str]) -> tuple[list[str], list[str], int]:
    """Labelled rows of `paths` minus those whose text is a test text: (texts, labels, dropped)."""
    held = {_key(t) for t in test_texts}
    texts: list[str] = []
    labels: list[str] = []
    dropped = 0
    for path in paths:
        for text, label in zip(*read_labelled(path, text_col, label_col, where), strict=True):
            if _key(text) in held:
                dropped += 1
                continue
            texts.append(text)
            labels.append(label)
    return texts, labels, dropped


def _latency_ms(router: TextRouter,
                texts: Sequence[str]) -> tuple[list[str], list[float], float]:
    """Labels, wall ms per `predict([text])` call (one at a time), and mean CPU ms per call.

    CPU time is what the calls cost one core; on a shared, loaded machine the wall time
    also holds the time spent waiting for a core.
    """
    if not texts:
        return [], [], 0.0
    router.predict([texts[0]])  # warm-up: builds the compiled path once, as a server would
    labels: list[str] = []
    ms: list[float] = []
    cpu_started = time.process_time()
    for text in texts:
        started = time.perf_counter()
        labels.append(router.predict([text])[0][0])
        ms.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / len(texts)
    return labels, ms, cpu_ms


def baseline() -> Any:
    return make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
                         LinearSVC(random_state=SEED))


def bench_router(csv_path: str | Path, text_col: str, label_col: str,
                 test_csv: str | Path | None = None, test_size: float = 0.2, seed: int = 0,
                 where: dict[str, str] | None = None,
                 extra_csv: Sequence[str | Path] = (), extra_where: dict[str, str] | None = None,
                 out: Callable[[str], None] | None = print) -> dict[str, Any]:
    texts, labels = read_labelled(csv_path, text_col, label_col, where)
    if test_csv is not None:
        x_train, y_train = texts, labels
        x_test, y_test = read_labelled(test_csv, text_col, label_col, where)
    else:
        x_train, x_test, y_train, y_test = train_test_split(
            texts, labels, test_size=test_size, stratify=labels, random_state=seed)
    x_extra, y_extra, dropped = extra_rows(extra_csv, text_col, label_col, extra_where, x_test)
    x_train, y_train = [*x_train, *x_extra], [*y_train, *y_extra]
    started = time.perf_counter()
    router = TextRouter().fit(x_train, y_train)
    train_s = time.perf_counter() - started
    # Latency as a caller sees it: one case at a time, segmentation included.
    predicted, ms, cpu_ms = _latency_ms(router, x_test)
    base = baseline().fit(x_train, y_train)
    base_pred = list(base.predict(x_test))
    result = {
        "train_rows": len(x_train), "test_rows": len(x_test),
        "extra_rows": len(x_extra), "extra_dropped_as_test_duplicates": dropped,
        "router_macro_f1": round(float(f1_score(y_test, predicted, average="macro")), 4),
        "router_accuracy": round(float(accuracy_score(y_test, predicted)), 4),
        "router_ms_per_case": round(statistics.fmean(ms), 3) if ms else 0.0,
        "router_ms_p95": round(statistics.quantiles(ms, n=20)[-1], 3) if len(ms) > 1 else 0.0,
        "router_cpu_ms_per_case": round(cpu_ms, 3),
        "router_train_s": round(train_s, 1),
        "baseline_macro_f1": round(float(f1_score(y_test, base_pred, average="macro")), 4),
        "baseline_accuracy": round(float(accuracy_score(y_test, base_pred)), 4),
    }
    if out is not None:
        for key, value in result.items():
            out(f"{key}: {value}")
    return result


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="shaobao bench router")
    add_arguments(parser)
    opts = parser.parse_args(argv)
    return run(vars(opts))


def add_arguments(parser: Any) -> None:
    parser.add_argument("--csv", required=True, help="labelled UTF-8 CSV to train on")
    parser.add_argument("--text-col", required=True)
    parser.add_argument("--label-col", required=True)
    parser.add_argument("--test-csv", default=None,
                        help="score on this file instead of a held-out part of --csv")
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--where", action="append", default=[], metavar="COL=VALUE",
                        help="keep only rows with COL=VALUE (e.g. source_split=train)")
    parser.add_argument("--extra-csv", action="append", default=[], metavar="FILE",
                        help="more labelled rows for training only (same columns); rows whose "
                             "text is a test text are dropped")
    parser.add_argument("--extra-where", action="append", default=[], metavar="COL=VALUE",
                        help="filter for --extra-csv rows (e.g. source_split=dev)")


def run(opts: dict[str, Any], out: Callable[[str], None] | None = print) -> dict[str, Any]:
    where = _pairs(opts.get("where"))
    return bench_router(opts["csv"], opts["text_col"], opts["label_col"],
                        test_csv=opts.get("test_csv"), test_size=opts.get("test_size", 0.2),
                        seed=opts.get("seed", 0), where=where,
                        extra_csv=opts.get("extra_csv") or (),
                        extra_where=_pairs(opts.get("extra_where")), out=out)


def _pairs(items: Sequence[str] | None) -> dict[str, str] | None:
    return dict(item.split("=", 1) for item in items or []) or None


if __name__ == "__main__":
    main()
