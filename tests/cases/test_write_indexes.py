"""The indexes that were dropped or narrowed for cheaper writes stay that way.

Each case insert, event and rollup update paid for them (docs/performance.md, import,
third round); a later model change could bring them back without anyone noticing.
"""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, dict[str, object]]:
    with connection.cursor() as cur:
        return connection.introspection.get_constraints(cur, table)


def test_case_indexes_only_where_read() -> None:
    cases = _indexes("cases_case")
    columns = {tuple(c["columns"]) for c in cases.values() if c["index"]}
    assert ("overdue",) not in columns  # the partial overdue indexes serve those queries
    assert "case_reporter" in cases and "case_marked_due" in cases
    events = _indexes("cases_caseevent")
    assert ("at",) not in {tuple(c["columns"]) for c in events.values() if c["index"]}
    assert "event_actor" in events
    facts = _indexes("analytics_casefacts")
    assert ("overdue_open",) not in {tuple(c["columns"]) for c in facts.values()}
    assert not any(c["foreign_key"] for c in facts.values())  # derived rows, no FK check


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL storage options")
def test_postgresql_pattern_index_gone_and_rollup_pages_keep_room() -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'cases_case' "
                    "AND indexdef LIKE '%%varchar_pattern_ops%%'")
        assert cur.fetchall() == []
        cur.execute("SELECT relname, reloptions FROM pg_class WHERE relname IN "
                    "('analytics_dailyrollup', 'analytics_monthlyrollup', "
                    "'analytics_dailycoarserollup', 'analytics_monthlycoarserollup')")
        options = dict(cur.fetchall())
    assert len(options) == 4
    assert all(opts == ["fillfactor=70"] for opts in options.values()), options
