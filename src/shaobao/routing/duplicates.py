"""Possible duplicates beyond the same-item rule: text similarity × distance × time.

Used while a resident reports ("this looks like DG…: follow that one instead?") and in
the station's queue. Works without an item: only text, place and time are compared.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from shaobao.cases.models import OPEN_STATUSES, Case, Status
from shaobao.cases.selectors import case_scope_filter
from shaobao.cases.services.intake import distance_m
from shaobao.org.models import User


def char_bigrams(text: str) -> Counter[str]:
    """Character bigrams of the text with whitespace and punctuation removed."""
    chars = [c for c in text or "" if c.isalnum()]
    if len(chars) == 1:
        return Counter(chars)
    return Counter(a + b for a, b in itertools.pairwise(chars))


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def _half_sides(lat: float, radius_m: float) -> tuple[float, float]:
    """Half the sides, in degrees of latitude and longitude, of the square around a point."""
    return (radius_m / 111_320,
            radius_m / (111_320 * max(0.01, math.cos(math.radians(lat)))))


def _box(lat: float, lng: float, at: datetime, radius_m: float, window: timedelta) -> Q:
    """Open cases in the square around (lat, lng) and the window around `at` (index-friendly)."""
    dlat, dlng = _half_sides(lat, radius_m)
    return Q(created_at__gte=at - window, created_at__lte=at + window,
             lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng))


def _score(query: Counter[str], lat: float, lng: float, at: datetime, case: Case,
           bigrams: Counter[str], radius_m: float, window: timedelta,
           min_similarity: float) -> float | None:
    """The score of `case` against the query, or None when it is not a candidate."""
    if case.lat is None or case.lng is None:
        return None
    d = distance_m(lat, lng, case.lat, case.lng)
    if d > radius_m:
        return None
    sim = cosine(query, bigrams)
    if sim < min_similarity:
        return None
    dt = abs((case.created_at - at).total_seconds()) / window.total_seconds()
    return round(sim * (1 - 0.5 * d / radius_m) * (1 - 0.5 * min(1.0, dt)), 4)


def _best(scored: list[tuple[Case, float]], limit: int) -> list[tuple[Case, float]]:
    scored.sort(key=lambda cs: (-cs[1], cs[0].number))
    return scored[:limit]


def similar_open_cases(text: str, lat: float, lng: float, at: datetime, *, radius_m: float = 300,
                       hours: float = 72, limit: int = 5, min_similarity: float = 0.2,
                       exclude: int | None = None, scope: Q | None = None,
                       ) -> list[tuple[Case, float]]:
    """Open cases near (lat, lng) around time `at` that read like `text`, best first.

    score = cosine(char bigrams) × (1 − ½·distance/radius) × (1 − ½·|Δt|/window), so a case
    at the same spot and moment keeps its full text similarity and one at the edge of
    the radius and window keeps a quarter of it. Cases whose text similarity is below
    `min_similarity` are never suggested, however close. `scope` (a case filter such as
    `case_scope_filter(user)`) limits the candidates to cases a viewer may open.
    """
    query = char_bigrams(text)
    if not query:
        return []
    window = timedelta(hours=hours)
    nearby = (Case.objects.filter(_box(lat, lng, at, radius_m, window), status__in=OPEN_STATUSES)
              .select_related("item").order_by("-created_at"))
    if scope is not None:
        nearby = nearby.filter(scope)
    if exclude is not None:
        nearby = nearby.exclude(pk=exclude)
    scored: list[tuple[Case, float]] = []
    for case in nearby[:500]:
        score = _score(query, lat, lng, at, case, char_bigrams(case.description), radius_m,
                       window, min_similarity)
        if score is not None:
            scored.append((case, score))
    return _best(scored, limit)


def similar_for_cases(cases: list[Case], *, scope: Q | None = None, radius_m: float = 300,
                      hours: float = 72, limit: int = 3, min_similarity: float = 0.2,
                      ) -> dict[int, list[tuple[Case, float]]]:
    """`similar_to_case` for a page of cases in one query: {case id: [(other, score)]}.

    The candidates of every case are fetched together (one OR of their boxes) so that a
    list page costs one query, not one per row; scoring is the same as one at a time.
    """
    located = [c for c in cases if c.lat is not None and c.lng is not None]
    if not located:
        return {}
    window = timedelta(hours=hours)
    boxes = Q()
    for c in located:
        assert c.lat is not None and c.lng is not None
        boxes |= _box(c.lat, c.lng, c.created_at, radius_m, window)
    qs = (Case.objects.filter(boxes, status__in=OPEN_STATUSES)
          .select_related("item").order_by("-created_at"))
    if scope is not None:
        qs = qs.filter(scope)
    candidates = list(qs[:2000])  # the lat/lng ranges leave no case without a place
    grams: dict[int, Counter[str]] = {}
    result: dict[int, list[tuple[Case, float]]] = {}
    for case in located:
        assert case.lat is not None and case.lng is not None
        query = char_bigrams(case.description)
        if not query:
            result[case.pk] = []
            continue
        # The query returned what is near *any* case of the page; each case first keeps
        # its own box (four comparisons), so distance and text are scored only there.
        dlat, dlng = _half_sides(case.lat, radius_m)
        lat_lo, lat_hi, lng_lo, lng_hi = (case.lat - dlat, case.lat + dlat,
                                          case.lng - dlng, case.lng + dlng)
        t_lo, t_hi = case.created_at - window, case.created_at + window
        scored = []
        for other in candidates:
            if other.pk == case.pk or not (lat_lo <= other.lat <= lat_hi  # type: ignore[operator]
                                           and lng_lo <= other.lng <= lng_hi  # type: ignore[operator]
                                           and t_lo <= other.created_at <= t_hi):
                continue
            bigrams = grams.get(other.pk)
            if bigrams is None:
                bigrams = grams[other.pk] = char_bigrams(other.description)
            score = _score(query, case.lat, case.lng, case.created_at, other, bigrams,
                           radius_m, window, min_similarity)
            if score is not None:
                scored.append((other, score))
        result[case.pk] = _best(scored, limit)
    return result


def similar_to_case(case: Case, **kwargs: object) -> list[tuple[Case, float]]:
    """`similar_open_cases` for an existing case (itself excluded)."""
    if case.lat is None or case.lng is None:
        return []
    return similar_open_cases(case.description, case.lat, case.lng, case.created_at,
                              exclude=case.pk, **kwargs)  # type: ignore[arg-type]


EXCERPT_CHARS = 40


def similar_hints_for(user: User, text: str, lat: float, lng: float,
                      at: datetime) -> list[dict[str, Any]]:
    """Nearby open cases that read like `text`, as someone about to report may see them.

    Anyone signed in learns a case's number, item, status, report time, distance (rounded
    to 10 m) and score — enough to follow it instead of filing again. A short excerpt of
    the description is added only for cases the user may open anyway (the one scope gate,
    so for a resident only their own); reporter, photos and address are never included.
    """
    found = similar_open_cases(text, lat, lng, at)
    ids = [c.pk for c, _ in found]
    visible = set(Case.objects.filter(case_scope_filter(user), pk__in=ids)
                  .values_list("pk", flat=True)) if ids else set()
    hints = []
    for case, score in found:
        assert case.lat is not None and case.lng is not None
        hints.append({
            "number": case.number, "item": case.item.code if case.item else None,
            "item_name": case.item.name if case.item else "未分类",
            "status": case.status, "status_label": str(Status(case.status).label),
            "created_at": case.created_at,
            "distance_m": int(round(distance_m(lat, lng, case.lat, case.lng), -1)),
            "score": score,
            "excerpt": case.description[:EXCERPT_CHARS] if case.pk in visible else None})
    return hints
