"""`shaobao import-cases CSV [--mapping FILE.yaml] [--batch 10000]`: bulk history."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shaobao.analytics.importer import DEFAULT_BATCH
from shaobao.core.errors import ShaobaoError


class Command(BaseCommand):
    help = "批量导入历史案件（CSV）；可断点续传，坏行报告行号、好行照常导入"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv", type=Path)
        parser.add_argument("--mapping", type=Path, default=None,
                            help="列映射 YAML（如 shaobao/analytics/mappings/us311.yaml）")
        parser.add_argument("--batch", type=int, default=DEFAULT_BATCH,
                            help=f"每批行数（默认 {DEFAULT_BATCH}）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
        parser.add_argument("--max-errors-shown", type=int, default=50)

    def handle(self, *args: Any, **opts: Any) -> None:
        from shaobao.analytics.importer import Mapping, import_cases

        path: Path = opts["csv"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        if opts["batch"] < 1:
            raise CommandError("--batch 必须为正数")
        mapping_path = opts["mapping"]
        if mapping_path is not None and not mapping_path.is_file():
            builtin = Path(__file__).resolve().parents[2] / "mappings" / mapping_path.name
            if builtin.is_file():
                mapping_path = builtin
            else:
                raise CommandError(f"映射文件不存在：{mapping_path}")
        try:
            result = import_cases(path, mapping=Mapping.load(mapping_path), batch=opts["batch"],
                                  progress=not opts["no_progress"], stream=sys.stderr)
        except ShaobaoError as exc:
            raise CommandError(str(exc)) from exc
        for line, reason in result.bad[:opts["max_errors_shown"]]:
            self.stderr.write(f"第 {line} 行：{reason}")
        if len(result.bad) > opts["max_errors_shown"]:
            self.stderr.write(f"……另有 {len(result.bad) - opts['max_errors_shown']} 行错误")
        self.stdout.write(f"imported: {result.imported}")
        self.stdout.write(f"skipped_already_imported: {result.skipped}")
        self.stdout.write(f"bad_rows: {len(result.bad)}")
        self.stdout.write(f"rows_per_s: {result.rows_per_s:.0f}")
