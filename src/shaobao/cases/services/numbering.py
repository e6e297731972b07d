"""Human-readable case numbers: prefix + Beijing date + daily sequence (DG202611280001)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection

from shaobao.cases.models import CaseNumberCounter
from shaobao.core.rules import product_rule

LOCAL = ZoneInfo("Asia/Shanghai")


def _take_next(prefix: str, day_iso: str, *, flush_later: bool = False) -> int:
    # One statement creates today's row or bumps it and hands back the value: the row
    # lock (PostgreSQL) or the write lock (SQLite) makes two callers see different values.
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    source = "VALUES (%s, %s, 1)"
    if flush_later:
        # The counter row stays locked until commit, so waiting there for the WAL flush
        # queued every PostgreSQL intake behind the disk. Not waiting is safe: a case
        # using the number commits later with a full flush, which writes all earlier WAL
        # too, so a number in a durable case is durable; a crash can only lose a bump no
        # committed case used. set_config(…, true) lasts for this statement's own
        # transaction, i.e. until its commit.
        source = ("SELECT %s, CAST(%s AS date), 1 FROM (SELECT set_config("
                  "'synchronous_commit', 'off', true)) AS flush_later")
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {table} (prefix, day, last) {source} "
                    f"ON CONFLICT (prefix, day) DO UPDATE SET last = {table}.last + 1 "
                    "RETURNING last", [prefix, day_iso])
        row = cur.fetchone()
    return int(row[0])


def number_before_transaction() -> bool:
    """Whether intake should take its number before opening its own transaction.

    Where rows are locked one by one (PostgreSQL), holding the counter's row lock for the
    whole intake would let only one intake run at a time, so the number is taken in its
    own short transaction: never given twice, but an intake that fails after taking one
    leaves a gap. SQLite locks the whole database for any write anyway, so there the number
    is taken inside the intake's transaction and the sequence has no gaps.
    """
    return connection.vendor != "sqlite"


def case_number_next(at: datetime) -> str:
    """Allocate the next number for the Beijing day of `at`: inside the caller's
    transaction, or, called outside one, as one statement committed on its own."""
    prefix = product_rule("CASE_NUMBER_PREFIX")
    day = at.astimezone(LOCAL).date()
    # Outside a transaction (PostgreSQL intake) the statement commits on its own, and
    # that commit need not wait for the disk (see _take_next).
    flush_later = connection.vendor == "postgresql" and not connection.in_atomic_block
    last = _take_next(prefix, day.isoformat(), flush_later=flush_later)
    return f"{prefix}{day:%Y%m%d}{last:04d}"

