from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from shaobao.demo.gridgen import communities_from_csv, generate_grids, load_outline
from shaobao.geo.spatial import GridIndex, bench_locate


def square_grids() -> list[tuple[str, BaseGeometry]]:
    """3×3 unit squares over [0, 3]²; codes deliberately not in spatial or input order."""
    codes = {
        (0, 0): "G5", (1, 0): "G2", (2, 0): "G9",
        (0, 1): "G7", (1, 1): "G1", (2, 1): "G4",
        (0, 2): "G3", (1, 2): "G8", (2, 2): "G6",
    }
    return [(code, box(i, j, i + 1, j + 1)) for (i, j), code in reversed(codes.items())]


def brute_force(geoms: list[BaseGeometry], x: npt.NDArray[np.float64],
                y: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Smallest index of a geometry intersecting each point, without any index structure."""
    out = np.full(len(x), -1, dtype=np.int64)
    for i in reversed(range(len(geoms))):
        out[shapely.intersects_xy(geoms[i], x, y)] = i
    return out


@pytest.fixture(scope="module")
def squares() -> GridIndex:
    return GridIndex(square_grids())


@pytest.fixture(scope="module")
def daguan() -> GridIndex:
    rows = communities_from_csv()
    grids = generate_grids(load_outline(), [(c, s) for c, _, s in rows])
    return GridIndex([(g.code, g.geometry) for g in grids])


def test_codes_are_sorted(squares: GridIndex) -> None:
    assert squares.codes == sorted(squares.codes) == [f"G{i}" for i in range(1, 10)]
    assert len(squares) == 9


@pytest.mark.parametrize(
    ("point", "code"),
    [
        ((0.5, 0.5), "G5"),
        ((1.5, 1.5), "G1"),
        ((2.9, 2.1), "G6"),
        ((1.0, 0.5), "G2"),  # edge G5|G2
        ((2.5, 2.0), "G4"),  # edge G4|G6
        ((0.3, 1.0), "G5"),  # edge G5|G7
        ((1.0, 1.0), "G1"),  # vertex of G5, G2, G7, G1
        ((2.0, 2.0), "G1"),  # vertex of G1, G4, G8, G6
        ((2.0, 1.0), "G1"),  # vertex of G2, G9, G1, G4
        ((0.0, 0.0), "G5"),  # outer corner
        ((3.0, 3.0), "G6"),  # max corner of the bounding box
        ((3.0, 1.5), "G4"),  # outer edge on the bbox max side
        ((1.5, 0.0), "G2"),  # outer edge on the bbox min side
    ],
)
def test_locate_inside_and_on_boundaries(
    squares: GridIndex, point: tuple[float, float], code: str
) -> None:
    assert squares.locate(*point) == code
    found = squares.locate_many(np.array([point[0]]), np.array([point[1]]))
    assert squares.codes[int(found[0])] == code


@pytest.mark.parametrize(
    "point", [(-0.1, 1.0), (3.0000001, 1.0), (1.0, -1e-9), (50.0, 50.0), (np.nan, 1.0)]
)
def test_locate_outside(squares: GridIndex, point: tuple[float, float]) -> None:
    assert squares.locate(*point) is None
    assert squares.locate_many(np.array([point[0]]), np.array([point[1]]))[0] == -1


def test_locate_many_keeps_shape(squares: GridIndex) -> None:
    x = np.array([[0.5, 1.5], [5.0, 2.5]])
    y = np.array([[0.5, 1.5], [5.0, 0.5]])
    got = squares.locate_many(x, y)
    assert got.shape == (2, 2)
    assert [squares.codes[i] if i >= 0 else None for i in got.ravel()] == [
        "G5", "G1", None, "G9"
    ]


@pytest.mark.parametrize("resolution", [1, 2, 7, 16, 33, 512])
def test_any_resolution_agrees_with_brute_force(resolution: int) -> None:
    index = GridIndex(square_grids(), resolution=resolution)
    rng = np.random.default_rng(resolution)
    # Quarter-unit lattice: every edge and vertex of the squares, plus random points.
    lattice = np.arange(-0.5, 3.75, 0.25)
    lx, ly = np.meshgrid(lattice, lattice)
    x = np.concatenate([lx.ravel(), rng.uniform(-0.5, 3.5, 2000)])
    y = np.concatenate([ly.ravel(), rng.uniform(-0.5, 3.5, 2000)])
    expected = brute_force(list(index.geometries), x, y)
    np.testing.assert_array_equal(index.locate_many(x, y), expected)
    for xi, yi, e in zip(x[:300], y[:300], expected[:300], strict=True):
        assert index.locate(xi, yi) == (index.codes[e] if e >= 0 else None)


def test_holes_multipolygons_and_overlaps() -> None:
    ring = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    islands = MultiPolygon([box(1, 1, 2, 2), box(2.5, 2.5, 3, 3)])
    overlap = box(3.5, 3.5, 5, 5)  # overlaps the ring; "B" < "C" wins there
    index = GridIndex([("C", overlap), ("A", islands), ("B", ring)])
    assert index.locate(0.5, 0.5) == "B"
    assert index.locate(1.5, 1.5) == "A"
    assert index.locate(2.2, 2.2) is None  # in the hole, between the islands
    assert index.locate(2.75, 2.75) == "A"
    assert index.locate(3.75, 3.75) == "B"
    assert index.locate(4.5, 4.5) == "C"


def test_empty_index_and_duplicates() -> None:
    empty = GridIndex([])
    assert empty.codes == []
    assert empty.locate(117.0, 30.5) is None
    assert list(empty.locate_many(np.array([117.0]), np.array([30.5]))) == [-1]
    with pytest.raises(ValueError, match="duplicate"):
        GridIndex([("A", box(0, 0, 1, 1)), ("A", box(1, 0, 2, 1))])


def test_daguan_grids_match_brute_force_on_random_points(daguan: GridIndex) -> None:
    rng = np.random.default_rng(20240601)
    xmin, ymin, xmax, ymax = daguan.bounds
    x = rng.uniform(xmin, xmax, 20_000)
    y = rng.uniform(ymin, ymax, 20_000)
    expected = brute_force(list(daguan.geometries), x, y)
    got = daguan.locate_many(x, y)
    np.testing.assert_array_equal(got, expected)
    assert 0.2 < float(np.mean(got >= 0)) < 0.6  # the district fills ~36 % of its bbox
    for i in range(0, 20_000, 10):
        assert daguan.locate(x[i], y[i]) == (daguan.codes[got[i]] if got[i] >= 0 else None)


def test_daguan_grid_vertices_resolve_to_the_smallest_code(daguan: GridIndex) -> None:
    coords = shapely.get_coordinates(list(daguan.geometries))
    x, y = coords[:, 0], coords[:, 1]
    expected = brute_force(list(daguan.geometries), x, y)
    assert (expected >= 0).all()
    np.testing.assert_array_equal(daguan.locate_many(x, y), expected)
    # Shared vertices really are shared by several grids, so the rule is exercised.
    on_many = sum(
        int(shapely.intersects_xy(daguan.geometries, xi, yi).sum() > 1)
        for xi, yi in coords[:500]
    )
    assert on_many > 100
    for xi, yi, e in zip(x[:2000], y[:2000], expected[:2000], strict=True):
        assert daguan.locate(xi, yi) == daguan.codes[e]


def test_bench_locate_reports_both_and_they_agree(daguan: GridIndex) -> None:
    result = bench_locate(daguan, n=20_000, seed=3)
    assert result["agreement"] == 1.0
    assert result["points_per_s"] > 0 and result["baseline_points_per_s"] > 0
    assert result["speedup"] == pytest.approx(
        result["points_per_s"] / result["baseline_points_per_s"]
    )
