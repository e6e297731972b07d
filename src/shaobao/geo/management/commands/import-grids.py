from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shaobao.core.errors import ImportFailed, InvalidInput
from shaobao.geo.importers import grids_import
from shaobao.geo.locate import grid_index_invalidate, parse_crs


class Command(BaseCommand):
    help = "导入网格边界 GeoJSON（每个要素需有 code 属性）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("geojson")
        parser.add_argument("--valid-from", type=date.fromisoformat, default=None,
                            help="新边界生效日期（默认今天）")
        parser.add_argument("--crs", default="wgs84", help="文件坐标系：wgs84、gcj02 或 bd09")
        parser.add_argument("--replace-all", action="store_true",
                            help="整体重新划分：文件中没有的现行网格将停用")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = grids_import(opts["geojson"], valid_from=opts["valid_from"],
                                  crs=parse_crs(opts["crs"]), replace_all=opts["replace_all"])
        except (ImportFailed, InvalidInput, OSError) as exc:
            raise CommandError(str(exc)) from exc
        grid_index_invalidate()
        self.stdout.write(f"网格导入完成：{result}")
