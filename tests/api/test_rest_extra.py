"""REST v1 additions for scripts: stations, users (administrators), api keys."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_stations_paginated(api: Any) -> None:
    from shaobao.geo.models import Division
    from shaobao.org.models import Station

    for code in ("340803005001", "340803001002"):
        Station.objects.create(community=Division.objects.get(code=code), name=f"{code}工作站",
                               head_name="王站长")
    r = api("resident1").get("/api/v1/stations", page_size=1)
    assert r.status_code == 200
    page = r.json()
    assert page["count"] == 2 and page["page"] == 1 and page["page_size"] == 1
    assert page["results"][0]["community"] == "340803001002"
    assert page["results"][0]["street"] == "340803001" and page["results"][0]["members"] == 0
    assert api("resident1").get("/api/v1/stations", street="340803005").json()["count"] == 1
    assert api(None).get("/api/v1/stations").status_code == 401
    assert api("resident1").get("/api/v1/stations", page=5).json()["results"] == []
    assert api("resident1").get("/api/v1/stations", page_size=500).status_code == 400


def test_users_admin_only(api: Any) -> None:
    from shaobao.org.models import Role, User

    User.objects.create(username="admin1", role=Role.ADMIN)
    assert api("command").get("/api/v1/users").status_code == 403
    r = api("admin1").get("/api/v1/users", role="department")
    assert r.status_code == 200
    assert [u["username"] for u in r.json()["results"]] == ["dept_cgj", "dept_zjj"]
    assert r.json()["results"][0]["department"] == "cgj"
    assert api("admin1").get("/api/v1/users", q="resident").json()["count"] == 2
    assert api("admin1").get("/api/v1/users", role="king").status_code == 400


def test_create_api_key_command() -> None:
    from shaobao.integrations.models import ApiClient

    out = StringIO()
    call_command("create-api-key", "app_one", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("o311_") and len(key) > 30
    client = ApiClient.objects.get(name="app_one")
    assert client.key_digest == ApiClient.digest_of(key) and key not in client.key_digest
    assert client.user.username == "open311_app_one" and client.user.role == "resident"
    assert not client.user.has_usable_password()
    with pytest.raises(CommandError, match="已存在"):
        call_command("create-api-key", "app_one", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("create-api-key", "bad name!", stdout=StringIO())


def test_nul_in_query_is_400_not_500(api: Any) -> None:
    r = api("command").get("/api/v1/cases", q="路灯\x00")
    assert r.status_code in (200, 400), r.content
    assert api("command").get("/api/v1/users", q="a\x00").status_code in (403, 400)
