"""Recurring problems: hot spots per (community, item) and the monthly 每月一题 candidates."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models.functions import TruncMonth
from django.utils import timezone

from shaobao.cases.models import Case, Rating, Status

# A rejected case is not a problem; a merged one is the same problem counted twice.
_NOT_COUNTED = (Status.REJECTED, Status.MERGED)


def _counted(start: datetime, end: datetime, *, street_id: int | None = None,
             community_id: int | None = None) -> Any:
    qs = (Case.objects.filter(created_at__gte=start, created_at__lt=end,
                              community__isnull=False, item__isnull=False)
          .exclude(status__in=_NOT_COUNTED))
    # The caller's visible area (a street's staff, a station); None means the district.
    if street_id is not None:
        qs = qs.filter(street_id=street_id)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return qs


def _centre(row: dict[str, Any]) -> None:
    """Mean position of the row's located cases, so a map can draw it; None if none."""
    n = row.pop("_located")
    lat, lng = row.pop("_lat"), row.pop("_lng")
    row["lat"] = round(lat / n, 6) if n else None
    row["lng"] = round(lng / n, 6) if n else None


def _trend(now: int, before: int) -> str:
    if before == 0:
        return "new" if now else "flat"
    ratio = now / before
    return "up" if ratio >= 1.25 else "down" if ratio <= 0.8 else "flat"


def hotspots(days: int = 30, min_cases: int = 3, *, now: datetime | None = None,
             examples: int = 3, street_id: int | None = None,
             community_id: int | None = None) -> list[dict[str, Any]]:
    """(community, item) pairs with at least `min_cases` cases in the last `days` days.

    Each row carries the count in the previous window of the same length, a trend
    (up / down / flat / new), the numbers of the most recent example cases and the mean
    position (lat/lng, WGS-84) of its located cases. `street_id` / `community_id` narrow
    it to one street or community. Sorted by count, then growth. One query: both windows
    are read together, newest first, and split here.
    """
    now = now or timezone.now()
    window = timedelta(days=days)
    split = now - window
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    previous: dict[tuple[str, str], int] = defaultdict(int)
    both = (_counted(now - 2 * window, now, street_id=street_id, community_id=community_id)
            .values_list("community__code", "community__name", "item__code", "item__name",
                         "number", "created_at", "lat", "lng").order_by("-created_at"))
    for comm, comm_name, item, item_name, number, at, lat, lng in both:
        if at < split:
            previous[(comm, item)] += 1
            continue
        row = rows.setdefault((comm, item), {
            "community": comm, "community_name": comm_name, "item": item,
            "item_name": item_name, "count": 0, "previous": 0, "examples": [],
            "_located": 0, "_lat": 0.0, "_lng": 0.0})
        row["count"] += 1
        if len(row["examples"]) < examples:
            row["examples"].append(number)
        if lat is not None and lng is not None:
            row["_located"] += 1
            row["_lat"] += lat
            row["_lng"] += lng
    out = [row for row in rows.values() if row["count"] >= min_cases]
    for row in out:
        row["previous"] = previous.get((row["community"], row["item"]), 0)
        row["trend"] = _trend(row["count"], row["previous"])
        _centre(row)
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
                             lookback_months: int = 3, street_id: int | None = None,
                             community_id: int | None = None) -> list[dict[str, Any]]:
    """每月一题 candidates for `month` (YYYY-MM): recurring (community, item) problems.

    A pair qualifies with at least `min_cases` cases in the month. Ranked by how many of
    the previous `lookback_months` months it also appeared in (recurrence), then by the
    month's count, then by unsatisfied ratings — a problem that keeps coming back and
    that residents are not happy with is what a leader should take on.
    `street_id` / `community_id` narrow it as in `hotspots`; rows carry lat/lng likewise.
    """
    year, mon = _parse_month(month)
    start = _month_start(year, mon)
    end = _month_start(*_shift(year, mon, 1))
    counts: dict[tuple[str, str], dict[str, Any]] = {}
    rows = (_counted(start, end, street_id=street_id, community_id=community_id)
            .values_list("community__code", "community__name", "item__code", "item__name",
                         "number", "rating", "lat", "lng").order_by("created_at"))
    for comm, comm_name, item, item_name, number, rating, lat, lng in rows:
        row = counts.setdefault((comm, item), {
            "community": comm, "community_name": comm_name, "item": item,
            "item_name": item_name, "count": 0, "unsatisfied": 0, "months_recurring": 0,
            "examples": [], "_located": 0, "_lat": 0.0, "_lng": 0.0})
        if lat is not None and lng is not None:
            row["_located"] += 1
            row["_lat"] += lat
            row["_lng"] += lng
        row["count"] += 1
        row["unsatisfied"] += rating == Rating.UNSATISFIED
        if len(row["examples"]) < 3:
            row["examples"].append(number)
    chosen = {k: v for k, v in counts.items() if v["count"] >= min_cases}
    if not chosen:
        return []
    seen: dict[tuple[str, str], set[tuple[int, int]]] = defaultdict(set)
    back_start = _month_start(*_shift(year, mon, -lookback_months))
    # One row per (pair, local month) from the database, not one per case.
    earlier = (_counted(back_start, start, street_id=street_id, community_id=community_id)
               .filter(community__code__in={k[0] for k in chosen},
                       item__code__in={k[1] for k in chosen})
               .annotate(m=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
               .values_list("community__code", "item__code", "m").distinct())
    for comm, item, at in earlier:
        seen[(comm, item)].add((at.year, at.month))
    for key, row in chosen.items():
        row["months_recurring"] = len(seen.get(key, ()))
        _centre(row)
    out = sorted(chosen.values(), key=lambda r: (-r["months_recurring"], -r["count"],
                                                 -r["unsatisfied"], r["community"], r["item"]))
    return out[:top]


def recent_case_texts(days: int = 30, *, now: datetime | None = None) -> list[str]:
    """Descriptions of the district's counted cases of the last `days` days, for topic mining."""
    now = now or timezone.now()
    qs = (Case.objects.filter(created_at__gte=now - timedelta(days=days), created_at__lt=now)
          .exclude(status__in=_NOT_COUNTED).exclude(description="")
          .order_by("created_at").values_list("description", flat=True))
    return list(qs)
