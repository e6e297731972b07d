"""Open311 api keys: one `ApiClient` per outside system, with its own service user."""

from __future__ import annotations

import re
import secrets

from django.db import transaction

from shaobao.core.errors import Forbidden, InvalidInput, NotFound
from shaobao.integrations.models import ApiClient
from shaobao.org.models import Role, User

KEY_PREFIX = "o311_"
DEFAULT_SCOPES = ["open311:post"]
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def client_create(name: str, *, scopes: list[str] | None = None,
                  rate_limit: int | None = None, display_name: str = "") -> tuple[ApiClient, str]:
    """Create a client and return it with its api_key (shown once; only a digest is kept)."""
    if not NAME_RE.match(name):
        raise InvalidInput("客户端名称只能包含字母、数字、下划线、点和横线（最多 40 个字符）",
                           code="bad_client_name")
    if ApiClient.objects.filter(name=name).exists():
        raise InvalidInput(f"客户端 {name} 已存在", code="client_exists")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        user, _ = User.objects.get_or_create(
            username=f"open311_{name}",
            defaults={"role": Role.RESIDENT, "display_name": display_name or f"Open311 {name}"})
        user.set_unusable_password()
        user.save()
        client = ApiClient.objects.create(
            name=name, key_prefix=key[:10], key_digest=ApiClient.digest_of(key),
            scopes=list(DEFAULT_SCOPES if scopes is None else scopes), rate_limit=rate_limit,
            user=user)
    return client, key


def client_authenticate(key: str | None, scope: str = "open311:post") -> ApiClient:
    """The active client holding `key` with `scope`; Forbidden otherwise."""
    if not key:
        raise Forbidden("缺少 api_key", code="api_key_required")
    client = (ApiClient.objects.select_related("user")
              .filter(key_digest=ApiClient.digest_of(key)).first())
    if client is None or not client.active or not client.user.is_active:
        raise Forbidden("api_key 无效或已停用", code="api_key_invalid")
    if scope not in (client.scopes or []):
        raise Forbidden(f"该 api_key 没有 {scope} 权限", code="api_key_scope")
    return client


# -- management from the settings pages (command center and administrators) ---------------

MANAGER_ROLES = frozenset({Role.COMMAND, Role.ADMIN})
RATE_LIMIT_MAX = 100_000


def can_manage_clients(user: User) -> bool:
    return user.role in MANAGER_ROLES or user.is_superuser


def _check_manager(user: User) -> None:
    if not can_manage_clients(user):
        raise Forbidden("只有指挥中心和管理员可以管理接口客户端")


def client_list(actor: User) -> list[ApiClient]:
    _check_manager(actor)
    return list(ApiClient.objects.select_related("user").order_by("name"))


def _client(client_id: int) -> ApiClient:
    client = ApiClient.objects.filter(pk=client_id).first()
    if client is None:
        raise NotFound(f"接口客户端 {client_id} 不存在", code="client_not_found")
    return client


def client_create_by(actor: User, name: str, *, rate_limit: int | None = None,
                     display_name: str = "") -> tuple[ApiClient, str]:
    """`client_create` on behalf of a person, who must be allowed to manage clients."""
    _check_manager(actor)
    _check_rate_limit(rate_limit)
    return client_create(name, rate_limit=rate_limit, display_name=display_name)


def _check_rate_limit(rate_limit: int | None) -> None:
    if rate_limit is not None and not 1 <= rate_limit <= RATE_LIMIT_MAX:
        raise InvalidInput(f"每分钟上报上限应为 1～{RATE_LIMIT_MAX}，留空用系统默认值",
                           code="bad_rate_limit")


def client_set_active(actor: User, client_id: int, active: bool) -> ApiClient:
    _check_manager(actor)
    client = _client(client_id)
    if client.active != active:
        client.active = active
        client.save(update_fields=["active"])
    return client


def client_set_rate_limit(actor: User, client_id: int, rate_limit: int | None) -> ApiClient:
    _check_manager(actor)
    _check_rate_limit(rate_limit)
    client = _client(client_id)
    client.rate_limit = rate_limit
    client.save(update_fields=["rate_limit"])
    return client
