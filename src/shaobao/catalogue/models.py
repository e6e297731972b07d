"""The whistle list (吹哨报到工作清单): categories and items with their time limits.

Versioned: every import that changes anything creates a new `CatalogueVersion` with
its own rows and makes it current. Cases point at the item row of the version that
was current when they were classified, so editing the list never rewrites history.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Priority(models.TextChoices):
    LOW = "low", "低"
    NORMAL = "normal", "一般"
    HIGH = "high", "高"
    URGENT = "urgent", "紧急"


class TimeKindChoice(models.TextChoices):
    EMERGENCY_HOURS = "emergency_hours", "紧急工作时"
    WORK_HOURS = "work_hours", "工作时"
    WORK_DAYS = "work_days", "工作日"
    CALENDAR_DAYS = "calendar_days", "自然日"


class CatalogueVersion(models.Model):
    """One published edition of the whistle list."""

    name = models.CharField("清单名称", max_length=100)
    label = models.CharField("版本", max_length=50)
    content_hash = models.CharField(max_length=64)
    is_current = models.BooleanField("现行", default=False)
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "清单版本"
        verbose_name_plural = "清单版本"
        ordering = ["-published_at"]
        constraints = [models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True),
                                               name="one_current_catalogue")]

    def __str__(self) -> str:
        return f"{self.name} {self.label}"


class Category(models.Model):
    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE,
                                related_name="categories")
    code = models.CharField("编码", max_length=16)
    name = models.CharField("名称", max_length=50)
    name_en = models.CharField("英文名", max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "清单类别"
        verbose_name_plural = "清单类别"
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "code"],
                                               name="category_code_per_version")]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """A whistle-list item: what the problem is, who leads, and how fast they must act."""

    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="items")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="items")
    code = models.CharField("编码", max_length=16)
    name = models.CharField("名称", max_length=100)
    name_en = models.CharField("英文名", max_length=120, blank=True)
    description = models.TextField("说明", blank=True)
    keywords = models.JSONField("关键词", default=list)
    lead_department = models.ForeignKey("org.Department", on_delete=models.PROTECT,
                                        related_name="lead_items", verbose_name="牵头部门")
    co_departments = models.ManyToManyField("org.Department", blank=True,
                                            related_name="co_items", verbose_name="配合部门")
    check_in_limit = models.FloatField("报到时限")
    check_in_kind = models.CharField("报到时限类型", max_length=16, choices=TimeKindChoice.choices)
    handle_limit = models.FloatField("办结时限")
    handle_kind = models.CharField("办结时限类型", max_length=16, choices=TimeKindChoice.choices)
    priority = models.CharField("优先级", max_length=8, choices=Priority.choices,
                                default=Priority.NORMAL)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "清单事项"
        verbose_name_plural = "清单事项"
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "code"],
                                               name="item_code_per_version")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
