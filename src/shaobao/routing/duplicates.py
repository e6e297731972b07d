"""Possible duplicates beyond the same-item rule: text similarity × distance × time.

Used while a resident reports ("this looks like DG…: follow that one instead?") and in
the station's queue. Works without an item: only text, place and time are compared.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from datetime import datetime, timedelta

from shaobao.cases.models import OPEN_STATUSES, Case
from shaobao.cases.services.intake import distance_m


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


def similar_open_cases(text: str, lat: float, lng: float, at: datetime, *, radius_m: float = 300,
                       hours: float = 72, limit: int = 5, min_similarity: float = 0.2,
                       exclude: int | None = None) -> list[tuple[Case, float]]:
    """Open cases near (lat, lng) around time `at` that read like `text`, best first.

    score = cosine(char bigrams) × (1 − ½·distance/radius) × (1 − ½·|Δt|/window), so a case
    at the same spot and moment keeps its full text similarity and one at the edge of
    the radius and window keeps a quarter of it. Cases whose text similarity is below
    `min_similarity` are never suggested, however close.
    """
    query = char_bigrams(text)
    if not query:
        return []
    window = timedelta(hours=hours)
    dlat = radius_m / 111_320
    dlng = radius_m / (111_320 * max(0.01, math.cos(math.radians(lat))))
    nearby = (Case.objects.filter(status__in=OPEN_STATUSES,
                                  created_at__gte=at - window, created_at__lte=at + window,
                                  lat__range=(lat - dlat, lat + dlat),
                                  lng__range=(lng - dlng, lng + dlng))
              .select_related("item").order_by("-created_at"))
    if exclude is not None:
        nearby = nearby.exclude(pk=exclude)
    scored: list[tuple[Case, float]] = []
    for case in nearby[:500]:
        if case.lat is None or case.lng is None:
            continue
        d = distance_m(lat, lng, case.lat, case.lng)
        if d > radius_m:
            continue
        sim = cosine(query, char_bigrams(case.description))
        if sim < min_similarity:
            continue
        dt = abs((case.created_at - at).total_seconds()) / window.total_seconds()
        score = sim * (1 - 0.5 * d / radius_m) * (1 - 0.5 * min(1.0, dt))
        scored.append((case, round(score, 4)))
    scored.sort(key=lambda cs: (-cs[1], cs[0].number))
    return scored[:limit]


def similar_to_case(case: Case, **kwargs: object) -> list[tuple[Case, float]]:
    """`similar_open_cases` for an existing case (itself excluded)."""
    if case.lat is None or case.lng is None:
        return []
    return similar_open_cases(case.description, case.lat, case.lng, case.created_at,
                              exclude=case.pk, **kwargs)  # type: ignore[arg-type]
