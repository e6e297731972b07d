"""Reads of the whistle list."""

from __future__ import annotations

from django.db.models import QuerySet

from shaobao.catalogue.models import Category, Item
from shaobao.core.errors import InvalidInput


def current_items() -> QuerySet[Item]:
    return (Item.objects.filter(version__is_current=True)
            .select_related("category", "lead_department").prefetch_related("co_departments"))


def current_categories() -> QuerySet[Category]:
    return Category.objects.filter(version__is_current=True).order_by("position")


def item_current_by_code(code: str) -> Item:
    item = (Item.objects.filter(version__is_current=True, code=code)
            .select_related("category", "lead_department").first())
    if item is None:
        raise InvalidInput(f"吹哨清单中没有编码为“{code}”的事项", code="unknown_item")
    return item
