"""`shaobao topics`: mine the topics of unlabelled messages (a CSV) or of recent cases."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def _number(value: str | None) -> int:
    """A vote count as written in the CSV; blanks and junk count as 0, not as an error."""
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


def read_texts(paths: list[Path], text_col: str,
               votes_col: str | None) -> tuple[list[str], list[int] | None]:
    texts: list[str] = []
    votes: list[int] | None = [] if votes_col else None
    for path in paths:
        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.DictReader(fh)
                missing = [c for c in (text_col, votes_col) if c and c not in (reader.fieldnames or [])]
                if missing:
                    raise CommandError(f"{path} 中没有列：{'、'.join(missing)}"
                                       f"（现有列：{'、'.join(reader.fieldnames or [])}）")
                for row in reader:
                    texts.append(row[text_col] or "")
                    if votes is not None and votes_col:
                        votes.append(_number(row[votes_col]))
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc.strerror}") from exc
    return texts, votes


class Command(BaseCommand):
    help = ("诉求主题挖掘（jieba 分词 + TF-IDF + NMF）：--csv 读取无标签留言，或 --cases "
            "读取本区近期案件描述；输出每个主题的关键词、件数、（点赞等）票数与示例")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", type=Path, action="append", default=[],
                            help="UTF-8 CSV 文件；可重复给出，多个文件合并挖掘")
        parser.add_argument("--text-col", help="文本列名（与 --csv 同用）")
        parser.add_argument("--votes-col", help="票数列名（如 点赞数），给出时输出每个主题的票数合计")
        parser.add_argument("--cases", action="store_true", help="改为挖掘本区近期案件的描述")
        parser.add_argument("--days", type=int, default=30, help="与 --cases 同用：最近多少天（默认 30）")
        parser.add_argument("--k", type=int, default=10, help="主题个数（默认 10）")
        parser.add_argument("--words", type=int, default=8, help="每个主题显示的关键词数（默认 8）")
        parser.add_argument("--examples", type=int, default=3, help="每个主题显示的示例数（默认 3）")

    def handle(self, *args: Any, **opts: Any) -> None:
        from shaobao.routing.topics import topics_summarise

        texts, votes = self._texts(opts)
        if not 1 <= opts["k"] <= 100:
            raise CommandError("--k 应在 1 到 100 之间")
        if not any(t.strip() for t in texts):
            raise CommandError("没有可挖掘的文本")
        topics = topics_summarise(texts, votes=votes, k=opts["k"], n_words=opts["words"],
                                  n_examples=opts["examples"])
        if not topics:
            raise CommandError("文本中没有可用的词（只有停用词、数字或编码），无法挖掘主题")
        self.stdout.write(f"texts: {sum(1 for t in texts if t.strip())}")
        self.stdout.write(f"topics: {len(topics)}")
        for n, topic in enumerate(topics, 1):
            extra = f" votes={topic.votes}" if topic.votes is not None else ""
            self.stdout.write(f"\n#{n} size={topic.size}{extra}: {' '.join(topic.words)}")
            for text in topic.examples:
                self.stdout.write(f"  - {' '.join(text.split())[:80]}")

    def _texts(self, opts: dict[str, Any]) -> tuple[list[str], list[int] | None]:
        if opts["cases"]:
            if opts["csv"]:
                raise CommandError("--cases 与 --csv 只能选一个")
            if not 1 <= opts["days"] <= 365:
                raise CommandError("--days 应在 1 到 365 之间")
            from shaobao.routing.hotspots import recent_case_texts

            return recent_case_texts(opts["days"]), None
        if not opts["csv"] or not opts["text_col"]:
            raise CommandError("请给出 --csv 与 --text-col，或者使用 --cases")
        return read_texts(opts["csv"], opts["text_col"], opts["votes_col"])
