"""Division CSV and grid GeoJSON importers: good files, idempotence, versions, bad files.

Every bad file must raise `ImportFailed` naming its rows (or features) and leave the
database exactly as it was: nothing is ever half-imported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shaobao.cases.services.intake import CaseCreateData, case_create
from shaobao.core.errors import ImportFailed
from shaobao.demo.setup import data_path
from shaobao.geo.importers import divisions_import, grids_import
from shaobao.geo.locate import grid_index_invalidate
from shaobao.geo.models import Division, GeoRevision, Grid
from shaobao.org.models import User
from world import CAISHAN, MASHAN, STREET_JIXIAN

pytestmark = pytest.mark.django_db

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
HEADER = "code,name,parent_code,level,data_year\n"
# Squares well north of the world's test squares (row 0), so they never overlap them.
ROW = 5
X0, Y0, SIDE = 117.030, 30.520, 0.01


@pytest.fixture(autouse=True)
def _fresh_locate_index() -> Iterator[None]:
    # Grids created here vanish with the test's transaction; never leave them cached.
    grid_index_invalidate()
    yield
    grid_index_invalidate()


def square(col: int, row: int = ROW, side: float = SIDE) -> dict[str, Any]:
    x0, y0 = X0 + col * SIDE, Y0 + row * SIDE
    ring = [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code: str, geometry: dict[str, Any], community: str = CAISHAN,
            name: str | None = None) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry,
            "properties": {"code": code, "name": name or f"网格{code[-3:]}",
                           "community": community}}


def write_geojson(tmp_path: Path, features: list[dict[str, Any]], name: str = "g.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path


def write_csv(tmp_path: Path, body: str, name: str = "d.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding=encoding)
    return path


def snapshot() -> tuple[Any, ...]:
    """Everything an importer may touch, to compare before and after a failed import."""
    return (Division.objects.count(),
            sorted(Division.objects.values_list("code", "name", "parent_id", "level")),
            Grid.objects.count(),
            sorted(Grid.objects.values_list("code", "valid_from", "valid_to")),
            GeoRevision.objects.values_list("revision", flat=True).first())


def assert_fails(call: Any, *needles: str) -> ImportFailed:
    before = snapshot()
    with pytest.raises(ImportFailed) as info:
        call()
    assert snapshot() == before, "a failed import changed the database"
    text = str(info.value)
    for needle in needles:
        assert needle in text, f"{needle!r} not in {text!r}"
    return info.value


# --- divisions ------------------------------------------------------------------------


def test_packaged_divisions_reimport_is_a_no_op() -> None:
    # The world already imported this file: a second import changes nothing.
    before = Division.objects.count()
    result = divisions_import(data_path("daguan_divisions.csv"))
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == 74
    assert Division.objects.count() == before
    assert Division.objects.filter(level="street").count() == 14
    assert Division.objects.filter(level="community").count() == 59
    caishan = Division.objects.get(code=CAISHAN)
    assert caishan.short_name == "蔡山社区" and caishan.parent.code == STREET_JIXIAN


def test_shared_divisions_file_imports_after_the_district_row() -> None:
    path = SHARED_DATA / "divisions" / "daguan_divisions.csv"
    if not path.exists():
        pytest.skip(f"{path} not present")
    assert Division.objects.filter(code="340803").exists()  # the district row it hangs from
    result = divisions_import(path)
    assert result.created == 0
    assert result.created + result.updated + result.unchanged == 73
    again = divisions_import(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 73)


def test_new_rows_are_created_then_idempotent(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{STREET_JIXIAN}901,测试新社区居民委员会,{STREET_JIXIAN},village,2024\n"
                               f"{STREET_JIXIAN}902,测试新村村民委员会,{STREET_JIXIAN},village,2024\n")
    first = divisions_import(path)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert Division.objects.get(code=f"{STREET_JIXIAN}901").short_name == "测试新社区"
    assert Division.objects.get(code=f"{STREET_JIXIAN}902").short_name == "测试新村"
    second = divisions_import(path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)


def test_changed_name_is_an_update(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{CAISHAN},蔡山新社区居民委员会,{STREET_JIXIAN},village,2021\n")
    result = divisions_import(path)
    assert (result.created, result.updated) == (0, 1)
    assert Division.objects.get(code=CAISHAN).short_name == "蔡山新社区"


def test_unknown_parent(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{STREET_JIXIAN}901,好社区居民委员会,{STREET_JIXIAN},village,2024\n"
                               "340803999001,孤儿社区居民委员会,340803999,village,2024\n")
    err = assert_fails(lambda: divisions_import(path), "第 3 行", "340803999")
    assert len(err.details) == 1


def test_duplicate_code(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{STREET_JIXIAN}901,甲社区居民委员会,{STREET_JIXIAN},village,2024\n"
                               f"{STREET_JIXIAN}901,乙社区居民委员会,{STREET_JIXIAN},village,2024\n")
    assert_fails(lambda: divisions_import(path), "第 3 行", "第 2 行", "重复")


def test_wrong_code_length(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{STREET_JIXIAN}901,好社区居民委员会,{STREET_JIXIAN},village,2024\n"
                               f"{STREET_JIXIAN}91,短社区居民委员会,{STREET_JIXIAN},village,2024\n")
    assert_fails(lambda: divisions_import(path), "第 3 行", "12", "11")


def test_unknown_level(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{STREET_JIXIAN}901,某某,{STREET_JIXIAN},hamlet,2024\n")
    assert_fails(lambda: divisions_import(path), "第 2 行", "hamlet")


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{STREET_JIXIAN}901,某某,{STREET_JIXIAN},hamlet,2024\n"
                               f"{STREET_JIXIAN}91,短社区居民委员会,{STREET_JIXIAN},village,2024\n")
    err = assert_fails(lambda: divisions_import(path), "第 2 行", "第 3 行")
    assert len(err.details) == 2


def test_gbk_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{STREET_JIXIAN}901,蔡山东社区居民委员会,{STREET_JIXIAN},village,2024\n",
                     encoding="gbk")
    err = assert_fails(lambda: divisions_import(path), "UTF-8")
    assert err.code == "bad_encoding"


def test_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f"code,name\n{STREET_JIXIAN}901,某社区\n", encoding="utf-8")
    err = assert_fails(lambda: divisions_import(path), "parent_code", "level")
    assert err.code == "missing_columns"


# --- grids ----------------------------------------------------------------------------


def code(n: int, community: str = CAISHAN) -> str:
    return f"{community}{900 + n}"


def test_good_grids_import_and_idempotent(tmp_path: Path) -> None:
    path = write_geojson(tmp_path, [feature(code(1), square(0)), feature(code(2), square(1)),
                                    feature(code(1, MASHAN), square(2), MASHAN)])
    revision = GeoRevision.objects.get(pk=1).revision
    first = grids_import(path, valid_from=date(2024, 1, 1))
    assert (first.created, first.updated, first.unchanged, first.closed) == (3, 0, 0, 0)
    grid = Grid.objects.get(code=code(1), valid_to__isnull=True)
    assert grid.community.code == CAISHAN and grid.valid_from == date(2024, 1, 1)
    assert 0.9 < grid.area_km2 < 1.2  # 0.01° squares at 30.5° N ≈ 1.07 km²
    assert GeoRevision.objects.get(pk=1).revision == revision + 1

    again = grids_import(path, valid_from=date(2024, 3, 1))
    assert (again.created, again.updated, again.unchanged, again.closed) == (0, 0, 3, 0)
    assert Grid.objects.filter(code__in=[code(1), code(2)]).count() == 2
    assert GeoRevision.objects.get(pk=1).revision == revision + 1  # nothing to rebuild


def test_changed_polygon_opens_a_new_version_and_cases_keep_the_old(
        tmp_path: Path) -> None:
    grids_import(write_geojson(tmp_path, [feature(code(1), square(0))], "a.geojson"),
                 valid_from=date(2024, 1, 1))
    old = Grid.objects.get(code=code(1), valid_to__isnull=True)
    case = case_create(User.objects.get(username="grid_caishan1"),
                       data=CaseCreateData(description="井盖缺失", grid=code(1))).case
    assert case.grid_id == old.id

    smaller = write_geojson(tmp_path, [feature(code(1), square(0, side=SIDE / 2))], "b.geojson")
    result = grids_import(smaller, valid_from=date(2024, 7, 1))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    versions = list(Grid.objects.filter(code=code(1)).order_by("valid_from"))
    assert [(g.valid_from, g.valid_to) for g in versions] == [
        (date(2024, 1, 1), date(2024, 7, 1)), (date(2024, 7, 1), None)]
    assert versions[1].area_km2 == pytest.approx(versions[0].area_km2 / 4, rel=1e-3)
    case.refresh_from_db()
    assert case.grid_id == old.id  # history is never rewritten


def test_replace_all_closes_grids_missing_from_the_file(tmp_path: Path) -> None:
    world_codes = set(Grid.objects.filter(valid_to__isnull=True).values_list("code", flat=True))
    path = write_geojson(tmp_path, [feature(code(1), square(0)), feature(code(2), square(1))])
    grids_import(path, valid_from=date(2024, 1, 1))
    recut = write_geojson(tmp_path, [feature(code(1), square(0))], "recut.geojson")
    result = grids_import(recut, valid_from=date(2024, 9, 1), replace_all=True)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert result.closed == len(world_codes) + 1
    current = set(Grid.objects.filter(valid_to__isnull=True).values_list("code", flat=True))
    assert current == {code(1)}
    closed = Grid.objects.get(code=code(2))
    assert closed.valid_to == date(2024, 9, 1)


def test_replace_all_allows_the_new_cut_to_cover_old_grids(tmp_path: Path) -> None:
    # Without replace_all, a polygon over the world's square 0 overlaps a kept grid.
    over = write_geojson(tmp_path, [feature(code(1), square(0, row=0))])
    assert_fails(lambda: grids_import(over, valid_from=date(2024, 1, 1)),
                 code(1), f"{CAISHAN}001", "重叠")
    result = grids_import(over, valid_from=date(2024, 1, 1), replace_all=True)
    assert result.created == 1 and result.closed == 3


def test_invalid_bow_tie_polygon(tmp_path: Path) -> None:
    x0, y0 = X0, Y0 + ROW * SIDE
    bow_tie = {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + SIDE, y0 + SIDE],
                                                   [x0 + SIDE, y0], [x0, y0 + SIDE], [x0, y0]]]}
    path = write_geojson(tmp_path, [feature(code(1), square(1)), feature(code(2), bow_tie)])
    err = assert_fails(lambda: grids_import(path), "第 2 个要素", code(2), "无效")
    assert len(err.details) == 1


def test_overlapping_polygons_name_both_codes(tmp_path: Path) -> None:
    shifted = square(0)
    shifted["coordinates"][0] = [[x + SIDE / 2, y] for x, y in shifted["coordinates"][0]]
    path = write_geojson(tmp_path, [feature(code(1), square(0)), feature(code(2), shifted)])
    assert_fails(lambda: grids_import(path), code(1), code(2), "重叠")


def test_touching_polygons_are_fine(tmp_path: Path) -> None:
    path = write_geojson(tmp_path, [feature(code(1), square(0)), feature(code(2), square(1))])
    assert grids_import(path).created == 2


def test_duplicate_grid_code(tmp_path: Path) -> None:
    path = write_geojson(tmp_path, [feature(code(1), square(0)), feature(code(1), square(1))])
    assert_fails(lambda: grids_import(path), "第 2 个要素", "第 1 个要素", code(1), "重复")


def test_unknown_community(tmp_path: Path) -> None:
    path = write_geojson(tmp_path, [feature(code(1), square(0)),
                                    feature("340803999001001", square(1), "340803999001")])
    assert_fails(lambda: grids_import(path), "第 2 个要素", "340803999001", "不存在")


def test_not_a_feature_collection(tmp_path: Path) -> None:
    path = tmp_path / "g.geojson"
    path.write_text(json.dumps(feature(code(1), square(0))), encoding="utf-8")
    err = assert_fails(lambda: grids_import(path), "FeatureCollection")
    assert err.code == "bad_geojson"


def test_malformed_json(tmp_path: Path) -> None:
    path = tmp_path / "g.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    err = assert_fails(lambda: grids_import(path), "GeoJSON")
    assert err.code == "bad_json"


def test_good_features_are_not_imported_beside_a_bad_one(tmp_path: Path) -> None:
    path = write_geojson(tmp_path, [feature(code(1), square(0)), feature(code(2), square(1)),
                                    feature(code(3), {"type": "Point",
                                                      "coordinates": [X0, Y0]})])
    assert_fails(lambda: grids_import(path), "第 3 个要素")
    assert not Grid.objects.filter(code__in=[code(1), code(2)]).exists()


# --- management commands --------------------------------------------------------------


def test_import_divisions_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path, f"{STREET_JIXIAN}901,命令社区居民委员会,{STREET_JIXIAN},village,2024\n")
    call_command("import-divisions", str(path))
    assert "新增 1" in capsys.readouterr().out
    assert Division.objects.filter(code=f"{STREET_JIXIAN}901").exists()


def test_import_divisions_command_bad_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{STREET_JIXIAN}901,甲,{STREET_JIXIAN},hamlet,2024\n"
                               f"{STREET_JIXIAN}91,乙社区居民委员会,{STREET_JIXIAN},village,2024\n")
    before = snapshot()
    with pytest.raises(CommandError) as info:
        call_command("import-divisions", str(path))
    assert "第 2 行" in str(info.value) and "第 3 行" in str(info.value)
    assert snapshot() == before


def test_import_grids_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_geojson(tmp_path, [feature(code(1), square(0))])
    call_command("import-grids", str(path), "--valid-from", "2024-01-01")
    assert "新增 1" in capsys.readouterr().out
    assert Grid.objects.get(code=code(1)).valid_from == date(2024, 1, 1)


def test_import_grids_command_bad_file(tmp_path: Path) -> None:
    path = write_geojson(tmp_path, [feature(code(1), square(0)), feature(code(1), square(1)),
                                    feature("340803999001001", square(2), "340803999001")])
    before = snapshot()
    with pytest.raises(CommandError) as info:
        call_command("import-grids", str(path))
    message = str(info.value)
    assert "第 2 个要素" in message and code(1) in message
    assert snapshot() == before


def test_import_grids_command_bad_crs(tmp_path: Path) -> None:
    path = write_geojson(tmp_path, [feature(code(1), square(0))])
    with pytest.raises(CommandError, match="坐标系"):
        call_command("import-grids", str(path), "--crs", "utm50")
