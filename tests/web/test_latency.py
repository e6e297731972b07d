"""Server time of the main pages over a modest generated history.

The product target is p95 < 300 ms on the demo data, measured by `shaobao bench pages`
on an otherwise idle machine (figures in docs/performance.md, "Pages"). This test runs
inside a busy test suite on a 2-core machine, so it guards against regressions with a
wider budget: a page that suddenly takes seconds (an N+1 query, a missing index) fails it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from web.test_pages import login, report

pytestmark = pytest.mark.django_db
BUDGET_MS = 1500.0
CASES = 150


def test_main_pages_stay_fast_at_p95() -> None:
    from shaobao.cases.models import Case
    from shaobao.demo.history import demo_history
    from shaobao.web.bench import main_pages, time_pages

    done = demo_history(lambda m: None, cases=CASES, now=timezone.now() - timedelta(hours=1),
                        create_missing_users=True)
    assert done is not None and sum(done.values()) == CASES
    report(login("resident1"), description="小区门口垃圾堆积多日无人清运")  # a fresh one to accept
    pages = main_pages()
    urls = {(str(u.role), url.split("/cases/")[0] + "/cases/" if "/cases/" in url else url)
            for u, url in pages}
    assert urls >= {("station", "/"), ("department", "/"), ("command", "/"),
                    ("station", "/cases/"), ("command", "/cases/"), ("command", "/command/"),
                    ("command", "/command/data.json"), ("resident", "/report")}
    timings = time_pages(pages, repeat=20)
    print("\n" + "\n".join(f"{t.name}: p50 {t.p50_ms} ms, p95 {t.p95_ms} ms" for t in timings))
    assert all(t.status == 200 for t in timings), [(t.name, t.status) for t in timings]
    slow = [(t.name, t.p95_ms) for t in timings if t.p95_ms >= BUDGET_MS]
    assert not slow, slow
    assert Case.objects.count() == CASES + 1
