"""Token scopes and expiry over HTTP: read-only tokens may only read; revoked or expired
tokens are 401; the session cookie is not scoped; `create-token --scopes --expires-days`."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from shaobao.core.errors import InvalidInput, NotFound
from shaobao.org.models import ApiToken, Role, User
from shaobao.org.services import token_create, token_revoke
from world import inside

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def new_case(client: Client) -> Any:
    lat, lng = inside(0)
    return client.post(CASES, json.dumps({"description": "路灯不亮，晚上很黑", "item": "GL01",
                                          "lat": lat, "lng": lng}),
                       content_type="application/json")


def token_of(secret: str) -> ApiToken:
    return ApiToken.objects.get(digest=ApiToken.digest_of(secret))


def test_default_scopes_are_read_and_write() -> None:
    secret = token_create(User.objects.get(username="resident1"))
    assert token_of(secret).scopes == ["read", "write"]
    assert bearer(secret).get(CASES).status_code == 200
    assert new_case(bearer(secret)).status_code == 201


def test_read_only_token_reads_but_cannot_write() -> None:
    secret = token_create(User.objects.get(username="resident1"), name="仪表盘", scopes=["read"])
    client = bearer(secret)
    assert client.get(CASES).status_code == 200
    assert client.get("/api/v1/me").json()["username"] == "resident1"
    r = new_case(client)
    assert r.status_code == 403
    error = r.json()["error"]
    assert error["code"] == "token_scope" and error["message"]
    assert error["details"] == {"scopes": ["read"], "required": "write"}


def test_read_only_token_cannot_delete() -> None:
    command = User.objects.get(username="command")
    from shaobao.integrations.webhooks import webhook_create
    hook = webhook_create(command, url="https://example.org/hook", event_types=["*"])
    secret = token_create(command, scopes=["read"])
    r = bearer(secret).delete(f"/api/v1/webhooks/{hook.id}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "token_scope"
    r = bearer(token_create(command)).delete(f"/api/v1/webhooks/{hook.id}")
    assert r.status_code == 204


def test_write_only_token_cannot_read() -> None:
    secret = token_create(User.objects.get(username="resident1"), scopes=["write"])
    r = bearer(secret).get(CASES)
    assert r.status_code == 403 and r.json()["error"]["details"]["required"] == "read"
    assert new_case(bearer(secret)).status_code == 201


def test_session_auth_is_not_scoped() -> None:
    client = Client()
    client.force_login(User.objects.get(username="resident1"))
    assert client.get(CASES).status_code == 200
    assert new_case(client).status_code == 201


def test_revoked_token_is_401() -> None:
    user = User.objects.get(username="resident1")
    secret = token_create(user, scopes=["read"])
    assert bearer(secret).get(CASES).status_code == 200
    token_revoke(user, token_of(secret).id)
    r = bearer(secret).get(CASES)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    assert new_case(bearer(secret)).status_code == 401


def test_expired_token_is_401_also_for_writes() -> None:
    secret = token_create(User.objects.get(username="resident1"),
                          expires_at=timezone.now() + timedelta(hours=1))
    ApiToken.objects.filter(digest=ApiToken.digest_of(secret)).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(secret).get(CASES).status_code == 401
    assert new_case(bearer(secret)).status_code == 401


@pytest.mark.parametrize("scopes", [[], ["admin"], ["read", "delete"]])
def test_bad_scopes_are_refused(scopes: list[str]) -> None:
    with pytest.raises(InvalidInput):
        token_create(User.objects.get(username="resident1"), scopes=scopes)


def test_only_owner_or_admin_revokes() -> None:
    secret = token_create(User.objects.get(username="resident1"))
    token_id = token_of(secret).id
    with pytest.raises(NotFound):
        token_revoke(User.objects.get(username="resident2"), token_id)
    with pytest.raises(NotFound):
        token_revoke(User.objects.get(username="command"), token_id)
    assert not token_of(secret).revoked
    admin = User.objects.create(username="admin_tok", role=Role.ADMIN)
    token_revoke(admin, token_id)
    assert token_of(secret).revoked
    token_revoke(admin, token_id)  # twice is harmless


def test_create_token_command_with_scopes_and_expiry() -> None:
    out = StringIO()
    call_command("create-token", "resident1", "--scopes", "read", "--expires-days", "7",
                 stdout=out)
    secret = out.getvalue().strip()
    token = token_of(secret)
    assert token.scopes == ["read"]
    assert token.expires_at is not None
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
    assert bearer(secret).get(CASES).status_code == 200
    assert new_case(bearer(secret)).status_code == 403


def test_create_token_command_defaults() -> None:
    out = StringIO()
    call_command("create-token", "resident1", stdout=out)
    token = token_of(out.getvalue().strip())
    assert token.scopes == ["read", "write"] and token.expires_at is None


@pytest.mark.parametrize("args", [["--scopes", "admin"], ["--scopes", ""],
                                  ["--expires-days", "0"]])
def test_create_token_command_rejects_bad_options(args: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("create-token", "resident1", *args, stdout=StringIO())
