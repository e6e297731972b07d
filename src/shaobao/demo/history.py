"""Simulated months of history for the demo (filled in by demo_history)."""

from __future__ import annotations

from collections.abc import Callable

DEFAULT_CASES = 2000


def demo_history(progress: Callable[[str], None], *, cases: int = DEFAULT_CASES) -> None:
    progress("历史案件：暂未模拟")
