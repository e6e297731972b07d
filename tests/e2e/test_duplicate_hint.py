"""The report page suggests a nearby duplicate and lets the resident follow it, in a browser."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.conftest import TIMEOUT, Watch
from e2e.test_accessibility import axe_violations
from world import PASSWORD, inside

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_report_page_offers_to_follow_a_nearby_duplicate(browser: Any, site: str) -> None:
    from shaobao.cases.models import CaseFollow
    from shaobao.cases.services.intake import CaseCreateData, case_create
    from shaobao.org.models import User

    lat, lng = inside(0)
    existing = case_create(User.objects.get(username="resident2"), data=CaseCreateData(
        description="工农小区3栋门口的井盖丢了，晚上有人差点掉下去", lat=lat + 0.0002,
        lng=lng)).case
    watch = Watch()
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                              viewport={"width": 360, "height": 740}, is_mobile=True,
                              has_touch=True, geolocation={"latitude": lat, "longitude": lng},
                              permissions=["geolocation"])
    ctx.set_default_timeout(TIMEOUT)
    page = watch.attach(ctx.new_page())
    page.goto(f"{site}/login/")
    page.fill("#id_username", "resident1")
    page.fill("#id_password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{site}/report")
    page.click("#locate-me")
    page.wait_for_function("document.getElementById('id_lat').value !== ''")
    page.fill("#id_description", "工农小区3栋门口井盖丢失，晚上看不见")
    page.wait_for_selector("#similar:not([hidden]) .similar-hit")
    hint = page.inner_text("#similar")
    assert "附近可能已有相同问题" in hint and existing.number in hint and "约" in hint
    assert "井盖丢了" not in hint  # someone else's description is not shown
    assert page.locator("#similar button.keep").inner_text() == "仍要上报"
    assert axe_violations(page) == []
    page.click("#similar button.follow")
    page.wait_for_selector("#similar .msg.success")
    assert existing.number in page.inner_text("#similar")
    assert CaseFollow.objects.filter(user__username="resident1", case=existing).exists()
    page.goto(f"{site}/my")
    assert existing.number in page.inner_text("section.follows")
    assert axe_violations(page) == []
    assert not watch.errors, watch.errors
    assert not watch.foreign(site), watch.foreign(site)
    ctx.close()
