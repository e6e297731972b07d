"""A fixed-window rate limiter on Django's cache (LocMem, or Redis when REDIS_URL is set).

`hit("open311-read", ip, limit)` counts one request in the current minute and raises
`RateLimited` (→ 429 with Retry-After) once the count passes `limit`. A window is
keyed by its start, so counters expire on their own and need no cleanup.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest

from shaobao.core.errors import ShaobaoError
from shaobao.core.rules import product_rule

WINDOW_SECONDS = 60


class RateLimited(ShaobaoError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"请求过于频繁，请 {retry_after} 秒后重试",
                         details={"retry_after": retry_after})
        self.retry_after = retry_after


def limit_of(name: str, default: int) -> int:
    try:
        return int(product_rule(name))
    except KeyError:
        return default


def hit(scope: str, who: str, limit: int, *, now: float | None = None) -> None:
    """Count a request by `who` in `scope`; raise RateLimited past `limit` per window."""
    if limit <= 0:
        return
    t = time.time() if now is None else now
    window = int(t // WINDOW_SECONDS)
    key = f"rl:{scope}:{who}:{window}"
    # add() is atomic on every backend; incr() too (LocMem under a lock, Redis INCR).
    if cache.add(key, 1, timeout=WINDOW_SECONDS + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=WINDOW_SECONDS + 5)
            count = 1
    if count > limit:
        retry_after = max(1, int((window + 1) * WINDOW_SECONDS - t + 0.999))
        raise RateLimited(retry_after)


def client_ip(request: HttpRequest) -> str:
    # Behind Shaobao's own reverse proxy set SHAOBAO_TRUST_X_FORWARDED_FOR; by default the
    # socket address is used so a client cannot pick its own bucket.
    if product_rule_flag("TRUST_X_FORWARDED_FOR"):
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def product_rule_flag(name: str) -> bool:
    try:
        return bool(product_rule(name))
    except KeyError:
        return False
