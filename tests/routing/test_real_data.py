"""Quality and topic mining on the real 泰迪杯 messages in ../shared/data (skips without them)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
CN = SHARED / "complaints_cn"
SUBJECTS = CN / "teddycup2020c_attachment2_subjects_labeled.csv"
VOTES = [CN / f"teddycup2020c_attachment3_messages_votes_part{i}.csv" for i in (1, 2)]

needs_subjects = pytest.mark.skipif(not SUBJECTS.exists(), reason="shared data absent")
needs_votes = pytest.mark.skipif(not all(p.exists() for p in VOTES), reason="shared data absent")


@needs_subjects
def test_router_beats_baseline_on_subjects() -> None:
    from shaobao.routing.bench import bench_router

    lines: list[str] = []
    result = bench_router(SUBJECTS, "留言主题", "一级标签", where={"source_split": "train"},
                          out=lines.append)
    assert result["test_rows"] == 1269 and result["train_rows"] == 5074
    # Measured 0.8733 vs baseline 0.8571 (docs/routing.md); the 0.92 is not reached.
    assert result["router_macro_f1"] >= 0.86
    assert result["router_macro_f1"] > result["baseline_macro_f1"] + 0.005
    # Latency is asserted on an idle-ish budget in test_classifier; here only a sanity bound.
    assert result["router_ms_per_case"] < 20
    assert any(line.startswith("router_macro_f1: ") for line in lines)


@needs_votes
def test_topics_on_attachment3() -> None:
    from shaobao.routing.topics import mine_topics

    rows = [r for p in VOTES for r in csv.DictReader(p.open(encoding="utf-8"))]
    texts = [r["留言主题"] for r in rows]
    topics = mine_topics(texts, k=10)
    assert len(topics) == 10
    assert sum(t.size for t in topics) == len(texts)
    vocab = {w for t in topics for w in t.words}
    # Themes the competition's hot-topic task is known for show up among the topics.
    assert {"小区", "学校"} & vocab and ({"物业", "噪音", "扰民", "地铁", "业主"} & vocab)
    assert mine_topics(texts[:400], k=5) == mine_topics(texts[:400], k=5)
