"""`shaobao demo`: prepare the data directory with the Daguan demo, then serve it."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "准备大观区演示数据（可重复运行），打印演示账号，并在 127.0.0.1:8000 提供服务"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--cases", type=int, default=None,
                            help="模拟历史案件数（默认 2000，约三个月）")

    def handle(self, *args: Any, **opts: Any) -> None:
        from shaobao.demo.history import DEFAULT_CASES, demo_history
        from shaobao.demo.setup import DEMO_PASSWORD, demo_prepare
        from shaobao.governance.demo import governance_demo

        started = time.monotonic()
        self.stdout.write(f"数据目录：{settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        accounts = demo_prepare(self._progress)
        demo_history(self._progress, create_missing_users=True,
                     cases=DEFAULT_CASES if opts["cases"] is None else opts["cases"])
        # After the history: meetings put its escalated cases on their agendas.
        governance_demo(self._progress)
        # The router learns from the closed history, so the first report gets suggestions.
        from shaobao.routing.jobs import router_retrain
        from shaobao.routing.training import router_loaded

        if router_loaded() is None:
            self._progress(f"智能分派模型：{router_retrain()}")
        else:
            self._progress("智能分派模型：已存在，跳过（每晚由 shaobao worker 重新训练）")
        self._print_accounts(accounts, DEMO_PASSWORD)
        self.stdout.write(f"准备完成，用时 {time.monotonic() - started:.1f} 秒")
        if not opts["no_serve"]:
            from shaobao.core.management.commands.serve import serve

            self.stdout.write(f"服务地址：http://{opts['host']}:{opts['port']}/ （Ctrl+C 退出）")
            serve(opts["host"], opts["port"], opts["workers"])

    def _progress(self, message: str) -> None:
        self.stdout.write(f"  · {message}")
        self.stdout.flush()

    def _print_accounts(self, accounts: list[tuple[str, str]], password: str) -> None:
        self.stdout.write(f"\n演示账号（密码均为 {password}）：")
        shown: dict[str, int] = {}
        for username, label in accounts:
            kind = username.split("_")[0] + "_" if "_" in username else username.rstrip("0123456789")
            shown[kind] = shown.get(kind, 0) + 1
            if shown[kind] <= 2:
                self.stdout.write(f"  {username:<28} {label}")
        extra = {k: v - 2 for k, v in shown.items() if v > 2}
        if extra:
            self.stdout.write("  … 另有 " + "，".join(f"{k}* {v} 个" for k, v in extra.items()))
