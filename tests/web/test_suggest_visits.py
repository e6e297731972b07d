"""Category suggestions on the report and case pages; grid workers' photos and visit logs."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from web.test_pages import act, login, png, report

pytestmark = pytest.mark.django_db
DESCRIPTION = "小区门口垃圾堆积多日无人清运，气味很大"


def test_suggest_api_from_a_logged_in_page_needs_no_csrf_token() -> None:
    from shaobao.org.models import User
    client = Client(enforce_csrf_checks=True)  # as the browser: session cookie, no token
    client.force_login(User.objects.get(username="resident1"))
    page = client.get("/report").content.decode()
    assert 'id="suggest"' in page and 'data-url="/api/v1/routing/suggest"' in page
    response = client.post("/api/v1/routing/suggest", json.dumps({"text": DESCRIPTION}),
                           content_type="application/json")
    assert response.status_code == 200
    suggestions = response.json()["suggestions"]
    assert suggestions and suggestions[0]["item"]


def test_case_page_prefills_item_from_the_router_when_unclassified() -> None:
    from shaobao.routing.training import router_suggest
    top = router_suggest(DESCRIPTION)[0]
    number = report(login("resident1"), description=DESCRIPTION)
    station = login("station_caishan")
    html = station.get(f"/cases/{number}").content.decode()
    assert 'id="suggested-accept"' in html
    assert f'<option value="{top["item"]}" selected>' in html
    assert f'{round(top["confidence"] * 100)}%' in html
    for term in top["terms"]:
        assert term in html
    assert act(station, number, "accept").status_code == 302  # accepted without an item
    html = station.get(f"/cases/{number}").content.decode()
    assert 'id="suggested-whistle"' in html
    if top["lead_department"]:
        assert f'<option value="{top["lead_department"]}" selected>' in html


def test_case_page_keeps_the_residents_item_and_shows_no_suggestion() -> None:
    from shaobao.catalogue.selectors import current_items
    item = current_items().first()
    assert item is not None
    number = report(login("resident1"), description=DESCRIPTION, item=item.code)
    html = login("station_caishan").get(f"/cases/{number}").content.decode()
    assert 'class="suggested"' not in html
    assert f'<option value="{item.code}" selected>' in html


def test_check_truth_task_takes_before_photos() -> None:
    from shaobao.cases.models import Case, Task
    number = report(login("resident1"))
    task = Task.objects.get(case__number=number, kind="check_truth")
    grid = login("grid_caishan1")
    assert 'name="photos"' in grid.get("/").content.decode()
    response = grid.post(f"/tasks/{task.id}/complete", {
        "found_true": "true", "note": "属实",
        "photos": [SimpleUploadedFile("b.png", png(), "image/png")]}, follow=True)
    assert "核实结果已提交" in response.content.decode()
    case = Case.objects.get(number=number)
    assert case.attachments.filter(stage="report", uploaded_by__username="grid_caishan1").count() == 1


def test_check_truth_task_reports_a_refused_photo_but_keeps_the_result() -> None:
    from shaobao.cases.models import Task
    number = report(login("resident1"))
    task = Task.objects.get(case__number=number, kind="check_truth")
    response = login("grid_caishan1").post(f"/tasks/{task.id}/complete", {
        "found_true": "false", "photos": [SimpleUploadedFile("x.png", b"not an image")]},
        follow=True)
    html = response.content.decode()
    assert "核实结果已提交" in html and "只接受" in html
    task.refresh_from_db()
    assert task.status == "done"


def test_visit_logs_page_write_and_turn_into_case() -> None:
    from shaobao.cases.models import Case
    from shaobao.governance.models import VisitLog
    grid = login("grid_caishan1")
    page = grid.get("/visits/")
    assert page.status_code == 200 and "记录走访" in page.content.decode()
    assert 'href="/visits/"' in grid.get("/").content.decode()  # in the navigation
    response = grid.post("/visits/", {"kind": "hazard", "place": "3栋", "content": "楼道电动车充电"},
                         follow=True)
    assert "民情日志已记录" in response.content.decode()
    log = VisitLog.objects.get(content="楼道电动车充电")
    assert log.author.username == "grid_caishan1" and log.status == "open"
    assert "楼道电动车充电" in response.content.decode()
    response = grid.post(f"/visits/{log.id}/case", {"item": ""})
    assert response.status_code == 302
    log.refresh_from_db()
    assert log.status == "to_case" and log.case is not None
    assert response["Location"] == f"/cases/{log.case.number}"
    assert Case.objects.get(pk=log.case_id).description.endswith("楼道电动车充电")
    # Twice is refused with a message, not a second case.
    response = grid.post(f"/visits/{log.id}/case", {"item": ""}, follow=True)
    assert "已转为案件" in response.content.decode() or "已办结" in response.content.decode()
    assert VisitLog.objects.get(pk=log.pk).case_id == log.case_id


def test_visit_log_resolve_and_validation() -> None:
    from shaobao.governance.models import VisitLog
    grid = login("grid_caishan1")
    response = grid.post("/visits/", {"kind": "dispute", "content": ""})
    assert response.status_code == 400
    grid.post("/visits/", {"kind": "dispute", "content": "邻里漏水纠纷"})
    log = VisitLog.objects.get(content="邻里漏水纠纷")
    response = grid.post(f"/visits/{log.id}/resolve", {"resolution": "调解达成一致"}, follow=True)
    assert "已记录化解或整改情况" in response.content.decode()
    assert VisitLog.objects.get(pk=log.pk).status == "resolved"
    # Another grid's worker can neither see nor touch it.
    other = login("grid_mashan1")
    assert "邻里漏水纠纷" not in other.get("/visits/").content.decode()
    response = other.post(f"/visits/{log.id}/case", {"item": ""}, follow=True)
    assert "不属于您的网格" in response.content.decode()


@pytest.mark.parametrize("username", ["resident1", "station_caishan", "dept_cgj", "command"])
def test_visit_logs_only_for_grid_staff(username: str) -> None:
    assert login(username).get("/visits/").status_code == 404
