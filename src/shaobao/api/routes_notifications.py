"""Notifications: the signed-in user's own inbox (list, unread count, mark read)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from shaobao.api.paging import page_objects
from shaobao.api.routes_org import user_of
from shaobao.api.schemas import ErrorOut
from shaobao.cases.inbox import (
    notification_links,
    notification_list_for,
    notification_unread_count,
    notifications_mark_read,
)
from shaobao.core.errors import InvalidInput

router = Router(tags=["通知"])


class NotificationOut(Schema):
    id: int
    case: str
    text: str
    at: str
    read: bool
    link: str | None


class NotificationPageOut(Schema):
    count: int
    unread: int
    page: int
    page_size: int
    results: list[NotificationOut]


class NotificationFilter(Schema):
    unread: bool = False
    page: int = 1
    page_size: int = 20


class MarkReadIn(Schema):
    ids: list[int] | None = None
    all: bool = False


class MarkedOut(Schema):
    marked: int


@router.get("/notifications", response={200: NotificationPageOut, 400: ErrorOut},
            summary="我的通知",
            description="最新的在前；unread=true 只列未读。link：能查看的案件为案件页，"
                        "关注的案件为 /my#followed，否则为 null。")
def list_notifications(request: HttpRequest, f: Query[NotificationFilter]) -> dict[str, Any]:
    user = user_of(request)
    count, notes = page_objects(notification_list_for(user, unread_only=f.unread),
                                f.page, f.page_size)
    links = notification_links(user, notes)
    return {"count": count, "unread": notification_unread_count(user), "page": f.page,
            "page_size": f.page_size,
            "results": [{"id": n.pk, "case": n.case.number, "text": n.text,
                         "at": n.at.isoformat(), "read": n.read, "link": links[n.pk]}
                        for n in notes]}


@router.post("/notifications/read", response={200: MarkedOut, 400: ErrorOut},
             summary="标为已读",
             description='请求体 {"ids": [通知编号…]} 或 {"all": true}；他人的或不存在的编号不计入。'
                         "返回本次标为已读的条数。")
def mark_read(request: HttpRequest, body: MarkReadIn) -> dict[str, int]:
    user = user_of(request)
    if body.all and body.ids is not None:
        raise InvalidInput("ids 与 all 只能提供其一")
    if not body.all and body.ids is None:
        raise InvalidInput("请提供 ids（通知编号列表）或 all: true")
    return {"marked": notifications_mark_read(user, ids=body.ids, everything=body.all)}
