from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shaobao.cases.services.sweep import NOTICE_BUDGET_S, sla_sweep


class Command(BaseCommand):
    help = "巡检一次办理时限：标记超期，按规则发出黄牌、红牌督办"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all-notices", action="store_true",
            help=f"issue every due notice, however long it takes (default: stop after "
                 f"{NOTICE_BUDGET_S:.0f} s and leave the rest to the next run)")

    def handle(self, *args: Any, **opts: Any) -> None:
        budget = None if opts["all_notices"] else NOTICE_BUDGET_S
        self.stdout.write(str(sla_sweep(notice_budget_s=budget)))
