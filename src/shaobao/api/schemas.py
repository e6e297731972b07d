"""Request and response shapes of REST v1 (field names as in SPEC §6)."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    error: ErrorBody


class NamedCode(Schema):
    code: str
    name: str


class DivisionOut(Schema):
    code: str
    name: str
    short_name: str
    level: str
    parent: str | None


class GridOut(Schema):
    code: str
    name: str
    community: str
    street: str | None
    area_km2: float
    valid_from: str
    valid_to: str | None
    geometry: dict[str, Any] | None = None


class LocateOut(Schema):
    lat: float
    lng: float
    grid: NamedCode
    community: NamedCode
    street: NamedCode


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    name_en: str
    kind: str


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    scope: dict[str, Any]


class LimitOut(Schema):
    limit: float
    kind: str


class ItemOut(Schema):
    code: str
    name: str
    name_en: str
    description: str
    keywords: list[str]
    lead_department: str
    co_departments: list[str]
    check_in: LimitOut
    handle: LimitOut
    priority: str


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    items: list[ItemOut]


class CatalogueOut(Schema):
    name: str
    version: str
    categories: list[CategoryOut]


class CaseCreateIn(Schema):
    description: str = Field(..., description="问题描述", examples=["工农小区二楼平台道路没有路灯"])
    item: str | None = Field(None, description="吹哨清单事项编码", examples=["GL01"])
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    crs: str | None = Field(None, description="wgs84（默认）、gcj02 或 bd09")
    address: str = ""
    grid: str | None = None
    channel: str | None = None
    anonymous: bool = False
    reporter_name: str = ""
    reporter_phone: str = ""


class DeadlinesOut(Schema):
    check_in: str | None
    handle: str | None
    feedback: str | None
    lights: dict[str, str]
    state: str | None


class CaseOut(Schema):
    number: str
    status: str
    status_label: str
    version: int
    channel: str
    item: str | None
    item_name: str | None
    category: str | None
    description: str
    address: str
    lat: float | None
    lng: float | None
    grid: str | None
    community: str | None
    street: str | None
    lead_department: str | None
    co_departments: list[str]
    deadlines: DeadlinesOut
    overdue: bool
    supervision_level: int
    rating: str | None
    reporter_name: str
    reporter_phone: str
    anonymous: bool
    created_at: str
    updated_at: str
    allowed_actions: list[str]
    possible_duplicates: list[str] | None = None


class CasePageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[CaseOut]


class EventOut(Schema):
    id: int
    case: str
    action: str
    actor: str | None
    role: str
    from_status: str
    to_status: str
    at: str
    payload: dict[str, Any]


class AttachmentOut(Schema):
    id: int
    url: str
    content_type: str
    size: int
    stage: str
    sha256: str


class ActionIn(Schema):
    """Body of POST /cases/{number}/actions/{action}: `version` plus the action's fields."""

    model_config = {"extra": "allow"}
    version: int = Field(..., description="案件当前版本号（乐观并发控制）")


class PointsEntryOut(Schema):
    id: int
    department: str
    case: str | None
    rule: str
    points: int
    reason: str
    month: str
    at: str


class PointsOut(Schema):
    department: str | None
    month: str | None
    total: int
    entries: list[PointsEntryOut]


class TaskOut(Schema):
    id: int
    case: str
    kind: str
    status: str
    grid: str
    due_at: str | None


class TaskCompleteIn(Schema):
    found_true: bool
    note: str = ""


class EvaluationIn(Schema):
    score: int = Field(..., ge=1, le=5)
    comment: str = ""


class AppealIn(Schema):
    reason: str


class AppealDecideIn(Schema):
    upheld: bool
    note: str = ""


class SimilarIn(Schema):
    """Optional in the schema so that missing fields get a Chinese message, not pydantic's."""

    text: str = ""
    lat: float | None = None
    lng: float | None = None


class SimilarCaseOut(Schema):
    number: str
    item: str | None
    item_name: str
    status: str
    status_label: str
    created_at: str  # ISO 8601 with offset
    distance_m: int
    score: float
    excerpt: str | None = None


class SimilarOut(Schema):
    similar: list[SimilarCaseOut]


class FollowedEventOut(Schema):
    action: str
    action_label: str
    at: str  # ISO 8601 with offset
    from_status: str
    to_status: str


class FollowedCaseOut(Schema):
    number: str
    item: str | None
    item_name: str
    community: str | None
    community_name: str
    status: str
    status_label: str
    light: str | None
    lights: dict[str, str]
    merged_into: str | None = None
    followed_at: str  # ISO 8601 with offset
    events: list[FollowedEventOut]
