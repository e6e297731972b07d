"""GET /api/v1/stats/hotspots and /stats/monthly-candidates: scope per role, bad input."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from recurring_cases import recent_hot_spots, recurring_case
from world import CAISHAN, MASHAN, STREET_JIXIAN

pytestmark = pytest.mark.django_db
HOT = "/api/v1/stats/hotspots"
CANDIDATES = "/api/v1/stats/monthly-candidates"


def pairs(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["community"], r["item"]) for r in body["rows"]]


def test_hotspots_rows_carry_trend_examples_and_position(api: Any) -> None:
    recent_hot_spots()
    r = api("command").get(HOT, days=30, min_cases=3)
    assert r.status_code == 200, r.content
    body = r.json()
    assert pairs(body) == [(CAISHAN, "ZF02"), (MASHAN, "ZF03")]
    caishan, mashan = body["rows"]
    assert (caishan["count"], caishan["previous"], caishan["trend"]) == (4, 1, "up")
    assert (mashan["count"], mashan["previous"], mashan["trend"]) == (3, 0, "new")
    assert len(caishan["examples"]) == 3 and caishan["community_name"]
    # A map places the row at its cases' mean position; 马山 has one case without one.
    assert 30.5 < caishan["lat"] < 30.6 and 117.0 < caishan["lng"] < 117.1
    assert mashan["lat"] is not None
    assert body["days"] == 30 and body["since"]


def test_each_role_sees_its_own_area(api: Any) -> None:
    recent_hot_spots()
    both = [(CAISHAN, "ZF02"), (MASHAN, "ZF03")]
    for who, expected in [("command", both), ("leader", both),
                          ("street_jixian", [(CAISHAN, "ZF02")]),
                          ("station_caishan", [(CAISHAN, "ZF02")]),
                          ("station_mashan", [(MASHAN, "ZF03")])]:
        r = api(who).get(HOT)
        assert r.status_code == 200, (who, r.content)
        assert pairs(r.json()) == expected, who
    assert api("street_jixian").get(HOT).json()["scope"]["division"]["code"] == STREET_JIXIAN
    assert api("station_mashan").get(HOT).json()["scope"]["division"]["code"] == MASHAN


@pytest.mark.parametrize("who", ["resident1", "dept_cgj", "grid_caishan1"])
@pytest.mark.parametrize("url", [HOT, CANDIDATES])
def test_other_roles_are_refused(api: Any, who: str, url: str) -> None:
    r = api(who).get(url)
    assert r.status_code == 403
    assert r.json()["error"]["message"]


def test_anonymous_is_refused(api: Any) -> None:
    assert api(None).get(HOT).status_code == 401


@pytest.mark.parametrize("url,params,words", [
    (HOT, {"days": 0}, "days 应在 1 到 365 之间"),
    (HOT, {"days": 366}, "days 应在 1 到 365 之间"),
    (HOT, {"days": "abc"}, "请求参数不正确"),
    (HOT, {"min_cases": 0}, "min_cases 应在"),
    (CANDIDATES, {"month": "2026-13"}, "month 格式应为 YYYY-MM"),
    (CANDIDATES, {"month": "March"}, "month 格式应为 YYYY-MM"),
    (CANDIDATES, {"month": "0001-01"}, "month 应在 2000-01 到 2999-12 之间"),
    (CANDIDATES, {"month": "9999-12"}, "month 应在 2000-01 到 2999-12 之间"),
    (CANDIDATES, {"top": 0}, "top 应在 1 到 100 之间"),
    (CANDIDATES, {"min_cases": -1}, "min_cases 应在"),
])
def test_bad_input_is_a_400_in_chinese(api: Any, url: str, params: dict[str, Any],
                                       words: str) -> None:
    r = api("command").get(url, **params)
    assert r.status_code == 400, r.content
    assert words in r.json()["error"]["message"]


def _march_story() -> None:
    """蔡山 占道: 3 in March 2026, also seen in January and February; 马山 油烟: 4 in March,
    two of them rated unsatisfied, never before."""
    at = lambda m, d: timezone.make_aware(datetime(2026, m, d, 10))  # noqa: E731
    for d in (3, 10, 20):
        recurring_case("ZF02", CAISHAN, at(3, d))
    recurring_case("ZF02", CAISHAN, at(1, 15))
    recurring_case("ZF02", CAISHAN, at(2, 15))
    for d, rating in ((4, "unsatisfied"), (5, "unsatisfied"), (6, ""), (7, "")):
        recurring_case("ZF03", MASHAN, at(3, d), rating=rating, col=2)


def test_monthly_candidates_rank_recurrence_first(api: Any) -> None:
    _march_story()
    r = api("leader").get(CANDIDATES, month="2026-03", top=10)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["month"] == "2026-03"
    rows = [(c["community"], c["item"], c["count"], c["months_recurring"], c["unsatisfied"])
            for c in body["rows"]]
    assert rows == [(CAISHAN, "ZF02", 3, 2, 0), (MASHAN, "ZF03", 4, 0, 2)]
    assert all(len(c["examples"]) == 3 and c["lat"] for c in body["rows"])
    assert len(api("command").get(CANDIDATES, month="2026-03", top=1).json()["rows"]) == 1
    assert api("command").get(CANDIDATES, month="2026-04").json()["rows"] == []


def test_monthly_candidates_are_scoped_like_hot_spots(api: Any) -> None:
    _march_story()
    get = lambda who: pairs(api(who).get(CANDIDATES, month="2026-03").json())  # noqa: E731
    assert get("street_jixian") == [(CAISHAN, "ZF02")]
    assert get("station_mashan") == [(MASHAN, "ZF03")]
    assert len(get("command")) == 2


def test_openapi_documents_both_endpoints(api: Any) -> None:
    doc = api(None).get("/api/v1/openapi.json").json()
    for path in (HOT, CANDIDATES):
        op = doc["paths"][path]["get"]
        assert op["summary"] and "403" in op["responses"] and "400" in op["responses"]
    row = doc["components"]["schemas"]["HotspotRowOut"]["properties"]
    assert {"trend", "examples", "lat", "lng"} <= set(row)
