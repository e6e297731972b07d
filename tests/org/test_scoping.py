"""Who sees which cases, who am I, departments, health, and bearer-token lifecycle."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shaobao.cases.models import Case
from shaobao.cases.services.intake import CaseCreateData, case_create
from shaobao.cases.services.transition import case_transition
from shaobao.geo.locate import grid_index_invalidate
from shaobao.org.models import ApiToken, User
from shaobao.org.services import token_create
from world import CAISHAN, MASHAN, STREET_JIXIAN, inside

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


@pytest.fixture(autouse=True)
def _fresh_locate_index() -> None:
    grid_index_invalidate()


def report(username: str, col: int, text: str = "路灯不亮", item: str | None = "GL01") -> Case:
    lat, lng = inside(col, 0.3 + 0.01 * col, 0.4)
    return case_create(User.objects.get(username=username),
                       data=CaseCreateData(description=text, item=item, lat=lat, lng=lng)).case


def whistle(case: Case, lead: str, co: list[str] | None = None) -> Case:
    station = User.objects.get(username="station_caishan" if case.community.code == CAISHAN
                               else "station_mashan")
    case = case_transition(station, case.number, "accept", {"version": case.version})
    return case_transition(station, case.number, "whistle",
                           {"version": case.version, "lead_department": lead,
                            "co_departments": co or []})


@pytest.fixture
def cases() -> dict[str, str]:
    """c1 蔡山 grid 1 (resident1, whistled to cgj with zjj), c2 蔡山 grid 2 (resident2),
    c3 马山 (resident1, whistled to zjj), c4 马山 (reported by the 马山 grid worker)."""
    c1 = whistle(report("resident1", 0), "cgj", ["zjj"])
    c2 = report("resident2", 1)
    c3 = whistle(report("resident1", 2, "垃圾堆放"), "zjj")
    c4 = report("grid_mashan1", 2, "井盖缺失", item=None)
    return {"c1": c1.number, "c2": c2.number, "c3": c3.number, "c4": c4.number}


def seen(api: Any, username: str, **params: Any) -> set[str]:
    r = api(username).get(CASES, page_size=200, **params)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["count"] == len(body["results"])
    return {c["number"] for c in body["results"]}


@pytest.mark.parametrize(("username", "expected"), [
    ("station_caishan", {"c1", "c2"}),
    ("station_mashan", {"c3", "c4"}),
    ("street_jixian", {"c1", "c2"}),
    ("dept_cgj", {"c1"}),
    ("dept_zjj", {"c1", "c3"}),
    ("grid_caishan1", {"c1"}),
    ("grid_mashan1", {"c3", "c4"}),
    ("resident1", {"c1", "c3"}),
    ("resident2", {"c2"}),
    ("command", {"c1", "c2", "c3", "c4"}),
    ("leader", {"c1", "c2", "c3", "c4"}),
])
def test_case_list_scope(api: Any, cases: dict[str, str], username: str,
                         expected: set[str]) -> None:
    assert seen(api, username) == {cases[k] for k in expected}


def test_detail_outside_scope_is_404(api: Any, cases: dict[str, str]) -> None:
    assert api("station_caishan").get(f"{CASES}/{cases['c1']}").status_code == 200
    for username, key in [("station_caishan", "c3"), ("dept_cgj", "c3"), ("resident2", "c1"),
                          ("grid_caishan1", "c2"), ("street_jixian", "c4")]:
        r = api(username).get(f"{CASES}/{cases[key]}")
        assert r.status_code == 404, (username, key)
        assert r.json()["error"]["code"] == "case_not_found"


def test_department_sees_co_department_case_once(api: Any, cases: dict[str, str]) -> None:
    body = api("dept_zjj").get(CASES, page_size=200).json()
    numbers = [c["number"] for c in body["results"]]
    assert len(numbers) == len(set(numbers)) == body["count"] == 2
    c1 = next(c for c in body["results"] if c["number"] == cases["c1"])
    assert c1["lead_department"] == "cgj" and c1["co_departments"] == ["zjj"]
    # Only the lead department may check in.
    assert "check_in" not in c1["allowed_actions"]
    lead_view = api("dept_cgj").get(f"{CASES}/{cases['c1']}").json()
    assert "check_in" in lead_view["allowed_actions"]


def test_filters_stay_inside_scope(api: Any, cases: dict[str, str]) -> None:
    assert seen(api, "station_caishan", community=MASHAN) == set()
    assert seen(api, "command", community=MASHAN) == {cases["c3"], cases["c4"]}
    assert seen(api, "command", street=STREET_JIXIAN) == {cases["c1"], cases["c2"]}
    assert seen(api, "command", department="zjj") == {cases["c1"], cases["c3"]}
    assert seen(api, "street_jixian", grid=f"{CAISHAN}002") == {cases["c2"]}


def test_reporter_details_masked_outside_entitled_roles(api: Any, cases: dict[str, str]) -> None:
    station = api("station_caishan").get(f"{CASES}/{cases['c1']}").json()
    assert station["reporter_name"] == "张伟" and station["reporter_phone"] == "13800001111"
    dept = api("dept_cgj").get(f"{CASES}/{cases['c1']}").json()
    assert dept["reporter_name"] == "张*" and dept["reporter_phone"] == "138****1111"


def test_unauthenticated_case_list_is_401(api: Any) -> None:
    r = api(None).get(CASES)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


# --- /me, /departments, /healthz ------------------------------------------------------


@pytest.mark.parametrize(("username", "role", "scope"), [
    ("station_caishan", "station",
     {"division": {"code": CAISHAN, "name": "蔡山社区", "level": "community"}}),
    ("street_jixian", "street",
     {"division": {"code": STREET_JIXIAN, "name": "集贤路街道", "level": "street"}}),
    ("grid_caishan1", "grid_worker",
     {"division": {"code": CAISHAN, "name": "蔡山社区", "level": "community"},
      "grid": f"{CAISHAN}001"}),
    ("command", "command", {"district": True}),
    ("leader", "leader", {"district": True}),
    ("resident1", "resident", {}),
])
def test_me(api: Any, username: str, role: str, scope: dict[str, Any]) -> None:
    r = api(username).get("/api/v1/me")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["username"] == username and body["role"] == role
    assert body["role_label"]
    assert body["scope"] == scope


def test_me_department(api: Any) -> None:
    body = api("dept_cgj").get("/api/v1/me").json()
    assert body["role"] == "department"
    assert body["scope"]["department"]["code"] == "cgj"
    assert body["scope"]["department"]["name"]
    assert api(None).get("/api/v1/me").status_code == 401


def test_departments(api: Any) -> None:
    r = api(None).get("/api/v1/departments")
    assert r.status_code == 200
    rows = r.json()
    codes = [d["code"] for d in rows]
    assert {"cgj", "zjj"} <= set(codes)
    assert len(codes) == len(set(codes)) >= 10
    for d in rows:
        assert d["name"] and d["kind"] in {"district", "municipal", "utility", "stationed"}


def test_healthz() -> None:
    r = Client().get("/healthz")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/json")
    assert r.json()["status"] == "ok"


# --- tokens ---------------------------------------------------------------------------


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_token_works_until_it_expires() -> None:
    user = User.objects.get(username="resident1")
    secret = token_create(user, expires_at=timezone.now() + timedelta(hours=1))
    assert bearer(secret).get("/api/v1/me").status_code == 200
    assert ApiToken.objects.get(digest=ApiToken.digest_of(secret)).last_used_at is not None
    ApiToken.objects.filter(digest=ApiToken.digest_of(secret)).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    r = bearer(secret).get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_expired_token_is_401() -> None:
    secret = token_create(User.objects.get(username="resident1"),
                          expires_at=timezone.now() - timedelta(days=1))
    assert bearer(secret).get(CASES).status_code == 401


def test_revoked_token_is_401() -> None:
    secret = token_create(User.objects.get(username="resident1"))
    assert bearer(secret).get(CASES).status_code == 200
    ApiToken.objects.filter(digest=ApiToken.digest_of(secret)).update(revoked=True)
    assert bearer(secret).get(CASES).status_code == 401


def test_inactive_user_token_is_401() -> None:
    user = User.objects.get(username="resident2")
    secret = token_create(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert bearer(secret).get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("header", ["Bearer sb_not-a-real-token", "Bearer ", "Token abc", ""])
def test_garbage_authorization_is_401(header: str) -> None:
    client = Client(headers={"Authorization": header} if header else {})
    assert client.get("/api/v1/me").status_code == 401


def test_create_token_command() -> None:
    out = StringIO()
    call_command("create-token", "street_jixian", stdout=out)
    secret = out.getvalue().strip()
    assert secret.startswith("sb_") and "\n" not in secret
    token = ApiToken.objects.get(digest=ApiToken.digest_of(secret))
    assert token.user.username == "street_jixian" and token.digest != secret
    r = bearer(secret).get("/api/v1/me")
    assert r.status_code == 200 and r.json()["username"] == "street_jixian"


def test_create_token_unknown_user() -> None:
    with pytest.raises(CommandError, match="nobody"):
        call_command("create-token", "nobody", stdout=StringIO())


# --- query counts ---------------------------------------------------------------------


def _many_cases(n: int) -> None:
    cols = [0, 1, 2]
    for i in range(n):
        case = report(["resident1", "resident2"][i % 2], cols[i % 3], f"问题 {i}")
        if i % 2 == 0:
            whistle(case, "cgj" if i % 4 == 0 else "zjj", ["zjj" if i % 4 == 0 else "cgj"])


def _list_queries(api: Any, username: str) -> int:
    client = api(username)
    client.get("/api/v1/me")  # token lookup's last_used_at write happens once, not per case
    # Once unmeasured first: the work calendar re-reads its overrides every 30 s, and that
    # one query must not land in one measurement and not the other.
    client.get(CASES, page_size=20)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(CASES, page_size=20)
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("username", ["command", "dept_zjj", "station_caishan", "resident1"])
def test_case_list_queries_do_not_grow_with_cases(api: Any, username: str) -> None:
    _many_cases(4)
    few = _list_queries(api, username)
    _many_cases(20)
    many = _list_queries(api, username)
    assert many == few, f"{username}: {few} queries for 4 cases, {many} for 24"


def test_case_list_page_of_twenty_query_ceiling(api: Any,
                                                django_assert_max_num_queries: Any) -> None:
    _many_cases(20)
    client = api("dept_zjj")
    client.get("/api/v1/me")
    with django_assert_max_num_queries(7):
        r = client.get(CASES, page_size=20)
    assert r.status_code == 200 and len(r.json()["results"]) == 10
    client = api("command")
    client.get("/api/v1/me")
    with django_assert_max_num_queries(7):
        r = client.get(CASES, page_size=20)
    assert len(r.json()["results"]) == 20
