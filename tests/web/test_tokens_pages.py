"""Settings pages: own tokens for everyone; Open311 clients and webhooks for the command
center and administrators. Secrets appear once, in the answer to the creating POST."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shaobao.integrations.models import ApiClient, Webhook, WebhookDelivery
from shaobao.org.models import ApiToken, Role, User
from shaobao.org.services import token_create
from world import inside

pytestmark = pytest.mark.django_db

TOKENS = "/settings/tokens/"
CLIENTS = "/settings/api-clients/"
HOOKS = "/settings/webhooks/"
SECRET_RE = re.compile(r"sb_[A-Za-z0-9_-]{30,}")
KEY_RE = re.compile(r"o311_[A-Za-z0-9_-]{30,}")


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def html(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def admin_user() -> User:
    return User.objects.create(username="admin_pages", role=Role.ADMIN)


# -- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [TOKENS, CLIENTS, HOOKS])
def test_anonymous_is_sent_to_login(url: str) -> None:
    r = Client().get(url)
    assert r.status_code == 302 and r["Location"].startswith("/login/")


@pytest.mark.parametrize("username", ["resident1", "station_caishan", "dept_cgj", "command",
                                      "leader", "grid_caishan1"])
def test_token_page_for_every_role(username: str) -> None:
    r = login(username).get(TOKENS)
    assert r.status_code == 200
    page = html(r)
    assert 'for="id_name"' in page and 'for="id_expires_days"' in page
    assert 'value="90"' in page and "csrfmiddlewaretoken" in page
    assert f'href="{TOKENS}"' in page  # nav link in base.html


@pytest.mark.parametrize("username", ["resident1", "station_caishan", "dept_cgj", "leader",
                                      "street_jixian"])
@pytest.mark.parametrize("url", [CLIENTS, HOOKS])
def test_non_managers_cannot_see_clients_or_webhooks(username: str, url: str) -> None:
    client = login(username)
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "sneaky"}).status_code == 403
    assert CLIENTS not in html(client.get(TOKENS))
    assert not ApiClient.objects.filter(name="sneaky").exists()


@pytest.mark.parametrize("url", [CLIENTS, HOOKS])
def test_managers_see_clients_and_webhooks(url: str, admin_user: User) -> None:
    for client in (login("command"), login(admin_user.username)):
        r = client.get(url)
        assert r.status_code == 200
        assert CLIENTS in html(r) and HOOKS in html(r)


def test_csrf_is_required() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="resident1"))
    r = client.post(TOKENS, {"name": "x", "scopes": ["read"], "expires_days": 30})
    assert r.status_code == 403
    assert not ApiToken.objects.filter(user__username="resident1", name="x").exists()


# -- tokens ----------------------------------------------------------------------------------


def test_create_token_shows_secret_once_and_it_works() -> None:
    client = login("resident1")
    r = client.post(TOKENS, {"name": "我的脚本", "scopes": ["read"], "expires_days": "30"})
    assert r.status_code == 200
    found = SECRET_RE.findall(html(r))
    assert len(set(found)) == 1
    assert "no-store" in r["Cache-Control"]
    secret = found[0]
    token = ApiToken.objects.get(digest=ApiToken.digest_of(secret))
    assert token.user.username == "resident1" and token.name == "我的脚本"
    assert token.scopes == ["read"]
    assert token.expires_at is not None
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    # Listed, but the secret is never shown again.
    again = html(client.get(TOKENS))
    assert secret not in again and token.prefix in again and "我的脚本" in again
    # It is a working read-only token.
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/me").status_code == 200
    assert api.post("/api/v1/cases", "{}", content_type="application/json").status_code == 403


def test_default_expiry_is_90_days_and_both_scopes() -> None:
    r = login("station_caishan").post(TOKENS, {"name": "同步", "scopes": ["read", "write"],
                                               "expires_days": "90"})
    assert r.status_code == 200
    token = ApiToken.objects.get(digest=ApiToken.digest_of(SECRET_RE.findall(html(r))[0]))
    assert token.scopes == ["read", "write"]
    assert token.expires_at is not None
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)


@pytest.mark.parametrize("data", [
    {"name": "x", "scopes": ["read"], "expires_days": "366"},
    {"name": "x", "scopes": ["read"], "expires_days": "0"},
    {"name": "x", "expires_days": "30"},
    {"name": "x", "scopes": ["admin"], "expires_days": "30"},
    {"name": "", "scopes": ["read"], "expires_days": "30"},
    {"name": "x", "scopes": ["read"], "expires_days": "abc"},
])
def test_bad_token_form_is_400_with_message(data: dict[str, Any]) -> None:
    before = ApiToken.objects.count()
    r = login("resident1").post(TOKENS, data)
    assert r.status_code == 400
    page = html(r)
    assert 'class="msg error"' in page and 'class="field-error"' in page
    assert not SECRET_RE.search(page)
    assert ApiToken.objects.count() == before


def test_own_tokens_only_and_revoke() -> None:
    mine = token_create(User.objects.get(username="resident1"), name="mine")
    theirs = token_create(User.objects.get(username="resident2"), name="theirs-token")
    client = login("resident1")
    page = html(client.get(TOKENS))
    assert "mine" in page and "theirs-token" not in page
    my_token = ApiToken.objects.get(digest=ApiToken.digest_of(mine))
    their_token = ApiToken.objects.get(digest=ApiToken.digest_of(theirs))

    r = client.post(f"/settings/tokens/{their_token.id}/revoke")
    assert r.status_code == 404 and 'class="msg error"' in html(r)
    their_token.refresh_from_db()
    assert not their_token.revoked

    assert client.get(f"/settings/tokens/{my_token.id}/revoke").status_code == 405
    r = client.post(f"/settings/tokens/{my_token.id}/revoke", follow=True)
    assert r.status_code == 200 and "已吊销" in html(r)
    my_token.refresh_from_db()
    assert my_token.revoked
    assert Client(headers={"Authorization": f"Bearer {mine}"}).get(
        "/api/v1/me").status_code == 401


# -- Open311 clients -------------------------------------------------------------------------


def test_create_client_shows_key_once_then_deactivate_and_rate() -> None:
    client = login("command")
    r = client.post(CLIENTS, {"name": "hotline_page", "display_name": "12345 热线",
                              "rate_limit": "20"})
    assert r.status_code == 200
    keys = set(KEY_RE.findall(html(r)))
    assert len(keys) == 1
    key = keys.pop()
    api_client = ApiClient.objects.get(name="hotline_page")
    assert api_client.key_digest == ApiClient.digest_of(key)
    assert api_client.rate_limit == 20 and api_client.active
    assert api_client.scopes == ["open311:post"]
    page = html(client.get(CLIENTS))
    assert key not in page and "hotline_page" in page and api_client.key_prefix in page

    r = client.post(f"/settings/api-clients/{api_client.id}/rate-limit", {"rate_limit": "50"})
    assert r.status_code == 302
    api_client.refresh_from_db()
    assert api_client.rate_limit == 50
    r = client.post(f"/settings/api-clients/{api_client.id}/rate-limit", {"rate_limit": ""})
    api_client.refresh_from_db()
    assert api_client.rate_limit is None
    r = client.post(f"/settings/api-clients/{api_client.id}/rate-limit", {"rate_limit": "-3"})
    assert r.status_code == 400 and 'class="msg error"' in html(r)

    r = client.post(f"/settings/api-clients/{api_client.id}/active", {"active": "0"})
    assert r.status_code == 302
    api_client.refresh_from_db()
    assert not api_client.active
    # A deactivated key is refused by Open311.
    lat, lng = inside(0)
    r = Client().post("/open311/v2/requests.json", {"api_key": key, "service_code": "GL01",
                                                    "lat": lat, "long": lng,
                                                    "description": "路灯不亮"})
    assert r.status_code == 403
    client.post(f"/settings/api-clients/{api_client.id}/active", {"active": "1"})
    api_client.refresh_from_db()
    assert api_client.active


@pytest.mark.parametrize("data", [{"name": "bad name!"}, {"name": ""},
                                  {"name": "ok", "rate_limit": "0"}])
def test_bad_client_form_is_4xx(data: dict[str, str]) -> None:
    r = login("command").post(CLIENTS, data)
    assert r.status_code == 400 and 'class="msg error"' in html(r)
    assert not KEY_RE.search(html(r))


def test_duplicate_client_is_400() -> None:
    client = login("command")
    assert client.post(CLIENTS, {"name": "dup"}).status_code == 200
    r = client.post(CLIENTS, {"name": "dup"})
    assert r.status_code == 400 and "已存在" in html(r)


def test_unknown_client_is_404() -> None:
    r = login("command").post("/settings/api-clients/999999/active", {"active": "0"})
    assert r.status_code == 404 and 'class="msg error"' in html(r)


# -- webhooks --------------------------------------------------------------------------------


def test_create_list_and_delete_webhook_with_deliveries(admin_user: User) -> None:
    from shaobao.cases.services.intake import CaseCreateData, case_create

    client = login(admin_user.username)
    r = client.post(HOOKS, {"url": "https://example.org/hook", "event_types": ["create", "closed"]})
    assert r.status_code == 200
    hook = Webhook.objects.get(url="https://example.org/hook")
    assert hook.event_types == ["closed", "create"] and hook.owner == admin_user
    assert hook.secret in html(r)
    page = html(client.get(HOOKS))
    assert hook.secret not in page and "https://example.org/hook" in page

    lat, lng = inside(0)
    case_create(User.objects.get(username="resident1"),
                data=CaseCreateData(description="井盖缺失很危险", item=None, lat=lat, lng=lng))
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 1
    page = html(client.get(HOOKS))
    assert "待发送" in page

    r = client.post(f"/settings/webhooks/{hook.id}/delete")
    assert r.status_code == 302
    assert not Webhook.objects.filter(pk=hook.id).exists()
    r = client.post(f"/settings/webhooks/{hook.id}/delete")
    assert r.status_code == 404 and 'class="msg error"' in html(r)


def test_webhook_with_own_secret_and_bad_input() -> None:
    client = login("command")
    r = client.post(HOOKS, {"url": "http://127.0.0.1:9/x", "event_types": ["*"],
                            "secret": "my-own-shared-secret-1"})
    assert r.status_code == 200
    assert Webhook.objects.get(url="http://127.0.0.1:9/x").secret == "my-own-shared-secret-1"
    for data in ({"url": "ftp://example.org/x", "event_types": ["*"]},
                 {"url": "https://example.org/x"},
                 {"url": "https://example.org/x", "event_types": ["nope"]},
                 {"url": "https://example.org/x", "event_types": ["*"], "secret": "short"}):
        r = client.post(HOOKS, data)
        assert r.status_code == 400, data
        assert 'class="msg error"' in html(r)
    assert not Webhook.objects.filter(url="https://example.org/x").exists()
