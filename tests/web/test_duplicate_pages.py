"""Duplicate hints on the station's pages and following (关注) on the resident's page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from world import inside

pytestmark = pytest.mark.django_db

MANHOLE = "工农小区3栋门口的井盖丢了，晚上有人差点掉下去"
MANHOLE_AGAIN = "工农小区3栋门口井盖丢失，晚上看不见很危险"
SMOKE = "楼下饭店油烟直排，熏得窗户都不能开"


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reported(user: Any, description: str, col: int = 0, dx: float = 0.5, north_m: float = 0.0,
             address: str = "") -> Any:
    from shaobao.cases.services.intake import CaseCreateData, case_create

    lat, lng = inside(col, dx=dx)
    return case_create(user, data=CaseCreateData(
        description=description, lat=lat + north_m / 111_320, lng=lng, address=address)).case


def hints_in_row(html: str, number: str) -> list[str]:
    """Numbers hinted as duplicates in the queue row of `number`."""
    row = re.search(rf'<td><a href="/cases/{number}">{number}</a>(.*?)</td>', html, re.S)
    assert row, f"{number} not in the queue"
    return re.findall(r'class="dup-hint" href="/cases/(\w+)">疑似重复：\1<', row.group(1))


def test_the_station_queue_hints_duplicates_of_waiting_cases(users: Any) -> None:
    first = reported(users.resident1, MANHOLE)
    second = reported(users.resident2, MANHOLE_AGAIN, north_m=30)
    other = reported(users.resident2, SMOKE, north_m=10)
    html = login(users.station_caishan).get("/").content.decode()
    assert hints_in_row(html, first.number) == [second.number]
    assert hints_in_row(html, second.number) == [first.number]
    assert hints_in_row(html, other.number) == []


def test_the_queue_asks_for_hints_once_per_page(users: Any) -> None:
    def hint_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert login(users.station_caishan).get("/").status_code == 200
        # The candidate search is the only query on the page filtering by a lat range.
        return sum(1 for q in ctx.captured_queries if '"lat" BETWEEN' in q["sql"])

    reported(users.resident1, MANHOLE)
    reported(users.resident2, MANHOLE_AGAIN, north_m=30)
    assert hint_queries() == 1
    for k in range(4):  # more pairs elsewhere in the community: still one query
        reported(users.resident1, MANHOLE, col=1, dx=0.1 + 0.2 * k)
        reported(users.resident2, MANHOLE_AGAIN, col=1, dx=0.1 + 0.2 * k, north_m=20)
    assert hint_queries() == 1


def test_hints_only_name_cases_the_viewer_may_open(users: Any) -> None:
    # About 20 m apart across the 蔡山/马山 boundary (test squares 1 and 2).
    here = reported(users.resident1, MANHOLE, col=1, dx=0.999)
    there = reported(users.resident2, MANHOLE_AGAIN, col=2, dx=0.001)
    assert here.community_id != there.community_id
    caishan = login(users.station_caishan).get("/").content.decode()
    assert hints_in_row(caishan, here.number) == []
    assert there.number not in caishan
    command = login(users.command).get("/?all=1").content.decode()
    assert hints_in_row(command, here.number) == [there.number]


def test_the_case_page_prefills_the_merge_target_with_the_best_match(users: Any) -> None:
    best = reported(users.resident1, MANHOLE, north_m=20)
    worse = reported(users.resident1, "工农小区门口井盖不见了", north_m=250)
    case = reported(users.resident2, MANHOLE_AGAIN)
    html = login(users.station_caishan).get(f"/cases/{case.number}").content.decode()
    hinted = re.findall(r'疑似重复：<a href="/cases/(\w+)">', html)
    assert hinted == [best.number, worse.number]
    target = re.search(r'<input[^>]*name="merge-target"[^>]*>', html)
    assert target and f'value="{best.number}"' in target.group(0)
    # Merging through that form keeps both cases' histories.
    response = login(users.station_caishan).post(
        f"/cases/{case.number}/actions/merge", {"merge-version": case.version,
                                                "merge-target": best.number})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "merged" and case.merged_into_id == best.pk
    assert case.events.count() == 2 and best.events.count() == 1


def test_residents_see_no_duplicate_hints_on_their_case(users: Any) -> None:
    reported(users.resident1, MANHOLE, north_m=20)
    mine = reported(users.resident2, MANHOLE_AGAIN)
    html = login(users.resident2).get(f"/cases/{mine.number}").content.decode()
    assert "疑似重复" not in html


def test_no_hints_once_a_case_is_whistled(users: Any, api: Any) -> None:
    reported(users.resident1, MANHOLE, north_m=20)
    case = reported(users.resident2, MANHOLE_AGAIN)
    station = api("station_caishan")
    assert station.act(case.number, "accept", 1).status_code == 200
    assert station.act(case.number, "whistle", 2, lead_department="cgj").status_code == 200
    html = login(users.station_caishan).get(f"/cases/{case.number}").content.decode()
    assert "疑似重复" not in html


def test_the_report_page_offers_the_duplicate_check(users: Any) -> None:
    html = login(users.resident1).get("/report").content.decode()
    box = re.search(r'<div id="similar"[^>]*>', html, re.S)
    assert box and 'aria-live="polite"' in box.group(0)
    assert 'data-similar-url="/api/v1/routing/similar"' in box.group(0)
    assert 'data-follow-url="/api/v1/cases/CASENUMBER/follow"' in box.group(0)
    assert "仍要上报" in box.group(0)


def test_my_page_lists_followed_cases_in_the_reduced_view(users: Any, api: Any) -> None:
    case = reported(users.resident1, MANHOLE, address="工农小区3栋东侧")
    assert api("resident2").post(f"/api/v1/cases/{case.number}/follow").status_code == 201
    assert api("command").act(case.number, "supervise", 1, reason="群众多次反映").status_code == 200
    assert api("station_caishan").act(case.number, "accept", 2).status_code == 200
    html = login(users.resident2).get("/my").content.decode()
    section = html[html.index('id="follows-h"'):]
    assert case.number in section and "待受理" not in section and "已受理" in section
    assert "受理" in section and "督办" not in section  # public events only
    for private in ("井盖丢了", "工农小区3栋东侧", "张伟", "群众多次反映", f'href="/cases/{case.number}"'):
        assert private not in section
    assert f'data-url="/api/v1/cases/{case.number}/follow"' in section
    # Following opens no door to the case page itself.
    assert login(users.resident2).get(f"/cases/{case.number}").status_code == 404
    assert "我关注的案件" in login(users.resident1).get("/my").content.decode()
