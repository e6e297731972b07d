"""Point → grid lookup for many points per second.

Almost every cell of a fine raster laid over the grids lies wholly inside one grid or
wholly outside all of them; for points in such "pure" cells the answer is one array
lookup. Only points in the few cells a grid edge passes through ("mixed" cells) need an
exact point-in-polygon test, and only against the grids that touch that cell.

Boundary rule, shared by every method: a point on a grid's edge or vertex belongs to that
grid; when it is on several grids (a shared edge or corner) the grid with the smallest
code wins. Codes are kept sorted so that "smallest code" is simply "smallest index".
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["GridIndex", "bench_locate"]

IndexArray = npt.NDArray[np.int64]

_OUTSIDE = -1
# Raster values ≤ _MIXED_BASE encode a mixed cell: slot = _MIXED_BASE - value.
_MIXED_BASE = -2
# Cells are classified with their box grown by this fraction of a cell, so that a point
# whose cell number is off by one float rounding still finds an answer valid for it.
_CELL_PAD = 1e-6
# The quadtree that classifies the raster starts from blocks of about this many cells per
# side of the raster (then halves only the blocks that are mixed).
_START_BLOCKS = 16


class GridIndex:
    """Locate WGS-84 points in a set of non-overlapping grid polygons.

    `codes` are the grid codes in ascending order; `locate_many` returns indices into it.
    Overlapping input is tolerated (the smallest code wins), it is only slower.
    `resolution` is the raster size along the longer side of the bounding box. For the 274
    Daguan grids, 512 (512×385 cells) builds in 0.1–0.3 s and leaves ~6 % of the cells,
    hence of uniformly spread points, to the exact test; 1024 halves that share but takes
    two to three times as long to build for only a slightly faster `locate_many`.
    """

    def __init__(
        self, grids: Sequence[tuple[str, BaseGeometry]], resolution: int = 512
    ) -> None:
        ordered = sorted(grids, key=lambda item: item[0])
        self.codes: list[str] = [code for code, _ in ordered]
        if len(set(self.codes)) != len(self.codes):
            raise ValueError("duplicate grid codes")
        if resolution < 1:
            raise ValueError("resolution must be positive")
        self.geometries: npt.NDArray[np.object_] = np.array(
            [geom for _, geom in ordered], dtype=object
        )
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)
        self._build_raster(resolution)

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min lng, min lat, max lng, max lat) of all grids; NaN when there are none."""
        return self._bounds

    # --- construction -----------------------------------------------------------------

    def _build_raster(self, resolution: int) -> None:
        geoms = self.geometries
        if len(geoms):
            xmin, ymin, xmax, ymax = (float(v) for v in shapely.total_bounds(geoms))
        else:
            xmin = ymin = xmax = ymax = math.nan
        self._bounds = (xmin, ymin, xmax, ymax)
        if not len(geoms) or not all(math.isfinite(v) for v in self._bounds):
            # Nothing to find: a 1×1 raster that says "outside" for every point.
            self._x0, self._y0, self._sx, self._sy = 0.0, 0.0, 0.0, 0.0
            self._nx = self._ny = 1
            self._raster = np.full(1, _OUTSIDE, dtype=np.int32)
            self._cand_ptr = np.zeros(1, dtype=np.int64)
            self._cand = np.zeros(0, dtype=np.int64)
            self.mixed_cell_count = 0
            return
        width = max(xmax - xmin, 1e-9)
        height = max(ymax - ymin, 1e-9)
        # Roughly square cells; `resolution` cells along the longer side.
        cell = max(width, height) / resolution
        nx = max(1, math.ceil(width / cell))
        ny = max(1, math.ceil(height / cell))
        self._x0, self._y0 = xmin, ymin
        self._nx, self._ny = nx, ny
        self._dx, self._dy = width / nx, height / ny
        self._sx, self._sy = 1.0 / self._dx, 1.0 / self._dy

        raster = np.full(ny * nx, _OUTSIDE, dtype=np.int32)
        grid2d = raster.reshape(ny, nx)  # a view: filling blocks in 2-D fills `raster`
        self._cand_ptr = np.zeros(1, dtype=np.int64)
        self._cand = np.zeros(0, dtype=np.int64)
        self.mixed_cell_count = 0
        pad_x, pad_y = _CELL_PAD * self._dx, _CELL_PAD * self._dy

        # Quadtree over the raster: classify big blocks first and only split the blocks
        # that are neither wholly inside one grid nor clear of all grids.
        size = 1 << max(0, math.ceil(math.log2(max(nx, ny) / _START_BLOCKS)))
        gx, gy = np.meshgrid(np.arange(0, nx, size), np.arange(0, ny, size))
        bx, by = gx.ravel().astype(np.int64), gy.ravel().astype(np.int64)
        while len(bx):
            ex = np.minimum(bx + size, nx)
            ey = np.minimum(by + size, ny)
            boxes = shapely.box(
                xmin + bx * self._dx - pad_x, ymin + by * self._dy - pad_y,
                xmin + ex * self._dx + pad_x, ymin + ey * self._dy + pad_y,
            )
            block_idx, geom_idx = self.tree.query(boxes, predicate="intersects")
            hits = np.bincount(block_idx, minlength=len(bx))
            # Blocks touched by no grid stay "outside" (the raster's initial value).
            single = np.flatnonzero(hits == 1)
            owner = np.full(len(bx), -1, dtype=np.int64)
            owner[block_idx] = geom_idx  # exact for blocks with one hit, the only ones used
            inside = single[shapely.contains_properly(geoms[owner[single]], boxes[single])]
            for b in inside.tolist():
                grid2d[by[b]:ey[b], bx[b]:ex[b]] = owner[b]
            undecided = np.flatnonzero(hits > 0)
            undecided = undecided[~np.isin(undecided, inside)]
            if size == 1:
                self._store_mixed(raster, by[undecided] * nx + bx[undecided],
                                  undecided, block_idx, geom_idx, len(bx))
                break
            half = size // 2
            children_x: list[npt.NDArray[np.int64]] = []
            children_y: list[npt.NDArray[np.int64]] = []
            for ox in (0, half):
                for oy in (0, half):
                    cx, cy = bx[undecided] + ox, by[undecided] + oy
                    ok = (cx < ex[undecided]) & (cy < ey[undecided])
                    children_x.append(cx[ok])
                    children_y.append(cy[ok])
            bx, by = np.concatenate(children_x), np.concatenate(children_y)
            size = half
        self._raster = raster

    def _store_mixed(
        self,
        raster: npt.NDArray[np.int32],
        cells: IndexArray,
        blocks: IndexArray,
        block_idx: IndexArray,
        geom_idx: IndexArray,
        n_blocks: int,
    ) -> None:
        """Number the mixed cells and keep, per cell, its candidate grids in ascending order."""
        slot_of_block = np.full(n_blocks, -1, dtype=np.int64)
        slot_of_block[blocks] = np.arange(len(blocks))
        pair_slot = slot_of_block[block_idx]
        keep = pair_slot >= 0
        pair_slot, pair_geom = pair_slot[keep], geom_idx[keep].astype(np.int64)
        order = np.lexsort((pair_geom, pair_slot))
        counts = np.bincount(pair_slot, minlength=len(blocks))
        self._cand_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._cand = pair_geom[order]
        raster[cells] = _MIXED_BASE - np.arange(len(cells), dtype=np.int32)
        self.mixed_cell_count = len(cells)

    # --- queries ----------------------------------------------------------------------

    def locate(self, lng: float, lat: float) -> str | None:
        """Code of the grid containing the point (smallest code on shared edges), or None."""
        xmin, ymin, xmax, ymax = self._bounds
        # Written so that NaN fails every comparison and lands in "outside".
        if not (xmin <= lng <= xmax and ymin <= lat <= ymax):
            return None
        cx = min(int((lng - self._x0) * self._sx), self._nx - 1)
        cy = min(int((lat - self._y0) * self._sy), self._ny - 1)
        value = int(self._raster[cy * self._nx + cx])
        if value >= 0:
            return self.codes[value]
        if value == _OUTSIDE:
            return None
        slot = _MIXED_BASE - value
        candidates = self._cand[self._cand_ptr[slot]:self._cand_ptr[slot + 1]]
        # One vectorised call beats a Python loop of scalar calls even for two candidates.
        hits = np.flatnonzero(shapely.intersects_xy(self.geometries[candidates], lng, lat))
        # Candidates are ascending, so the first hit has the smallest code.
        return self.codes[int(candidates[hits[0]])] if len(hits) else None

    def locate_many(self, lngs: npt.ArrayLike, lats: npt.ArrayLike) -> IndexArray:
        """Index into `codes` per point (-1 when in no grid); same shape as the input."""
        x, y = np.broadcast_arrays(
            np.asarray(lngs, dtype=np.float64), np.asarray(lats, dtype=np.float64)
        )
        shape = x.shape
        x, y = x.ravel(), y.ravel()
        xmin, ymin, xmax, ymax = self._bounds
        # The test is on the coordinates themselves, not on the scaled ones, so a point on
        # the bbox edge (maybe on a grid's edge) is never lost to rounding; NaN fails it.
        inside = (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
        out = np.full(len(x), _OUTSIDE, dtype=np.int64)
        pos = np.flatnonzero(inside)
        # Truncation is floor here (non-negative); the max edge belongs to the last cell.
        cx = np.minimum(((x[pos] - self._x0) * self._sx).astype(np.int64), self._nx - 1)
        cy = np.minimum(((y[pos] - self._y0) * self._sy).astype(np.int64), self._ny - 1)
        values = self._raster[cy * self._nx + cx]
        out[pos] = values
        mixed = values <= _MIXED_BASE
        if mixed.any():
            pts = pos[mixed]
            out[pts] = self._resolve_mixed(x[pts], y[pts], _MIXED_BASE - values[mixed])
        return out.reshape(shape)

    def _resolve_mixed(
        self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], slots: IndexArray
    ) -> IndexArray:
        starts = self._cand_ptr[slots]
        counts = self._cand_ptr[slots + 1] - starts
        point = np.repeat(np.arange(len(slots)), counts)
        # Position of every (point, candidate) pair inside its cell's candidate list.
        offsets = np.arange(len(point)) - np.repeat(np.cumsum(counts) - counts, counts)
        cand = self._cand[np.repeat(starts, counts) + offsets]
        hit = shapely.intersects_xy(self.geometries[cand], x[point], y[point])
        point, cand = point[hit], cand[hit]
        result = np.full(len(slots), _OUTSIDE, dtype=np.int64)
        # Pairs are grouped by point with candidates ascending: the first hit is the smallest.
        first = np.ones(len(point), dtype=bool)
        first[1:] = point[1:] != point[:-1]
        result[point[first]] = cand[first]
        return result


def _strtree_locate(tree: shapely.STRtree, lngs: npt.ArrayLike, lats: npt.ArrayLike) -> IndexArray:
    """Reference implementation: query every point in the STRtree (same boundary rule)."""
    x = np.asarray(lngs, dtype=np.float64)
    y = np.asarray(lats, dtype=np.float64)
    point_idx, geom_idx = tree.query(shapely.points(x, y), predicate="intersects")
    out = np.full(len(x), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, point_idx, geom_idx.astype(np.int64))
    out[out == np.iinfo(np.int64).max] = _OUTSIDE
    return out


def bench_locate(
    index: GridIndex, n: int = 1_000_000, seed: int = 1, repeats: int = 3
) -> dict[str, float]:
    """Time `locate_many` against a plain STRtree query on n uniform points in the bbox.

    Each method is timed `repeats` times on the same points and the best run is kept, so a
    busy machine disturbs the ratio less. `agreement` is the fraction of points on which
    both give the same answer (expected: 1.0).
    """
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = index.bounds
    x = rng.uniform(xmin, xmax, n)
    y = rng.uniform(ymin, ymax, n)

    def best_of(run: Callable[[slice], IndexArray]) -> tuple[IndexArray, float]:
        run(slice(0, 10_000))  # warm-up, so one-off lazy initialisation is not timed
        best = math.inf
        result = np.empty(0, dtype=np.int64)
        for _ in range(max(1, repeats)):
            start = time.perf_counter()
            result = run(slice(None))
            best = min(best, time.perf_counter() - start)
        return result, best

    fast, fast_s = best_of(lambda part: index.locate_many(x[part], y[part]))
    slow, slow_s = best_of(lambda part: _strtree_locate(index.tree, x[part], y[part]))
    return {
        "n": float(n),
        "seconds": fast_s,
        "points_per_s": n / fast_s,
        "baseline_seconds": slow_s,
        "baseline_points_per_s": n / slow_s,
        "speedup": slow_s / fast_s,
        "agreement": float(np.mean(fast == slow)) if n else 1.0,
        "inside_fraction": float(np.mean(fast >= 0)) if n else 0.0,
    }
