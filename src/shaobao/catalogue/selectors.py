"""Reads of the whistle list."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from shaobao.catalogue.models import CatalogueVersion, Category, Item
from shaobao.core.errors import InvalidInput


def current_items() -> QuerySet[Item]:
    return (Item.objects.filter(version__is_current=True)
            .select_related("category", "lead_department").prefetch_related("co_departments"))


def current_categories() -> QuerySet[Category]:
    return Category.objects.filter(version__is_current=True).order_by("position")


def _current_version_key() -> tuple[int, str] | None:
    """(id, publication time) of the current list: an id alone could be reused by SQLite
    after a rolled-back or deleted version, the pair cannot."""
    table = connection.ops.quote_name(CatalogueVersion._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, published_at FROM {table} WHERE is_current = %s", [True])
        row = cur.fetchone()
    return (int(row[0]), str(row[1])) if row else None


# A published version's items never change (the admin shows them read-only; a new list is
# a new version), so the items of a version can be kept for the life of the process; the
# key follows a newly published list at the next lookup.
_items_of_version: dict[tuple[int, str], dict[str, Item]] = {}


def item_current_by_code(code: str) -> Item:
    """The current version's item with this code (intake and classification look it up on
    every report, so the current list is read once per version, not once per report)."""
    key = _current_version_key()
    items = _items_of_version.get(key) if key is not None else None
    if items is None and key is not None:
        items = {i.code: i for i in Item.objects.filter(version_id=key[0])
                 .select_related("category")}
        _items_of_version.clear()
        _items_of_version[key] = items
    item = (items or {}).get(code)
    if item is None:
        raise InvalidInput(f"吹哨清单中没有编码为“{code}”的事项", code="unknown_item")
    return item
