from __future__ import annotations

import json
import time
from collections import Counter

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from shaobao.demo.gridgen import (
    DIVISIONS_PATH,
    OUTLINE_PATH,
    DemoLayout,
    communities_from_csv,
    generate_grids,
    generate_layout,
    is_urban_street,
    load_outline,
)
from shaobao.demo.outline_build import area_km2
from shaobao.geo.names import short_division_name

OVERLAP_MAX_DEG2 = 1e-12
UNION_REL_MAX = 1e-9


@pytest.fixture(scope="module")
def rows() -> list[tuple[str, str, str]]:
    return communities_from_csv()


@pytest.fixture(scope="module")
def outline() -> Polygon | MultiPolygon:
    return load_outline()


@pytest.fixture(scope="module")
def timed_layout(
    outline: Polygon | MultiPolygon, rows: list[tuple[str, str, str]]
) -> tuple[DemoLayout, float]:
    start = time.perf_counter()
    layout = generate_layout(
        outline, [(c, s) for c, _, s in rows], names={c: n for c, n, _ in rows}
    )
    return layout, time.perf_counter() - start


@pytest.fixture(scope="module")
def layout(timed_layout: tuple[DemoLayout, float]) -> DemoLayout:
    return timed_layout[0]


def max_pairwise_overlap(geoms: list[Polygon | MultiPolygon]) -> float:
    arr = np.array(geoms, dtype=object)
    a, b = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = a < b
    if not keep.any():
        return 0.0
    return float(shapely.area(shapely.intersection(arr[a[keep]], arr[b[keep]])).max())


def union_error(geoms: list[Polygon | MultiPolygon], target: Polygon | MultiPolygon) -> float:
    """Symmetric difference area between the union of geoms and target, relative to target."""
    union = shapely.union_all(np.array(geoms, dtype=object))
    return float(shapely.symmetric_difference(union, target).area) / float(target.area)


# --- shipped data ----------------------------------------------------------------------


def test_shipped_outline_is_a_clean_wgs84_district(outline: Polygon | MultiPolygon) -> None:
    assert OUTLINE_PATH.stat().st_size < 150_000
    data = json.loads(OUTLINE_PATH.read_text(encoding="utf-8"))
    assert data["features"][0]["properties"]["adcode"] == 340803
    assert data["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert outline.is_valid and not outline.is_empty
    assert 250 < area_km2(outline) < 300
    _, miny, maxx, maxy = outline.bounds
    # The GCJ-02 source reaches 117.0582 E; WGS-84 is ~500 m further west.
    assert 117.04 < maxx < 117.056 and 30.3 < miny < maxy < 30.6
    coords = shapely.get_coordinates(outline)
    np.testing.assert_array_equal(coords, np.round(coords, 6))


def test_communities_from_csv(rows: list[tuple[str, str, str]]) -> None:
    assert len(rows) == 59
    assert rows == sorted(rows)
    assert all(len(c) == 12 and len(s) == 9 and c.startswith(s) for c, _, s in rows)
    assert ("340803005001", "蔡山社区居民委员会", "340803005") in rows
    assert len({s for _, _, s in rows}) == 13  # 高新技术产业开发区 has no community
    assert DIVISIONS_PATH.name == "daguan_divisions.csv"


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("蔡山社区居民委员会", "蔡山社区"),
        ("华茂社区居委会", "华茂社区"),
        ("腊树园社区居民委员", "腊树园社区"),
        ("南埂村民委员会", "南埂村"),
        ("红水塘居民委员会", "红水塘社区"),
        ("安原居委会", "安原社区"),
        ("某某村村委会", "某某村"),
        ("头坡社区", "头坡社区"),
        ("三益分场生活区", "三益分场生活区"),
        ("居民委员会", "居民委员会"),
    ],
)
def test_short_division_name(name: str, short: str) -> None:
    assert short_division_name(name) == short


@pytest.mark.parametrize(
    ("code", "urban"),
    [("340803001", True), ("340803007", True), ("340803100", False), ("340803500", False)],
)
def test_is_urban_street(code: str, urban: bool) -> None:
    assert is_urban_street(code) is urban


# --- the generated layout --------------------------------------------------------------


def test_exact_count_codes_and_names(layout: DemoLayout, rows: list[tuple[str, str, str]]) -> None:
    grids = layout.grids
    assert len(grids) == 274
    codes = [g.code for g in grids]
    assert len(set(codes)) == 274
    per_community = Counter(g.community_code for g in grids)
    assert set(per_community) == {c for c, _, _ in rows}
    for g in grids:
        assert g.code.startswith(g.community_code) and len(g.code) == 15
    for community, count in per_community.items():
        seq = sorted(int(g.code[-3:]) for g in grids if g.community_code == community)
        assert seq == list(range(1, count + 1))
    by_code = {g.code: g for g in grids}
    assert by_code["340803005001001"].name == "蔡山社区第1网格"
    assert by_code["340803100201001"].name == "南埂村第1网格"


def test_every_grid_is_a_valid_nonempty_polygon(layout: DemoLayout) -> None:
    for g in layout.grids:
        assert isinstance(g.geometry, Polygon | MultiPolygon)
        assert g.geometry.is_valid and not g.geometry.is_empty and g.geometry.area > 0
        # The outline is one piece, so every level should come out in one piece too.
        assert isinstance(g.geometry, Polygon), g.code


def test_grids_do_not_overlap(layout: DemoLayout) -> None:
    assert max_pairwise_overlap([g.geometry for g in layout.grids]) < OVERLAP_MAX_DEG2


def test_grids_cover_the_outline_exactly(
    layout: DemoLayout, outline: Polygon | MultiPolygon
) -> None:
    assert union_error([g.geometry for g in layout.grids], outline) < UNION_REL_MAX


def test_each_community_is_exactly_its_grids(layout: DemoLayout) -> None:
    assert max_pairwise_overlap(list(layout.communities.values())) < OVERLAP_MAX_DEG2
    for community, area in layout.communities.items():
        mine = [g.geometry for g in layout.grids if g.community_code == community]
        assert union_error(mine, area) < UNION_REL_MAX, community


def test_streets_are_contiguous_and_made_of_their_communities(
    layout: DemoLayout, rows: list[tuple[str, str, str]], outline: Polygon | MultiPolygon
) -> None:
    assert union_error(list(layout.streets.values()), outline) < UNION_REL_MAX
    for street, area in layout.streets.items():
        assert isinstance(area, Polygon), street
        mine = [layout.communities[c] for c, _, s in rows if s == street]
        assert union_error(mine, area) < UNION_REL_MAX, street
        assert all(isinstance(m, Polygon) for m in mine)


def test_city_is_small_dense_and_in_the_east(
    layout: DemoLayout, rows: list[tuple[str, str, str]]
) -> None:
    urban = [c for c, _, s in rows if is_urban_street(s)]
    rural = [c for c, _, s in rows if not is_urban_street(s)]
    assert len(urban) == 23 and len(rural) == 36
    km2 = {c: area_km2(a) for c, a in layout.communities.items()}
    assert max(km2[c] for c in urban) < min(km2[c] for c in rural)
    count = Counter(g.community_code for g in layout.grids)

    def density(codes: list[str]) -> float:
        return sum(count[c] for c in codes) / sum(km2[c] for c in codes)

    assert density(urban) > 5 * density(rural)
    city = box(116.99, 30.48, 117.06, 30.57)
    for c in urban:
        assert city.contains(layout.communities[c].representative_point()), c


def test_deterministic_to_the_byte(
    outline: Polygon | MultiPolygon, rows: list[tuple[str, str, str]], layout: DemoLayout
) -> None:
    again = generate_grids(load_outline(), [(c, s) for c, _, s in reversed(rows)],
                           names={c: n for c, n, _ in rows})
    assert [g.code for g in again] == [g.code for g in layout.grids]
    assert [g.name for g in again] == [g.name for g in layout.grids]
    assert [shapely.to_wkb(g.geometry) for g in again] == [
        shapely.to_wkb(g.geometry) for g in layout.grids
    ]


def test_other_seed_other_layout_same_guarantees(
    outline: Polygon | MultiPolygon, rows: list[tuple[str, str, str]], layout: DemoLayout
) -> None:
    grids = generate_grids(outline, [(c, s) for c, _, s in rows], total=100, seed=7)
    assert len(grids) == 100
    assert grids[0].name.startswith("340803001002")  # no names given: the code stands in
    assert max_pairwise_overlap([g.geometry for g in grids]) < OVERLAP_MAX_DEG2
    assert union_error([g.geometry for g in grids], outline) < UNION_REL_MAX
    assert shapely.to_wkb(grids[0].geometry) != shapely.to_wkb(layout.grids[0].geometry)


def test_generic_outline_and_minimum_total() -> None:
    # Not Daguan: a square in the middle of nowhere, with made-up codes.
    square = box(10.0, 50.0, 10.2, 50.1)
    communities = [("A1", "A"), ("A2", "A"), ("B1", "B")]
    grids = generate_grids(square, communities, total=3, seed=1)
    assert sorted(g.code for g in grids) == ["A1001", "A2001", "B1001"]
    assert union_error([g.geometry for g in grids], square) < UNION_REL_MAX
    with pytest.raises(ValueError):
        generate_grids(square, communities, total=2)


def test_runs_in_a_few_seconds(timed_layout: tuple[DemoLayout, float]) -> None:
    # Target is < 5 s; the margin absorbs slow CI machines.
    assert timed_layout[1] < 15.0
