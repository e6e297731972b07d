"""Writes to the points ledger. Called inside the case service's transaction."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from shaobao.cases.models import Case, CaseEvent
from shaobao.core.errors import Forbidden, InvalidInput, NotAllowedInState, NotFound
from shaobao.org.models import Department, Role, User
from shaobao.points.models import Appeal, AppealStatus, PointsEntry, StationEvaluation
from shaobao.points.rules import LABELS, POINTS, Rule

LOCAL = ZoneInfo("Asia/Shanghai")


def _month(at: datetime) -> str:
    return at.astimezone(LOCAL).strftime("%Y-%m")


def points_award(department: Department, rule: Rule, *, case: Case, event: CaseEvent,
                 at: datetime) -> PointsEntry:
    return PointsEntry.objects.create(
        department=department, case=case, event=event, rule=rule, points=POINTS[rule],
        reason=f"{case.number} {LABELS[rule]}", month=_month(at), at=at)


def appeal_file(actor: User, *, entry_id: int, reason: str,
                now: datetime | None = None) -> Appeal:
    entry = PointsEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("积分记录不存在")
    if actor.role != Role.DEPARTMENT or actor.department_id != entry.department_id:
        raise Forbidden("只有被扣分的部门可以申诉")
    if entry.points >= 0:
        raise InvalidInput("只能对扣分记录申诉")
    if not reason.strip():
        raise InvalidInput("请填写申诉理由")
    if entry.appeals.filter(status=AppealStatus.PENDING).exists() or hasattr(
            entry, "reversed_by"):
        raise NotAllowedInState("该扣分已有待裁定的申诉或已冲正")
    return Appeal.objects.create(entry=entry, department_id=entry.department_id, reason=reason,
                                 filed_by=actor, filed_at=now or timezone.now())


def appeal_decide(actor: User, *, appeal_id: int, upheld: bool, note: str = "",
                  now: datetime | None = None) -> Appeal:
    """Decide an appeal; an upheld one reverses the deduction with a compensating entry."""
    if actor.role not in (Role.COMMAND, Role.ADMIN):
        raise Forbidden("申诉由指挥中心裁定")
    at = now or timezone.now()
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().filter(pk=appeal_id).first()
        if appeal is None:
            raise NotFound("申诉不存在")
        if appeal.status != AppealStatus.PENDING:
            raise NotAllowedInState("该申诉已裁定")
        appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.DISMISSED
        appeal.decided_by, appeal.decided_at, appeal.decision_note = actor, at, note
        appeal.save()
        if upheld:
            entry = appeal.entry
            PointsEntry.objects.create(
                department_id=entry.department_id, case_id=entry.case_id, rule=Rule.APPEAL_UPHELD,
                points=-entry.points, reason=f"冲正：{entry.reason}", month=_month(at), at=at,
                reverses=entry)
    return appeal


def station_evaluate(actor: User, *, case: Case, score: int, comment: str = "",
                     now: datetime | None = None) -> StationEvaluation:
    """The station scores the department that handled its case (评价建议权)."""
    if actor.role != Role.STATION or actor.division_id != case.community_id:
        raise Forbidden("只有案件所在村社区的红领工作站可以评价部门")
    if case.lead_department_id is None or case.whistled_at is None:
        raise NotAllowedInState("该案件未吹哨到部门，无需评价")
    if not 1 <= score <= 5:
        raise InvalidInput("评分应为 1～5 分")
    if StationEvaluation.objects.filter(case=case,
                                        department_id=case.lead_department_id).exists():
        raise NotAllowedInState("该案件已评价过该部门")
    return StationEvaluation.objects.create(case=case, department_id=case.lead_department_id,
                                            score=score, comment=comment, by=actor,
                                            at=now or timezone.now())
