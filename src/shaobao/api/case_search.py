"""The case-list filters shared by the list, the export and anything else that lists cases."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from ninja import Schema

from shaobao.cases.models import Case, Status
from shaobao.core.errors import InvalidInput

CODE_LOOKUPS = {"street": "street__code", "community": "community__code", "grid": "grid__code",
                "item": "item__code", "channel": "channel"}


class CaseSearch(Schema):
    status: str | None = None
    street: str | None = None
    community: str | None = None
    grid: str | None = None
    department: str | None = None
    item: str | None = None
    channel: str | None = None
    overdue: bool | None = None
    q: str | None = None


def case_search_apply(qs: QuerySet[Case], f: CaseSearch) -> QuerySet[Case]:
    """Narrow an already scope-gated queryset by the query-string filters."""
    if f.status:
        statuses = f.status.split(",")
        unknown = set(statuses) - set(Status.values)
        if unknown:
            raise InvalidInput(f"未知状态：{'、'.join(sorted(unknown))}")
        qs = qs.filter(status__in=statuses)
    for name, lookup in CODE_LOOKUPS.items():
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{lookup: value})
    if f.department:
        qs = qs.filter(Q(lead_department__code=f.department)
                       | Q(co_departments__code=f.department)).distinct()
    if f.overdue is not None:
        qs = qs.filter(overdue=f.overdue)
    if f.q:
        qs = qs.filter(Q(description__icontains=f.q) | Q(number__icontains=f.q)
                       | Q(address__icontains=f.q))
    return qs
