"""Turn models into the response dicts of SPEC §6 (formatting only, no decisions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from shaobao.cases.deadlines import case_deadlines_view
from shaobao.cases.models import Case, CaseEvent, CaseFollow, Status
from shaobao.cases.selectors import mask_name, mask_phone, sees_reporter
from shaobao.cases.services.transition import allowed_actions_for
from shaobao.cases.workflow import ACTION_LABELS, Action
from shaobao.org.models import User


def case_out(case: Case, viewer: User, now: datetime, *,
             co_codes: list[str] | None = None) -> dict[str, Any]:
    item = case.item
    visible = sees_reporter(viewer, case)
    anonymous_to_viewer = case.anonymous and not visible
    if co_codes is None:
        co_codes = [d.code for d in case.co_departments.all()]
    return {
        "number": case.number, "status": case.status,
        "status_label": Status(case.status).label, "version": case.version,
        "channel": case.channel,
        "item": item.code if item else None, "item_name": item.name if item else None,
        "category": item.category.name if item else None,
        "description": case.description, "address": case.address,
        "lat": case.lat, "lng": case.lng,
        "grid": case.grid.code if case.grid else None,
        "community": case.community.code if case.community else None,
        "street": case.street.code if case.street else None,
        "lead_department": case.lead_department.code if case.lead_department else None,
        "co_departments": co_codes,
        "deadlines": case_deadlines_view(case, now),
        "overdue": case.overdue, "supervision_level": case.supervision_level,
        "rating": case.rating or None,
        "reporter_name": "匿名" if anonymous_to_viewer else (
            case.reporter_name if visible else mask_name(case.reporter_name)),
        "reporter_phone": "" if anonymous_to_viewer else (
            case.reporter_phone if visible else mask_phone(case.reporter_phone)),
        "anonymous": case.anonymous,
        "created_at": case.created_at.isoformat(), "updated_at": case.updated_at.isoformat(),
        "allowed_actions": allowed_actions_for(viewer, case),
    }


def event_out(event: CaseEvent, number: str) -> dict[str, Any]:
    return {"id": event.id, "case": number, "action": event.action,
            "actor": event.actor.username if event.actor else None, "role": event.role,
            "from_status": event.from_status, "to_status": event.to_status,
            "at": event.at.isoformat(), "payload": event.payload}


def _action_label(action: str) -> str:
    if action == "create":
        return "上报"
    try:
        return ACTION_LABELS[Action(action)]
    except (ValueError, KeyError):
        return action


def followed_case_out(follow: CaseFollow) -> dict[str, Any]:
    """The follower's view: no description, photos, address, reporter or event details."""
    case = follow.case
    deadlines = case_deadlines_view(case, timezone.now())
    return {
        "number": case.number, "item": case.item.code if case.item else None,
        "item_name": case.item.name if case.item else "未分类",
        "community": case.community.code if case.community else None,
        "community_name": case.community.display_name if case.community else "",
        "status": case.status, "status_label": str(Status(case.status).label),
        "light": deadlines["state"], "lights": deadlines["lights"],
        # Where a merged case went, so the follower can follow that one instead.
        "merged_into": case.merged_into.number if case.merged_into else None,
        "followed_at": follow.created_at.isoformat(),
        "events": [{"action": e.action, "action_label": _action_label(e.action),
                    "at": e.at.isoformat(), "from_status": e.from_status,
                    "to_status": e.to_status} for e in getattr(case, "public_events", [])]}
