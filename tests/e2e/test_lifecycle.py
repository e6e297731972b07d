"""One case from a resident's phone to the command-center screen, in a real browser.

resident reports with a photo at 360×740 → station accepts and whistles → the lead
department checks in and handles → the grid worker confirms the report and verifies on
site → the resident rates → the command center's closed count goes up. Every request
stays on the server's own origin and the console stays free of errors.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import TIMEOUT, Watch, png_bytes
from world import CAISHAN, PASSWORD, inside

pytestmark = pytest.mark.django_db(transaction=True)


def _login(browser: Any, watch: Watch, site: str, username: str, *, english: bool = False,
           **context: Any) -> Any:
    ctx = browser.new_context(locale="en-US" if english else "zh-CN",
                              timezone_id="Asia/Shanghai", **context)
    ctx.set_default_timeout(TIMEOUT)
    if english:  # the site's language switch, as the header's link sets it
        ctx.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    page = watch.attach(ctx.new_page())
    page.goto(f"{site}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login/" not in page.url, f"{username} could not log in"
    return page


def _act(page: Any, action: str, fill: dict[str, str] | None = None,
         files: dict[str, Path] | None = None, check: list[str] | None = None) -> None:
    details = page.locator(f"#action-{action}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    for selector, value in (fill or {}).items():
        page.fill(selector, value)
    for selector in check or []:
        page.check(selector)
    for selector, path in (files or {}).items():
        page.set_input_files(selector, str(path))
    with page.expect_navigation():
        details.locator("button[type=submit]").click()
    errors = page.locator(".msg.error").all_inner_texts()
    assert not errors, errors


def test_resident_to_command_center(browser: Any, site: str, tmp_path: Path) -> None:
    from shaobao.catalogue.selectors import current_items

    item = current_items().filter(lead_department__code="cgj").first()
    assert item is not None
    photo = tmp_path / "photo.png"
    photo.write_bytes(png_bytes())
    watch = Watch()

    # The command center before: remember this month's closed count.
    screen = _login(browser, watch, site, "command", viewport={"width": 1920, "height": 1080})
    screen.goto(f"{site}/command/")
    screen.wait_for_selector("body[data-refreshed]")
    closed_before = int(screen.inner_text("[data-kpi=closed_month]"))
    assert screen.locator("#trend-chart canvas").count() == 1

    # 1. A resident reports from a phone, placed by the phone's location, with a photo.
    lat, lng = inside(0)
    phone = _login(browser, watch, site, "resident1", viewport={"width": 360, "height": 740},
                   is_mobile=True, has_touch=True, geolocation={"latitude": lat, "longitude": lng},
                   permissions=["geolocation"])
    phone.goto(f"{site}/report")
    phone.wait_for_selector("#report-map path.leaflet-interactive")  # grid outlines drawn
    phone.click("#locate-me")
    phone.wait_for_function("document.getElementById('id_lat').value !== ''")
    phone.select_option("#id_item", item.code)
    phone.fill("#id_description", "工农小区3栋门口垃圾堆积多日无人清运")
    phone.set_input_files("#id_photos", str(photo))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    with phone.expect_navigation():
        phone.click("form.report button[type=submit]")
    number = phone.inner_text("#case-number").strip()
    assert re.fullmatch(r"DG\d{12}", number), number

    # 2. The station sees it in its queue, accepts it and whistles (lead prefilled).
    desk = _login(browser, watch, site, "station_caishan")
    assert number in desk.inner_text("table.queue")
    desk.click(f"text={number}")
    assert desk.locator(".photos img").count() == 1
    _act(desk, "accept")
    assert desk.inner_text("#case-status") == "已受理"
    desk.locator("#action-whistle summary").click()
    assert desk.input_value("#id_whistle-lead_department") == "cgj"
    _act(desk, "whistle")
    assert desk.inner_text("#case-status") == "已吹哨"

    # 3. The lead department checks in and reports the result with a photo.
    dept = _login(browser, watch, site, "dept_cgj")
    assert number in dept.inner_text("table.queue")
    dept.goto(f"{site}/cases/{number}")
    _act(dept, "check_in")
    assert dept.inner_text("#case-status") == "处置中"
    _act(dept, "handle", fill={"#id_handle-result": "已组织清运，现场恢复整洁"},
         files={"#id_handle-photos": photo})
    assert dept.inner_text("#case-status") == "待核查"

    # 4. The grid worker confirms the report (核实) and verifies on site (核查).
    grid = _login(browser, watch, site, "grid_caishan1")
    task = grid.locator("li.task", has_text=number).filter(has_text="核实")
    task.locator("input[value=true]").check()
    with grid.expect_navigation():
        task.locator("button[type=submit]").click()
    assert "核实结果已提交" in grid.inner_text(".messages")
    with grid.expect_navigation():
        grid.locator("li.task", has_text=number).locator("a.button").click()
    _act(grid, "verify", fill={"#id_verify-note": "现场已清理"}, check=["#id_verify-passed_0"],
         files={"#id_verify-photos": photo})
    assert grid.inner_text("#case-status") == "已结案"
    assert grid.locator(".photos img").count() == 3

    # 5. The resident rates the result on the phone.
    phone.goto(f"{site}/my")
    card = phone.locator("article.mycase", has_text=number)
    card.locator("input[value=satisfied]").check()
    with phone.expect_navigation():
        card.locator("button[type=submit]").click()
    assert "满意" in phone.locator("article.mycase", has_text=number).inner_text()

    # 6. The command center shows the change on its next refresh.
    screen.evaluate("window.shaobaoRefresh()")
    screen.wait_for_function(
        f"Number(document.querySelector('[data-kpi=closed_month]').textContent) === {closed_before + 1}")
    assert screen.locator("#command-map path.leaflet-interactive").count() >= 3

    assert watch.foreign(site) == []
    assert watch.errors == []
    assert any(u.endswith("/command/data.json") for u in watch.requests)
    assert CAISHAN  # the world's community the case landed in
