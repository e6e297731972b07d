from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shaobao.geo.crs import (
    Crs,
    from_wgs84,
    from_wgs84_many,
    gcj02_offset_applies,
    to_wgs84,
    to_wgs84_many,
)

# Mainland China, kept away from the edges of the conventional "China" box so that a point
# and its shifted image are on the same side of it.
china_lng = st.floats(min_value=74.0, max_value=134.0, allow_nan=False)
china_lat = st.floats(min_value=18.0, max_value=53.0, allow_nan=False)

ANQING = [(117.05, 30.52), (116.92, 30.48), (116.78, 30.40), (117.04, 30.55)]
OUTSIDE_CHINA = [(2.3522, 48.8566), (-74.006, 40.7128), (151.2093, -33.8688), (139.69, 35.69)]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance; plenty for offsets of a few hundred metres."""
    r = 6371008.8
    p1, p2 = math.radians(a[1]), math.radians(b[1])
    dp, dl = p2 - p1, math.radians(b[0] - a[0])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def test_crs_values() -> None:
    assert [c.value for c in Crs] == ["wgs84", "gcj02", "bd09"]
    assert Crs("gcj02") is Crs.GCJ02
    with pytest.raises(ValueError):
        to_wgs84(117.0, 30.5, "mercator")


@settings(max_examples=300, deadline=None)
@given(china_lng, china_lat)
def test_gcj02_round_trip_within_a_centimetre(lng: float, lat: float) -> None:
    back = to_wgs84(*from_wgs84(lng, lat, Crs.GCJ02), Crs.GCJ02)
    assert metres((lng, lat), back) < 0.01


@settings(max_examples=300, deadline=None)
@given(china_lng, china_lat)
def test_bd09_round_trip_within_a_centimetre(lng: float, lat: float) -> None:
    back = to_wgs84(*from_wgs84(lng, lat, Crs.BD09), Crs.BD09)
    assert metres((lng, lat), back) < 0.01


@settings(max_examples=200, deadline=None)
@given(china_lng, china_lat)
def test_inverse_then_forward_is_identity_too(lng: float, lat: float) -> None:
    # Treat the point as GCJ-02 (what an AMap user sends) and go there and back again.
    assert metres((lng, lat), from_wgs84(*to_wgs84(lng, lat, "gcj02"), "gcj02")) < 0.01
    assert metres((lng, lat), from_wgs84(*to_wgs84(lng, lat, "bd09"), "bd09")) < 0.01


def test_published_reference_values() -> None:
    # Outputs of the standard algorithm for Beijing as printed by many independent
    # implementations' test suites.
    lng, lat = from_wgs84(116.404, 39.915, Crs.GCJ02)
    assert lng == pytest.approx(116.41024449916938, abs=1e-9)
    assert lat == pytest.approx(39.91640428150164, abs=1e-9)
    # GCJ-02 (116.404, 39.915) → BD-09, going through WGS-84 and back.
    blng, blat = from_wgs84(*to_wgs84(116.404, 39.915, Crs.GCJ02), Crs.BD09)
    assert blng == pytest.approx(116.41036949371029, abs=1e-8)
    assert blat == pytest.approx(39.92133699351021, abs=1e-8)


@pytest.mark.parametrize("point", ANQING)
def test_gcj02_offset_in_anqing_is_a_few_hundred_metres(point: tuple[float, float]) -> None:
    shift = metres(point, from_wgs84(*point, Crs.GCJ02))
    assert 100.0 < shift < 700.0
    assert metres(point, to_wgs84(*point, Crs.GCJ02)) == pytest.approx(shift, rel=0.01)


def test_bd09_adds_more_shift_on_top_of_gcj02() -> None:
    point = ANQING[0]
    gcj = from_wgs84(*point, Crs.GCJ02)
    bd = from_wgs84(*point, Crs.BD09)
    assert 300.0 < metres(gcj, bd) < 1500.0


def test_one_step_inverse_would_not_be_good_enough() -> None:
    # The textbook shortcut (wgs ≈ 2·gcj − forward(gcj)) is metres off; ours is not.
    truth = ANQING[0]
    gcj = from_wgs84(*truth, Crs.GCJ02)
    fwd = from_wgs84(*gcj, Crs.GCJ02)
    crude = (2 * gcj[0] - fwd[0], 2 * gcj[1] - fwd[1])
    assert metres(truth, crude) > 0.5
    assert metres(truth, to_wgs84(*gcj, Crs.GCJ02)) < 0.001


@pytest.mark.parametrize("point", OUTSIDE_CHINA)
def test_gcj02_is_wgs84_outside_china(point: tuple[float, float]) -> None:
    assert not gcj02_offset_applies(*point)
    assert from_wgs84(*point, Crs.GCJ02) == point
    assert to_wgs84(*point, Crs.GCJ02) == point
    bd = from_wgs84(*point, Crs.BD09)
    assert metres(point, to_wgs84(*bd, Crs.BD09)) < 0.01


def test_wgs84_is_identity_and_returns_floats() -> None:
    assert to_wgs84(117, 30, Crs.WGS84) == (117.0, 30.0)
    assert from_wgs84(117, 30, "wgs84") == (117.0, 30.0)
    assert all(type(v) is float for v in to_wgs84(117.05, 30.52, Crs.BD09))


@pytest.mark.parametrize("crs", list(Crs))
def test_vectorised_matches_scalar(crs: Crs) -> None:
    rng = np.random.default_rng(7)
    lngs = np.concatenate([rng.uniform(73.0, 135.0, 400), [2.35, -74.0, 117.05]])
    lats = np.concatenate([rng.uniform(18.0, 53.0, 400), [48.85, 40.7, 30.52]])
    to_x, to_y = to_wgs84_many(lngs, lats, crs)
    from_x, from_y = from_wgs84_many(lngs, lats, crs)
    for i in range(len(lngs)):
        assert (to_x[i], to_y[i]) == pytest.approx(to_wgs84(lngs[i], lats[i], crs), abs=1e-11)
        assert (from_x[i], from_y[i]) == pytest.approx(
            from_wgs84(lngs[i], lats[i], crs), abs=1e-11
        )


def test_vectorised_keeps_shape_and_input_and_isolates_nan() -> None:
    lngs = np.array([[117.05, np.nan], [116.9, 2.35]])
    lats = np.array([[30.52, 30.5], [30.45, 48.85]])
    before = lngs.copy()
    x, y = to_wgs84_many(lngs, lats, Crs.GCJ02)
    assert x.shape == y.shape == (2, 2)
    np.testing.assert_array_equal(lngs, before)
    assert np.isnan(x[0, 1])
    # A NaN elsewhere in the batch must not stop the other points from converging.
    assert (x[0, 0], y[0, 0]) == pytest.approx(to_wgs84(117.05, 30.52, Crs.GCJ02), abs=1e-12)
    assert (x[1, 1], y[1, 1]) == (2.35, 48.85)
