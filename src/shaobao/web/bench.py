"""Server time of the main pages, in-process through Django's test client.

Used by `tests/web/test_latency.py` (a generated dataset) and by `shaobao bench pages`
(whatever database `SHAOBAO_DATA_DIR` points at, e.g. the demo). Read-only: sessions are
signed cookies and `last_login` is not touched, so a demo database is left as it was.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import user_logged_in
from django.contrib.auth.models import update_last_login
from django.db.models import Count
from django.test import Client, override_settings

from shaobao.cases.models import Case, Status
from shaobao.org.models import Role, User


@dataclass
class PageTiming:
    role: str
    url: str
    status: int
    p50_ms: float
    p95_ms: float
    max_ms: float

    @property
    def name(self) -> str:
        return f"{self.role} {self.url}"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil
    return ordered[int(rank) - 1]


@contextlib.contextmanager
def read_only_sessions() -> Iterator[None]:
    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    try:
        with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
                               ALLOWED_HOSTS=["testserver"]):
            yield
    finally:
        user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")


def _busiest(role: str, field: str) -> User | None:
    """The active user of `role` whose division/department has the most cases."""
    users = User.objects.filter(role=role, is_active=True).order_by("id")
    counts = dict(Case.objects.values_list(field).annotate(n=Count("id")).values_list(field, "n"))
    attr = "division_id" if field == "community" else "department_id"
    return max(users, key=lambda u: counts.get(getattr(u, attr), 0), default=None)


def main_pages() -> list[tuple[User, str]]:
    """(viewer, url) for the main pages: queues of station, department and command, a busy
    case page, the command center and its data, the report form."""
    station = _busiest(Role.STATION, "community")
    department = _busiest(Role.DEPARTMENT, "lead_department")
    command = User.objects.filter(role=Role.COMMAND, is_active=True).order_by("id").first()
    resident = User.objects.filter(role=Role.RESIDENT, is_active=True).order_by("id").first()
    pages: list[tuple[User, str]] = []
    if station:
        pages.append((station, "/"))
        fresh = (Case.objects.filter(community_id=station.division_id, status__in=(Status.SUBMITTED, Status.ACCEPTED))
                 .order_by("-id").first())  # the station's accept form runs the router
        if fresh is not None:
            pages.append((station, f"/cases/{fresh.number}"))
    if department:
        pages.append((department, "/"))
    if command:
        pages.append((command, "/"))
        case = (Case.objects.filter(status__in=(Status.CLOSED, Status.HANDLED, Status.IN_PROGRESS))
                .annotate(n=Count("events")).order_by("-n", "id").first())
        if case is not None:
            pages.append((command, f"/cases/{case.number}"))
        pages += [(command, "/command/"), (command, "/command/data.json")]
    if resident:
        pages.append((resident, "/report"))
    return pages


def time_pages(pages: list[tuple[User, str]], repeat: int = 20,
               warmup: int = 2) -> list[PageTiming]:
    out = []
    with read_only_sessions():
        for user, url in pages:
            client = Client()
            client.force_login(user)
            for _ in range(warmup):
                client.get(url)
            times, status = [], 0
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                status = response.status_code
            out.append(PageTiming(str(user.role), url, status, round(percentile(times, 50), 1),
                                  round(percentile(times, 95), 1), round(max(times), 1)))
    return out


def bench_pages_run(repeat: int = 20) -> list[tuple[str, object]]:
    """`name: value` rows for `shaobao bench pages`."""
    rows: list[tuple[str, object]] = [("cases", Case.objects.count()), ("repeat", repeat)]
    for t in time_pages(main_pages(), repeat):
        key = f"page {t.role} {'/cases/<n>' if t.url.startswith('/cases/') else t.url}"
        rows.append((f"{key} p50_ms", t.p50_ms))
        rows.append((f"{key} p95_ms", t.p95_ms))
        rows.append((f"{key} status", t.status))
    return rows
