"""Governance pages through Django's test client: access per role, forms through the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.test import Client

from world import CAISHAN, STREET_JIXIAN, inside

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")
NAME, PHONE = "赵立新", "13855661234"
STAFF = ["command", "leader", "station_caishan", "street_jixian", "dept_cgj"]
PAGES = ["/gov/admission/", "/gov/meetings/", "/gov/petitions/", "/gov/party/",
         "/gov/registers/"]


def login(username: str) -> Client:
    from shaobao.org.models import User
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def assert_labelled(html: str) -> None:
    import re
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    assert ids <= labelled, ids - labelled


def local(dt: datetime) -> str:
    return dt.astimezone(BJ).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def lists(db: Any) -> None:
    from shaobao.governance.services.admission import admission_items_import
    path = Path(str(resources.files("shaobao.governance") / "data" / "admission.yaml"))
    admission_items_import(yaml.safe_load(path.read_text("utf-8")))


@pytest.fixture
def escalated_case(db: Any) -> Any:
    from shaobao.cases.services.intake import CaseCreateData, case_create
    from shaobao.cases.services.transition import case_transition
    from shaobao.org.models import User

    def make(description: str = "二楼平台没有路灯") -> Any:
        station = User.objects.get(username="station_caishan")
        lat, lng = inside(0)
        case = case_create(User.objects.get(username="resident1"),
                           data=CaseCreateData(description=description, lat=lat, lng=lng)).case
        case = case_transition(station, case.number, "accept", {"version": case.version})
        return case_transition(station, case.number, "escalate",
                               {"version": case.version, "reason": "需街道协调"})

    return make


@pytest.fixture
def petition_staff(db: Any) -> Any:
    from shaobao.geo.models import Division
    from shaobao.governance.models import PetitionStaff
    from shaobao.org.models import Role, User
    street = Division.objects.get(code=STREET_JIXIAN)
    user = User.objects.create(username="xf_jixian", role=Role.STREET, division=street)
    PetitionStaff.objects.create(user=user, street=street)
    return user


# -- access ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [*PAGES, "/gov/meetings/1/", "/gov/petitions/XF1/",
                                 "/gov/petitions/export.csv"])
def test_anonymous_is_sent_to_login(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("username", STAFF)
@pytest.mark.parametrize("url", PAGES)
def test_pages_render_for_staff(username: str, url: str, lists: None) -> None:
    response = login(username).get(url)
    assert response.status_code == 200, response.content.decode()[:1000]
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html and "https://" not in html


@pytest.mark.parametrize("url", PAGES)
def test_residents_are_forbidden(url: str) -> None:
    assert login("resident1").get(url).status_code == 403


def test_grid_worker_sees_admission_and_party_but_not_registers() -> None:
    client = login("grid_caishan1")
    assert client.get("/gov/admission/").status_code == 200
    assert client.get("/gov/party/").status_code == 200
    assert client.get("/gov/registers/").status_code == 403


@pytest.mark.parametrize(("username", "url"), [
    ("dept_cgj", "/gov/admission/"), ("street_jixian", "/gov/meetings/"),
    ("command", "/gov/meetings/"), ("station_caishan", "/gov/party/"),
    ("dept_cgj", "/gov/party/"), ("command", "/gov/registers/")])
def test_every_field_has_a_label(lists: None, username: str, url: str) -> None:
    import re
    html = login(username).get(url).content.decode()
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    assert ids and ids <= labelled, ids - labelled


# -- admission ------------------------------------------------------------------------------

def test_certificate_lookup_is_public(lists: None) -> None:
    client = Client()
    page = client.get("/gov/certificates/")
    assert page.status_code == 200 and "不应由村（社区）出具的证明事项" in page.content.decode()
    answer = client.get("/gov/certificates/", {"q": "无犯罪记录证明"}).content.decode()
    assert "村（社区）不应出具该证明" in answer
    answer = client.get("/gov/certificates/", {"q": "党员组织关系介绍信"}).content.decode()
    assert "未列入不应出具证明事项清单" in answer
    assert client.get("/gov/certificates/", {"q": "x" * 101}).status_code == 400


def test_admission_lists_search(lists: None) -> None:
    html = login("station_caishan").get("/gov/admission/", {"q": "无犯罪"}).content.decode()
    assert "无犯罪" in html
    assert html.count("<tr><td>") < 10  # filtered, not all 87 items


def test_refused_push_shows_the_reason_and_accepted_push_is_recorded(lists: None) -> None:
    from shaobao.governance.models import AdmissionItem, TaskPush
    client = login("dept_cgj")
    r = client.post("/gov/admission/pushes", {"community": CAISHAN, "kind": "ledger",
                                              "title": "创建文明城市迎检台账", "item_code": ""})
    assert r.status_code == 422
    assert "任务被拒绝下派" in r.content.decode() and "未列入村（社区）工作事项准入清单" in r.content.decode()
    push = TaskPush.objects.get(title="创建文明城市迎检台账")
    assert push.outcome == "refused"
    r = client.post("/gov/admission/pushes", {"community": CAISHAN, "kind": "certificate",
                                              "title": "无犯罪记录证明", "item_code": ""})
    assert r.status_code == 422 and "不应由村（社区）出具" in r.content.decode()
    item = AdmissionItem.objects.filter(department__code="cgj", list_kind="assist").first() \
        or AdmissionItem.objects.filter(department__code="cgj").exclude(
            list_kind="no_certificate").first()
    assert item is not None
    r = client.post("/gov/admission/pushes", {"community": CAISHAN, "kind": "inspection",
                                              "title": "门前三包检查", "item_code": item.code},
                    follow=True)
    assert r.status_code == 200 and "任务准予下派" in r.content.decode()
    assert TaskPush.objects.get(title="门前三包检查").outcome == "accepted"
    # Only departments push: a station's post is refused by the service with 403.
    r = login("station_caishan").post("/gov/admission/pushes", {
        "community": CAISHAN, "kind": "ledger", "title": "x", "item_code": ""})
    assert r.status_code == 403 and "只有职能部门" in r.content.decode()
    # The burden statistics count both outcomes.
    html = login("command").get("/gov/admission/").content.decode()
    assert "减负统计" in html and "创建文明城市迎检台账" in html


def test_application_is_submitted_and_decided(lists: None) -> None:
    from shaobao.governance.models import AdmissionApplication
    due = (datetime.now(BJ) + timedelta(days=90)).date().isoformat()
    r = login("dept_cgj").post("/gov/admission/applications", {
        "list_kind": "assist", "title": "协助开展垃圾分类入户宣传", "legal_basis": "《城市生活垃圾管理办法》",
        "effective_date": due, "reason": "", "funding": ""}, follow=True)
    assert r.status_code == 200 and "已提交准入申请" in r.content.decode()
    application = AdmissionApplication.objects.get(title="协助开展垃圾分类入户宣传")
    # Too soon: the service's 30-working-day rule comes back as a visible 400.
    r = login("dept_cgj").post("/gov/admission/applications", {
        "list_kind": "assist", "title": "太急", "legal_basis": "x",
        "effective_date": datetime.now(BJ).date().isoformat()})
    assert r.status_code == 400 and "个工作日申请" in r.content.decode()
    # A department may not decide; the reviewer (command) may.
    r = login("dept_zjj").post(f"/gov/admission/applications/{application.pk}/decide",
                               {"approved": "yes"})
    assert r.status_code == 403
    html = login("command").get("/gov/admission/").content.decode()
    assert "待审核的准入申请" in html and "协助开展垃圾分类入户宣传" in html
    r = login("command").post(f"/gov/admission/applications/{application.pk}/decide",
                              {"approved": "no", "note": ""})
    assert r.status_code == 400 and "驳回申请须说明理由" in r.content.decode()
    r = login("command").post(f"/gov/admission/applications/{application.pk}/decide",
                              {"approved": "yes", "note": ""}, follow=True)
    assert r.status_code == 200
    application.refresh_from_db()
    assert application.status == "admitted" and application.item is not None


# -- meetings -------------------------------------------------------------------------------

def schedule(client: Client, **extra: Any) -> Any:
    data = {"kind": "street_joint", "title": "集贤路街道联席会议",
            "scheduled_at": local(datetime.now(BJ)), "street": "", "place": "街道三楼",
            "departments": ["cgj", "zjj"], "communities": [CAISHAN], "cases": "", **extra}
    return client.post("/gov/meetings/new", data)


def test_meeting_decision_whistles_the_case(escalated_case: Any) -> None:
    from shaobao.cases.models import Case
    from shaobao.governance.models import Meeting
    case = escalated_case()
    street = login("street_jixian")
    r = schedule(street)
    assert r.status_code == 302, r.content.decode()[:2000]
    meeting = Meeting.objects.get(title="集贤路街道联席会议")
    page = street.get(f"/gov/meetings/{meeting.pk}/").content.decode()
    assert f'href="/cases/{case.number}"' in page and "会议决定" in page
    assert_labelled(page)
    # attendance: cgj present, the rest absent
    r = street.post(f"/gov/meetings/{meeting.pk}/attendance", {"present": ["cgj"],
                                                               "summary": "议定路灯问题"})
    assert r.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "held"
    # a decision in the past is refused with the service's message
    prefix = f"decision-{case.number}"
    url = f"/gov/meetings/{meeting.pk}/decisions/{case.number}"
    r = street.post(url, {f"{prefix}-action": "whistle", f"{prefix}-task": "安装路灯",
                          f"{prefix}-department": "cgj",
                          f"{prefix}-deadline": local(datetime.now(BJ) - timedelta(days=1))})
    assert r.status_code == 400 and "时限必须晚于现在" in r.content.decode()
    r = street.post(url, {f"{prefix}-action": "whistle", f"{prefix}-task": "为二楼平台安装路灯",
                          f"{prefix}-department": "cgj",
                          f"{prefix}-deadline": local(datetime.now(BJ) + timedelta(days=10))},
                    follow=True)
    assert r.status_code == 200 and "会议决定已执行" in r.content.decode()
    case = Case.objects.get(pk=case.pk)
    assert case.status == "whistled" and case.lead_department.code == "cgj"
    assert f"会议 M{meeting.pk}" in case.events.order_by("-id").first().payload["note"]
    minutes = street.get(f"/gov/meetings/{meeting.pk}/minutes")
    assert minutes.status_code == 200 and "为二楼平台安装路灯" in minutes.content.decode()
    # A member department sees the meeting but cannot decide; another station cannot see it.
    assert login("dept_cgj").get(f"/gov/meetings/{meeting.pk}/").status_code == 200
    assert login("dept_cgj").post(url, {f"{prefix}-action": "comment", f"{prefix}-task": "x",
                                        f"{prefix}-deadline": local(datetime.now(BJ)
                                                                    + timedelta(days=1))}
                                  ).status_code == 403
    assert login("station_mashan").get(f"/gov/meetings/{meeting.pk}/").status_code == 404
    assert login("station_mashan").get(f"/gov/meetings/{meeting.pk}/minutes").status_code == 404


def test_who_may_schedule(escalated_case: Any) -> None:
    assert "安排会议" not in login("station_caishan").get("/gov/meetings/").content.decode()
    r = schedule(login("station_caishan"))
    assert r.status_code == 403
    r = schedule(login("street_jixian"), kind="district_joint")
    assert r.status_code == 403 and "区联席会议" in r.content.decode()


# -- petitions ------------------------------------------------------------------------------

def register_petition(client: Client) -> Any:
    return client.post("/gov/petitions/new", {
        "street": STREET_JIXIAN, "community": CAISHAN, "channel": "visit",
        "petitioner_name": NAME, "petitioner_phone": PHONE, "petitioner_address": "工农小区3栋",
        "subject": "补偿款未发放", "content": "拆迁补偿款未按期发放"})


def test_petition_register_and_identity_masking(petition_staff: Any) -> None:
    from shaobao.governance.models import Petition
    staff = login("xf_jixian")
    assert "登记信访件" in staff.get("/gov/petitions/").content.decode()
    r = register_petition(staff)
    assert r.status_code == 302
    number = Petition.objects.get(subject="补偿款未发放").number
    html = staff.get(f"/gov/petitions/{number}/").content.decode()
    assert NAME in html and PHONE in html and "工农小区3栋" in html
    assert_labelled(html)
    assert_labelled(staff.get("/gov/petitions/").content.decode())
    for username in ("station_caishan", "street_jixian", "command"):
        client = login(username)
        for url in ("/gov/petitions/", f"/gov/petitions/{number}/", "/gov/petitions/export.csv"):
            r = client.get(url)
            body = r.content.decode()
            assert r.status_code == 200, (username, url)
            assert NAME not in body and PHONE not in body and "工农小区3栋" not in body
            assert "赵**" in body and "138****1234" in body
    # A station of another community does not see the petition at all.
    assert login("station_mashan").get(f"/gov/petitions/{number}/").status_code == 404
    # Non-staff cannot register: the form is absent and the service says 403.
    assert "登记信访件" not in login("street_jixian").get("/gov/petitions/").content.decode()
    assert register_petition(login("street_jixian")).status_code == 403


def test_petition_accept_assign_extend_conclude(petition_staff: Any) -> None:
    from shaobao.governance.models import Petition
    staff = login("xf_jixian")
    register_petition(staff)
    p = Petition.objects.get(subject="补偿款未发放")
    url = f"/gov/petitions/{p.number}/actions/"
    r = staff.post(url + "accept", {"accept-accepted": "no", "accept-note": ""})
    assert r.status_code == 400 and "不予受理须说明理由" in r.content.decode()
    assert staff.post(url + "accept", {"accept-accepted": "yes"}).status_code == 302
    # a station may see it but not act
    assert login("station_caishan").post(url + "conclude",
                                         {"conclude-result": "x"}).status_code == 403
    assert staff.post(url + "assign", {"assign-department": "cgj"}).status_code == 302
    dept = login("dept_cgj")
    assert "出具办理结果" in dept.get(f"/gov/petitions/{p.number}/").content.decode()
    assert dept.post(url + "request_extension",
                     {"request_extension-reason": "需协调资金"}).status_code == 302
    # the staff cannot approve their own petition's extension; the street officer can
    assert staff.post(url + "decide_extension",
                      {"decide_extension-approved": "yes"}).status_code == 403
    street = login("street_jixian")
    assert "审批延期" in street.get(f"/gov/petitions/{p.number}/").content.decode()
    assert street.post(url + "decide_extension",
                       {"decide_extension-approved": "yes"}).status_code == 302
    assert dept.post(url + "conclude", {"conclude-result": "已发放补偿款"}).status_code == 302
    assert staff.post(url + "rate", {"rate-satisfaction": "satisfied"}).status_code == 302
    p.refresh_from_db()
    assert (p.status, p.extended, p.satisfaction) == ("concluded", True, "satisfied")
    assert staff.post(url + "accept", {"accept-accepted": "yes"}).status_code == 422
    assert staff.post(url + "nonsense", {}).status_code == 404


# -- party ----------------------------------------------------------------------------------

def test_party_registration_posts_activities_and_rankings() -> None:
    from shaobao.governance.models import PartyMember, PartyPointsEntry
    station = login("station_caishan")
    r = station.post("/gov/party/members", {"name": "张党员", "phone": "", "kind": "party_member",
                                            "home_community": CAISHAN, "work_unit": "cgj"})
    assert r.status_code == 302
    member = PartyMember.objects.get(name="张党员")
    r = station.post("/gov/party/members", {"name": "无单位", "phone": "", "kind": "party_member",
                                            "home_community": CAISHAN, "work_unit": ""})
    assert r.status_code == 400 and "在职党员须填写工作单位" in r.content.decode()
    assert login("dept_cgj").post(f"/gov/party/members/{member.pk}/confirm").status_code == 302
    assert login("dept_zjj").post(f"/gov/party/members/{member.pk}/confirm").status_code == 403
    assert station.post("/gov/party/posts", {"title": "楼栋政策宣传员", "description": "",
                                             "capacity": 2}).status_code == 302
    at = local(datetime.now(BJ))
    assert station.post("/gov/party/activities", {"title": "荷塘夜话", "at": at,
                                                  "points": 3}).status_code == 302
    html = station.get("/gov/party/").content.decode()
    assert "楼栋政策宣传员" in html and "荷塘夜话" in html
    from shaobao.governance.models import PartyActivity, ServicePost
    post = ServicePost.objects.get(title="楼栋政策宣传员")
    activity = PartyActivity.objects.get(title="荷塘夜话")
    assert station.post(f"/gov/party/posts/{post.pk}/claim",
                        {"member": member.pk}).status_code == 302
    assert station.post(f"/gov/party/posts/{post.pk}/claim",
                        {"member": member.pk}).status_code == 422  # already claimed
    assert station.post(f"/gov/party/activities/{activity.pk}/sign-in",
                        {"member": member.pk}).status_code == 302
    assert login("station_mashan").post(f"/gov/party/activities/{activity.pk}/sign-in",
                                        {"member": member.pk}).status_code == 403
    assert login("station_mashan").post("/gov/party/posts", {"title": "x", "capacity": 1}
                                        ).status_code == 302  # its own community
    assert login("dept_cgj").post("/gov/party/posts", {"title": "x", "capacity": 1}
                                  ).status_code == 403
    assert PartyPointsEntry.objects.filter(member=member).count() == 4  # 2 × both ledgers
    html = login("command").get("/gov/party/", {"place": "unit"}).content.decode()
    assert "张党员" in html and "8" in html and "单位排名" in html
