"""Cases as Open311 service requests (field mapping in docs/open311.md)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from shaobao.cases.models import Attachment, Case, CaseEvent, Status
from shaobao.cases.workflow import ACTION_LABELS, Action
from shaobao.catalogue.models import Item, TimeKindChoice
from shaobao.integrations.models import Open311Request

CLOSED_STATUSES = frozenset({Status.CLOSED, Status.REJECTED, Status.MERGED})
DETAIL_KEYS = ("reason", "result", "text", "note", "comment")


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def open_or_closed(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def _limit(limit: float, kind: str) -> str:
    n = f"{limit:g}"
    if kind == TimeKindChoice.EMERGENCY_HOURS:
        return f"{limit * 60:g} 分钟" if limit < 1 else f"{n} 小时（连续计时）"
    return {TimeKindChoice.WORK_HOURS: f"{n} 个工作小时", TimeKindChoice.WORK_DAYS: f"{n} 个工作日",
            TimeKindChoice.CALENDAR_DAYS: f"{n} 天"}.get(TimeKindChoice(kind), n)


def service_notice(item: Item | None) -> str:
    text = "已登记。所在社区红领工作站将在 3 个工作日内反馈处理情况。"
    if item is not None:
        text += (f"该事项（{item.name}）牵头部门为{item.lead_department.name}，"
                 f"须在吹哨后 {_limit(item.check_in_limit, item.check_in_kind)}内报到、"
                 f"报到后 {_limit(item.handle_limit, item.handle_kind)}内办结。")
    return text


def status_note(case: Case, event: CaseEvent | None) -> str:
    if event is None:
        return Status(case.status).label
    try:
        label = ACTION_LABELS[Action(event.action)]
    except ValueError:
        label = Status(case.status).label
    payload = event.payload or {}
    if event.action == Action.WHISTLE and case.lead_department is not None:
        return f"{label}：由{case.lead_department.name}牵头办理"
    if event.action == Action.VERIFY:
        label = "核查通过，已结案" if event.to_status == Status.CLOSED else "核查未通过，返工"
    for key in DETAIL_KEYS:
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            return f"{label}：{value.strip()}"[:1000]
    return label


class Extras:
    """What a page of requests needs beyond the case rows, loaded in three queries."""

    def __init__(self, cases: Iterable[Case]) -> None:
        ids = [c.pk for c in cases]
        self.latest: dict[int, CaseEvent] = {}
        for e in (CaseEvent.objects.filter(case_id__in=ids, public=True)
                  .exclude(action="create").order_by("at", "id")):
            self.latest[e.case_id] = e  # the last one wins
        self.attachment: dict[int, Attachment] = {}
        for a in Attachment.objects.filter(case_id__in=ids).order_by("-id"):
            self.attachment[a.case_id] = a  # the first one wins
        self.open311 = {r.case_id: r for r in Open311Request.objects.filter(case_id__in=ids)}


def address_of(case: Case) -> str | None:
    if case.address:
        return case.address
    parts = [d.name for d in (case.street, case.community) if d is not None]
    if case.grid is not None:
        parts.append(case.grid.name)
    return "".join(parts) or None


def agency_of(case: Case) -> str | None:
    """The lead department once whistled; before that the community's work station."""
    if case.lead_department is not None:
        return case.lead_department.name
    return f"{case.community.name}红领工作站" if case.community is not None else None


def request_out(case: Case, extras: Extras, request: HttpRequest) -> dict[str, Any]:
    item = case.item
    closed = case.status in CLOSED_STATUSES
    attachment = extras.attachment.get(case.pk)
    o311 = extras.open311.get(case.pk)
    media = request.build_absolute_uri(attachment.file.url) if attachment else (
        o311.media_url if o311 and o311.media_url else None)
    return {
        "service_request_id": case.number,
        "status": open_or_closed(case.status),
        "status_notes": status_note(case, extras.latest.get(case.pk)),
        "service_name": item.name if item else None,
        "service_code": item.code if item else "",
        "description": case.description[:4000],
        "agency_responsible": agency_of(case),
        "service_notice": service_notice(item),
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso((case.closed_at if closed and case.closed_at else None)
                                or case.updated_at),
        "expected_datetime": iso(case.handle_due),
        "address": address_of(case),
        "address_id": case.grid.code if case.grid else None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lng,
        "media_url": media,
    }
