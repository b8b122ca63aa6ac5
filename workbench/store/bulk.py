"""Fast executemany for bulk loads.

SQLAlchemy's per-value bind processing costs more than SQLite's own insert at 100k+ rows, so
on SQLite we convert values once per column (JSON text, naive-UTC datetime text in the exact
format SQLAlchemy's SQLite DateTime reads back) and hand tuples to the driver. Other dialects
take the ordinary Core path.

Two entry points:

* `bulk_insert(conn, table, rows)`: rows as dicts of Python values (the usual case).
* `insert_tuples(conn, table, names, rows, constants=...)`: the fast path for loads of
  hundreds of thousands of rows of one shape. Each row is a tuple of the `names` columns,
  JSON columns given as their JSON text already (`json_text`); the columns that are the same
  in every row (`constants`: case, actor, time stamps) are converted once and written into
  the statement, so the driver binds only what changes from row to row.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert

from workbench.store.schema import UTCDateTime


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def json_text(value: Any) -> str:
    """The JSON text `bulk_insert` stores for `value` (what `insert_tuples` rows carry)."""
    return "{}" if value == {} else json.dumps(value)


def _sqlite_json(value: Any) -> str | None:
    return None if value is None else json_text(value)


def _converter(column_type: Any) -> Callable[[Any], Any] | None:
    if isinstance(column_type, UTCDateTime):
        return _memoised(_sqlite_datetime)
    if isinstance(column_type, JSON):
        return _sqlite_json
    return None


def _memoised(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Rows of one batch share their timestamp: format it once."""
    last: list[Any] = [object(), None]

    def wrapper(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return wrapper


def _insert_sql(table: Table, names: Sequence[str], values: Sequence[str]) -> str:
    return f'INSERT INTO "{table.name}" ({", ".join(names)}) VALUES ({", ".join(values)})'


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), list(rows))
        return
    names = list(rows[0].keys())
    if len(names) == 1:
        params: list[Any] = [(row[names[0]],) for row in rows]
    else:
        params = list(map(itemgetter(*names), rows))
    converters = [
        (index, conv)
        for index, name in enumerate(names)
        if (conv := _converter(table.c[name].type)) is not None
    ]
    if converters:  # column by column: the loops over the rows run in C
        columns: list[Iterable[Any]] = list(zip(*params, strict=True))
        for index, conv in converters:
            columns[index] = map(conv, columns[index])
        params = list(zip(*columns, strict=True))
    conn.exec_driver_sql(_insert_sql(table, names, ["?"] * len(names)), params)


def sql_literal(value: Any) -> str | None:
    """`value` as an SQLite literal, or None when it must be bound instead."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value) if -(2**63) <= value < 2**63 else None
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None  # bytes, text with NUL, other values: bound (the driver decides)


def insert_tuples(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    constants: Mapping[str, Any] | None = None,
) -> None:
    """Insert `rows` (tuples of the `names` columns, in that order) with `constants` in every
    row. Per-row JSON columns come as JSON text (`json_text`), per-row datetimes as aware
    datetimes; constants as Python values (converted once)."""
    constants = dict(constants or {})
    for name in (*names, *constants):
        if name not in table.c:
            raise ValueError(f"table {table.name!r} has no column {name!r}")
    for name in constants:
        if name in names:
            raise ValueError(f"column {name!r} is both a row value and a constant")
    if conn.dialect.name != "sqlite":
        decoded = [
            index for index, name in enumerate(names) if isinstance(table.c[name].type, JSON)
        ]
        dicts = []
        for row in rows:
            values = list(row)
            for index in decoded:
                if values[index] is not None:
                    values[index] = json.loads(values[index])
            dicts.append({**dict(zip(names, values, strict=True)), **constants})
        if dicts:
            conn.execute(insert(table), dicts)
        return
    columns = list(names)
    values = ["?"] * len(columns)
    bound: list[Any] = []  # constants that cannot be written as literals
    for name, value in constants.items():
        conv = _converter(table.c[name].type)
        stored = conv(value) if conv is not None else value
        literal = sql_literal(stored)
        columns.append(name)
        if literal is None:
            values.append("?")
            bound.append(stored)
        else:
            values.append(literal)
    params: Iterable[tuple[Any, ...]] = rows
    datetimes = [
        index for index, name in enumerate(names) if isinstance(table.c[name].type, UTCDateTime)
    ]
    if datetimes:
        converters = {index: _memoised(_sqlite_datetime) for index in datetimes}
        params = (
            tuple(converters[i](v) if i in converters else v for i, v in enumerate(row))
            for row in params
        )
    if bound:
        extra = tuple(bound)
        params = (row + extra for row in params)
    params = params if isinstance(params, list) else list(params)
    if params:
        conn.exec_driver_sql(_insert_sql(table, columns, values), params)
