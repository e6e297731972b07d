"""Template context for every page: the signed-in user's unread notification count.

Lazy: the one indexed COUNT runs only when a template reads it (the header badge), and
at most once per response.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from shaobao.cases.inbox import notification_unread_count
from shaobao.org.models import User


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    def count() -> int:
        user = getattr(request, "user", None)
        if not isinstance(user, User) or not user.is_authenticated:
            return 0
        return notification_unread_count(user)

    return {"unread_notifications": SimpleLazyObject(count)}
