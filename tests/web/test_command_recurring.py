"""The command-center screen's recurring-problem panels: hot spots with trends and example
links, the 每月一题 candidates (command centre and leaders only) and the map layer's data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from recurring_cases import recent_hot_spots, recurring_case
from world import CAISHAN, MASHAN

pytestmark = pytest.mark.django_db


def login(username: str) -> Client:
    from shaobao.org.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_command_page_shows_hot_spots_with_trends_and_examples() -> None:
    recent_hot_spots()
    html = login("command").get("/command/").content.decode()
    assert 'id="hot-list"' in html and "高发问题（近 30 天）" in html
    assert 'class="trend trend-up"' in html and ">↑<" in html   # 蔡山 占道: 4 against 1
    assert 'class="trend trend-new"' in html and ">新<" in html  # 马山 油烟: none before
    from shaobao.cases.models import Case
    example = Case.objects.filter(community__code=CAISHAN).order_by("-created_at")[0].number
    assert f'href="/cases/{example}"' in html
    assert "web/recurring.css" in html


def test_candidates_section_for_command_and_leaders_only() -> None:
    now = timezone.localtime()
    # From the start of this month, so the test holds on the 1st at midnight too.
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for i in range(3):
        recurring_case("ZF03", MASHAN, first + timedelta(minutes=i), rating="unsatisfied")
    for who in ("command", "leader"):
        html = login(who).get("/command/").content.decode()
        assert "每月一题候选" in html and 'id="cand-month"' in html
        assert f'value="{now:%Y-%m}"' in html
        assert 'data-url="/api/v1/stats/monthly-candidates"' in html
        assert "<td>3</td>" in html  # the 油烟 row: 3 cases this month, 3 unsatisfied
    for who in ("station_caishan", "street_jixian"):
        html = login(who).get("/command/").content.decode()
        assert "每月一题候选" not in html and 'id="hot-list"' in html


def test_departments_and_grid_staff_get_no_recurring_panels() -> None:
    recent_hot_spots()
    for who in ("dept_cgj", "grid_caishan1"):
        response = login(who).get("/command/")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="hot-list"' not in html and "每月一题候选" not in html
        assert login(who).get("/command/data.json").json()["hot_spots"] is None


def test_data_json_hot_spots_feed_the_map_layer() -> None:
    recent_hot_spots()
    rows = login("command").get("/command/data.json").json()["hot_spots"]
    assert [(r["community"], r["arrow"]) for r in rows] == [(CAISHAN, "↑"), (MASHAN, "新")]
    assert all(r["lat"] and r["lng"] and r["since"] for r in rows)
    station = login("station_mashan").get("/command/data.json").json()["hot_spots"]
    assert [r["community"] for r in station] == [MASHAN]


def test_map_points_cost_one_query_whatever_the_open_cases() -> None:
    """Each point reads only the columns its lights need: no query per case."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shaobao.cases.models import Case

    def data() -> tuple[int, list[dict[str, object]]]:
        client = login("command")
        with CaptureQueriesContext(connection) as ctx:
            points = client.get("/command/data.json").json()["map"]
        return len(ctx.captured_queries), points

    now = timezone.now()
    recurring_case("GL01", CAISHAN, now - timedelta(hours=3))
    few, points = data()
    for hours in range(1, 12):  # whistled ones too, so check-in and handling clocks run
        case = recurring_case("GL02", MASHAN, now - timedelta(hours=hours),
                              status="whistled" if hours % 2 else "submitted")
        if hours % 2:
            Case.objects.filter(pk=case.pk).update(
                whistled_at=case.created_at, check_in_due=now + timedelta(hours=hours - 6),
                handle_clock_start=case.created_at, handle_due=now + timedelta(days=2))
    many, more_points = data()
    assert many == few and len(more_points) > len(points)
    open_numbers = set(Case.objects.filter(lat__isnull=False).exclude(
        status__in=["closed", "rejected", "merged"]).values_list("number", flat=True))
    assert {p["n"] for p in more_points} == open_numbers
    assert all(p["l"] in ("green", "yellow", "red") and p["i"] for p in more_points)
