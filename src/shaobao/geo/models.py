"""Administrative divisions (district → street → community) and grids.

Divisions carry official statistical codes. Grids are re-cut over time (Daguan went
from 274 to 351 grids), so a grid is a versioned row: a re-cut closes the old row
(`valid_to`) and opens a new one, and cases keep pointing at the row that was valid
when they were reported. History is never rewritten.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class DivisionLevel(models.TextChoices):
    CITY = "city", "地市"
    DISTRICT = "district", "区县"
    STREET = "street", "乡镇街道"
    COMMUNITY = "community", "村社区"


class Division(models.Model):
    """A district, street/township or village/community with its official code."""

    code = models.CharField("统计用区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    level = models.CharField("层级", max_length=16, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    data_year = models.PositiveSmallIntegerField("代码年份", null=True, blank=True)
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_to = models.DateField("失效日期", null=True, blank=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "parent"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Grid(models.Model):
    """One version of a grid polygon (WGS-84 GeoJSON) inside a community."""

    code = models.CharField("网格编码", max_length=20)
    name = models.CharField("名称", max_length=100)
    community = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="grids", verbose_name="所属村社区"
    )
    geometry = models.JSONField("边界(GeoJSON, WGS-84)")
    area_km2 = models.FloatField("面积(平方公里)", default=0)
    valid_from = models.DateField("生效日期")
    valid_to = models.DateField("失效日期", null=True, blank=True)

    class Meta:
        verbose_name = "网格"
        verbose_name_plural = "网格"
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_to__isnull=True), name="grid_one_current_version"
            ),
            models.UniqueConstraint(fields=["code", "valid_from"], name="grid_code_valid_from"),
        ]
        indexes = [models.Index(fields=["community", "valid_to"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class GeoRevision(models.Model):
    """A counter bumped by every grid import, so each process knows to rebuild its index."""

    revision = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "网格版本号"
