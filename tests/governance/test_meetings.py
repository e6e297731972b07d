"""Joint meetings: agenda from escalated cases, attendance, decisions acting on cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shaobao.cases.models import Case, CaseEvent
from shaobao.governance.models import MeetingDecision
from shaobao.governance.selectors import meeting_absences
from shaobao.org.models import Department
from world import CAISHAN, STREET_JIXIAN

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")
MEETINGS = "/api/v1/meetings"


def schedule(api: Any, **extra: Any) -> Any:
    body = {"kind": "street_joint", "title": "集贤路街道联席会议",
            "scheduled_at": datetime.now(BJ).isoformat(), "departments": ["cgj", "zjj"],
            "communities": [CAISHAN], **extra}
    return api("street_jixian").post(MEETINGS, body)


def test_agenda_starts_with_the_streets_escalated_cases(escalated_case: Any, api: Any) -> None:
    case = escalated_case()
    r = schedule(api)
    assert r.status_code == 201, r.content
    agenda = r.json()["agenda"]
    assert [(a["case"], a["source"]) for a in agenda] == [(case.number, "escalated")]
    assert r.json()["street"] == STREET_JIXIAN


def test_who_may_convene_and_see(escalated_case: Any, api: Any) -> None:
    assert schedule(api, kind="district_joint").status_code == 403
    assert api("station_caishan").post(MEETINGS, {
        "kind": "street_joint", "title": "x", "scheduled_at": datetime.now(BJ).isoformat()
    }).status_code == 403
    assert schedule(api, street="340803001").status_code == 403  # another street
    meeting = schedule(api).json()["id"]
    assert api("dept_cgj").get(f"{MEETINGS}/{meeting}").status_code == 200  # a member
    assert api("station_mashan").get(f"{MEETINGS}/{meeting}").status_code == 404
    assert api("command").get(f"{MEETINGS}/{meeting}").status_code == 200
    assert [m["id"] for m in api("station_mashan").get(MEETINGS).json()] == []


def test_decision_whistles_the_case_and_its_events_record_the_meeting(
        escalated_case: Any, api: Any) -> None:
    case = escalated_case()
    meeting = schedule(api).json()["id"]
    due = (datetime.now(BJ) + timedelta(days=10)).replace(microsecond=0)
    r = api("street_jixian").post(f"{MEETINGS}/{meeting}/decisions", {
        "case": case.number, "task": "为二楼平台安装路灯", "department": "cgj",
        "deadline": due.isoformat()})
    assert r.status_code == 201, r.content
    case.refresh_from_db()
    assert case.status == "whistled" and case.lead_department.code == "cgj"
    event = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert event is not None and event.action == "whistle" and event.id == r.json()["event"]
    assert event.actor.username == "street_jixian" and event.from_status == "escalated"
    assert f"会议 M{meeting}" in event.payload["note"] and "为二楼平台安装路灯" in event.payload["note"]
    decision = MeetingDecision.objects.get(pk=r.json()["id"])  # the four lists
    assert (decision.agenda_item.case, decision.task, decision.department.code,
            decision.deadline) == (case, "为二楼平台安装路灯", "cgj", due)
    # The lifecycle continues as usual: the department checks in.
    r = api("dept_cgj").act(case.number, "check_in", case.version)
    assert r.status_code == 200 and r.json()["status"] == "in_progress"


def test_decision_rules(escalated_case: Any, api: Any) -> None:
    case = escalated_case()
    other = escalated_case("另一件")
    meeting = schedule(api).json()["id"]
    url = f"{MEETINGS}/{meeting}/decisions"
    due = (datetime.now(BJ) + timedelta(days=5)).isoformat()
    body = {"case": case.number, "task": "处理", "department": "cgj", "deadline": due}
    assert api("command").post(url, body).status_code == 403  # not the convener
    r = api("street_jixian").post(url, {**body, "deadline": "2020-01-01T00:00:00+08:00"})
    assert r.json()["error"]["code"] == "bad_deadline"
    assert api("street_jixian").post(url, {**body, "department": None}).status_code == 400
    # Convener picks a case that is not on the agenda yet, then decides to keep coordinating.
    Case.objects.filter(pk=other.pk)  # already on the agenda (escalated in the street)
    r = api("street_jixian").post(url, {**body, "case": other.number, "action": "comment",
                                        "department": None})
    assert r.status_code == 201
    other.refresh_from_db()
    assert other.status == "escalated"
    assert other.events.order_by("-id").first().action == "comment"  # type: ignore[union-attr]
    r = api("street_jixian").post(url, {**body, "case": "DG000000000000"})
    assert r.json()["error"]["code"] == "not_on_agenda"


def test_picked_cases_join_the_agenda(api: Any, escalated_case: Any) -> None:
    from shaobao.cases.services.intake import CaseCreateData, case_create
    from shaobao.org.models import User
    from world import inside

    lat, lng = inside(1)
    case = case_create(User.objects.get(username="resident2"),
                       data=CaseCreateData(description="井盖缺失", lat=lat, lng=lng)).case
    meeting = schedule(api, cases=[case.number]).json()
    assert [(a["case"], a["source"]) for a in meeting["agenda"]] == [(case.number, "picked")]
    r = api("street_jixian").post(f"{MEETINGS}/{meeting['id']}/agenda",
                                  {"case": escalated_case().number})
    assert r.status_code == 201 and r.json()["source"] == "picked"
    # A case outside the convener's street cannot be picked (404: invisible).
    lat, lng = inside(2)
    far = case_create(User.objects.get(username="resident2"),
                      data=CaseCreateData(description="x", lat=lat, lng=lng)).case
    assert schedule(api, cases=[far.number]).status_code == 404


def test_attendance_absences_and_minutes(escalated_case: Any, api: Any) -> None:
    case = escalated_case()
    when = datetime(2026, 4, 15, 9, tzinfo=BJ)
    meeting = schedule(api, scheduled_at=when.isoformat()).json()["id"]
    r = api("street_jixian").post(f"{MEETINGS}/{meeting}/attendance",
                                  {"present": ["cgj", CAISHAN], "summary": "会商路灯问题"})
    assert r.status_code == 200 and r.json()["status"] == "held"
    assert api("street_jixian").post(f"{MEETINGS}/{meeting}/attendance",
                                     {"present": ["gafj"]}).status_code == 400
    zjj, cgj = Department.objects.get(code="zjj"), Department.objects.get(code="cgj")
    assert (meeting_absences(zjj, "2026-04"), meeting_absences(cgj, "2026-04")) == (1, 0)
    assert meeting_absences(zjj, "2026-05") == 0
    rows = api("command").get(f"{MEETINGS}/absences", month="2026-04").json()
    assert rows[0] == {"department": "zjj", "department_name": "大观区住房和城乡建设局",
                       "invited": 1, "present": 0, "absent": 1}
    api("street_jixian").post(f"{MEETINGS}/{meeting}/decisions", {
        "case": case.number, "task": "安装路灯", "department": "cgj",
        "deadline": (datetime.now(BJ) + timedelta(days=3)).isoformat()})
    r = api("dept_cgj").get(f"{MEETINGS}/{meeting}/minutes")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/markdown")
    text = r.content.decode()
    assert "# 集贤路街道联席会议" in text and "| 大观区住房和城乡建设局 | 缺席 |" in text
    assert f"| 1 | {case.number}" in text and "安装路灯 | 大观区城市管理局 |" in text
    assert api("station_mashan").get(f"{MEETINGS}/{meeting}/minutes").status_code == 404
