"""One page of a list endpoint, with the same limits and error everywhere."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet

from shaobao.core.errors import InvalidInput

MAX_PAGE_SIZE = 200


def page_objects(qs: QuerySet[Any], page: int, page_size: int) -> tuple[int, list[Any]]:
    """(total count, the objects of `page`); a page past the end is empty, not an error."""
    if not 1 <= page_size <= MAX_PAGE_SIZE or page < 1:
        raise InvalidInput(f"page 从 1 开始，page_size 应在 1～{MAX_PAGE_SIZE} 之间")
    paginator = Paginator(qs, page_size)
    try:
        return paginator.count, list(paginator.page(page).object_list)
    except EmptyPage:
        return paginator.count, []
