from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shaobao.core.errors import ShaobaoError
from shaobao.governance.services.admission import admission_items_import


class Command(BaseCommand):
    help = "导入村（社区）工作事项准入清单（YAML，格式见 docs/governance.md）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            data = yaml.safe_load(Path(opts["file"]).read_text("utf-8"))
            created, updated = admission_items_import(data)
        except (ShaobaoError, OSError, yaml.YAMLError, KeyError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"准入清单：新增 {created} 项，更新 {updated} 项")
