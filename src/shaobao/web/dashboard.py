"""Figures for the command-center screen, computed directly over `Case` (SPEC §5).

Everything the page shows comes from `dashboard_figures(user, now)`, so the analytics
rollups can replace this module later without touching the views or templates.
Scope: the viewer's visible cases (`case_list_for`); points come from the ledger.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from shaobao.analytics.recurring import recurring_scope_for
from shaobao.analytics.selectors import ALL_STATS_ROLES
from shaobao.cases.deadlines import case_lights, worst_light
from shaobao.cases.models import OPEN_STATUSES, Case, Rating, Status
from shaobao.cases.selectors import case_list_for
from shaobao.core.errors import Forbidden
from shaobao.org.models import User
from shaobao.points.models import PointsEntry
from shaobao.routing.hotspots import hotspots, monthly_topic_candidates

LOCAL = ZoneInfo("Asia/Shanghai")
MIN_SAMPLE = 3  # no unit tops a ranking on one or two cases (SPEC §5)
MAP_CAP = 3000
ON_TIME = Q(handle_due__isnull=True) | Q(handled_at__lte=F("handle_due"))


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _month_start(now: datetime) -> datetime:
    local = now.astimezone(LOCAL)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def kpis(cases: QuerySet[Case], now: datetime) -> dict[str, Any]:
    month = _month_start(now)
    open_qs = cases.filter(status__in=OPEN_STATUSES)
    open_count = open_qs.count()
    overdue = open_qs.filter(overdue=True).count()
    closed = cases.filter(status=Status.CLOSED, closed_at__gte=month)
    closed_count = closed.count()
    closed_on_time = closed.filter(ON_TIME).count()
    rated = cases.filter(rated_at__gte=month).exclude(rating="").aggregate(
        n=Count("id"), s=Count("id", filter=Q(rating=Rating.SATISFIED)),
        b=Count("id", filter=Q(rating=Rating.BASICALLY_SATISFIED)))
    return {
        "open": open_count, "overdue": overdue, "closed_month": closed_count,
        # 按期结案率: closed on time ÷ (closed + open and already overdue)
        "on_time_closure": _ratio(closed_on_time, closed_count + overdue),
        # 满意率: (满意 + 0.9 × 基本满意) ÷ rated
        "satisfaction": _ratio(rated["s"] + 0.9 * rated["b"], rated["n"]),
        "rated": rated["n"],
        "month": month.strftime("%Y-%m"), "month_start": month.date().isoformat(),
    }


def trend(cases: QuerySet[Case], now: datetime, days: int = 30) -> dict[str, list[Any]]:
    today = now.astimezone(LOCAL).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=LOCAL)
    reported = dict(cases.filter(created_at__gte=start)
                    .annotate(d=TruncDate("created_at", tzinfo=LOCAL)).values("d")
                    .annotate(n=Count("id")).values_list("d", "n"))
    closed = dict(cases.filter(closed_at__gte=start, status=Status.CLOSED)
                  .annotate(d=TruncDate("closed_at", tzinfo=LOCAL)).values("d")
                  .annotate(n=Count("id")).values_list("d", "n"))
    dates = [first + timedelta(days=i) for i in range(days)]
    return {"dates": [d.isoformat() for d in dates],
            "reported": [reported.get(d, 0) for d in dates],
            "closed": [closed.get(d, 0) for d in dates]}


def department_ranking(now: datetime, limit: int = 10) -> list[dict[str, Any]]:
    month = now.astimezone(LOCAL).strftime("%Y-%m")
    rows = (PointsEntry.objects.filter(month=month)
            .values("department__code", "department__name", "department__short_name")
            .annotate(points=Sum("points"), cases=Count("case", distinct=True))
            .filter(cases__gte=MIN_SAMPLE).order_by("-points", "department__code")[:limit])
    return [{"code": r["department__code"],
             "name": r["department__short_name"] or r["department__name"],
             "points": r["points"], "cases": r["cases"]} for r in rows]


def station_ranking(cases: QuerySet[Case], now: datetime,
                    limit: int = 10) -> list[dict[str, Any]]:
    """Communities (their stations) by on-time closure this month, minimum sample applied."""
    month = _month_start(now)
    rows = (cases.filter(community__isnull=False)
            .filter(Q(status=Status.CLOSED, closed_at__gte=month)
                    | Q(status__in=OPEN_STATUSES, overdue=True))
            .values("community__code", "community__name", "community__short_name")
            .annotate(closed=Count("id", filter=Q(status=Status.CLOSED)),
                      on_time=Count("id", filter=Q(status=Status.CLOSED) & ON_TIME),
                      overdue=Count("id", filter=Q(overdue=True) & ~Q(status=Status.CLOSED))))
    out = []
    for r in rows:
        base = r["closed"] + r["overdue"]
        if base < MIN_SAMPLE:
            continue
        out.append({"code": r["community__code"],
                    "name": r["community__short_name"] or r["community__name"],
                    "rate": _ratio(r["on_time"], base), "closed": r["closed"],
                    "overdue": r["overdue"]})
    out.sort(key=lambda r: (-(r["rate"] or 0), -r["closed"], r["code"]))
    return out[:limit]


def overdue_list(cases: QuerySet[Case], limit: int = 10) -> list[dict[str, Any]]:
    qs = (cases.filter(status__in=OPEN_STATUSES, overdue=True)
          .order_by(F("handle_due").asc(nulls_last=True), "created_at")[:limit])
    return [{"number": c.number, "status": Status(c.status).label,
             "item": c.item.name if c.item else gettext("未分类"),
             "community": c.community.display_name if c.community else "",
             "department": str(c.lead_department) if c.lead_department else "",
             "due": c.handle_due.astimezone(LOCAL).strftime("%m-%d %H:%M")
             if c.handle_due else ""} for c in qs]


# Marked for the catalogue; translated when the rows are built, in the request's language.
TREND_ARROWS = {"up": "↑", "down": "↓", "flat": "→", "new": gettext_noop("新")}
TREND_TITLES = {"up": gettext_noop("比上一个 30 天增多"), "down": gettext_noop("比上一个 30 天减少"),
                "flat": gettext_noop("与上一个 30 天持平"), "new": gettext_noop("上一个 30 天没有")}
HOT_DAYS = 30
HOT_LIMIT = 10


def hot_spots(user: User, now: datetime, limit: int = HOT_LIMIT) -> list[dict[str, Any]] | None:
    """The library's hot spots over the last 30 days in the viewer's area (one query);
    None when the viewer's role may not see recurring problems (the API gives it 403)."""
    try:
        scope = recurring_scope_for(user)
    except Forbidden:
        return None
    since = (now - timedelta(days=HOT_DAYS)).astimezone(LOCAL).date().isoformat()
    rows = hotspots(days=HOT_DAYS, min_cases=3, now=now, street_id=scope.street_id,
                    community_id=scope.community_id)
    # The map draws every row; the list shows the top ones.
    for r in rows:
        r.update(since=since, arrow=gettext(TREND_ARROWS[r["trend"]]),
                 trend_title=gettext(TREND_TITLES[r["trend"]]))
    return rows[: limit * 5]


def topic_candidates(user: User, now: datetime) -> dict[str, Any] | None:
    """每月一题 candidates of the current month, for the command centre and leaders only."""
    if not (user.is_superuser or user.role in ALL_STATS_ROLES):
        return None
    month = now.astimezone(LOCAL).strftime("%Y-%m")
    scope = recurring_scope_for(user)
    rows = monthly_topic_candidates(month, top=10, street_id=scope.street_id,
                                    community_id=scope.community_id)
    return {"month": month, "rows": rows}


# What a map point and its deadline lights read (`deadlines._clocks`). Loading only these
# took the command centre's data from 114 to 68 ms at 770 open cases: whole rows with
# their related objects cost more to build than the lights did to compute.
MAP_FIELDS = ("number", "lat", "lng", "status", "created_at", "feedback_at", "feedback_due",
              "whistled_at", "check_in_due", "handle_due", "handle_clock_start",
              "item__name", "item__check_in_limit", "item__check_in_kind",
              "item__handle_limit", "item__handle_kind")


def map_points(cases: QuerySet[Case], now: datetime) -> list[dict[str, Any]]:
    qs = (cases.filter(status__in=OPEN_STATUSES, lat__isnull=False, lng__isnull=False)
          .select_related(None).select_related("item").only(*MAP_FIELDS)
          .order_by("-created_at")[:MAP_CAP])
    out = []
    for c in qs:
        worst = worst_light(case_lights(c, now)) or "green"
        out.append({"n": c.number, "lat": round(c.lat or 0, 6), "lng": round(c.lng or 0, 6),
                    "l": worst, "s": Status(c.status).label,
                    "i": c.item.name if c.item else gettext("未分类")})
    return out


def dashboard_figures(user: User, now: datetime | None = None, *,
                      with_map: bool = True, with_candidates: bool = False) -> dict[str, Any]:
    """All figures of the command-center screen for this viewer at this moment.

    The 每月一题 candidates are only rendered with the page (`with_candidates`): they change
    slowly and the month selector fetches other months from the API, so the 60-second
    refresh does not recompute them.
    """
    now = now or timezone.now()
    cases = case_list_for(user)
    figures = {
        "at": now.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S"),
        "kpis": kpis(cases, now),
        "trend": trend(cases, now),
        "departments": department_ranking(now),
        "stations": station_ranking(cases, now),
        "overdue": overdue_list(cases),
        "hot_spots": hot_spots(user, now),
    }
    if with_candidates:
        figures["candidates"] = topic_candidates(user, now)
    if with_map:
        figures["map"] = map_points(cases, now)
    return figures
