"""Hot spots and 每月一题 candidates narrowed to a street or community, in one query each."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from recurring_cases import recent_hot_spots, recurring_case
from world import CAISHAN, MASHAN, STREET_JIXIAN

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime(2026, 3, 20, 10, 0))


def _division_id(code: str) -> int:
    from shaobao.geo.models import Division

    return int(Division.objects.get(code=code).pk)


def test_scope_filters_narrow_hot_spots() -> None:
    from shaobao.routing.hotspots import hotspots

    recent_hot_spots(NOW)
    keys = lambda rows: [(r["community"], r["item"]) for r in rows]  # noqa: E731
    assert keys(hotspots(now=NOW)) == [(CAISHAN, "ZF02"), (MASHAN, "ZF03")]
    assert keys(hotspots(now=NOW, street_id=_division_id(STREET_JIXIAN))) == [(CAISHAN, "ZF02")]
    assert keys(hotspots(now=NOW, community_id=_division_id(MASHAN))) == [(MASHAN, "ZF03")]


def test_hot_spots_is_one_query(django_assert_num_queries: Any) -> None:
    from shaobao.routing.hotspots import hotspots

    recent_hot_spots(NOW)
    # The command centre refreshes every minute: both windows come from one query.
    with django_assert_num_queries(1):
        rows = hotspots(now=NOW)
    assert rows[0]["previous"] == 1


def test_rows_without_any_located_case_have_no_position() -> None:
    from shaobao.routing.hotspots import hotspots

    for i in range(3):
        recurring_case("ZF01", MASHAN, NOW - timedelta(days=i + 1), located=False)
    (row,) = hotspots(now=NOW)
    assert row["lat"] is None and row["lng"] is None  # the page falls back to the grids


def test_monthly_candidates_scope_and_recurrence_in_local_months() -> None:
    from shaobao.routing.hotspots import monthly_topic_candidates

    # 1 March 00:30 Beijing is still February in UTC: it must count as March.
    march_first = timezone.make_aware(datetime(2026, 3, 1, 0, 30))
    for d in range(3):
        recurring_case("ZF02", CAISHAN, march_first + timedelta(days=d))
    recurring_case("ZF02", CAISHAN, timezone.make_aware(datetime(2026, 2, 28, 23, 30)))
    for d in range(3):
        recurring_case("ZF03", MASHAN, march_first + timedelta(days=d))
    rows = monthly_topic_candidates("2026-03", street_id=_division_id(STREET_JIXIAN))
    assert [(r["community"], r["count"], r["months_recurring"]) for r in rows] == [
        (CAISHAN, 3, 1)]
    assert len(monthly_topic_candidates("2026-03")) == 2
    assert monthly_topic_candidates("2026-03", community_id=_division_id(MASHAN))[0][
        "community"] == MASHAN
