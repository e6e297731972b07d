"""`shaobao bench locate` runs quickly on the test world and prints `name: value` lines."""

from __future__ import annotations

import math
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shaobao.geo.locate import grid_index_invalidate

pytestmark = pytest.mark.django_db

LINE = re.compile(r"^([a-z0-9_]+): (\S.*)$")


def test_bench_locate_output_format() -> None:
    out = StringIO()
    try:
        call_command("bench", "locate", "--points", "20000", "--requests", "20", stdout=out,
                     stderr=StringIO())
    finally:
        grid_index_invalidate()
    lines = out.getvalue().strip().splitlines()
    assert lines and all(LINE.match(line) for line in lines), lines
    values = dict(LINE.match(line).groups() for line in lines)  # type: ignore[union-attr]
    assert len(values) == len(lines), "duplicate names"
    for name in ("locate_points_per_s", "locate_baseline_points_per_s",
                 "locate_api_p50_ms", "locate_api_p95_ms"):
        assert math.isfinite(float(values[name])) and float(values[name]) > 0, name
    assert float(values["locate_api_p50_ms"]) <= float(values["locate_api_p95_ms"])
    assert values["locate_grids"] == "3" and values["locate_grids_source"] == "database"
    assert values["locate_points"] == "20000"
    assert values["locate_api_requests"] == "20" and values["locate_api_ok"] == "20"
    assert "in-process" in values["locate_api_mode"]
    assert float(values["locate_agreement"]) == 1.0


def test_bench_unknown_name() -> None:
    with pytest.raises(CommandError):
        call_command("bench", "nonsense", stdout=StringIO())
