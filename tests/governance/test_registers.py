"""Registers: visit logs to cases, project lifecycle, roster gaps, indicator rankings."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from shaobao.cases.models import Case
from shaobao.governance.models import Indicator
from shaobao.org.models import Role
from world import CAISHAN, STREET_JIXIAN

pytestmark = pytest.mark.django_db


def test_visit_log_becomes_a_case(api: Any) -> None:
    r = api("grid_caishan1").post("/api/v1/registers/visit-logs",
                                  {"kind": "hazard", "content": "楼道电动车充电", "place": "3栋"})
    assert r.status_code == 201 and r.json()["grid"] == f"{CAISHAN}001"
    log = r.json()["id"]
    assert api("resident1").post("/api/v1/registers/visit-logs",
                                 {"content": "x"}).status_code == 403
    assert api("grid_mashan1").post(f"/api/v1/registers/visit-logs/{log}/case",
                                    {}).status_code == 404
    r = api("grid_caishan1").post(f"/api/v1/registers/visit-logs/{log}/case", {})
    assert r.status_code == 201 and r.json()["status"] == "to_case"
    case = Case.objects.get(number=r.json()["case"])
    assert case.grid.code == f"{CAISHAN}001" and "楼道电动车充电" in case.description
    assert case.events.get().action == "create"
    r = api("grid_caishan1").post(f"/api/v1/registers/visit-logs/{log}/resolve",
                                  {"resolution": "x"})
    assert r.status_code == 422
    stats = api("command").get("/api/v1/registers/stats").json()
    assert stats["hazard"]["to_case"] == 1
    assert [x["id"] for x in api("station_mashan").get("/api/v1/registers/visit-logs").json()] == []


def test_party_project_yearly_lifecycle(api: Any) -> None:
    r = api("station_caishan").post("/api/v1/registers/projects", {
        "community": CAISHAN, "year": 2026, "title": "红领夜话", "goals": "每月一次居民议事"})
    assert r.status_code == 201
    pid = r.json()["id"]
    url = f"/api/v1/registers/projects/{pid}"
    assert api("station_caishan").post(f"{url}/approve", {}).status_code == 403
    assert api("street_jixian").post(f"{url}/accept", {"passed": True,
                                                       "score": 90}).status_code == 422
    assert api("street_jixian").post(f"{url}/approve", {}).json()["status"] == "approved"
    assert api("street_jixian").post(f"{url}/midterm", {"note": "按计划推进"}).json()[
        "status"] == "midterm"
    r = api("command").post(f"{url}/accept", {"passed": True, "score": 92})
    assert r.json() == {"id": pid, "status": "accepted", "score": 92}


def test_roster_matching_flags_gaps(api: Any) -> None:
    ids = ["340803199001011234", "340803198502023456", "34080319700303567X"]
    target = "id_number,name,community\n" + "\n".join(f"{i},居民{n},{CAISHAN}"
                                                       for n, i in enumerate(ids))
    insured = "id_hash\n" + "\n".join(hashlib.sha256(i.encode()).hexdigest() for i in ids[:2])
    assert api("station_caishan").post("/api/v1/registers/rosters", {
        "name": "低保", "kind": "低保", "csv": target}).status_code == 403
    t = api("street_jixian").post("/api/v1/registers/rosters", {
        "name": "低保对象", "kind": "低保", "csv": target, "street": STREET_JIXIAN}).json()
    c = api("street_jixian").post("/api/v1/registers/rosters", {
        "name": "养老保险参保", "kind": "参保", "csv": insured, "street": STREET_JIXIAN}).json()
    assert (t["entries"], c["entries"]) == (3, 2)
    gaps = api("street_jixian").post("/api/v1/registers/rosters/match",
                                     {"target": t["id"], "coverage": c["id"]}).json()
    assert [(g["person"], g["status"]) for g in gaps] == [("居**", "open")]
    assert "34080319700303567X" not in str(gaps)
    r = api("station_caishan").post(f"/api/v1/registers/gaps/{gaps[0]['id']}",
                                    {"status": "closed", "note": "已动员参保"})
    assert r.json()["status"] == "closed"
    r = api("street_jixian").post("/api/v1/registers/rosters", {
        "name": "x", "kind": "x", "csv": "id_hash\nnot-a-hash\n", "street": STREET_JIXIAN})
    assert r.status_code == 400 and r.json()["error"]["code"] == "import_failed"


def test_indicator_rankings(api: Any, make_user: Any) -> None:
    Indicator.objects.create(scheme="村级集体经济", code="CJ01", name="村级集体经营性收入",
                             unit="元", target=100000, bands=[100000, 500000])
    for code, name, value in [("a", "河港社区", 520000), ("b", "某村", 80000),
                              ("c", "另一村", 150000)]:
        r = api("command").post("/api/v1/assessments/values", {
            "indicator": "CJ01", "unit_code": code, "unit_name": name, "period": "2020",
            "value": value})
        assert r.status_code == 200
    assert api("station_caishan").post("/api/v1/assessments/values", {
        "indicator": "CJ01", "unit_code": "a", "unit_name": "x", "period": "2020",
        "value": 1}).status_code == 403
    rows = api("leader").get("/api/v1/assessments/rankings", scheme="村级集体经济",
                             period="2020").json()
    assert [(r["unit"], r["values"]["CJ01"]["band"]) for r in rows] == [("a", 2), ("c", 1),
                                                                          ("b", 0)]
    assert rows[0]["score"] == 120.0 and rows[2]["score"] == 80.0
    make_user("unused", Role.RESIDENT)
