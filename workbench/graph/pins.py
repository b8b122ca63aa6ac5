"""Pinned nodes, saved with the case's positions.

Positions live in the entity rows (pos_x / pos_y); which nodes are pinned is layout state of
the case as a whole, kept as one JSON list in `workspace_meta` under `graph.pinned:<case id>`
and written in one transaction with its audit event, like the positions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import delete, insert, select

from workbench.audit import PendingEvent, append_event
from workbench.store.schema import workspace_meta
from workbench.store.workspace import Workspace


def _key(case_id: str) -> str:
    return f"graph.pinned:{case_id}"


def load_pinned(ws: Workspace, case_id: str) -> list[str]:
    with ws.read() as conn:
        value = conn.execute(
            select(workspace_meta.c.value).where(workspace_meta.c.key == _key(case_id))
        ).scalar()
    if not value:
        return []
    try:
        data = json.loads(value)
    except ValueError:
        return []  # unreadable: nothing is pinned, the positions themselves are intact
    return [str(x) for x in data] if isinstance(data, list) else []


def save_pinned(ws: Workspace, case_id: str, entity_ids: Iterable[str]) -> None:
    ids = sorted(set(entity_ids))
    with ws.write() as conn:
        conn.execute(delete(workspace_meta).where(workspace_meta.c.key == _key(case_id)))
        if ids:
            conn.execute(insert(workspace_meta).values(key=_key(case_id), value=json.dumps(ids)))
        append_event(
            conn,
            ws.actor,
            PendingEvent("graph.pin", "case", case_id, case_id, {"pinned": len(ids)}),
        )
