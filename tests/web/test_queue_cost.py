"""A work queue decides every candidate from a few columns and loads whole only the rows
it shows: the page's queries do not grow with the queue (docs/performance.md, pages)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from world import inside

pytestmark = pytest.mark.django_db


def _report(user: Any, k: int) -> str:
    from shaobao.cases.services.intake import CaseCreateData, case_create

    lat, lng = inside(k % 3, dx=0.1 + 0.02 * k)
    return case_create(user, data=CaseCreateData(
        description=f"第{k}处路灯不亮", item="GL01", lat=lat, lng=lng)).case.number


def _queue(user: Any) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("viewer", ["command", "station_caishan"])
def test_queue_queries_do_not_grow_with_the_queue(users: Any, viewer: str) -> None:
    numbers = [_report(users.resident1, k) for k in range(3)]
    few, html = _queue(getattr(users, viewer))
    assert all(n in html for n in numbers if viewer == "command")
    numbers += [_report(users.resident2, k) for k in range(3, 30)]
    many, html = _queue(getattr(users, viewer))
    assert many == few
    if viewer == "command":  # a page of 25 of the 30, each row with its item and place
        shown = [n for n in numbers if f'<td><a href="/cases/{n}">{n}</a>' in html]
        assert len(shown) == 25 and "路灯" in html
