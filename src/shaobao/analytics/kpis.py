"""Indicators of SPEC §5 for any period and scope, read from the rollups.

A period is a range of calendar days (Beijing time) on which cases were *reported*
(cohort view: a case counts in the month it came in, with its outcome as it stands
now). Whole months inside the range are read from `MonthlyRollup`, the ragged ends
from `DailyRollup`, so a one-year query sums a few thousand rows whatever the case
count. Medians and p90 of durations come from the facts rows of the scope.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum

from shaobao.analytics.models import (
    FLAGS,
    CaseFacts,
    DailyCoarseRollup,
    DailyRollup,
    MonthlyCoarseRollup,
    MonthlyRollup,
)
from shaobao.core.rules import product_rule

RATE_NAMES = ("response", "closure", "on_time_closure", "rework", "satisfaction",
              "resolution", "station_solved", "feedback_3d", "whistle_resolution", "rated_share")
GRADES = ((90.0, "A"), (75.0, "B"), (60.0, "C"), (40.0, "D"))
DEFAULT_MIN_SAMPLE = 5


@dataclass(frozen=True)
class Scope:
    """Which cases: all of a district, or narrowed by street, community, department, item."""

    district_code: str | None = None
    street_id: int | None = None
    community_id: int | None = None
    department_id: int | None = None
    item_code: str | None = None

    @property
    def fine(self) -> bool:
        """Whether the scope needs the community × item rollups (else the coarse ones)."""
        return self.community_id is not None or self.item_code is not None

    def q(self) -> Q:
        q = Q()
        for name, value in asdict(self).items():
            if value is not None:
                q &= Q(**{name: value})
        return q


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def split_period(frm: date, to: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """(day ranges for DailyRollup, month range for MonthlyRollup) covering frm..to."""
    if to < frm:
        return [], None
    first_full = frm if frm.day == 1 else add_months(frm, 1)
    last_full_end = to if to == month_end(to) else month_start(to) - timedelta(days=1)
    if first_full > last_full_end:
        return [(frm, to)], None
    days = []
    if frm < first_full:
        days.append((frm, first_full - timedelta(days=1)))
    if last_full_end < to:
        days.append((last_full_end + timedelta(days=1), to))
    return days, (first_full, month_start(last_full_end))


def rollup_models(fine: bool) -> tuple[Any, Any]:
    return (DailyRollup, MonthlyRollup) if fine else (DailyCoarseRollup, MonthlyCoarseRollup)


def _sum_fields() -> dict[str, Sum]:
    return {f: Sum(f) for f in FLAGS}


def counts_for(scope: Scope, frm: date, to: date) -> dict[str, int]:
    day_ranges, months = split_period(frm, to)
    totals = dict.fromkeys(FLAGS, 0)
    parts: list[QuerySet[Any]] = []
    daily, monthly = rollup_models(scope.fine)
    if day_ranges:
        dq = Q()
        for a, b in day_ranges:
            dq |= Q(day__gte=a, day__lte=b)
        parts.append(daily.objects.filter(scope.q(), dq))
    if months:
        parts.append(monthly.objects.filter(scope.q(), month__gte=months[0],
                                            month__lte=months[1]))
    for qs in parts:
        row = qs.aggregate(**_sum_fields())
        for f in FLAGS:
            totals[f] += int(row[f] or 0)
    return totals


def _ratio(num: float, den: float) -> float | None:
    return None if not den else num / den


def rates_from(c: Mapping[str, int]) -> dict[str, float | None]:
    return {
        "response": _ratio(c["checked_in_on_time"], c["whistled"]),
        "closure": _ratio(c["closed"], c["due_to_close"]),
        "on_time_closure": _ratio(c["closed_on_time"], c["closed"] + c["overdue_open"]),
        "rework": _ratio(c["reworked"], c["due_to_close"]),
        "satisfaction": _ratio(c["satisfied"] + 0.9 * c["basically_satisfied"], c["rated"]),
        "resolution": _ratio(c["resolved"], c["rated"]),
        "station_solved": _ratio(c["station_solved"], c["closed"]),
        "feedback_3d": _ratio(c["feedback_3d"], c["submitted"]),
        "whistle_resolution": _ratio(c["whistle_closed"], c["whistled"]),
        "rated_share": _ratio(c["rated_closed"], c["closed"]),
    }


def composite_of(rates: Mapping[str, float | None],
                 weights: Mapping[str, float] | None = None) -> float | None:
    """0.1 × response + 0.5 × resolution + 0.4 × satisfaction, on a 0–100 scale.

    A component whose base is empty (e.g. no whistled case, so no response rate) is left
    out and the remaining weights are scaled up; null when every component is empty.
    """
    w = dict(weights or product_rule("COMPOSITE_WEIGHTS"))
    have = {k: v for k, v in w.items() if rates.get(k) is not None}
    total = sum(have.values())
    if not total:
        return None
    return round(100.0 * sum(float(rates[k] or 0.0) * v for k, v in have.items()) / total, 2)


def grade_of(score: float | None) -> str | None:
    if score is None:
        return None
    for threshold, grade in GRADES:
        if score >= threshold:
            return grade
    return "E"


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), None for no values."""
    if not values:
        return None
    values = sorted(values)
    pos = (len(values) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return round(values[lo] + (values[hi] - values[lo]) * (pos - lo), 3)


def times_for(scope: Scope, frm: date, to: date) -> dict[str, Any]:
    base = CaseFacts.objects.filter(scope.q(), day__gte=frm, day__lte=to)
    check_in = [v for v in base.filter(checked_in=1).values_list("check_in_hours", flat=True)
                if v is not None]
    close = [v for v in base.filter(closed=1).values_list("close_hours", flat=True)
             if v is not None]
    return {"check_in_p50_hours": percentile(check_in, 50),
            "check_in_p90_hours": percentile(check_in, 90),
            "close_p50_hours": percentile(close, 50),
            "close_p90_hours": percentile(close, 90),
            "unit": "working_hours"}


def kpis_for(scope: Scope, frm: date, to: date, *, times: bool = False,
             compare: bool = False) -> dict[str, Any]:
    """Every SPEC §5 indicator for cases reported in frm..to (inclusive) within scope."""
    counts = counts_for(scope, frm, to)
    rates = rates_from(counts)
    result: dict[str, Any] = {"period": {"from": frm.isoformat(), "to": to.isoformat()},
                              "counts": counts, "rates": rates,
                              "composite": composite_of(rates)}
    result["grade"] = grade_of(result["composite"])
    if times:
        result["times"] = times_for(scope, frm, to)
    if compare:
        result["compare"] = kpis_compare(scope, frm, to, rates)
    return result


def shifted(frm: date, to: date, months: int) -> tuple[date, date]:
    """The same period `months` earlier; whole months stay whole months."""
    whole = frm.day == 1 and to == month_end(to)
    new_from = add_months(frm, months).replace(day=1)
    if whole:
        span = (to.year * 12 + to.month) - (frm.year * 12 + frm.month)
        return new_from, month_end(add_months(new_from, span))
    new_from = new_from.replace(day=min(frm.day, month_end(new_from).day))
    return new_from, new_from + (to - frm)


def kpis_compare(scope: Scope, frm: date, to: date,
                 rates: Mapping[str, float | None]) -> dict[str, Any]:
    """Month-on-month (the period one month earlier) and year-on-year (twelve earlier)."""
    out: dict[str, Any] = {}
    span_months = (to.year * 12 + to.month) - (frm.year * 12 + frm.month) + 1
    for name, months in (("mom", -max(1, span_months) if frm.day == 1 and to == month_end(to)
                          else -1), ("yoy", -12)):
        a, b = shifted(frm, to, months)
        c = counts_for(scope, a, b)
        r = rates_from(c)
        out[name] = {
            "period": {"from": a.isoformat(), "to": b.isoformat()},
            "submitted": c["submitted"], "rates": r, "composite": composite_of(r),
            "change": {k: (None if rates.get(k) is None or r[k] is None
                           else round(float(rates[k] or 0) - float(r[k] or 0), 6))
                       for k in RATE_NAMES},
        }
    return out


def series_for(scope: Scope, frm: date, to: date, interval: str) -> list[dict[str, Any]]:
    """Counts and rates per day or per month."""
    daily, monthly = rollup_models(scope.fine)
    if interval == "month":
        qs = (monthly.objects.filter(scope.q(), month__gte=month_start(frm), month__lte=to)
              .values("month").annotate(**_sum_fields()).order_by("month"))
        period = "month"
    else:
        qs = (daily.objects.filter(scope.q(), day__gte=frm, day__lte=to)
              .values("day").annotate(**_sum_fields()).order_by("day"))
        period = "day"
    out = []
    for row in qs:
        counts = {f: int(row[f] or 0) for f in FLAGS}
        rates = rates_from(counts)
        out.append({period: row[period].isoformat(), "counts": counts, "rates": rates,
                    "composite": composite_of(rates)})
    return out


def rankings_for(kind: str, frm: date, to: date, *, district_code: str | None = None,
                 min_sample: int | None = None) -> list[dict[str, Any]]:
    """Departments (by lead department) or stations (by community), best first.

    Entries below the minimum sample (cases in the unit's scope) keep their figures but
    get no rank and no grade, so nobody tops a ranking on one case.
    """
    from shaobao.geo.models import Division
    from shaobao.org.models import Department

    dim = "department_id" if kind == "department" else "community_id"
    minimum = min_sample if min_sample is not None else int(
        product_rule("RANKING_MIN_SAMPLE") if "RANKING_MIN_SAMPLE" in _rules() else
        DEFAULT_MIN_SAMPLE)
    groups: dict[int, dict[str, int]] = {}
    day_ranges, months = split_period(frm, to)
    sources: list[QuerySet[Any]] = []
    base = Q(district_code=district_code) if district_code else Q()
    daily, monthly = rollup_models(kind != "department")
    if day_ranges:
        dq = Q()
        for a, b in day_ranges:
            dq |= Q(day__gte=a, day__lte=b)
        sources.append(daily.objects.filter(base, dq))
    if months:
        sources.append(monthly.objects.filter(base, month__gte=months[0],
                                              month__lte=months[1]))
    for qs in sources:
        for row in qs.exclude(**{dim: 0}).values(dim).annotate(**_sum_fields()):
            acc = groups.setdefault(row[dim], dict.fromkeys(FLAGS, 0))
            for f in FLAGS:
                acc[f] += int(row[f] or 0)
    if kind == "department":
        names = {d.pk: (d.code, d.short_name or d.name)
                 for d in Department.objects.filter(pk__in=groups)}
    else:
        names = {d.pk: (d.code, d.name) for d in Division.objects.filter(pk__in=groups)}
    entries: list[dict[str, Any]] = []
    for key, counts in groups.items():
        rates = rates_from(counts)
        score = composite_of(rates)
        code, name = names.get(key, (str(key), str(key)))
        sample = counts["submitted"]
        entries.append({"code": code, "name": name, "sample": sample,
                        "eligible": sample >= minimum and score is not None,
                        "composite": score, "rates": rates, "counts": counts})
    entries.sort(key=lambda e: (not e["eligible"], -(e["composite"] or 0.0), e["code"]))
    rank = 0
    for e in entries:
        if e["eligible"]:
            rank += 1
            e["rank"], e["grade"] = rank, grade_of(e["composite"])
        else:
            e["rank"], e["grade"] = None, None
    return entries


def _rules() -> dict[str, Any]:
    from django.conf import settings

    rules: dict[str, Any] = settings.SHAOBAO
    return rules
