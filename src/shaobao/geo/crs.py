"""Coordinate systems in use on Chinese maps and conversions between them.

* WGS-84: GPS receivers, OpenStreetMap, the system's storage format.
* GCJ-02: the state-mandated obfuscated datum used by AMap, Tencent Maps and the WeChat
  location API. It shifts points by a few hundred metres with a smooth, non-linear function.
* BD-09: Baidu's extra distortion on top of GCJ-02.

The GCJ-02 shift is published only as a forward function (WGS-84 in, GCJ-02 out), so the
reverse direction is solved numerically. The shift changes by at most a few millimetres per
metre moved (its derivative stays below 0.01), so plain fixed-point iteration shrinks the
error at least a hundredfold per step; four or five steps reach micrometres, far inside the
1 cm target, where the usual one-step shortcut is 1–2 m off.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = [
    "Crs",
    "from_wgs84",
    "from_wgs84_many",
    "gcj02_offset_applies",
    "to_wgs84",
    "to_wgs84_many",
]


class Crs(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


FloatArray = npt.NDArray[np.float64]

# Krasovsky 1940 ellipsoid, which the GCJ-02 algorithm is defined on.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323

# BD-09 works on a polar form of GCJ-02 with these fixed perturbations.
_BD_X_PI = math.pi * 3000.0 / 180.0
_BD_DLNG = 0.0065
_BD_DLAT = 0.006

# The rectangle that GCJ-02 implementations conventionally treat as "China". It is crude
# (Mongolia, Korea and parts of South-East Asia fall inside), but using the same rectangle
# as everyone else keeps our output consistent with other converters near its edges.
_CN_LNG_MIN, _CN_LNG_MAX = 72.004, 137.8347
_CN_LAT_MIN, _CN_LAT_MAX = 0.8293, 55.8271

# Each step shrinks the error >100x; the loop stops as soon as the update is negligible.
_MAX_ITERATIONS = 10
_CONVERGED_DEG = 1e-12  # about 0.1 µm


class _Ops(NamedTuple):
    """The few maths functions the formulas need, so one formula serves floats and arrays."""

    sin: Callable[[Any], Any]
    cos: Callable[[Any], Any]
    sqrt: Callable[[Any], Any]
    atan2: Callable[[Any, Any], Any]
    hypot: Callable[[Any, Any], Any]


_SCALAR = _Ops(math.sin, math.cos, math.sqrt, math.atan2, math.hypot)
_VECTOR = _Ops(np.sin, np.cos, np.sqrt, np.arctan2, np.hypot)


def gcj02_offset_applies(lng: float, lat: float) -> bool:
    """True when GCJ-02 differs from WGS-84 at this point (inside the conventional box)."""
    return _CN_LNG_MIN <= lng <= _CN_LNG_MAX and _CN_LAT_MIN <= lat <= _CN_LAT_MAX


def _in_china_many(lngs: FloatArray, lats: FloatArray) -> npt.NDArray[np.bool_]:
    in_lng = (lngs >= _CN_LNG_MIN) & (lngs <= _CN_LNG_MAX)
    return in_lng & (lats >= _CN_LAT_MIN) & (lats <= _CN_LAT_MAX)


def _gcj_shift(lng: Any, lat: Any, ops: _Ops) -> tuple[Any, Any]:
    """(Δlng, Δlat) in degrees that GCJ-02 adds to a WGS-84 point, ignoring the China box."""
    x = lng - 105.0
    y = lat - 35.0
    pi = math.pi
    # The published algorithm builds a pseudo-random but smooth displacement in "metres"
    # from a low-order polynomial plus sine series; the x-only series is shared by both axes.
    wobble_x = (20.0 * ops.sin(6.0 * pi * x) + 20.0 * ops.sin(2.0 * pi * x)) * 2.0 / 3.0
    root_x = ops.sqrt(abs(x))
    north_m = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root_x
        + wobble_x
        + (20.0 * ops.sin(pi * y) + 40.0 * ops.sin(pi * y / 3.0)) * 2.0 / 3.0
        + (160.0 * ops.sin(pi * y / 12.0) + 320.0 * ops.sin(pi * y / 30.0)) * 2.0 / 3.0
    )
    east_m = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root_x
        + wobble_x
        + (20.0 * ops.sin(pi * x) + 40.0 * ops.sin(pi * x / 3.0)) * 2.0 / 3.0
        + (150.0 * ops.sin(pi * x / 12.0) + 300.0 * ops.sin(pi * x / 30.0)) * 2.0 / 3.0
    )
    # Metres to degrees with the Krasovsky radii of curvature at this latitude
    # (meridional M for north, prime-vertical N·cosφ for east).
    phi = lat * (pi / 180.0)
    sin_phi = ops.sin(phi)
    w = 1.0 - _KRASOVSKY_EE * sin_phi * sin_phi
    sqrt_w = ops.sqrt(w)
    meridional = _KRASOVSKY_A * (1.0 - _KRASOVSKY_EE) / (w * sqrt_w)
    prime_vertical = _KRASOVSKY_A / sqrt_w
    dlat = north_m * 180.0 / (pi * meridional)
    dlng = east_m * 180.0 / (pi * prime_vertical * ops.cos(phi))
    return dlng, dlat


def _gcj_to_bd(lng: Any, lat: Any, ops: _Ops) -> tuple[Any, Any]:
    radius = ops.hypot(lng, lat) + 0.00002 * ops.sin(lat * _BD_X_PI)
    angle = ops.atan2(lat, lng) + 0.000003 * ops.cos(lng * _BD_X_PI)
    return radius * ops.cos(angle) + _BD_DLNG, radius * ops.sin(angle) + _BD_DLAT


def _bd_to_gcj_first_guess(lng: Any, lat: Any, ops: _Ops) -> tuple[Any, Any]:
    # Undo the perturbations using the BD-09 point itself in place of the unknown GCJ-02
    # point; good to a few centimetres, refined afterwards.
    x = lng - _BD_DLNG
    y = lat - _BD_DLAT
    radius = ops.hypot(x, y) - 0.00002 * ops.sin(y * _BD_X_PI)
    angle = ops.atan2(y, x) - 0.000003 * ops.cos(x * _BD_X_PI)
    return radius * ops.cos(angle), radius * ops.sin(angle)


# --- scalar ----------------------------------------------------------------------------


def _wgs_to_gcj(lng: float, lat: float) -> tuple[float, float]:
    if not gcj02_offset_applies(lng, lat):
        return lng, lat
    dlng, dlat = _gcj_shift(lng, lat, _SCALAR)
    return lng + dlng, lat + dlat


def _gcj_to_wgs(lng: float, lat: float) -> tuple[float, float]:
    if not gcj02_offset_applies(lng, lat):
        return lng, lat
    # Solve wgs + shift(wgs) = gcj by iterating wgs ← gcj − shift(wgs).
    wlng, wlat = lng, lat
    for _ in range(_MAX_ITERATIONS):
        dlng, dlat = _gcj_shift(wlng, wlat, _SCALAR)
        nlng, nlat = lng - dlng, lat - dlat
        done = abs(nlng - wlng) < _CONVERGED_DEG and abs(nlat - wlat) < _CONVERGED_DEG
        wlng, wlat = nlng, nlat
        if done:
            break
    return wlng, wlat


def _bd_to_gcj(lng: float, lat: float) -> tuple[float, float]:
    glng, glat = _bd_to_gcj_first_guess(lng, lat, _SCALAR)
    for _ in range(_MAX_ITERATIONS):
        blng, blat = _gcj_to_bd(glng, glat, _SCALAR)
        elng, elat = blng - lng, blat - lat
        glng, glat = glng - elng, glat - elat
        if abs(elng) < _CONVERGED_DEG and abs(elat) < _CONVERGED_DEG:
            break
    return glng, glat


def to_wgs84(lng: float, lat: float, crs: Crs | str) -> tuple[float, float]:
    """Convert one point from `crs` to WGS-84; returns (lng, lat) in degrees."""
    source = Crs(crs)
    lng, lat = float(lng), float(lat)
    if source is Crs.WGS84:
        return lng, lat
    if source is Crs.BD09:
        lng, lat = _bd_to_gcj(lng, lat)
    return _gcj_to_wgs(lng, lat)


def from_wgs84(lng: float, lat: float, crs: Crs | str) -> tuple[float, float]:
    """Convert one WGS-84 point to `crs`; returns (lng, lat) in degrees."""
    target = Crs(crs)
    lng, lat = float(lng), float(lat)
    if target is Crs.WGS84:
        return lng, lat
    glng, glat = _wgs_to_gcj(lng, lat)
    if target is Crs.GCJ02:
        return glng, glat
    blng, blat = _gcj_to_bd(glng, glat, _SCALAR)
    return float(blng), float(blat)


# --- numpy -----------------------------------------------------------------------------


def _as_float_arrays(lngs: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = np.broadcast_arrays(np.asarray(lngs, dtype=np.float64),
                               np.asarray(lats, dtype=np.float64))
    return x.copy(), y.copy()


def _wgs_to_gcj_many(lngs: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    inside = _in_china_many(lngs, lats)
    dlng, dlat = _gcj_shift(lngs, lats, _VECTOR)
    return np.where(inside, lngs + dlng, lngs), np.where(inside, lats + dlat, lats)


def _max_abs(values: FloatArray) -> float:
    # NaN/inf inputs can never converge, so they must not keep the loop running or, via a
    # NaN maximum, stop it before the finite points have converged.
    return float(np.max(np.abs(values), initial=0.0, where=np.isfinite(values)))


def _gcj_to_wgs_many(lngs: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    inside = _in_china_many(lngs, lats)
    wlng, wlat = lngs.copy(), lats.copy()
    for _ in range(_MAX_ITERATIONS):
        dlng, dlat = _gcj_shift(wlng, wlat, _VECTOR)
        nlng = np.where(inside, lngs - dlng, lngs)
        nlat = np.where(inside, lats - dlat, lats)
        change = max(_max_abs(nlng - wlng), _max_abs(nlat - wlat))
        wlng, wlat = nlng, nlat
        if change < _CONVERGED_DEG:
            break
    return wlng, wlat


def _bd_to_gcj_many(lngs: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    glng, glat = _bd_to_gcj_first_guess(lngs, lats, _VECTOR)
    for _ in range(_MAX_ITERATIONS):
        blng, blat = _gcj_to_bd(glng, glat, _VECTOR)
        elng, elat = blng - lngs, blat - lats
        glng, glat = glng - elng, glat - elat
        if max(_max_abs(elng), _max_abs(elat)) < _CONVERGED_DEG:
            break
    return glng, glat


def to_wgs84_many(
    lngs: npt.ArrayLike, lats: npt.ArrayLike, crs: Crs | str
) -> tuple[FloatArray, FloatArray]:
    """Vectorised `to_wgs84`: float64 arrays of the broadcast input shape (inputs untouched)."""
    source = Crs(crs)
    x, y = _as_float_arrays(lngs, lats)
    if source is Crs.WGS84:
        return x, y
    if source is Crs.BD09:
        x, y = _bd_to_gcj_many(x, y)
    return _gcj_to_wgs_many(x, y)


def from_wgs84_many(
    lngs: npt.ArrayLike, lats: npt.ArrayLike, crs: Crs | str
) -> tuple[FloatArray, FloatArray]:
    """Vectorised `from_wgs84`: float64 arrays of the broadcast input shape."""
    target = Crs(crs)
    x, y = _as_float_arrays(lngs, lats)
    if target is Crs.WGS84:
        return x, y
    x, y = _wgs_to_gcj_many(x, y)
    if target is Crs.GCJ02:
        return x, y
    bx, by = _gcj_to_bd(x, y, _VECTOR)
    return np.asarray(bx, dtype=np.float64), np.asarray(by, dtype=np.float64)
