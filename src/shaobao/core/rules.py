"""Typed access to the product rules a district may tune (settings.SHAOBAO)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def product_rule(name: str) -> Any:
    rules: dict[str, Any] = settings.SHAOBAO
    return rules[name]
