"""Open311 GeoReport v2: every endpoint in JSON and XML, against the public schemas."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

import pytest

from world import CAISHAN, inside

pytestmark = pytest.mark.django_db
XML_DECL = b'<?xml version="1.0" encoding="utf-8"?>'
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url"]


def xml_of(response: Any) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    assert response.content.startswith(XML_DECL), response.content[:80]
    return ET.fromstring(response.content)


def report(o311: Any, key: str, fmt: str = "json", **fields: Any) -> Any:
    lat, lng = inside(0)
    data = {"api_key": key, "service_code": "GL01", "lat": lat, "long": lng,
            "description": "工农小区二楼平台道路没有路灯", "address_string": "工农小区二楼平台",
            "first_name": "伟", "last_name": "张", "phone": "13800001111",
            "email": "zw@example.org", "account_id": "acct-7", "device_id": "dev-1"}
    data.update(fields)
    return o311.post(fmt, {k: v for k, v in data.items() if v is not None})


# -- discovery and services ---------------------------------------------------------------


def test_discovery_json_and_xml(o311: Any) -> None:
    r = o311.get("discovery")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    data = r.json()
    assert isinstance(data, dict) and data["endpoints"]
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    datetime.fromisoformat(data["changeset"])

    root = xml_of(o311.get("discovery", "xml"))
    assert root.tag == "discovery"
    assert root.findtext("contact")
    ep = root.find("endpoints/endpoint")
    assert ep is not None and ep.findtext("type") == "production"
    assert [f.text for f in ep.findall("formats/format")] == ["text/xml", "application/json"]


def test_services_json(o311: Any, validate: Any) -> None:
    r = o311.get("services")
    assert r.status_code == 200
    services = r.json()
    validate("services.json", services)
    assert len(services) == 36
    by_code = {s["service_code"]: s for s in services}
    gl01 = by_code["GL01"]
    assert gl01["group"] == "管理服务" and gl01["type"] == "realtime"
    assert gl01["metadata"] is False and "," in gl01["keywords"]
    assert by_code["YJ01"]["metadata"] is True and by_code["YJ01"]["group"] == "应急处置"
    assert {s["group"] for s in services} == {"综合执法", "管理服务", "应急处置"}


def test_services_xml_field_by_field(o311: Any) -> None:
    root = xml_of(o311.get("services", "xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == 36
    json_services = {s["service_code"]: s for s in o311.get("services").json()}
    for el in services:
        code = el.findtext("service_code")
        expected = json_services[code]
        assert [c.tag for c in el] == ["service_code", "service_name", "description",
                                       "metadata", "type", "keywords", "group"]
        assert el.findtext("service_name") == expected["service_name"]
        assert el.findtext("metadata") == ("true" if expected["metadata"] else "false")
        assert el.findtext("type") == "realtime"
        assert el.findtext("group") == expected["group"]
        assert (el.findtext("keywords") or None) == expected["keywords"]


def test_service_definition_both_formats(o311: Any, validate: Any) -> None:
    r = o311.get("services/YJ01")
    assert r.status_code == 200
    definition = r.json()
    validate("service-definition.json", definition)
    assert definition["service_code"] == "YJ01"
    codes = [a["code"] for a in definition["attributes"]]
    assert codes == ["SAFETY_TIP", "PEOPLE_AT_RISK", "REPORTER_ON_SITE"]
    at_risk = definition["attributes"][1]
    assert at_risk["required"] is True and at_risk["datatype"] == "singlevaluelist"
    assert {v["key"] for v in at_risk["values"]} == {"yes", "no", "unknown"}

    root = xml_of(o311.get("services/YJ01", "xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "YJ01"
    attrs = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attrs] == codes
    assert attrs[1].findtext("variable") == "true" and attrs[1].findtext("order") == "2"
    assert [v.findtext("key") for v in attrs[1].findall("values/value")] == [
        "yes", "no", "unknown"]
    assert attrs[1].find("values/value/name").text == "是"  # type: ignore[union-attr]

    # An item without extra questions still has a (empty) definition.
    r = o311.get("services/GL01")
    assert r.status_code == 200 and r.json() == {"service_code": "GL01", "attributes": []}
    validate("service-definition.json", r.json())


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404(o311: Any, fmt: str) -> None:
    r = o311.get("services/NOPE", fmt)
    assert r.status_code == 404
    if fmt == "json":
        assert r.json() == [{"code": 404, "description": r.json()[0]["description"]}]
        assert "NOPE" in r.json()[0]["description"]
    else:
        root = xml_of(r)
        assert root.tag == "errors" and root.findtext("error/code") == "404"
        assert "NOPE" in (root.findtext("error/description") or "")


# -- POST requests --------------------------------------------------------------------------


def test_post_request_json(o311: Any, o311_key: str, validate: Any) -> None:
    from shaobao.cases.models import Case
    from shaobao.integrations.models import Open311Request

    r = report(o311, o311_key)
    assert r.status_code == 200, r.content
    body = r.json()
    validate("requests.json", body)
    assert len(body) == 1
    out = body[0]
    number = out["service_request_id"]
    assert number.startswith("DG") and out["account_id"] == "acct-7"
    assert "3 个工作日" in out["service_notice"] and "路灯" not in out["service_notice"][:2]
    assert out["status"] == "open" and out["service_code"] == "GL01"

    case = Case.objects.get(number=number)
    assert case.channel == "open311" and case.status == "submitted"
    assert case.reporter is not None and case.reporter.username == "open311_hotline12345"
    assert case.reporter.role == "resident"
    assert case.reporter_name == "张伟" and case.reporter_phone == "13800001111"
    assert case.grid is not None and case.grid.code == f"{CAISHAN}001"
    extra = Open311Request.objects.get(case=case)
    assert (extra.email, extra.device_id, extra.account_id) == ("zw@example.org", "dev-1",
                                                                "acct-7")


def test_post_request_xml(o311: Any, o311_key: str) -> None:
    r = report(o311, o311_key, "xml", account_id=None)
    assert r.status_code == 200, r.content
    root = xml_of(r)
    assert root.tag == "service_requests"
    req = root.find("request")
    assert req is not None
    assert (req.findtext("service_request_id") or "").startswith("DG")
    assert req.findtext("service_notice")
    assert req.find("account_id") is not None and not req.findtext("account_id")


def test_post_with_address_id_and_attributes(o311: Any, o311_key: str) -> None:
    from shaobao.cases.models import Case
    from shaobao.integrations.models import Open311Request

    r = report(o311, o311_key, service_code="YJ01", lat=None, long=None,
               address_id=f"{CAISHAN}002", description="楼道里有很重的煤气味",
               **{"attribute[PEOPLE_AT_RISK]": "yes", "attribute[REPORTER_ON_SITE]": "no"})
    assert r.status_code == 200, r.content
    case = Case.objects.get(number=r.json()[0]["service_request_id"])
    assert case.grid is not None and case.grid.code == f"{CAISHAN}002"
    assert case.lat is None and "【附加信息】" in case.description and "是" in case.description
    assert Open311Request.objects.get(case=case).attributes == {
        "PEOPLE_AT_RISK": "yes", "REPORTER_ON_SITE": "no"}
    assert r.json()[0]["address_id"] == f"{CAISHAN}002"
    assert r.json()[0]["lat"] is None


@pytest.mark.parametrize("fields,status,needle", [
    ({"api_key": None}, 403, "api_key"),
    ({"api_key": "o311_wrong"}, 403, "api_key"),
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "NOPE"}, 400, "NOPE"),
    ({"lat": None, "long": None, "address_string": "工农小区"}, 400, "address_id"),
    ({"lat": None, "long": None, "address_string": None}, 400, "位置"),
    ({"lat": "abc"}, 400, "lat"),
    ({"lat": "10.0", "long": "10.0"}, 400, "网格"),
    ({"address_id": "999", "lat": None, "long": None}, 400, "999"),
    ({"service_code": "YJ01"}, 400, "PEOPLE_AT_RISK"),
    ({"service_code": "YJ01", "attribute[PEOPLE_AT_RISK]": "maybe"}, 400, "PEOPLE_AT_RISK"),
    ({"attribute[COLOUR]": "red"}, 400, "COLOUR"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"phone": "call me"}, 400, "电话"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors(o311: Any, o311_key: str, fields: dict[str, Any], status: int,
                     needle: str, fmt: str) -> None:
    from shaobao.cases.models import Case

    r = report(o311, o311_key, fmt, **fields)
    assert r.status_code == status, r.content
    if fmt == "json":
        errors = r.json()
        assert errors[0]["code"] == status and needle in errors[0]["description"]
    else:
        root = xml_of(r)
        assert root.tag == "errors"
        assert root.findtext("error/code") == str(status)
        assert needle in (root.findtext("error/description") or "")
    assert Case.objects.count() == 0


def test_inactive_client_is_refused(o311: Any, o311_key: str) -> None:
    from shaobao.integrations.models import ApiClient

    ApiClient.objects.update(active=False)
    assert report(o311, o311_key).status_code == 403


def test_wrong_method_and_format(o311: Any) -> None:
    r = o311.client.delete("/open311/v2/requests.json")
    assert r.status_code == 405 and r.json()[0]["code"] == 405
    assert o311.client.get("/open311/v2/services.csv").status_code == 404


# -- GET requests ----------------------------------------------------------------------------


def _three(o311: Any, key: str) -> list[str]:
    numbers = []
    for code, desc in [("GL01", "没有路灯"), ("GL01", "路灯坏了"), ("ZF02", "门口摆摊")]:
        r = report(o311, key, service_code=code, description=desc)
        assert r.status_code == 200, r.content
        numbers.append(r.json()[0]["service_request_id"])
    return numbers


def test_get_requests_filters(o311: Any, o311_key: str, validate: Any) -> None:
    from shaobao.cases.models import Case

    numbers = _three(o311, o311_key)
    everything = o311.get("requests").json()
    validate("requests.json", everything)
    assert [r["service_request_id"] for r in everything] == numbers[::-1]  # newest first

    gl = o311.get("requests", service_code="GL01").json()
    assert {r["service_request_id"] for r in gl} == set(numbers[:2])
    both = o311.get("requests", service_code="GL01,ZF02").json()
    assert len(both) == 3

    picked = o311.get("requests", service_request_id=f"{numbers[2]},{numbers[0]}",
                      service_code="GL01").json()  # other parameters are ignored
    assert [r["service_request_id"] for r in picked] == [numbers[2], numbers[0]]

    Case.objects.filter(number=numbers[0]).update(status="rejected")
    assert [r["service_request_id"] for r in o311.get("requests", status="closed").json()] == [
        numbers[0]]
    assert len(o311.get("requests", status="open").json()) == 2
    assert len(o311.get("requests", status="open,closed").json()) == 3

    page1 = o311.get("requests", page_size=2).json()
    page2 = o311.get("requests", page_size=2, page=2).json()
    assert [r["service_request_id"] for r in page1 + page2] == numbers[::-1]
    assert o311.get("requests", page=3, page_size=2).json() == []


def test_get_requests_date_window(o311: Any, o311_key: str) -> None:
    from django.utils import timezone

    from shaobao.cases.models import Case

    numbers = _three(o311, o311_key)
    old = timezone.now() - timedelta(days=120)
    Case.objects.filter(number=numbers[0]).update(created_at=old)
    # Default: the last 90 days only.
    assert numbers[0] not in {r["service_request_id"] for r in o311.get("requests").json()}
    start = (old - timedelta(days=1)).isoformat()
    end = (old + timedelta(days=1)).isoformat()
    got = o311.get("requests", start_date=start, end_date=end).json()
    assert [r["service_request_id"] for r in got] == [numbers[0]]
    # A date alone is a day in the server's time zone (Beijing), not in UTC.
    day = timezone.localtime(old).date().isoformat()
    got = o311.get("requests", start_date=day, end_date=day).json()
    assert [r["service_request_id"] for r in got] == [numbers[0]]
    only_end = o311.get("requests", end_date=end).json()
    assert [r["service_request_id"] for r in only_end] == [numbers[0]]


@pytest.mark.parametrize("params", [
    {"status": "pending"}, {"start_date": "yesterday"}, {"end_date": "2026-13-45"},
    {"page": "0"}, {"page_size": "1001"}, {"page_size": "x"},
    {"start_date": "2026-11-02", "end_date": "2026-10-31"}])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_bad_parameters(o311: Any, params: dict[str, str], fmt: str) -> None:
    r = o311.get("requests", fmt, **params)
    assert r.status_code == 400, r.content
    if fmt == "xml":
        assert xml_of(r).findtext("error/code") == "400"
    else:
        assert r.json()[0]["code"] == 400


def test_request_detail_and_token_both_formats(o311: Any, o311_key: str,
                                               validate: Any) -> None:
    number = _three(o311, o311_key)[0]
    r = o311.get(f"requests/{number}")
    assert r.status_code == 200
    validate("requests.json", r.json())
    out = r.json()[0]
    assert list(out) == REQUEST_FIELDS

    root = xml_of(o311.get(f"requests/{number}", "xml"))
    assert root.tag == "service_requests"
    req = root.find("request")
    assert req is not None and [c.tag for c in req] == REQUEST_FIELDS
    for field in REQUEST_FIELDS:
        expected = out[field]
        text = req.findtext(field)
        if expected is None:
            assert not text, field
        elif isinstance(expected, float):
            assert float(text or "nan") == pytest.approx(expected), field
        else:
            assert text == str(expected), field

    tok = o311.get(f"tokens/{number}").json()
    assert tok == [{"service_request_id": number, "token": number}]
    root = xml_of(o311.get(f"tokens/{number}", "xml"))
    assert root.findtext("request/service_request_id") == number
    assert root.findtext("request/token") == number

    for path in ("requests/DG000", "tokens/DG000"):
        assert o311.get(path).status_code == 404
        assert xml_of(o311.get(path, "xml")).findtext("error/code") == "404"


def test_request_fields_mapping(o311: Any, o311_key: str) -> None:
    number = _three(o311, o311_key)[0]
    out = o311.get(f"requests/{number}").json()[0]
    lat, lng = inside(0)
    assert out["lat"] == pytest.approx(lat) and out["long"] == pytest.approx(lng)
    assert out["address"] == "工农小区二楼平台" and out["address_id"] == f"{CAISHAN}001"
    assert out["zipcode"] is None and out["media_url"] is None
    assert out["service_name"] == "路灯" or out["service_name"]
    assert out["agency_responsible"].endswith("红领工作站")
    assert out["status_notes"] == "待受理"
    requested = datetime.fromisoformat(out["requested_datetime"])
    assert out["requested_datetime"].endswith("+08:00") and requested.tzinfo is not None
    assert out["expected_datetime"] is None


# -- a request followed to closure -------------------------------------------------------------


def test_open311_request_followed_to_closure(o311: Any, o311_key: str, api: Any,
                                             validate: Any) -> None:
    from shaobao.cases.models import Case

    r = report(o311, o311_key, media_url="https://img.example.org/lamp.jpg")
    number = r.json()[0]["service_request_id"]
    station, dept, worker = api("station_caishan"), api("dept_cgj"), api("grid_caishan1")

    version = Case.objects.get(number=number).version
    case = station.act(number, "accept", version).json()
    case = station.act(number, "whistle", case["version"], lead_department="cgj").json()
    assert case["status"] == "whistled", case
    out = o311.get(f"requests/{number}").json()[0]
    assert out["status"] == "open"
    assert out["agency_responsible"] == Case.objects.get(number=number).lead_department.name
    assert out["status_notes"].startswith("吹哨：由")
    assert out["expected_datetime"] is not None
    assert datetime.fromisoformat(out["expected_datetime"]) == datetime.fromisoformat(
        case["deadlines"]["handle"])

    case = dept.act(number, "check_in", case["version"]).json()
    case = dept.act(number, "handle", case["version"], result="已安装路灯 12 盏").json()
    assert case["status"] == "handled"
    out = o311.get(f"requests/{number}").json()[0]
    assert out["status"] == "open" and out["status_notes"] == "办结反馈：已安装路灯 12 盏"

    case = worker.act(number, "verify", case["version"], passed=True, note="现场核查路灯已亮").json()
    assert case["status"] == "closed"

    for got in (o311.get(f"requests/{number}").json(),
                o311.get("requests", status="closed").json()):
        validate("requests.json", got)
        out = got[0]
        assert out["service_request_id"] == number and out["status"] == "closed"
        assert out["status_notes"] == "核查通过，已结案：现场核查路灯已亮"
        assert out["media_url"] == "https://img.example.org/lamp.jpg"
    closed_at = Case.objects.get(number=number).closed_at
    assert closed_at is not None
    assert datetime.fromisoformat(out["updated_datetime"]) == closed_at.replace(microsecond=0)
    root = xml_of(o311.get(f"requests/{number}", "xml"))
    assert root.findtext("request/status") == "closed"


def test_media_url_prefers_uploaded_photo(o311: Any, o311_key: str) -> None:
    from django.core.files.base import ContentFile

    from shaobao.cases.models import Attachment, Case

    number = _three(o311, o311_key)[0]
    case = Case.objects.get(number=number)
    a = Attachment(case=case, content_type="image/jpeg", size=3, sha256="0" * 64)
    a.file.save("lamp.jpg", ContentFile(b"abc"), save=True)
    out = o311.get(f"requests/{number}").json()[0]
    assert out["media_url"].startswith("http://testserver/media/")


@pytest.mark.parametrize("path,params", [
    ("services/GL\x0001", {}), ("requests", {"service_code": "GL\x0001"}),
    ("requests/DG\x00", {}), ("tokens/x\x00y", {}),
    ("requests", {"service_request_id": "DG\x001"})])
def test_nul_characters_are_bad_requests(o311: Any, path: str, params: dict[str, str]) -> None:
    r = o311.get(path, **params)
    assert r.status_code == 400, r.content
    assert r.json()[0]["code"] == 400 and "NUL" in r.json()[0]["description"]


def test_nul_in_post_is_a_bad_request(o311: Any, o311_key: str) -> None:
    r = report(o311, o311_key, description="路灯\x00坏了", account_id="a\x00b")
    assert r.status_code == 400, r.content
