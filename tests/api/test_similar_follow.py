"""Duplicate suggestions while reporting (POST /routing/similar) and following (关注).

Privacy rules pinned here: anyone signed in learns only number, item, status, time and a
rounded distance of a nearby case; an excerpt only of cases they may open anyway; a
follower sees a reduced view, no description, photos, address, reporter or internal
event, and can take no action.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from world import inside

pytestmark = pytest.mark.django_db

DESCRIPTION = "工农小区3栋门口的井盖丢了，晚上有人差点掉下去"
ADDRESS = "工农小区3栋东侧"
CJK = re.compile(r"[\u4e00-\u9fff]")


def reported(users: Any, *, col: int = 0, description: str = DESCRIPTION,
             username: str = "resident1") -> Any:
    from shaobao.cases.services.intake import CaseCreateData, case_create

    lat, lng = inside(col)
    return case_create(getattr(users, username), data=CaseCreateData(
        description=description, item="GL03", lat=lat, lng=lng, address=ADDRESS)).case


def similar(api: Any, username: str, text: str = "工农小区3栋门口井盖丢失，晚上看不见",
            col: int = 0, north: float = 0.0003) -> Any:
    lat, lng = inside(col)
    return api(username).post("/api/v1/routing/similar", {"text": text, "lat": lat + north,
                                                          "lng": lng})


def test_similar_needs_a_signed_in_user(users: Any) -> None:
    reported(users)
    lat, lng = inside(0)
    response = Client().post("/api/v1/routing/similar", json.dumps(
        {"text": DESCRIPTION, "lat": lat, "lng": lng}), content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_resident_sees_another_reporters_case_without_private_details(users: Any,
                                                                        api: Any) -> None:
    case = reported(users)
    response = similar(api, "resident2")
    assert response.status_code == 200, response.content
    [hit] = response.json()["similar"]
    assert hit["number"] == case.number
    assert hit["item"] == "GL03" and hit["item_name"] == case.item.name
    assert hit["status"] == "submitted" and hit["status_label"] == "待受理"
    assert 20 <= hit["distance_m"] <= 40 and hit["distance_m"] % 10 == 0  # about 33 m, rounded
    assert 0 < hit["score"] <= 1
    assert hit["excerpt"] is None
    body = response.content.decode()
    for private in ("井盖丢了", ADDRESS, "张伟", "13800001111", "reporter", "photo"):
        assert private not in body


@pytest.mark.parametrize(("username", "sees_excerpt"), [
    ("resident1", True),  # the reporter's own case
    ("station_caishan", True),  # the case's own community station
    ("command", True),
    ("station_mashan", False),  # staff outside the case's scope
    ("dept_cgj", False),
])
def test_an_excerpt_only_for_cases_the_user_may_open(users: Any, api: Any, username: str,
                                                      sees_excerpt: bool) -> None:
    reported(users)
    [hit] = similar(api, username).json()["similar"]
    assert (hit["excerpt"] == DESCRIPTION[:40]) is sees_excerpt
    assert (hit["excerpt"] is None) is not sees_excerpt


def test_unrelated_far_or_finished_cases_are_not_suggested(users: Any, api: Any) -> None:
    from shaobao.cases.models import Case, Status

    reported(users, description="楼下饭店油烟直排，熏得窗户都不能开")
    far = reported(users, col=2)  # the same words 2 km east
    assert similar(api, "resident2").json()["similar"] == []
    assert [h["number"] for h in similar(api, "resident2", col=2).json()["similar"]] == [far.number]
    Case.objects.filter(pk=far.pk).update(status=Status.CLOSED)
    assert similar(api, "resident2", col=2).json()["similar"] == []


@pytest.mark.parametrize("body", [
    {"text": "   ", "lat": 30.525, "lng": 117.035},
    {"text": "路" * 4001, "lat": 30.525, "lng": 117.035},
    {"text": "井盖丢了", "lng": 117.035},
    {"text": "井盖丢了", "lat": 30.525},
    {"text": "井盖丢了", "lat": 91, "lng": 117.035},
    {"text": "井盖丢了", "lat": 30.525, "lng": -181},
    {"text": "井盖丢了", "lat": "北纬三十度", "lng": 117.035},
    {"text": "井盖丢了", "lat": 1e400, "lng": 117.035},
    {"lat": 30.525, "lng": 117.035},
    [],
])
def test_bad_input_is_a_400_with_a_chinese_message(api: Any, body: Any) -> None:
    response = api("resident1").post("/api/v1/routing/similar", body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] in ("invalid_input", "bad_coordinates")
    assert CJK.search(error["message"]), error["message"]


def test_nan_coordinates_are_refused(api: Any) -> None:
    response = api("resident1").client.post(
        "/api/v1/routing/similar", '{"text": "井盖丢了", "lat": NaN, "lng": 117.0}',
        content_type="application/json", headers=api("resident1").headers)
    assert response.status_code == 400


def test_the_report_page_session_can_call_it_with_its_csrf_token(users: Any) -> None:
    reported(users)
    client = Client(enforce_csrf_checks=True)
    client.force_login(users.resident2)
    page = client.get("/report").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token and 'data-similar-url="/api/v1/routing/similar"' in page
    lat, lng = inside(0)
    body = json.dumps({"text": DESCRIPTION, "lat": lat, "lng": lng})
    refused = client.post("/api/v1/routing/similar", body, content_type="application/json")
    assert refused.status_code in (401, 403)  # a session without the CSRF token is not enough
    ok = client.post("/api/v1/routing/similar", body, content_type="application/json",
                     headers={"X-CSRFToken": token.group(1)})
    assert ok.status_code == 200 and len(ok.json()["similar"]) == 1


# Following -----------------------------------------------------------------------------

FOLLOWER_KEYS = {"number", "item", "item_name", "community", "community_name", "status",
                 "status_label", "light", "lights", "merged_into", "followed_at", "events"}


def test_follow_twice_then_unfollow(users: Any, api: Any) -> None:
    case = reported(users)
    url = f"/api/v1/cases/{case.number}/follow"
    first = api("resident2").post(url)
    assert first.status_code == 201, first.content
    assert api("resident2").post(url).status_code == 200
    view = api("resident2").get(url).json()
    assert set(view) == FOLLOWER_KEYS
    assert view["number"] == case.number and view["community_name"]
    assert [e["action"] for e in view["events"]] == ["create"]
    assert [f["number"] for f in api("resident2").get("/api/v1/follows").json()] == [case.number]
    gone = api("resident2").client.delete(url, headers=api("resident2").headers)
    assert gone.status_code == 204
    assert api("resident2").get(url).status_code == 404
    assert api("resident2").get("/api/v1/follows").json() == []


def test_only_open_existing_cases_can_be_followed(users: Any, api: Any) -> None:
    from shaobao.cases.models import Case, Status

    case = reported(users)
    Case.objects.filter(pk=case.pk).update(status=Status.CLOSED)
    closed = api("resident2").post(f"/api/v1/cases/{case.number}/follow")
    assert closed.status_code == 422 and CJK.search(closed.json()["error"]["message"])
    missing = api("resident2").post("/api/v1/cases/DG209901010001/follow")
    assert missing.status_code == 404
    assert Client().post(f"/api/v1/cases/{case.number}/follow").status_code == 401


def test_a_follower_gets_no_full_view_no_events_and_no_actions(users: Any, api: Any) -> None:
    from shaobao.cases.models import CaseEvent

    case = reported(users)
    for username in ("resident2", "station_mashan"):
        assert api(username).post(f"/api/v1/cases/{case.number}/follow").status_code == 201
        assert api(username).get(f"/api/v1/cases/{case.number}").status_code == 404
        assert api(username).get(f"/api/v1/cases/{case.number}/events").status_code == 404
    events = CaseEvent.objects.filter(case=case).count()
    assert api("resident2").act(case.number, "comment", 1, text="我也遇到了").status_code == 404
    assert api("station_mashan").act(case.number, "accept", 1).status_code == 404
    assert api("station_mashan").act(case.number, "merge", 1, target="DG1").status_code == 404
    assert CaseEvent.objects.filter(case=case).count() == events


def test_followers_see_and_hear_about_public_events_only(users: Any, api: Any) -> None:
    from shaobao.cases.models import Notification

    case = reported(users)
    api("resident2").post(f"/api/v1/cases/{case.number}/follow")
    station = api("station_caishan")
    assert station.act(case.number, "accept", 1).status_code == 200
    assert station.act(case.number, "comment", 2, text="内部：联系物业王经理 13700000000",
                       public=False).status_code == 200
    assert station.act(case.number, "comment", 3, text="已安排维修，请张伟先生放心",
                       public=True).status_code == 200
    view = api("resident2").get(f"/api/v1/cases/{case.number}/follow")
    body = view.content.decode()
    assert [e["action"] for e in view.json()["events"]] == ["create", "accept", "comment"]
    assert view.json()["status"] == "accepted"
    # Not the internal note, and not the public comment's words either (they may name
    # the reporter); nor the description or address.
    for private in ("王经理", "13700000000", "张伟", "井盖丢了", ADDRESS, "payload"):
        assert private not in body
    notes = list(Notification.objects.filter(user=users.resident2, case=case)
                 .values_list("text", flat=True))
    assert notes == [f"案件 {case.number}：受理", f"案件 {case.number}：留言"]


def test_a_follower_of_a_merged_case_learns_where_it_went(users: Any, api: Any) -> None:
    kept = reported(users)
    merged = reported(users, description="工农小区井盖丢了", username="resident2")
    assert api("resident1").post(f"/api/v1/cases/{merged.number}/follow").status_code == 201
    assert api("station_caishan").act(merged.number, "merge", 1,
                                      target=kept.number).status_code == 200
    view = api("resident1").get(f"/api/v1/cases/{merged.number}/follow").json()
    assert view["status"] == "merged" and view["merged_into"] == kept.number


def test_merging_carries_followers_and_the_reporter_over(users: Any, api: Any) -> None:
    from shaobao.cases.models import CaseFollow, Notification

    kept = reported(users)
    merged = reported(users, description="工农小区井盖丢了", username="resident2")
    assert api("grid_caishan1").post(f"/api/v1/cases/{merged.number}/follow").status_code == 201
    station = api("station_caishan")
    assert station.act(merged.number, "merge", 1, target=kept.number).status_code == 200
    followers = set(CaseFollow.objects.filter(case=kept).values_list("user__username", flat=True))
    assert followers == {"resident2", "grid_caishan1"}  # not kept's own reporter
    assert station.act(kept.number, "accept", 1).status_code == 200
    assert Notification.objects.filter(user=users.resident2, case=kept).exists()
    # Merging another duplicate whose reporter already follows adds nobody twice.
    again = reported(users, description="3栋门口井盖没了", username="resident2")
    assert station.act(again.number, "merge", 1, target=kept.number).status_code == 200
    assert CaseFollow.objects.filter(case=kept, user=users.resident2).count() == 1


def test_probing_for_cases_is_rate_limited(users: Any, api: Any, settings: Any) -> None:
    settings.SHAOBAO = {**settings.SHAOBAO, "SIMILAR_PER_MIN": 2}
    assert [similar(api, "resident2").status_code for _ in range(3)] == [200, 200, 429]
    assert similar(api, "resident1").status_code == 200  # counted per user
