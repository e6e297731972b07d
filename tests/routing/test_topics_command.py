"""`shaobao topics` on a small CSV written here, on recent cases, and on the real 附件3."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from recurring_cases import recurring_case
from world import CAISHAN

CN = Path(__file__).resolve().parents[3] / "shared" / "data" / "complaints_cn"
VOTES = [CN / f"teddycup2020c_attachment3_messages_votes_part{i}.csv" for i in (1, 2)]


def _write_sample(path: Path, sample: list[tuple[str, str]]) -> int:
    """The routing sample as unlabelled messages with a vote count each; returns the total."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["留言详情", "点赞数"])
        for i, (_, text) in enumerate(sample):
            out.writerow([text, i % 4])
        out.writerow(["", "9"])  # blank messages are skipped, not mined
    return sum(i % 4 for i in range(len(sample)))


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("topics", *args, stdout=out)
    return out.getvalue()


def test_topics_from_csv_with_votes(tmp_path: Path, sample: list[tuple[str, str]]) -> None:
    path = tmp_path / "msgs.csv"
    total = _write_sample(path, sample)
    text = _run("--csv", str(path), "--text-col", "留言详情", "--votes-col", "点赞数", "--k", "4")
    assert f"texts: {len(sample)}" in text and "topics: 4" in text
    heads = re.findall(r"#\d+ size=(\d+) votes=(\d+): (.+)", text)
    assert len(heads) == 4
    assert sum(int(s) for s, _, _ in heads) == len(sample)
    assert sum(int(v) for _, v, _ in heads) == total
    words = " ".join(w for _, _, w in heads)
    assert "路灯" in words and "井盖" in words and "油烟" in words
    assert text.count("\n  - ") == 12  # three example messages per topic


def test_topics_command_errors(tmp_path: Path, sample: list[tuple[str, str]]) -> None:
    path = tmp_path / "msgs.csv"
    _write_sample(path, sample)
    with pytest.raises(CommandError, match="没有列：主题"):
        _run("--csv", str(path), "--text-col", "主题")
    with pytest.raises(CommandError, match="--text-col"):
        _run("--csv", str(path))
    with pytest.raises(CommandError, match="无法读取"):
        _run("--csv", str(tmp_path / "none.csv"), "--text-col", "留言详情")


@pytest.mark.django_db
def test_topics_of_recent_cases(sample: list[tuple[str, str]]) -> None:
    now = timezone.now()
    for i, (_, text) in enumerate(sample[:12]):  # six 路灯, six 井盖
        recurring_case("ZF02", CAISHAN, now - timedelta(hours=i + 1), description=text)
    recurring_case("ZF03", CAISHAN, now - timedelta(days=60), description=sample[20][1])
    text = _run("--cases", "--days", "30", "--k", "2")
    assert "texts: 12" in text and "topics: 2" in text
    assert "油烟" not in text  # the old case is outside the window
    with pytest.raises(CommandError, match="--days 应在 1 到 365 之间"):
        _run("--cases", "--days", "0")


@pytest.mark.skipif(not all(p.exists() for p in VOTES), reason="shared data absent")
def test_topics_on_attachment3_votes() -> None:
    args = [a for p in VOTES for a in ("--csv", str(p))]
    started = time.perf_counter()
    text = _run(*args, "--text-col", "留言主题", "--votes-col", "点赞数", "--k", "10")
    seconds = time.perf_counter() - started
    assert "texts: 4326" in text and "topics: 10" in text
    heads = re.findall(r"#\d+ size=(\d+) votes=(\d+): ", text)
    assert sum(int(s) for s, _ in heads) == 4326
    assert seconds < 60  # measured about 3 s (docs/routing.md); a loose bound for slow CI
