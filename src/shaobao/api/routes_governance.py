"""Governance: admission lists and task pushes, meetings, petitions, dual points, registers.

Formats only: every endpoint parses, calls one governance service or selector, formats.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from shaobao.api.errors import error_response
from shaobao.api.routes_org import user_of
from shaobao.api.schemas import ErrorOut
from shaobao.core.errors import Forbidden, InvalidInput, NotFound
from shaobao.governance import selectors as sel
from shaobao.governance.common import department_by_code, is_district
from shaobao.governance.models import (
    AdmissionApplication,
    AdmissionItem,
    Meeting,
    Place,
    PushOutcome,
    TaskPush,
)
from shaobao.governance.services import admission as adm
from shaobao.governance.services import meetings as mt
from shaobao.governance.services import petitions as pt
from shaobao.org.models import Role

public = Router(tags=["准入清单"])
router = Router(tags=["基层治理"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
J = dict[str, Any]


# -- admission ------------------------------------------------------------------------------

def item_out(i: AdmissionItem) -> J:
    return {"code": i.code, "list": i.list_kind, "list_label": i.get_list_kind_display(),
            "title": i.title, "legal_basis": i.legal_basis,
            "department": i.department.code if i.department else None,
            "department_name": i.department.name if i.department else None,
            "note": i.note, "status": i.status,
            "effective_from": i.effective_from.isoformat() if i.effective_from else None}


@public.get("/admission/items", response={200: list[J], **ERRORS}, summary="村（社区）工作事项准入清单")
def admission_items(request: HttpRequest, list: str | None = None,
                    include_withdrawn: bool = False) -> list[J]:
    return [item_out(i) for i in sel.admission_items_list(list_kind=list,
                                                          include_withdrawn=include_withdrawn)]


@public.get("/admission/certificates", response={200: J, **ERRORS},
            summary="这个证明社区该不该开？",
            description="输入证明名称（如“无犯罪记录证明”），返回是否属于不应由村（社区）出具的证明及办理指引。")
def certificate_lookup(request: HttpRequest, q: str) -> J:
    if not q.strip() or len(q) > 100:
        raise InvalidInput("请输入 1～100 字的证明名称", code="bad_query")
    matches = sel.certificate_matches(q)
    return {"query": q, "must_not_issue": bool(matches),
            "answer": ("村（社区）不应出具该证明，请按办理指引向主管部门办理" if matches else
                       "未列入不应出具证明事项清单；如有疑问请咨询所在村（社区）或区社会工作部"),
            "matches": [item_out(i) for i in matches]}


class ApplicationIn(Schema):
    list: str
    title: str
    legal_basis: str
    effective_date: date
    reason: str = ""
    funding: str = ""


class DecideIn(Schema):
    approved: bool
    note: str = ""
    code: str | None = None


class ReasonIn(Schema):
    reason: str


def application_out(a: AdmissionApplication) -> J:
    return {"id": a.pk, "department": a.department.code, "list": a.list_kind, "title": a.title,
            "legal_basis": a.legal_basis, "effective_date": a.effective_date.isoformat(),
            "status": a.status, "status_label": a.get_status_display(),
            "submitted_at": a.submitted_at.isoformat(), "decide_due": a.decide_due.isoformat(),
            "decided_at": a.decided_at.isoformat() if a.decided_at else None,
            "decided_late": a.decided_late, "decision_note": a.decision_note,
            "item": a.item.code if a.item else None}


@router.post("/admission/applications", response={201: J, **ERRORS}, summary="部门申请新增事项")
def application_submit(request: HttpRequest, body: ApplicationIn) -> tuple[int, J]:
    a = adm.admission_application_submit(
        user_of(request), list_kind=body.list, title=body.title, legal_basis=body.legal_basis,
        effective_date=body.effective_date, reason=body.reason, funding=body.funding)
    return 201, application_out(a)


@router.get("/admission/applications", response={200: list[J], **ERRORS}, summary="准入申请")
def application_list(request: HttpRequest, status: str | None = None) -> list[J]:
    user = user_of(request)
    qs = AdmissionApplication.objects.select_related("department", "item")
    if not adm.is_admission_authority(user) and not is_district(user):
        if user.role != Role.DEPARTMENT or user.department_id is None:
            raise Forbidden("无权查看准入申请")
        qs = qs.filter(department_id=user.department_id)
    if status:
        qs = qs.filter(status=status)
    return [application_out(a) for a in qs[:500]]


@router.post("/admission/applications/{application_id}/review", response={200: J, **ERRORS},
             summary="开始审核")
def application_review(request: HttpRequest, application_id: int) -> J:
    return application_out(adm.admission_application_review(user_of(request),
                                                             application_id=application_id))


@router.post("/admission/applications/{application_id}/decide", response={200: J, **ERRORS},
             summary="准入或驳回")
def application_decide(request: HttpRequest, application_id: int, body: DecideIn) -> J:
    return application_out(adm.admission_application_decide(
        user_of(request), application_id=application_id, approved=body.approved,
        note=body.note, code=body.code))


@router.post("/admission/items/{code}/withdraw", response={200: J, **ERRORS}, summary="事项退出")
def item_withdraw(request: HttpRequest, code: str, body: ReasonIn) -> J:
    return item_out(adm.admission_item_withdraw(user_of(request), code=code, reason=body.reason))


class PushIn(Schema):
    community: str
    kind: str
    title: str
    item_code: str | None = None


def push_out(p: TaskPush) -> J:
    return {"id": p.pk, "department": p.department.code, "community": p.community.code,
            "kind": p.kind, "kind_label": p.get_kind_display(), "title": p.title,
            "item_code": p.item_code or None, "outcome": p.outcome, "reason": p.reason,
            "at": p.at.isoformat()}


@router.post("/admission/pushes", response={201: J, **ERRORS}, summary="向村（社区）下派任务（准入核验）",
             description="清单内的任务返回 201；清单外或属于不应出具证明的，"
                         "记录为拒绝并返回 422（code=push_refused）。")
def push_create(request: HttpRequest, body: PushIn) -> Any:
    push = adm.community_task_push(user_of(request), community=body.community, kind=body.kind,
                                   title=body.title, item_code=body.item_code)
    if push.outcome == PushOutcome.REFUSED:
        return error_response(422, "push_refused", push.reason, push_out(push))
    return 201, push_out(push)


@router.get("/admission/pushes", response={200: list[J], **ERRORS}, summary="下派任务记录")
def push_list(request: HttpRequest, month: str | None = None, department: str | None = None,
              outcome: str | None = None) -> list[J]:
    user = user_of(request)
    qs = TaskPush.objects.select_related("department", "community")
    if not adm.can_see_all_pushes(user):
        if user.role == Role.DEPARTMENT and user.department_id is not None:
            qs = qs.filter(department_id=user.department_id)
        elif user.role in (Role.STATION, Role.STREET) and user.division_id:
            qs = qs.filter(**({"community_id": user.division_id} if user.role == Role.STATION
                              else {"community__parent_id": user.division_id}))
        else:
            raise Forbidden("无权查看下派任务记录")
    if month:
        qs = qs.filter(month=month)
    if department:
        qs = qs.filter(department__code=department)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return [push_out(p) for p in qs[:1000]]


@router.get("/admission/stats", response={200: list[J], **ERRORS}, summary="减负统计：准予/拒绝下派")
def push_stats(request: HttpRequest, month: str | None = None,
               department: str | None = None) -> list[J]:
    user = user_of(request)
    if user.role == Role.DEPARTMENT and user.department:
        department = user.department.code
    elif user.role in (Role.RESIDENT, Role.GRID_WORKER, Role.GRID_POLICE, Role.UNIT_LEADER):
        raise Forbidden("无权查看减负统计")
    dept = department_by_code(department) if department else None
    return sel.push_stats(month=month, department=dept)


# -- meetings -------------------------------------------------------------------------------

class MeetingIn(Schema):
    kind: str
    title: str
    scheduled_at: datetime
    street: str | None = None
    place: str = ""
    departments: list[str] = []
    communities: list[str] = []
    cases: list[str] = []


class AgendaIn(Schema):
    case: str


class AttendanceIn(Schema):
    present: list[str]
    excused: list[str] = []
    summary: str = ""


class DecisionIn(Schema):
    case: str
    task: str
    deadline: datetime
    action: str = "whistle"
    department: str | None = None
    co_departments: list[str] = []


def meeting_out(m: Meeting, full: bool = False) -> J:
    out: J = {"id": m.pk, "kind": m.kind, "kind_label": m.get_kind_display(), "title": m.title,
              "street": m.street.code if m.street else None, "convener": m.convener.username,
              "scheduled_at": m.scheduled_at.isoformat(), "place": m.place, "status": m.status}
    if full:
        out["members"] = [{"department": x.department.code if x.department else None,
                           "community": x.community.code if x.community else None,
                           "attendance": x.attendance}
                          for x in m.members.select_related("department", "community")]
        out["agenda"] = [{
            "case": a.case.number, "status": a.case.status, "source": a.source,
            "decisions": [{"id": d.pk, "action": d.action, "task": d.task,
                           "department": d.department.code if d.department else None,
                           "deadline": d.deadline.isoformat(), "event": d.event_id}
                          for d in a.decisions.all()]}
            for a in m.agenda.select_related("case").prefetch_related("decisions__department")]
    return out


@router.post("/meetings", response={201: J, **ERRORS}, summary="安排联席会议/调度会")
def meeting_create(request: HttpRequest, body: MeetingIn) -> tuple[int, J]:
    m = mt.meeting_schedule(user_of(request), kind=body.kind, title=body.title,
                            scheduled_at=body.scheduled_at, street=body.street, place=body.place,
                            departments=body.departments, communities=body.communities,
                            cases=body.cases)
    return 201, meeting_out(m, full=True)


@router.get("/meetings", response={200: list[J], **ERRORS}, summary="会议列表")
def meeting_list(request: HttpRequest, kind: str | None = None) -> list[J]:
    qs = mt.meeting_list_for(user_of(request))
    if kind:
        qs = qs.filter(kind=kind)
    return [meeting_out(m) for m in qs[:500]]


@router.get("/meetings/absences", response={200: list[J], **ERRORS}, summary="部门缺席统计")
def meeting_absence_list(request: HttpRequest, month: str) -> list[J]:
    user = user_of(request)
    rows = sel.meeting_absences_by_department(month)
    if user.role == Role.DEPARTMENT and user.department:
        return [r for r in rows if r["department"] == user.department.code]
    if not (is_district(user) or user.role in (Role.STREET, Role.STATION)):
        raise Forbidden("无权查看缺席统计")
    return rows


@router.get("/meetings/{meeting_id}", response={200: J, **ERRORS}, summary="会议详情")
def meeting_detail(request: HttpRequest, meeting_id: int) -> J:
    return meeting_out(mt.meeting_get_for(user_of(request), meeting_id), full=True)


@router.post("/meetings/{meeting_id}/agenda", response={201: J, **ERRORS}, summary="增加议题")
def meeting_agenda(request: HttpRequest, meeting_id: int, body: AgendaIn) -> tuple[int, J]:
    item = mt.meeting_agenda_add(user_of(request), meeting_id=meeting_id, case_number=body.case)
    return 201, {"case": item.case.number, "source": item.source, "position": item.position}


@router.post("/meetings/{meeting_id}/attendance", response={200: J, **ERRORS}, summary="登记出席")
def meeting_attendance(request: HttpRequest, meeting_id: int, body: AttendanceIn) -> J:
    m = mt.meeting_attendance_record(user_of(request), meeting_id=meeting_id,
                                     present=body.present, excused=body.excused,
                                     summary=body.summary)
    return meeting_out(m, full=True)


@router.post("/meetings/{meeting_id}/decisions", response={201: J, **ERRORS},
             summary="会议决定（四清单），并在案件上执行")
def meeting_decision(request: HttpRequest, meeting_id: int, body: DecisionIn) -> tuple[int, J]:
    d = mt.meeting_decide(user_of(request), meeting_id=meeting_id, case_number=body.case,
                          task=body.task, deadline=body.deadline, action=body.action,
                          department=body.department, co_departments=body.co_departments)
    return 201, {"id": d.pk, "case": body.case, "action": d.action, "task": d.task,
                 "department": d.department.code if d.department else None,
                 "deadline": d.deadline.isoformat(), "event": d.event_id}


@router.get("/meetings/{meeting_id}/minutes", summary="导出会议纪要（Markdown）",
            response={200: str, **ERRORS})
def meeting_minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    text = mt.meeting_minutes(mt.meeting_get_for(user_of(request), meeting_id))
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting_id}.md"'
    return response


# -- petitions ------------------------------------------------------------------------------

class PetitionIn(Schema):
    street: str
    channel: str
    petitioner_name: str
    subject: str
    content: str
    petitioner_phone: str = ""
    petitioner_address: str = ""
    community: str | None = None


class PetitionActionIn(Schema):
    accepted: bool | None = None
    approved: bool | None = None
    note: str = ""
    reason: str = ""
    result: str = ""
    satisfaction: str = ""
    department: str | None = None
    meeting: int | None = None


@router.post("/petitions", response={201: J, **ERRORS}, summary="登记信访件")
def petition_create(request: HttpRequest, body: PetitionIn) -> tuple[int, J]:
    user = user_of(request)
    return 201, pt.petition_out(user, pt.petition_register(user, **body.dict()))


@router.get("/petitions", response={200: list[J], **ERRORS}, summary="信访件（身份信息按权限脱敏）")
def petition_list(request: HttpRequest, status: str | None = None) -> list[J]:
    user = user_of(request)
    qs = pt.petition_list_for(user)
    if status:
        qs = qs.filter(status=status)
    return [pt.petition_out(user, p) for p in qs[:500]]


@router.get("/petitions/export.csv", summary="导出信访件（CSV，按权限脱敏）",
            response={200: str, **ERRORS})
def petition_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(pt.petitions_export_csv(user_of(request)),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="petitions.csv"'
    return response


@router.get("/petitions/{number}", response={200: J, **ERRORS}, summary="信访件详情")
def petition_detail(request: HttpRequest, number: str) -> J:
    user = user_of(request)
    return pt.petition_out(user, pt.petition_get_for(user, number))


def _need(value: Any, name: str) -> Any:
    if value is None:
        raise InvalidInput(f"请提供 {name}", code="missing_field", details={"field": name})
    return value


@router.post("/petitions/{number}/actions/{action}", response={200: J, **ERRORS},
             summary="办理信访件",
             description="action：accept（accepted, note）、assign（department, meeting）、"
                         "request_extension（reason）、decide_extension（approved）、conclude（result）、"
                         "rate（satisfaction）、request_review（reason）")
def petition_action(request: HttpRequest, number: str, action: str,
                    body: PetitionActionIn) -> J:
    user = user_of(request)
    if action == "accept":
        p = pt.petition_accept(user, number=number, accepted=_need(body.accepted, "accepted"),
                               note=body.note)
    elif action == "assign":
        p = pt.petition_assign(user, number=number, department=body.department,
                               meeting_id=body.meeting)
    elif action == "request_extension":
        p = pt.petition_extension_request(user, number=number, reason=body.reason)
    elif action == "decide_extension":
        p = pt.petition_extension_decide(user, number=number,
                                         approved=_need(body.approved, "approved"))
    elif action == "conclude":
        p = pt.petition_conclude(user, number=number, result=body.result)
    elif action == "rate":
        p = pt.petition_rate(user, number=number, satisfaction=body.satisfaction)
    elif action == "request_review":
        p = pt.petition_review_request(user, number=number, reason=body.reason)
    else:
        raise NotFound(f"未知的信访办理动作“{action}”", code="unknown_action")
    return pt.petition_out(user, p)


# -- dual points rankings (writes are in routes_governance_registers) -----------------------

@router.get("/party/rankings", response={200: list[J], **ERRORS}, summary="双积分排名（党员）")
def party_ranking(request: HttpRequest, place: str = Place.COMMUNITY,
                  department: str | None = None, community: str | None = None,
                  month: str | None = None) -> list[J]:
    if place not in Place.values:
        raise InvalidInput("place 应为 unit 或 community", code="bad_place")
    return sel.party_ranking(place=place, department=department, community=community,
                             month=month)


@router.get("/party/rankings/groups", response={200: list[J], **ERRORS},
            summary="双积分排名（单位/社区）")
def party_group_ranking(request: HttpRequest, place: str = Place.UNIT,
                        month: str | None = None) -> list[J]:
    if place not in Place.values:
        raise InvalidInput("place 应为 unit 或 community", code="bad_place")
    return sel.party_group_ranking(place=place, month=month)
