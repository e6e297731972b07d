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
