"""Deterministic, plausible-looking demo grids (网格) for 大观区.

No official street, community or grid boundaries exist for the district, only its outline,
so the demo invents them. The invented layout has to look like the real thing well enough
for a demo (city streets small and crowded in the east, villages large, the 274 grids dense
in the city) and has to be a clean partition, because point location and the statistics
built on it assume every point of the district belongs to exactly one grid.

Method, level by level (streets → communities → grids):

* Each level cuts a region into cells of prescribed relative area with a power diagram
  (a Voronoi diagram whose sites carry additive weights). Sites and weights are fitted on
  random sample points: Lloyd steps keep cells compact, weight updates steer the areas
  to their targets.
* The diagram is turned into an exact partition by noding all cell edges together with the
  region boundary, polygonizing, and giving each face to the site with the smallest power
  distance. Neighbouring cells therefore share identical edges and nothing is lost at
  the region boundary.
* A power cell clipped to a concave region may fall apart; stray pieces go to the
  neighbour they share the longest edge with, so every street, community and grid is one
  piece whenever its parent region is.

Randomness comes from numpy Generators seeded with (seed, level, code), so a region's
shapes depend only on its own inputs and the output is byte-identical from run to run.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import shapely
import shapely.affinity
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from shaobao.demo.outline_build import area_km2, load_geojson_geometry, polygon_parts
from shaobao.geo.names import short_division_name

__all__ = [
    "DIVISIONS_PATH",
    "OUTLINE_PATH",
    "DemoLayout",
    "GeneratedGrid",
    "communities_from_csv",
    "generate_grids",
    "generate_layout",
    "is_urban_street",
    "load_outline",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
OUTLINE_PATH = DATA_DIR / "daguan_outline.geojson"
DIVISIONS_PATH = DATA_DIR / "daguan_divisions.csv"

# The city part of 大观区 lies at its eastern tip on the Yangtze (WGS-84 ~117.00–117.05 E,
# 30.49–30.56 N). Sub-district streets (街道) share that part; towns, townships,
# development zones and the farm share the rest. About 22 of the ~275 km² are city.
URBAN_CENTRE = (117.05, 30.52)
URBAN_AREA_SHARE = 0.08
_URBAN_CENTRE_MAX_DEG = 0.05  # an outline farther away than this is not 大观区: no city
# Grids follow households; the city streets house roughly this many times more people per
# km² than the villages, so they get this many times more grids per km².
URBAN_GRIDS_PER_AREA_FACTOR = 12.0
# Relative spread of community and grid areas inside their parent (uniform ±).
_COMMUNITY_SIZE_SPREAD = 0.3
_GRID_SIZE_SPREAD = 0.15

_SAMPLES_PER_CELL = 300
_MIN_SAMPLES = 1500
_FIT_ITERATIONS = 40
# Fraction of the observed area error corrected per fitting step; a cell's area reacts
# to its weight roughly like (neighbours / 2) · Δw, so ~1/3 of the region area per unit of
# share error is about one full correction, and half of that keeps the iteration calm.
_WEIGHT_STEP = 0.15


FloatArray = npt.NDArray[np.float64]
Polygonal: TypeAlias = Polygon | MultiPolygon


@dataclass(frozen=True)
class GeneratedGrid:
    code: str
    community_code: str
    name: str
    geometry: Polygon | MultiPolygon


@dataclass(frozen=True)
class DemoLayout:
    """All three generated levels; `communities[c]` is exactly the union of c's grids."""

    streets: Mapping[str, Polygonal]
    communities: Mapping[str, Polygonal]
    grids: list[GeneratedGrid]


# --- inputs ----------------------------------------------------------------------------


def communities_from_csv(path: str | Path = DIVISIONS_PATH) -> list[tuple[str, str, str]]:
    """(community_code, name, street_code) for every `village` row, sorted by code."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            (row["code"].strip(), row["name"].strip(), row["parent_code"].strip())
            for row in csv.DictReader(handle)
            if row["level"].strip() == "village"
        ]
    return sorted(rows)


def load_outline(path: str | Path = OUTLINE_PATH) -> Polygonal:
    """The district outline shipped with the package (WGS-84)."""
    geom, _ = load_geojson_geometry(path)
    return _polygonal(geom)


def is_urban_street(street_code: str) -> bool:
    """Sub-district (街道) per the statistical code scheme: township part 001–099."""
    township = street_code[6:9]
    return len(street_code) == 9 and township.isdigit() and 1 <= int(township) <= 99


# --- geometry helpers ------------------------------------------------------------------


def _polygonal(geom: BaseGeometry) -> Polygonal:
    parts = polygon_parts(shapely.make_valid(geom)) if not geom.is_empty else []
    if len(parts) == 1:
        return parts[0]
    return MultiPolygon(parts)


def _stable_int(text: str) -> int:
    # Python's hash() is salted per process; the layout must not change between runs.
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _rng(seed: int, level: int, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, level, _stable_int(key)])


@dataclass(frozen=True)
class _Frame:
    """Local plane where Euclidean distance ≈ ground distance (lng shrunk by cos φ)."""

    lng0: float
    lat0: float
    kx: float

    @classmethod
    def around(cls, geom: BaseGeometry) -> _Frame:
        minx, miny, maxx, maxy = geom.bounds
        lat0 = (miny + maxy) / 2.0
        return cls((minx + maxx) / 2.0, lat0, math.cos(math.radians(lat0)))

    def to_plane(self, lngs: FloatArray, lats: FloatArray) -> FloatArray:
        return np.column_stack([(lngs - self.lng0) * self.kx, lats - self.lat0])

    def to_lnglat(self, xy: FloatArray) -> FloatArray:
        return np.column_stack([xy[:, 0] / self.kx + self.lng0, xy[:, 1] + self.lat0])


def _sample(
    region: BaseGeometry, n: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """n uniform random points inside region (rejection sampling in its bounding box)."""
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    fill = max(float(region.area) / max((maxx - minx) * (maxy - miny), 1e-300), 1e-3)
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    got = 0
    for _ in range(10_000):
        batch = int((n - got) / fill * 1.3) + 16
        x = rng.uniform(minx, maxx, batch)
        y = rng.uniform(miny, maxy, batch)
        keep = shapely.contains_xy(region, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        got += int(keep.sum())
        if got >= n:
            break
    else:
        raise RuntimeError("could not sample points inside the region")
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _kmeans(
    points: FloatArray, k: int, rng: np.random.Generator, iterations: int = 15
) -> FloatArray:
    # Farthest-point start: deterministic given rng and far better spread than random picks.
    centres = np.empty((k, 2))
    centres[0] = points[rng.integers(len(points))]
    nearest = np.sum((points - centres[0]) ** 2, axis=1)
    for i in range(1, k):
        centres[i] = points[int(np.argmax(nearest))]
        nearest = np.minimum(nearest, np.sum((points - centres[i]) ** 2, axis=1))
    for _ in range(iterations):
        labels = _nearest(points, centres, np.zeros(k))
        centres = _centroids(points, labels, centres)
    return centres


def _nearest(points: FloatArray, sites: FloatArray, weights: FloatArray) -> npt.NDArray[np.intp]:
    """Index of the site with the smallest power distance |p − s|² − w for every point."""
    # |p|² is the same for every site, so it is left out: one matrix product remains.
    power = points @ (-2.0 * sites.T) + (np.sum(sites**2, axis=1) - weights)[None, :]
    return np.asarray(np.argmin(power, axis=1), dtype=np.intp)


def _centroids(points: FloatArray, labels: npt.NDArray[np.intp], old: FloatArray) -> FloatArray:
    k = len(old)
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    sx = np.bincount(labels, weights=points[:, 0], minlength=k)
    sy = np.bincount(labels, weights=points[:, 1], minlength=k)
    new = old.copy()
    used = counts > 0
    new[used, 0] = sx[used] / counts[used]
    new[used, 1] = sy[used] / counts[used]
    return new


def _fit_power_sites(
    points: FloatArray, sites: FloatArray, targets: FloatArray, area: float
) -> tuple[FloatArray, FloatArray]:
    """Sites and weights whose power cells hold `targets` shares of the points, compactly."""
    weights = np.zeros(len(sites))
    for _ in range(_FIT_ITERATIONS):
        labels = _nearest(points, sites, weights)
        shares = np.bincount(labels, minlength=len(sites)) / len(points)
        sites = _centroids(points, labels, sites)
        weights = weights + _WEIGHT_STEP * area * (targets - shares)
        # Only weight differences matter; centring keeps them from drifting.
        weights -= weights.mean()
    return sites, weights


def _clip_halfplane(
    poly: list[tuple[float, float]], a: float, b: float, c: float
) -> list[tuple[float, float]]:
    """Part of a convex polygon with a·x + b·y ≤ c."""
    out: list[tuple[float, float]] = []
    n = len(poly)
    for i in range(n):
        px, py = poly[i]
        qx, qy = poly[(i + 1) % n]
        fp = a * px + b * py - c
        fq = a * qx + b * qy - c
        if fp <= 0.0:
            out.append((px, py))
        if (fp < 0.0 < fq) or (fq < 0.0 < fp):
            t = fp / (fp - fq)
            out.append((px + t * (qx - px), py + t * (qy - py)))
    return out


def _power_cells(sites: FloatArray, weights: FloatArray, frame_box: FloatArray) -> list[FloatArray]:
    """Convex power cells (plane coordinates) clipped to frame_box = (minx, miny, maxx, maxy)."""
    x0, y0, x1, y1 = (float(v) for v in frame_box)
    sq = np.sum(sites**2, axis=1)
    cells: list[FloatArray] = []
    for i in range(len(sites)):
        poly = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        for j in range(len(sites)):
            if i == j or not poly:
                continue
            # |p−s_i|² − w_i ≤ |p−s_j|² − w_j  ⇔  2p·(s_j − s_i) ≤ |s_j|² − |s_i|² + w_i − w_j
            a = 2.0 * float(sites[j, 0] - sites[i, 0])
            b = 2.0 * float(sites[j, 1] - sites[i, 1])
            c = float(sq[j] - sq[i] + weights[i] - weights[j])
            poly = _clip_halfplane(poly, a, b, c)
        cells.append(np.asarray(poly, dtype=np.float64).reshape(-1, 2))
    return cells


def _partition(
    region: Polygonal, sites: FloatArray, weights: FloatArray, frame: _Frame
) -> list[Polygonal]:
    """Exact partition of region by the power diagram; one (maybe empty) geometry per site."""
    k = len(sites)
    if k == 1:
        return [region]
    minx, miny, maxx, maxy = region.bounds
    pad = 0.1 * max(maxx - minx, maxy - miny) + 1e-9
    corners = frame.to_plane(np.array([minx - pad, maxx + pad]), np.array([miny - pad, maxy + pad]))
    frame_box = np.array([corners[0, 0], corners[0, 1], corners[1, 0], corners[1, 1]])
    rings = [
        shapely.linearrings(frame.to_lnglat(cell))
        for cell in _power_cells(sites, weights, frame_box)
        if len(cell) >= 3
    ]
    linework = shapely.union_all([*rings, shapely.boundary(region)])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(linework)))
    faces = faces[shapely.area(faces) > 0.0]
    probes = shapely.point_on_surface(faces)
    shapely.prepare(region)
    inside = shapely.contains(region, probes)
    faces, probes = faces[inside], probes[inside]
    probe_xy = shapely.get_coordinates(probes)
    owners = _nearest(frame.to_plane(probe_xy[:, 0], probe_xy[:, 1]), sites, weights)
    owners = _make_contiguous(faces, owners, k)
    return [_union_faces(faces[owners == i]) for i in range(k)]


def _union_faces(faces: npt.NDArray[np.object_]) -> Polygonal:
    if len(faces) == 0:
        return MultiPolygon()
    if len(faces) == 1:
        return _polygonal(shapely.normalize(faces[0]))
    try:
        merged = shapely.coverage_union_all(faces)
    except shapely.errors.GEOSException:
        merged = shapely.union_all(faces)
    return _polygonal(shapely.normalize(merged))


def _make_contiguous(
    faces: npt.NDArray[np.object_], owners: npt.NDArray[np.intp], k: int
) -> npt.NDArray[np.intp]:
    """Hand detached pieces of a site's faces to the neighbour with the longest shared edge."""
    if len(faces) < 2:
        return owners
    tree = shapely.STRtree(faces)
    a, b = tree.query(faces, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(faces[a]), shapely.boundary(faces[b]))
    )
    # Faces touching in a point do not make a region connected.
    edge = shared > 0.0
    a, b, shared = a[edge], b[edge], shared[edge]
    areas = shapely.area(faces)
    owners = owners.copy()
    for _ in range(4 * k + 8):
        component = _components(len(faces), a[owners[a] == owners[b]], b[owners[a] == owners[b]])
        roots, first = np.unique(component, return_index=True)
        comp_area = np.bincount(component, weights=areas)[roots]
        main_of_owner: dict[int, int] = {}
        for pos in np.argsort(-comp_area, kind="stable"):
            main_of_owner.setdefault(int(owners[first[pos]]), int(roots[pos]))
        is_main = np.isin(component, list(main_of_owner.values()))
        if is_main.all():
            break
        # Shared edge lengths from each stray component to each neighbouring main region.
        votes: dict[tuple[int, int], float] = {}
        for u, v, length in zip(a, b, shared, strict=True):
            for stray, other in ((u, v), (v, u)):
                if not is_main[stray] and is_main[other] and owners[stray] != owners[other]:
                    key = (int(component[stray]), int(owners[other]))
                    votes[key] = votes.get(key, 0.0) + float(length)
        if not votes:
            break  # the rest are islands with no neighbour at all; leave them be
        best: dict[int, tuple[float, int]] = {}
        for (comp, owner), length in sorted(votes.items()):
            if comp not in best or length > best[comp][0]:
                best[comp] = (length, owner)
        for comp, (_, owner) in best.items():
            owners[component == comp] = owner
    return owners


def _components(n: int, a: npt.NDArray[np.intp], b: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for u, v in zip(a.tolist(), b.tolist(), strict=True):
        ru, rv = root(u), root(v)
        if ru != rv:
            parent[max(ru, rv)] = min(ru, rv)
    return np.array([root(i) for i in range(n)], dtype=np.intp)


def _clockwise_from_north(points: FloatArray) -> npt.NDArray[np.intp]:
    """Order points clockwise around their mean, starting north; numbering then reads round."""
    d = points - points.mean(axis=0)
    angle = np.mod(np.arctan2(d[:, 0], d[:, 1]), 2.0 * math.pi)
    return np.lexsort((points[:, 0], angle))


def _split(
    region: Polygonal,
    targets: Sequence[float],
    frame: _Frame,
    rng: np.random.Generator,
) -> list[Polygonal]:
    """Cut region into len(targets) connected pieces with roughly the target area shares."""
    k = len(targets)
    if k == 1:
        return [region]
    lngs, lats = _sample(region, max(_MIN_SAMPLES, _SAMPLES_PER_CELL * k), rng)
    points = frame.to_plane(lngs, lats)
    sites = _kmeans(points, k, rng)
    # Targets are handed out in reading order around the region, so consecutive codes
    # end up next to each other.
    sites = sites[_clockwise_from_north(sites)]
    share = np.asarray(targets, dtype=np.float64)
    share = share / share.sum()
    area = float(region.area) * frame.kx
    fitted, weights = _fit_power_sites(points, sites, share, area)
    pieces = _partition(region, fitted, weights, frame)
    if any(p.is_empty for p in pieces):
        # Weights can starve a small cell. Plain Voronoi cells of the k-means centres
        # hold (nearly) their whole cluster of interior samples, so they cannot vanish
        # in practice.
        pieces = _partition(region, sites, np.zeros(k), frame)
        if any(p.is_empty for p in pieces):
            raise RuntimeError("partition produced an empty piece")
    return pieces


# --- the three levels ------------------------------------------------------------------


def _city_zone(outline: Polygonal, frame: _Frame) -> Polygonal:
    """The part of the outline nearest URBAN_CENTRE holding URBAN_AREA_SHARE of its area.

    A many-sided "disc" grown until it holds the share; its straight sides make the
    city/countryside border look like a drawn one rather than a compass arc.
    """
    centre = shapely.Point(URBAN_CENTRE)
    if outline.distance(centre) > _URBAN_CENTRE_MAX_DEG:
        return MultiPolygon()
    target = URBAN_AREA_SHARE * float(outline.area)
    low, high = 0.0, math.hypot(*np.subtract(outline.bounds[2:], outline.bounds[:2])) * 2
    zone: BaseGeometry = MultiPolygon()
    for _ in range(40):  # bisection to ~1e-12 of the start interval: far below a metre
        radius = (low + high) / 2.0
        disc = shapely.affinity.scale(
            centre.buffer(radius, quad_segs=3), xfact=1.0 / frame.kx, yfact=1.0
        )
        zone = outline.intersection(disc)
        if zone.area < target:
            low = radius
        else:
            high = radius
    return _polygonal(zone)


def _jittered(count: int, spread: float, rng: np.random.Generator) -> list[float]:
    # Equal targets make every village the same size; real ones vary.
    return [float(v) for v in rng.uniform(1.0 - spread, 1.0 + spread, count)]


def _apportion(weights: Sequence[float], total: int) -> list[int]:
    """Integer shares of `total` proportional to weights, each at least 1 (largest remainder)."""
    n = len(weights)
    if total < n:
        raise ValueError(f"total={total} is less than the number of communities ({n})")
    w = np.asarray(weights, dtype=np.float64)
    w = np.ones(n) if w.sum() <= 0 else w
    quota = total * w / w.sum()
    alloc = np.maximum(np.floor(quota).astype(np.int64), 1)
    while alloc.sum() > total:
        slack = np.where(alloc > 1, quota - alloc, np.inf)
        alloc[int(np.argmin(slack))] -= 1
    while alloc.sum() < total:
        alloc[int(np.argmax(quota - alloc))] += 1
    return [int(v) for v in alloc]


def generate_layout(
    outline: BaseGeometry,
    communities: Sequence[tuple[str, str]],
    total: int = 274,
    seed: int = 340803,
    names: Mapping[str, str] | None = None,
) -> DemoLayout:
    """Streets, communities and `total` grids covering `outline` exactly (see module doc).

    `communities` are (community_code, street_code) pairs; `names` maps community codes to
    their (official) names for the grid names, falling back to the code.
    """
    region = _polygonal(outline)
    if region.is_empty:
        raise ValueError("outline has no area")
    pairs = sorted({(str(c), str(s)) for c, s in communities})
    codes = [c for c, _ in pairs]
    if len(set(codes)) != len(codes):
        raise ValueError("a community code appears under two streets")
    if not pairs:
        raise ValueError("no communities")
    if total < len(pairs):
        raise ValueError(f"total={total} is less than the number of communities ({len(pairs)})")
    max_per_community = 999  # three-digit sequence in the grid code
    if total > max_per_community * len(pairs):
        raise ValueError(f"total={total} needs more than {max_per_community} grids per community")
    frame = _Frame.around(region)

    by_street: dict[str, list[str]] = {}
    for community, street in pairs:
        by_street.setdefault(street, []).append(community)
    members = {s: len(c) for s, c in sorted(by_street.items())}

    street_areas: dict[str, Polygonal] = {}
    urban = [s for s in members if is_urban_street(s)]
    rural = [s for s in members if not is_urban_street(s)]
    city = _city_zone(region, frame) if urban and rural else MultiPolygon()
    if city.is_empty:
        groups = [(list(members), region)]
    else:
        groups = [(urban, city), (rural, _polygonal(region.difference(city)))]
    for group, zone in groups:
        pieces = _split(zone, [members[s] for s in group], frame, _rng(seed, 0, group[0]))
        street_areas.update(zip(group, pieces, strict=True))
    street_areas = dict(sorted(street_areas.items()))

    community_areas: dict[str, Polygonal] = {}
    for street, members_of_street in by_street.items():
        rng = _rng(seed, 1, street)
        targets = _jittered(len(members_of_street), _COMMUNITY_SIZE_SPREAD, rng)
        pieces = _split(street_areas[street], targets, frame, rng)
        community_areas.update(zip(members_of_street, pieces, strict=True))

    street_of = dict(pairs)
    grid_weight = [
        area_km2(community_areas[c])
        * (URBAN_GRIDS_PER_AREA_FACTOR if is_urban_street(street_of[c]) else 1.0)
        for c in codes
    ]
    grids: list[GeneratedGrid] = []
    for community, count in zip(codes, _apportion(grid_weight, total), strict=True):
        area = community_areas[community]
        label = short_division_name((names or {}).get(community, community))
        rng = _rng(seed, 2, community)
        pieces = _split(area, _jittered(count, _GRID_SIZE_SPREAD, rng), frame, rng)
        for number, piece in enumerate(pieces, start=1):
            grids.append(
                GeneratedGrid(
                    code=f"{community}{number:03d}",
                    community_code=community,
                    name=f"{label}第{number}网格",
                    geometry=piece,
                )
            )
    return DemoLayout(streets=street_areas, communities=community_areas, grids=grids)


def generate_grids(
    outline: BaseGeometry,
    communities: Sequence[tuple[str, str]],
    total: int = 274,
    seed: int = 340803,
    names: Mapping[str, str] | None = None,
) -> list[GeneratedGrid]:
    """`total` demo grids partitioning `outline`; see `generate_layout`."""
    return generate_layout(outline, communities, total, seed, names).grids
