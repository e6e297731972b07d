"""Importers for official division codes (CSV) and grid polygons (GeoJSON).

Both validate the whole file before writing anything and then write inside one
transaction, so a bad file leaves the database exactly as it was. Problems are
reported together, each naming its row or feature, because an operator fixing a
spreadsheet wants the full list, not one error per attempt.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from shaobao.core.errors import ImportFailed
from shaobao.geo.crs import Crs, to_wgs84_many
from shaobao.geo.models import Division, DivisionLevel, GeoRevision, Grid
from shaobao.geo.names import short_division_name

# The statistics bureau's files say county/town/village; we speak of district/street/community.
LEVEL_ALIASES = {
    "city": DivisionLevel.CITY,
    "county": DivisionLevel.DISTRICT,
    "district": DivisionLevel.DISTRICT,
    "town": DivisionLevel.STREET,
    "street": DivisionLevel.STREET,
    "township": DivisionLevel.STREET,
    "village": DivisionLevel.COMMUNITY,
    "community": DivisionLevel.COMMUNITY,
}
PARENT_LEVEL = {
    DivisionLevel.STREET: DivisionLevel.DISTRICT,
    DivisionLevel.COMMUNITY: DivisionLevel.STREET,
    DivisionLevel.DISTRICT: DivisionLevel.CITY,
}
CODE_LENGTHS = {DivisionLevel.CITY: (4, 6), DivisionLevel.DISTRICT: (6,),
                DivisionLevel.STREET: (9,), DivisionLevel.COMMUNITY: (12,)}
# Polygons may touch along shared edges; anything overlapping more than ~1 m² is an error.
OVERLAP_TOLERANCE_DEG2 = 1e-10


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0

    def __str__(self) -> str:
        return (f"新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}，"
                f"停用 {self.closed}")


def read_text(path: Path | str) -> str:
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"文件 {path} 不是 UTF-8 编码（第 {exc.start} 字节附近无法解码，"
            "可能是 GBK/GB18030）。请用“另存为 UTF-8”后重试。",
            code="bad_encoding",
        ) from exc


@dataclass
class _DivisionRow:
    line: int
    code: str
    name: str
    parent_code: str
    level: DivisionLevel
    data_year: int | None


def _parse_division_rows(text: str) -> list[_DivisionRow]:
    reader = csv.DictReader(io.StringIO(text))
    required = {"code", "name", "parent_code", "level"}
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise ImportFailed(f"缺少列：{', '.join(sorted(missing))}（需要 code,name,parent_code,level）",
                           code="missing_columns")
    rows: list[_DivisionRow] = []
    problems: list[str] = []
    for line, rec in enumerate(reader, start=2):
        code = (rec.get("code") or "").strip()
        name = (rec.get("name") or "").strip()
        level_raw = (rec.get("level") or "").strip().lower()
        level = LEVEL_ALIASES.get(level_raw)
        if not code.isdigit():
            problems.append(f"第 {line} 行：代码“{code}”必须全为数字")
            continue
        if not name:
            problems.append(f"第 {line} 行：名称为空")
            continue
        if level is None:
            problems.append(f"第 {line} 行：未知层级“{level_raw}”")
            continue
        if len(code) not in CODE_LENGTHS[level]:
            problems.append(f"第 {line} 行：{level.label}代码应为 "
                            f"{'/'.join(map(str, CODE_LENGTHS[level]))} 位，实为 {len(code)} 位")
            continue
        year_raw = (rec.get("data_year") or "").strip()
        rows.append(_DivisionRow(line, code, name, (rec.get("parent_code") or "").strip(), level,
                                 int(year_raw) if year_raw.isdigit() else None))
    seen: dict[str, int] = {}
    for row in rows:
        if row.code in seen:
            problems.append(f"第 {row.line} 行：代码 {row.code} 与第 {seen[row.code]} 行重复")
        seen.setdefault(row.code, row.line)
    if problems:
        raise ImportFailed(f"区划文件有 {len(problems)} 处错误，未导入任何数据：", details=problems)
    return rows


def divisions_import(path: Path | str) -> ImportResult:
    """Create or update divisions from a statistics-bureau style CSV, all or nothing."""
    rows = _parse_division_rows(read_text(path))
    in_file = {r.code: r for r in rows}
    existing = {d.code: d for d in Division.objects.all()}
    problems = []
    for row in rows:
        if row.level in (DivisionLevel.CITY, DivisionLevel.DISTRICT):
            continue  # top of this file's tree; its parent may live in another system
        parent = in_file.get(row.parent_code) or existing.get(row.parent_code)
        parent_level = parent.level if parent else None
        if parent is None:
            problems.append(f"第 {row.line} 行：上级代码 {row.parent_code} 不存在"
                            "（请先导入上级区划，或把它加入本文件）")
        elif parent_level != PARENT_LEVEL[row.level]:
            problems.append(f"第 {row.line} 行：{row.level.label}的上级应为"
                            f"{PARENT_LEVEL[row.level].label}，而 {row.parent_code} 是{parent_level}")
    if problems:
        raise ImportFailed(f"区划文件有 {len(problems)} 处错误，未导入任何数据：", details=problems)

    result = ImportResult()
    order = [DivisionLevel.CITY, DivisionLevel.DISTRICT, DivisionLevel.STREET,
             DivisionLevel.COMMUNITY]
    with transaction.atomic():
        by_code = dict(existing)
        for level in order:
            for row in (r for r in rows if r.level == level):
                parent = by_code.get(row.parent_code)
                values = {"name": row.name, "short_name": short_division_name(row.name),
                          "level": row.level, "parent": parent, "data_year": row.data_year}
                current = by_code.get(row.code)
                if current is None:
                    by_code[row.code] = Division.objects.create(code=row.code, **values)
                    result.created += 1
                elif any(getattr(current, k) != v for k, v in values.items()):
                    for key, value in values.items():
                        setattr(current, key, value)
                    current.save()
                    result.updated += 1
                else:
                    result.unchanged += 1
    return result


@dataclass
class _GridFeature:
    index: int
    code: str
    name: str
    community_code: str
    geometry: BaseGeometry


def _reproject(geom: BaseGeometry, crs: Crs) -> BaseGeometry:
    if crs == Crs.WGS84:
        return geom

    def convert(coords: np.ndarray) -> np.ndarray:
        lngs, lats = to_wgs84_many(coords[:, 0], coords[:, 1], crs)
        return np.column_stack([lngs, lats])

    return shapely.transform(geom, convert)


def _parse_grid_features(text: str, crs: Crs) -> list[_GridFeature]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"不是有效的 GeoJSON：第 {exc.lineno} 行第 {exc.colno} 列 {exc.msg}",
                           code="bad_json") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImportFailed("GeoJSON 顶层必须是 FeatureCollection", code="bad_geojson")
    problems: list[str] = []
    features: list[_GridFeature] = []
    for i, feature in enumerate(data.get("features") or [], start=1):
        props = (feature or {}).get("properties") or {}
        code = str(props.get("code") or "").strip()
        label = f"第 {i} 个要素" + (f"（{code}）" if code else "")
        if not code:
            problems.append(f"{label}：缺少 code 属性")
            continue
        try:
            geom = shape(feature.get("geometry"))
        except Exception as exc:  # shapely raises several types for malformed input
            problems.append(f"{label}：几何无法解析（{exc}）")
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            problems.append(f"{label}：几何必须是非空的 Polygon 或 MultiPolygon")
            continue
        if not geom.is_valid:
            problems.append(f"{label}：多边形无效（{explain_validity(geom)}）")
            continue
        community = str(props.get("community") or code[:12])
        features.append(_GridFeature(i, code, str(props.get("name") or code), community,
                                     _reproject(geom, crs)))
    seen: dict[str, int] = {}
    for f in features:
        if f.code in seen:
            problems.append(f"第 {f.index} 个要素：网格编码 {f.code} 与第 {seen[f.code]} 个要素重复")
        seen.setdefault(f.code, f.index)
    if problems:
        raise ImportFailed(f"网格文件有 {len(problems)} 处错误，未导入任何数据：", details=problems)
    return features


def _overlap_problems(items: list[tuple[str, BaseGeometry]]) -> list[str]:
    geoms = [g for _, g in items]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    problems = []
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a >= b:
            continue
        area = geoms[a].intersection(geoms[b]).area
        if area > OVERLAP_TOLERANCE_DEG2:
            problems.append(f"网格 {items[a][0]} 与 {items[b][0]} 重叠（约 "
                            f"{area * 1.1e10:.0f} 平方米）")
    return problems


def grids_import(path: Path | str, *, valid_from: date | None = None,
                 crs: Crs = Crs.WGS84, replace_all: bool = False) -> ImportResult:
    """Import grid polygons; changed grids get a new version, unchanged ones are left alone.

    With `replace_all` the file is the complete new grid set (a re-cut): current grids
    missing from it are closed on `valid_from`. Cases keep their old grid rows.
    """
    features = _parse_grid_features(read_text(path), crs)
    start = valid_from or timezone.localdate()
    communities = {d.code: d for d in Division.objects.filter(level=DivisionLevel.COMMUNITY)}
    problems = [f"第 {f.index} 个要素（{f.code}）：所属村社区 {f.community_code} 不存在"
                for f in features if f.community_code not in communities]
    current = {g.code: g for g in Grid.objects.filter(valid_to__isnull=True)}
    in_file = {f.code for f in features}
    kept = [] if replace_all else [(c, shape(g.geometry)) for c, g in current.items()
                                   if c not in in_file]
    problems += _overlap_problems([(f.code, f.geometry) for f in features] + kept)
    if problems:
        raise ImportFailed(f"网格文件有 {len(problems)} 处错误，未导入任何数据：", details=problems)

    result = ImportResult()
    with transaction.atomic():
        for f in features:
            geojson = _rounded_geojson(f.geometry)
            community = communities[f.community_code]
            old = current.get(f.code)
            if old and old.geometry == geojson and old.name == f.name \
                    and old.community_id == community.id:
                result.unchanged += 1
                continue
            if old and old.valid_from >= start:
                # Corrected on the day it took effect: no period of validity to preserve.
                old.geometry, old.name, old.community = geojson, f.name, community
                old.area_km2 = _area_km2(f.geometry)
                old.save()
                result.updated += 1
                continue
            if old:
                _close_grid(old, start)
                result.updated += 1
            else:
                result.created += 1
            Grid.objects.create(code=f.code, name=f.name, community=community, geometry=geojson,
                                area_km2=_area_km2(f.geometry), valid_from=start)
        if replace_all:
            for code, old in current.items():
                if code not in in_file:
                    _close_grid(old, start)
                    result.closed += 1
        if result.created or result.updated or result.closed:
            georevision_bump()
    return result


def _close_grid(grid: Grid, on: date) -> None:
    grid.valid_to = on
    grid.save(update_fields=["valid_to"])


def _rounded_geojson(geom: BaseGeometry) -> dict[str, Any]:
    rounded = shapely.set_precision(geom, 1e-7)
    return json.loads(json.dumps(mapping(rounded)))


def _area_km2(geom: BaseGeometry) -> float:
    # Equirectangular approximation: good to a fraction of a percent at a district's size.
    lat = geom.centroid.y
    return geom.area * (111.32 ** 2) * math.cos(math.radians(lat))


def georevision_bump() -> None:
    if not GeoRevision.objects.filter(pk=1).update(revision=F("revision") + 1):
        GeoRevision.objects.create(pk=1, revision=1)
