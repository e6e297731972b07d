from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shaobao.core.errors import ShaobaoError
from shaobao.integrations.clients import client_create


class Command(BaseCommand):
    help = "为 Open311 客户端创建 api_key 并打印（只显示这一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client", help="客户端名称，如 hotline12345")
        parser.add_argument("--rate-limit", type=int, default=None,
                            help="每分钟最多上报次数（默认用系统设置）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            _, key = client_create(opts["client"], rate_limit=opts["rate_limit"])
        except ShaobaoError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
