"""Admin-entered calendar days that override the packaged holiday data."""

from __future__ import annotations

from django.db import models


class CalendarOverride(models.Model):
    """A day declared a working day or a day off by the State Council's yearly notice.

    The packaged holiday data covers the years its release knew about; the
    administrator enters later years here (and any local adjustment).
    """

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.is_workday else '休息'} {self.note}"
