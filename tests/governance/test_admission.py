"""Work-item admission: the lists, push enforcement, the public lookup, applications."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import TimeKind, deadline
from shaobao.governance.models import (
    AdmissionItem,
    AdmissionList,
    ApplicationStatus,
    PushOutcome,
    TaskPush,
)
from shaobao.governance.selectors import push_stats
from shaobao.governance.services.admission import (
    admission_application_decide,
    admission_application_submit,
    community_task_push,
    earliest_effective_date,
)
from shaobao.org.models import Department, Role
from world import CAISHAN

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")
PUSHES = "/api/v1/admission/pushes"


def test_demo_lists_have_the_sources_counts(lists: None) -> None:
    counts = {k: AdmissionItem.objects.filter(list_kind=k).count() for k in AdmissionList.values}
    assert counts == {"duty": 33, "assist": 34, "no_certificate": 20}
    assert not AdmissionItem.objects.filter(department__isnull=True).exists()


def test_push_inside_the_lists_is_accepted(lists: None, api: Any) -> None:
    r = api("dept_zjj").post(PUSHES, {"community": CAISHAN, "kind": "检查",
                                      "title": "业委会履职情况检查", "item_code": "LZ20"})
    assert r.status_code == 201, r.content
    assert r.json()["outcome"] == "accepted" and "LZ20" in r.json()["reason"]


def test_push_outside_the_lists_is_refused_with_a_reason_and_recorded(lists: None,
                                                                      api: Any) -> None:
    r = api("dept_cgj").post(PUSHES, {"community": CAISHAN, "kind": "创建任务",
                                      "title": "文明城市创建迎检台账"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "push_refused" and "准入清单" in error["message"]
    push = TaskPush.objects.get(pk=error["details"]["id"])
    assert push.outcome == PushOutcome.REFUSED and push.department.code == "cgj"


def test_no_certificate_items_are_always_refused(lists: None, api: Any) -> None:
    # By the certificate's name, even when an admitted item of the department is cited…
    r = api("dept_zjj").post(PUSHES, {"community": CAISHAN, "kind": "证明", "title": "无房证明",
                                      "item_code": "XZ23"})
    assert r.status_code == 422 and "不应由村（社区）出具" in r.json()["error"]["message"]
    assert "BZ10" in r.json()["error"]["message"]
    # … and when the push cites the certificate item itself.
    r = api("dept_zjj").post(PUSHES, {"community": CAISHAN, "kind": "台账", "title": "开具证明",
                                      "item_code": "BZ10"})
    assert r.status_code == 422 and "不应由村（社区）出具" in r.json()["error"]["message"]


def test_items_of_another_department_unknown_or_withdrawn_are_refused(lists: None,
                                                                      api: Any) -> None:
    r = api("dept_cgj").post(PUSHES, {"community": CAISHAN, "kind": "检查", "title": "物业检查",
                                      "item_code": "LZ20"})
    assert r.status_code == 422 and "业务主管部门" in r.json()["error"]["message"]
    r = api("dept_cgj").post(PUSHES, {"community": CAISHAN, "kind": "台账", "title": "x",
                                      "item_code": "ZZ99"})
    assert r.status_code == 422 and "ZZ99" in r.json()["error"]["message"]
    r = api("command").post("/api/v1/admission/items/XZ21/withdraw", {"reason": "已由环卫企业承担"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = api("dept_cgj").post(PUSHES, {"community": CAISHAN, "kind": "台账",
                                      "title": "垃圾分类入户宣传台账", "item_code": "XZ21"})
    assert r.status_code == 422 and "已退出" in r.json()["error"]["message"]


def test_only_departments_push_and_bad_input_is_400(lists: None, api: Any) -> None:
    body = {"community": CAISHAN, "kind": "台账", "title": "x", "item_code": "XZ01"}
    assert api("station_caishan").post(PUSHES, body).status_code == 403
    assert api(None).post(PUSHES, body).status_code == 401
    assert api("dept_cgj").post(PUSHES, {**body, "kind": "报表"}).json()["error"]["code"] == \
        "bad_kind"
    assert api("dept_cgj").post(PUSHES, {**body, "community": "340803005"}).status_code == 400


def test_public_certificate_lookup_needs_no_login(lists: None, api: Any) -> None:
    r = api(None).get("/api/v1/admission/certificates", q="开无犯罪记录证明")
    assert r.status_code == 200
    body = r.json()
    assert body["must_not_issue"] is True and body["matches"][0]["code"] == "BZ01"
    assert body["matches"][0]["note"]
    assert api(None).get("/api/v1/admission/certificates", q="养老金资格认证").json()[
        "matches"][0]["code"] == "BZ07"
    r = api(None).get("/api/v1/admission/certificates", q="垃圾清运")
    assert r.json()["must_not_issue"] is False and r.json()["matches"] == []
    assert api(None).get("/api/v1/admission/certificates", q=" ").status_code == 400


def test_burden_statistics_per_department_and_month(lists: None, users: Any) -> None:
    now = datetime(2026, 3, 10, 10, tzinfo=BJ)
    community_task_push(users.dept_cgj, community=CAISHAN, kind="台账", title="a",
                        item_code="XZ21", now=now)
    community_task_push(users.dept_cgj, community=CAISHAN, kind="评比", title="b", now=now)
    community_task_push(users.dept_cgj, community=CAISHAN, kind="评比", title="c", now=now)
    rows = push_stats(month="2026-03")
    assert rows == [{"department": "cgj", "department_name": "大观区城市管理局",
                     "month": "2026-03", "total": 3, "accepted": 1, "refused": 2}]


def test_application_must_come_30_working_days_ahead(make_user: Any, api: Any) -> None:
    r = api("dept_cgj").post("/api/v1/admission/applications", {
        "list": "assist", "title": "协助门前三包告知", "legal_basis": "《城市市容和环境卫生管理条例》",
        "effective_date": (datetime.now(BJ) + timedelta(days=10)).date().isoformat()})
    assert r.status_code == 400 and r.json()["error"]["code"] == "too_late_to_apply"
    earliest = r.json()["error"]["details"]["earliest_effective_date"]
    r = api("dept_cgj").post("/api/v1/admission/applications", {
        "list": "assist", "title": "协助门前三包告知", "legal_basis": "《城市市容和环境卫生管理条例》",
        "effective_date": earliest})
    assert r.status_code == 201 and r.json()["status"] == "submitted"
    assert api("station_caishan").post("/api/v1/admission/applications", {
        "list": "assist", "title": "x", "legal_basis": "y",
        "effective_date": earliest}).status_code == 403


def test_application_workflow_with_time_limits(lists: None, make_user: Any, users: Any,
                                               api: Any) -> None:
    make_user("dept_shgzb", Role.DEPARTMENT, department="shgzb")
    submitted = datetime(2026, 3, 2, 9, tzinfo=BJ)  # a Monday
    effective = earliest_effective_date(submitted)
    # 30 working days after 2 March 2026 (no holiday in between until Qingming, 5 April).
    assert effective == deadline(submitted, 30, TimeKind.WORK_DAYS, work_calendar()).date()
    app = admission_application_submit(
        users.dept_cgj, list_kind="assist", title="协助开展门前三包责任告知",
        legal_basis="《城市市容和环境卫生管理条例》", effective_date=effective, now=submitted)
    assert app.decide_due == deadline(submitted, 15, TimeKind.WORK_DAYS, work_calendar())
    url = f"/api/v1/admission/applications/{app.pk}"
    assert api("dept_cgj").post(f"{url}/decide", {"approved": True}).status_code == 403
    assert api("dept_shgzb").post(f"{url}/review").json()["status"] == "reviewing"
    r = api("dept_shgzb").post(f"{url}/decide", {"approved": False})
    assert r.status_code == 400  # rejecting needs a reason
    app = admission_application_decide(users.dept_shgzb, application_id=app.pk, approved=True,
                                       now=app.decide_due + timedelta(hours=1))
    assert app.status == ApplicationStatus.ADMITTED and app.decided_late
    item = app.item
    assert item is not None and item.code.startswith("XZ") and item.effective_from == effective
    # Not in force before its effective date, in force from it.
    before = community_task_push(users.dept_cgj, community=CAISHAN, kind="台账", title="告知台账",
                                 item_code=item.code, now=submitted + timedelta(days=1))
    assert before.outcome == PushOutcome.REFUSED and "生效" in before.reason
    after = community_task_push(users.dept_cgj, community=CAISHAN, kind="台账", title="告知台账",
                                item_code=item.code,
                                now=datetime.combine(effective, datetime.min.time(), BJ))
    assert after.outcome == PushOutcome.ACCEPTED
    # 退出: the department withdraws its own item; the application follows.
    r = api("dept_cgj").post(f"/api/v1/admission/items/{item.code}/withdraw", {"reason": "已完成"})
    assert r.status_code == 200
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN
    assert api("dept_zjj").post("/api/v1/admission/items/LZ01/withdraw",
                                {"reason": "x"}).status_code == 403


def test_rejection_and_visibility_of_applications(make_user: Any, users: Any, api: Any) -> None:
    app = admission_application_submit(
        users.dept_zjj, list_kind="duty", title="小区电梯年检台账", legal_basis="《特种设备安全法》",
        effective_date=earliest_effective_date(datetime.now(BJ)))
    r = api("command").post(f"/api/v1/admission/applications/{app.pk}/decide",
                            {"approved": False, "note": "属于部门自身职责，不得转嫁社区"})
    assert r.json()["status"] == "rejected"
    assert [a["id"] for a in api("dept_zjj").get("/api/v1/admission/applications").json()] == \
        [app.pk]
    assert api("dept_cgj").get("/api/v1/admission/applications").json() == []
    assert api("resident1").get("/api/v1/admission/applications").status_code == 403
    assert Department.objects.get(code="zjj").admission_applications.count() == 1
