"""axe-core (vendored for the tests only, tests/e2e/vendor/) on every main page, and the
report page's category suggestion in a real browser.

Rules: the wcag2a and wcag2aa tags; a violation of impact "serious" or "critical" fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import TIMEOUT, Watch
from e2e.test_lifecycle import _login
from world import PASSWORD, inside

pytestmark = pytest.mark.django_db(transaction=True)
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""() => axe.run(document, {
        runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}, resultTypes: ["violations"]})""")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in BLOCKING]


def _seed_case() -> str:
    from shaobao.cases.services.intake import CaseCreateData, case_create
    from shaobao.org.models import User
    lat, lng = inside(0)
    created = case_create(User.objects.get(username="resident1"), data=CaseCreateData(
        description="小区门口垃圾堆积多日无人清运，气味很大", lat=lat, lng=lng, crs="wgs84"))
    return created.case.number


def test_main_pages_have_no_serious_accessibility_violations(browser: Any, site: str) -> None:
    from shaobao.governance.services.registers import visit_log_create
    from shaobao.org.models import User
    number = _seed_case()
    visit_log_create(User.objects.get(username="grid_caishan1"), kind="hazard",
                     content="楼道电动车充电", place="3栋")
    watch = Watch()
    found: dict[str, list[dict[str, Any]]] = {}

    ctx = browser.new_context(locale="zh-CN")
    ctx.set_default_timeout(TIMEOUT)
    anon = watch.attach(ctx.new_page())
    anon.goto(f"{site}/login/")
    found["login"] = axe_violations(anon)
    assert anon.locator("#id_username").count() == 1 and PASSWORD

    phone = _login(browser, watch, site, "resident1", viewport={"width": 360, "height": 740},
                   is_mobile=True, has_touch=True)
    for url in ("/report", "/my", f"/cases/{number}"):
        phone.goto(f"{site}{url}")
        found[f"resident {url}"] = axe_violations(phone)

    pages = {"station_caishan": ["/", f"/cases/{number}"], "dept_cgj": ["/"],
             "grid_caishan1": ["/", "/visits/"], "command": ["/", "/command/"]}
    for username, urls in pages.items():
        size = {"width": 1920, "height": 1080} if username == "command" else {
            "width": 1280, "height": 900}
        page = _login(browser, watch, site, username, viewport=size)
        for url in urls:
            page.goto(f"{site}{url}")
            if url == "/command/":
                page.wait_for_selector("body[data-refreshed]")
            if url.startswith("/cases/"):
                for d in page.locator("details.action").all():  # check the forms too
                    d.evaluate("el => el.open = true")
            found[f"{username} {url}"] = axe_violations(page)

    bad = {name: v for name, v in found.items() if v}
    assert not bad, bad
    assert watch.foreign(site) == []
    assert watch.errors == []


def test_report_page_offers_suggested_categories(browser: Any, site: str) -> None:
    watch = Watch()
    phone = _login(browser, watch, site, "resident1", viewport={"width": 360, "height": 740},
                   is_mobile=True, has_touch=True)
    phone.goto(f"{site}/report")
    phone.fill("#id_description", "小区门口垃圾堆积多日无人清运，气味很大")
    button = phone.locator("#suggest button.suggestion").first
    button.wait_for()
    code = button.get_attribute("data-item")
    assert code and phone.input_value("#id_item") == ""
    button.click()
    assert phone.input_value("#id_item") == code
    assert button.get_attribute("aria-pressed") == "true"
    assert any(u.endswith("/api/v1/routing/suggest") for u in watch.requests)
    assert watch.foreign(site) == []
    assert watch.errors == []
