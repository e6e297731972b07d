"""`shaobao bench NAME`: benchmarks printing `name: value` lines (code in shaobao.demo.bench)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

NAMES = ("locate", "intake", "analytics", "import", "sweep", "router", "pages")
ANALYTICS = ("analytics", "import", "sweep", "analytics-inner", "import-inner", "sweep-inner")
# Run by `bench intake` / `bench analytics|import|sweep` inside their fresh data directory.
HIDDEN = ("intake-prepare", "analytics-inner", "import-inner", "sweep-inner")


class Command(BaseCommand):
    help = "性能测试：locate（网格定位）、intake（并发上报），每项输出 name: value"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=NAMES + HIDDEN,
                            metavar="{locate,intake,analytics,import,sweep,router,pages}")
        parser.add_argument("--points", type=int, default=1_000_000,
                            help="locate：随机点数（默认 1,000,000）")
        parser.add_argument("--requests", type=int, default=500,
                            help="locate：单次定位请求数（默认 500）")
        parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                            help="intake/analytics/import/sweep：数据库（postgres 使用独立的 bench 库）")
        parser.add_argument("--clients", type=int, default=16, help="intake：并发客户端线程数")
        parser.add_argument("--seconds", type=float, default=10.0, help="intake：每阶段秒数")
        parser.add_argument("--workers", type=int, default=None,
                            help="intake：服务进程数（默认同 shaobao serve）")
        parser.add_argument("--keep", action="store_true", help="intake：保留临时数据目录")
        parser.add_argument("--pg-url", default=None, metavar="URL",
                            help="analytics/import/sweep：--db postgres 时重建并使用的数据库"
                                 "（默认 postgres://postgres@127.0.0.1:5432/shaobao_bench_an）")
        parser.add_argument("--points-file", type=Path, help=argparse.SUPPRESS)
        parser.add_argument("--cases", type=int, default=200_000,
                            help="analytics：生成的案件数（默认 200,000）")
        parser.add_argument("--rows", type=int, default=100_000, help="import：导入行数")
        parser.add_argument("--open", type=int, default=200_000, help="sweep：未结案件数")
        parser.add_argument("--csv", help="router：带标签的训练数据 CSV")
        parser.add_argument("--text-col", help="router：文本列名")
        parser.add_argument("--label-col", help="router：标签列名")
        parser.add_argument("--test-csv", help="router：独立测试集（否则从 --csv 中留出）")
        parser.add_argument("--test-size", type=float, default=0.2, help="router：留出比例")
        parser.add_argument("--seed", type=int, default=0, help="router：随机种子")
        parser.add_argument("--repeat", type=int, default=20,
                            help="pages：每个页面的请求次数（默认 20）")
        parser.add_argument("--where", action="append", default=[], metavar="COL=VALUE",
                            help="router：只用满足条件的行，如 source_split=train")
        parser.add_argument("--extra-csv", action="append", default=[], metavar="FILE",
                            help="router：只加入训练的带标签数据（与测试集重复的文本会被剔除）")
        parser.add_argument("--extra-where", action="append", default=[], metavar="COL=VALUE",
                            help="router：--extra-csv 的行筛选条件，如 source_split=dev")

    def handle(self, *args: Any, **opts: Any) -> None:
        from shaobao.demo import bench

        name = opts["name"]
        if name in ANALYTICS:
            from shaobao.demo import bench_analytics as analytics_bench

            try:
                rows = analytics_bench.run_named(name, opts, progress=self._progress)
            except RuntimeError as exc:
                raise CommandError(str(exc)) from exc
        elif name == "router":
            if not (opts["csv"] and opts["text_col"] and opts["label_col"]):
                raise CommandError("--csv、--text-col、--label-col 必填")
            from shaobao.routing.bench import run

            rows = list(run(opts, out=None).items())
        elif name == "pages":
            if opts["repeat"] < 1:
                raise CommandError("--repeat 必须为正数")
            from shaobao.web.bench import bench_pages_run

            rows = [(k, str(v)) for k, v in bench_pages_run(opts["repeat"])]
        elif name == "locate":
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
