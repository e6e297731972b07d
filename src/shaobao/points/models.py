"""Department points: an append-only ledger, appeals and stations' evaluations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class PointsEntry(models.Model):
    """One award or deduction. Never edited: a correction is a compensating entry."""

    department = models.ForeignKey("org.Department", on_delete=models.PROTECT,
                                   related_name="points_entries")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT)
    event = models.ForeignKey("cases.CaseEvent", null=True, blank=True, on_delete=models.PROTECT)
    rule = models.CharField("规则", max_length=32)
    points = models.IntegerField("分值")
    reason = models.CharField("说明", max_length=200)
    month = models.CharField("月份", max_length=7, db_index=True)  # YYYY-MM, Beijing time
    at = models.DateTimeField()
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")

    class Meta:
        verbose_name = "积分记录"
        verbose_name_plural = "积分记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["department", "month"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("points entries are append-only")
        super().save(*args, **kwargs)


class AppealStatus(models.TextChoices):
    PENDING = "pending", "待裁定"
    UPHELD = "upheld", "申诉成立"
    DISMISSED = "dismissed", "申诉驳回"


class Appeal(models.Model):
    """A department's appeal (申诉) against a deduction, decided by the command center."""

    entry = models.ForeignKey(PointsEntry, on_delete=models.PROTECT, related_name="appeals")
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT)
    reason = models.TextField("申诉理由")
    status = models.CharField(max_length=12, choices=AppealStatus.choices,
                              default=AppealStatus.PENDING)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    filed_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = "积分申诉"
        verbose_name_plural = "积分申诉"


class StationEvaluation(models.Model):
    """A station's 1–5 score of the department that handled one of its cases (评价建议权)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT)
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT)
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "工作站评价"
        verbose_name_plural = "工作站评价"
        constraints = [models.UniqueConstraint(fields=["case", "department"],
                                               name="one_evaluation_per_case_department"),
                       models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5),
                                              name="score_1_to_5")]
