"""Small helpers shared by the governance services: actors, lookups, months."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from shaobao.core.errors import Forbidden, InvalidInput, NotFound
from shaobao.geo.models import Division, DivisionLevel
from shaobao.org.models import Department, Role, User

T = TypeVar("T")
LOCAL = ZoneInfo("Asia/Shanghai")
DISTRICT_ROLES = frozenset({Role.COMMAND, Role.LEADER, Role.ADMIN})


def month_of(at: datetime) -> str:
    return at.astimezone(LOCAL).strftime("%Y-%m")


def check_month(month: str | None) -> str | None:
    if month is None:
        return None
    if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
        raise InvalidInput("month 格式应为 YYYY-MM", code="bad_month")
    return month


def is_district(actor: User) -> bool:
    return bool(actor.is_superuser) or actor.role in DISTRICT_ROLES


def require_role(actor: User, roles: Iterable[str], message: str) -> None:
    if actor.is_superuser and Role.ADMIN in set(roles):
        return
    if actor.role not in set(roles):
        raise Forbidden(message)


def department_by_code(code: str) -> Department:
    dept = Department.objects.filter(code=str(code), active=True).first()
    if dept is None:
        raise InvalidInput(f"部门“{code}”不存在或已停用", code="unknown_department")
    return dept


def division_by_code(code: str, level: str) -> Division:
    division = Division.objects.filter(code=str(code), level=level).first()
    if division is None:
        label = DivisionLevel(level).label
        raise InvalidInput(f"{label}“{code}”不存在", code="unknown_division")
    return division


def get_or_404(obj: T | None, message: str) -> T:
    if obj is None:
        raise NotFound(message)
    return obj
