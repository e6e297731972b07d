"""Who may see which indicators: the one gate for stats, reports and exports."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from shaobao.analytics.facts import BEIJING
from shaobao.analytics.kpis import Scope
from shaobao.core.errors import Forbidden, InvalidInput, NotFound
from shaobao.core.rules import product_rule
from shaobao.geo.models import Division
from shaobao.org.models import Department, Role, User

ALL_STATS_ROLES = frozenset({Role.COMMAND, Role.LEADER, Role.ADMIN})


def parse_day(value: str | None, name: str, default: date) -> date:
    """A date, or an ISO datetime taken as its Beijing calendar day."""
    if not value:
        return default
    try:
        d = parse_date(value)
    except ValueError:
        d = None
    if d is not None:
        return d
    try:
        dt = parse_datetime(value)
    except ValueError:
        dt = None
    if dt is None:
        raise InvalidInput(f"{name} 应为日期（2026-01-31）或 ISO 8601 时间", code="bad_date",
                           details={"field": name})
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=BEIJING)
    return dt.astimezone(BEIJING).date()


def parse_period(frm: str | None, to: str | None) -> tuple[date, date]:
    today = timezone.now().astimezone(BEIJING).date()
    end = parse_day(to, "to", today)
    start = parse_day(frm, "from", end.replace(month=1, day=1))
    if start > end:
        raise InvalidInput("from 不能晚于 to", code="bad_period")
    if end - start > timedelta(days=3700):
        raise InvalidInput("统计区间最长十年", code="bad_period")
    return start, end


def parse_month(value: str | None) -> date:
    if not value:
        today = timezone.now().astimezone(BEIJING).date()
        return today.replace(day=1)
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise InvalidInput("month 格式应为 YYYY-MM", code="bad_month") from exc


def stats_scope_for(user: User, *, division: str | None = None,
                    department: str | None = None, item: str | None = None
                    ) -> tuple[Scope, dict[str, Any]]:
    """The scope asked for, narrowed (or refused) by what the user may see.

    Command centre, leaders and administrators see everything; a department only its own
    cases; a street its street and the communities in it; everybody else nothing (403).
    """
    scope = Scope(district_code=product_rule("DISTRICT_CODE"))
    described: dict[str, Any] = {"district": scope.district_code}
    if division:
        div = Division.objects.filter(code=division).first()
        if div is None:
            raise NotFound(f"区划“{division}”不存在", code="unknown_division")
        if div.level == "street":
            scope = replace(scope, street_id=div.pk)
        elif div.level == "community":
            scope = replace(scope, community_id=div.pk)
        elif div.level != "district":
            raise InvalidInput("division 应为区县、街道或社区代码", code="bad_division")
        elif div.code != scope.district_code:
            scope = replace(scope, district_code=div.code)
        described["division"] = {"code": div.code, "name": div.name, "level": div.level}
    if department:
        dept = Department.objects.filter(code=department).first()
        if dept is None:
            raise NotFound(f"部门“{department}”不存在", code="unknown_department")
        scope = replace(scope, department_id=dept.pk)
        described["department"] = {"code": dept.code, "name": dept.short_name or dept.name}
    if item is not None and item != "":
        scope = replace(scope, item_code=item)
        described["item"] = item
    if user.is_superuser or user.role in ALL_STATS_ROLES:
        return scope, described
    if user.role == Role.DEPARTMENT and user.department_id:
        if scope.department_id is not None and scope.department_id != user.department_id:
            raise Forbidden("只能查看本部门的统计")
        dept = user.department
        described["department"] = {"code": dept.code, "name": dept.short_name or dept.name} \
            if dept else None
        return replace(scope, department_id=user.department_id), described
    if user.role == Role.STREET and user.division_id:
        own = user.division_id
        if scope.street_id is not None and scope.street_id != own:
            raise Forbidden("只能查看本街道的统计")
        if scope.community_id is not None and not Division.objects.filter(
                pk=scope.community_id, parent_id=own).exists():
            raise Forbidden("只能查看本街道的统计")
        if scope.street_id is None and scope.community_id is None and user.division:
            described["division"] = {"code": user.division.code, "name": user.division.name,
                                     "level": user.division.level}
        return replace(scope, street_id=own), described
    raise Forbidden("您的角色无权查看统计")
