"""Bearer tokens for scripts, the session cookie for Shaobao's own pages.

A token's scopes are checked here: "read" covers GET/HEAD/OPTIONS, "write" every other
method. A token without the needed scope gets 403 with the usual error body; the
session cookie is not scoped.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from shaobao.core.errors import Forbidden
from shaobao.org.services import scope_for_method, token_allows, token_lookup


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_lookup(token)
        if found is None:
            return None
        method = request.method or "GET"
        if not token_allows(found, method):
            needed = scope_for_method(method)
            message = ("该令牌没有写（write）权限，不能执行此操作" if needed == "write"
                       else "该令牌没有读（read）权限，不能读取数据")
            raise Forbidden(message, code="token_scope",
                            details={"scopes": list(found.scopes or []), "required": needed})
        request.user = found.user
        return found.user


AUTH = [TokenAuth(), SessionAuth()]
