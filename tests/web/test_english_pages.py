"""The new panels in English mode: the duplicate check on the report page, the duplicate hints
on the case page, the followed cases on /my and the recurring-problem panels of the command
screen. Their headings and labels are English; only data (descriptions, community and item
names) stays Chinese."""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from recurring_cases import recent_hot_spots, recurring_case
from world import MASHAN, inside

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff]")
MANHOLE = "工农小区3栋门口的井盖丢了，晚上有人差点掉下去"
MANHOLE_AGAIN = "工农小区3栋门口井盖丢失，晚上看不见很危险"


def english(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def page(user: Any, url: str) -> str:
    response = english(user).get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert '<html lang="en">' in text
    return text


def between(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i:text.index(end, i)]


def no_cjk(fragment: str) -> None:
    found = CJK.findall(htmllib.unescape(fragment))
    assert not found, f"Chinese left in {fragment!r}"


def reported(user: Any, description: str, north_m: float = 0.0) -> Any:
    from shaobao.cases.services.intake import CaseCreateData, case_create

    lat, lng = inside(0)
    return case_create(user, data=CaseCreateData(
        description=description, lat=lat + north_m / 111_320, lng=lng)).case


def test_report_page_duplicate_check_in_english(users: Any) -> None:
    text = page(users.resident1, "/report")
    box = re.search(r'<div id="similar"[^>]*>', text, re.S)
    assert box
    tag = htmllib.unescape(box.group(0))
    assert 'data-lead="The same problem may already have been reported nearby"' in tag
    assert 'data-about="about %s m"' in tag
    assert 'data-follow="Follow this case instead of reporting again"' in tag
    assert 'data-follow-label="Follow case %s"' in tag
    assert 'data-keep="Report anyway"' in tag
    assert 'data-followed="You are now following %s; we will notify you of its progress."' in tag
    assert 'data-my="See the cases I follow"' in tag
    no_cjk(tag)


def test_case_page_duplicate_hints_in_english(users: Any) -> None:
    best = reported(users.resident1, MANHOLE, north_m=20)
    case = reported(users.resident2, MANHOLE_AGAIN)
    text = page(users.station_caishan, f"/cases/{case.number}")
    hints = between(text, '<div class="dup-hints"', "</div>")
    lead = between(hints, "<p>", "</p>")
    assert "Possible duplicates (open cases nearby" in lead
    no_cjk(lead)
    rows = re.findall(r'<li>Possible duplicate：<a href="/cases/(\w+)">\1</a>'
                      r"（(.*?)，(.*?)，similarity (\d+)%）(.*?)</li>", hints, re.S)
    assert [r[0] for r in rows] == [best.number]
    _, item, status, _, description = rows[0]
    assert item in ((best.item.name if best.item else ""), "Unclassified")
    no_cjk(status)
    assert description and MANHOLE.startswith(description.rstrip("…"))  # data stays Chinese


def test_my_page_followed_cases_in_english(users: Any, api: Any) -> None:
    assert "If the same problem has already been reported nearby" in page(users.resident2, "/my")
    kept = reported(users.resident1, MANHOLE, north_m=20)
    merged = reported(users.resident1, MANHOLE_AGAIN)
    for case in (kept, merged):
        assert api("resident2").post(f"/api/v1/cases/{case.number}/follow").status_code == 201
    response = english(users.station_caishan).post(
        f"/cases/{merged.number}/actions/merge", {"merge-version": merged.version,
                                                  "merge-target": kept.number})
    assert response.status_code == 302
    section = between(page(users.resident2, "/my"), 'id="follows-h"', "</section>")
    assert ">Cases I follow</h2>" in section
    assert f"Merged into {kept.number}" in section
    assert section.count(">Unfollow</button>") == 2
    for case in (kept, merged):
        case.refresh_from_db()
        data = {case.item.name if case.item else "", case.community.display_name}
        for value in data - {""}:
            section = section.replace(htmllib.escape(value), "")
    no_cjk(section)


def test_command_screen_recurring_panels_in_english(users: Any) -> None:
    recent_hot_spots()
    first = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for i in range(3):
        recurring_case("ZF03", MASHAN, first + timedelta(minutes=i), rating="unsatisfied")
    text = page(users.command, "/command/")

    hot = between(text, 'aria-labelledby="hot-h"', "</section>")
    assert "Hot spots (last 30 days)" in hot
    assert "arrows compare with the previous 30 days" in hot
    assert 'title="More than in the previous 30 days' in hot and ">↑<" in hot
    assert 'title="None in the previous 30 days' in hot and ">new<" in hot
    hot = re.sub(r'(<a href="/\?all=1&amp;community=[^"]*">)[^<]*(</a>)', r"\1\2", hot)
    no_cjk(hot)

    candidates = between(text, 'id="candidates"', "</section>")
    assert "Problem of the month: candidates" in candidates
    assert ">Cases this month</th>" in candidates and ">Example cases</th>" in candidates
    assert "month(s)" in candidates
    # The first two cells of each row are the community and the item: data.
    candidates = re.sub(r"<tr><td>[^<]*</td><td>[^<]*</td>", "<tr>", candidates)
    no_cjk(candidates)


def data_attrs(text: str, tag_re: str) -> dict[str, str]:
    """The data-* attributes of the first tag matching `tag_re`, unescaped."""
    tag = re.search(tag_re, text, re.S)
    assert tag
    return {k: htmllib.unescape(v) for k, v in re.findall(r'data-([\w-]+)="([^"]*)"', tag.group(0))}


def test_command_screen_js_labels_in_english(users: Any) -> None:
    """command.js redraws the lists every 60 s from labels the template hands it."""
    labels = data_attrs(page(users.command, "/command/"), r'<script [^>]*id="command-js"[^>]*>')
    assert labels["url"] == "/command/data.json"
    assert labels["cases"] == "%s cases"
    assert labels["points"] == "%s pts"
    assert labels["months"] == "%s month(s)"
    assert labels["previous"] == " (previous 30 days: %s)"
    assert labels["layer-open"] == "Open cases"
    assert labels["layer-hot"] == "Hot spots"
    assert labels["reported"] == "Reported"
    assert labels["closed"] == "Closed"
    assert labels["load-failed"] == "Loading failed"
    assert labels["no-hot-spots"] == "No hot spots"
    assert labels["no-candidates"].startswith("No candidates in this month")
    for key in ("no-departments", "no-stations", "no-overdue"):
        assert labels[key]
    no_cjk(" ".join(labels.values()))


def test_command_screen_js_labels_in_chinese(users: Any) -> None:
    client = Client()
    client.force_login(users.command)
    labels = data_attrs(client.get("/command/").content.decode(),
                        r'<script [^>]*id="command-js"[^>]*>')
    assert labels["cases"] == "%s 件"
    assert labels["previous"] == "（上期 %s）"
    assert labels["no-hot-spots"] == "暂无高发问题"


def test_report_page_location_labels_in_english(users: Any) -> None:
    labels = data_attrs(page(users.resident1, "/report"), r'<p id="where"[^>]*>')
    assert labels["picked"] == "Chosen place"
    assert labels["map-pick"] == "Picked on the map"
    assert labels["mine"] == "My location"
    assert labels["locating"] == "Locating…"
    for key in ("no-geolocation", "geolocation-failed", "grids-failed"):
        assert "pick the place on the map" in labels[key]
    no_cjk(" ".join(labels.values()))


def test_command_data_trend_labels_follow_the_language(users: Any) -> None:
    recent_hot_spots()
    response = english(users.command).get("/command/data.json")
    assert response.status_code == 200
    hot = response.json()["hot_spots"]
    assert {h["trend"] for h in hot} >= {"up", "new"}
    titles = {"up": "More than in the previous 30 days", "down": "Fewer than in the previous 30 days",
              "flat": "Same as in the previous 30 days", "new": "None in the previous 30 days"}
    for h in hot:
        assert h["trend_title"] == titles[h["trend"]]
        assert h["arrow"] == {"up": "↑", "down": "↓", "flat": "→", "new": "new"}[h["trend"]]

    chinese = Client()
    chinese.force_login(users.command)
    hot = chinese.get("/command/data.json").json()["hot_spots"]
    assert {h["arrow"] for h in hot if h["trend"] == "new"} == {"新"}
    assert {h["trend_title"] for h in hot if h["trend"] == "up"} == {"比上一个 30 天增多"}
