"""Pages through Django's test client: access per role, forms posting through the services."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from world import CAISHAN, MASHAN, PASSWORD, inside

pytestmark = pytest.mark.django_db


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x10\x80\x10" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def login(username: str) -> Client:
    from shaobao.org.models import User
    client = Client()
    client.force_login(User.objects.get(username=username))  # no password hashing: fast
    return client


def report(client: Client, col: int = 0, **extra: Any) -> str:
    lat, lng = inside(col)
    data = {"description": "楼道堆放杂物，存在消防隐患", "lat": lat, "lng": lng, "item": "",
            "address": "", **extra}
    response = client.post("/report", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"]).split("/")[2]


def act(client: Client, number: str, action: str, **fields: Any) -> Any:
    from shaobao.cases.models import Case
    version = fields.pop("version", None) or Case.objects.get(number=number).version
    data = {f"{action}-version": version, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(f"/cases/{number}/actions/{action}", data)


PAGES = ["/", "/report", "/my", "/command/"]


@pytest.mark.parametrize("url", [*PAGES, "/command/data.json", "/cases/DG000000000000"])
def test_anonymous_is_sent_to_login(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_login_page_and_login() -> None:
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode() and 'name="password"' in page.content.decode()
    response = client.post("/login/", {"username": "station_caishan", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize("username", ["command", "leader", "station_caishan", "street_jixian",
                                      "dept_cgj", "grid_caishan1"])
@pytest.mark.parametrize("url", PAGES)
def test_staff_pages_render(username: str, url: str) -> None:
    response = login(username).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing from outside
    assert "https://" not in html


def test_resident_pages() -> None:
    client = login("resident1")
    assert client.get("/").status_code == 302  # a resident's home is "my cases"
    assert client.get("/my").status_code == 200
    assert client.get("/report").status_code == 200
    assert client.get("/command/").status_code == 404
    assert client.get("/command/data.json").status_code == 404


def test_report_creates_case_with_photos_and_shows_number() -> None:
    from shaobao.cases.models import Case
    client = login("resident1")
    lat, lng = inside(0)
    photos = [SimpleUploadedFile("a.png", png(), "image/png"),
              SimpleUploadedFile("b.png", png() + b"x", "image/png")]
    response = client.post("/report", {"description": "路灯不亮", "lat": lat, "lng": lng,
                                       "item": "", "address": "3栋", "anonymous": "on",
                                       "photos": photos, "idempotency_key": "k1"}, follow=True)
    assert response.status_code == 200
    case = Case.objects.get(reporter__username="resident1", description="路灯不亮")
    assert case.number in response.content.decode()
    assert case.anonymous and case.community.code == CAISHAN
    assert case.attachments.count() == 2
    # The same form posted twice (double tap) does not make a second case.
    client.post("/report", {"description": "路灯不亮", "lat": lat, "lng": lng, "item": "",
                            "address": "", "idempotency_key": "k1"})
    assert Case.objects.filter(description="路灯不亮").count() == 1


def test_report_without_place_or_outside_grids_shows_message() -> None:
    client = login("resident1")
    response = client.post("/report", {"description": "无位置", "item": ""})
    assert response.status_code == 200
    assert "请在地图上点选位置" in response.content.decode()
    response = client.post("/report", {"description": "区外", "item": "", "lat": 1.0,
                                       "lng": 1.0})
    assert response.status_code == 200
    assert "不在本区任何网格内" in response.content.decode()


def test_case_page_404_for_a_case_the_user_may_not_see() -> None:
    number = report(login("resident1"))
    assert login("resident2").get(f"/cases/{number}").status_code == 404
    assert login("station_mashan").get(f"/cases/{number}").status_code == 404
    assert login("dept_cgj").get(f"/cases/{number}").status_code == 404
    assert login("station_caishan").get(f"/cases/{number}").status_code == 200
    assert login("resident1").get(f"/cases/{number}").status_code == 200
    assert login("resident2").get("/cases/NOPE").status_code == 404


def test_full_cycle_through_the_pages() -> None:
    from shaobao.cases.models import Case
    from shaobao.catalogue.selectors import current_items
    item = current_items().filter(lead_department__code="cgj").first()
    assert item is not None
    number = report(login("resident1"), item=item.code)
    station = login("station_caishan")
    assert number in station.get("/").content.decode()
    page = station.get(f"/cases/{number}").content.decode()
    assert 'id="action-accept"' in page and 'id="action-reject"' in page
    assert act(station, number, "accept").status_code == 302
    page = station.get(f"/cases/{number}").content.decode()
    assert '<option value="cgj" selected>' in page  # lead prefilled from the whistle list
    assert act(station, number, "whistle", lead_department="cgj").status_code == 302
    dept = login("dept_cgj")
    assert number in dept.get("/").content.decode()
    assert act(dept, number, "check_in").status_code == 302
    response = act(dept, number, "handle", result="已清理",
                   photos=SimpleUploadedFile("h.png", png(), "image/png"))
    assert response.status_code == 302
    grid = login("grid_caishan1")
    home = grid.get("/").content.decode()
    assert number in home and "去核查" in home and "提交核实" in home
    assert act(grid, number, "verify", passed="true", note="ok").status_code == 302
    case = Case.objects.get(number=number)
    assert case.status == "closed"
    assert case.attachments.filter(stage="handle").count() == 1
    resident = login("resident1")
    assert "提交评价" in resident.get("/my").content.decode()
    response = act(resident, number, "rate", rating="satisfied", next="/my")
    assert response.status_code == 302
    assert Case.objects.get(number=number).rating == "satisfied"
    # Public timeline only for the resident: the internal events are hidden.
    assert "status_label" not in resident.get(f"/cases/{number}").content.decode()


def test_an_unsatisfied_rating_says_the_case_goes_back() -> None:
    from shaobao.cases.models import Case
    from shaobao.cases.services.intake import CaseCreateData, case_create
    from shaobao.cases.services.transition import case_transition
    from shaobao.org.models import User

    users = {u.username: u for u in User.objects.filter(
        username__in=["resident1", "station_caishan", "dept_cgj", "grid_caishan1"])}
    lat, lng = inside(0)
    case = case_create(users["resident1"], data=CaseCreateData(
        description="路灯不亮", lat=lat, lng=lng)).case
    for who, action, payload in (("station_caishan", "accept", {}),
                                 ("station_caishan", "whistle", {"lead_department": "cgj"}),
                                 ("dept_cgj", "check_in", {}),
                                 ("dept_cgj", "handle", {"result": "已更换灯泡"}),
                                 ("grid_caishan1", "verify", {"passed": True})):
        case = case_transition(users[who], case.number, action,
                               {"version": case.version, **payload})
    resident = login("resident1")
    response = act(resident, case.number, "rate", rating="unsatisfied")
    assert response.status_code == 302
    page = resident.get(response["Location"]).content.decode()
    assert "案件已重新交办" in page and Case.objects.get(pk=case.pk).status == "accepted"


def test_stale_version_shows_conflict_message_not_500() -> None:
    number = report(login("resident1"))
    station = login("station_caishan")
    assert act(station, number, "accept").status_code == 302
    response = act(station, number, "reject", version=1, reason="重复")
    assert response.status_code == 409
    assert "已被他人更新" in response.content.decode()


def test_forbidden_and_wrong_state_are_messages() -> None:
    number = report(login("resident1"))
    response = act(login("grid_caishan1"), number, "accept")
    assert response.status_code == 403
    assert "无权" in response.content.decode()
    station = login("station_caishan")
    response = act(station, number, "handle", result="x")
    assert response.status_code == 422
    assert "不能执行" in response.content.decode()
    response = act(station, number, "reject")  # reason missing: the form says so
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode() or "required" in response.content.decode()


def test_check_truth_task_form() -> None:
    from shaobao.cases.models import Task
    number = report(login("resident1"))
    task = Task.objects.get(case__number=number, kind="check_truth")
    grid = login("grid_caishan1")
    response = grid.post(f"/tasks/{task.id}/complete", {"found_true": "true", "note": "属实"},
                         follow=True)
    assert "核实结果已提交" in response.content.decode()
    task.refresh_from_db()
    assert task.status == "done" and task.result["found_true"] is True
    response = login("grid_mashan1").post(f"/tasks/{task.id}/complete", {"found_true": "true"},
                                          follow=True)
    assert response.status_code == 200
    assert "只有该网格的网格员" in response.content.decode()


def test_queue_filters_and_search() -> None:
    number = report(login("resident1"))
    other = report(login("resident2"), col=2)  # in 马山社区, not caishan's
    station = login("station_caishan")
    html = station.get("/", {"q": number}).content.decode()
    assert number in html and other not in html
    assert number not in station.get("/", {"status": "closed"}).content.decode()
    assert number not in station.get("/", {"overdue": "1"}).content.decode()
    assert number in station.get("/", {"all": "1", "community": CAISHAN}).content.decode()
    assert other in login("station_mashan").get("/", {"all": "1"}).content.decode()
    assert MASHAN


def test_command_data_json_and_kpis() -> None:
    report(login("resident1"))
    data = login("command").get("/command/data.json").json()
    assert set(data) >= {"kpis", "trend", "departments", "stations", "overdue", "hot_spots",
                         "map"}
    assert data["kpis"]["open"] >= 1
    assert len(data["trend"]["dates"]) == 30
    assert any(p["l"] in ("green", "yellow", "red") for p in data["map"])


def test_language_switch_to_english() -> None:
    client = login("station_caishan")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Log out" in html and "Waiting for me" in html
