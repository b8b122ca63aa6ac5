"""Fast executemany for bulk loads.

SQLAlchemy's per-value bind processing costs more than SQLite's own insert at 100k+ rows, so
on SQLite we convert values once per column (JSON text, naive-UTC datetime text in the exact
format SQLAlchemy's SQLite DateTime reads back) and hand tuples to the driver. Other dialects
take the ordinary Core path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert

from workbench.store.schema import UTCDateTime


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_json(value: Any) -> str | None:
    if value is None:
        return None
    return "{}" if value == {} else json.dumps(value)


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


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), list(rows))
        return
    names = list(rows[0].keys())
    converters = [
        (index, conv)
        for index, name in enumerate(names)
        if (conv := _converter(table.c[name].type)) is not None
    ]
    getter = itemgetter(*names)
    params: list[Any] = [getter(row) for row in rows]
    if converters:
        for position, values in enumerate(params):
            converted = list(values)
            for index, conv in converters:
                converted[index] = conv(converted[index])
            params[position] = tuple(converted)
    sql = (
        f'INSERT INTO "{table.name}" ({", ".join(names)}) VALUES ({", ".join("?" for _ in names)})'
    )
    conn.exec_driver_sql(sql, params)
