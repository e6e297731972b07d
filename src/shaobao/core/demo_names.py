"""Deterministic, plausible Chinese names for demo people (no real person is meant)."""

from __future__ import annotations

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰海燕文斌春梅"


def person_name(seed: int) -> str:
    """A plausible, deterministic Chinese name for demo people."""
    return SURNAMES[seed % len(SURNAMES)] + GIVEN[(seed * 7) % len(GIVEN)] + (
        GIVEN[(seed * 13 + 5) % len(GIVEN)] if seed % 3 else "")
