"""Human-readable case numbers: prefix + Beijing date + daily sequence (DG202611280001)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F

from shaobao.cases.models import CaseNumberCounter
from shaobao.core.rules import product_rule

LOCAL = ZoneInfo("Asia/Shanghai")


def case_number_next(at: datetime) -> str:
    """Allocate the next number; must run inside the caller's transaction.

    The UPDATE takes a row lock (PostgreSQL) or the database write lock (SQLite,
    whose transactions here start IMMEDIATE), so concurrent intakes queue on the
    counter and can never read the same value.
    """
    prefix = product_rule("CASE_NUMBER_PREFIX")
    day = at.astimezone(LOCAL).date()
    counter = CaseNumberCounter.objects.filter(prefix=prefix, day=day)
    if not counter.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(prefix=prefix, day=day, last=1)
        except IntegrityError:
            # Another intake created today's row first; take the next value after it.
            counter.update(last=F("last") + 1)
    last = counter.values_list("last", flat=True).get()
    return f"{prefix}{day:%Y%m%d}{last:04d}"
