from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shaobao.core.errors import ImportFailed
from shaobao.geo.importers import divisions_import


class Command(BaseCommand):
    help = "导入统计用区划代码 CSV（列：code,name,parent_code,level）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = divisions_import(opts["csv"])
        except (ImportFailed, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"区划导入完成：{result}")
