"""Webhooks (command center and administrators), stations, users (administrators)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from shaobao.api.routes_org import user_of
from shaobao.api.schemas import ErrorOut
from shaobao.core.errors import Forbidden, InvalidInput, NotFound
from shaobao.integrations.models import Webhook
from shaobao.integrations.webhooks import webhook_create, webhook_delete, webhook_list
from shaobao.org.models import Role, Station, User

router = Router(tags=["对外接口与组织"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


def paginate(qs: QuerySet[Any] | list[Any], q: PageQuery, row: Any) -> dict[str, Any]:
    paginator = Paginator(qs, q.page_size)
    count = paginator.count
    start = (q.page - 1) * q.page_size
    objects = list(qs[start:start + q.page_size]) if start < count else []
    return {"count": count, "page": q.page, "page_size": q.page_size,
            "results": [row(o) for o in objects]}


# -- webhooks ---------------------------------------------------------------------------


class WebhookIn(Schema):
    url: str = Field(..., max_length=500, examples=["https://example.org/shaobao-hook"])
    event_types: list[str] = Field(..., examples=[["whistle", "check_in", "closed"]],
                                   description="操作名（whistle、check_in …、create）、"
                                               "状态名（如 closed：进入该状态时）或 *")
    secret: str | None = Field(None, description="签名密钥（16～100 字符）；不填则自动生成")


class WebhookOut(Schema):
    id: int
    url: str
    event_types: list[str]
    active: bool
    owner: str
    created_at: str
    secret: str | None = Field(None, description="仅在创建时返回")


class WebhookPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[WebhookOut]


class DeliveryOut(Schema):
    id: str
    event_id: int
    event_type: str
    state: str
    attempt: int
    status_code: int | None
    response_excerpt: str
    error: str
    created_at: str
    next_attempt_at: str | None
    delivered_at: str | None


class DeliveryPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[DeliveryOut]


def _webhook_out(h: Webhook, *, with_secret: bool = False) -> dict[str, Any]:
    return {"id": h.id, "url": h.url, "event_types": h.event_types, "active": h.active,
            "owner": h.owner.username, "created_at": h.created_at.isoformat(),
            "secret": h.secret if with_secret else None}


@router.post("/webhooks", response={201: WebhookOut, **ERRORS}, summary="登记事件推送",
             description="推送以 POST JSON 发送，头部 X-Shaobao-Signature: "
                         "sha256=<HMAC-SHA256(正文, secret)>、X-Shaobao-Event、X-Shaobao-Delivery；"
                         "失败按 1 分、5 分、30 分、2 小时、12 小时重试，共 6 次。")
def create_webhook(request: HttpRequest, body: WebhookIn) -> tuple[int, dict[str, Any]]:
    hook = webhook_create(user_of(request), url=body.url, event_types=body.event_types,
                          secret=body.secret)
    return 201, _webhook_out(hook, with_secret=True)


@router.get("/webhooks", response={200: WebhookPageOut, **ERRORS}, summary="事件推送列表")
def list_webhooks(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    return paginate(webhook_list(user_of(request)), q, _webhook_out)


def _hook_for(request: HttpRequest, webhook_id: int) -> Webhook:
    for hook in webhook_list(user_of(request)):
        if hook.id == webhook_id:
            return hook
    raise NotFound(f"事件推送 {webhook_id} 不存在", code="webhook_not_found")


@router.delete("/webhooks/{webhook_id}", response={204: None, **ERRORS}, summary="删除事件推送")
def delete_webhook(request: HttpRequest, webhook_id: int) -> tuple[int, None]:
    webhook_delete(user_of(request), webhook_id)
    return 204, None


@router.get("/webhooks/{webhook_id}/deliveries", response={200: DeliveryPageOut, **ERRORS},
            summary="推送记录（含响应码和响应摘要）")
def deliveries(request: HttpRequest, webhook_id: int, q: Query[PageQuery]) -> dict[str, Any]:
    hook = _hook_for(request, webhook_id)
    return paginate(hook.deliveries.order_by("-id"), q, lambda d: {
        "id": str(d.uuid), "event_id": d.event_id, "event_type": d.event_type,
        "state": d.state, "attempt": d.attempt, "status_code": d.status_code,
        "response_excerpt": d.response_excerpt, "error": d.error,
        "created_at": d.created_at.isoformat(),
        "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None})


# -- stations and users -------------------------------------------------------------------


class StationOut(Schema):
    community: str
    community_name: str
    street: str | None
    name: str
    head_name: str
    head_title: str
    deputy_name: str
    deputy_title: str
    phone: str
    members: int


class StationPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[StationOut]


class StationQuery(PageQuery):
    street: str | None = None


@router.get("/stations", response={200: StationPageOut, **ERRORS}, summary="红领工作站")
def stations(request: HttpRequest, q: Query[StationQuery]) -> dict[str, Any]:
    qs = (Station.objects.select_related("community", "community__parent")
          .annotate(n_members=Count("members")).order_by("community__code"))
    if q.street:
        qs = qs.filter(community__parent__code=q.street)
    return paginate(qs, q, lambda s: {
        "community": s.community.code, "community_name": s.community.name,
        "street": s.community.parent.code if s.community.parent else None, "name": s.name,
        "head_name": s.head_name, "head_title": s.head_title, "deputy_name": s.deputy_name,
        "deputy_title": s.deputy_title, "phone": s.phone, "members": s.n_members})


class UserOut(Schema):
    username: str
    display_name: str
    role: str
    division: str | None
    department: str | None
    grid: str | None
    active: bool


class UserPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[UserOut]


class UserQuery(PageQuery):
    role: str | None = None
    q: str | None = None


@router.get("/users", response={200: UserPageOut, **ERRORS}, summary="用户（仅管理员）")
def users(request: HttpRequest, q: Query[UserQuery]) -> dict[str, Any]:
    me = user_of(request)
    if me.role != Role.ADMIN and not me.is_superuser:
        raise Forbidden("只有管理员可以查看用户列表")
    qs = User.objects.select_related("division", "department").order_by("username")
    if q.role:
        if q.role not in Role.values:
            raise InvalidInput(f"role 必须是 {'、'.join(Role.values)} 之一")
        qs = qs.filter(role=q.role)
    if q.q:
        qs = qs.filter(Q(username__icontains=q.q) | Q(display_name__icontains=q.q))
    return paginate(qs, q, lambda u: {
        "username": u.username, "display_name": u.display_name, "role": u.role,
        "division": u.division.code if u.division else None,
        "department": u.department.code if u.department else None,
        "grid": u.grid_code or None, "active": u.is_active})
