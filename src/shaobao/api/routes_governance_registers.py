"""Governance, continued: dual registration and points (writes), registers and assessments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from shaobao.api.routes_governance import ERRORS, J
from shaobao.api.routes_org import user_of
from shaobao.core.errors import Forbidden, InvalidInput
from shaobao.governance.common import is_district
from shaobao.governance.models import CoverageGap, Indicator, PartyMember, VisitLog
from shaobao.governance.services import party as pa
from shaobao.governance.services import registers as rg
from shaobao.org.models import Role

router = Router(tags=["基层治理"])


class MemberIn(Schema):
    name: str
    home_community: str
    work_unit: str | None = None
    phone: str = ""
    kind: str = "party_member"


def member_out(m: PartyMember) -> J:
    return {"id": m.pk, "kind": m.kind, "name": m.name,
            "work_unit": m.work_unit.code if m.work_unit else None,
            "home_community": m.home_community.code,
            "unit_registered": m.unit_registered_at is not None,
            "community_registered": m.community_registered_at is not None}


@router.post("/party/members", response={201: J, **ERRORS}, summary="党员报到登记")
def member_register(request: HttpRequest, body: MemberIn) -> tuple[int, J]:
    return 201, member_out(pa.party_member_register(user_of(request), **body.dict()))


@router.post("/party/members/{member_id}/confirm", response={200: J, **ERRORS},
             summary="确认报到（单位或社区）")
def member_confirm(request: HttpRequest, member_id: int) -> J:
    return member_out(pa.party_member_confirm(user_of(request), member_id=member_id))


class PostIn(Schema):
    community: str
    title: str
    description: str = ""
    capacity: int = 5


class MemberRefIn(Schema):
    member: int


@router.post("/party/posts", response={201: J, **ERRORS}, summary="设置服务岗位")
def post_create(request: HttpRequest, body: PostIn) -> tuple[int, J]:
    post = pa.service_post_create(user_of(request), **body.dict())
    return 201, {"id": post.pk, "community": body.community, "title": post.title,
                 "capacity": post.capacity}


@router.post("/party/posts/{post_id}/claims", response={201: J, **ERRORS}, summary="认领岗位")
def post_claim(request: HttpRequest, post_id: int, body: MemberRefIn) -> tuple[int, J]:
    claim = pa.post_claim(user_of(request), post_id=post_id, member_id=body.member)
    return 201, {"post": post_id, "member": body.member, "at": claim.at.isoformat()}


class ActivityIn(Schema):
    community: str
    title: str
    at: datetime
    points: int | None = None


@router.post("/party/activities", response={201: J, **ERRORS}, summary="发布服务活动")
def activity_create(request: HttpRequest, body: ActivityIn) -> tuple[int, J]:
    a = pa.activity_create(user_of(request), **body.dict())
    return 201, {"id": a.pk, "community": body.community, "title": a.title,
                 "at": a.at.isoformat(), "points": a.points}


@router.post("/party/activities/{activity_id}/sign-ins", response={201: J, **ERRORS},
             summary="活动签到（双积分）")
def activity_sign_in(request: HttpRequest, activity_id: int, body: MemberRefIn) -> tuple[int, J]:
    s = pa.activity_sign_in(user_of(request), activity_id=activity_id, member_id=body.member)
    return 201, {"activity": activity_id, "member": body.member, "at": s.at.isoformat()}


# -- visit logs --------------------------------------------------------------------------------

class VisitLogIn(Schema):
    content: str
    kind: str = "visit"
    place: str = ""


def log_out(log: VisitLog) -> J:
    return {"id": log.pk, "kind": log.kind, "grid": log.grid_code, "at": log.at.isoformat(),
            "place": log.place, "content": log.content, "status": log.status,
            "resolution": log.resolution, "case": log.case.number if log.case else None}


@router.post("/registers/visit-logs", response={201: J, **ERRORS}, summary="记录民情日志")
def visit_log_create(request: HttpRequest, body: VisitLogIn) -> tuple[int, J]:
    return 201, log_out(rg.visit_log_create(user_of(request), **body.dict()))


@router.get("/registers/visit-logs", response={200: list[J], **ERRORS}, summary="民情日志")
def visit_log_list(request: HttpRequest, kind: str | None = None) -> list[J]:
    user = user_of(request)
    qs = VisitLog.objects.select_related("case")
    if user.role in (Role.GRID_WORKER, Role.GRID_POLICE):
        qs = qs.filter(grid_code=user.grid_code)
    elif user.role == Role.STATION:
        qs = qs.filter(community_id=user.division_id)
    elif user.role == Role.STREET:
        qs = qs.filter(community__parent_id=user.division_id)
    elif not is_district(user):
        raise Forbidden("无权查看民情日志")
    if kind:
        qs = qs.filter(kind=kind)
    return [log_out(x) for x in qs[:500]]


class ResolveIn(Schema):
    resolution: str


class ToCaseIn(Schema):
    item: str | None = None


@router.post("/registers/visit-logs/{log_id}/resolve", response={200: J, **ERRORS},
             summary="化解纠纷/消除隐患")
def visit_log_resolve(request: HttpRequest, log_id: int, body: ResolveIn) -> J:
    return log_out(rg.visit_log_resolve(user_of(request), log_id=log_id,
                                        resolution=body.resolution))


@router.post("/registers/visit-logs/{log_id}/case", response={201: J, **ERRORS},
             summary="转为案件")
def visit_log_case(request: HttpRequest, log_id: int, body: ToCaseIn) -> tuple[int, J]:
    return 201, log_out(rg.visit_log_to_case(user_of(request), log_id=log_id, item=body.item))


@router.get("/registers/stats", response={200: J, **ERRORS}, summary="民情日志、纠纷、隐患统计")
def register_stats(request: HttpRequest, community: str | None = None) -> J:
    user_of(request)
    return rg.register_stats(community=community)


# -- party-building projects ----------------------------------------------------------------

class ProjectIn(Schema):
    community: str
    year: int
    title: str
    goals: str


class ProjectStepIn(Schema):
    note: str = ""
    passed: bool | None = None
    score: int | None = None


@router.post("/registers/projects", response={201: J, **ERRORS}, summary="申报党建项目")
def project_propose(request: HttpRequest, body: ProjectIn) -> tuple[int, J]:
    p = rg.project_propose(user_of(request), **body.dict())
    return 201, {"id": p.pk, "status": p.status, "year": p.year, "title": p.title}


@router.post("/registers/projects/{project_id}/{step}", response={200: J, **ERRORS},
             summary="立项（approve）/中期（midterm）/验收（accept）")
def project_step(request: HttpRequest, project_id: int, step: str, body: ProjectStepIn) -> J:
    user = user_of(request)
    if step == "approve":
        p = rg.project_approve(user, project_id=project_id)
    elif step == "midterm":
        p = rg.project_midterm(user, project_id=project_id, note=body.note)
    elif step == "accept":
        if body.passed is None or body.score is None:
            raise InvalidInput("验收须提供 passed 和 score", code="missing_field")
        p = rg.project_accept(user, project_id=project_id, passed=body.passed,
                              score=body.score, note=body.note)
    else:
        raise InvalidInput("step 应为 approve、midterm 或 accept", code="bad_step")
    return {"id": p.pk, "status": p.status, "score": p.score}


# -- targeted-population ledgers ------------------------------------------------------------

class RosterIn(Schema):
    name: str
    kind: str
    csv: str
    street: str | None = None


class MatchIn(Schema):
    target: int
    coverage: int


class GapIn(Schema):
    status: str
    note: str = ""


def gap_out(g: CoverageGap) -> J:
    return {"id": g.pk, "roster": g.target.roster_id, "person": g.target.label,
            "community": g.target.community_code, "status": g.status, "note": g.note}


@router.post("/registers/rosters", response={201: J, **ERRORS}, summary="导入台账（身份证号哈希）")
def roster_import(request: HttpRequest, body: RosterIn) -> tuple[int, J]:
    r = rg.roster_import(user_of(request), name=body.name, kind=body.kind, csv_text=body.csv,
                         street=body.street)
    return 201, {"id": r.pk, "name": r.name, "entries": r.entries.count()}


@router.post("/registers/rosters/match", response={200: list[J], **ERRORS},
             summary="比对台账，标出未覆盖人员")
def roster_match(request: HttpRequest, body: MatchIn) -> list[J]:
    gaps = rg.roster_match(user_of(request), target_id=body.target, coverage_id=body.coverage)
    return [gap_out(g) for g in gaps]


@router.post("/registers/gaps/{gap_id}", response={200: J, **ERRORS}, summary="跟进覆盖缺口")
def gap_update(request: HttpRequest, gap_id: int, body: GapIn) -> J:
    return gap_out(rg.coverage_gap_update(user_of(request), gap_id=gap_id, status=body.status,
                                          note=body.note))


# -- indicator assessments ------------------------------------------------------------------

class ValueIn(Schema):
    indicator: str
    unit_code: str
    unit_name: str
    period: str
    value: float


@router.get("/assessments/indicators", response={200: list[J], **ERRORS}, summary="考核指标")
def indicator_list(request: HttpRequest, scheme: str | None = None) -> list[J]:
    user_of(request)
    qs = Indicator.objects.all()
    if scheme:
        qs = qs.filter(scheme=scheme)
    return [{"code": i.code, "scheme": i.scheme, "name": i.name, "unit": i.unit,
             "target": i.target, "weight": i.weight, "bands": i.bands} for i in qs]


@router.post("/assessments/values", response={200: J, **ERRORS}, summary="录入指标数值")
def value_record(request: HttpRequest, body: ValueIn) -> J:
    v = rg.indicator_value_record(user_of(request), **body.dict())
    return {"indicator": body.indicator, "unit_code": v.unit_code, "period": v.period,
            "value": v.value}


@router.get("/assessments/rankings", response={200: list[J], **ERRORS}, summary="指标考核排名")
def indicator_ranking(request: HttpRequest, scheme: str, period: str) -> list[Any]:
    user_of(request)
    return rg.indicator_ranking(scheme=scheme, period=period)
