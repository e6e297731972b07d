"""Who may see recurring problems (hot spots, 每月一题 candidates): the one gate for the
API and the command-center screen.

It is the statistics gate (`stats_scope_for`) with two differences the issue asks for: a
station sees its own community (hot spots are its daily work), and a department sees
nothing, because a (community, item) ranking is about places, not about one department's
cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shaobao.analytics.selectors import stats_scope_for
from shaobao.core.errors import Forbidden
from shaobao.org.models import Role, User


@dataclass(frozen=True)
class RecurringScope:
    street_id: int | None = None
    community_id: int | None = None
    described: dict[str, Any] | None = None


def recurring_scope_for(user: User) -> RecurringScope:
    """The area whose recurring problems `user` may see; Forbidden for everybody else."""
    if not user.is_superuser:
        if user.role == Role.STATION and user.division_id and user.division:
            div = user.division
            return RecurringScope(community_id=div.pk, described={
                "division": {"code": div.code, "name": div.name, "level": div.level}})
        if user.role == Role.DEPARTMENT:
            raise Forbidden("职能部门无权查看各社区的高发问题")
    scope, described = stats_scope_for(user)
    return RecurringScope(street_id=scope.street_id, described=described)
