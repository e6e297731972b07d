"""Petitions: restricted identities, statutory limits, handling via the joint meeting."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shaobao.governance.models import Petition, PetitionEvent, PetitionStaff
from shaobao.governance.services.petitions import (
    petition_accept,
    petition_conclude,
    petition_register,
    petition_review_request,
)
from shaobao.org.models import Role
from world import CAISHAN, STREET_JIXIAN

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")
NAME, PHONE = "赵立新", "13855661234"


@pytest.fixture
def staff(make_user: Any) -> Any:
    user = make_user("xf_jixian", Role.STREET, division=STREET_JIXIAN)
    PetitionStaff.objects.create(user=user, street=user.division)
    return user


def register(staff: Any, **extra: Any) -> Petition:
    return petition_register(staff, street=STREET_JIXIAN, channel="visit", petitioner_name=NAME,
                             petitioner_phone=PHONE, petitioner_address="工农小区3栋",
                             subject="补偿款未发放", content="拆迁补偿款未按期发放", community=CAISHAN,
                             **extra)


def test_only_petition_staff_register(staff: Any, api: Any) -> None:
    body = {"street": STREET_JIXIAN, "channel": "letter", "petitioner_name": NAME,
            "subject": "s", "content": "c"}
    assert api("street_jixian").post("/api/v1/petitions", body).status_code == 403
    assert api("station_caishan").post("/api/v1/petitions", body).status_code == 403
    r = api("xf_jixian").post("/api/v1/petitions", body)
    assert r.status_code == 201 and r.json()["number"].startswith("XF")
    assert r.json()["petitioner_name"] == NAME
    assert api("xf_jixian").post("/api/v1/petitions",
                                 {**body, "channel": "fax"}).status_code == 400


@pytest.mark.parametrize("username", ["station_caishan", "street_jixian", "command", "leader"])
def test_identity_is_masked_for_everyone_but_petition_staff(staff: Any, api: Any,
                                                            username: str) -> None:
    p = register(staff)
    detail = api(username).get(f"/api/v1/petitions/{p.number}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["identity_visible"] is False and body["petitioner_name"] == "赵**"
    assert body["petitioner_phone"] == "138****1234" and body["petitioner_address"] == ""
    listed = api(username).get("/api/v1/petitions").json()
    assert NAME not in str(listed) and PHONE not in str(listed)
    export = api(username).get("/api/v1/petitions/export.csv")
    assert export.status_code == 200 and p.number in export.content.decode()
    assert NAME not in export.content.decode() and PHONE not in export.content.decode()


@pytest.mark.parametrize("username", ["station_mashan", "dept_cgj", "resident1", "grid_caishan1"])
def test_petitions_are_invisible_outside_scope(staff: Any, api: Any, username: str) -> None:
    p = register(staff)
    assert api(username).get(f"/api/v1/petitions/{p.number}").status_code == 404
    assert api(username).get("/api/v1/petitions").json() == []
    assert p.number not in api(username).get("/api/v1/petitions/export.csv").content.decode()


def test_staff_and_the_joint_meeting_convener_see_identities(staff: Any, api: Any) -> None:
    p = register(staff)
    assert api("xf_jixian").get(f"/api/v1/petitions/{p.number}").json()["petitioner_name"] == NAME
    assert NAME in api("xf_jixian").get("/api/v1/petitions/export.csv").content.decode()
    meeting = api("street_jixian").post("/api/v1/meetings", {
        "kind": "petition_joint", "title": "集贤路街道信访工作联席会议",
        "scheduled_at": datetime.now(BJ).isoformat(), "departments": ["xfj", "zjj"]}).json()
    assert meeting["agenda"] == []
    url = f"/api/v1/petitions/{p.number}/actions"
    assert api("xf_jixian").post(f"{url}/accept", {"accepted": True}).status_code == 200
    r = api("xf_jixian").post(f"{url}/assign", {"department": "zjj", "meeting": meeting["id"]})
    assert r.status_code == 200 and r.json()["meeting"] == meeting["id"]
    assert api("street_jixian").get(f"/api/v1/petitions/{p.number}").json()[
        "petitioner_name"] == NAME
    # The assigned department now sees the petition, but masked.
    body = api("dept_zjj").get(f"/api/v1/petitions/{p.number}").json()
    assert body["identity_visible"] is False and body["petitioner_name"] == "赵**"


def test_statutory_limits_and_extension(staff: Any, users: Any, api: Any) -> None:
    at = datetime(2026, 5, 6, 10, tzinfo=BJ)
    p = register(staff, now=at)
    assert p.accept_due == at + timedelta(days=15)
    p = petition_accept(staff, number=p.number, accepted=True, now=at + timedelta(days=16))
    assert p.conclude_due == at + timedelta(days=16 + 60)
    assert PetitionEvent.objects.filter(petition=p, action="accept").get().payload["late"] is True
    url = f"/api/v1/petitions/{p.number}/actions"
    assert api("station_caishan").post(f"{url}/request_extension",
                                       {"reason": "x"}).status_code == 403
    assert api("xf_jixian").post(f"{url}/request_extension",
                                 {"reason": "涉及多部门"}).status_code == 200
    assert api("xf_jixian").post(f"{url}/decide_extension",
                                 {"approved": True}).status_code == 403  # staff can't approve
    r = api("street_jixian").post(f"{url}/decide_extension", {"approved": True})
    assert r.status_code == 200 and r.json()["extended"] is True
    assert r.json()["conclude_due"] == (at + timedelta(days=16 + 90)).isoformat()
    r = api("xf_jixian").post(f"{url}/request_extension", {"reason": "again"})
    assert r.status_code == 422


def test_not_accepting_needs_a_reason(staff: Any, api: Any) -> None:
    p = register(staff)
    url = f"/api/v1/petitions/{p.number}/actions/accept"
    assert api("xf_jixian").post(url, {"accepted": False}).status_code == 400
    r = api("xf_jixian").post(url, {"accepted": False, "note": "已进入诉讼程序"})
    assert r.json()["status"] == "not_accepted"
    assert api("xf_jixian").post(url, {"accepted": True}).status_code == 422


def test_result_satisfaction_and_review(staff: Any, make_user: Any, api: Any) -> None:
    at = datetime(2026, 5, 6, 10, tzinfo=BJ)
    p = register(staff, now=at)
    petition_accept(staff, number=p.number, accepted=True, now=at)
    url = f"/api/v1/petitions/{p.number}/actions"
    api("xf_jixian").post(f"{url}/assign", {"department": "zjj"})
    r = api("dept_zjj").post(f"{url}/conclude", {"result": "补偿款已发放"})
    assert r.status_code == 200 and r.json()["status"] == "concluded"
    assert api("xf_jixian").post(f"{url}/rate", {"satisfaction": "great"}).status_code == 400
    r = api("xf_jixian").post(f"{url}/rate", {"satisfaction": "unsatisfied"})
    assert r.json()["satisfaction"] == "unsatisfied"
    r = api("xf_jixian").post(f"{url}/request_review", {"reason": "金额不对"})
    assert r.json()["status"] == "reviewing"
    # The review is concluded at district level, not by the street's staff.
    assert api("xf_jixian").post(f"{url}/conclude", {"result": "维持"}).status_code == 403
    district = make_user("xf_district", Role.COMMAND)
    PetitionStaff.objects.create(user=district, street=None)
    r = api("xf_district").post(f"{url}/conclude", {"result": "复查维持原处理意见"})
    assert r.json()["status"] == "reviewed" and r.json()["petitioner_name"] == NAME


def test_review_request_out_of_time_is_refused(staff: Any) -> None:
    from shaobao.core.errors import NotAllowedInState

    at = datetime(2026, 5, 6, 10, tzinfo=BJ)
    p = register(staff, now=at)
    petition_accept(staff, number=p.number, accepted=True, now=at)
    petition_conclude(staff, number=p.number, result="已办结", now=at + timedelta(days=1))
    with pytest.raises(NotAllowedInState):
        petition_review_request(staff, number=p.number, reason="x", now=at + timedelta(days=40))
