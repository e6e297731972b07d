"""Petitions (信访): registration, acceptance, handling via the joint meeting, result, review.

Statutory limits are configurable defaults (`governance.conf`): decide on acceptance
within 15 days, conclude within 60, extendable once by 30 with approval; a review (复查)
may be requested within 30 days of the result. Petitioners' identities are shown only to
petition staff of the petition's street (or the district) and to the convener of the
petition joint meeting handling it; `petition_out` masks them for everyone else.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import TimeKind, deadline
from shaobao.cases.models import CaseNumberCounter
from shaobao.cases.selectors import mask_name, mask_phone
from shaobao.core.errors import Forbidden, InvalidInput, NotAllowedInState, NotFound
from shaobao.geo.models import DivisionLevel
from shaobao.governance.common import LOCAL, department_by_code, division_by_code, is_district
from shaobao.governance.conf import governance_rule
from shaobao.governance.models import (
    MeetingKind,
    Petition,
    PetitionChannel,
    PetitionEvent,
    PetitionStaff,
    PetitionStatus,
    Satisfaction,
)
from shaobao.governance.services.meetings import meeting_get_for
from shaobao.org.models import Role, User

S = PetitionStatus


def _limit(start: datetime, key: str) -> datetime:
    return deadline(start, governance_rule(key), TimeKind(governance_rule("PETITION_TIME_KIND")),
                    work_calendar())


def petition_staff_streets(actor: User) -> tuple[bool, set[int]]:
    """(district-wide, street ids) for which the actor is petition staff."""
    rows = list(PetitionStaff.objects.filter(user_id=actor.pk, active=True)
                .values_list("street_id", flat=True))
    return (None in rows), {r for r in rows if r is not None}


def is_petition_staff(actor: User, street_id: int | None = None) -> bool:
    district, streets = petition_staff_streets(actor)
    return district or (street_id in streets if street_id is not None else bool(streets))


def petition_list_for(actor: User) -> QuerySet[Petition]:
    """Petitions the actor may see at all (identities are a separate question)."""
    qs = Petition.objects.select_related("street", "community", "department", "meeting")
    district, streets = petition_staff_streets(actor)
    if district or is_district(actor):
        return qs
    scope = Q(street_id__in=streets) | Q(meeting__convener_id=actor.pk)
    if actor.role == Role.STREET and actor.division_id:
        scope |= Q(street_id=actor.division_id)
    if actor.role == Role.STATION and actor.division_id:
        scope |= Q(community_id=actor.division_id)
    if actor.role == Role.DEPARTMENT and actor.department_id:
        scope |= Q(department_id=actor.department_id)
    return qs.filter(scope)


def petition_get_for(actor: User, number: str) -> Petition:
    petition = petition_list_for(actor).filter(number=number).first()
    if petition is None:
        raise NotFound(f"信访件 {number} 不存在或您无权查看", code="petition_not_found")
    return petition


def sees_identity(actor: User, petition: Petition) -> bool:
    if is_petition_staff(actor, petition.street_id):
        return True
    return petition.meeting is not None and petition.meeting.convener_id == actor.pk


def _iso(value: datetime) -> str:
    return value.astimezone(LOCAL).isoformat()


def petition_out(actor: User, p: Petition) -> dict[str, Any]:
    """A petition as the actor may see it: identity fields masked unless entitled."""
    full = sees_identity(actor, p)
    return {
        "number": p.number, "status": p.status, "status_label": p.get_status_display(),
        "channel": p.channel, "street": p.street.code,
        "community": p.community.code if p.community else None,
        "petitioner_name": p.petitioner_name if full else mask_name(p.petitioner_name),
        "petitioner_phone": p.petitioner_phone if full else mask_phone(p.petitioner_phone),
        "petitioner_address": p.petitioner_address if full else "",
        "identity_visible": full, "subject": p.subject, "content": p.content,
        "registered_at": _iso(p.registered_at), "accept_due": _iso(p.accept_due),
        "accepted_at": _iso(p.accepted_at) if p.accepted_at else None,
        "conclude_due": _iso(p.conclude_due) if p.conclude_due else None,
        "extended": p.extended, "extension_requested": p.extension_requested,
        "department": p.department.code if p.department else None,
        "meeting": p.meeting_id, "result": p.result,
        "concluded_at": _iso(p.concluded_at) if p.concluded_at else None,
        "concluded_late": p.concluded_late, "satisfaction": p.satisfaction or None,
        "review_reason": p.review_reason, "review_result": p.review_result,
    }


def petitions_export_csv(actor: User) -> str:
    """CSV of the petitions the actor may see, with the same masking as the API."""
    out = io.StringIO()
    fields = ["number", "status_label", "channel", "street", "community", "petitioner_name",
              "petitioner_phone", "subject", "registered_at", "conclude_due", "department",
              "result", "satisfaction"]
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for p in petition_list_for(actor).order_by("registered_at")[:10000]:
        writer.writerow(petition_out(actor, p))
    return out.getvalue()


def _number_next(at: datetime) -> str:
    day = at.astimezone(LOCAL).date()
    counter = CaseNumberCounter.objects.filter(prefix="XF", day=day)
    if not counter.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(prefix="XF", day=day, last=1)
        except IntegrityError:
            counter.update(last=F("last") + 1)
    return f"XF{day:%Y%m%d}{counter.values_list('last', flat=True).get():04d}"


def _log(p: Petition, actor: User, action: str, at: datetime, **payload: Any) -> None:
    PetitionEvent.objects.create(petition=p, action=action, actor=actor, at=at, payload=payload)


def petition_register(actor: User, *, street: str, channel: str, petitioner_name: str,
                      subject: str, content: str, petitioner_phone: str = "",
                      petitioner_address: str = "", community: str | None = None,
                      now: datetime | None = None) -> Petition:
    """Petition staff register a visit, letter, call or online petition."""
    where = division_by_code(street, DivisionLevel.STREET)
    if not is_petition_staff(actor, where.pk):
        raise Forbidden("只有本乡镇（街道）的信访工作人员可以登记信访件")
    if channel not in PetitionChannel.values:
        raise InvalidInput(f"未知的信访渠道“{channel}”，可选：{'、'.join(PetitionChannel.values)}",
                           code="bad_channel")
    if not (petitioner_name.strip() and subject.strip() and content.strip()):
        raise InvalidInput("请填写信访人、事由和诉求内容", code="missing_field")
    comm = division_by_code(community, DivisionLevel.COMMUNITY) if community else None
    if comm is not None and comm.parent_id != where.pk:
        raise InvalidInput("村（社区）不属于该乡镇（街道）", code="bad_community")
    at = now or timezone.now()
    with transaction.atomic():
        p = Petition.objects.create(
            number=_number_next(at), street=where, community=comm, channel=channel,
            petitioner_name=petitioner_name.strip()[:50],
            petitioner_phone=petitioner_phone.strip()[:20],
            petitioner_address=petitioner_address.strip()[:200], subject=subject.strip()[:200],
            content=content.strip(), registered_by=actor, registered_at=at,
            accept_due=_limit(at, "PETITION_ACCEPT_DAYS"))
        _log(p, actor, "register", at, channel=channel)
    return p


def _act(actor: User, number: str, allowed: set[str], who: Callable[[Petition], bool],
         forbidden: str, step: Callable[[Petition, datetime], dict[str, Any]], action: str,
         now: datetime | None) -> Petition:
    petition = petition_get_for(actor, number)
    if not who(petition):
        raise Forbidden(forbidden)
    at = now or timezone.now()
    with transaction.atomic():
        p = Petition.objects.select_for_update(of=("self",)).select_related(
            "meeting", "street").get(pk=petition.pk)
        if p.status not in allowed:
            raise NotAllowedInState(f"信访件当前为“{p.get_status_display()}”，不能办理该事项",
                                    details={"status": p.status})
        payload = step(p, at)
        p.version += 1
        p.save()
        _log(p, actor, action, at, **payload)
    return p


def _staff(actor: User) -> Callable[[Petition], bool]:
    return lambda p: is_petition_staff(actor, p.street_id)


def petition_accept(actor: User, *, number: str, accepted: bool, note: str = "",
                    now: datetime | None = None) -> Petition:
    """Decide whether to accept (受理) within the limit; not accepting needs a reason."""
    if not accepted and not note.strip():
        raise InvalidInput("不予受理须说明理由", code="missing_field", details={"field": "note"})

    def step(p: Petition, at: datetime) -> dict[str, Any]:
        p.accepted_at, p.accept_note = at, note
        p.status = S.ACCEPTED if accepted else S.NOT_ACCEPTED
        if accepted:
            p.conclude_due = _limit(at, "PETITION_CONCLUDE_DAYS")
        return {"accepted": accepted, "late": at > p.accept_due, "note": note}

    return _act(actor, number, {S.REGISTERED}, _staff(actor), "只有信访工作人员可以决定是否受理",
                step, "accept", now)


def petition_assign(actor: User, *, number: str, department: str | None = None,
                    meeting_id: int | None = None, now: datetime | None = None) -> Petition:
    """Assign a responsible department and/or the township petition joint meeting."""
    dept = department_by_code(department) if department else None
    meeting = meeting_get_for(actor, meeting_id) if meeting_id else None

    def step(p: Petition, at: datetime) -> dict[str, Any]:
        if meeting is not None:
            if meeting.kind != MeetingKind.PETITION_JOINT or meeting.street_id != p.street_id:
                raise InvalidInput("请选择本乡镇（街道）的信访工作联席会议", code="bad_meeting")
            p.meeting = meeting
        if dept is not None:
            p.department = dept
        return {"department": dept.code if dept else None, "meeting": meeting_id}

    return _act(actor, number, {S.ACCEPTED, S.REVIEWING}, _staff(actor),
                "只有信访工作人员可以交办信访件", step, "assign", now)


def _handler(actor: User) -> Callable[[Petition], bool]:
    return lambda p: is_petition_staff(actor, p.street_id) or (
        actor.role == Role.DEPARTMENT and p.department_id is not None
        and actor.department_id == p.department_id)


def petition_extension_request(actor: User, *, number: str, reason: str,
                               now: datetime | None = None) -> Petition:
    if not reason.strip():
        raise InvalidInput("请填写延期理由", code="missing_field", details={"field": "reason"})

    def step(p: Petition, at: datetime) -> dict[str, Any]:
        if p.extended or p.extension_requested:
            raise NotAllowedInState("办理期限只能延长一次，且已有申请或已延期")
        p.extension_requested = {"reason": reason[:500], "by": actor.username,
                                 "at": at.isoformat()}
        return {"reason": reason[:500]}

    return _act(actor, number, {S.ACCEPTED}, _handler(actor), "只有信访工作人员或责任单位可以申请延期",
                step, "request_extension", now)


def petition_extension_decide(actor: User, *, number: str, approved: bool,
                              now: datetime | None = None) -> Petition:
    """The street's leadership (or the meeting's convener, or the district) approves."""
    def may(p: Petition) -> bool:
        if is_petition_staff(actor, p.street_id):
            return False  # whoever handles the petition does not approve their own extension
        return is_district(actor) or (actor.role == Role.STREET and
                                      actor.division_id == p.street_id) or (
            p.meeting is not None and p.meeting.convener_id == actor.pk)

    def step(p: Petition, at: datetime) -> dict[str, Any]:
        if not p.extension_requested:
            raise NotAllowedInState("没有待审批的延期申请")
        if approved and p.conclude_due:
            p.conclude_due = _limit(p.conclude_due, "PETITION_EXTENSION_DAYS")
            p.extended = True
        p.extension_requested = None
        return {"approved": approved, "conclude_due": p.conclude_due.isoformat()
                if p.conclude_due else None}

    return _act(actor, number, {S.ACCEPTED}, may, "延期由乡镇（街道）领导或联席会议召集人审批",
                step, "decide_extension", now)


def petition_conclude(actor: User, *, number: str, result: str,
                      now: datetime | None = None) -> Petition:
    if not result.strip():
        raise InvalidInput("请填写办理结果", code="missing_field", details={"field": "result"})

    def step(p: Petition, at: datetime) -> dict[str, Any]:
        if p.status == S.REVIEWING:
            p.review_result, p.reviewed_at, p.status = result, at, S.REVIEWED
            return {"review_result": result}
        p.result, p.concluded_at, p.status = result, at, S.CONCLUDED
        p.concluded_late = p.conclude_due is not None and at > p.conclude_due
        return {"result": result, "late": p.concluded_late}

    def may(p: Petition) -> bool:
        if p.status == S.REVIEWING:  # 复查 is decided at district level
            return petition_staff_streets(actor)[0]
        return _handler(actor)(p)

    return _act(actor, number, {S.ACCEPTED, S.REVIEWING}, may,
                "办理结果由信访工作人员或责任单位出具；复查意见由区信访工作人员出具",
                step, "conclude", now)


def petition_rate(actor: User, *, number: str, satisfaction: str,
                  now: datetime | None = None) -> Petition:
    """Staff record the petitioner's satisfaction (回访)."""
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(f"满意度应为：{'、'.join(Satisfaction.values)}", code="bad_rating")

    def step(p: Petition, at: datetime) -> dict[str, Any]:
        p.satisfaction = satisfaction
        return {"satisfaction": satisfaction}

    return _act(actor, number, {S.CONCLUDED, S.REVIEWED}, _staff(actor),
                "满意度由信访工作人员回访登记", step, "rate", now)


def petition_review_request(actor: User, *, number: str, reason: str,
                            now: datetime | None = None) -> Petition:
    """The petitioner, dissatisfied, asks for a review (复查) within the limit."""
    if not reason.strip():
        raise InvalidInput("请填写复查请求理由", code="missing_field", details={"field": "reason"})

    def step(p: Petition, at: datetime) -> dict[str, Any]:
        if p.concluded_at and at > _limit(p.concluded_at, "PETITION_REVIEW_REQUEST_DAYS"):
            days = governance_rule("PETITION_REVIEW_REQUEST_DAYS")
            raise NotAllowedInState(f"复查请求应在收到办理意见后 {days} 日内提出")
        p.review_reason, p.review_requested_at, p.status = reason, at, S.REVIEWING
        return {"reason": reason}

    return _act(actor, number, {S.CONCLUDED}, _staff(actor), "复查请求由信访工作人员登记",
                step, "request_review", now)
