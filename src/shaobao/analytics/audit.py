"""The export audit log: one hash-chained row per export or report download."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from shaobao.analytics.models import AuditLog
from shaobao.org.models import User


def audit_record(user: User | None, action: str, target: str, params: dict[str, Any],
                 row_count: int, *, now: datetime | None = None) -> AuditLog:
    at = now or timezone.now()
    with transaction.atomic():
        last = AuditLog.objects.select_for_update().order_by("-id").first()
        prev = last.hash if last else ""
        username = user.username if user else ""
        body = json.dumps([prev, username, action, target, params, row_count, at.isoformat()],
                          ensure_ascii=False, sort_keys=True, default=str)
        return AuditLog.objects.create(
            user=user, username=username, action=action, target=target[:200], params=params,
            row_count=row_count, at=at, prev_hash=prev,
            hash=hashlib.sha256(body.encode()).hexdigest())


def audit_verify() -> list[int]:
    """Ids of rows whose hash does not match the chain (empty when intact)."""
    bad, prev = [], ""
    for row in AuditLog.objects.order_by("id"):
        body = json.dumps([prev, row.username, row.action, row.target, row.params,
                           row.row_count, row.at.isoformat()], ensure_ascii=False,
                          sort_keys=True, default=str)
        if row.prev_hash != prev or hashlib.sha256(body.encode()).hexdigest() != row.hash:
            bad.append(row.pk)
        prev = row.hash
    return bad
