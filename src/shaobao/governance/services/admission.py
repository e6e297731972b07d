"""Work-item admission: applications (申请 → 审核 → 准入/驳回 → 退出) and push supervision.

A department that wants communities to do something must have it on an admitted list.
`community_task_push` is the gate every push goes through; refused pushes are recorded
with their reason so the district can show how much burden was kept off communities.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import TimeKind, deadline
from shaobao.core.errors import Forbidden, InvalidInput, NotAllowedInState, NotFound
from shaobao.geo.models import DivisionLevel
from shaobao.governance.common import (
    LOCAL,
    department_by_code,
    division_by_code,
    is_district,
    month_of,
)
from shaobao.governance.conf import governance_rule
from shaobao.governance.models import (
    AdmissionApplication,
    AdmissionItem,
    AdmissionList,
    ApplicationStatus,
    ItemStatus,
    PushKind,
    PushOutcome,
    TaskPush,
)
from shaobao.governance.selectors import certificate_matches
from shaobao.org.models import Role, User

OPEN_APPLICATION = (ApplicationStatus.SUBMITTED, ApplicationStatus.REVIEWING)


def is_admission_authority(actor: User) -> bool:
    """The district's admission authority: command/admin, or the configured department."""
    if actor.is_superuser or actor.role in (Role.COMMAND, Role.ADMIN):
        return True
    return actor.role == Role.DEPARTMENT and actor.department is not None and \
        actor.department.code == governance_rule("ADMISSION_AUTHORITY_DEPARTMENT")


def earliest_effective_date(submitted_at: datetime) -> date:
    """The first day an item applied for at `submitted_at` may take effect."""
    ahead = governance_rule("ADMISSION_APPLY_AHEAD_WORK_DAYS")
    return deadline(submitted_at, ahead, TimeKind.WORK_DAYS, work_calendar()).astimezone(
        LOCAL).date()


def admission_application_submit(actor: User, *, list_kind: str, title: str, legal_basis: str,
                                 effective_date: date, reason: str = "", funding: str = "",
                                 now: datetime | None = None) -> AdmissionApplication:
    """A department applies to put a new work item on the duty or assistance list."""
    if actor.role != Role.DEPARTMENT or actor.department_id is None:
        raise Forbidden("只有职能部门可以申请新增村（社区）工作事项")
    if list_kind not in (AdmissionList.DUTY, AdmissionList.ASSIST):
        raise InvalidInput("只能申请列入依法履职事项（duty）或依法协助事项（assist）清单",
                           code="bad_list")
    if not title.strip() or not legal_basis.strip():
        raise InvalidInput("请填写事项名称和法律法规依据", code="missing_field")
    at = now or timezone.now()
    earliest = earliest_effective_date(at)
    if effective_date < earliest:
        ahead = governance_rule("ADMISSION_APPLY_AHEAD_WORK_DAYS")
        raise InvalidInput(
            f"新增事项应至少提前 {ahead} 个工作日申请：拟生效日期不得早于 {earliest.isoformat()}",
            code="too_late_to_apply", details={"earliest_effective_date": earliest.isoformat()})
    due = deadline(at, governance_rule("ADMISSION_DECIDE_WORK_DAYS"), TimeKind.WORK_DAYS,
                   work_calendar())
    return AdmissionApplication.objects.create(
        department_id=actor.department_id, applicant=actor, list_kind=list_kind,
        title=title.strip()[:200], legal_basis=legal_basis.strip()[:300], reason=reason,
        funding=funding[:300], effective_date=effective_date, submitted_at=at, decide_due=due)


def _application_for_update(application_id: int) -> AdmissionApplication:
    application = AdmissionApplication.objects.select_for_update().filter(
        pk=application_id).first()
    if application is None:
        raise NotFound("准入申请不存在", code="application_not_found")
    return application


def admission_application_review(actor: User, *, application_id: int,
                                 now: datetime | None = None) -> AdmissionApplication:
    """The authority takes the application up (审核)."""
    if not is_admission_authority(actor):
        raise Forbidden("准入申请由区社会工作部或指挥中心审核")
    with transaction.atomic():
        application = _application_for_update(application_id)
        if application.status != ApplicationStatus.SUBMITTED:
            raise NotAllowedInState(f"申请当前为“{application.get_status_display()}”，不能开始审核")
        application.status = ApplicationStatus.REVIEWING
        application.reviewer, application.review_started_at = actor, now or timezone.now()
        application.save()
    return application


def admission_application_decide(actor: User, *, application_id: int, approved: bool,
                                 note: str = "", code: str | None = None,
                                 now: datetime | None = None) -> AdmissionApplication:
    """准入 (admit: the item joins its list from the effective date) or 驳回 (reject)."""
    if not is_admission_authority(actor):
        raise Forbidden("准入申请由区社会工作部或指挥中心审核")
    if not approved and not note.strip():
        raise InvalidInput("驳回申请须说明理由", code="missing_field", details={"field": "note"})
    at = now or timezone.now()
    with transaction.atomic():
        application = _application_for_update(application_id)
        if application.status not in OPEN_APPLICATION:
            raise NotAllowedInState(f"申请已{application.get_status_display()}，不能再审核")
        application.reviewer = actor
        application.decided_at, application.decision_note = at, note
        application.decided_late = at > application.decide_due
        if approved:
            application.status = ApplicationStatus.ADMITTED
            application.item = AdmissionItem.objects.create(
                list_kind=application.list_kind, code=code or _next_code(application.list_kind),
                title=application.title, legal_basis=application.legal_basis,
                department_id=application.department_id,
                effective_from=application.effective_date,
                position=AdmissionItem.objects.filter(list_kind=application.list_kind).count() + 1)
        else:
            application.status = ApplicationStatus.REJECTED
        application.save()
    return application


def _next_code(list_kind: str) -> str:
    prefix = {AdmissionList.DUTY: "LZ", AdmissionList.ASSIST: "XZ"}[AdmissionList(list_kind)]
    n = AdmissionItem.objects.filter(code__startswith=prefix).count() + 1
    while AdmissionItem.objects.filter(code=f"{prefix}{n:02d}").exists():
        n += 1
    return f"{prefix}{n:02d}"


def admission_item_withdraw(actor: User, *, code: str, reason: str,
                            now: datetime | None = None) -> AdmissionItem:
    """退出: the item leaves its list; later pushes citing it are refused."""
    item = AdmissionItem.objects.filter(code=code).first()
    if item is None:
        raise NotFound(f"准入事项“{code}”不存在", code="item_not_found")
    own = actor.role == Role.DEPARTMENT and item.department_id is not None and \
        actor.department_id == item.department_id
    if not (is_admission_authority(actor) or own):
        raise Forbidden("只有业务主管部门或准入审核机关可以办理事项退出")
    if not reason.strip():
        raise InvalidInput("请填写退出原因", code="missing_field", details={"field": "reason"})
    with transaction.atomic():
        item = AdmissionItem.objects.select_for_update().get(pk=item.pk)
        if item.status == ItemStatus.WITHDRAWN:
            raise NotAllowedInState("该事项已退出清单")
        item.status, item.withdrawn_at = ItemStatus.WITHDRAWN, now or timezone.now()
        item.withdraw_reason = reason[:300]
        item.save()
        AdmissionApplication.objects.filter(item=item).update(status=ApplicationStatus.WITHDRAWN)
    return item


def parse_push_kind(kind: str) -> PushKind:
    for choice in PushKind:
        if kind in (choice.value, choice.label):
            return choice
    options = "、".join(f"{c.label}（{c.value}）" for c in PushKind)
    raise InvalidInput(f"未知的任务类型“{kind}”，可选：{options}", code="bad_kind")


def push_verdict(actor: User, kind: PushKind, title: str, item: AdmissionItem | None,
                 item_code: str | None, on: date) -> tuple[PushOutcome, str]:
    """The admission check for one push: (outcome, reason)."""
    if item is not None and item.list_kind == AdmissionList.NO_CERTIFICATE:
        return PushOutcome.REFUSED, (f"“{item.title}”属于不应由村（社区）出具的证明事项（{item.code}）"
                                     f"，{item.note or '请由主管部门自行核查'}")
    if kind == PushKind.CERTIFICATE:
        matches = certificate_matches(title)
        if matches:
            hit = matches[0]
            return PushOutcome.REFUSED, (f"“{title}”属于不应由村（社区）出具的证明事项"
                                         f"（{hit.code} {hit.title}），{hit.note or '请由主管部门自行核查'}")
    if not item_code:
        return PushOutcome.REFUSED, "该任务未列入村（社区）工作事项准入清单，未经准入不得下派"
    if item is None:
        return PushOutcome.REFUSED, f"准入清单中没有编码为“{item_code}”的事项"
    if item.status == ItemStatus.WITHDRAWN:
        return PushOutcome.REFUSED, f"事项“{item.code} {item.title}”已退出准入清单，不得再下派"
    if item.effective_from and item.effective_from > on:
        return PushOutcome.REFUSED, (f"事项“{item.code} {item.title}”自 "
                                     f"{item.effective_from.isoformat()} 起生效，此前不得下派")
    if item.department_id is not None and item.department_id != actor.department_id:
        return PushOutcome.REFUSED, (f"事项“{item.code} {item.title}”的业务主管部门为"
                                     f"{item.department}，本部门不能以该事项下派任务")
    return PushOutcome.ACCEPTED, f"符合准入清单：{item.get_list_kind_display()} {item.code} {item.title}"


def community_task_push(actor: User, *, community: str, kind: str, title: str,
                        item_code: str | None = None, now: datetime | None = None) -> TaskPush:
    """A department pushes a task onto a community; checked against the admitted lists.

    Always returns the recorded push; its `outcome` is `refused` with a `reason` when the
    task is outside the lists, and `accepted` when an admitted item covers it.
    """
    if actor.role != Role.DEPARTMENT or actor.department_id is None:
        raise Forbidden("只有职能部门向村（社区）下派任务时需要准入核验")
    push_kind = parse_push_kind(kind)
    if not title.strip():
        raise InvalidInput("请填写任务名称", code="missing_field", details={"field": "title"})
    place = division_by_code(community, DivisionLevel.COMMUNITY)
    at = now or timezone.now()
    item = AdmissionItem.objects.select_related("department").filter(
        code=item_code).first() if item_code else None
    outcome, reason = push_verdict(actor, push_kind, title, item, item_code,
                                   at.astimezone(LOCAL).date())
    return TaskPush.objects.create(
        department_id=actor.department_id, pushed_by=actor, community=place, kind=push_kind,
        title=title.strip()[:200], item=item, item_code=(item_code or "")[:16], outcome=outcome,
        reason=reason[:300], at=at, month=month_of(at))


def admission_items_import(data: dict[str, list[dict[str, str]]]) -> tuple[int, int]:
    """Load the three lists from parsed YAML; returns (created, updated). Idempotent."""
    created = updated = 0
    keys = {"duty": AdmissionList.DUTY, "assist": AdmissionList.ASSIST,
            "no_certificate": AdmissionList.NO_CERTIFICATE}
    with transaction.atomic():
        for key, list_kind in keys.items():
            for position, row in enumerate(data.get(key) or [], start=1):
                dept = department_by_code(row["department"]) if row.get("department") else None
                _, was_created = AdmissionItem.objects.update_or_create(
                    code=row["code"], defaults={
                        "list_kind": list_kind, "title": row["title"],
                        "legal_basis": row.get("basis", ""), "department": dept,
                        "note": row.get("note", ""), "keywords": row.get("keywords", ""),
                        "position": position})
                created += was_created
                updated += not was_created
    return created, updated


def can_see_all_pushes(actor: User) -> bool:
    return is_district(actor) or is_admission_authority(actor)
