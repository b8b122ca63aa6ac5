"""Delete many entities at once, and restore them exactly (the undo of a big delete).

`delete_entities` removes the entities, every link touching them and the provenance of both in
ONE transaction with one audit event, and returns a snapshot of the removed rows;
`restore_entities` puts those rows back exactly (same ids, values, row order, positions,
provenance ids and timestamps) in one transaction with one audit event.

On SQLite the work is set-based: the ids go into a TEMP table once, the snapshot is read and
the rows deleted with `... WHERE id IN (SELECT id FROM temp table)` through the driver (no
per-row SQLAlchemy processing), and the snapshot keeps the stored values themselves (JSON
text, datetime text), so the restore is one executemany per table of those very values. At
100k entities and 200k links each way takes seconds (benchmarks/graph_bulk_delete.py).
Other databases take a portable SQLAlchemy Core path.

What stays: evidence links (`evidence_links`) outlive the deletion of their entity or link by
design (workbench/evidence/links.py), so undo finds them in place. The search index follows
through the triggers of migration 0006: deleting an entity drops its document, restoring
inserts it again, and the audit event of each operation brings the FTS index up to date.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import JSON, Connection, Table, delete, insert, or_, select
from sqlalchemy.exc import IntegrityError as DbIntegrityError

from workbench.audit import PendingEvent, append_event
from workbench.errors import IntegrityError, NotFoundError, ValidationError
from workbench.store.schema import UTCDateTime, cases, entities, links, provenance
from workbench.store.workspace import Workspace

CHUNK = 500
Progress = Callable[[float], None]
ENTITY_IDS = "temp._bulk_entity_ids"
LINK_IDS = "temp._bulk_link_ids"


class TableRows:
    """Rows of one table as stored: `columns` and one tuple per row. `raw` rows hold the
    driver's values (SQLite text for JSON and datetimes), else SQLAlchemy's processed ones."""

    def __init__(
        self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]], raw: bool
    ):
        self.table = table
        self.columns = tuple(columns)
        self.rows = rows
        self.raw = raw

    def __len__(self) -> int:
        return len(self.rows)

    def dicts(self) -> list[dict[str, Any]]:
        """The rows as SQLAlchemy would return them (aware datetimes, decoded JSON)."""
        if not self.raw:
            return [dict(zip(self.columns, row, strict=True)) for row in self.rows]
        decoders = [_decoder(self.table.c[name].type) for name in self.columns]
        return [
            {
                name: (value if decode is None or value is None else decode(value))
                for name, value, decode in zip(self.columns, row, decoders, strict=True)
            }
            for row in self.rows
        ]


def _datetime(value: Any) -> datetime:
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(parsed, datetime)
    return parsed.replace(tzinfo=UTC)


def _decoder(column_type: Any) -> Callable[[Any], Any] | None:
    if isinstance(column_type, UTCDateTime):
        return _datetime
    if isinstance(column_type, JSON):
        return json.loads
    return None


class DeletedBatch:
    """What a bulk delete removed: the stored rows of the entities, links and provenance."""

    def __init__(self, case_id: str, entity: TableRows, link: TableRows, prov: TableRows):
        self.case_id = case_id
        self.entities = entity
        self.links = link
        self.provenance = prov

    @cached_property
    def entity_ids(self) -> list[str]:
        at = self.entities.columns.index("id")
        return [row[at] for row in self.entities.rows]

    @cached_property
    def link_ids(self) -> list[str]:
        at = self.links.columns.index("id")
        return [row[at] for row in self.links.rows]

    @cached_property
    def entity_rows(self) -> list[dict[str, Any]]:
        """The deleted entities as dicts keyed by column (decoded), in row order."""
        return self.entities.dicts()

    @cached_property
    def link_rows(self) -> list[dict[str, Any]]:
        return self.links.dicts()

    @cached_property
    def provenance_rows(self) -> list[dict[str, Any]]:
        return self.provenance.dicts()


def _ids_digest(ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def _require_case(conn: Connection, case_id: str, what: str) -> None:
    if conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
        raise NotFoundError(f"No case with id {case_id!r}; {what}")


def _missing_error(missing: Sequence[str], wanted: int) -> NotFoundError:
    return NotFoundError(
        f"{len(missing)} of the {wanted} entities are not in this case (e.g. "
        f"{missing[0]!r}); they may have been deleted already. Nothing was deleted."
    )


def _report(progress: Progress | None, fraction: float) -> None:
    if progress is not None:
        progress(fraction)


# ---- SQLite: set-based, through the driver ---------------------------------------------


def _fetch(cur: Any, table: Table, where: str, params: Sequence[Any], order: str) -> TableRows:
    cur.execute(f'SELECT * FROM "{table.name}" WHERE {where} ORDER BY {order}', params)
    columns = [d[0] for d in cur.description]
    return TableRows(table, columns, cur.fetchall(), raw=True)


def _delete_sqlite(
    conn: Connection, case_id: str, ids: list[str], progress: Progress | None
) -> DeletedBatch:
    cur = conn.connection.cursor()
    try:
        for name in (ENTITY_IDS, LINK_IDS):
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name[5:]} (id TEXT PRIMARY KEY)")
            cur.execute(f"DELETE FROM {name}")
        cur.executemany(f"INSERT OR IGNORE INTO {ENTITY_IDS} VALUES (?)", [(i,) for i in ids])
        in_entities = f"IN (SELECT id FROM {ENTITY_IDS})"
        in_links = f"IN (SELECT id FROM {LINK_IDS})"
        cur.execute(
            f"SELECT id FROM {ENTITY_IDS} WHERE id NOT IN "
            "(SELECT id FROM entities WHERE case_id = ?) ORDER BY id LIMIT 3",
            (case_id,),
        )
        missing = [row[0] for row in cur.fetchall()]
        if missing:
            raise _missing_error(missing, len(set(ids)))
        cur.execute(
            f"INSERT OR IGNORE INTO {LINK_IDS} SELECT id FROM links WHERE source_id {in_entities}"
        )
        cur.execute(
            f"INSERT OR IGNORE INTO {LINK_IDS} SELECT id FROM links WHERE target_id {in_entities}"
        )
        entity_rows = _fetch(cur, entities, f"id {in_entities}", (), "row_order, id")
        link_rows = _fetch(cur, links, f"id {in_links}", (), "row_order, id")
        prov_rows = _fetch(
            cur,
            provenance,
            f"object_id {in_entities} OR object_id {in_links}",
            (),
            "id",
        )
        _report(progress, 0.4)
        cur.execute(f"DELETE FROM provenance WHERE object_id {in_links}")
        cur.execute(f"DELETE FROM provenance WHERE object_id {in_entities}")
        cur.execute(f"DELETE FROM links WHERE id {in_links}")
        _report(progress, 0.6)
        cur.execute(f"DELETE FROM entities WHERE id {in_entities}")
        cur.execute(f"DELETE FROM {ENTITY_IDS}")
        cur.execute(f"DELETE FROM {LINK_IDS}")
    finally:
        cur.close()
    return DeletedBatch(case_id, entity_rows, link_rows, prov_rows)


def _insert_sqlite(conn: Connection, rows: TableRows) -> None:
    if not rows.rows:
        return
    names = ", ".join(f'"{c}"' for c in rows.columns)
    marks = ", ".join("?" for _ in rows.columns)
    cur = conn.connection.cursor()
    try:
        cur.executemany(f'INSERT INTO "{rows.table.name}" ({names}) VALUES ({marks})', rows.rows)
    finally:
        cur.close()


# ---- other databases: SQLAlchemy Core, chunked ------------------------------------------


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _select_in(conn: Connection, table: Table, column: Any, ids: Sequence[str]) -> list[Any]:
    found: dict[Any, Any] = {}
    for chunk in _chunks(ids):
        for row in conn.execute(select(table).where(column.in_(chunk))):
            found[row.id] = row
    return list(found.values())


def _portable_rows(table: Table, rows: list[Any], key: Callable[[Any], Any]) -> TableRows:
    rows.sort(key=key)
    return TableRows(table, list(table.c.keys()), [tuple(row) for row in rows], raw=False)


def _delete_portable(
    conn: Connection, case_id: str, ids: list[str], progress: Progress | None
) -> DeletedBatch:
    wanted = sorted(set(ids))
    found = _select_in(conn, entities, entities.c.id, wanted)
    present = {row.id for row in found if row.case_id == case_id}
    if len(present) != len(wanted):
        raise _missing_error([i for i in wanted if i not in present], len(wanted))
    link_found: dict[str, Any] = {}
    for chunk in _chunks(wanted):
        where = or_(links.c.source_id.in_(chunk), links.c.target_id.in_(chunk))
        for row in conn.execute(select(links).where(where)):
            link_found[row.id] = row
    link_ids = sorted(link_found)
    objects = [*wanted, *link_ids]
    prov = _select_in(conn, provenance, provenance.c.object_id, objects)
    _report(progress, 0.4)
    for chunk in _chunks(objects):
        conn.execute(delete(provenance).where(provenance.c.object_id.in_(chunk)))
    for chunk in _chunks(link_ids):
        conn.execute(delete(links).where(links.c.id.in_(chunk)))
    for chunk in _chunks(wanted):
        conn.execute(delete(entities).where(entities.c.id.in_(chunk)))
    return DeletedBatch(
        case_id,
        _portable_rows(entities, found, lambda r: (r.row_order, r.id)),
        _portable_rows(links, list(link_found.values()), lambda r: (r.row_order, r.id)),
        _portable_rows(provenance, prov, lambda r: r.id),
    )


def _insert_portable(conn: Connection, rows: TableRows) -> None:
    if rows.rows:
        conn.execute(insert(rows.table), rows.dicts())


# ---- the operations -----------------------------------------------------------------------


def delete_entities(
    ws: Workspace, case_id: str, entity_ids: Sequence[str], progress: Progress | None = None
) -> DeletedBatch:
    """Delete the entities and the links touching them; returns what `restore_entities` needs.

    Every id must be an entity of the case, else nothing is deleted (NotFoundError)."""
    ids = list(entity_ids)
    if not ids:
        raise ValidationError("Select at least one entity to delete.")
    with ws.write() as conn:
        _require_case(conn, case_id, "nothing was deleted.")
        if conn.dialect.name == "sqlite":
            batch = _delete_sqlite(conn, case_id, ids, progress)
        else:
            batch = _delete_portable(conn, case_id, ids, progress)
        _report(progress, 0.9)
        append_event(
            conn,
            ws.actor,
            PendingEvent(
                "entity.bulk_delete",
                "case",
                case_id,
                case_id,
                {
                    "count": len(batch.entities),
                    "links_removed": len(batch.links),
                    "provenance_removed": len(batch.provenance),
                    "entity_ids_sha256": _ids_digest(batch.entity_ids),
                    "link_ids_sha256": _ids_digest(batch.link_ids),
                },
            ),
        )
    _report(progress, 1.0)
    return batch


def restore_entities(ws: Workspace, batch: DeletedBatch, progress: Progress | None = None) -> None:
    """Undo of `delete_entities`: the same rows come back, or none (one transaction)."""
    try:
        with ws.write() as conn:
            _require_case(conn, batch.case_id, "it cannot take the entities back.")
            raw = conn.dialect.name == "sqlite" and batch.entities.raw
            put = _insert_sqlite if raw else _insert_portable
            put(conn, batch.entities)
            _report(progress, 0.5)
            put(conn, batch.links)
            _report(progress, 0.8)
            put(conn, batch.provenance)
            append_event(
                conn,
                ws.actor,
                PendingEvent(
                    "entity.bulk_restore",
                    "case",
                    batch.case_id,
                    batch.case_id,
                    {
                        "count": len(batch.entities),
                        "links_restored": len(batch.links),
                        "provenance_restored": len(batch.provenance),
                        "entity_ids_sha256": _ids_digest(batch.entity_ids),
                        "link_ids_sha256": _ids_digest(batch.link_ids),
                    },
                ),
            )
    except (DbIntegrityError, sqlite3.IntegrityError) as exc:
        reason = getattr(exc, "orig", None) or exc
        raise IntegrityError(
            "The deleted entities cannot come back as they were: some of their ids exist "
            "again, or an entity one of their links connects to has been deleted since. "
            f"Nothing was restored. ({reason})"
        ) from exc
    _report(progress, 1.0)


__all__ = ["DeletedBatch", "TableRows", "delete_entities", "restore_entities"]
