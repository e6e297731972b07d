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
from typing import Any, cast

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
                 constants: Mapping[str, Any] | None = None, *, binary: bool = False) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.constants = dict(constants or {})
        overlap = set(self.columns) & set(self.constants)
        if overlap:
            raise ValueError(f"columns given twice: {sorted(overlap)}")
        self._tail = tuple(self.constants.values())
        names = ", ".join([*self.columns, *self.constants])
        self._copy_sql = f"COPY {table} ({names}) FROM STDIN"
        # Binary COPY: psycopg packs ints, floats and datetimes in C (a tenth of the
        # client CPU of the text format for a case row, measured) and the server skips
        # parsing text. Every value must suit its column's binary type (no `str` for a
        # jsonb column), so callers opt in per table.
        self.binary = binary
        if binary:
            self._copy_sql += " (FORMAT BINARY)"
        self._types: list[int] | None = None
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
            types = self._column_types(cur)
            with cur.cursor.copy(self._copy_sql) as copy:  # the psycopg cursor under Django's
                if types:
                    copy.set_types(types)
                write_row = copy.write_row
                for row in rows:
                    write_row(row + tail)

    def write_keyed(self, keys: Sequence[Any], rows: Sequence[tuple[Any, ...]]) -> None:
        """`write` with `keys[i]` as the first column of `rows[i]`.

        Rows are prepared before their ids exist (the importer's reader thread); joining
        them here costs one tuple concatenation per row and no second list.
        """
        if not rows:
            return
        with connection.cursor() as cur:
            if is_sqlite():
                joined = ((k, *row) for k, row in zip(keys, rows, strict=True))
                cur.executemany(self._insert_sql, cast(Any, joined))  # sqlite3 takes any iterable
                return
            tail = self._tail
            types = self._column_types(cur)
            with cur.cursor.copy(self._copy_sql) as copy:
                if types:
                    copy.set_types(types)
                write_row = copy.write_row
                for k, row in zip(keys, rows, strict=True):
                    write_row((k, *row, *tail))

    def _column_types(self, cur: Any) -> list[int] | None:
        """Binary COPY needs each column's type; read from the catalogue once."""
        if not self.binary:
            return None
        if self._types is None:
            names = [*self.columns, *self.constants]
            cur.execute("SELECT a.atttypid FROM unnest(%s::text[]) WITH ORDINALITY AS n(name, i) "
                        "JOIN pg_attribute a ON a.attrelid = %s::regclass "
                        "AND a.attname = n.name ORDER BY n.i", [names, self.table])
            types = [int(oid) for oid, in cur.fetchall()]
            if len(types) != len(names):
                raise ValueError(f"{self.table}: not every column exists")
            self._types = types
        return self._types
