"""The source's own story, end to end through the HTTP API (issue: lifecycle, done means).

A resident reports that the second-floor platform road of 工农小区 (蔡山社区) has no
street lights; the station accepts and whistles to the street-light item's lead
department; the department checks in and handles; the grid worker verifies; the
resident rates 满意. Events, deadlines and points must be exactly what the rules say.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from shaobao.points.models import PointsEntry
from world import CAISHAN, inside

pytestmark = pytest.mark.django_db


def test_gongnong_street_lights_story(api: Any) -> None:
    resident, station, dept = api("resident1"), api("station_caishan"), api("dept_cgj")
    worker = api("grid_caishan1")
    lat, lng = inside(0)

    r = resident.post("/api/v1/cases", {
        "description": "工农小区一、二、三期二楼平台道路一直没有安装路灯，晚上出行很不安全",
        "item": "GL01", "lat": lat, "lng": lng, "address": "工农小区二楼平台"})
    assert r.status_code == 201, r.content
    case = r.json()
    number = case["number"]
    assert number.startswith("DG") and len(number) == 14
    assert case["status"] == "submitted"
    assert (case["grid"], case["community"], case["street"]) == (
        f"{CAISHAN}001", CAISHAN, "340803005")
    assert case["deadlines"]["feedback"] is not None

    r = station.act(number, "accept", case["version"])
    assert r.status_code == 200, r.content
    case = r.json()
    assert "whistle" in case["allowed_actions"]

    r = station.act(number, "whistle", case["version"], lead_department="cgj")
    assert r.status_code == 200, r.content
    case = r.json()
    assert case["status"] == "whistled" and case["lead_department"] == "cgj"
    check_in_due = datetime.fromisoformat(case["deadlines"]["check_in"])
    handle_due = datetime.fromisoformat(case["deadlines"]["handle"])
    assert check_in_due < handle_due
    assert case["deadlines"]["lights"]["check_in"] == "green"

    r = dept.act(number, "check_in", case["version"])
    assert r.status_code == 200, r.content
    case = r.json()
    assert case["status"] == "in_progress"

    r = dept.act(number, "handle", case["version"], result="已在二楼平台道路安装路灯 12 盏并通电")
    assert r.status_code == 200, r.content
    case = r.json()
    assert case["status"] == "handled"

    tasks = worker.get("/api/v1/tasks").json()
    assert any(t["case"] == number and t["kind"] == "onsite_check" for t in tasks)

    r = worker.act(number, "verify", case["version"], passed=True, note="现场核查路灯已亮")
    assert r.status_code == 200, r.content
    case = r.json()
    assert case["status"] == "closed"

    r = resident.act(number, "rate", case["version"], rating="satisfied", comment="谢谢")
    assert r.status_code == 200, r.content
    assert r.json()["rating"] == "satisfied"

    events = resident.get(f"/api/v1/cases/{number}/events").json()
    assert [e["action"] for e in events] == [
        "create", "accept", "whistle", "check_in", "handle", "verify", "rate"]
    assert [e["to_status"] for e in events] == [
        "submitted", "accepted", "whistled", "in_progress", "handled", "closed", "closed"]

    ledger = sorted((e.rule, e.points) for e in PointsEntry.objects.filter(case__number=number))
    assert ledger == [("check_in_on_time", 1), ("closed_on_time", 3), ("rated_satisfied", 1)]
    points = api("command").get("/api/v1/points", department="cgj").json()
    assert points["total"] == 5
