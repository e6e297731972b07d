"""The one gate through which code reads cases for a user (CONVENTIONS habit 8)."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from shaobao.cases.models import Case, CaseEvent, CaseFollow
from shaobao.core.errors import NotFound
from shaobao.org.models import Role, User

ALL_CASES_ROLES = frozenset({Role.COMMAND, Role.LEADER, Role.ADMIN})
# Roles entitled to see reporters' names and phones (they call residents back).
SEES_REPORTER_ROLES = frozenset({Role.COMMAND, Role.ADMIN, Role.STATION})


def case_scope_filter(user: User) -> Q:
    """What a user may see, as a filter: nothing unless a rule grants it."""
    if user.is_superuser or user.role in ALL_CASES_ROLES:
        return Q()
    own = Q(reporter=user)
    if user.role == Role.STREET and user.division_id:
        return Q(street_id=user.division_id) | own
    if user.role == Role.STATION and user.division_id:
        return Q(community_id=user.division_id) | own
    if user.role in (Role.GRID_WORKER, Role.GRID_POLICE) and user.grid_code:
        return Q(grid__code=user.grid_code) | own
    if user.role == Role.DEPARTMENT and user.department_id:
        return Q(lead_department_id=user.department_id) | Q(
            co_departments=user.department_id) | own
    return own


def case_list_for(user: User) -> QuerySet[Case]:
    qs = Case.objects.filter(case_scope_filter(user))
    if user.role == Role.DEPARTMENT:
        qs = qs.distinct()  # the co-department join may repeat a case
    # The grid's polygon is never shown with a case and is costly to decode row by row.
    return qs.select_related("item", "item__category", "grid", "community", "street",
                             "lead_department", "reporter").defer("grid__geometry")


def case_get_for(user: User, number: str) -> Case:
    """The case with this number if the user may see it; 404 otherwise (no existence leak)."""
    case = case_list_for(user).filter(number=number).first()
    if case is None:
        raise NotFound(f"案件 {number} 不存在或您无权查看", code="case_not_found")
    return case


def case_id_for(user: User, number: str) -> int:
    """Like `case_get_for` but only the id: the cheap visibility check before a locked read."""
    found = (Case.objects.filter(case_scope_filter(user), number=number)
             .values_list("id", flat=True).first())
    if found is None:
        raise NotFound(f"案件 {number} 不存在或您无权查看", code="case_not_found")
    return found


def sees_reporter(user: User, case: Case) -> bool:
    return user.role in SEES_REPORTER_ROLES or case.reporter_id == user.id or user.is_superuser


def mask_name(name: str) -> str:
    return (name[0] + "*" * (len(name) - 1)) if name else ""


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else ("*" * len(phone))


# Following (关注): a follower's gate is separate from `case_get_for` so that following
# never widens what the full case view, the events list or the actions allow.

def case_follows_for(user: User) -> QuerySet[CaseFollow]:
    """The user's follows with their cases, newest first, public events prefetched."""
    public = Prefetch("case__events", to_attr="public_events",
                      queryset=CaseEvent.objects.filter(public=True).order_by("at", "id"))
    return (CaseFollow.objects.filter(user=user)
            .select_related("case", "case__item", "case__community", "case__merged_into")
            .prefetch_related(public).order_by("-created_at", "-id"))


def case_followed_get(user: User, number: str) -> CaseFollow:
    """The user's follow of this case (with `case.public_events`); 404 if not following."""
    follow = case_follows_for(user).filter(case__number=number).first()
    if follow is None:
        raise NotFound(f"您没有关注案件 {number}", code="not_following")
    return follow
