from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shaobao.core.errors import NotFound
from shaobao.org.services import token_create, user_by_username


class Command(BaseCommand):
    help = "为用户创建接口令牌并打印（只显示这一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="命令行创建")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            user = user_by_username(opts["username"])
        except NotFound as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(token_create(user, name=opts["name"]))
