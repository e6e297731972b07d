"""Dual registration and dual points: who registers, points in both ledgers, rankings."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shaobao.governance.models import PartyPointsEntry
from world import CAISHAN

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def register(api: Any, who: str, name: str, unit: str | None, **extra: Any) -> Any:
    return api(who).post("/api/v1/party/members", {"name": name, "home_community": CAISHAN,
                                                   "work_unit": unit, **extra})


def test_registration_permissions(api: Any) -> None:
    assert register(api, "station_mashan", "王伟", "cgj").status_code == 403
    assert register(api, "dept_zjj", "王伟", "cgj").status_code == 403
    assert register(api, "station_caishan", "王伟", None).status_code == 400  # needs a unit
    r = register(api, "dept_cgj", "王伟", "cgj")
    assert r.status_code == 201 and r.json()["unit_registered"] is True
    assert r.json()["community_registered"] is False
    member = r.json()["id"]
    assert api("station_mashan").post(f"/api/v1/party/members/{member}/confirm").status_code == 403
    r = api("station_caishan").post(f"/api/v1/party/members/{member}/confirm")
    assert r.json()["community_registered"] is True
    assert api("station_caishan").post(f"/api/v1/party/members/{member}/confirm").status_code == 422
    r = register(api, "station_caishan", "李单元", None, kind="unit_leader")
    assert r.status_code == 201 and r.json()["kind"] == "unit_leader"


def test_dual_points_and_rankings(api: Any) -> None:
    a = register(api, "station_caishan", "张党员", "cgj").json()["id"]
    b = register(api, "station_caishan", "李党员", "zjj").json()["id"]
    c = register(api, "station_caishan", "陈单元长", None, kind="unit_leader").json()["id"]
    api("dept_cgj").post(f"/api/v1/party/members/{a}/confirm")  # only a reported in at the unit
    post = api("station_caishan").post("/api/v1/party/posts", {
        "community": CAISHAN, "title": "楼栋政策宣传员", "capacity": 2}).json()["id"]
    for member in (a, b):
        r = api("station_caishan").post(f"/api/v1/party/posts/{post}/claims", {"member": member})
        assert r.status_code == 201
    assert api("station_caishan").post(f"/api/v1/party/posts/{post}/claims",
                                       {"member": c}).status_code == 422  # full
    activity = api("station_caishan").post("/api/v1/party/activities", {
        "community": CAISHAN, "title": "荷塘夜话", "at": datetime.now(BJ).isoformat(),
        "points": 3}).json()["id"]
    for member in (a, c):
        r = api("station_caishan").post(f"/api/v1/party/activities/{activity}/sign-ins",
                                        {"member": member})
        assert r.status_code == 201
    assert api("station_caishan").post(f"/api/v1/party/activities/{activity}/sign-ins",
                                       {"member": a}).status_code == 422
    assert api("station_mashan").post(f"/api/v1/party/activities/{activity}/sign-ins",
                                      {"member": b}).status_code == 403
    # a: 5 + 3 in both ledgers; b: 5 in the community only; c (unit leader): 3 in the community.
    community = api("command").get("/api/v1/party/rankings", place="community",
                                   community=CAISHAN).json()
    assert [(r["name"], r["points"], r["rank"]) for r in community] == [
        ("张党员", 8, 1), ("李党员", 5, 2), ("陈单元长", 3, 3)]
    unit = api("command").get("/api/v1/party/rankings", place="unit", department="cgj").json()
    assert [(r["name"], r["points"]) for r in unit] == [("张党员", 8)]
    groups = api("command").get("/api/v1/party/rankings/groups", place="unit").json()
    assert [(g["code"], g["points"], g["members"]) for g in groups] == [("cgj", 8, 1)]
    groups = api("command").get("/api/v1/party/rankings/groups", place="community").json()
    assert groups[0]["code"] == CAISHAN and groups[0]["points"] == 16
    assert api("command").get("/api/v1/party/rankings", place="x").status_code == 400
    assert PartyPointsEntry.objects.filter(member_id=a).count() == 4
