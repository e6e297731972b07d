"""Webhooks: subscriptions, a delivery row per event in the event's transaction, and
signed POSTs sent after commit by the background worker, retried with backoff.

A user's request never waits for a subscriber: the event handler only writes rows and
asks for the job on commit; sending happens in huey (`integrations/jobs.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from shaobao.cases.hooks import EventContext
from shaobao.cases.models import Status
from shaobao.cases.workflow import Action
from shaobao.core.errors import Forbidden, InvalidInput, NotFound
from shaobao.integrations.models import DeliveryState, Webhook, WebhookDelivery
from shaobao.org.models import Role, User

log = logging.getLogger("shaobao.webhooks")

# Seconds to wait after the 1st, 2nd … failed attempt; after MAX_ATTEMPTS we give up.
BACKOFF = (60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600)
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 5
EXCERPT = 500
# A claimed delivery is not picked again by another worker for this long.
LEASE = timedelta(seconds=60)
MANAGER_ROLES = frozenset({Role.COMMAND, Role.ADMIN})
# Event types: any action name ("whistle", "check_in" …, "create" for intake), any status
# name (fires when a case enters it, e.g. "closed"), or "*".
EVENT_TYPES = frozenset({"*", "create", *(str(a) for a in Action), *Status.values})
SIGNATURE_HEADER = "X-Shaobao-Signature"


def _check_manager(user: User) -> None:
    if user.role not in MANAGER_ROLES and not user.is_superuser:
        raise Forbidden("只有指挥中心和管理员可以管理事件推送")


def webhook_create(user: User, *, url: str, event_types: list[str],
                   secret: str | None = None) -> Webhook:
    _check_manager(user)
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise InvalidInput("url 必须是 http:// 或 https:// 开头的完整地址", code="bad_url")
    types = sorted(set(event_types or []))
    if not types:
        raise InvalidInput("请至少选择一种事件类型（或 *）", code="event_types_required")
    unknown = set(types) - EVENT_TYPES
    if unknown:
        raise InvalidInput(f"未知事件类型：{'、'.join(sorted(unknown))}", code="bad_event_type",
                           details={"allowed": sorted(EVENT_TYPES)})
    if secret is not None and not 16 <= len(secret) <= 100:
        raise InvalidInput("secret 长度应为 16～100 个字符", code="bad_secret")
    return Webhook.objects.create(url=url, event_types=types,
                                  secret=secret or secrets.token_urlsafe(32), owner=user)


def webhook_list(user: User) -> list[Webhook]:
    _check_manager(user)
    return list(Webhook.objects.select_related("owner").order_by("id"))


def webhook_delete(user: User, webhook_id: int) -> None:
    _check_manager(user)
    hook = Webhook.objects.filter(pk=webhook_id).first()
    if hook is None:
        raise NotFound(f"事件推送 {webhook_id} 不存在", code="webhook_not_found")
    hook.delete()


def _wants(hook: Webhook, action: str, from_status: str, to_status: str) -> bool:
    types = set(hook.event_types or [])
    if "*" in types or action in types:
        return True
    return to_status in types and to_status != from_status


def event_body(ctx: EventContext) -> dict[str, Any]:
    case, event = ctx.case, ctx.event
    return {
        "event_id": event.id, "event": event.action, "case": case.number,
        "from_status": event.from_status, "to_status": event.to_status,
        "at": timezone.localtime(event.at).isoformat(), "role": event.role,
        "actor": event.actor.username if event.actor_id and event.actor else None,
        "payload": event.payload,
        "case_status": case.status, "case_version": case.version,
        "item": case.item.code if case.item_id and case.item else None,
        "lead_department": (case.lead_department.code
                            if case.lead_department_id and case.lead_department else None),
        "grid": case.grid.code if case.grid_id and case.grid else None,
    }


def queue_deliveries_for_event(ctx: EventContext) -> None:
    """Event handler (registered in IntegrationsConfig.ready): one row per subscriber."""
    event = ctx.event
    hooks = [h for h in Webhook.objects.filter(active=True)
             if _wants(h, event.action, event.from_status, event.to_status)]
    if not hooks:
        return
    body = event_body(ctx)
    now = timezone.now()
    ids = [WebhookDelivery.objects.create(
        webhook=h, event=event, event_type=event.action, payload=body, created_at=now,
        next_attempt_at=now).pk for h in hooks]

    def enqueue() -> None:
        from shaobao.integrations.jobs import deliver_webhooks

        deliver_webhooks(ids)

    # robust: a queue hiccup must not turn a committed action into an error for the user;
    # the periodic retry job picks the rows up anyway.
    transaction.on_commit(enqueue, robust=True)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """(status code, response excerpt, error) — never raises."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read(EXCERPT * 4).decode("utf-8", "replace")[
                :EXCERPT], ""
    except urllib.error.HTTPError as exc:
        try:
            text = exc.read(EXCERPT * 4).decode("utf-8", "replace")[:EXCERPT]
        except Exception:  # pragma: no cover - a broken body is still a failure
            text = ""
        return exc.code, text, ""
    except Exception as exc:  # timeouts, refused connections, DNS …
        return None, "", f"{type(exc).__name__}: {exc}"[:300]


def _claim(delivery_id: int, now: datetime, *, due_only: bool) -> WebhookDelivery | None:
    """Take the delivery for one attempt; None when it is done or another worker has it."""
    d = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if d is None or d.state != DeliveryState.PENDING:
        return None
    if due_only and d.next_attempt_at and d.next_attempt_at > now:
        return None
    claimed = WebhookDelivery.objects.filter(
        pk=d.pk, state=DeliveryState.PENDING, attempt=d.attempt,
        next_attempt_at=d.next_attempt_at).update(next_attempt_at=now + LEASE)
    return d if claimed else None


def delivery_attempt(delivery_id: int, *, now: datetime | None = None,
                     due_only: bool = False) -> WebhookDelivery | None:
    """Send one delivery once and record the outcome and the next try."""
    at = now or timezone.now()
    d = _claim(delivery_id, at, due_only=due_only)
    if d is None:
        return None
    body = json.dumps(d.payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json; charset=utf-8",
               "User-Agent": "Shaobao-Webhook/1",
               SIGNATURE_HEADER: sign(d.webhook.secret, body),
               "X-Shaobao-Event": d.event_type, "X-Shaobao-Delivery": str(d.uuid)}
    if not d.webhook.active:
        d.state, d.error, d.next_attempt_at = DeliveryState.FAILED, "webhook 已停用", None
        d.save()
        return d
    status, excerpt, error = _post(d.webhook.url, body, headers)
    d.attempt += 1
    d.status_code, d.response_excerpt, d.error = status, excerpt, error
    if status is not None and 200 <= status < 300:
        d.state, d.delivered_at, d.next_attempt_at = DeliveryState.DELIVERED, at, None
    elif d.attempt >= MAX_ATTEMPTS:
        d.state, d.next_attempt_at = DeliveryState.FAILED, None
        log.warning("webhook delivery %s gave up after %s attempts", d.uuid, d.attempt)
    else:
        d.next_attempt_at = at + timedelta(seconds=BACKOFF[d.attempt - 1])
    d.save()
    return d


def deliveries_retry_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Attempt every pending delivery whose next try is due; returns how many were tried."""
    at = now or timezone.now()
    ids = list(WebhookDelivery.objects.filter(state=DeliveryState.PENDING,
                                              next_attempt_at__lte=at)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    tried = 0
    for pk in ids:
        if delivery_attempt(pk, now=at, due_only=True) is not None:
            tried += 1
    return tried
