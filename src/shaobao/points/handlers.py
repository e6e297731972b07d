"""Turn the facts of a case event into ledger entries (registered in PointsConfig.ready)."""

from __future__ import annotations

from shaobao.cases.hooks import EventContext
from shaobao.org.models import Department
from shaobao.points.rules import Rule
from shaobao.points.services import points_award

# Facts that score the case's lead department, and the rule each one applies.
LEAD_FACTS: dict[str, Rule] = {
    "check_in_on_time": Rule.CHECK_IN_ON_TIME,
    "check_in_late": Rule.CHECK_IN_LATE,
    "closed_on_time": Rule.CLOSED_ON_TIME,
    "closed_late": Rule.CLOSED_LATE,
    "rework": Rule.REWORK,
    "rated_satisfied": Rule.RATED_SATISFIED,
    "rated_unsatisfied": Rule.RATED_UNSATISFIED,
    "supervised": Rule.SUPERVISED,
}


def award_points_for_event(ctx: EventContext) -> None:
    case, event = ctx.case, ctx.event
    lead = case.lead_department
    for fact in sorted(ctx.facts):
        rule = LEAD_FACTS.get(fact)
        if rule is not None and lead is not None and case.whistled_at is not None:
            points_award(lead, rule, case=case, event=event, at=event.at)
    if "unjustified_return" in ctx.facts:
        returned = Department.objects.filter(code=event.payload.get("returned_by")).first()
        if returned is not None:
            points_award(returned, Rule.UNJUSTIFIED_RETURN, case=case, event=event, at=event.at)
