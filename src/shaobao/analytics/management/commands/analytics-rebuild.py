"""`shaobao analytics-rebuild`: recompute every case's facts and all rollups (a repair)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "从案件重新计算全部案件事实与汇总表（修复用）"

    def handle(self, *args: Any, **opts: Any) -> None:
        from shaobao.analytics.facts import facts_rebuild

        with transaction.atomic():
            count = facts_rebuild()
        self.stdout.write(f"facts_rebuilt: {count}")
