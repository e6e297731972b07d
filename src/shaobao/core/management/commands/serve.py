"""`shaobao serve`: the production server (gunicorn, several worker processes)."""

from __future__ import annotations

import multiprocessing
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "以生产方式启动 Web 服务（gunicorn 多进程）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int,
                            default=min(8, multiprocessing.cpu_count() * 2 + 1))
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **opts: Any) -> None:
        serve(opts["host"], opts["port"], opts["workers"], opts["threads"])


def serve(host: str, port: int, workers: int, threads: int = 4) -> None:
    from gunicorn.app.base import BaseApplication

    from shaobao.config.wsgi import application

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", None)
            self.cfg.set("timeout", 120)

        def load(self) -> Any:
            return application

    Server().run()
