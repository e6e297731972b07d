"""Open311 GeoReport v2 endpoints: plain Django views, one per resource and format.

Errors follow the specification: `errors`/`error{code, description}` with 400, 403,
404, plus 429 (with Retry-After) when a client is too fast.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from django.db import DataError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from shaobao.api.open311.definitions import answers_text, attributes_for, service_out
from shaobao.api.open311.present import Extras, request_out
from shaobao.api.open311.render import error, respond
from shaobao.cases.models import Case, Channel, Status
from shaobao.cases.services.intake import CaseCreateData, case_create
from shaobao.catalogue.models import Item
from shaobao.catalogue.selectors import current_items
from shaobao.core.errors import InvalidInput, NotFound, ShaobaoError
from shaobao.integrations.clients import client_authenticate
from shaobao.integrations.models import Open311Request
from shaobao.integrations.ratelimit import RateLimited, client_ip, hit, limit_of

log = logging.getLogger("shaobao.open311")
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
MAX_PAGE_SIZE = 1000
DEFAULT_DAYS = 90
CLOSED = (Status.CLOSED, Status.REJECTED, Status.MERGED)
ATTRIBUTE_RE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
View = Callable[..., HttpResponse]


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    data = request.POST if request.method == "POST" else request.GET
    return any("\x00" in k or any("\x00" in v for v in data.getlist(k)) for k in data)


def open311_view(methods: tuple[str, ...] = ("GET",)) -> Callable[[View], View]:
    """Allowed methods, read rate limit, and Open311 error bodies for every failure."""
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = error(fmt, 405, f"不支持 {request.method} 方法")
                response["Allow"] = ", ".join(methods)
                return response
            if _has_nul(request):
                return error(fmt, 400, "请求中含有 NUL 字符")
            try:
                if request.method == "GET":
                    hit("open311-read", client_ip(request),
                        limit_of("OPEN311_READS_PER_MIN", 120))
                return view(request, *args, fmt=fmt, **kwargs)
            except RateLimited as exc:
                return error(fmt, 429, exc.message, {"Retry-After": str(exc.retry_after)})
            except ShaobaoError as exc:
                status = exc.status if exc.status in (400, 403, 404) else 400
                return error(fmt, status, exc.message)
            except DataError:  # NUL characters, numbers out of range
                return error(fmt, 400, "请求中含有无法处理的内容")
            except Exception:
                log.exception("open311 error on %s", request.path)
                return error(fmt, 500, "服务器内部错误，已记录，请稍后重试")
        return csrf_exempt(wrapper)
    return decorate


# -- discovery and services -------------------------------------------------------------


@open311_view()
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    changeset = "2026-11-28T00:00:00+08:00"
    data = {
        "changeset": changeset,
        "contact": "大观区城市运行管理指挥中心（哨报平台）",
        "key_service": "api_key 由平台管理员使用 `shaobao create-api-key 客户端名` 签发",
        "endpoints": [{"specification": SPEC_URL, "url": base, "changeset": changeset,
                       "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }
    return respond(fmt, "discovery", None, data)


@open311_view()
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    items = current_items().order_by("category__position", "position")
    return respond(fmt, "services", "service", [service_out(i) for i in items])


def _item(code: str) -> Item:
    item = current_items().filter(code=code).first()
    if item is None:
        raise NotFound(f"没有编码为 {code} 的服务（吹哨清单事项）")
    return item


@open311_view()
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    item = _item(code)
    return respond(fmt, "service_definition", None,
                   {"service_code": item.code, "attributes": attributes_for(item)})


# -- requests -------------------------------------------------------------------------------


def _cases() -> Any:
    return Case.objects.select_related("item", "item__category", "item__lead_department",
                                       "grid", "community", "street", "lead_department")


def _when(name: str, value: str, *, end: bool) -> datetime:
    try:
        parsed = parse_datetime(value.replace(" ", "+")) if "T" in value else None
        day = parse_date(value) if "T" not in value else None
    except ValueError as exc:
        raise InvalidInput(f"{name} 不是有效的日期时间") from exc
    if parsed is None:
        if day is None:
            raise InvalidInput(f"{name} 应为 ISO 8601 时间，如 2026-11-28T08:00:00+08:00")
        parsed = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _int(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise InvalidInput(f"{name} 必须是整数") from exc
    if not low <= value <= high:
        raise InvalidInput(f"{name} 应在 {low}～{high} 之间")
    return value


def _list(request: HttpRequest, name: str) -> list[str]:
    values = []
    for raw in request.GET.getlist(name):
        values += [v.strip() for v in raw.split(",") if v.strip()]
    return values


def _render_requests(request: HttpRequest, fmt: str, cases: list[Case],
                     extra: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    extras = Extras(cases)
    rows = []
    for case in cases:
        row = request_out(case, extras, request)
        if extra:
            row.update(extra)
        rows.append(row)
    return respond(fmt, "service_requests", "request", rows, status=status)


def requests_list(request: HttpRequest, fmt: str) -> HttpResponse:
    ids = _list(request, "service_request_id")
    if ids:  # the specification: other parameters are then ignored
        if len(ids) > MAX_PAGE_SIZE:
            raise InvalidInput(f"service_request_id 最多 {MAX_PAGE_SIZE} 个")
        by_number = {c.number: c for c in _cases().filter(number__in=ids)}
        return _render_requests(request, fmt, [by_number[n] for n in dict.fromkeys(ids)
                                               if n in by_number])
    qs = _cases()
    codes = _list(request, "service_code")
    if codes:
        qs = qs.filter(item__code__in=codes)
    statuses = _list(request, "status")
    if set(statuses) - {"open", "closed"}:
        raise InvalidInput("status 只能是 open 或 closed")
    if set(statuses) == {"closed"}:
        qs = qs.filter(status__in=CLOSED)
    elif set(statuses) == {"open"}:
        qs = qs.exclude(status__in=CLOSED)
    start_raw, end_raw = request.GET.get("start_date"), request.GET.get("end_date")
    end = _when("end_date", end_raw, end=True) if end_raw else None
    start = _when("start_date", start_raw, end=False) if start_raw else None
    if start is None and end is None:
        start = timezone.now() - timedelta(days=DEFAULT_DAYS)
    elif start is None and end is not None:
        start = end - timedelta(days=DEFAULT_DAYS)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        if start is not None and end < start:
            raise InvalidInput("end_date 不能早于 start_date")
        qs = qs.filter(created_at__lt=end)
    page = _int(request, "page", 1, 1, 1_000_000)
    size = _int(request, "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    cases = list(qs.order_by("-created_at", "-id")[(page - 1) * size:page * size])
    return _render_requests(request, fmt, cases)


def _location(post: Any) -> dict[str, Any]:
    lat_raw, long_raw = post.get("lat", "").strip(), post.get("long", "").strip()
    if lat_raw or long_raw:
        try:
            lat, lng = float(lat_raw), float(long_raw)
        except ValueError as exc:
            raise InvalidInput("lat 和 long 必须同时提供且为数字（WGS-84）") from exc
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise InvalidInput("lat/long 超出范围")
        return {"lat": lat, "lng": lng, "crs": "wgs84"}
    address_id = post.get("address_id", "").strip()
    if address_id:
        return {"grid": address_id}
    if post.get("address_string", "").strip():
        raise InvalidInput("仅凭地址文字无法定位到网格：请同时提供 lat/long，或以 address_id 给出网格编码")
    raise InvalidInput("请提供位置：lat/long、address_string 或 address_id 之一")


def _attributes(post: Any) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for key in post:
        m = ATTRIBUTE_RE.match(key)
        if m:
            answers.setdefault(m.group(1), []).extend(post.getlist(key))
    return answers


def _reporter_name(first: str, last: str) -> str:
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return (last + first).strip()
    return f"{first} {last}".strip()


def requests_create(request: HttpRequest, fmt: str) -> HttpResponse:
    post = request.POST
    client = client_authenticate(post.get("api_key") or request.GET.get("api_key"))
    hit("open311-post", client.name,
        client.rate_limit or limit_of("OPEN311_POSTS_PER_MIN", 30))
    code = post.get("service_code", "").strip()
    if not code:
        raise InvalidInput("缺少 service_code")
    item = current_items().filter(code=code).first()
    if item is None:
        raise InvalidInput(f"service_code {code} 不存在（见 services.{fmt}）")
    where = _location(post)
    extra_text, answers = answers_text(item, _attributes(post))
    media_url = post.get("media_url", "").strip()
    if media_url and (not re.match(r"^https?://", media_url) or len(media_url) > 500):
        raise InvalidInput("media_url 必须是 http(s) 地址，且不超过 500 个字符")
    description = (post.get("description", "").strip() or item.name)
    if len(description) > 4000:
        raise InvalidInput("description 不能超过 4000 个字符")
    data = CaseCreateData(
        description=(description + extra_text)[:4000], item=item.code,
        address=post.get("address_string", "").strip(), channel=Channel.OPEN311,
        reporter_name=_reporter_name(post.get("first_name", "").strip(),
                                     post.get("last_name", "").strip())[:50],
        reporter_phone=post.get("phone", "").strip(), **where)
    with transaction.atomic():
        created = case_create(client.user, data=data,
                              idempotency_key=request.headers.get("Idempotency-Key"))
        if not created.replayed:
            Open311Request.objects.create(
                case=created.case, client=client, attributes=answers, media_url=media_url,
                email=post.get("email", "").strip()[:100],
                device_id=post.get("device_id", "").strip()[:100],
                account_id=post.get("account_id", "").strip()[:100])
    case = _cases().get(pk=created.case.pk)
    o311 = Open311Request.objects.filter(case=case).first()
    return _render_requests(request, fmt, [case],
                            {"account_id": (o311.account_id or None) if o311 else None})


@open311_view(("GET", "POST"))
def requests_view(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return requests_create(request, fmt)
    return requests_list(request, fmt)


@open311_view()
def request_detail(request: HttpRequest, request_id: str, *, fmt: str) -> HttpResponse:
    case = _cases().filter(number=request_id).first()
    if case is None:
        raise NotFound(f"服务请求 {request_id} 不存在")
    return _render_requests(request, fmt, [case])


@open311_view()
def token(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    # Creation is synchronous: the token handed out is the request id itself.
    record = Open311Request.objects.select_related("case").filter(case__number=token).first()
    if record is None:
        raise NotFound(f"令牌 {token} 不存在")
    return respond(fmt, "service_requests", "request",
                   [{"service_request_id": record.case.number, "token": token}])
