from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shaobao.points.workflow_doc import DOC_PATH, render_workflow_markdown


class Command(BaseCommand):
    help = "从流转表生成 docs/workflow.md；--check 只检查是否过期（过期则返回非零）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true",
                            help="do not write; exit non-zero when docs/workflow.md is stale")

    def handle(self, *args: Any, **opts: Any) -> None:
        text = render_workflow_markdown()
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else None
        if opts["check"]:
            if current != text:
                raise CommandError(f"{DOC_PATH} is stale; run `shaobao workflow-doc`")
            self.stdout.write(f"{DOC_PATH} is up to date")
            return
        if current != text:
            DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
            DOC_PATH.write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {DOC_PATH}")
        else:
            self.stdout.write(f"{DOC_PATH} unchanged")
