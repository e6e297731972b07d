"""Writes for the organisation app."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.utils import timezone

from shaobao.core.errors import NotFound
from shaobao.org.models import ApiToken, User

TOKEN_PREFIX = "sb_"


def token_create(user: User, *, name: str = "", expires_at: datetime | None = None) -> str:
    """Create an API token and return its secret; only a digest is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=secret[:10],
                            digest=ApiToken.digest_of(secret), expires_at=expires_at)
    return secret


def token_authenticate(secret: str) -> User | None:
    token = (ApiToken.objects.select_related("user", "user__department", "user__division")
             .filter(digest=ApiToken.digest_of(secret), revoked=False).first())
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at and token.expires_at <= now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        # Throttled so a busy client does not turn every read into a write.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_by_username(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist as exc:
        raise NotFound(f"用户 {username} 不存在") from exc
