"""Reads for the governance app: list lookups, statistics, rankings, absences."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from shaobao.governance.common import check_month
from shaobao.governance.models import (
    AdmissionItem,
    AdmissionList,
    Attendance,
    ItemStatus,
    MeetingMember,
    PartyPointsEntry,
    Place,
    PushOutcome,
    TaskPush,
)
from shaobao.org.models import Department

# Words every certificate name shares; they say nothing about *which* certificate.
_FILLER = re.compile(r"证明|证实|开具|出具|办理|需要|要|的|材料|一份|一张|社区|村委会?|居委会?"
                     r"|[\s，,。、（）()“”\"'？?！!：:；;]")


def _core(text: str) -> str:
    return _FILLER.sub("", text or "")


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def certificate_matches(query: str, *, limit: int = 5) -> list[AdmissionItem]:
    """Items on the 不应出具证明事项 list that a free-text certificate name refers to.

    A match is a keyword found in the query, or enough shared character pairs between the
    query and the item's title once the words every certificate shares are removed.
    """
    q = _core(query)
    if not q:
        return []
    scored: list[tuple[float, AdmissionItem]] = []
    for item in AdmissionItem.objects.filter(
            list_kind=AdmissionList.NO_CERTIFICATE, status=ItemStatus.ADMITTED).select_related(
            "department"):
        keywords = [k.strip() for k in item.keywords.replace("，", ",").split(",") if k.strip()]
        title = _core(item.title)
        score = 0.0
        if any(k in query for k in keywords) or (title and (title in q or q in title)):
            score = 1.0
        else:
            qb = _bigrams(q)
            shared = qb & (_bigrams(title) | {b for k in keywords for b in _bigrams(_core(k))})
            score = len(shared) / len(qb)
        if score >= 0.5:
            scored.append((score, item))
    scored.sort(key=lambda pair: (-pair[0], pair[1].position))
    return [item for _, item in scored[:limit]]


def admission_items_list(*, list_kind: str | None = None,
                         include_withdrawn: bool = False) -> QuerySet[AdmissionItem]:
    qs = AdmissionItem.objects.select_related("department")
    if list_kind:
        qs = qs.filter(list_kind=list_kind)
    if not include_withdrawn:
        qs = qs.filter(status=ItemStatus.ADMITTED)
    return qs.order_by("list_kind", "position", "code")


def push_stats(*, month: str | None = None, department: Department | None = None
               ) -> list[dict[str, Any]]:
    """Burden-reduction figures: pushes accepted and refused per department and month."""
    qs = TaskPush.objects.all()
    if check_month(month):
        qs = qs.filter(month=month)
    if department is not None:
        qs = qs.filter(department=department)
    rows = (qs.values("department__code", "department__name", "month")
            .annotate(total=Count("id"),
                      accepted=Count("id", filter=Q(outcome=PushOutcome.ACCEPTED)),
                      refused=Count("id", filter=Q(outcome=PushOutcome.REFUSED)))
            .order_by("month", "department__code"))
    return [{"department": r["department__code"], "department_name": r["department__name"],
             "month": r["month"], "total": r["total"], "accepted": r["accepted"],
             "refused": r["refused"]} for r in rows]


def meeting_absences(department: Department, month: str) -> int:
    """How many meetings in `month` (YYYY-MM, Beijing time) the department missed unexcused."""
    check_month(month)
    year, mon = int(month[:4]), int(month[5:])
    return MeetingMember.objects.filter(
        department=department, attendance=Attendance.ABSENT,
        meeting__scheduled_at__year=year, meeting__scheduled_at__month=mon).count()


def meeting_absences_by_department(month: str) -> list[dict[str, Any]]:
    check_month(month)
    year, mon = int(month[:4]), int(month[5:])
    rows = (MeetingMember.objects.filter(
        department__isnull=False, meeting__scheduled_at__year=year,
        meeting__scheduled_at__month=mon)
        .values("department__code", "department__name")
        .annotate(invited=Count("id"),
                  present=Count("id", filter=Q(attendance=Attendance.PRESENT)),
                  absent=Count("id", filter=Q(attendance=Attendance.ABSENT)))
        .order_by("-absent", "department__code"))
    return [{"department": r["department__code"], "department_name": r["department__name"],
             "invited": r["invited"], "present": r["present"], "absent": r["absent"]}
            for r in rows]


def party_ranking(*, place: str, department: str | None = None, community: str | None = None,
                  month: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Members ranked by their points in one ledger (unit or community), optionally scoped."""
    qs = PartyPointsEntry.objects.filter(place=place)
    if department:
        qs = qs.filter(department__code=department)
    if community:
        qs = qs.filter(community__code=community)
    if check_month(month):
        qs = qs.filter(month=month)
    rows = (qs.values("member_id", "member__name", "member__kind")
            .annotate(points=Sum("points")).order_by("-points", "member_id")[:limit])
    return [{"rank": n, "member": r["member_id"], "name": r["member__name"],
             "kind": r["member__kind"], "points": r["points"]}
            for n, r in enumerate(rows, start=1)]


def party_group_ranking(*, place: str, month: str | None = None) -> list[dict[str, Any]]:
    """Units (place=unit) or communities (place=community) ranked by members' points."""
    qs = PartyPointsEntry.objects.filter(place=place)
    if check_month(month):
        qs = qs.filter(month=month)
    key, name = (("department__code", "department__name") if place == Place.UNIT
                 else ("community__code", "community__name"))
    totals: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in qs.values(key, name).annotate(points=Sum("points"),
                                           members=Count("member", distinct=True)):
        totals[r[key]] = {"code": r[key], "name": r[name], "points": r["points"],
                          "members": r["members"],
                          "average": round(r["points"] / r["members"], 2) if r["members"] else 0}
    ordered = sorted(totals.values(), key=lambda r: (-r["points"], r["code"] or ""))
    return [{"rank": n, **r} for n, r in enumerate(ordered, start=1)]
