"""Public endpoints answer 429 with Retry-After once a caller is too fast."""

from __future__ import annotations

from typing import Any

import pytest

from world import inside

pytestmark = pytest.mark.django_db


def _limits(settings: Any, **values: int) -> None:
    settings.SHAOBAO = {**settings.SHAOBAO, **values}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_reads_are_limited_per_ip(settings: Any, o311: Any, fmt: str) -> None:
    _limits(settings, OPEN311_READS_PER_MIN=3)
    for _ in range(3):
        assert o311.get("services", fmt).status_code == 200
    r = o311.get("requests", fmt)
    assert r.status_code == 429
    retry = int(r["Retry-After"])
    assert 1 <= retry <= 60
    if fmt == "json":
        assert r.json()[0]["code"] == 429 and "秒后重试" in r.json()[0]["description"]
    else:
        assert b"<code>429</code>" in r.content
    # Another address has its own bucket.
    other = o311.client.get(f"/open311/v2/services.{fmt}", REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200


def test_open311_posts_are_limited_per_client(settings: Any, o311: Any, o311_key: str) -> None:
    from shaobao.integrations.models import ApiClient

    _limits(settings, OPEN311_POSTS_PER_MIN=2)
    lat, lng = inside(0)
    data = {"api_key": o311_key, "service_code": "GL01", "lat": lat, "long": lng,
            "description": "没有路灯"}
    assert [o311.post("json", data).status_code for _ in range(3)] == [200, 200, 429]
    # A client's own limit overrides the default.
    ApiClient.objects.update(rate_limit=10)
    assert o311.post("json", data).status_code == 200


def test_rest_intake_is_limited_per_user(settings: Any, api: Any) -> None:
    _limits(settings, INTAKE_PER_MIN=2)
    lat, lng = inside(0)
    body = {"description": "路灯不亮", "lat": lat, "lng": lng}
    resident = api("resident1")
    assert resident.post("/api/v1/cases", body).status_code == 201
    assert resident.post("/api/v1/cases", body).status_code == 201
    r = resident.post("/api/v1/cases", body)
    assert r.status_code == 429
    assert int(r["Retry-After"]) >= 1
    assert r.json()["error"]["code"] == "rate_limited"
    assert api("resident2").post("/api/v1/cases", body).status_code == 201


def test_fixed_window_resets() -> None:
    from shaobao.integrations.ratelimit import RateLimited, hit

    t0 = 1_800_000_000.0  # the start of a window (a multiple of 60)
    hit("unit", "a", 1, now=t0)
    with pytest.raises(RateLimited) as caught:
        hit("unit", "a", 1, now=t0 + 15)
    assert caught.value.retry_after == 45
    hit("unit", "a", 1, now=t0 + 60)  # the next window
    hit("unit", "b", 1, now=t0 + 15)  # another caller
    hit("unit", "a", 0, now=t0 + 61)  # 0 = unlimited
