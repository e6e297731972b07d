"""Joint and dispatch meetings: scheduling, agenda from escalated cases, attendance, decisions.

A decision on an agenda case is carried out through `case_transition` with the convener
as the actor, so the case's own history records the meeting (the event's note names it),
and the decision row keeps the four lists: problem, task, responsibility, deadline.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from shaobao.cases.models import OPEN_STATUSES, Case, CaseEvent, Status
from shaobao.cases.selectors import case_get_for
from shaobao.cases.services.transition import case_transition
from shaobao.core.errors import Forbidden, InvalidInput, NotAllowedInState, NotFound
from shaobao.geo.models import Division, DivisionLevel
from shaobao.governance.common import (
    LOCAL,
    department_by_code,
    division_by_code,
    is_district,
)
from shaobao.governance.models import (
    AgendaItem,
    AgendaSource,
    Attendance,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingMember,
    MeetingStatus,
)
from shaobao.org.models import Role, User

STREET_KINDS = frozenset({MeetingKind.STREET_JOINT, MeetingKind.PETITION_JOINT})
DECISION_ACTIONS = frozenset({"whistle", "comment", "supervise"})


def meeting_list_for(actor: User) -> QuerySet[Meeting]:
    """Meetings the actor may see: district roles all; others their street's or their own."""
    qs = Meeting.objects.select_related("street", "convener")
    if is_district(actor):
        return qs
    scope = Q(convener=actor)
    if actor.role == Role.STREET and actor.division_id:
        scope |= Q(street_id=actor.division_id)
    if actor.role == Role.DEPARTMENT and actor.department_id:
        scope |= Q(members__department_id=actor.department_id)
    if actor.role == Role.STATION and actor.division_id:
        scope |= Q(members__community_id=actor.division_id)
    return qs.filter(scope).distinct()


def meeting_get_for(actor: User, meeting_id: int) -> Meeting:
    meeting = meeting_list_for(actor).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("会议不存在或您无权查看", code="meeting_not_found")
    return meeting


def _street_for(actor: User, kind: MeetingKind, street: str | None) -> Division | None:
    if kind == MeetingKind.DISTRICT_JOINT:
        if not is_district(actor):
            raise Forbidden("区联席会议由区指挥中心或区领导召集")
        return None
    if actor.role == Role.STREET:
        if actor.division is None or (street and street != actor.division.code):
            raise Forbidden("乡镇（街道）只能召集本乡镇（街道）的会议")
        return actor.division
    if is_district(actor):
        if kind in STREET_KINDS and not street:
            raise InvalidInput("请指定召开会议的乡镇（街道）", code="missing_field",
                               details={"field": "street"})
        return division_by_code(street, DivisionLevel.STREET) if street else None
    raise Forbidden("只有乡镇（街道）或区指挥中心、区领导可以召集会议")


def escalated_cases_for(meeting: Meeting) -> QuerySet[Case]:
    """Escalated cases a meeting of this level should settle."""
    qs = Case.objects.filter(status=Status.ESCALATED)
    if meeting.street_id is None:
        return qs.filter(escalation_level="district")
    return qs.filter(street_id=meeting.street_id).exclude(escalation_level="district")


def meeting_schedule(actor: User, *, kind: str, title: str, scheduled_at: datetime,
                     street: str | None = None, place: str = "",
                     departments: Iterable[str] = (), communities: Iterable[str] = (),
                     cases: Iterable[str] = (), now: datetime | None = None) -> Meeting:
    """Schedule a meeting with its members; the agenda starts with the escalated cases."""
    try:
        meeting_kind = MeetingKind(kind)
    except ValueError as exc:
        raise InvalidInput(f"未知的会议类型“{kind}”，可选：{'、'.join(MeetingKind.values)}",
                           code="bad_kind") from exc
    if not title.strip():
        raise InvalidInput("请填写会议名称", code="missing_field", details={"field": "title"})
    if scheduled_at.tzinfo is None:
        raise InvalidInput("会议时间须带时区", code="bad_datetime")
    where = _street_for(actor, meeting_kind, street)
    depts = [department_by_code(c) for c in dict.fromkeys(departments)]
    comms = [division_by_code(c, DivisionLevel.COMMUNITY) for c in dict.fromkeys(communities)]
    if where is not None and any(c.parent_id != where.pk for c in comms):
        raise InvalidInput("参会村（社区）须属于召开会议的乡镇（街道）", code="bad_member")
    picked = [case_get_for(actor, number) for number in dict.fromkeys(cases)]
    with transaction.atomic():
        meeting = Meeting.objects.create(
            kind=meeting_kind, title=title.strip()[:200], street=where, convener=actor,
            scheduled_at=scheduled_at, place=place[:200], created_at=now or timezone.now())
        MeetingMember.objects.bulk_create(
            [MeetingMember(meeting=meeting, department=d) for d in depts]
            + [MeetingMember(meeting=meeting, community=c) for c in comms])
        auto = [] if meeting_kind == MeetingKind.PETITION_JOINT else list(
            escalated_cases_for(meeting).order_by("created_at"))
        seen: set[int] = set()
        rows: list[AgendaItem] = []
        for source, group in ((AgendaSource.ESCALATED, auto), (AgendaSource.PICKED, picked)):
            for case in group:
                if case.pk not in seen:
                    seen.add(case.pk)
                    rows.append(AgendaItem(meeting=meeting, case=case, source=source,
                                           position=len(rows) + 1))
        AgendaItem.objects.bulk_create(rows)
    return meeting


def _as_convener(actor: User, meeting_id: int) -> Meeting:
    meeting = meeting_get_for(actor, meeting_id)
    if meeting.convener_id != actor.id:
        raise Forbidden("只有会议召集人可以办理此事项")
    return meeting


def meeting_agenda_add(actor: User, *, meeting_id: int, case_number: str) -> AgendaItem:
    """The convener puts another case on the agenda."""
    meeting = _as_convener(actor, meeting_id)
    case = case_get_for(actor, case_number)
    if case.status not in OPEN_STATUSES:
        raise NotAllowedInState("已结案或已终止的案件不能列入议题")
    item, _ = AgendaItem.objects.get_or_create(
        meeting=meeting, case=case, defaults={"source": AgendaSource.PICKED,
                                              "position": meeting.agenda.count() + 1})
    return item


def meeting_attendance_record(actor: User, *, meeting_id: int, present: Iterable[str],
                              excused: Iterable[str] = (), summary: str = "") -> Meeting:
    """Record who came (by department or community code); every other member is absent.

    Recording attendance marks the meeting held; it may be recorded again to correct it.
    """
    meeting = _as_convener(actor, meeting_id)
    present_set, excused_set = set(present), set(excused)
    with transaction.atomic():
        members = list(meeting.members.select_related("department", "community"))
        known = {m.department.code if m.department else m.community.code  # type: ignore[union-attr]
                 for m in members}
        unknown = (present_set | excused_set) - known
        if unknown:
            raise InvalidInput(f"以下单位不是本次会议的参会单位：{'、'.join(sorted(unknown))}",
                               code="bad_member", details={"unknown": sorted(unknown)})
        for m in members:
            code = m.department.code if m.department else m.community.code  # type: ignore[union-attr]
            m.attendance = (Attendance.PRESENT if code in present_set else
                            Attendance.EXCUSED if code in excused_set else Attendance.ABSENT)
            m.save(update_fields=["attendance"])
        meeting.status = MeetingStatus.HELD
        if summary:
            meeting.summary = summary
        meeting.save(update_fields=["status", "summary"])
    return meeting


def meeting_decide(actor: User, *, meeting_id: int, case_number: str, task: str,
                   deadline: datetime, action: str = "whistle", department: str | None = None,
                   co_departments: Iterable[str] = (), now: datetime | None = None
                   ) -> MeetingDecision:
    """Decide on an agenda case and carry the decision out on the case, as the convener."""
    meeting = _as_convener(actor, meeting_id)
    item = meeting.agenda.select_related("case").filter(case__number=case_number).first()
    if item is None:
        raise InvalidInput(f"案件 {case_number} 不在本次会议议题中", code="not_on_agenda")
    if action not in DECISION_ACTIONS:
        raise InvalidInput(f"会议决定的执行动作应为：{'、'.join(sorted(DECISION_ACTIONS))}",
                           code="bad_action")
    if not task.strip():
        raise InvalidInput("请填写任务（四清单：任务）", code="missing_field", details={"field": "task"})
    if deadline.tzinfo is None:
        raise InvalidInput("时限须带时区", code="bad_datetime")
    at = now or timezone.now()
    if deadline <= at:
        raise InvalidInput("时限必须晚于现在", code="bad_deadline")
    dept = department_by_code(department) if department else None
    if action == "whistle" and dept is None:
        raise InvalidInput("交办部门时须指定责任单位", code="missing_field",
                           details={"field": "department"})
    note = (f"{meeting.get_kind_display()}“{meeting.title}”（会议 M{meeting.pk}）决定：{task.strip()}"
            f"；责任单位：{dept.name if dept else '召集单位'}"
            f"；时限：{deadline.astimezone(LOCAL):%Y-%m-%d %H:%M}")[:1000]
    payload: dict[str, object] = {"version": item.case.version, "note": note,
                                  "meeting": meeting.pk}
    if action == "whistle":
        payload.update(lead_department=dept.code if dept else None,
                       co_departments=list(co_departments))
    elif action == "comment":
        payload.update(text=note, public=False)
    else:
        payload.update(reason=note)
    with transaction.atomic():
        case = case_transition(actor, case_number, action, payload, now=at)
        event = CaseEvent.objects.filter(case=case).order_by("-id").first()
        return MeetingDecision.objects.create(
            agenda_item=item, action=action, task=task.strip(), department=dept,
            deadline=deadline, decided_by=actor, at=at, event=event)


def meeting_minutes(meeting: Meeting) -> str:
    """The minutes as Markdown: members and attendance, then the four lists per case."""
    local = meeting.scheduled_at.astimezone(LOCAL)
    lines = [f"# {meeting.title}", "",
             f"- 类型：{meeting.get_kind_display()}",
             f"- 召开单位：{meeting.street.name if meeting.street else '大观区'}",
             f"- 时间：{local:%Y年%m月%d日 %H:%M}",
             f"- 地点：{meeting.place or '—'}",
             f"- 召集人：{meeting.convener}",
             f"- 状态：{meeting.get_status_display()}", "", "## 参会单位", "",
             "| 单位 | 出席情况 |", "|---|---|"]
    for m in meeting.members.select_related("department", "community"):
        name = m.department.name if m.department else m.community.name  # type: ignore[union-attr]
        lines.append(f"| {name} | {m.get_attendance_display()} |")
    lines += ["", "## 议题与决定（四清单）", "",
              "| 序号 | 问题（案件） | 任务 | 责任单位 | 时限 |", "|---|---|---|---|---|"]
    for item in meeting.agenda.select_related("case").prefetch_related("decisions__department"):
        problem = f"{item.case.number} {item.case.description[:40]}".replace("|", "／")
        decisions = list(item.decisions.all())
        if not decisions:
            lines.append(f"| {item.position} | {problem} | （未作决定） | | |")
        for d in decisions:
            lines.append(f"| {item.position} | {problem} | {d.task.replace('|', '／')} | "
                         f"{d.department.name if d.department else '召集单位'} | "
                         f"{d.deadline.astimezone(LOCAL):%Y-%m-%d} |")
    if meeting.summary:
        lines += ["", "## 会议纪要", "", meeting.summary]
    return "\n".join(lines) + "\n"
