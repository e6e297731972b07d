"""Every lifecycle action through the HTTP API: who may, in which scope, in which state.

For each action: at least one allowed call; a wrong role (403); the right role in another
community or department (404 when the case is invisible to the actor, so nothing leaks
about its existence; 403 when it is visible but not theirs); a wrong state (422 with
`details.allowed_actions`); a stale version (409). Then the rules each action carries.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import TimeKind, shift
from shaobao.cases.models import Case, CaseEvent, Task, TaskKind
from shaobao.cases.services.intake import CaseCreateData, case_create
from shaobao.cases.services.transition import case_transition
from shaobao.org.models import User
from shaobao.points.models import PointsEntry
from world import inside

pytestmark = pytest.mark.django_db

BJ = ZoneInfo("Asia/Shanghai")
FAR = "2099-12-31T18:00:00+08:00"

# How to bring a fresh case (reported by resident1 in 蔡山社区) into each state.
PATHS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "submitted": [],
    "accepted": [("station_caishan", "accept", {})],
    "station": [("station_caishan", "accept", {}),
                ("station_caishan", "take_in_station", {})],
    "whistled": [("station_caishan", "accept", {}),
                 ("station_caishan", "whistle", {"lead_department": "cgj"})],
    "escalated": [("station_caishan", "accept", {}),
                  ("station_caishan", "escalate", {"reason": "需街道协调"})],
}
PATHS["in_progress"] = [*PATHS["whistled"], ("dept_cgj", "check_in", {})]
PATHS["suspended"] = [*PATHS["in_progress"], ("command", "suspend", {"reason": "需工程施工"})]
PATHS["handled"] = [*PATHS["in_progress"], ("dept_cgj", "handle", {"result": "已修复"})]
PATHS["closed"] = [*PATHS["handled"], ("grid_caishan1", "verify", {"passed": True})]


def new_case(col: int = 0, *, reporter: str = "resident1", **extra: Any) -> Case:
    data = CaseCreateData(description="小区路灯不亮，晚上很黑", item="GL01",
                          lat=inside(col)[0], lng=inside(col)[1], **extra)
    return case_create(User.objects.get(username=reporter), data=data).case


def act(username: str, case: Case | str, action: str, **payload: Any) -> Case:
    """Perform an action through the service with the case's current version."""
    number = case if isinstance(case, str) else case.number
    version = Case.objects.get(number=number).version
    return case_transition(User.objects.get(username=username), number, action,
                           {"version": version, **payload})


def case_in(state: str, col: int = 0) -> Case:
    case = new_case(col)
    for username, action, payload in PATHS[state]:
        case = act(username, case, action, **payload)
    assert case.status == state
    return Case.objects.get(pk=case.pk)


def assert_error(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.content
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


# -- the matrix -------------------------------------------------------------------------

# (action, state, actor, payload, status afterwards)
ALLOWED = [
    ("accept", "submitted", "station_caishan", {}, "accepted"),
    ("accept", "submitted", "command", {}, "accepted"),
    ("reject", "submitted", "station_caishan", {"reason": "不属实"}, "rejected"),
    ("reject", "accepted", "command", {"reason": "重复上报"}, "rejected"),
    ("take_in_station", "accepted", "station_caishan", {}, "station"),
    ("whistle", "accepted", "station_caishan", {"lead_department": "cgj"}, "whistled"),
    ("whistle", "station", "street_jixian", {"lead_department": "cgj"}, "whistled"),
    ("whistle", "escalated", "command", {"lead_department": "cgj"}, "whistled"),
    ("check_in", "whistled", "dept_cgj", {}, "in_progress"),
    ("return", "whistled", "dept_cgj", {"reason": "不属本部门职责"}, "accepted"),
    ("return", "in_progress", "dept_cgj", {"reason": "不属本部门职责"}, "accepted"),
    ("request_extension", "in_progress", "dept_cgj", {"until": FAR}, "in_progress"),
    ("suspend", "in_progress", "command", {"reason": "需工程施工"}, "suspended"),
    ("suspend", "in_progress", "dept_cgj", {"reason": "需工程施工"}, "in_progress"),
    ("resume", "suspended", "command", {}, "in_progress"),
    ("handle", "station", "station_caishan", {"result": "已修复"}, "handled"),
    ("handle", "in_progress", "dept_cgj", {"result": "已修复"}, "handled"),
    ("verify", "handled", "grid_caishan1", {"passed": True}, "closed"),
    ("verify", "handled", "station_caishan", {"passed": False}, "in_progress"),
    ("verify", "handled", "command", {"passed": True}, "closed"),
    ("escalate", "accepted", "station_caishan", {"reason": "需街道协调"}, "escalated"),
    ("escalate", "in_progress", "street_jixian", {"reason": "需区级会商"}, "escalated"),
    ("rate", "closed", "resident1", {"rating": "satisfied"}, "closed"),
    ("rate", "closed", "command", {"rating": "basically_satisfied"}, "closed"),
    ("reopen", "closed", "command", {}, "accepted"),
    ("supervise", "in_progress", "leader", {}, "in_progress"),
    ("supervise", "submitted", "command", {}, "submitted"),
    ("supervise", "suspended", "command", {}, "suspended"),
    ("comment", "closed", "resident1", {"text": "谢谢"}, "closed"),
    ("comment", "whistled", "dept_cgj", {"text": "正在安排", "public": True}, "whistled"),
    ("comment", "submitted", "grid_caishan1", {"text": "已到现场"}, "submitted"),
]

# (action, state, actor who can see the case but whose role may not act)
WRONG_ROLE = [
    ("accept", "submitted", "resident1"),
    ("accept", "submitted", "grid_caishan1"),
    ("reject", "submitted", "street_jixian"),
    ("merge", "submitted", "leader"),
    ("take_in_station", "accepted", "command"),
    ("take_in_station", "accepted", "street_jixian"),
    ("whistle", "accepted", "grid_caishan1"),
    ("whistle", "accepted", "leader"),
    ("check_in", "whistled", "station_caishan"),
    ("check_in", "whistled", "command"),
    ("return", "in_progress", "station_caishan"),
    ("request_extension", "in_progress", "station_caishan"),
    ("decide_extension", "in_progress", "dept_cgj"),
    ("suspend", "in_progress", "station_caishan"),
    ("resume", "suspended", "dept_cgj"),
    ("resume", "suspended", "station_caishan"),
    ("handle", "in_progress", "grid_caishan1"),
    ("handle", "in_progress", "command"),
    ("verify", "handled", "dept_cgj"),
    ("escalate", "accepted", "command"),
    ("escalate", "in_progress", "dept_cgj"),
    ("rate", "closed", "station_caishan"),
    ("rate", "closed", "dept_cgj"),
    ("reopen", "closed", "station_caishan"),
    ("supervise", "in_progress", "station_caishan"),
    ("supervise", "in_progress", "dept_cgj"),
]

# (action, state, actor of the right role but another community/department/grid/reporter)
OTHER_SCOPE = [
    ("accept", "submitted", "station_mashan"),
    ("reject", "submitted", "station_mashan"),
    ("merge", "submitted", "station_mashan"),
    ("take_in_station", "accepted", "station_mashan"),
    ("whistle", "accepted", "station_mashan"),
    ("check_in", "whistled", "dept_zjj"),
    ("return", "in_progress", "dept_zjj"),
    ("request_extension", "in_progress", "dept_zjj"),
    ("decide_extension", "in_progress", "station_mashan"),
    ("suspend", "in_progress", "dept_zjj"),
    ("handle", "station", "station_mashan"),
    ("handle", "in_progress", "dept_zjj"),
    ("verify", "handled", "grid_mashan1"),
    ("verify", "handled", "station_mashan"),
    ("escalate", "accepted", "station_mashan"),
    ("rate", "closed", "resident2"),
    ("comment", "submitted", "resident2"),
    ("comment", "submitted", "dept_cgj"),
]

# (action, state, actor entitled in another state) → 422
WRONG_STATE = [
    ("accept", "accepted", "station_caishan"),
    ("reject", "whistled", "station_caishan"),
    ("merge", "closed", "command"),
    ("take_in_station", "submitted", "station_caishan"),
    ("whistle", "submitted", "station_caishan"),
    ("whistle", "in_progress", "command"),
    ("check_in", "in_progress", "dept_cgj"),
    ("return", "handled", "dept_cgj"),
    ("request_extension", "whistled", "dept_cgj"),
    ("decide_extension", "whistled", "station_caishan"),
    ("suspend", "whistled", "command"),
    ("resume", "in_progress", "command"),
    ("handle", "whistled", "dept_cgj"),
    ("handle", "accepted", "station_caishan"),
    ("verify", "in_progress", "grid_caishan1"),
    ("escalate", "submitted", "station_caishan"),
    ("escalate", "handled", "street_jixian"),
    ("rate", "handled", "resident1"),
    ("reopen", "in_progress", "command"),
    ("supervise", "closed", "command"),
]

FULL_PAYLOAD = {"reason": "理由", "target": "DG000000000000", "lead_department": "cgj",
                "result": "已办结", "passed": True, "rating": "satisfied", "until": FAR,
                "approved": True, "text": "留言"}


def _id(row: tuple[Any, ...]) -> str:
    return "-".join(str(x) for x in row[:3])


def test_matrix_covers_every_action() -> None:
    from shaobao.cases.workflow import Action

    allowed = {a for a, *_ in ALLOWED} | {"merge", "decide_extension"}  # both tested below
    assert allowed == {str(a) for a in Action}
    assert {a for a, *_ in WRONG_ROLE} == {str(a) for a in Action} - {"comment"}
    assert {a for a, *_ in WRONG_STATE} == {str(a) for a in Action} - {"comment"}


@pytest.mark.parametrize("row", ALLOWED, ids=[_id(r) for r in ALLOWED])
def test_allowed(api: Any, row: tuple[str, str, str, dict[str, Any], str]) -> None:
    action, state, actor, payload, after = row
    case = case_in(state)
    r = api(actor).act(case.number, action, case.version, **payload)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == after
    assert body["version"] == case.version + 1
    event = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert event is not None
    assert (event.action, event.from_status, event.to_status, event.actor.username) == (
        action, state, after, actor)


@pytest.mark.parametrize("row", WRONG_ROLE, ids=[_id(r) for r in WRONG_ROLE])
def test_wrong_role_is_403(api: Any, row: tuple[str, str, str]) -> None:
    action, state, actor = row
    case = case_in(state)
    assert api(actor).get(f"/api/v1/cases/{case.number}").status_code == 200  # sees it
    r = api(actor).act(case.number, action, case.version, **FULL_PAYLOAD)
    assert_error(r, 403, "forbidden")
    assert Case.objects.get(pk=case.pk).version == case.version


@pytest.mark.parametrize("row", OTHER_SCOPE, ids=[_id(r) for r in OTHER_SCOPE])
def test_other_scope_is_404_when_invisible(api: Any, row: tuple[str, str, str]) -> None:
    action, state, actor = row
    case = case_in(state)
    assert_error(api(actor).get(f"/api/v1/cases/{case.number}"), 404, "case_not_found")
    r = api(actor).act(case.number, action, case.version, **FULL_PAYLOAD)
    error = assert_error(r, 404, "case_not_found")
    # Same answer as for a case that does not exist at all: no existence leak.
    missing = assert_error(api(actor).act("DG209912310001", action, 1, **FULL_PAYLOAD), 404)
    assert error["code"] == missing["code"]
    assert Case.objects.get(pk=case.pk).version == case.version


def test_co_department_sees_but_may_not_act_as_lead(api: Any) -> None:
    case = case_in("accepted")
    case = act("station_caishan", case, "whistle", lead_department="cgj", co_departments=["zjj"])
    zjj = api("dept_zjj")
    assert zjj.get(f"/api/v1/cases/{case.number}").status_code == 200
    assert_error(zjj.act(case.number, "check_in", case.version), 403, "forbidden")
    case = act("dept_cgj", case, "check_in")
    for action, payload in [("handle", {"result": "x"}), ("return", {"reason": "x"}),
                            ("request_extension", {"until": FAR}),
                            ("suspend", {"reason": "x"})]:
        assert_error(zjj.act(case.number, action, case.version, **payload), 403, "forbidden")
    # ...but may comment on it.
    assert zjj.act(case.number, "comment", case.version, text="配合部门已知悉").status_code == 200


def test_street_of_another_street_cannot_see(api: Any) -> None:
    case = act("station_mashan", new_case(col=2), "accept")  # 马山社区: another street
    assert_error(api("street_jixian").act(case.number, "whistle", case.version,
                                          lead_department="cgj"), 404, "case_not_found")


@pytest.mark.parametrize("row", WRONG_STATE, ids=[_id(r) for r in WRONG_STATE])
def test_wrong_state_is_422(api: Any, row: tuple[str, str, str]) -> None:
    action, state, actor = row
    case = case_in(state)
    r = api(actor).act(case.number, action, case.version, **FULL_PAYLOAD)
    error = assert_error(r, 422, "not_allowed_in_state")
    assert isinstance(error["details"]["allowed_actions"], list)
    assert action not in error["details"]["allowed_actions"]
    current = api(actor).get(f"/api/v1/cases/{case.number}").json()
    assert error["details"]["allowed_actions"] == current["allowed_actions"]
    assert current["version"] == case.version


@pytest.mark.parametrize("row", ALLOWED, ids=[_id(r) for r in ALLOWED])
def test_stale_version_is_409(api: Any, row: tuple[str, str, str, dict[str, Any], str]) -> None:
    action, state, actor, payload, _ = row
    case = case_in(state)
    error = assert_error(api(actor).act(case.number, action, case.version - 1, **payload), 409,
                         "conflict")
    assert error["details"]["current_version"] == case.version
    assert_error(api(actor).act(case.number, action, case.version + 5, **payload), 409)
    assert Case.objects.get(pk=case.pk).status == state


# -- rules of individual actions --------------------------------------------------------


def test_reject_needs_a_reason(api: Any) -> None:
    case = case_in("submitted")
    station = api("station_caishan")
    error = assert_error(station.act(case.number, "reject", case.version), 400, "missing_field")
    assert error["details"] == {"field": "reason"}
    assert_error(station.act(case.number, "reject", case.version, reason=""), 400)
    r = station.act(case.number, "reject", case.version, reason="经核实不属于本辖区")
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert r.json()["allowed_actions"] == ["comment"]
    ev = CaseEvent.objects.filter(case=case, action="reject").get()
    assert ev.payload["reason"] == "经核实不属于本辖区"
    # The check-truth task of a rejected report is cancelled.
    assert Task.objects.get(case=case, kind=TaskKind.CHECK_TRUTH).status == "cancelled"


def test_merge_needs_a_target_and_merges_into_it(api: Any) -> None:
    first = case_in("accepted")
    dup = new_case()
    station = api("station_caishan")
    assert_error(station.act(dup.number, "merge", dup.version), 400, "missing_field")
    assert_error(station.act(dup.number, "merge", dup.version, target="DG209912310001"), 400,
                 "bad_merge_target")
    assert_error(station.act(dup.number, "merge", dup.version, target=dup.number), 400,
                 "bad_merge_target")
    r = station.act(dup.number, "merge", dup.version, target=first.number)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "merged"
    dup.refresh_from_db()
    assert dup.merged_into_id == first.pk
    # Merging into a merged case is refused.
    third = new_case()
    assert_error(api("command").act(third.number, "merge", third.version, target=dup.number),
                 400, "bad_merge_target")


def test_station_handles_itself_and_rework_returns_to_station(api: Any) -> None:
    case = case_in("accepted")
    station, worker = api("station_caishan"), api("grid_caishan1")
    case = act("station_caishan", case, "take_in_station")
    assert case.handle_due is not None
    r = station.act(case.number, "handle", case.version, result="工作站已联系物业修复")
    assert r.status_code == 200 and r.json()["status"] == "handled"
    r = worker.act(case.number, "verify", r.json()["version"], passed=False, note="仍不亮")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "station"  # rework goes back to the station
    assert Case.objects.get(pk=case.pk).rework_count == 1
    assert not PointsEntry.objects.filter(case=case).exists()  # no department to score
    r = station.act(case.number, "handle", r.json()["version"], result="更换灯具")
    r = worker.act(case.number, "verify", r.json()["version"], passed=True)
    assert r.json()["status"] == "closed"
    assert [e.action for e in CaseEvent.objects.filter(case=case).order_by("id")] == [
        "create", "accept", "take_in_station", "handle", "verify", "handle", "verify"]


def test_rework_of_a_whistled_case_goes_back_to_the_department(api: Any) -> None:
    case = case_in("handled")
    r = api("grid_caishan1").act(case.number, "verify", case.version, passed=False)
    assert r.json()["status"] == "in_progress"
    assert PointsEntry.objects.filter(case=case, rule="rework").get().points == -2
    assert_error(api("grid_caishan1").act(case.number, "verify", r.json()["version"],
                                          passed="no"), 422)  # not handled any more


def test_verify_needs_a_boolean(api: Any) -> None:
    case = case_in("handled")
    assert_error(api("command").act(case.number, "verify", case.version), 400, "missing_field")
    assert_error(api("command").act(case.number, "verify", case.version, passed="yes"), 400,
                 "bad_field")


def test_unjustified_return_costs_the_returning_department(api: Any) -> None:
    case = case_in("in_progress")
    dept = api("dept_cgj")
    r = dept.act(case.number, "return", case.version, reason="不属本部门职责")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "accepted" and body["lead_department"] is None
    # The department no longer sees the case it returned.
    assert dept.get(f"/api/v1/cases/{case.number}").status_code == 404
    before = PointsEntry.objects.filter(department__code="cgj", rule="unjustified_return")
    assert not before.exists()
    r = api("station_caishan").act(case.number, "whistle", body["version"],
                                   lead_department="zjj", return_justified=False)
    assert r.status_code == 200, r.content
    entry = PointsEntry.objects.get(department__code="cgj", rule="unjustified_return")
    assert entry.points == -1 and entry.case_id == case.pk
    assert not PointsEntry.objects.filter(department__code="zjj").exists()


def test_justified_return_costs_nothing(api: Any) -> None:
    case = case_in("whistled")
    r = api("dept_cgj").act(case.number, "return", case.version, reason="应由住建局牵头")
    r = api("station_caishan").act(case.number, "whistle", r.json()["version"],
                                   lead_department="zjj")
    assert r.status_code == 200
    assert not PointsEntry.objects.filter(rule="unjustified_return").exists()


def test_return_needs_a_reason(api: Any) -> None:
    case = case_in("whistled")
    assert_error(api("dept_cgj").act(case.number, "return", case.version), 400, "missing_field")


def test_extension_request_and_decision(api: Any) -> None:
    case = case_in("in_progress")
    dept, station = api("dept_cgj"), api("station_caishan")
    # Deciding with nothing pending is refused (state, not input).
    error = assert_error(station.act(case.number, "decide_extension", case.version,
                                     approved=True), 422, "not_allowed_in_state")
    assert "decide_extension" not in error["details"]["allowed_actions"]
    # The new limit must be later than the current one.
    assert_error(dept.act(case.number, "request_extension", case.version,
                          until=case.handle_due.isoformat()), 400, "bad_until")
    assert_error(dept.act(case.number, "request_extension", case.version,
                          until="next week"), 400, "bad_datetime")
    until = (case.handle_due + timedelta(days=7)).astimezone(BJ).replace(microsecond=0)
    r = dept.act(case.number, "request_extension", case.version, until=until.isoformat())
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "in_progress"
    assert Case.objects.get(pk=case.pk).pending_request["type"] == "extension"
    view = station.get(f"/api/v1/cases/{case.number}").json()
    assert "decide_extension" in view["allowed_actions"]
    assert_error(station.act(case.number, "decide_extension", view["version"]), 400,
                 "missing_field")
    r = station.act(case.number, "decide_extension", view["version"], approved=True)
    assert r.status_code == 200, r.content
    assert datetime.fromisoformat(r.json()["deadlines"]["handle"]) == until
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.pending_request is None and fresh.handle_due == until
    # Internal events are hidden from the resident.
    actions = [e["action"] for e in api("resident1").get(
        f"/api/v1/cases/{case.number}/events").json()]
    assert "request_extension" not in actions and "decide_extension" not in actions


def test_extension_refused_keeps_the_deadline(api: Any) -> None:
    case = case_in("in_progress")
    due = case.handle_due
    case = act("dept_cgj", case, "request_extension", until=FAR)
    r = api("command").act(case.number, "decide_extension", case.version, approved=False)
    assert r.status_code == 200
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.handle_due == due and fresh.pending_request is None


def test_suspension_asked_by_department_approved_by_command_then_resumed(api: Any) -> None:
    # Fixed working-day times so the paused working time is known: Mon 2026-12-07.
    t0 = datetime(2026, 12, 7, 9, 0, tzinfo=BJ)
    resident, station = User.objects.get(username="resident1"), User.objects.get(
        username="station_caishan")
    dept, command = User.objects.get(username="dept_cgj"), User.objects.get(username="command")
    lat, lng = inside(0)
    case = case_create(resident, data=CaseCreateData(description="路灯不亮", item="GL01",
                                                     lat=lat, lng=lng), now=t0).case

    def do(actor: User, action: str, at: datetime, **p: Any) -> Case:
        current = Case.objects.get(pk=case.pk)
        return case_transition(actor, case.number, action, {"version": current.version, **p},
                               now=at)

    do(station, "accept", t0 + timedelta(minutes=5))
    do(station, "whistle", t0 + timedelta(minutes=10), lead_department="cgj")
    do(dept, "check_in", t0 + timedelta(minutes=30))
    due_before = Case.objects.get(pk=case.pk).handle_due
    assert due_before is not None

    asked = do(dept, "suspend", t0 + timedelta(hours=1), reason="需结合道路改造施工")
    assert asked.status == "in_progress"
    assert asked.pending_request["type"] == "suspension"
    ev = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert ev.action == "suspend" and ev.payload["requested"] is True
    assert ev.from_status == ev.to_status == "in_progress"
    # A department cannot approve its own request.
    with pytest.raises(Exception) as exc:
        do(dept, "resume", t0 + timedelta(hours=1))
    assert getattr(exc.value, "status", None) == 403

    paused_from = datetime(2026, 12, 7, 10, 0, tzinfo=BJ)
    approved = do(command, "suspend", paused_from, reason="同意挂账")
    assert approved.status == "suspended" and approved.pending_request is None
    assert approved.handle_due == due_before  # the deadline moves only on resume
    view = api("command").get(f"/api/v1/cases/{case.number}").json()
    assert view["status"] == "suspended" and "handle" not in view["deadlines"]["lights"]

    paused_to = datetime(2026, 12, 8, 10, 0, tzinfo=BJ)  # one working day later
    resumed = do(command, "resume", paused_to)
    assert resumed.status == "in_progress" and resumed.suspended_at is None
    assert resumed.handle_due > due_before
    assert resumed.handle_due == shift(due_before, paused_from, paused_to, TimeKind.WORK_DAYS,
                                       work_calendar())
    ev = CaseEvent.objects.filter(case=case, action="resume").get()
    assert datetime.fromisoformat(ev.payload["paused_from"]) == paused_from


def test_suspend_by_api_records_a_pending_request(api: Any) -> None:
    case = case_in("in_progress")
    r = api("dept_cgj").act(case.number, "suspend", case.version, reason="季节性施工")
    assert r.status_code == 200
    assert r.json()["status"] == "in_progress"
    r = api("command").act(case.number, "suspend", r.json()["version"], reason="同意")
    assert r.json()["status"] == "suspended"


def test_escalate_by_station_then_street_whistles(api: Any) -> None:
    case = case_in("accepted")
    r = api("station_caishan").act(case.number, "escalate", case.version, reason="涉及多部门")
    assert r.status_code == 200 and r.json()["status"] == "escalated"
    assert CaseEvent.objects.get(case=case, action="escalate").payload["level"] == "street"
    assert_error(api("station_caishan").act(case.number, "escalate", r.json()["version"],
                                            reason="x"), 422)
    r = api("street_jixian").act(case.number, "whistle", r.json()["version"],
                                 lead_department="zjj", co_departments=["cgj"])
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "whistled" and body["lead_department"] == "zjj"
    assert body["co_departments"] == ["cgj"]


def test_escalate_level_is_checked(api: Any) -> None:
    case = case_in("in_progress")
    assert_error(api("street_jixian").act(case.number, "escalate", case.version, reason="x",
                                          level="province"), 400, "bad_field")
    r = api("street_jixian").act(case.number, "escalate", case.version, reason="x")
    assert CaseEvent.objects.get(case=case, action="escalate").payload["level"] == "district"
    assert r.json()["status"] == "escalated"


def test_whistle_to_unknown_department(api: Any) -> None:
    case = case_in("accepted")
    assert_error(api("station_caishan").act(case.number, "whistle", case.version,
                                            lead_department="nope"), 400, "unknown_department")
    assert_error(api("station_caishan").act(case.number, "whistle", case.version), 400,
                 "missing_field")


def test_rate_by_the_reporter_only_once(api: Any, settings: Any) -> None:
    settings.SHAOBAO = {**settings.SHAOBAO, "REOPEN_ON_UNSATISFIED": False}
    case = case_in("closed")
    resident = api("resident1")
    assert "rate" in resident.get(f"/api/v1/cases/{case.number}").json()["allowed_actions"]
    assert_error(resident.act(case.number, "rate", case.version, rating="great"), 400,
                 "bad_rating")
    r = resident.act(case.number, "rate", case.version, rating="unsatisfied", comment="没修好")
    assert r.status_code == 200
    body = r.json()
    assert body["rating"] == "unsatisfied" and "rate" not in body["allowed_actions"]
    assert PointsEntry.objects.get(case=case, rule="rated_unsatisfied").points == -2
    assert_error(resident.act(case.number, "rate", body["version"], rating="satisfied"), 422,
                 "not_allowed_in_state")
    assert_error(api("command").act(case.number, "rate", body["version"], rating="satisfied"),
                 422)
    assert Case.objects.get(pk=case.pk).rating == "unsatisfied"


def test_unsatisfied_rating_reopens_by_rule(api: Any) -> None:
    case = case_in("closed")
    dept = case.lead_department
    r = api("resident1").act(case.number, "rate", case.version, rating="unsatisfied",
                             comment="路灯还是不亮")
    assert r.status_code == 200
    body = r.json()
    # The rating stays (it counts until the reworked result is rated again).
    assert body["status"] == "accepted" and body["rating"] == "unsatisfied"
    assert body["version"] == case.version + 2  # two events: the rating, then the reopen
    rate, reopen = CaseEvent.objects.filter(case=case).order_by("-id")[:2][::-1]
    assert (rate.action, rate.payload["rating"], rate.actor.username) == (
        "rate", "unsatisfied", "resident1")
    assert (reopen.action, reopen.from_status, reopen.to_status, reopen.role) == (
        "reopen", "closed", "accepted", "command")
    assert reopen.actor.username == "shaobao-system" and reopen.payload["rule"] == \
        "REOPEN_ON_UNSATISFIED"
    # The department keeps the deduction; the station whistles the case again.
    assert PointsEntry.objects.get(case=case, rule="rated_unsatisfied").department == dept
    r = api("station_caishan").act(case.number, "whistle", body["version"],
                                   lead_department="cgj")
    assert r.json()["status"] == "whistled"
    assert "rate" not in api("resident1").get(
        f"/api/v1/cases/{case.number}").json()["allowed_actions"]


def test_reworked_case_is_rated_again(api: Any) -> None:
    """After a reopen the old rating counts until the new result is rated."""
    case = case_in("closed")
    cmd = api("command")
    body = cmd.act(case.number, "reopen", case.version, reason="复发").json()
    assert body["rating"] is None  # this closed case had not been rated
    case = case_in("closed")
    resident = api("resident1")
    body = resident.act(case.number, "rate", case.version, rating="satisfied").json()
    body = cmd.act(case.number, "reopen", body["version"], reason="问题复发").json()
    assert body["rating"] == "satisfied" and "rate" not in body["allowed_actions"]
    # Reworked and closed again: the reporter may rate the new result, once.
    reopened = Case.objects.get(pk=case.pk)
    for action, who, payload in (
            ("whistle", "station_caishan", {"lead_department": "cgj"}),
            ("check_in", "dept_cgj", {}), ("handle", "dept_cgj", {"result": "已重新修复"})):
        r = api(who).act(case.number, action, reopened.version, **payload)
        assert r.status_code == 200, r.json()
        reopened = Case.objects.get(pk=case.pk)
    tasks = Task.objects.filter(case=case, kind=TaskKind.ONSITE_CHECK, status="open")
    assert tasks.exists()
    r = api("grid_caishan1").act(case.number, "verify", reopened.version, passed=True)
    assert r.status_code == 200 and r.json()["status"] == "closed", r.json()
    assert "rate" in resident.get(f"/api/v1/cases/{case.number}").json()["allowed_actions"]
    body = resident.act(case.number, "rate", r.json()["version"], rating="unsatisfied").json()
    assert body["rating"] == "unsatisfied" and body["status"] == "accepted"
    assert CaseEvent.objects.filter(case=case, action="rate").count() == 2


def test_only_the_platform_reopens_by_rule(api: Any) -> None:
    case = case_in("closed")
    r = api("command").act(case.number, "reopen", case.version, reason="复发",
                           rule="REOPEN_ON_UNSATISFIED")
    assert r.status_code == 200
    assert "rule" not in CaseEvent.objects.get(case=case, action="reopen").payload


def test_satisfied_rating_keeps_the_case_closed(api: Any) -> None:
    case = case_in("closed")
    r = api("resident1").act(case.number, "rate", case.version, rating="basically_satisfied")
    assert r.json()["status"] == "closed" and r.json()["rating"] == "basically_satisfied"


def test_rate_by_command_on_behalf(api: Any) -> None:
    case = case_in("closed")
    r = api("command").act(case.number, "rate", case.version, rating="satisfied",
                           comment="电话回访：满意")
    assert r.status_code == 200 and r.json()["rating"] == "satisfied"
    ev = CaseEvent.objects.get(case=case, action="rate")
    assert ev.payload["on_behalf"] is True and ev.actor.username == "command"
    assert_error(api("resident1").act(case.number, "rate", r.json()["version"],
                                      rating="satisfied"), 422)


def test_reopen_by_command(api: Any) -> None:
    case = case_in("closed")
    r = api("command").act(case.number, "reopen", case.version, reason="群众反映问题复发")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "accepted" and body["lead_department"] is None
    assert body["deadlines"]["handle"] is None
    r = api("station_caishan").act(case.number, "whistle", body["version"],
                                   lead_department="cgj")
    assert r.json()["status"] == "whistled"


def test_supervise_twice_by_leader(api: Any) -> None:
    case = case_in("in_progress")
    leader = api("leader")
    r = leader.act(case.number, "supervise", case.version, reason="领导督办")
    assert r.status_code == 200 and r.json()["supervision_level"] == 1
    r = leader.act(case.number, "supervise", r.json()["version"], reason="仍未办结")
    assert r.status_code == 200 and r.json()["supervision_level"] == 2
    entries = PointsEntry.objects.filter(case=case, rule="supervised").order_by("id")
    assert [(e.department.code, e.points) for e in entries] == [("cgj", -1), ("cgj", -1)]
    assert [s.level for s in case.supervisions.order_by("id")] == [1, 2]
    events = CaseEvent.objects.filter(case=case, action="supervise").order_by("id")
    assert [e.payload["level"] for e in events] == [1, 2]
    assert not any(e.public for e in events)


def test_supervise_before_whistle_scores_nobody(api: Any) -> None:
    case = case_in("accepted")
    r = api("command").act(case.number, "supervise", case.version)
    assert r.json()["supervision_level"] == 1
    assert not PointsEntry.objects.filter(case=case).exists()


def test_comments_public_and_internal(api: Any) -> None:
    case = case_in("whistled")
    station, resident = api("station_caishan"), api("resident1")
    r = station.act(case.number, "comment", case.version, text="内部：请城管局尽快报到",
                    public=False)
    assert r.status_code == 200
    r = station.act(case.number, "comment", r.json()["version"], text="已派城管局处理",
                    public=True)
    r = resident.act(case.number, "comment", r.json()["version"], text="谢谢，请尽快")
    assert r.status_code == 200
    assert_error(station.act(case.number, "comment", r.json()["version"]), 400, "missing_field")
    assert_error(station.act(case.number, "comment", r.json()["version"], text="x",
                             public="yes"), 400, "bad_field")
    seen_by_resident = [(e["action"], e["payload"].get("text")) for e in resident.get(
        f"/api/v1/cases/{case.number}/events").json() if e["action"] == "comment"]
    assert seen_by_resident == [("comment", "已派城管局处理"), ("comment", "谢谢，请尽快")]
    seen_by_station = [e["payload"]["text"] for e in station.get(
        f"/api/v1/cases/{case.number}/events").json() if e["action"] == "comment"]
    assert seen_by_station == ["内部：请城管局尽快报到", "已派城管局处理", "谢谢，请尽快"]
    seen_by_dept = [e["payload"]["text"] for e in api("dept_cgj").get(
        f"/api/v1/cases/{case.number}/events").json() if e["action"] == "comment"]
    assert "内部：请城管局尽快报到" in seen_by_dept
    assert_error(api("resident2").get(f"/api/v1/cases/{case.number}/events"), 404)


def test_check_truth_task_completed_by_the_grid_worker(api: Any) -> None:
    case = new_case()
    task = Task.objects.get(case=case, kind=TaskKind.CHECK_TRUTH)
    assert task.assignee.username == "grid_caishan1" and task.status == "open"
    worker = api("grid_caishan1")
    assert any(t["id"] == task.id and t["kind"] == "check_truth"
               for t in worker.get("/api/v1/tasks").json())
    assert not any(t["id"] == task.id for t in api("grid_mashan1").get("/api/v1/tasks").json())
    assert_error(api("grid_mashan1").post(f"/api/v1/tasks/{task.id}/complete",
                                          {"found_true": True}), 403, "forbidden")
    assert_error(api("station_caishan").post(f"/api/v1/tasks/{task.id}/complete",
                                             {"found_true": True}), 403)
    assert_error(worker.post(f"/api/v1/tasks/{task.id}/complete", {}), 400)
    r = worker.post(f"/api/v1/tasks/{task.id}/complete", {"found_true": True, "note": "属实"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "done" and r.json()["case"] == case.number
    task.refresh_from_db()
    assert task.result == {"found_true": True, "note": "属实"} and task.done_at is not None
    assert_error(worker.post(f"/api/v1/tasks/{task.id}/complete", {"found_true": True}), 422)
    assert_error(worker.post("/api/v1/tasks/999999/complete", {"found_true": True}), 404)


def test_onsite_check_task_is_closed_by_verify(api: Any) -> None:
    case = case_in("handled")
    task = Task.objects.get(case=case, kind=TaskKind.ONSITE_CHECK)
    assert_error(api("grid_caishan1").post(f"/api/v1/tasks/{task.id}/complete",
                                           {"found_true": True}), 422)
    act("grid_caishan1", case, "verify", passed=True)
    task.refresh_from_db()
    assert task.status == "done" and task.result["passed"] is True


def _points_total(api: Any, dept: str) -> int:
    r = api("command").get("/api/v1/points", department=dept)
    assert r.status_code == 200, r.content
    return int(r.json()["total"])


def test_points_appeal_upheld_restores_the_total(api: Any) -> None:
    case = case_in("in_progress")
    before = _points_total(api, "cgj")
    act("leader", case, "supervise", reason="督办")
    entry = PointsEntry.objects.get(case=case, rule="supervised")
    assert _points_total(api, "cgj") == before - 1
    # Only the deducted department may appeal, and only a deduction.
    assert_error(api("dept_zjj").post(f"/api/v1/points/{entry.id}/appeal", {"reason": "x"}), 403)
    plus = PointsEntry.objects.get(case=case, rule="check_in_on_time")
    assert_error(api("dept_cgj").post(f"/api/v1/points/{plus.id}/appeal", {"reason": "x"}), 400)
    assert_error(api("dept_cgj").post(f"/api/v1/points/{entry.id}/appeal", {"reason": " "}), 400)
    r = api("dept_cgj").post(f"/api/v1/points/{entry.id}/appeal",
                             {"reason": "督办时已在施工，非本部门拖延"})
    assert r.status_code == 201, r.content
    appeal_id = r.json()["id"]
    assert r.json()["status"] == "pending"
    assert_error(api("dept_cgj").post(f"/api/v1/points/{entry.id}/appeal", {"reason": "再次"}),
                 422)
    # Only the command center decides.
    assert_error(api("dept_cgj").post(f"/api/v1/appeals/{appeal_id}/decide", {"upheld": True}),
                 403)
    assert_error(api("station_caishan").post(f"/api/v1/appeals/{appeal_id}/decide",
                                             {"upheld": True}), 403)
    r = api("command").post(f"/api/v1/appeals/{appeal_id}/decide",
                            {"upheld": True, "note": "情况属实"})
    assert r.status_code == 200 and r.json()["status"] == "upheld"
    comp = PointsEntry.objects.get(reverses=entry)
    assert comp.points == 1 and comp.rule == "appeal_upheld" and comp.department.code == "cgj"
    assert _points_total(api, "cgj") == before
    assert_error(api("command").post(f"/api/v1/appeals/{appeal_id}/decide", {"upheld": True}),
                 422)
    # A reversed deduction cannot be appealed again.
    assert_error(api("dept_cgj").post(f"/api/v1/points/{entry.id}/appeal", {"reason": "x"}), 422)
    assert_error(api("command").post("/api/v1/appeals/999999/decide", {"upheld": True}), 404)


def test_points_appeal_dismissed_keeps_the_deduction(api: Any) -> None:
    case = case_in("in_progress")
    act("command", case, "supervise")
    entry = PointsEntry.objects.get(case=case, rule="supervised")
    before = _points_total(api, "cgj")
    r = api("dept_cgj").post(f"/api/v1/points/{entry.id}/appeal", {"reason": "不服"})
    r = api("command").post(f"/api/v1/appeals/{r.json()['id']}/decide", {"upheld": False})
    assert r.json()["status"] == "dismissed"
    assert _points_total(api, "cgj") == before
    assert not PointsEntry.objects.filter(reverses=entry).exists()


def test_station_evaluation(api: Any) -> None:
    station = api("station_caishan")
    accepted = case_in("accepted")
    assert_error(station.post(f"/api/v1/cases/{accepted.number}/evaluation", {"score": 4}), 422)
    case = case_in("closed")
    assert_error(station.post(f"/api/v1/cases/{case.number}/evaluation", {"score": 6}), 400)
    assert_error(api("dept_cgj").post(f"/api/v1/cases/{case.number}/evaluation", {"score": 5}),
                 403)
    assert_error(api("station_mashan").post(f"/api/v1/cases/{case.number}/evaluation",
                                            {"score": 5}), 404)
    r = station.post(f"/api/v1/cases/{case.number}/evaluation", {"score": 4, "comment": "及时"})
    assert r.status_code == 201, r.content
    assert r.json() == {"case": case.number, "department": "cgj", "score": 4}
    assert_error(station.post(f"/api/v1/cases/{case.number}/evaluation", {"score": 5}), 422)


def test_reporter_phone_masked_for_department_visible_to_station(api: Any) -> None:
    case = case_in("whistled")
    dept_view = api("dept_cgj").get(f"/api/v1/cases/{case.number}").json()
    assert dept_view["reporter_phone"] == "138****1111"
    assert dept_view["reporter_name"] == "张*"
    station_view = api("station_caishan").get(f"/api/v1/cases/{case.number}").json()
    assert station_view["reporter_phone"] == "13800001111"
    assert station_view["reporter_name"] == "张伟"
    own = api("resident1").get(f"/api/v1/cases/{case.number}").json()
    assert own["reporter_phone"] == "13800001111"
    worker = api("grid_caishan1").get(f"/api/v1/cases/{case.number}").json()
    assert worker["reporter_phone"] == "138****1111"
    listed = api("dept_cgj").get("/api/v1/cases").json()["results"]
    assert all("1111" not in c["reporter_phone"] or "****" in c["reporter_phone"]
               for c in listed)


def test_anonymous_reporter_hidden_from_department(api: Any) -> None:
    case = new_case(anonymous=True)
    case = act("station_caishan", case, "accept")
    case = act("station_caishan", case, "whistle", lead_department="cgj")
    view = api("dept_cgj").get(f"/api/v1/cases/{case.number}").json()
    assert view["reporter_name"] == "匿名" and view["reporter_phone"] == ""
    assert api("station_caishan").get(
        f"/api/v1/cases/{case.number}").json()["reporter_phone"] == "13800001111"
