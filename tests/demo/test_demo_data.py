"""Checks on the shipped Daguan demo data: departments and the whistle list.

Plain YAML checks, no Django, so a data edit can be validated in a second:
    python -m pytest tests/demo/test_demo_data.py -q -p no:django
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

DATA_DIR = Path(__file__).resolve().parents[2] / "src" / "shaobao" / "demo" / "data"

DEPARTMENT_KINDS = {"district", "municipal", "utility", "stationed"}
LIMIT_KINDS = {"emergency_hours", "work_hours", "work_days", "calendar_days"}
PRIORITIES = {"low", "normal", "high", "urgent"}
CODE_RE = re.compile(r"^[a-z][a-z0-9]{1,15}$")
CATEGORY_NAMES = {"ZF": "综合执法", "GL": "管理服务", "YJ": "应急处置"}
HAN_RE = re.compile(r"[\u4e00-\u9fff]")


def _load(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict), f"{name} must be a mapping at the top level"
    return data


@pytest.fixture(scope="module")
def departments() -> list[dict[str, Any]]:
    return _load("departments.yaml")["departments"]


@pytest.fixture(scope="module")
def groups() -> list[dict[str, Any]]:
    return _load("departments.yaml")["groups"]


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Any]:
    return _load("catalogue.yaml")


@pytest.fixture(scope="module")
def items(catalogue: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for cat in catalogue["categories"] for item in cat["items"]]


# ---------------------------------------------------------------- departments


def test_department_fields(departments: list[dict[str, Any]]) -> None:
    for dept in departments:
        for key in ("code", "name", "short_name", "name_en", "kind", "duties"):
            assert isinstance(dept.get(key), str) and dept[key].strip(), (dept, key)
        assert HAN_RE.search(dept["name"]), dept["code"]
        assert HAN_RE.search(dept["duties"]), dept["code"]


def test_department_codes_unique_and_well_formed(departments: list[dict[str, Any]]) -> None:
    codes = [d["code"] for d in departments]
    dupes = [c for c, n in Counter(codes).items() if n > 1]
    assert not dupes, dupes
    bad = [c for c in codes if not CODE_RE.match(c)]
    assert not bad, bad
    names = [d["name"] for d in departments]
    assert len(names) == len(set(names))


def test_department_kinds(departments: list[dict[str, Any]]) -> None:
    kinds = Counter(d["kind"] for d in departments)
    assert set(kinds) <= DEPARTMENT_KINDS, kinds
    assert kinds["district"] == 26
    assert kinds["stationed"] == 2
    assert 8 <= kinds["municipal"] <= 16
    assert 4 <= kinds["utility"] <= 8


def test_groups(groups: list[dict[str, Any]]) -> None:
    assert len(groups) == 6
    codes = [g["code"] for g in groups]
    assert len(set(codes)) == 6
    for group in groups:
        assert CODE_RE.match(group["code"]), group
        assert HAN_RE.search(group["name"]) and group["name_en"].strip(), group
    assert {"局长驻点团队", "党员单元长"} <= {g["name"] for g in groups}


# ------------------------------------------------------------------ catalogue


def test_catalogue_header(catalogue: dict[str, Any]) -> None:
    assert catalogue["name"] == "大观区吹哨报到工作清单"
    assert isinstance(catalogue["version_label"], str) and catalogue["version_label"]


def test_three_categories(catalogue: dict[str, Any]) -> None:
    cats = catalogue["categories"]
    assert len(cats) == 3
    assert {c["code"]: c["name"] for c in cats} == CATEGORY_NAMES
    for cat in cats:
        assert cat["name_en"].strip()
        assert cat["items"], cat["code"]


def test_thirty_six_items_with_unique_codes(
    catalogue: dict[str, Any], items: list[dict[str, Any]]
) -> None:
    assert len(items) == 36
    codes = [i["code"] for i in items]
    assert len(set(codes)) == 36, [c for c, n in Counter(codes).items() if n > 1]
    names = [i["name"] for i in items]
    assert len(set(names)) == 36, [n for n, k in Counter(names).items() if k > 1]
    for cat in catalogue["categories"]:
        for item in cat["items"]:
            assert re.fullmatch(cat["code"] + r"\d{2}", item["code"]), item["code"]


def test_item_fields(items: list[dict[str, Any]]) -> None:
    for item in items:
        for key in ("name", "name_en", "description"):
            assert isinstance(item.get(key), str) and item[key].strip(), (item["code"], key)
        assert HAN_RE.search(item["description"]), item["code"]
        assert item["priority"] in PRIORITIES, item["code"]


def test_referenced_departments_exist(
    departments: list[dict[str, Any]], items: list[dict[str, Any]]
) -> None:
    known = {d["code"] for d in departments}
    for item in items:
        assert item["lead_department"] in known, (item["code"], item["lead_department"])
        co = item["co_departments"]
        assert isinstance(co, list), item["code"]
        missing = [c for c in co if c not in known]
        assert not missing, (item["code"], missing)
        assert item["lead_department"] not in co, item["code"]
        assert len(co) == len(set(co)), item["code"]


def test_time_limits(items: list[dict[str, Any]]) -> None:
    for item in items:
        for key in ("check_in", "handle"):
            limit = item[key]
            assert limit["kind"] in LIMIT_KINDS, (item["code"], key)
            value = limit["limit"]
            assert isinstance(value, (int, float)) and not isinstance(value, bool)
            assert value > 0, (item["code"], key)


def test_emergency_items_check_in_within_thirty_minutes(catalogue: dict[str, Any]) -> None:
    (emergency,) = [c for c in catalogue["categories"] if c["code"] == "YJ"]
    for item in emergency["items"]:
        assert item["check_in"]["kind"] == "emergency_hours", item["code"]
        assert item["check_in"]["limit"] <= 0.5, item["code"]
        assert item["handle"]["kind"] == "emergency_hours", item["code"]


def test_keywords(items: list[dict[str, Any]]) -> None:
    for item in items:
        words = item["keywords"]
        assert isinstance(words, list) and len(words) >= 4, item["code"]
        assert all(isinstance(w, str) and w.strip() for w in words), item["code"]
        assert len(words) == len(set(words)), item["code"]


def test_whistle_list_covers_the_source_story(items: list[dict[str, Any]]) -> None:
    by_name = {i["name"]: i for i in items}
    # 工农小区二楼平台没有路灯: the street-lighting item goes to urban management.
    lights = next(i for n, i in by_name.items() if "路灯" in n)
    assert lights["lead_department"] == "cgj"
    # 狗患 is one of the problems the stations solved.
    assert any("犬" in n for n in by_name)
