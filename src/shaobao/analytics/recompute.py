"""Indicators recomputed from scratch by replaying `CaseEvent` rows (the rollups' proof).

Nothing here reads the facts or rollups, and nothing reads the case row except its
fixed attributes (created day, place, district) and, for the one time-dependent fact
(open and overdue), the deadlines the events set: each case's flags are derived by
folding its events in order, then summed in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shaobao.analytics.facts import OPEN, STAFF_FEEDBACK_EXCLUDED_ROLES, local_day
from shaobao.analytics.kpis import Scope, composite_of, rates_from
from shaobao.analytics.models import FLAGS
from shaobao.cases.deadlines import feedback_due_for
from shaobao.cases.models import Case, CaseEvent
from shaobao.cases.services.sweep import overdue_filter

FEEDBACK_EVENT_ACTIONS = frozenset({"accept", "reject", "merge", "take_in_station", "whistle",
                                    "handle"})


@dataclass
class Replay:
    status: str = ""
    item_code: str = ""
    department: str | None = None
    accepted: bool = False
    whistled: bool = False
    checked_in: bool = False
    check_in_on_time: bool = False
    last_close_on_time: bool = False
    rework: int = 0
    rating: str = ""
    resolved: bool = False
    feedback_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def apply(self, e: CaseEvent) -> None:
        p = e.payload or {}
        if p.get("item") and e.action in ("accept", "take_in_station", "whistle"):
            self.item_code = str(p["item"])
        if e.action in FEEDBACK_EVENT_ACTIONS and self.feedback_at is None:
            self.feedback_at = e.at
        if e.action == "comment" and p.get("public") and \
                e.role not in STAFF_FEEDBACK_EXCLUDED_ROLES and self.feedback_at is None \
                and e.from_status in OPEN:
            self.feedback_at = e.at
        if e.action == "accept":
            self.accepted = True
        elif e.action == "whistle":
            self.whistled = True
            self.department = p.get("lead_department")
            self.checked_in = self.check_in_on_time = False
        elif e.action == "check_in":
            self.checked_in = True
            self.check_in_on_time = bool(p.get("on_time"))
        elif e.action in ("return", "reopen"):  # a reopen keeps the rating (until re-rated)
            self.department = None
        elif e.action == "verify":
            if p.get("passed"):
                self.last_close_on_time = bool(p.get("on_time"))
            else:
                self.rework += 1
        elif e.action == "rate":
            self.rating = str(p.get("rating") or "")
            self.resolved = bool(p.get("resolved"))
        if e.to_status:
            self.status = e.to_status

    def flags(self, created_at: datetime, overdue: bool) -> dict[str, int]:
        s = self.status
        closed = s == "closed"
        due = feedback_due_for(created_at)
        return {
            "submitted": 1, "accepted": int(self.accepted), "rejected": int(s == "rejected"),
            "merged": int(s == "merged"),
            "due_to_close": int(self.accepted and s not in ("rejected", "merged")),
            "whistled": int(self.whistled), "checked_in": int(self.checked_in),
            "checked_in_on_time": int(self.checked_in and self.check_in_on_time),
            "closed": int(closed), "closed_on_time": int(closed and self.last_close_on_time),
            "overdue_open": int(overdue and s in OPEN), "reworked": self.rework,
            "rated": int(bool(self.rating)), "satisfied": int(self.rating == "satisfied"),
            "basically_satisfied": int(self.rating == "basically_satisfied"),
            "unsatisfied": int(self.rating == "unsatisfied"),
            "resolved": int(bool(self.rating) and self.resolved),
            "station_solved": int(closed and not self.whistled),
            "whistle_closed": int(closed and self.whistled),
            "feedback_3d": int(self.feedback_at is not None and self.feedback_at <= due),
            "rated_closed": int(closed and bool(self.rating)),
        }


def kpis_recompute_from_events(scope: Scope, frm: date, to: date, now: datetime,
                               *, department_ids: dict[str, int] | None = None,
                               ) -> dict[str, Any]:
    """Counts, rates and composite for cases reported frm..to in scope, from events only.

    `now` decides the one time-dependent fact: a case is open and overdue when its
    deadlines (as the events left them on the case) have passed at `now`.
    """
    from shaobao.org.models import Department

    dept_ids = department_ids or dict(Department.objects.values_list("code", "id"))
    overdue_ids = set(Case.objects.filter(overdue_filter(now)).values_list("id", flat=True))
    replays: dict[int, Replay] = {}
    for e in CaseEvent.objects.order_by("case_id", "at", "id").iterator(chunk_size=2000):
        replays.setdefault(e.case_id, Replay()).apply(e)
    totals = dict.fromkeys(FLAGS, 0)
    cases = Case.objects.values_list("id", "created_at", "district_code", "street_id",
                                     "community_id", "item__code")
    for case_id, created_at, district, street_id, community_id, item_code in cases:
        day = local_day(created_at)
        if not frm <= day <= to or case_id not in replays:
            continue
        r = replays[case_id]
        dept_id = dept_ids.get(r.department) if r.department else None
        item = r.item_code or (item_code or "")
        if scope.district_code is not None and district != scope.district_code:
            continue
        if scope.street_id is not None and street_id != scope.street_id:
            continue
        if scope.community_id is not None and community_id != scope.community_id:
            continue
        if scope.department_id is not None and dept_id != scope.department_id:
            continue
        if scope.item_code is not None and item != scope.item_code:
            continue
        for k, v in r.flags(created_at, case_id in overdue_ids).items():
            totals[k] += v
    rates = rates_from(totals)
    return {"counts": totals, "rates": rates, "composite": composite_of(rates)}
