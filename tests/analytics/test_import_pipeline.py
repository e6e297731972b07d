"""`import-cases` with its reader thread and, on PostgreSQL, two writer connections.

Transactional tests: the writers' own connections must see what the others commit, as
in production (inside a test's rolled-back transaction the importer falls back to one
connection). The database is flushed after each test, so each builds the world first.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from shaobao.analytics import importer, importwrite
from shaobao.analytics.facts import ROLLUPS, rollups_rebuild_sql
from shaobao.analytics.importer import import_cases
from shaobao.analytics.models import FLAGS, CaseFacts, ImportCheckpoint
from shaobao.cases.models import Case
from world import build_world

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 600
BATCH = 50


@pytest.fixture
def world(tmp_path: Path) -> None:
    from shaobao.org.models import User

    if not User.objects.filter(username="command").exists():
        build_world(tmp_path)


def _csv(tmp_path: Path) -> Path:
    """ROWS rows; every 97th and every 150th repeat the number of the row before them
    (for the 150th that row is in the previous batch, possibly not committed yet when
    this one is written), every 101st has a bad time."""
    lines = ["number,created_at,item,description,status,closed_at,lead_department,rating"]
    for i in range(ROWS):
        number = f"P{i - 1}" if _repeats(i) else f"P{i}"
        created = "bad-time" if i % 101 == 0 else f"2025-05-{1 + i % 28:02d}T09:{i % 60:02d}:00+08:00"
        closed = i % 3 != 0
        lines.append(f"{number},{created},{'GL01' if i % 2 else 'GL02'},第{i}行,"
                     f"{'closed' if closed else 'accepted'},"
                     f"{'2025-06-02T10:00:00+08:00' if closed else ''},"
                     f"{'cgj' if i % 4 else ''},{'satisfied' if closed and i % 5 else ''}")
    path = tmp_path / "pipeline.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _rollup_rows() -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with connection.cursor() as cur:
        for spec in ROLLUPS:
            cols = ", ".join([spec.period, *spec.dims, *FLAGS])
            cur.execute(f"SELECT {cols} FROM {spec.table}")
            out[spec.table] = sorted(cur.fetchall())
    return out


def _assert_rollups_exact() -> None:
    incremental = _rollup_rows()
    rollups_rebuild_sql()  # every rollup from scratch, from the facts
    assert _rollup_rows() == incremental


def _repeats(i: int) -> bool:
    return i > 0 and (i % 97 == 0 or i % 150 == 0)


def _expected_bad() -> int:
    return sum(1 for i in range(ROWS) if _repeats(i)) + sum(1 for i in range(ROWS) if i % 101 == 0)


def test_pipeline_imports_exactly(world: None, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    two_writers: list[bool] = []
    real = importer.OrderedWriters
    monkeypatch.setattr(importer, "OrderedWriters",
                        lambda commit: two_writers.append(True) or real(commit))
    before = Case.objects.count()
    switch_interval = sys.getswitchinterval()
    result = import_cases(_csv(tmp_path), batch=BATCH, progress=False)
    assert sys.getswitchinterval() == switch_interval  # shortened only while reading
    assert bool(two_writers) == (connection.vendor == "postgresql")
    assert len(result.bad) == _expected_bad()
    assert result.imported == ROWS - _expected_bad()
    assert any("案件编号重复" in reason for _, reason in result.bad)
    assert Case.objects.count() - before == result.imported
    assert CaseFacts.objects.filter(channel="import").count() == result.imported
    checkpoint = ImportCheckpoint.objects.get()
    assert (checkpoint.last_line, checkpoint.imported, checkpoint.bad) == (
        ROWS, result.imported, len(result.bad))
    _assert_rollups_exact()


def test_pipeline_failure_leaves_a_prefix_and_resumes(world: None, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = _csv(tmp_path)
    real = importwrite.rollups_add_from_facts
    calls = 0

    def failing(ids: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise RuntimeError("boom")
        real(ids)

    monkeypatch.setattr(importwrite, "rollups_add_from_facts", failing)
    with pytest.raises(RuntimeError, match="boom"):
        import_cases(path, batch=BATCH, progress=False)
    checkpoint = ImportCheckpoint.objects.get()
    assert checkpoint.last_line == 3 * BATCH  # the batches before the failed one, no more
    assert CaseFacts.objects.filter(channel="import").count() == checkpoint.imported
    _assert_rollups_exact()

    monkeypatch.setattr(importwrite, "rollups_add_from_facts", real)
    result = import_cases(path, batch=BATCH, progress=False)
    assert result.skipped == 3 * BATCH
    assert checkpoint.imported + result.imported == ROWS - _expected_bad()
    assert CaseFacts.objects.filter(channel="import").count() == ROWS - _expected_bad()
    _assert_rollups_exact()


def test_pipeline_interrupted_by_caller_resumes(world: None, tmp_path: Path) -> None:
    path = _csv(tmp_path)

    class Stop(Exception):
        pass

    def interrupt(done: int) -> None:
        if done >= 200:
            raise Stop

    with pytest.raises(Stop):
        import_cases(path, batch=BATCH, progress=False, on_batch=interrupt)
    checkpoint = ImportCheckpoint.objects.get()
    assert checkpoint.last_line % BATCH == 0 and checkpoint.last_line >= 200
    assert CaseFacts.objects.filter(channel="import").count() == checkpoint.imported
    result = import_cases(path, batch=BATCH, progress=False)
    assert result.skipped == checkpoint.last_line
    assert CaseFacts.objects.filter(channel="import").count() == ROWS - _expected_bad()
    _assert_rollups_exact()
