"""Error bodies of SPEC §6: {"error": {"code", "message", "details"}}, never a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from shaobao.core.errors import ShaobaoError

log = logging.getLogger("shaobao.api")


def error_response(status: int, code: str, message: str, details: Any = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": details}},
                        status=status, json_dumps_params={"ensure_ascii": False})


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(x) for x in err.get("loc", []) if x not in ("body", "payload",
                                                                        "query", "path"))
        parts.append(f"{loc or '请求'}：{err.get('msg', '格式不正确')}")
    return "；".join(parts)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ShaobaoError)
    def on_service_error(request: HttpRequest, exc: ShaobaoError) -> HttpResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [dict(e) for e in exc.errors]
        if any(e.get("type") == "json_invalid" for e in errors) or not errors:
            return error_response(400, "malformed_json", "请求体不是有效的 JSON", None)
        return error_response(400, "invalid_input", "请求参数不正确：" + _describe(errors),
                              [{"loc": e.get("loc"), "msg": e.get("msg")} for e in errors])

    @api.exception_handler(AuthenticationError)
    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(401, "unauthenticated",
                              "请先登录，或在 Authorization 头中提供 Bearer 令牌")

    @api.exception_handler(HttpError)
    def on_http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # django-ninja reports an unparsable body as a plain 400 HttpError.
        if exc.status_code == 400 and "parse" in str(exc).lower():
            return error_response(400, "malformed_json", "请求体不是有效的 JSON")
        return error_response(exc.status_code, "http_error", str(exc))

    @api.exception_handler(DataError)
    def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        # Input the database cannot store (NUL characters, numbers out of range) is a bad
        # request, not a server fault.
        return error_response(400, "invalid_input", "请求中含有无法处理的内容（如 NUL 字符或超出范围的数字）")

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("unhandled error on %s", request.path)
        return error_response(500, "internal_error", "服务器内部错误，已记录，请稍后重试")
