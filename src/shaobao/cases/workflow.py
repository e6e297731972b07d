"""The case lifecycle as one table (SPEC §4). The only place that says which moves exist.

`TRANSITIONS` maps each action to the states it may start from, where it leads and
which roles may perform it. The service in `cases/services/transition.py` reads it;
docs/workflow.md is generated from it (`shaobao workflow-doc`), and a test pins it.
Scope rules (which station, which department) are applied on top by the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shaobao.cases.models import OPEN_STATUSES, Status
from shaobao.org.models import Role

S = Status
R = Role


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    MERGE = "merge"
    TAKE_IN_STATION = "take_in_station"
    WHISTLE = "whistle"
    CHECK_IN = "check_in"
    RETURN = "return"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    SUSPEND = "suspend"
    RESUME = "resume"
    HANDLE = "handle"
    VERIFY = "verify"
    ESCALATE = "escalate"
    RATE = "rate"
    REOPEN = "reopen"
    SUPERVISE = "supervise"
    COMMENT = "comment"


ACTION_LABELS = {
    Action.ACCEPT: "受理", Action.REJECT: "不予受理", Action.MERGE: "合并",
    Action.TAKE_IN_STATION: "站内办理", Action.WHISTLE: "吹哨", Action.CHECK_IN: "报到",
    Action.RETURN: "退回", Action.REQUEST_EXTENSION: "申请延期",
    Action.DECIDE_EXTENSION: "审批延期", Action.SUSPEND: "挂账", Action.RESUME: "恢复办理",
    Action.HANDLE: "办结反馈", Action.VERIFY: "核查", Action.ESCALATE: "提请会商",
    Action.RATE: "评价", Action.REOPEN: "重新办理", Action.SUPERVISE: "督办",
    Action.COMMENT: "留言",
}

# Special performers beyond plain roles, resolved by the service against the case.
LEAD_DEPARTMENT = "lead_department"  # the department the case is whistled to
REPORTER = "reporter"  # the person who reported the case


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status] | None  # None: any state
    target: Status | None  # None: the state does not change
    performers: frozenset[str]
    # Roles that may only *ask*: their call records a pending request, state unchanged.
    requesters: frozenset[str] = frozenset()
    # For verify: where a failed check sends the case (rework).
    target_on_failure: Status | None = None
    required: tuple[str, ...] = ()


def _t(action: Action, sources: set[Status] | None, target: Status | None,
       performers: set[str], *, requesters: frozenset[str] = frozenset(),
       target_on_failure: Status | None = None, required: tuple[str, ...] = ()) -> Transition:
    return Transition(action, frozenset(sources) if sources is not None else None, target,
                      frozenset(performers), requesters, target_on_failure, required)


TRANSITIONS: dict[Action, Transition] = {t.action: t for t in [
    _t(Action.ACCEPT, {S.SUBMITTED}, S.ACCEPTED, {R.STATION, R.COMMAND}),
    _t(Action.REJECT, {S.SUBMITTED, S.ACCEPTED}, S.REJECTED, {R.STATION, R.COMMAND},
       required=("reason",)),
    _t(Action.MERGE, {S.SUBMITTED, S.ACCEPTED}, S.MERGED, {R.STATION, R.COMMAND},
       required=("target",)),
    _t(Action.TAKE_IN_STATION, {S.ACCEPTED}, S.STATION, {R.STATION}),
    _t(Action.WHISTLE, {S.ACCEPTED, S.STATION, S.ESCALATED}, S.WHISTLED,
       {R.STATION, R.STREET, R.COMMAND}, required=("lead_department",)),
    _t(Action.CHECK_IN, {S.WHISTLED}, S.IN_PROGRESS, {LEAD_DEPARTMENT}),
    _t(Action.RETURN, {S.WHISTLED, S.IN_PROGRESS}, S.ACCEPTED, {LEAD_DEPARTMENT},
       required=("reason",)),
    _t(Action.REQUEST_EXTENSION, {S.IN_PROGRESS}, None, {LEAD_DEPARTMENT},
       required=("until",)),
    _t(Action.DECIDE_EXTENSION, {S.IN_PROGRESS}, None, {R.STATION, R.COMMAND},
       required=("approved",)),
    _t(Action.SUSPEND, {S.IN_PROGRESS}, S.SUSPENDED, {R.COMMAND},
       requesters=frozenset({LEAD_DEPARTMENT}), required=("reason",)),
    _t(Action.RESUME, {S.SUSPENDED}, S.IN_PROGRESS, {R.COMMAND}),
    _t(Action.HANDLE, {S.STATION, S.IN_PROGRESS}, S.HANDLED, {R.STATION, LEAD_DEPARTMENT},
       required=("result",)),
    _t(Action.VERIFY, {S.HANDLED}, S.CLOSED, {R.GRID_WORKER, R.STATION, R.COMMAND},
       target_on_failure=S.IN_PROGRESS, required=("passed",)),
    _t(Action.ESCALATE, {S.ACCEPTED, S.STATION, S.WHISTLED, S.IN_PROGRESS}, S.ESCALATED,
       {R.STATION, R.STREET}, required=("reason",)),
    _t(Action.RATE, {S.CLOSED}, None, {REPORTER, R.COMMAND}, required=("rating",)),
    _t(Action.REOPEN, {S.CLOSED}, S.ACCEPTED, {R.COMMAND}),
    _t(Action.SUPERVISE, set(OPEN_STATUSES), None, {R.COMMAND, R.LEADER}),
    _t(Action.COMMENT, None, None, {R.RESIDENT, R.GRID_WORKER, R.GRID_POLICE, R.UNIT_LEADER,
                                     R.STATION, R.STREET, R.DEPARTMENT, R.COMMAND, R.LEADER,
                                     R.ADMIN}, required=("text",)),
]}

# Station-handled cases have no department to send rework back to: they return to the
# station. Whistled ones go back to the lead department (SPEC §4: in_progress).
REWORK_TARGET_WITHOUT_DEPARTMENT = S.STATION


def transition_for(action: str) -> Transition | None:
    try:
        return TRANSITIONS[Action(action)]
    except ValueError:
        return None


def allowed_from(status: Status) -> list[Action]:
    return [t.action for t in TRANSITIONS.values() if t.sources is None or status in t.sources]
