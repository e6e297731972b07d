"""`shaobao train-router`: train the routing model from closed cases or a labelled CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shaobao.core.errors import ShaobaoError


class Command(BaseCommand):
    help = "训练智能分派模型：默认用已结案件（描述→实际办理事项），或 --csv 用带标签的 CSV"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", type=Path, help="带标签的 UTF-8 CSV")
        parser.add_argument("--text-col", help="文本列名（与 --csv 同用）")
        parser.add_argument("--label-col", help="标签列名（与 --csv 同用）")
        parser.add_argument("--min-per-label", type=int, default=5,
                            help="每个类别至少的样本数，不足的类别不参与训练（默认 5）")

    def handle(self, *args: Any, **opts: Any) -> None:
        from shaobao.routing.training import router_train_from_cases, router_train_from_csv

        progress = lambda message: self.stderr.write(f"# {message}")  # noqa: E731
        try:
            if opts["csv"]:
                if not opts["text_col"] or not opts["label_col"]:
                    raise CommandError("--csv 需要同时给出 --text-col 与 --label-col")
                report = router_train_from_csv(opts["csv"], opts["text_col"], opts["label_col"],
                                               opts["min_per_label"], progress)
            else:
                report = router_train_from_cases(opts["min_per_label"], progress)
        except ShaobaoError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"rows: {report.rows}")
        self.stdout.write(f"labels: {len(report.labels)}")
        self.stdout.write(f"holdout_rows: {report.holdout_rows}")
        self.stdout.write(f"holdout_macro_f1: {report.holdout_macro_f1}")
        self.stdout.write(f"holdout_accuracy: {report.holdout_accuracy}")
        self.stdout.write(f"model: {report.path}")
