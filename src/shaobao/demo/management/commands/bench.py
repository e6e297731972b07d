"""`shaobao bench NAME`: benchmarks printing `name: value` lines (code in shaobao.demo.bench)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

NAMES = ("locate", "intake")
HIDDEN = ("intake-prepare",)  # run by `bench intake` inside its fresh data directory


class Command(BaseCommand):
    help = "性能测试：locate（网格定位）、intake（并发上报），每项输出 name: value"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=NAMES + HIDDEN, metavar="{locate,intake}")
        parser.add_argument("--points", type=int, default=1_000_000,
                            help="locate：随机点数（默认 1,000,000）")
        parser.add_argument("--requests", type=int, default=500,
                            help="locate：单次定位请求数（默认 500）")
        parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                            help="intake：数据库（postgres 使用 shaobao_bench 库）")
        parser.add_argument("--clients", type=int, default=16, help="intake：并发客户端线程数")
        parser.add_argument("--seconds", type=float, default=10.0, help="intake：每阶段秒数")
        parser.add_argument("--workers", type=int, default=None,
                            help="intake：服务进程数（默认同 shaobao serve）")
        parser.add_argument("--keep", action="store_true", help="intake：保留临时数据目录")
        parser.add_argument("--points-file", type=Path, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **opts: Any) -> None:
        from shaobao.demo import bench

        name = opts["name"]
        if name == "locate":
            if opts["points"] < 1 or opts["requests"] < 1:
                raise CommandError("--points 与 --requests 必须为正数")
            rows = bench.bench_locate_run(opts["points"], opts["requests"],
                                          progress=self._progress)
        elif name == "intake":
            if opts["clients"] < 1 or opts["seconds"] <= 0:
                raise CommandError("--clients 与 --seconds 必须为正数")
            try:
                rows = bench.bench_intake_run(opts["db"], opts["clients"], opts["seconds"],
                                              opts["workers"], opts["keep"],
                                              progress=self._progress)
            except RuntimeError as exc:
                raise CommandError(str(exc)) from exc
        else:
            if opts["points_file"] is None:
                raise CommandError("--points-file is required")
            rows = [("token", bench.intake_prepare(opts["points_file"]))]
        for key, value in rows:
            self.stdout.write(f"{key}: {value}")

    def _progress(self, message: str) -> None:
        self.stderr.write(f"# {message}")
