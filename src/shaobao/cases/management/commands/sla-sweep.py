from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shaobao.cases.services.sweep import sla_sweep


class Command(BaseCommand):
    help = "巡检一次办理时限：标记超期，按规则发出黄牌、红牌督办"

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write(str(sla_sweep()))
