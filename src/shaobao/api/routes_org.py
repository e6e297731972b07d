"""Who am I, departments, the whistle list, points."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.http import HttpRequest
from ninja import Query, Router, Schema

from shaobao.api.schemas import CatalogueOut, DepartmentOut, ErrorOut, MeOut, PointsOut
from shaobao.catalogue.models import CatalogueVersion
from shaobao.catalogue.selectors import current_categories, current_items
from shaobao.core.errors import InvalidInput, NotFound
from shaobao.org.models import Department, Role, User
from shaobao.points.models import PointsEntry

router = Router(tags=["组织与清单"])
secured = Router(tags=["组织与清单"])


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@secured.get("/me", response=MeOut, summary="当前用户及其范围")
def me(request: HttpRequest) -> dict[str, Any]:
    user = user_of(request)
    scope: dict[str, Any] = {}
    if user.division_id and user.division:
        scope["division"] = {"code": user.division.code, "name": user.division.display_name,
                             "level": user.division.level}
    if user.department_id and user.department:
        scope["department"] = {"code": user.department.code, "name": user.department.name}
    if user.grid_code:
        scope["grid"] = user.grid_code
    if user.role in (Role.COMMAND, Role.LEADER, Role.ADMIN):
        scope["district"] = True
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "role_label": Role(user.role).label, "scope": scope}


@router.get("/departments", response=list[DepartmentOut], summary="职能部门")
def departments(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"code": d.code, "name": d.name, "short_name": d.short_name, "name_en": d.name_en,
             "kind": d.kind} for d in Department.objects.filter(active=True)]


@router.get("/catalogue", response={200: CatalogueOut, 404: ErrorOut}, summary="现行吹哨清单")
def catalogue(request: HttpRequest) -> dict[str, Any]:
    version = CatalogueVersion.objects.filter(is_current=True).first()
    if version is None:
        raise NotFound("尚未导入吹哨清单", code="no_catalogue")
    by_category: dict[int, list[dict[str, Any]]] = {}
    for item in current_items().order_by("position"):
        by_category.setdefault(item.category_id, []).append({
            "code": item.code, "name": item.name, "name_en": item.name_en,
            "description": item.description, "keywords": item.keywords,
            "lead_department": item.lead_department.code,
            "co_departments": [d.code for d in item.co_departments.all()],
            "check_in": {"limit": item.check_in_limit, "kind": item.check_in_kind},
            "handle": {"limit": item.handle_limit, "kind": item.handle_kind},
            "priority": item.priority})
    return {"name": version.name, "version": version.label,
            "categories": [{"code": c.code, "name": c.name, "name_en": c.name_en,
                            "items": by_category.get(c.id, [])} for c in current_categories()]}


class PointsQuery(Schema):
    department: str | None = None
    month: str | None = None


@secured.get("/points", response={200: PointsOut, 400: ErrorOut, 404: ErrorOut}, summary="部门积分明细")
def points(request: HttpRequest, q: Query[PointsQuery]) -> dict[str, Any]:
    user = user_of(request)
    qs = PointsEntry.objects.select_related("department", "case").order_by("at", "id")
    department = q.department
    if user.role == Role.DEPARTMENT:
        own = user.department.code if user.department else None
        if department and department != own:
            raise NotFound("只能查看本部门积分")
        department = own
    elif user.role not in (Role.COMMAND, Role.LEADER, Role.ADMIN, Role.STREET, Role.STATION):
        raise NotFound("无权查看积分")
    if department:
        qs = qs.filter(department__code=department)
    if q.month:
        if len(q.month) != 7 or q.month[4] != "-":
            raise InvalidInput("month 格式应为 YYYY-MM")
        qs = qs.filter(month=q.month)
    entries = list(qs[:5000])
    return {"department": department, "month": q.month,
            "total": qs.aggregate(total=Sum("points"))["total"] or 0,
            "entries": [{"id": e.id, "department": e.department.code,
                         "case": e.case.number if e.case else None, "rule": e.rule,
                         "points": e.points, "reason": e.reason, "month": e.month,
                         "at": e.at.isoformat()} for e in entries]}
