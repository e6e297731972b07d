"""`similar_for_cases` (one query for a page of cases) agrees with `similar_to_case`."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from world import CAISHAN, inside

pytestmark = pytest.mark.django_db
_seq = count(1)
NOW = timezone.make_aware(datetime(2026, 3, 20, 10, 0))
TEXTS = ["工农小区3栋门口的井盖丢了", "工农小区3栋门口井盖丢失，晚上看不见", "小区门口井盖不见了，很危险",
         "楼下饭店油烟直排，熏得窗户都不能开", "饭店油烟太大，窗户不能开"]


def make_case(description: str, north: float, hours: float, status: str = "submitted") -> Any:
    from shaobao.cases.models import Case
    from shaobao.geo.models import Division

    lat, lng = inside(0)
    return Case.objects.create(
        number=f"DGB{next(_seq):06d}", district_code="340803", status=status, channel="resident",
        description=description, lat=lat + north, lng=lng,
        community=Division.objects.get(code=CAISHAN), created_at=NOW - timedelta(hours=hours))


def test_batch_equals_one_at_a_time(django_assert_num_queries: Any) -> None:
    from django.db.models import Q

    from shaobao.routing.duplicates import similar_for_cases, similar_to_case

    cases = [make_case(t, north=0.0004 * i, hours=10 * i) for i, t in enumerate(TEXTS * 2)]
    make_case(TEXTS[0], north=0.0001, hours=1, status="closed")  # never a candidate
    cases.append(make_case("没有坐标的案件", north=0, hours=0))
    cases[-1].lat = None
    with django_assert_num_queries(1):
        batch = similar_for_cases(cases, limit=5)
    for case in cases:
        single = [(c.number, s) for c, s in similar_to_case(case)]
        assert [(c.number, s) for c, s in batch.get(case.pk, [])] == single, case.description
    assert any(batch.values())  # the data does have duplicates
    # A scope narrows the candidates: nothing outside it is suggested.
    only_first = similar_for_cases(cases, scope=Q(pk=cases[0].pk))
    assert {c.pk for hits in only_first.values() for c, _ in hits} == {cases[0].pk}
