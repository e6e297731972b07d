"""In English mode the labels the scripts draw are English too: the command screen's lists
after a refresh, its map layer names, and the report page's location messages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from e2e.conftest import Watch
from e2e.test_lifecycle import _login
from recurring_cases import recent_hot_spots
from world import inside

pytestmark = pytest.mark.django_db(transaction=True)

CJK = re.compile(r"[\u3400-\u9fff]")


def test_command_screen_redraws_in_english(browser: Any, site: str) -> None:
    recent_hot_spots()
    watch = Watch()
    page = _login(browser, watch, site, "command", english=True,
                  viewport={"width": 1920, "height": 1080})
    page.goto(f"{site}/command/")
    assert page.get_attribute("html", "lang") == "en"
    # Empty the server-rendered list, so what is checked below is what the script drew.
    page.evaluate("document.getElementById('hot-list').textContent = ''")
    page.evaluate("window.shaobaoRefresh()")
    page.wait_for_function("document.querySelectorAll('#hot-list li').length >= 2")
    rows = page.evaluate("""Array.from(document.querySelectorAll('#hot-list li')).map(li => {
        const label = li.querySelector('a + span');
        const trend = li.querySelector('.trend');
        return [label.textContent, trend.getAttribute('title')];
    })""")
    assert any(re.fullmatch(r"\d+ cases (↑|↓|→|new)", label) for label, _ in rows), rows
    for label, title in rows:
        assert not CJK.search(label) and not CJK.search(title), (label, title)
        assert "previous 30 days" in title
    layers = page.locator(".leaflet-control-layers-overlays").inner_text()
    assert "Open cases" in layers and "Hot spots" in layers
    assert not CJK.search(layers)
    assert watch.errors == []


def test_report_page_location_message_in_english(browser: Any, site: str) -> None:
    lat, lng = inside(0)
    watch = Watch()
    page = _login(browser, watch, site, "resident1", english=True,
                  viewport={"width": 360, "height": 740},
                  geolocation={"latitude": lat, "longitude": lng}, permissions=["geolocation"])
    page.goto(f"{site}/report")
    page.click("#locate-me")
    page.wait_for_function("document.getElementById('id_lat').value !== ''")
    where = page.locator("#where").inner_text()
    assert where.startswith("My location"), where
    assert not CJK.search(where)
    assert watch.errors == []
