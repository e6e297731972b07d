"""The inbox API: GET /api/v1/notifications and POST /api/v1/notifications/read.

Who is told what is `services.notify`'s business; here: a user sees and changes only their
own rows, followers hear of public events only, links lead where the user may go, and bad
input is a 400 in Chinese, never a 500.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from shaobao.cases.inbox import (
    notification_list_for,
    notification_unread_count,
    notifications_mark_read,
    notifications_purge,
)
from shaobao.cases.models import Notification
from shaobao.cases.services.follow import case_follow
from world import inside

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def reported(users: Any, username: str = "resident1") -> Any:
    from shaobao.cases.services.intake import CaseCreateData, case_create

    lat, lng = inside(0)
    return case_create(getattr(users, username), data=CaseCreateData(
        description="小区路灯不亮，晚上很黑", item="GL01", lat=lat, lng=lng)).case


def act(users: Any, username: str, number: str, action: str, **payload: Any) -> None:
    from shaobao.cases.models import Case
    from shaobao.cases.services.transition import case_transition

    version = Case.objects.get(number=number).version
    case_transition(getattr(users, username), number, action, {"version": version, **payload})


def inbox(api: Any, username: str, **params: Any) -> dict[str, Any]:
    response = api(username).get("/api/v1/notifications", **params)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def assert_400(response: Any) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] in ("invalid_input", "malformed_json")
    assert CJK.search(error["message"]), error


def test_reporter_is_told_of_accept_with_a_link_to_the_case(users: Any, api: Any) -> None:
    case = reported(users)
    assert inbox(api, "resident1")["count"] == 0
    act(users, "station_caishan", case.number, "accept")
    body = inbox(api, "resident1")
    assert body["count"] == 1 and body["unread"] == 1
    assert body["page"] == 1 and body["page_size"] == 20
    [item] = body["results"]
    assert set(item) == {"id", "case", "text", "at", "read", "link"}
    assert item["case"] == case.number and item["read"] is False
    assert item["text"] == f"案件 {case.number}：受理"
    assert item["link"] == f"/cases/{case.number}"
    assert api("resident1").get(item["link"]).status_code != 404  # the link opens


def test_follower_hears_public_events_only_and_links_to_my_page(users: Any, api: Any) -> None:
    case = reported(users)
    case_follow(users.resident2, number=case.number)
    act(users, "command", case.number, "supervise")  # internal: the station hears of it
    assert inbox(api, "resident2")["count"] == 0
    assert Notification.objects.filter(case=case, user=users.station_caishan).exists()
    act(users, "station_caishan", case.number, "accept")
    [item] = inbox(api, "resident2")["results"]
    assert item["case"] == case.number
    assert item["link"] == "/my#followed"  # a follower may not open the case page
    act(users, "station_caishan", case.number, "whistle", lead_department="cgj")
    act(users, "dept_cgj", case.number, "check_in")
    act(users, "dept_cgj", case.number, "request_extension",
        until="2099-12-31T18:00:00+08:00")  # internal again
    texts = [i["text"] for i in inbox(api, "resident2")["results"]]
    assert texts == [f"案件 {case.number}：{a}" for a in ("报到", "吹哨", "受理")]  # newest first


def test_staff_link_to_the_case(users: Any, api: Any) -> None:
    case = reported(users)
    act(users, "station_caishan", case.number, "accept")
    act(users, "station_caishan", case.number, "whistle", lead_department="cgj")
    [item] = inbox(api, "dept_cgj")["results"]
    assert item["link"] == f"/cases/{case.number}"


def test_unread_filter_count_and_marking(users: Any, api: Any) -> None:
    case = reported(users)
    act(users, "station_caishan", case.number, "accept")
    act(users, "station_caishan", case.number, "comment", text="已安排人员", public=True)
    first, second = inbox(api, "resident1")["results"][::-1]
    response = api("resident1").post("/api/v1/notifications/read", {"ids": [first["id"]]})
    assert response.status_code == 200 and response.json() == {"marked": 1}
    # Marking again changes nothing.
    assert api("resident1").post("/api/v1/notifications/read",
                                 {"ids": [first["id"]]}).json() == {"marked": 0}
    body = inbox(api, "resident1", unread="true")
    assert body["count"] == 1 and body["unread"] == 1
    assert [i["id"] for i in body["results"]] == [second["id"]]
    assert inbox(api, "resident1")["count"] == 2
    assert api("resident1").post("/api/v1/notifications/read",
                                 {"all": True}).json() == {"marked": 1}
    assert inbox(api, "resident1", unread="true")["count"] == 0
    assert inbox(api, "resident1")["unread"] == 0


def test_nobody_sees_or_marks_anothers_notifications(users: Any, api: Any) -> None:
    case = reported(users)
    act(users, "station_caishan", case.number, "accept")
    theirs = list(Notification.objects.filter(user=users.resident1).values_list("id", flat=True))
    assert theirs
    assert inbox(api, "resident2")["count"] == 0
    response = api("resident2").post("/api/v1/notifications/read", {"ids": theirs})
    assert response.json() == {"marked": 0}
    assert api("resident2").post("/api/v1/notifications/read",
                                 {"all": True}).json() == {"marked": 0}
    assert notifications_mark_read(users.resident2, ids=theirs) == 0
    assert notifications_mark_read(users.resident2, everything=True) == 0
    assert not Notification.objects.filter(id__in=theirs, read=True).exists()
    assert notification_unread_count(users.resident1) == len(theirs)
    assert not notification_list_for(users.resident2).filter(id__in=theirs).exists()


def test_pages(users: Any, api: Any) -> None:
    case = reported(users)
    act(users, "station_caishan", case.number, "accept")
    for i in range(4):
        act(users, "station_caishan", case.number, "comment", text=f"进展{i}", public=True)
    body = inbox(api, "resident1", page_size=2, page=3)
    assert body["count"] == 5 and len(body["results"]) == 1
    assert body["results"][0]["text"].endswith("受理")  # the oldest, last
    assert inbox(api, "resident1", page_size=2, page=9)["results"] == []


@pytest.mark.parametrize("params", [{"page": 0}, {"page_size": 0}, {"page_size": 201},
                                    {"page": "x"}, {"unread": "maybe"}])
def test_bad_list_parameters(users: Any, api: Any, params: dict[str, Any]) -> None:
    assert_400(api("resident1").get("/api/v1/notifications", **params))


@pytest.mark.parametrize("body", [{}, {"all": False}, {"ids": None}, {"ids": [1], "all": True},
                                  {"ids": "1,2"}, {"ids": ["x"]}, {"ids": [0]}, {"ids": [-3]},
                                  {"ids": [10**30]}, {"ids": list(range(1, 1002))},
                                  [1, 2], "all", 5])
def test_bad_mark_bodies(users: Any, api: Any, body: Any) -> None:
    assert_400(api("resident1").post("/api/v1/notifications/read", body))


def test_malformed_and_empty_bodies(users: Any, api: Any) -> None:
    client = api("resident1")
    for raw in ("{", ""):
        response = client.client.post("/api/v1/notifications/read", raw,
                                      content_type="application/json", headers=client.headers)
        assert_400(response)
    assert client.post("/api/v1/notifications/read", {"ids": []}).json() == {"marked": 0}


def test_needs_a_signed_in_user() -> None:
    from django.test import Client

    assert Client().get("/api/v1/notifications").status_code == 401
    assert Client().post("/api/v1/notifications/read", {"all": True},
                         content_type="application/json").status_code == 401


def test_old_notifications_are_purged_nightly(users: Any, monkeypatch: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from shaobao.cases import inbox as inbox_module

    monkeypatch.setattr(inbox_module, "PURGE_CHUNK", 2)  # several rounds
    case = reported(users)
    now = timezone.now()
    ages = {"fresh read": (10, True), "old read": (200, True), "old unread": (200, False),
            "ancient unread": (400, False), "ancient read": (400, True)}
    for text, (days, read) in ages.items():
        Notification.objects.create(user=users.resident1, case=case, text=text, read=read,
                                    at=now - timedelta(days=days))
    assert notifications_purge(now) == 3
    kept = set(Notification.objects.filter(case=case).values_list("text", flat=True))
    assert kept == {"fresh read", "old unread"}
    assert notifications_purge(now) == 0
