from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "运行后台任务（每分钟的时限巡检等）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **opts: Any) -> None:
        from huey.consumer import Consumer

        from shaobao.cases.jobs import huey

        self.stdout.write(f"后台任务已启动（队列：{type(huey).__name__}）")
        Consumer(huey, workers=opts["workers"], worker_type="thread").run()
