"""Regenerate the shipped 大观区 outline (WGS-84) from the DataV/AMap boundary (GCJ-02).

    PYTHONPATH=src python -m shaobao.demo.outline_build SRC.geojson [DST.geojson]

The source is third-party data that we keep read-only outside the package; the output is
what the demo and the tests use, so it is checked in and must be reproducible from here.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from shaobao.geo.crs import Crs, to_wgs84_many

DEFAULT_DST = Path(__file__).resolve().parent / "data" / "daguan_outline.geojson"

SOURCE_CRS = Crs.GCJ02
# ~30 m at this latitude: invisible at district zoom, yet it trims redundant vertices.
SIMPLIFY_TOLERANCE_DEG = 0.0003
# Parts (and holes) smaller than this are digitising slivers, not territory.
MIN_PART_KM2 = 0.05
DECIMALS = 6  # ~0.1 m, well below the accuracy of a GCJ-02-derived boundary
_MEAN_EARTH_RADIUS_KM = 6371.0088


def area_km2(geom: BaseGeometry) -> float:
    """Approximate area of a lng/lat geometry in km² (local equirectangular scale).

    Good to a fraction of a percent for district-sized shapes, which is all a sliver
    threshold needs.
    """
    if geom.is_empty:
        return 0.0
    lat = geom.centroid.y
    km_per_deg = math.pi * _MEAN_EARTH_RADIUS_KM / 180.0
    return float(geom.area) * km_per_deg * km_per_deg * math.cos(math.radians(lat))


def polygon_parts(geom: BaseGeometry) -> list[Polygon]:
    """The polygons inside any geometry (dropping points and lines, e.g. from make_valid)."""
    parts = shapely.get_parts(geom)
    out: list[Polygon] = []
    for part in parts:
        if isinstance(part, Polygon):
            if not part.is_empty:
                out.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            out.extend(polygon_parts(part))
    return out


def _to_wgs84(geom: BaseGeometry, crs: Crs) -> BaseGeometry:
    def convert(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lngs, lats = to_wgs84_many(coords[:, 0], coords[:, 1], crs)
        return np.column_stack([lngs, lats])

    return shapely.transform(geom, convert)


def _drop_slivers(polygons: Iterable[Polygon], min_km2: float) -> list[Polygon]:
    kept: list[Polygon] = []
    for poly in polygons:
        if area_km2(poly) < min_km2:
            continue
        holes = [ring for ring in poly.interiors if area_km2(Polygon(ring)) >= min_km2]
        kept.append(Polygon(poly.exterior, holes))
    return kept


def clean_outline(
    geom: BaseGeometry,
    *,
    source_crs: Crs = SOURCE_CRS,
    tolerance: float = SIMPLIFY_TOLERANCE_DEG,
    min_part_km2: float = MIN_PART_KM2,
    decimals: int = DECIMALS,
) -> MultiPolygon:
    """Reproject to WGS-84, simplify, drop slivers and snap to `decimals` places."""
    geom = shapely.make_valid(_to_wgs84(geom, source_crs))
    simplified = shapely.simplify(
        shapely.MultiPolygon(polygon_parts(geom)), tolerance, preserve_topology=True
    )
    parts = _drop_slivers(polygon_parts(shapely.make_valid(simplified)), min_part_km2)
    if not parts:
        raise ValueError("outline has no part left after dropping slivers")
    # Snapping to the output grid here (rather than only rounding when writing) lets GEOS
    # repair anything the rounding would break, so the file we write is valid as written.
    snapped = shapely.set_precision(shapely.MultiPolygon(parts), 10.0**-decimals)
    parts = sorted(polygon_parts(shapely.normalize(snapped)), key=lambda p: -p.area)
    return MultiPolygon(parts)


def _rounded(value: Any, decimals: int) -> Any:
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_rounded(v, decimals) for v in value]
    return value


def outline_feature_collection(
    outline: MultiPolygon, properties: dict[str, Any], decimals: int = DECIMALS
) -> dict[str, Any]:
    geometry = shapely.geometry.mapping(outline)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": properties,
                "geometry": {
                    "type": geometry["type"],
                    "coordinates": _rounded(geometry["coordinates"], decimals),
                },
            }
        ],
    }


def load_geojson_geometry(path: str | Path) -> tuple[BaseGeometry, dict[str, Any]]:
    """Union of all feature geometries in a GeoJSON file, plus the first feature's properties."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    features = data["features"] if data.get("type") == "FeatureCollection" else [data]
    geoms = [shape(f["geometry"]) for f in features if f.get("geometry")]
    if not geoms:
        raise ValueError(f"{path}: no geometry")
    properties = dict(features[0].get("properties") or {})
    return shapely.union_all(geoms), properties


def main(src_path: str | Path, dst_path: str | Path = DEFAULT_DST) -> dict[str, float]:
    """Build `dst_path` from `src_path`; returns a few numbers worth printing."""
    raw, source_props = load_geojson_geometry(src_path)
    outline = clean_outline(raw)
    properties = {
        "adcode": source_props.get("adcode"),
        "name": source_props.get("name"),
        "crs": "WGS-84",
        "source": "DataV.GeoAtlas (AMap, GCJ-02) via lyhmyd1211/GeoMapData_CN, "
                  "converted to WGS-84 and simplified by shaobao.demo.outline_build",
    }
    text = json.dumps(
        outline_feature_collection(outline, properties),
        ensure_ascii=False,
        separators=(",", ":"),
    )
    data = (text + "\n").encode("utf-8")
    Path(dst_path).write_bytes(data)
    return {
        "source_parts": float(len(polygon_parts(raw))),
        "source_vertices": float(shapely.get_num_coordinates(raw)),
        "parts": float(len(outline.geoms)),
        "vertices": float(shapely.get_num_coordinates(outline)),
        "area_km2": area_km2(outline),
        "bytes": float(len(data)),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", help="GCJ-02 GeoJSON of the district (DataV export)")
    parser.add_argument("dst", nargs="?", default=str(DEFAULT_DST))
    args = parser.parse_args()
    for key, value in main(args.src, args.dst).items():
        print(f"{key}: {value:g}")
