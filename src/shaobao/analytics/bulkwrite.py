"""Many whole rows into one table fast: COPY on PostgreSQL, one executemany on SQLite.

Used by `import-cases` and the analytics benchmarks (`bench analytics|import|sweep`).
Callers hand over tuples of database-ready values (see `db_time`, `db_date`) in the order
of `columns`; the values that are the same in every row go in `constants` once:

* SQLite gets the constants as SQL literals in the INSERT. Binding a Python `None` or
  `bool` makes the sqlite3 module look for an adapter (an attribute lookup that raises),
  about 1 µs per value — more than the insert of an integer — and a case row has a dozen.
* PostgreSQL COPY must name every NOT NULL column (Django sets no database defaults),
  so the constants are appended to each row.

No transaction of its own: the caller's transaction covers every table of a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def db_time(value: datetime | None, sqlite: bool) -> Any:
    """An aware datetime as the backend stores it (SQLite: naive-UTC text, as Django)."""
    if value is None or not sqlite:
        return value
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def db_date(value: date, sqlite: bool) -> Any:
    return value.isoformat() if sqlite else value


def sql_literal(value: Any, *, pg: bool = False) -> str:
    """A constant as SQL text (for statements run with parameters: `%` comes doubled)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if pg else ("1" if value else "0")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):  # `%` doubled: Django's SQLite cursor turns `%%` back into `%`
        return "'" + value.replace("'", "''").replace("%", "%%") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


class BulkTable:
    """One table's bulk writer: `write(rows)` appends rows, nothing else."""

    def __init__(self, table: str, columns: Sequence[str],
                 constants: Mapping[str, Any] | None = None) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.constants = dict(constants or {})
        overlap = set(self.columns) & set(self.constants)
        if overlap:
            raise ValueError(f"columns given twice: {sorted(overlap)}")
        self._tail = tuple(self.constants.values())
        names = ", ".join([*self.columns, *self.constants])
        self._copy_sql = f"COPY {table} ({names}) FROM STDIN"
        values = ", ".join(["%s"] * len(self.columns)
                           + [sql_literal(v) for v in self.constants.values()])
        self._insert_sql = f"INSERT INTO {table} ({names}) VALUES ({values})"

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return
        with connection.cursor() as cur:
            if is_sqlite():
                cur.executemany(self._insert_sql, rows)
                return
            tail = self._tail
            with cur.cursor.copy(self._copy_sql) as copy:  # the psycopg cursor under Django's
                write_row = copy.write_row
                for row in rows:
                    write_row(row + tail)
