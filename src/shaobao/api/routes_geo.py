"""Divisions, grids and point location."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from shaobao.api.schemas import DivisionOut, ErrorOut, GridOut, LocateOut
from shaobao.core.errors import InvalidInput
from shaobao.geo.locate import locate_point, parse_crs
from shaobao.geo.models import Division, DivisionLevel, Grid

router = Router(tags=["区划与网格"])


class DivisionFilter(Schema):
    level: str | None = None
    parent: str | None = None


@router.get("/divisions", response=list[DivisionOut], summary="区划列表")
def divisions(request: HttpRequest, filters: Query[DivisionFilter]) -> list[dict[str, Any]]:
    qs = Division.objects.select_related("parent").filter(valid_to__isnull=True)
    if filters.level:
        if filters.level not in DivisionLevel.values:
            raise InvalidInput(f"level 必须是 {'、'.join(DivisionLevel.values)} 之一")
        qs = qs.filter(level=filters.level)
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    return [{"code": d.code, "name": d.name, "short_name": d.display_name, "level": d.level,
             "parent": d.parent.code if d.parent else None} for d in qs]


class GridFilter(Schema):
    community: str | None = None
    street: str | None = None
    geometry: bool = False


@router.get("/grids", response=list[GridOut], summary="网格列表（geometry=true 时含边界）")
def grids(request: HttpRequest, filters: Query[GridFilter]) -> list[dict[str, Any]]:
    qs = Grid.objects.filter(valid_to__isnull=True).select_related("community",
                                                                    "community__parent")
    if filters.community:
        qs = qs.filter(community__code=filters.community)
    if filters.street:
        qs = qs.filter(community__parent__code=filters.street)
    if not filters.geometry:
        qs = qs.defer("geometry")
    out = []
    for g in qs:
        row: dict[str, Any] = {
            "code": g.code, "name": g.name, "community": g.community.code,
            "street": g.community.parent.code if g.community.parent else None,
            "area_km2": round(g.area_km2, 4), "valid_from": g.valid_from.isoformat(),
            "valid_to": g.valid_to.isoformat() if g.valid_to else None}
        if filters.geometry:
            row["geometry"] = g.geometry
        out.append(row)
    return out


class LocateQuery(Schema):
    lat: float
    lng: float
    crs: str | None = None


@router.get("/grids/locate", response={200: LocateOut, 404: ErrorOut, 400: ErrorOut},
            summary="坐标定位到网格、社区、街道")
def locate(request: HttpRequest, q: Query[LocateQuery]) -> dict[str, Any]:
    return locate_point(q.lat, q.lng, parse_crs(q.crs)).as_dict()
