"""Cases, their append-only event history, attachments, tasks and supervision notices."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class Status(models.TextChoices):
    SUBMITTED = "submitted", "待受理"
    ACCEPTED = "accepted", "已受理"
    STATION = "station", "站内办理"
    WHISTLED = "whistled", "已吹哨"
    IN_PROGRESS = "in_progress", "处置中"
    SUSPENDED = "suspended", "挂账"
    HANDLED = "handled", "待核查"
    CLOSED = "closed", "已结案"
    ESCALATED = "escalated", "会商中"
    REJECTED = "rejected", "不予受理"
    MERGED = "merged", "已合并"


TERMINAL = frozenset({Status.REJECTED, Status.MERGED})
OPEN_STATUSES = frozenset(set(Status) - TERMINAL - {Status.CLOSED})


class Channel(models.TextChoices):
    RESIDENT = "resident", "群众上报"
    GRID_WORKER = "grid_worker", "网格员巡查"
    UNIT_LEADER = "unit_leader", "单元长代报"
    HOTLINE = "hotline", "热线"
    STATION = "station", "工作站登记"
    API = "api", "接口"
    OPEN311 = "open311", "Open311"
    IMPORT = "import", "历史导入"


class Rating(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Case(models.Model):
    """A reported problem followed from intake to closure and rating."""

    number = models.CharField("案件编号", max_length=24, unique=True)
    # Not indexed: one district per installation, and analytics reads its own tables.
    district_code = models.CharField("区县代码", max_length=6)
    status = models.CharField("状态", max_length=16, choices=Status.choices,
                              default=Status.SUBMITTED)
    version = models.PositiveIntegerField("版本", default=1)
    channel = models.CharField("来源", max_length=16, choices=Channel.choices)
    # Indexed with created_at in Meta (the duplicate hints' range), which serves
    # lookups by item alone too.
    item = models.ForeignKey("catalogue.Item", null=True, blank=True, on_delete=models.PROTECT,
                             db_index=False, verbose_name="清单事项")
    description = models.TextField("问题描述")
    address = models.CharField("地址", max_length=200, blank=True)
    lat = models.FloatField("纬度(WGS-84)", null=True, blank=True)
    lng = models.FloatField("经度(WGS-84)", null=True, blank=True)
    grid = models.ForeignKey("geo.Grid", null=True, blank=True, on_delete=models.PROTECT)
    # community, street and lead_department are indexed by the (column, status) indexes
    # of Meta, which serve lookups on the column alone too; a second index on each only
    # cost every insert and status change.
    community = models.ForeignKey("geo.Division", null=True, blank=True, db_index=False,
                                  on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("geo.Division", null=True, blank=True, on_delete=models.PROTECT,
                               db_index=False, related_name="+")
    # Indexed only where set (`case_reporter` below): hotline, import and anonymous
    # cases have no account, and every lookup is by one reporter.
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="reported_cases",
                                 db_index=False)
    reporter_name = models.CharField("报告人", max_length=50, blank=True)
    reporter_phone = models.CharField("报告人电话", max_length=20, blank=True)
    anonymous = models.BooleanField("对外匿名", default=False)
    lead_department = models.ForeignKey("org.Department", null=True, blank=True, db_index=False,
                                        on_delete=models.PROTECT, related_name="lead_cases")
    co_departments = models.ManyToManyField("org.Department", blank=True,
                                            related_name="co_cases")
    created_at = models.DateTimeField("上报时间", db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    whistled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    check_in_due = models.DateTimeField(null=True, blank=True)
    handle_due = models.DateTimeField(null=True, blank=True, db_index=True)
    handle_clock_start = models.DateTimeField(null=True, blank=True)
    feedback_due = models.DateTimeField(null=True, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    pending_request = models.JSONField("待审批申请", null=True, blank=True)
    rating = models.CharField("评价", max_length=24, choices=Rating.choices, blank=True)
    resolved_confirmed = models.BooleanField("群众确认解决", null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    # Not indexed: nothing looks cases up by their merge target, and cases are never deleted.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    db_index=False, related_name="merged_cases")
    escalation_level = models.CharField(max_length=16, blank=True)
    supervision_level = models.PositiveSmallIntegerField("督办等级", default=0)
    rework_count = models.PositiveSmallIntegerField("返工次数", default=0)
    # Not indexed by itself: every query for overdue cases reads the partial indexes
    # below (condition overdue = true), a whole-table boolean index only cost writes.
    overdue = models.BooleanField("已超期", default=False)

    class Meta:
        verbose_name = "案件"
        verbose_name_plural = "案件"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "handle_due"]),
                   # Duplicate hints at intake: same item within a time window.
                   models.Index(fields=["item", "created_at"], name="case_item_created"),
                   models.Index(fields=["community", "status"]),
                   models.Index(fields=["street", "status"]),
                   models.Index(fields=["lead_department", "status"]),
                   # The deadline sweep's range scans (cases/services/sweep.py). A case
                   # leaves the two "unmarked" indexes once marked overdue, so each
                   # minute's scan meets only the newly due. The status list keeps
                   # sweep.WATCHED's order: SQLite uses a partial index only when the
                   # query repeats its condition word for word.
                   models.Index(fields=["status", "handle_due"], name="case_unmarked_handle_due",
                                condition=models.Q(overdue=False, status__in=[
                                    Status.WHISTLED, Status.IN_PROGRESS, Status.STATION])),
                   models.Index(fields=["check_in_due"], name="case_unmarked_check_in_due",
                                condition=models.Q(overdue=False, status=Status.WHISTLED)),
                   models.Index(fields=["status", "handle_due", "check_in_due"],
                                name="case_marked_due", condition=models.Q(overdue=True)),
                   models.Index(fields=["check_in_due"], name="case_marked_check_in_due",
                                condition=models.Q(overdue=True, status=Status.WHISTLED)),
                   models.Index(fields=["supervision_level"], name="case_marked_level",
                                condition=models.Q(overdue=True)),
                   models.Index(fields=["reporter"], name="case_reporter",
                                condition=models.Q(reporter__isnull=False))]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One action on a case. Append-only: rows are never updated or deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    action = models.CharField("动作", max_length=24)
    # Indexed only where set (`event_actor` below): system and import events have none.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, db_index=False)
    role = models.CharField("角色", max_length=16)
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    # Not indexed: events are read per case (the case_id index) and sorted there.
    at = models.DateTimeField("时间")
    payload: models.JSONField[Any, Any] = models.JSONField(default=dict)
    public = models.BooleanField("对群众可见", default=True)

    class Meta:
        verbose_name = "案件事件"
        verbose_name_plural = "案件事件"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["actor"], name="event_actor",
                                condition=models.Q(actor__isnull=False))]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The history is evidence: refuse to rewrite it, whatever code path tries.
        if self.pk is not None:
            raise ValueError("case events are append-only")
        super().save(*args, **kwargs)


class Attachment(models.Model):
    """A photo attached to a case (at intake, as handling result or as verification)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL)
    stage = models.CharField("阶段", max_length=16, default="report")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"


class TaskKind(models.TextChoices):
    CHECK_TRUTH = "check_truth", "核实"
    ONSITE_CHECK = "onsite_check", "核查"


class TaskStatus(models.TextChoices):
    OPEN = "open", "待办"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已取消"


class Task(models.Model):
    """Work for the grid's worker beside the main line: 核实 before, 核查 after handling."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=16, choices=TaskKind.choices)
    grid_code = models.CharField(max_length=20, blank=True, db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="tasks")
    status = models.CharField(max_length=12, choices=TaskStatus.choices,
                              default=TaskStatus.OPEN)
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict)

    class Meta:
        verbose_name = "核实核查任务"
        verbose_name_plural = "核实核查任务"


class Supervision(models.Model):
    """A supervision notice (督办): yellow first, red when ignored."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervisions")
    level = models.PositiveSmallIntegerField("等级")  # 1 yellow, 2 red
    reason = models.CharField(max_length=200)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL)
    department = models.ForeignKey("org.Department", null=True, blank=True,
                                   on_delete=models.SET_NULL)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"


class Notification(models.Model):
    """A message for a user about a case, written in the same transaction as its event."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications")
    case = models.ForeignKey(Case, on_delete=models.CASCADE)
    event = models.ForeignKey(CaseEvent, null=True, on_delete=models.CASCADE)
    text = models.CharField(max_length=200)
    read = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        indexes = [models.Index(fields=["user", "read"])]


class CaseNumberCounter(models.Model):
    """Per-day sequence behind DG+date+sequence numbers; the row lock makes it race-free."""

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="counter_per_day")]


class IdempotencyRecord(models.Model):
    """Remembers an `Idempotency-Key` so a retried POST returns the first case."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=100)
    case = models.ForeignKey(Case, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key")]


class CaseFollow(models.Model):
    """A user following someone else's open case (关注) instead of reporting it again.

    Following grants no action and no private detail: a follower sees only the case's
    number, item, community, status, deadline lights and public events
    (`cases/selectors.py: case_followed_get`), and is notified of public events.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="case_follows")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField("关注时间")

    class Meta:
        verbose_name = "案件关注"
        verbose_name_plural = "案件关注"
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="follow_once")]
