"""Work-item admission (村/社区工作事项准入): the three lists, applications and task pushes."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AdmissionList(models.TextChoices):
    DUTY = "duty", "依法履职事项"
    ASSIST = "assist", "依法协助事项"
    NO_CERTIFICATE = "no_certificate", "不应出具证明事项"


class ItemStatus(models.TextChoices):
    ADMITTED = "admitted", "已准入"
    WITHDRAWN = "withdrawn", "已退出"


class AdmissionItem(models.Model):
    """One entry of an admission list; withdrawn entries stay for history (退出, not deleted)."""

    list_kind = models.CharField("清单", max_length=16, choices=AdmissionList.choices)
    code = models.CharField("编码", max_length=16, unique=True)
    title = models.CharField("事项名称", max_length=200)
    legal_basis = models.CharField("依据", max_length=300, blank=True)
    department = models.ForeignKey("org.Department", null=True, blank=True,
                                   on_delete=models.PROTECT, verbose_name="业务主管部门")
    note = models.CharField("办理指引", max_length=300, blank=True,
                            help_text="不应出具的证明：群众可以改向何处办理")
    keywords = models.CharField("关键词", max_length=200, blank=True, help_text="以逗号分隔")
    position = models.PositiveIntegerField("序号", default=0)
    status = models.CharField("状态", max_length=12, choices=ItemStatus.choices,
                              default=ItemStatus.ADMITTED)
    effective_from = models.DateField("生效日期", null=True, blank=True)
    withdrawn_at = models.DateTimeField("退出时间", null=True, blank=True)
    withdraw_reason = models.CharField("退出原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "准入清单事项"
        verbose_name_plural = "准入清单事项"
        ordering = ["list_kind", "position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "已申请"
    REVIEWING = "reviewing", "审核中"
    ADMITTED = "admitted", "已准入"
    REJECTED = "rejected", "已驳回"
    WITHDRAWN = "withdrawn", "已退出"


class AdmissionApplication(models.Model):
    """A department's application to add a work item for communities (申请 → 审核 → 准入/驳回)."""

    department = models.ForeignKey("org.Department", on_delete=models.PROTECT,
                                   related_name="admission_applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    list_kind = models.CharField("申请列入", max_length=16, choices=AdmissionList.choices)
    title = models.CharField("事项名称", max_length=200)
    legal_basis = models.CharField("依据", max_length=300)
    reason = models.TextField("申请理由", blank=True)
    funding = models.CharField("经费与保障", max_length=300, blank=True,
                               help_text="费随事转：随事项下沉的经费、人员安排")
    effective_date = models.DateField("拟生效日期")
    status = models.CharField(max_length=12, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.SUBMITTED)
    submitted_at = models.DateTimeField("申请时间")
    decide_due = models.DateTimeField("审核时限")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    review_started_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_late = models.BooleanField("超期审核", default=False)
    decision_note = models.TextField("审核意见", blank=True)
    item = models.OneToOneField(AdmissionItem, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="application")

    class Meta:
        verbose_name = "准入申请"
        verbose_name_plural = "准入申请"
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.department} 申请：{self.title}"


class PushKind(models.TextChoices):
    LEDGER = "ledger", "台账"
    CERTIFICATE = "certificate", "证明"
    INSPECTION = "inspection", "检查"
    RATING = "rating", "评比"
    CREATION = "creation", "创建任务"


class PushOutcome(models.TextChoices):
    ACCEPTED = "accepted", "准予派发"
    REFUSED = "refused", "拒绝派发"


class TaskPush(models.Model):
    """A task a department tried to push onto a community, with the admission check's verdict.

    Refused pushes are kept: they are the evidence of burden reduction (减负) in the statistics.
    """

    department = models.ForeignKey("org.Department", on_delete=models.PROTECT,
                                   related_name="task_pushes")
    pushed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    community = models.ForeignKey("geo.Division", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=12, choices=PushKind.choices)
    title = models.CharField("任务名称", max_length=200)
    item = models.ForeignKey(AdmissionItem, null=True, blank=True, on_delete=models.PROTECT)
    item_code = models.CharField("援引事项编码", max_length=16, blank=True)
    outcome = models.CharField("结果", max_length=12, choices=PushOutcome.choices)
    reason = models.CharField("说明", max_length=300)
    at = models.DateTimeField()
    month = models.CharField(max_length=7, db_index=True)

    class Meta:
        verbose_name = "下派任务记录"
        verbose_name_plural = "下派任务记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["department", "month"])]
