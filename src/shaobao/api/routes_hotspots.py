"""Recurring problems: hot spots and the monthly 每月一题 candidates (issue 8, item 4)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from shaobao.analytics.facts import BEIJING
from shaobao.analytics.recurring import recurring_scope_for
from shaobao.analytics.selectors import parse_month
from shaobao.api.routes_org import user_of
from shaobao.api.schemas import ErrorOut
from shaobao.core.errors import InvalidInput
from shaobao.routing.hotspots import hotspots as hotspots_list
from shaobao.routing.hotspots import monthly_topic_candidates

router = Router(tags=["统计与报表"])
ERRORS = {400: ErrorOut, 403: ErrorOut}
MAX_DAYS = 365
MAX_TOP = 100


class HotspotRowOut(Schema):
    community: str
    community_name: str
    item: str
    item_name: str
    count: int
    previous: int
    trend: str
    examples: list[str]
    lat: float | None
    lng: float | None


class HotspotListOut(Schema):
    scope: dict[str, Any]
    days: int
    min_cases: int
    since: str
    rows: list[HotspotRowOut]


class TopicCandidateOut(Schema):
    community: str
    community_name: str
    item: str
    item_name: str
    count: int
    months_recurring: int
    unsatisfied: int
    examples: list[str]
    lat: float | None
    lng: float | None


class TopicCandidateListOut(Schema):
    scope: dict[str, Any]
    month: str
    top: int
    rows: list[TopicCandidateOut]


def _check_range(value: int, name: str, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InvalidInput(f"{name} 应在 {low} 到 {high} 之间", code="bad_range",
                           details={"field": name, "min": low, "max": high})


@router.get("/stats/hotspots", response={200: HotspotListOut, **ERRORS}, summary="高发问题",
            url_name="stats_hotspots",
            description="近 days 天（1–365）内至少 min_cases 件的（社区, 事项）组合，附上一个"
                        "同长窗口的件数、趋势（up/down/flat/new）、最近的示例案件编号和案件平均坐标"
                        "（lat/lng，WGS-84，无坐标时为 null）。指挥中心、领导、管理员看全区，"
                        "街道看本街道，工作站看本社区，其他角色 403。")
def hotspots(request: HttpRequest, days: int = 30, min_cases: int = 3) -> dict[str, Any]:
    _check_range(days, "days", 1, MAX_DAYS)
    _check_range(min_cases, "min_cases", 1, 10_000)
    scope = recurring_scope_for(user_of(request))
    now = timezone.now()
    rows = hotspots_list(days=days, min_cases=min_cases, now=now, street_id=scope.street_id,
                         community_id=scope.community_id)
    since = (now - timedelta(days=days)).astimezone(BEIJING).date().isoformat()
    return {"scope": scope.described or {}, "days": days, "min_cases": min_cases,
            "since": since, "rows": rows}


@router.get("/stats/monthly-candidates", response={200: TopicCandidateListOut, **ERRORS},
            summary="每月一题候选", url_name="stats_monthly_candidates",
            description="month（YYYY-MM，默认本月）内至少 min_cases 件的（社区, 事项）组合，"
                        "按前 3 个月中也出现过的月数、本月件数、不满意评价数排序，取前 top（1–100）个。"
                        "可见范围同高发问题。")
def monthly_candidates(request: HttpRequest, month: str | None = None, top: int = 10,
                       min_cases: int = 3) -> dict[str, Any]:
    _check_range(top, "top", 1, MAX_TOP)
    _check_range(min_cases, "min_cases", 1, 10_000)
    first = parse_month(month)
    if not 2000 <= first.year <= 2999:  # the lookback and next month must stay valid dates
        raise InvalidInput("month 应在 2000-01 到 2999-12 之间", code="bad_month")
    scope = recurring_scope_for(user_of(request))
    rows = monthly_topic_candidates(first, top=top, min_cases=min_cases,
                                    street_id=scope.street_id, community_id=scope.community_id)
    return {"scope": scope.described or {}, "month": first.strftime("%Y-%m"), "top": top,
            "rows": rows}
