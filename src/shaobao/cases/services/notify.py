"""Who hears about a case event. Rows are written in the event's transaction so none is lost."""

from __future__ import annotations

from django.db.models import Q

from shaobao.cases.models import Case, CaseEvent, CaseFollow, Notification
from shaobao.cases.workflow import ACTION_LABELS, Action
from shaobao.org.models import Role, User


def _recipients(case: Case, event: CaseEvent) -> Q | None:
    action = event.action
    station = Q(role=Role.STATION, division_id=case.community_id)
    lead = Q(role=Role.DEPARTMENT, department_id=case.lead_department_id)
    reporter = Q(id=case.reporter_id) if case.reporter_id is not None else None
    if action == Action.WHISTLE:
        co = list(case.co_departments.values_list("pk", flat=True))
        return lead | Q(role=Role.DEPARTMENT, department_id__in=co)
    if action in (Action.CHECK_IN, Action.RETURN, Action.REQUEST_EXTENSION, Action.ESCALATE):
        return station
    if action == Action.HANDLE:
        worker = Q(role=Role.GRID_WORKER, grid_code=case.grid.code if case.grid else "-")
        return station | worker
    if action in (Action.SUPERVISE, Action.DECIDE_EXTENSION) or (
            action == Action.VERIFY and not event.payload.get("passed")):
        return lead if case.lead_department_id else station
    if action in (Action.ACCEPT, Action.REJECT, Action.MERGE) or (
            action == Action.VERIFY and event.payload.get("passed")):
        return reporter
    if action == Action.COMMENT and event.public:
        return reporter
    return None


def notify_event(case: Case, event: CaseEvent) -> int:
    who = _recipients(case, event)
    ids: set[int] = set()
    if who is not None:
        # Ids only: every event notifies someone, and whole user rows are not needed.
        ids.update(User.objects.filter(who, is_active=True).values_list("id", flat=True))
    if event.public:
        # Followers hear about what the public timeline shows, never internal events. A
        # query of its own: OR-ed into the one above it would make the database scan
        # every user (residents are users too) instead of using its indexes.
        ids.update(CaseFollow.objects.filter(case_id=case.pk, user__is_active=True)
                   .values_list("user_id", flat=True))
    if event.actor_id is not None:
        ids.discard(event.actor_id)  # nobody is told what they did themselves
    if not ids:
        return 0
    text = f"案件 {case.number}：{ACTION_LABELS.get(Action(event.action), event.action)}"
    Notification.objects.bulk_create(
        [Notification(user_id=uid, case=case, event=event, text=text, at=event.at)
         for uid in sorted(ids)])
    return len(ids)
