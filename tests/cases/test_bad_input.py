"""Bad input gets a 4xx with the SPEC §6 error body, never a 500."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shaobao.cases.models import Attachment, Case
from world import inside

pytestmark = pytest.mark.django_db

OUTSIDE = (39.9042, 116.4074)  # Beijing: far outside the test district's grids


def assert_error(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.content
    assert r["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def make_png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def good(**extra: Any) -> dict[str, Any]:
    lat, lng = inside(0)
    return {"description": "路灯不亮", "item": "GL01", "lat": lat, "lng": lng, **extra}


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def case_number(api: Any) -> str:
    r = api("resident1").post("/api/v1/cases", good())
    assert r.status_code == 201, r.content
    return str(r.json()["number"])


def upload(api: Any, user: str, number: str, name: str, data: bytes,
           content_type: str = "image/jpeg", **fields: Any) -> Any:
    a = api(user)
    return a.client.post(f"/api/v1/cases/{number}/attachments",
                         {"file": SimpleUploadedFile(name, data, content_type=content_type),
                          **fields}, headers=a.headers)


# -- intake -----------------------------------------------------------------------------


def test_unknown_item(api: Any) -> None:
    assert_error(api("resident1").post("/api/v1/cases", good(item="ZZ99")), 400, "unknown_item")
    assert not Case.objects.exists()


def test_point_outside_the_district(api: Any) -> None:
    lat, lng = OUTSIDE
    error = assert_error(api("resident1").post("/api/v1/cases", good(lat=lat, lng=lng)), 400,
                         "outside_grids")
    assert "网格" in error["message"]


def test_missing_description(api: Any) -> None:
    body = good()
    del body["description"]
    error = assert_error(api("resident1").post("/api/v1/cases", body), 400, "invalid_input")
    assert any("description" in (d.get("loc") or []) for d in error["details"])
    assert_error(api("resident1").post("/api/v1/cases", good(description="   ")), 400,
                 "description_required")
    assert_error(api("resident1").post("/api/v1/cases", good(description="长" * 4001)), 400,
                 "description_too_long")


@pytest.mark.parametrize("raw", ['{"description": "路灯不亮",', "not json", "{'a': 1}", "\x00"])
def test_malformed_json(api: Any, raw: str) -> None:
    a = api("resident1")
    r = a.client.post("/api/v1/cases", raw, content_type="application/json", headers=a.headers)
    error = assert_error(r, 400)
    assert error["code"] == "malformed_json"


def test_malformed_json_on_action(api: Any, case_number: str) -> None:
    a = api("station_caishan")
    r = a.client.post(f"/api/v1/cases/{case_number}/actions/accept", '{"version": 1',
                      content_type="application/json", headers=a.headers)
    assert_error(r, 400)


@pytest.mark.parametrize("crs", ["mercator", "EPSG:3857", ""])
def test_wrong_crs(api: Any, crs: str) -> None:
    r = api("resident1").post("/api/v1/cases", good(crs=crs))
    if crs == "":  # empty means the default, wgs84
        assert r.status_code == 201, r.content
    else:
        assert_error(r, 400, "bad_crs")


def test_other_crs_accepted(api: Any) -> None:
    # The middle square, so that the few hundred metres of GCJ-02/BD-09 offset stay inside.
    lat, lng = inside(1)
    for crs in ("GCJ02", "wgs84", "bd09"):
        r = api("resident1").post("/api/v1/cases", good(crs=crs, lat=lat, lng=lng))
        assert r.status_code == 201, (crs, r.content)
        assert r.json()["community"] == "340803005001"


@pytest.mark.parametrize(("body", "code"), [
    ({"lat": 30.525}, "bad_coordinates"),
    ({"lat": 200.0}, "invalid_input"),
    ({"lng": "east"}, "invalid_input"),
    ({"lat": None, "lng": None}, "location_required"),
    ({"lat": None, "lng": None, "grid": "nope"}, "unknown_grid"),
    ({"channel": "telegram"}, "bad_channel"),
    ({"channel": "hotline"}, "forbidden"),
    ({"reporter_phone": "call me"}, "bad_phone"),
    ({"anonymous": "maybe"}, "invalid_input"),
    ({"description": 42}, "invalid_input"),
])
def test_other_bad_intake_fields(api: Any, body: dict[str, Any], code: str) -> None:
    payload = {**good(), **body}
    if body.get("lat", 0) == 30.525:
        del payload["lng"]
    status = 403 if code == "forbidden" else 400
    assert_error(api("resident1").post("/api/v1/cases", payload), status, code)


def test_intake_body_not_an_object(api: Any) -> None:
    assert_error(api("resident1").post("/api/v1/cases", ["description"]), 400)
    assert_error(api("resident1").post("/api/v1/cases", None), 400)


def test_idempotency_key_too_long(api: Any) -> None:
    assert_error(api("resident1").post("/api/v1/cases", good(), headers={
        "Idempotency-Key": "k" * 101}), 400, "bad_idempotency_key")


# -- photos -----------------------------------------------------------------------------


def test_oversized_photo(api: Any, media: Path, case_number: str) -> None:
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (10 * 1024 * 1024)
    assert_error(upload(api, "resident1", case_number, "big.jpg", big), 400, "file_too_large")
    assert not Attachment.objects.exists()


def test_text_renamed_jpg_is_not_an_image(api: Any, media: Path, case_number: str) -> None:
    r = upload(api, "resident1", case_number, "photo.jpg", b"hello, I am plain text\n" * 20)
    assert_error(r, 400, "not_an_image")


def test_empty_file(api: Any, media: Path, case_number: str) -> None:
    assert_error(upload(api, "resident1", case_number, "e.jpg", b""), 400)


def test_real_small_png(api: Any, media: Path, case_number: str) -> None:
    png = make_png()
    r = upload(api, "resident1", case_number, "photo.txt", png, content_type="text/plain")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["content_type"] == "image/png" and body["size"] == len(png)
    assert body["stage"] == "report"
    listed = api("station_caishan").get(f"/api/v1/cases/{case_number}/attachments").json()
    assert [a["id"] for a in listed] == [body["id"]]


def test_bad_stage_and_missing_file(api: Any, media: Path, case_number: str) -> None:
    assert_error(upload(api, "resident1", case_number, "p.png", make_png(), stage="later"), 400,
                 "bad_stage")
    a = api("resident1")
    r = a.client.post(f"/api/v1/cases/{case_number}/attachments", {}, headers=a.headers)
    assert_error(r, 400)


def test_photo_on_someone_elses_case(api: Any, media: Path, case_number: str) -> None:
    assert_error(upload(api, "resident2", case_number, "p.png", make_png()), 404)
    assert_error(upload(api, "station_mashan", case_number, "p.png", make_png()), 404)


# -- actions ----------------------------------------------------------------------------


def test_unknown_action(api: Any, case_number: str) -> None:
    error = assert_error(api("station_caishan").act(case_number, "teleport", 1), 400,
                         "unknown_action")
    assert "accept" in error["details"]["actions"]


def test_missing_version(api: Any, case_number: str) -> None:
    station = api("station_caishan")
    assert_error(station.post(f"/api/v1/cases/{case_number}/actions/accept", {}), 400)
    assert_error(station.post(f"/api/v1/cases/{case_number}/actions/accept",
                              {"version": "one"}), 400)
    assert_error(station.post(f"/api/v1/cases/{case_number}/actions/accept",
                              {"version": None}), 400)
    assert_error(station.post(f"/api/v1/cases/{case_number}/actions/accept", [1]), 400)
    assert_error(station.post(f"/api/v1/cases/{case_number}/actions/accept"), 400)
    assert Case.objects.get(number=case_number).status == "submitted"


def test_action_on_missing_case(api: Any) -> None:
    assert_error(api("command").act("DG209912310001", "accept", 1), 404, "case_not_found")


# -- auth and visibility ----------------------------------------------------------------


@pytest.mark.parametrize(("method", "url"), [
    ("post", "/api/v1/cases"), ("get", "/api/v1/cases"), ("get", "/api/v1/cases/DG1"),
    ("post", "/api/v1/cases/DG1/actions/accept"), ("get", "/api/v1/tasks"),
    ("get", "/api/v1/me"), ("post", "/api/v1/points/1/appeal"),
])
def test_unauthenticated(method: str, url: str) -> None:
    c = Client()
    r = c.post(url, "{}", content_type="application/json") if method == "post" else c.get(url)
    assert_error(r, 401, "unauthenticated")


def test_bad_token(api: Any) -> None:
    r = Client().get("/api/v1/cases", headers={"Authorization": "Bearer nope"})
    assert_error(r, 401, "unauthenticated")


def test_case_of_another_community_is_404(api: Any, case_number: str) -> None:
    error = assert_error(api("station_mashan").get(f"/api/v1/cases/{case_number}"), 404,
                         "case_not_found")
    missing = assert_error(api("station_mashan").get("/api/v1/cases/DG209912310001"), 404)
    assert error["code"] == missing["code"]
    assert_error(api("station_mashan").get(f"/api/v1/cases/{case_number}/events"), 404)
    assert_error(api("station_mashan").get(f"/api/v1/cases/{case_number}/attachments"), 404)
    listed = api("station_mashan").get("/api/v1/cases").json()
    assert case_number not in [c["number"] for c in listed["results"]]


@pytest.mark.parametrize("params", [
    {"status": "bogus"}, {"sort": "description"}, {"page_size": 0}, {"page_size": 1000},
    {"page": 0}, {"page": "x"}, {"overdue": "perhaps"},
])
def test_bad_list_filters(api: Any, params: dict[str, Any]) -> None:
    assert_error(api("command").get("/api/v1/cases", **params), 400)


@pytest.mark.parametrize(("url", "body"), [
    ("/api/v1/tasks/abc/complete", {"found_true": True}),
    ("/api/v1/tasks/1/complete", {"found_true": "dunno"}),
    ("/api/v1/points/abc/appeal", {"reason": "x"}),
    ("/api/v1/points/999999/appeal", {"reason": "x"}),
    ("/api/v1/appeals/1/decide", {}),
    ("/api/v1/cases/DG209912310001/evaluation", {"score": 3}),
])
def test_other_bad_posts_are_4xx(api: Any, url: str, body: dict[str, Any]) -> None:
    r = api("command").post(url, body)
    assert 400 <= r.status_code < 500, r.content
    assert_error(r, r.status_code)
