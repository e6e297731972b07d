"""Smart routing: item and department suggestions from a resident's words (SPEC C10)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from shaobao.core.errors import InvalidInput

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

    text = payload.text.strip()
    if not text:
        raise InvalidInput("text 不能为空", details={"field": "text"})
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"text 不能超过 {MAX_TEXT} 字", details={"field": "text"})
    return {"suggestions": router_suggest(text)}
