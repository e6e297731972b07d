"""`case_transition`: the one service that performs every lifecycle action (SPEC §4).

Order of checks, each with its own error: the case must be visible (404), the
action known (400), the actor entitled (403), the `version` current (409), the
state one the table allows (422), the payload complete (400). Then, in one
transaction under a row lock: apply the action's effects, bump `version`, write one
event, notify, and run the registered event handlers (points).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import shift
from shaobao.cases import deadlines
from shaobao.cases.hooks import EventContext, run_event_handlers
from shaobao.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Rating,
    Status,
    Supervision,
    TaskKind,
)
from shaobao.cases.selectors import case_id_for
from shaobao.cases.services.follow import follows_carry_over
from shaobao.cases.services.notify import notify_event
from shaobao.cases.services.tasks import task_open_onsite_check, tasks_close_open
from shaobao.cases.workflow import (
    ACTION_LABELS,
    LEAD_DEPARTMENT,
    REPORTER,
    REWORK_TARGET_WITHOUT_DEPARTMENT,
    Action,
    Transition,
    allowed_from,
    transition_for,
)
from shaobao.catalogue.selectors import item_current_by_code
from shaobao.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotAllowedInState,
    NotFound,
    ShaobaoError,
)
from shaobao.core.rules import product_rule
from shaobao.org.models import Department, Role, User
from shaobao.org.services import SYSTEM_USERNAME, system_user

# Actions that count as the resident "hearing back" (3日内反馈).
FEEDBACK_ACTIONS = frozenset({Action.ACCEPT, Action.REJECT, Action.MERGE, Action.TAKE_IN_STATION,
                              Action.WHISTLE, Action.HANDLE})
INTERNAL_ACTIONS = frozenset({Action.REQUEST_EXTENSION, Action.DECIDE_EXTENSION,
                              Action.SUPERVISE, Action.RETURN})


@dataclass
class Applied:
    """What an action did, collected while applying it."""

    to_status: Status
    payload: dict[str, Any] = field(default_factory=dict)
    facts: set[str] = field(default_factory=set)
    after: list[Callable[[CaseEvent], None]] = field(default_factory=list)
    # An action the platform's own account performs next, in the same transaction, once
    # this one's event and handlers are done: (action, payload).
    then: tuple[Action, dict[str, Any]] | None = None


def performs_as(actor: User, case: Case, t: Transition) -> str | None:
    """'perform', 'request' or None: how this actor may take this action on this case."""
    def matches(performers: frozenset[str]) -> bool:
        for p in performers:
            if p == LEAD_DEPARTMENT:
                if actor.role == Role.DEPARTMENT and case.lead_department_id is not None \
                        and actor.department_id == case.lead_department_id:
                    return True
            elif p == REPORTER:
                if case.reporter_id == actor.id and actor.role in (Role.RESIDENT,
                                                                   Role.UNIT_LEADER):
                    return True
            elif actor.role == p and _in_scope(actor, case):
                return True
        return False

    if matches(t.performers):
        return "perform"
    if matches(t.requesters):
        return "request"
    return None


def _in_scope(actor: User, case: Case) -> bool:
    role = actor.role
    if role in (Role.COMMAND, Role.LEADER, Role.ADMIN):
        return True
    if role == Role.STATION:
        return actor.division_id is not None and actor.division_id == case.community_id
    if role == Role.STREET:
        return actor.division_id is not None and actor.division_id == case.street_id
    if role in (Role.GRID_WORKER, Role.GRID_POLICE):
        return bool(actor.grid_code) and case.grid is not None and \
            case.grid.code == actor.grid_code
    if role == Role.DEPARTMENT:
        return actor.department_id is not None and (
            actor.department_id == case.lead_department_id
            # .all() so a list that prefetched co_departments asks no query per case.
            or any(d.pk == actor.department_id for d in case.co_departments.all()))
    return case.reporter_id == actor.id


def allowed_actions_for(actor: User, case: Case) -> list[str]:
    """Actions this actor could take on this case now (for buttons and API hints)."""
    result = []
    for action in allowed_from(Status(case.status)):
        t = transition_for(action)
        if t and performs_as(actor, case, t) and _state_precondition(case, t) is None:
            result.append(str(action))
    return result


_CASE_COLUMNS = [f for f in Case._meta.concrete_fields if not f.primary_key]


def _column_values(case: Case) -> dict[str, Any]:
    """The case's column values by field name (copies of JSON values, so that changes
    made inside them still show as changes)."""
    return {f.name: copy.deepcopy(v) if isinstance(v := getattr(case, f.attname), dict | list)
            else v for f in _CASE_COLUMNS}


def _state_precondition(case: Case, t: Transition) -> str | None:
    """Extra state rules the table cannot express; returns why not, or None."""
    if t.action == Action.DECIDE_EXTENSION and not (
            case.pending_request and case.pending_request.get("type") == "extension"):
        return "没有待审批的延期申请"
    if t.action == Action.RATE and not awaits_rating(case):
        return "该案件已评价"
    return None


def awaits_rating(case: Case) -> bool:
    """Not rated, or rated before its latest closing (a reopened case, reworked): the
    rating kept from before counts until the new result is rated. `AWAITING_RATING` is
    the same rule as a database filter."""
    if not case.rating:
        return True
    return case.rated_at is not None and case.closed_at is not None \
        and case.rated_at < case.closed_at


AWAITING_RATING = Q(rating="") | Q(rated_at__lt=F("closed_at"))


def case_transition(actor: User, number: str, action: str, payload: dict[str, Any], *,
                    now: datetime | None = None) -> Case:
    """Perform `action` on case `number` as `actor`; returns the updated case."""
    case_id = case_id_for(actor, number)
    t, version = _transition_of(action), _version_of(payload)
    at = now or timezone.now()
    with transaction.atomic():
        rows = _locked([case_id])
        if not rows:  # gone since the visibility check (cases are never deleted, but)
            raise NotFound(f"案件 {number} 不存在或您无权查看", code="case_not_found")
        return _perform(actor, rows[0], t, version, payload, at)


def case_transitions_locked(actor: User, case_ids: list[int], action: str,
                            payloads: list[dict[str, Any]], *, at: datetime,
                            ) -> list[Case | ShaobaoError]:
    """The same action on many cases in the caller's transaction, for the system's own
    jobs (the deadline sweep): the rows are locked by one read, in id order, and each
    case then goes through exactly the checks and effects of `case_transition`, in its
    own savepoint, so a refused case leaves the others standing. No visibility lookup:
    callers pass ids they selected themselves, acting as a role that sees every case."""
    t = _transition_of(action)
    out: list[Case | ShaobaoError] = []
    by_id = {c.pk: c for c in _locked(sorted(case_ids))}
    for case_id, payload in zip(case_ids, payloads, strict=True):
        locked = by_id.get(case_id)
        if locked is None:
            out.append(NotFound(f"案件 {case_id} 不存在", code="case_not_found"))
            continue
        try:
            version = _version_of(payload)
            with transaction.atomic():
                out.append(_perform(actor, locked, t, version, payload, at))
        except ShaobaoError as exc:
            out.append(exc)
    return out


def _transition_of(action: str) -> Transition:
    t = transition_for(action)
    if t is None:
        raise InvalidInput(f"未知操作“{action}”", code="unknown_action",
                           details={"actions": [str(a) for a in Action]})
    return t


def _version_of(payload: dict[str, Any]) -> int:
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidInput("请提供案件当前的 version（整数）", code="version_required")
    return version


def _locked(case_ids: list[int]) -> list[Case]:
    # One read, under the lock: role, version and state are all judged on the same row.
    # (Not the grid's polygon: decoding it cost more than the rest of the read.)
    return list(Case.objects.select_for_update(of=("self",)).select_related(
        "item", "grid", "lead_department").defer("grid__geometry")
        .filter(pk__in=case_ids).order_by("pk"))


def _perform(actor: User, locked: Case, t: Transition, version: int, payload: dict[str, Any],
             at: datetime) -> Case:
    """Checks in order (403, 409, 422, 400), then effects, event, notifications, handlers.
    `locked` is the case row read under this transaction's lock."""
    how = performs_as(actor, locked, t)
    if how is None:
        raise Forbidden(f"您无权对该案件执行“{ACTION_LABELS[t.action]}”")
    if locked.version != version:
        raise Conflict(f"案件已被他人更新（当前版本 {locked.version}），请刷新后重试",
                       details={"current_version": locked.version})
    status = Status(locked.status)
    if t.sources is not None and status not in t.sources:
        raise NotAllowedInState(
            f"案件当前状态为“{status.label}”，不能执行“{ACTION_LABELS[t.action]}”",
            details={"status": status, "allowed_actions": allowed_actions_for(actor, locked)})
    why_not = _state_precondition(locked, t)
    if why_not:
        raise NotAllowedInState(why_not, details={
            "allowed_actions": allowed_actions_for(actor, locked)})
    for key in t.required:
        if payload.get(key) in (None, "", []):
            raise InvalidInput(f"“{ACTION_LABELS[t.action]}”需要填写 {key}",
                               code="missing_field", details={"field": key})
    before = _column_values(locked)
    applied = APPLY[t.action](locked, actor, payload, at, how)
    note = str(payload.get("note") or "")[:1000]
    if note:
        applied.payload.setdefault("note", note)
    locked.status = applied.to_status
    locked.version += 1
    if t.action in FEEDBACK_ACTIONS and locked.feedback_at is None:
        locked.feedback_at = at
    locked.overdue = deadlines.is_overdue(locked, at)
    # Only the columns the action changed (version always does): writing all forty
    # made every transition pay for the widest UPDATE.
    after = _column_values(locked)
    locked.save(update_fields=[name for name, value in after.items()
                               if before[name] != value] + ["updated_at"])
    public = t.action not in INTERNAL_ACTIONS and not (
        t.action == Action.COMMENT and not applied.payload.get("public"))
    event = CaseEvent.objects.create(
        case=locked, action=t.action, actor=actor, role=actor.role, from_status=status,
        to_status=applied.to_status, at=at, payload=applied.payload, public=public)
    for step in applied.after:
        step(event)
    notify_event(locked, event)
    run_event_handlers(EventContext(locked, event, frozenset(applied.facts)))
    if applied.then is not None:
        action, follow_up = applied.then
        return _perform(system_user(), locked, _transition_of(action), locked.version,
                        follow_up, at)
    return locked


REOPEN_RULE = "REOPEN_ON_UNSATISFIED"


# -- effects of each action -----------------------------------------------------------


def _department(code: Any) -> Department:
    dept = Department.objects.filter(code=str(code), active=True).first()
    if dept is None:
        raise InvalidInput(f"部门“{code}”不存在或已停用", code="unknown_department")
    return dept


def _bool(payload: dict[str, Any], key: str) -> bool:
    value = payload.get(key)
    if not isinstance(value, bool):
        raise InvalidInput(f"{key} 必须是 true 或 false", code="bad_field", details={"field": key})
    return value


def _maybe_set_item(case: Case, payload: dict[str, Any], applied: Applied) -> None:
    if payload.get("item"):
        case.item = item_current_by_code(str(payload["item"]))
        applied.payload["item"] = case.item.code


def _apply_accept(case: Case, actor: User, p: dict[str, Any], at: datetime, how: str) -> Applied:
    applied = Applied(Status.ACCEPTED)
    _maybe_set_item(case, p, applied)
    case.accepted_at = at
    return applied


def _apply_reject(case: Case, actor: User, p: dict[str, Any], at: datetime, how: str) -> Applied:
    applied = Applied(Status.REJECTED, {"reason": str(p["reason"])[:500]})
    applied.after.append(lambda e: tasks_close_open(case, TaskKind.CHECK_TRUTH, at=at,
                                                    result={}, cancelled=True))
    return applied


def _apply_merge(case: Case, actor: User, p: dict[str, Any], at: datetime, how: str) -> Applied:
    target = Case.objects.filter(number=str(p["target"])).first()
    if target is None or target.pk == case.pk:
        raise InvalidInput("合并目标案件不存在或就是本案件", code="bad_merge_target")
    if target.status in (Status.MERGED, Status.REJECTED):
        raise InvalidInput("不能合并到已合并或不予受理的案件", code="bad_merge_target")
    case.merged_into = target
    applied = Applied(Status.MERGED, {"target": target.number})

    def carry_follows_over(event: CaseEvent) -> None:
        follows_carry_over(case, target, at)

    applied.after.append(carry_follows_over)
    return applied


def _apply_take_in_station(case: Case, actor: User, p: dict[str, Any], at: datetime,
                           how: str) -> Applied:
    applied = Applied(Status.STATION)
    _maybe_set_item(case, p, applied)
    _judge_return(case, p, applied)
    deadlines.start_handle_clock(case, at)
    return applied


def _judge_return(case: Case, p: dict[str, Any], applied: Applied) -> None:
    """After a department returned the case, the dispatcher rules whether that was fair."""
    if case.whistled_at is None:
        return  # never whistled, so never returned: skip the history lookups
    returned_by = case.events.filter(action=Action.RETURN).order_by("-at", "-id").first()
    later = returned_by and not case.events.filter(
        at__gte=returned_by.at, action__in=[Action.WHISTLE, Action.TAKE_IN_STATION],
        id__gt=returned_by.id).exists()
    if later and returned_by and p.get("return_justified") is False:
        applied.payload["return_justified"] = False
        applied.payload["returned_by"] = returned_by.payload.get("department")
        applied.facts.add("unjustified_return")


def _apply_whistle(case: Case, actor: User, p: dict[str, Any], at: datetime, how: str) -> Applied:
    applied = Applied(Status.WHISTLED)
    _maybe_set_item(case, p, applied)
    lead = _department(p["lead_department"])
    co_codes = p.get("co_departments") or []
    if not isinstance(co_codes, list):
        raise InvalidInput("co_departments 必须是部门编码列表", code="bad_field")
    co = [_department(c) for c in co_codes if str(c) != lead.code]
    _judge_return(case, p, applied)
    case.lead_department = lead
    case.whistled_at, case.checked_in_at = at, None
    case.pending_request = None
    deadlines.start_check_in_clock(case, at)
    deadlines.start_handle_clock(case, at)
    applied.payload.update({"lead_department": lead.code,
                            "co_departments": [d.code for d in co]})
    applied.after.append(lambda e: case.co_departments.set(co))
    return applied


def _apply_check_in(case: Case, actor: User, p: dict[str, Any], at: datetime,
                    how: str) -> Applied:
    case.checked_in_at = at
    on_time = case.check_in_due is None or at <= case.check_in_due
    return Applied(Status.IN_PROGRESS, {"on_time": on_time},
                   {"check_in_on_time" if on_time else "check_in_late"})


def _apply_return(case: Case, actor: User, p: dict[str, Any], at: datetime, how: str) -> Applied:
    dept = case.lead_department
    applied = Applied(Status.ACCEPTED, {"reason": str(p["reason"])[:500],
                                        "department": dept.code if dept else None})
    case.lead_department = None
    case.check_in_due = case.handle_due = case.handle_clock_start = None
    applied.after.append(lambda e: case.co_departments.clear())
    return applied


def _parse_when(value: Any, field_name: str) -> datetime:
    parsed = parse_datetime(str(value)) if value else None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(f"{field_name} 必须是带时区的 ISO 8601 时间，如 2026-12-01T18:00:00+08:00",
                           code="bad_datetime", details={"field": field_name})
    return parsed


def _apply_request_extension(case: Case, actor: User, p: dict[str, Any], at: datetime,
                             how: str) -> Applied:
    until = _parse_when(p["until"], "until")
    if case.handle_due and until <= case.handle_due:
        raise InvalidInput("延期后的时限必须晚于当前办结时限", code="bad_until")
    case.pending_request = {"type": "extension", "until": until.isoformat(),
                            "reason": str(p.get("reason") or "")[:500], "by": actor.username}
    return Applied(Status(case.status), {"until": until.isoformat(),
                                         "reason": case.pending_request["reason"]})


def _apply_decide_extension(case: Case, actor: User, p: dict[str, Any], at: datetime,
                            how: str) -> Applied:
    approved = _bool(p, "approved")
    request = case.pending_request or {}
    if approved:
        case.handle_due = _parse_when(request["until"], "until")
    case.pending_request = None
    return Applied(Status(case.status), {"approved": approved, "until": request.get("until")})


def _apply_suspend(case: Case, actor: User, p: dict[str, Any], at: datetime, how: str) -> Applied:
    reason = str(p["reason"])[:500]
    if how == "request":
        case.pending_request = {"type": "suspension", "reason": reason, "by": actor.username}
        return Applied(Status(case.status), {"reason": reason, "requested": True})
    case.suspended_at, case.pending_request = at, None
    return Applied(Status.SUSPENDED, {"reason": reason})


def _apply_resume(case: Case, actor: User, p: dict[str, Any], at: datetime, how: str) -> Applied:
    if case.handle_due and case.suspended_at:
        # The clock stood still while suspended: give the paused working time back.
        case.handle_due = shift(case.handle_due, case.suspended_at, at,
                                deadlines.handle_rule(case)[1], work_calendar())
    paused_from = case.suspended_at
    case.suspended_at = None
    return Applied(Status.IN_PROGRESS, {"paused_from": paused_from.isoformat()
                                        if paused_from else None})


def _apply_handle(case: Case, actor: User, p: dict[str, Any], at: datetime, how: str) -> Applied:
    case.handled_at = at
    applied = Applied(Status.HANDLED, {"result": str(p["result"])[:2000]})
    applied.after.append(lambda e: _discard(task_open_onsite_check(case, at)))
    return applied


def _apply_verify(case: Case, actor: User, p: dict[str, Any], at: datetime, how: str) -> Applied:
    passed = _bool(p, "passed")
    result = {"passed": passed, "by": actor.username}
    after = [lambda e: tasks_close_open(case, TaskKind.ONSITE_CHECK, at=at, result=result)]
    if passed:
        case.closed_at = at
        on_time = case.handle_due is None or (case.handled_at or at) <= case.handle_due
        facts = {"closed_on_time" if on_time else "closed_late"}
        return Applied(Status.CLOSED, {"passed": True, "on_time": on_time}, facts, after)
    case.rework_count += 1
    target = Status.IN_PROGRESS if case.lead_department_id else REWORK_TARGET_WITHOUT_DEPARTMENT
    case.handled_at = None
    return Applied(target, {"passed": False}, {"rework"}, after)


def _apply_escalate(case: Case, actor: User, p: dict[str, Any], at: datetime,
                    how: str) -> Applied:
    level = p.get("level") or ("district" if actor.role == Role.STREET else "street")
    if level not in ("street", "district"):
        raise InvalidInput("level 必须是 street 或 district", code="bad_field")
    case.escalation_level = level
    return Applied(Status.ESCALATED, {"level": level, "reason": str(p["reason"])[:500]})


def _apply_rate(case: Case, actor: User, p: dict[str, Any], at: datetime, how: str) -> Applied:
    try:
        rating = Rating(p["rating"])
    except ValueError as exc:
        raise InvalidInput("rating 必须是 satisfied、basically_satisfied 或 unsatisfied",
                           code="bad_rating") from exc
    resolved = p.get("resolved")
    case.rating, case.rated_at = rating, at
    case.rating_comment = str(p.get("comment") or "")[:1000]
    case.resolved_confirmed = bool(resolved) if isinstance(resolved, bool) else (
        rating != Rating.UNSATISFIED)
    facts = {f"rated_{rating}"}
    applied = Applied(Status.CLOSED, {"rating": rating, "resolved": case.resolved_confirmed,
                      "comment": case.rating_comment, "on_behalf": actor.role == Role.COMMAND},
                      facts)
    if rating == Rating.UNSATISFIED and product_rule(REOPEN_RULE):
        # Its own event, by the platform's account: the rating (and its points) stay in
        # the history, the case goes back to work.
        applied.then = (Action.REOPEN, {"reason": "群众评价“不满意”，按规则重新办理",
                                        "rule": REOPEN_RULE})
    return applied


def _apply_reopen(case: Case, actor: User, p: dict[str, Any], at: datetime, how: str) -> Applied:
    # The rating stays: it is the reporter's latest word and counts (satisfaction rate,
    # the facts) until the reworked result is rated again (`awaits_rating`). Clearing
    # it would drop every unsatisfied rating that reopens a case from the indicators.
    case.closed_at = case.handled_at = None
    case.lead_department = None
    case.check_in_due = case.handle_due = case.handle_clock_start = None
    applied = Applied(Status.ACCEPTED, {"reason": str(p.get("reason") or "")[:500]})
    if p.get("rule") == REOPEN_RULE and actor.username == SYSTEM_USERNAME:
        applied.payload["rule"] = REOPEN_RULE  # only the platform may claim a rule
    return applied


def _apply_supervise(case: Case, actor: User, p: dict[str, Any], at: datetime,
                     how: str) -> Applied:
    level = supervision_raise(case, actor, reason=str(p.get("reason") or "领导督办"), at=at)
    return Applied(Status(case.status), {"level": level}, {"supervised"})


def supervision_raise(case: Case, actor: User | None, *, reason: str, at: datetime) -> int:
    """Issue the next supervision notice: yellow first, red after (both count as -1)."""
    case.supervision_level = min(case.supervision_level + 1, 2)
    Supervision.objects.create(case=case, level=case.supervision_level, reason=reason[:200],
                               issued_by=actor, department_id=case.lead_department_id, at=at)
    return case.supervision_level


def _apply_comment(case: Case, actor: User, p: dict[str, Any], at: datetime,
                   how: str) -> Applied:
    public = p.get("public")
    if public is None:
        public = actor.role in (Role.RESIDENT, Role.UNIT_LEADER)
    if not isinstance(public, bool):
        raise InvalidInput("public 必须是 true 或 false", code="bad_field")
    if public and actor.role not in (Role.RESIDENT, Role.UNIT_LEADER) \
            and case.feedback_at is None and case.status in OPEN_STATUSES:
        case.feedback_at = at  # a public reply from staff is substantive feedback
    return Applied(Status(case.status), {"text": str(p["text"])[:2000], "public": public})


def _discard(_: object) -> None:
    """Lets a lambda in `Applied.after` call a function whose result is not needed."""


Applier = Callable[[Case, User, dict[str, Any], datetime, str], Applied]
APPLY: dict[Action, Applier] = {
    Action.ACCEPT: _apply_accept, Action.REJECT: _apply_reject, Action.MERGE: _apply_merge,
    Action.TAKE_IN_STATION: _apply_take_in_station, Action.WHISTLE: _apply_whistle,
    Action.CHECK_IN: _apply_check_in, Action.RETURN: _apply_return,
    Action.REQUEST_EXTENSION: _apply_request_extension,
    Action.DECIDE_EXTENSION: _apply_decide_extension, Action.SUSPEND: _apply_suspend,
    Action.RESUME: _apply_resume, Action.HANDLE: _apply_handle, Action.VERIFY: _apply_verify,
    Action.ESCALATE: _apply_escalate, Action.RATE: _apply_rate, Action.REOPEN: _apply_reopen,
    Action.SUPERVISE: _apply_supervise, Action.COMMENT: _apply_comment,
}
