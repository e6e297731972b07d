"""Analytics: one row of 0/1 facts per case, and rollups of them by day and by month.

Every SPEC §5 rate is a ratio of sums, so rollups keyed by (period, district, street,
community, item, lead department) answer any period and scope without touching cases.
Dimension columns are plain integers (0 = none) rather than foreign keys: the unique
rollup key then works on both databases (NULLs never collide) and bulk loads skip
constraint checks. `FLAGS` lists the summed columns in one place for every module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

FLAGS: tuple[str, ...] = (
    "submitted", "accepted", "rejected", "merged", "due_to_close", "whistled", "checked_in",
    "checked_in_on_time", "closed", "closed_on_time", "overdue_open", "reworked", "rated",
    "satisfied", "basically_satisfied", "unsatisfied", "resolved", "station_solved",
    "whistle_closed", "feedback_3d", "rated_closed",
)
# The rollup key, in column order; `day`/`month` is the first part.
KEY_DIMS: tuple[str, ...] = ("district_code", "street_id", "community_id", "item_code",
                             "department_id")
# The coarse rollups drop community and item: district-, street- and department-wide
# questions (the common ones) then sum a few hundred rows per month, not tens of thousands.
COARSE_DIMS: tuple[str, ...] = ("district_code", "street_id", "department_id")


def _flags_base(name: str, field: Any) -> Any:
    """An abstract model with one integer column per flag (so FLAGS stays the one list)."""
    attrs: dict[str, Any] = {n: field(default=0) for n in FLAGS}
    attrs["__module__"] = __name__
    attrs["Meta"] = type("Meta", (), {"abstract": True})
    return type(name, (models.Model,), attrs)


if TYPE_CHECKING:  # the flag columns are read by name (FLAGS), not as attributes
    class FactFlags(models.Model):
        class Meta:
            abstract = True

    class RollupCounts(models.Model):
        class Meta:
            abstract = True
else:
    FactFlags = _flags_base("FactFlags", models.SmallIntegerField)
    RollupCounts = _flags_base("RollupCounts", models.IntegerField)


class CaseFacts(FactFlags):
    """The facts of one case, kept current by the event handler (`analytics.facts`)."""

    # No database constraint: facts are derived from the case in the same transaction
    # and rebuilt by `facts_rebuild`; the deferred per-row check cost an import about
    # 3.5 µs a case (17 ms of 83 in one batch's FK checks). Django still cascades deletes.
    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.CASCADE,
                                related_name="facts", db_constraint=False)
    district_code = models.CharField(max_length=6)
    day = models.DateField("上报日期(北京时间)")
    month = models.DateField("上报月份(当月1日)")
    street_id = models.BigIntegerField(default=0)
    community_id = models.BigIntegerField(default=0)
    grid_id = models.BigIntegerField(default=0)
    item_code = models.CharField(max_length=16, blank=True, default="")
    department_id = models.BigIntegerField("主办部门", default=0)
    channel = models.CharField(max_length=16)
    check_in_hours = models.FloatField("报到用时(工作时)", null=True, blank=True)
    close_hours = models.FloatField("结案用时(工作时)", null=True, blank=True)

    class Meta:
        verbose_name = "案件事实"
        verbose_name_plural = "案件事实"
        indexes = [models.Index(fields=["district_code", "day"]),
                   models.Index(fields=["street_id", "day"]),
                   models.Index(fields=["department_id", "day"]),
                   models.Index(fields=["community_id", "day"])]
        # No index on `overdue_open`: the sweep updates it by case id and nothing
        # searches by it; unindexed, those updates can stay on their page (HOT).



class DailyRollup(RollupCounts):
    day = models.DateField()
    district_code = models.CharField(max_length=6)
    street_id = models.BigIntegerField(default=0)
    community_id = models.BigIntegerField(default=0)
    item_code = models.CharField(max_length=16, blank=True, default="")
    department_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "日汇总"
        verbose_name_plural = "日汇总"
        constraints = [models.UniqueConstraint(
            fields=["day", "district_code", "street_id", "community_id", "item_code",
                    "department_id"], name="daily_rollup_key")]
        indexes = [models.Index(fields=["street_id", "day"]),
                   models.Index(fields=["department_id", "day"]),
                   models.Index(fields=["community_id", "day"])]



class MonthlyRollup(RollupCounts):
    month = models.DateField("月份(当月1日)")
    district_code = models.CharField(max_length=6)
    street_id = models.BigIntegerField(default=0)
    community_id = models.BigIntegerField(default=0)
    item_code = models.CharField(max_length=16, blank=True, default="")
    department_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "月汇总"
        verbose_name_plural = "月汇总"
        constraints = [models.UniqueConstraint(
            fields=["month", "district_code", "street_id", "community_id", "item_code",
                    "department_id"], name="monthly_rollup_key")]
        indexes = [models.Index(fields=["street_id", "month"]),
                   models.Index(fields=["department_id", "month"]),
                   models.Index(fields=["community_id", "month"])]



class DailyCoarseRollup(RollupCounts):
    day = models.DateField()
    district_code = models.CharField(max_length=6)
    street_id = models.BigIntegerField(default=0)
    department_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "日汇总(街道×部门)"
        verbose_name_plural = "日汇总(街道×部门)"
        constraints = [models.UniqueConstraint(
            fields=["day", "district_code", "street_id", "department_id"],
            name="daily_coarse_rollup_key")]


class MonthlyCoarseRollup(RollupCounts):
    month = models.DateField("月份(当月1日)")
    district_code = models.CharField(max_length=6)
    street_id = models.BigIntegerField(default=0)
    department_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "月汇总(街道×部门)"
        verbose_name_plural = "月汇总(街道×部门)"
        constraints = [models.UniqueConstraint(
            fields=["month", "district_code", "street_id", "department_id"],
            name="monthly_coarse_rollup_key")]


class AuditLog(models.Model):
    """Who exported or reported what, when, and how many rows (hash-chained)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=32)
    target = models.CharField(max_length=200, blank=True)
    params: models.JSONField[Any, Any] = models.JSONField(default=dict)
    row_count = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(db_index=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["id"]


class ImportCheckpoint(models.Model):
    """How far `import-cases` got in one input file (path + size + mtime)."""

    path = models.CharField(max_length=500)
    size = models.BigIntegerField()
    mtime = models.FloatField()
    last_line = models.BigIntegerField(default=0)
    imported = models.BigIntegerField(default=0)
    bad = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "导入断点"
        verbose_name_plural = "导入断点"
        constraints = [models.UniqueConstraint(fields=["path", "size", "mtime"],
                                               name="import_checkpoint_file")]
