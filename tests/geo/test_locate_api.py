"""GET /api/v1/grids/locate, /divisions and /grids through the HTTP API."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shaobao.geo import locate
from shaobao.geo.crs import from_wgs84
from shaobao.geo.importers import grids_import
from shaobao.geo.locate import grid_index_invalidate
from shaobao.geo.models import Grid
from world import CAISHAN, MASHAN, ORIGIN, SIDE, STREET_JIXIAN, inside

pytestmark = pytest.mark.django_db

LOCATE = "/api/v1/grids/locate"
SQUARES = [(0, f"{CAISHAN}001", CAISHAN, STREET_JIXIAN),
           (1, f"{CAISHAN}002", CAISHAN, STREET_JIXIAN),
           (2, f"{MASHAN}001", MASHAN, "340803001")]


@pytest.fixture(autouse=True)
def _fresh_locate_index() -> Iterator[None]:
    grid_index_invalidate()
    yield
    grid_index_invalidate()


def metres_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    dy = (lat2 - lat1) * 111_320
    dx = (lng2 - lng1) * 111_320 * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


@pytest.mark.parametrize(("col", "grid", "community", "street"), SQUARES)
@pytest.mark.parametrize(("dx", "dy"), [(0.5, 0.5), (0.01, 0.01), (0.99, 0.99), (0.2, 0.8)])
def test_locate_inside_each_square(api: Any, col: int, grid: str, community: str, street: str,
                                   dx: float, dy: float) -> None:
    lat, lng = inside(col, dx, dy)
    r = api(None).get(LOCATE, lat=lat, lng=lng)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["grid"]["code"] == grid
    assert body["community"]["code"] == community
    assert body["street"]["code"] == street
    assert body["lat"] == pytest.approx(lat, abs=1e-7)
    assert body["lng"] == pytest.approx(lng, abs=1e-7)


def test_locate_names(api: Any) -> None:
    lat, lng = inside(0)
    body = api(None).get(LOCATE, lat=lat, lng=lng).json()
    assert body["grid"]["name"] == "测试网格1"
    assert body["community"]["name"] == "蔡山社区"
    assert body["street"]["name"] == "集贤路街道"


@pytest.mark.parametrize(("lat", "lng"), [
    (ORIGIN[1] + SIDE / 2, ORIGIN[0] - SIDE / 2),     # west of square 0
    (ORIGIN[1] + SIDE / 2, ORIGIN[0] + 3.5 * SIDE),   # east of square 2
    (ORIGIN[1] + 1.5 * SIDE, ORIGIN[0] + SIDE / 2),   # north of square 0
    (39.9, 116.4),                                     # Beijing
])
def test_outside_every_grid_is_404(api: Any, lat: float, lng: float) -> None:
    r = api(None).get(LOCATE, lat=lat, lng=lng)
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "outside_grids"
    assert error["message"]


def test_shared_edge_goes_to_the_smaller_code(api: Any) -> None:
    # Take the edge's longitude from the stored polygon, exactly as the index sees it.
    ring = Grid.objects.get(code=f"{CAISHAN}001", valid_to__isnull=True).geometry[
        "coordinates"][0]
    edge_lng = max(x for x, _ in ring)
    assert edge_lng == min(x for x, _ in Grid.objects.get(
        code=f"{CAISHAN}002", valid_to__isnull=True).geometry["coordinates"][0])
    for dy in (0.5, 0.0, 1.0, 0.123):
        lat = ORIGIN[1] + dy * SIDE
        answers = {api(None).get(LOCATE, lat=lat, lng=edge_lng).json()["grid"]["code"]
                   for _ in range(3)}
        assert answers == {f"{CAISHAN}001"}, dy


@pytest.mark.parametrize("crs", ["gcj02", "bd09", "GCJ02"])
@pytest.mark.parametrize("col", [0, 1, 2])
def test_same_point_in_other_crs(api: Any, crs: str, col: int) -> None:
    lat, lng = inside(col, 0.37, 0.61)
    clng, clat = from_wgs84(lng, lat, crs.lower())
    assert metres_between(lat, lng, clat, clng) > 100  # the shift is real
    wgs = api(None).get(LOCATE, lat=lat, lng=lng).json()
    r = api(None).get(LOCATE, lat=clat, lng=clng, crs=crs)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["grid"] == wgs["grid"]
    assert metres_between(lat, lng, body["lat"], body["lng"]) < 1.0


def test_bad_crs_is_400(api: Any) -> None:
    lat, lng = inside(0)
    r = api(None).get(LOCATE, lat=lat, lng=lng, crs="epsg3857")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_crs"


@pytest.mark.parametrize("params", [{"lat": 999, "lng": 117.03}, {"lat": 30.5, "lng": 181},
                                    {"lat": -91, "lng": 117.03}])
def test_out_of_range_coordinates_are_400(api: Any, params: dict[str, Any]) -> None:
    r = api(None).get(LOCATE, **params)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_coordinates"


@pytest.mark.parametrize("params", [{"lat": 30.5}, {"lat": "abc", "lng": 117.0}, {}])
def test_missing_or_non_numeric_coordinates_are_400(api: Any, params: dict[str, Any]) -> None:
    r = api(None).get(LOCATE, **params)
    assert r.status_code == 400
    assert "error" in r.json()


def test_divisions_by_level(api: Any) -> None:
    r = api(None).get("/api/v1/divisions", level="street")
    assert r.status_code == 200
    streets = r.json()
    assert len(streets) == 14
    assert {s["level"] for s in streets} == {"street"}
    assert {s["parent"] for s in streets} == {"340803"}
    jixian = next(s for s in streets if s["code"] == STREET_JIXIAN)
    assert jixian["name"] == "集贤路街道"
    assert len(api(None).get("/api/v1/divisions", level="community").json()) == 59


def test_divisions_by_parent(api: Any) -> None:
    r = api(None).get("/api/v1/divisions", parent=STREET_JIXIAN)
    assert r.status_code == 200
    rows = r.json()
    assert len(rows) == 3
    assert {d["parent"] for d in rows} == {STREET_JIXIAN}
    assert {d["level"] for d in rows} == {"community"}
    caishan = next(d for d in rows if d["code"] == CAISHAN)
    assert caishan["short_name"] == "蔡山社区"
    assert caishan["name"] == "蔡山社区居民委员会"


def test_divisions_bad_level(api: Any) -> None:
    r = api(None).get("/api/v1/divisions", level="planet")
    assert r.status_code == 400
    assert "error" in r.json()


def test_grids_of_a_community_with_geometry(api: Any) -> None:
    r = api(None).get("/api/v1/grids", community=CAISHAN, geometry="true")
    assert r.status_code == 200
    rows = r.json()
    assert [g["code"] for g in rows] == [f"{CAISHAN}001", f"{CAISHAN}002"]
    for g in rows:
        assert g["community"] == CAISHAN and g["street"] == STREET_JIXIAN
        assert g["geometry"]["type"] == "Polygon"
        assert len(g["geometry"]["coordinates"][0]) == 5
        assert g["valid_to"] is None


def test_grids_without_geometry(api: Any) -> None:
    rows = api(None).get("/api/v1/grids", community=MASHAN).json()
    assert [g["code"] for g in rows] == [f"{MASHAN}001"]
    assert rows[0].get("geometry") is None
    assert len(api(None).get("/api/v1/grids", street=STREET_JIXIAN).json()) == 2


def _import_new_square(tmp_path: Path) -> tuple[float, float]:
    x0, y0 = ORIGIN[0], ORIGIN[1] + 7 * SIDE
    ring = [[x0, y0], [x0 + SIDE, y0], [x0 + SIDE, y0 + SIDE], [x0, y0 + SIDE], [x0, y0]]
    path = tmp_path / "new.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
         "properties": {"code": f"{CAISHAN}777", "name": "新网格", "community": CAISHAN}}]}),
        encoding="utf-8")
    grids_import(path, valid_from=date(2024, 1, 1))
    return y0 + SIDE / 2, x0 + SIDE / 2


def test_index_rebuilds_after_import_on_invalidate(api: Any, tmp_path: Path) -> None:
    lat, lng = ORIGIN[1] + 7.5 * SIDE, ORIGIN[0] + 0.5 * SIDE
    assert api(None).get(LOCATE, lat=lat, lng=lng).status_code == 404
    _import_new_square(tmp_path)
    grid_index_invalidate()
    r = api(None).get(LOCATE, lat=lat, lng=lng)
    assert r.status_code == 200, r.content
    assert r.json()["grid"]["code"] == f"{CAISHAN}777"


def test_index_rebuilds_after_import_on_revision(api: Any, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Another process imported grids: only the bumped GeoRevision tells this one.
    monkeypatch.setattr(locate, "REVISION_CHECK_SECONDS", 0.0)
    lat, lng = ORIGIN[1] + 7.5 * SIDE, ORIGIN[0] + 0.5 * SIDE
    assert api(None).get(LOCATE, lat=lat, lng=lng).status_code == 404
    _import_new_square(tmp_path)
    r = api(None).get(LOCATE, lat=lat, lng=lng)
    assert r.status_code == 200, r.content
    assert r.json()["grid"]["code"] == f"{CAISHAN}777"
    # The old squares are still found from the rebuilt index.
    lat0, lng0 = inside(0)
    assert api(None).get(LOCATE, lat=lat0, lng=lng0).json()["grid"]["code"] == f"{CAISHAN}001"
