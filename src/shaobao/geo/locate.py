"""Point → grid → community → street, from an in-memory index of the current grids.

Each process keeps one `GridIndex` built from the grids valid today. Grid imports bump
`GeoRevision`; processes notice the new revision within a few seconds and rebuild,
so a re-cut takes effect everywhere without a restart.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from shapely.geometry import shape

from shaobao.core.errors import InvalidInput, NotFound
from shaobao.geo.crs import Crs, to_wgs84
from shaobao.geo.models import Division, GeoRevision, Grid
from shaobao.geo.spatial import GridIndex

REVISION_CHECK_SECONDS = 3.0


@dataclass(frozen=True)
class Location:
    """Where a WGS-84 point falls; ids are the grid row and division rows valid now."""

    lng: float
    lat: float
    grid_id: int
    grid_code: str
    grid_name: str
    community_id: int
    community_code: str
    community_name: str
    street_id: int
    street_code: str
    street_name: str

    def as_dict(self) -> dict[str, object]:
        return {
            "lat": round(self.lat, 7), "lng": round(self.lng, 7),
            "grid": {"code": self.grid_code, "name": self.grid_name},
            "community": {"code": self.community_code, "name": self.community_name},
            "street": {"code": self.street_code, "name": self.street_name},
        }


class _IndexCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.revision: int | None = None
        self.checked_at = 0.0
        self.index: GridIndex | None = None
        self.meta: dict[str, Location] = {}
        self.grids: dict[int, Grid] = {}

    def get(self) -> tuple[GridIndex | None, dict[str, Location]]:
        now = time.monotonic()
        if self.index is not None and now - self.checked_at < REVISION_CHECK_SECONDS:
            return self.index, self.meta
        with self._lock:
            revision = GeoRevision.objects.filter(pk=1).values_list("revision", flat=True).first()
            self.checked_at = now
            if self.index is None or revision != self.revision:
                self._build()
                self.revision = revision
        return self.index, self.meta

    def invalidate(self) -> None:
        with self._lock:
            self.index = None

    def _build(self) -> None:
        grids = list(Grid.objects.filter(valid_to__isnull=True).select_related(
            "community", "community__parent"))
        meta: dict[str, Location] = {}
        for g in grids:
            community = g.community
            street: Division | None = community.parent
            meta[g.code] = Location(
                0.0, 0.0, g.id, g.code, g.name, community.id, community.code,
                community.display_name, street.id if street else 0,
                street.code if street else "", street.display_name if street else "")
        self.index = GridIndex([(g.code, shape(g.geometry)) for g in grids]) if grids else None
        self.meta = meta
        self.grids = {g.id: g for g in grids}


_cache = _IndexCache()


def grid_index_invalidate() -> None:
    _cache.invalidate()


def grid_of(where: Location) -> Grid:
    """The grid row (with its community and street loaded) of a located point.

    Comes from the same snapshot as the index that located the point, so intake needs no
    further query; callers read it, never change it (it is shared between requests).
    """
    grid = _cache.grids.get(where.grid_id)
    if grid is None:  # the snapshot was rebuilt in between: read the row itself
        grid = Grid.objects.select_related("community", "community__parent").get(
            pk=where.grid_id)
    return grid


def parse_crs(value: str | None) -> Crs:
    try:
        return Crs((value or "wgs84").lower())
    except ValueError as exc:
        raise InvalidInput(f"不支持的坐标系“{value}”，可选 wgs84、gcj02、bd09",
                           code="bad_crs") from exc


def check_coordinates(lat: float, lng: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidInput("坐标超出范围：纬度应在 -90～90，经度应在 -180～180",
                           code="bad_coordinates")


def locate_point(lat: float, lng: float, crs: Crs = Crs.WGS84) -> Location:
    """Locate a point given in any supported CRS; raises NotFound when it is in no grid."""
    check_coordinates(lat, lng)
    wlng, wlat = to_wgs84(lng, lat, crs)
    index, meta = _cache.get()
    code = index.locate(wlng, wlat) if index is not None else None
    if code is None:
        raise NotFound("该位置不在本系统管辖的任何网格内", code="outside_grids")
    return replace(meta[code], lng=wlng, lat=wlat)
