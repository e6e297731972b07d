"""Smart routing: item and department suggestions from a resident's words (SPEC C10),
duplicate suggestions while reporting, and following (关注) a case instead of reporting it.

This router is mounted without authentication (the suggester is public); the other
operations declare `auth=AUTH` themselves, like the routers mounted with it. The follow
routes live here because following is the answer to a duplicate suggestion.
"""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from shaobao.api.auth import AUTH
from shaobao.api.presenters import followed_case_out
from shaobao.api.routes_org import user_of
from shaobao.api.schemas import ErrorOut, FollowedCaseOut, SimilarIn, SimilarOut
from shaobao.cases.selectors import case_followed_get, case_follows_for
from shaobao.cases.services.follow import case_follow, case_unfollow
from shaobao.core.errors import InvalidInput
from shaobao.integrations.ratelimit import hit, limit_of

router = Router(tags=["智能分派"])
MAX_TEXT = 4000


class SuggestIn(Schema):
    text: str


class SuggestionOut(Schema):
    item: str
    item_name: str
    lead_department: str | None
    lead_department_name: str
    confidence: float
    terms: list[str]


class SuggestOut(Schema):
    suggestions: list[SuggestionOut]


@router.post("/routing/suggest", response=SuggestOut, summary="按问题描述推荐清单事项与牵头部门")
def suggest(request: HttpRequest, payload: SuggestIn) -> dict[str, Any]:
    from shaobao.routing.training import router_suggest

    return {"suggestions": router_suggest(_text_of(payload.text))}


def _text_of(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise InvalidInput("text 不能为空", details={"field": "text"})
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"text 不能超过 {MAX_TEXT} 字", details={"field": "text"})
    return text


def _similar_point(payload: SimilarIn) -> tuple[str, float, float]:
    text = _text_of(payload.text)
    lat, lng = payload.lat, payload.lng
    if lat is None or lng is None:
        raise InvalidInput("请提供位置 lat 和 lng（WGS-84）", details={"field": "lat" if lat is None else "lng"})
    if not (math.isfinite(lat) and -90 <= lat <= 90 and math.isfinite(lng) and -180 <= lng <= 180):
        raise InvalidInput("lat 应在 -90～90 之间，lng 应在 -180～180 之间", code="bad_coordinates")
    return text, lat, lng


@router.post("/routing/similar", auth=AUTH, url_name="routing_similar",
             response={200: SimilarOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
             summary="上报前查找附近可能重复的办理中案件",
             description="文本相似度 × 距离（300 米内）× 时间（72 小时内），最多 5 件。"
                         "只给编号、事项、状态、时间、约略距离；描述摘要仅限您本来就能查看的案件。")
def similar(request: HttpRequest, payload: SimilarIn) -> dict[str, Any]:
    from shaobao.routing.duplicates import similar_hints_for

    user = user_of(request)
    # Each call reveals which cases exist near a point: limit how fast anyone can probe.
    hit("similar", str(user.pk), limit_of("SIMILAR_PER_MIN", 60))
    text, lat, lng = _similar_point(payload)
    hints = similar_hints_for(user, text, lat, lng, timezone.now())
    return {"similar": [{**h, "created_at": h["created_at"].isoformat()} for h in hints]}


FOLLOW_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.post("/cases/{number}/follow", auth=AUTH, tags=["案件"], url_name="case_follow",
             response={200: FollowedCaseOut, 201: FollowedCaseOut, **FOLLOW_ERRORS},
             summary="关注案件（代替重复上报）",
             description="任何登录用户可关注办理中的案件（201 新关注，200 已关注）。关注者只能看到"
                         "编号、事项、社区、状态、时限灯和公开的办理节点，不能执行任何操作。")
def follow(request: HttpRequest, number: str) -> tuple[int, dict[str, Any]]:
    user = user_of(request)
    _, created = case_follow(user, number=number)
    return (201 if created else 200), followed_case_out(case_followed_get(user, number))


@router.get("/cases/{number}/follow", auth=AUTH, tags=["案件"], url_name="case_followed",
            response={200: FollowedCaseOut, **FOLLOW_ERRORS}, summary="我关注的案件（精简视图）")
def followed(request: HttpRequest, number: str) -> dict[str, Any]:
    return followed_case_out(case_followed_get(user_of(request), number))


@router.delete("/cases/{number}/follow", auth=AUTH, tags=["案件"], url_name="case_unfollow",
               response={204: None, **FOLLOW_ERRORS}, summary="取消关注")
def unfollow(request: HttpRequest, number: str) -> tuple[int, None]:
    case_unfollow(user_of(request), number=number)
    return 204, None


@router.get("/follows", auth=AUTH, tags=["案件"], response={200: list[FollowedCaseOut], 401: ErrorOut},
            summary="我关注的全部案件")
def follows(request: HttpRequest) -> list[dict[str, Any]]:
    return [followed_case_out(f) for f in case_follows_for(user_of(request))[:200]]
