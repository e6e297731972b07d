"""Recurring problems: hot spots per (community, item) and the monthly 每月一题 candidates."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from shaobao.cases.models import Case, Rating, Status

# A rejected case is not a problem; a merged one is the same problem counted twice.
_NOT_COUNTED = (Status.REJECTED, Status.MERGED)


def _counted(start: datetime, end: datetime) -> Any:
    return (Case.objects.filter(created_at__gte=start, created_at__lt=end,
                                community__isnull=False, item__isnull=False)
            .exclude(status__in=_NOT_COUNTED))


def _trend(now: int, before: int) -> str:
    if before == 0:
        return "new" if now else "flat"
    ratio = now / before
    return "up" if ratio >= 1.25 else "down" if ratio <= 0.8 else "flat"


def hotspots(days: int = 30, min_cases: int = 3, *, now: datetime | None = None,
             examples: int = 3) -> list[dict[str, Any]]:
    """(community, item) pairs with at least `min_cases` cases in the last `days` days.

    Each row carries the count in the previous window of the same length, a trend
    (up / down / flat / new) and the numbers of the most recent example cases.
    Sorted by count, then growth.
    """
    now = now or timezone.now()
    window = timedelta(days=days)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    recent = (_counted(now - window, now)
              .values_list("community__code", "community__name", "item__code", "item__name",
                           "number", "created_at").order_by("-created_at"))
    for comm, comm_name, item, item_name, number, _at in recent:
        row = rows.setdefault((comm, item), {
            "community": comm, "community_name": comm_name, "item": item,
            "item_name": item_name, "count": 0, "previous": 0, "examples": []})
        row["count"] += 1
        if len(row["examples"]) < examples:
            row["examples"].append(number)
    hot = {key: row for key, row in rows.items() if row["count"] >= min_cases}
    if not hot:
        return []
    before = (_counted(now - 2 * window, now - window)
              .filter(community__code__in={k[0] for k in hot}, item__code__in={k[1] for k in hot})
              .values_list("community__code", "item__code"))
    for key in before:
        if key in hot:
            hot[key]["previous"] += 1
    out = list(hot.values())
    for row in out:
        row["trend"] = _trend(row["count"], row["previous"])
    out.sort(key=lambda r: (-r["count"], -(r["count"] - r["previous"]), r["community"], r["item"]))
    return out


def _month_start(year: int, month: int) -> datetime:
    return timezone.make_aware(datetime(year, month, 1))


def _parse_month(month: str | date) -> tuple[int, int]:
    if isinstance(month, date):
        return month.year, month.month
    try:
        year, mon = (int(p) for p in month.split("-")[:2])
        date(year, mon, 1)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"month must be YYYY-MM, got {month!r}") from exc
    return year, mon


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def monthly_topic_candidates(month: str | date, *, top: int = 10, min_cases: int = 3,
                             lookback_months: int = 3) -> list[dict[str, Any]]:
    """每月一题 candidates for `month` (YYYY-MM): recurring (community, item) problems.

    A pair qualifies with at least `min_cases` cases in the month. Ranked by how many of
    the previous `lookback_months` months it also appeared in (recurrence), then by the
    month's count, then by unsatisfied ratings — a problem that keeps coming back and
    that residents are not happy with is what a leader should take on.
    """
    year, mon = _parse_month(month)
    start = _month_start(year, mon)
    end = _month_start(*_shift(year, mon, 1))
    counts: dict[tuple[str, str], dict[str, Any]] = {}
    rows = (_counted(start, end)
            .values_list("community__code", "community__name", "item__code", "item__name",
                         "number", "rating").order_by("created_at"))
    for comm, comm_name, item, item_name, number, rating in rows:
        row = counts.setdefault((comm, item), {
            "community": comm, "community_name": comm_name, "item": item,
            "item_name": item_name, "count": 0, "unsatisfied": 0, "months_recurring": 0,
            "examples": []})
        row["count"] += 1
        row["unsatisfied"] += rating == Rating.UNSATISFIED
        if len(row["examples"]) < 3:
            row["examples"].append(number)
    chosen = {k: v for k, v in counts.items() if v["count"] >= min_cases}
    if not chosen:
        return []
    seen: dict[tuple[str, str], set[tuple[int, int]]] = defaultdict(set)
    back_start = _month_start(*_shift(year, mon, -lookback_months))
    earlier = (_counted(back_start, start)
               .filter(community__code__in={k[0] for k in chosen},
                       item__code__in={k[1] for k in chosen})
               .values_list("community__code", "item__code", "created_at"))
    for comm, item, at in earlier:
        local = timezone.localtime(at)
        seen[(comm, item)].add((local.year, local.month))
    for key, row in chosen.items():
        row["months_recurring"] = len(seen.get(key, ()))
    out = sorted(chosen.values(), key=lambda r: (-r["months_recurring"], -r["count"],
                                                 -r["unsatisfied"], r["community"], r["item"]))
    return out[:top]
