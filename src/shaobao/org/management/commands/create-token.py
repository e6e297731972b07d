from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shaobao.core.errors import ShaobaoError
from shaobao.org.services import token_create, user_by_username


class Command(BaseCommand):
    help = "为用户创建接口令牌并打印（只显示这一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="命令行创建")
        parser.add_argument("--scopes", default="read,write",
                            help="逗号分隔的权限范围：read（只读）、write（写），默认 read,write")
        parser.add_argument("--expires-days", type=int, default=None,
                            help="有效天数；不填则长期有效")

    def handle(self, *args: Any, **opts: Any) -> None:
        days = opts["expires_days"]
        if days is not None and days < 1:
            raise CommandError("--expires-days 必须是正整数")
        expires_at = timezone.now() + timedelta(days=days) if days is not None else None
        scopes = [s for s in str(opts["scopes"]).split(",") if s.strip()]
        try:
            user = user_by_username(opts["username"])
            secret = token_create(user, name=opts["name"], scopes=scopes, expires_at=expires_at)
        except ShaobaoError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(secret)
