"""Duplicate hints at intake: same item, within the radius (50 m) and window (24 h), open."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from shaobao.cases.models import Case, Status
from shaobao.cases.services.intake import CaseCreateData, case_create, distance_m
from world import SIDE, inside

pytestmark = pytest.mark.django_db

METRES_PER_DEG_LAT = 111_320


def report(users: Any, at: datetime, *, item: str = "GL01", north_m: float = 0.0) -> Any:
    lat, lng = inside(0)
    return case_create(users.resident1, now=at, data=CaseCreateData(
        description="楼道灯不亮", item=item, lat=lat + north_m / METRES_PER_DEG_LAT, lng=lng))


def test_hints_only_near_recent_open_cases_of_the_same_item(users: Any) -> None:
    t0 = timezone.now() - timedelta(hours=30)
    first = report(users, t0).case
    near = report(users, t0 + timedelta(hours=1), north_m=30)
    assert [c.number for c in near.possible_duplicates] == [first.number]
    assert report(users, t0 + timedelta(hours=1), item="ZF01").possible_duplicates == []
    # 24.5 h after the first report only the second one is inside the 24 h window.
    later = report(users, t0 + timedelta(hours=24.5))
    assert [c.number for c in later.possible_duplicates] == [near.case.number]


def test_far_and_finished_cases_are_not_hinted(users: Any) -> None:
    t0 = timezone.now()
    first = report(users, t0).case
    far = report(users, t0 + timedelta(minutes=5), north_m=80)
    assert distance_m(first.lat, first.lng, far.case.lat, far.case.lng) > 50
    assert far.possible_duplicates == []
    Case.objects.filter(pk=first.pk).update(status=Status.CLOSED)
    again = report(users, t0 + timedelta(minutes=10), north_m=10)
    assert [c.number for c in again.possible_duplicates] == []


def test_the_api_lists_hints_by_number(api: Any) -> None:
    lat, lng = inside(1)
    body = {"description": "路灯不亮", "item": "GL01", "lat": lat, "lng": lng}
    first = api("resident1").post("/api/v1/cases", body)
    assert first.status_code == 201, first.content
    second = api("resident1").post("/api/v1/cases", {**body, "lat": lat + 10 / METRES_PER_DEG_LAT})
    assert second.status_code == 201, second.content
    assert second.json()["possible_duplicates"] == [first.json()["number"]]
    assert SIDE > 0.001  # both points lie in the same test square
