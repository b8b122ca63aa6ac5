"""Pinned nodes of a case's graph, saved with the case's positions.

Positions live in the entity rows (pos_x / pos_y); which nodes are pinned is layout state of
the case as a whole, kept as one JSON list in `workspace_meta` under `graph.pinned:<case id>`
and written in one transaction with its audit event, like the positions. The graph tab saves
and loads them here; the case archive carries them (`workbench/exchange/casedata.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection, delete, insert, select

from workbench.audit import PendingEvent, append_event
from workbench.store.schema import workspace_meta
from workbench.store.workspace import Workspace


def pinned_key(case_id: str) -> str:
    return f"graph.pinned:{case_id}"


def read_pinned(conn: Connection, case_id: str) -> list[str]:
    """The pinned entity ids of the case, sorted; an unreadable value means nothing is
    pinned (the positions themselves are intact)."""
    value = conn.execute(
        select(workspace_meta.c.value).where(workspace_meta.c.key == pinned_key(case_id))
    ).scalar()
    try:
        data = json.loads(value) if value else []
    except ValueError:
        return []
    return sorted({str(x) for x in data}) if isinstance(data, list) else []


def write_pinned(conn: Connection, case_id: str, entity_ids: Iterable[str]) -> int:
    """Replace the case's pins inside the caller's transaction; returns how many."""
    ids = sorted(set(entity_ids))
    conn.execute(delete(workspace_meta).where(workspace_meta.c.key == pinned_key(case_id)))
    if ids:
        conn.execute(insert(workspace_meta).values(key=pinned_key(case_id), value=json.dumps(ids)))
    return len(ids)


def load_pinned(ws: Workspace, case_id: str) -> list[str]:
    with ws.read() as conn:
        return read_pinned(conn, case_id)


def save_pinned(ws: Workspace, case_id: str, entity_ids: Iterable[str]) -> None:
    with ws.write() as conn:
        count = write_pinned(conn, case_id, entity_ids)
        append_event(
            conn,
            ws.actor,
            PendingEvent("graph.pin", "case", case_id, case_id, {"pinned": count}),
        )
