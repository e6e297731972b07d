"""Registers and assessments: visit logs, party-building projects, ledgers, indicators."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LogKind(models.TextChoices):
    VISIT = "visit", "民情走访"
    DISPUTE = "dispute", "矛盾纠纷"
    HAZARD = "hazard", "治安隐患"


class LogStatus(models.TextChoices):
    OPEN = "open", "跟进中"
    RESOLVED = "resolved", "已化解/已消除"
    TO_CASE = "to_case", "已转案件"


class VisitLog(models.Model):
    """A grid worker's or grid police officer's visit log (民情日志), dispute or hazard."""

    kind = models.CharField(max_length=10, choices=LogKind.choices, default=LogKind.VISIT)
    grid_code = models.CharField("网格", max_length=20, db_index=True)
    community = models.ForeignKey("geo.Division", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    at = models.DateTimeField("走访时间")
    place = models.CharField("地点", max_length=200, blank=True)
    content = models.TextField("情况")
    status = models.CharField(max_length=10, choices=LogStatus.choices, default=LogStatus.OPEN)
    resolution = models.TextField("化解/整改情况", blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        verbose_name = "民情日志"
        verbose_name_plural = "民情日志"
        ordering = ["-at"]


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", "申报"
    APPROVED = "approved", "已立项"
    MIDTERM = "midterm", "中期评估"
    ACCEPTED = "accepted", "验收通过"
    FAILED = "failed", "验收未通过"


class PartyProject(models.Model):
    """A party-building project: 年初立项、年中评估、年终验收."""

    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("项目名称", max_length=200)
    community = models.ForeignKey("geo.Division", on_delete=models.PROTECT, related_name="+")
    goals = models.TextField("目标")
    status = models.CharField(max_length=10, choices=ProjectStatus.choices,
                              default=ProjectStatus.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    midterm_note = models.TextField("中期评估", blank=True)
    midterm_at = models.DateTimeField(null=True, blank=True)
    acceptance_note = models.TextField("验收意见", blank=True)
    score = models.PositiveSmallIntegerField("验收得分", null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "党建项目"
        verbose_name_plural = "党建项目"
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class Roster(models.Model):
    """An imported list of people (low-income, severely disabled, insured …) by id-number hash."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=50)
    street = models.ForeignKey("geo.Division", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    imported_at = models.DateTimeField()

    class Meta:
        verbose_name = "重点人群台账"
        verbose_name_plural = "重点人群台账"

    def __str__(self) -> str:
        return self.name


class RosterEntry(models.Model):
    """A person on a roster; only the SHA-256 of the id number is kept."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="entries")
    id_hash = models.CharField(max_length=64)
    label = models.CharField("姓名（脱敏）", max_length=50, blank=True)
    community_code = models.CharField(max_length=12, blank=True)

    class Meta:
        verbose_name = "台账人员"
        verbose_name_plural = "台账人员"
        constraints = [models.UniqueConstraint(fields=["roster", "id_hash"],
                                               name="roster_person_once")]


class GapStatus(models.TextChoices):
    OPEN = "open", "待跟进"
    FOLLOWED = "followed", "已宣传动员"
    CLOSED = "closed", "已纳入"


class CoverageGap(models.Model):
    """Someone on a target roster missing from the coverage roster (e.g. not insured)."""

    target = models.ForeignKey(RosterEntry, on_delete=models.CASCADE, related_name="gaps")
    coverage = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=GapStatus.choices, default=GapStatus.OPEN)
    note = models.TextField(blank=True)
    found_at = models.DateTimeField()
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "覆盖缺口"
        verbose_name_plural = "覆盖缺口"
        constraints = [models.UniqueConstraint(fields=["target", "coverage"],
                                               name="gap_once")]


class Indicator(models.Model):
    """An assessment indicator with a target and optional thresholds (bands)."""

    scheme = models.CharField("考核方案", max_length=100)
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField("指标", max_length=100)
    unit = models.CharField("单位", max_length=20, blank=True)
    target = models.FloatField("目标值", null=True, blank=True)
    higher_is_better = models.BooleanField(default=True)
    weight = models.FloatField("权重", default=1.0)
    bands = models.JSONField("分档阈值", default=list, blank=True,
                             help_text="如 [100000, 500000]：10万元、50万元两档")

    class Meta:
        verbose_name = "考核指标"
        verbose_name_plural = "考核指标"
        ordering = ["scheme", "code"]

    def __str__(self) -> str:
        return self.name


class IndicatorValue(models.Model):
    """The value of an indicator for one unit (a village, a zone, a department) and period."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    unit_code = models.CharField("考核对象编码", max_length=20)
    unit_name = models.CharField("考核对象", max_length=100)
    period = models.CharField("期间", max_length=10, help_text="2020、2020-Q4 或 2020-12")
    value = models.FloatField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "指标数值"
        verbose_name_plural = "指标数值"
        constraints = [models.UniqueConstraint(fields=["indicator", "unit_code", "period"],
                                               name="indicator_value_once")]
