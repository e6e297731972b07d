"""Cases for the recurring-problem tests (hot spots, 每月一题): written straight to the
table with a chosen `created_at`, because the services always stamp "now"."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any

from django.utils import timezone

from world import CAISHAN, MASHAN, inside

_seq = count(1)


def recurring_case(item: str, community: str, at: datetime, *, rating: str = "",
                   status: str = "submitted", col: int = 0, located: bool = True,
                   description: str = "") -> Any:
    from shaobao.cases.models import Case
    from shaobao.catalogue.selectors import item_current_by_code
    from shaobao.geo.models import Division

    comm = Division.objects.get(code=community)
    lat, lng = inside(col) if located else (None, None)
    n = next(_seq)
    return Case.objects.create(
        number=f"DGR{n:07d}", district_code="340803", status=status,
        channel="resident", item=item_current_by_code(item), description=description or f"{item} 第{n}次反映",
        lat=lat, lng=lng, community=comm, street=comm.parent, created_at=at, rating=rating)


def recent_hot_spots(now: datetime | None = None) -> None:
    """Four 占道 cases in 蔡山 (one the month before) and three 油烟 cases in 马山, all recent."""
    now = now or timezone.now()
    for i in range(4):
        recurring_case("ZF02", CAISHAN, now - timedelta(days=i + 1))
    recurring_case("ZF02", CAISHAN, now - timedelta(days=40))
    for i in range(3):
        recurring_case("ZF03", MASHAN, now - timedelta(days=2 + i), col=2, located=i > 0)
