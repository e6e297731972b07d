from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shaobao.catalogue.importers import catalogue_import
from shaobao.core.errors import ImportFailed


class Command(BaseCommand):
    help = "导入吹哨清单（YAML 或 JSON，格式见 docs/catalogue.md）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            version, created = catalogue_import(opts["file"])
        except (ImportFailed, OSError) as exc:
            raise CommandError(str(exc)) from exc
        state = "已发布新版本" if created else "内容未变化，未新建版本"
        self.stdout.write(f"{version}：{state}")
