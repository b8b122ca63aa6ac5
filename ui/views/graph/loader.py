"""Reading a case into a `CanvasModel` (on a worker thread) and placing what has no position.

One query for the entities and one for the links, straight into arrays: at 100k entities the
ORM records (`list_entities`) would cost seconds the canvas does not need. Nodes without a
saved position are placed by the core layouts (`workbench.graph.layout`): near their placed
neighbours when most of the graph has positions, or a full force layout the first time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import String, select, type_coerce

from ui.views.graph.model import CONFIDENCE_CODES, CanvasModel
from workbench.store.schema import entities, links, provenance
from workbench.store.workspace import Workspace

SMALL_GRAPH = 300  # up to this many unplaced nodes, the first layout is networkx's spring
LAYOUT_SCALE = 2.2  # core layouts put neighbours ~80 units apart; our nodes carry labels


@dataclass
class Loaded:
    model: CanvasModel
    placed: int  # nodes that had no saved position and were placed now
    seconds_read: float
    seconds_layout: float


def _epoch_seconds(texts: list[str | None]) -> np.ndarray:
    """Stored timestamps (UTC text) to epoch seconds, NaN where unreadable."""
    cleaned = [t.replace(" ", "T")[:26] if t else "NaT" for t in texts]
    try:
        stamps = np.array(cleaned, dtype="datetime64[us]")
    except ValueError:
        return np.full(len(texts), np.nan)
    seconds = stamps.astype("int64").astype(np.float64) / 1e6
    seconds[np.isnat(stamps)] = np.nan
    return seconds


def read_model(ws: Workspace, case_id: str) -> CanvasModel:
    """Two narrow queries straight into arrays (timestamps as text: no per-row parsing)."""
    model = CanvasModel()
    with ws.read() as conn:
        rows = conn.execute(
            select(
                entities.c.id,
                entities.c.type,
                entities.c.label,
                entities.c.value,
                entities.c.pos_x,
                entities.c.pos_y,
                type_coerce(entities.c.created_at, String),
            )
            .where(entities.c.case_id == case_id)
            .order_by(entities.c.row_order)
        ).all()
        link_rows = conn.execute(
            select(
                links.c.id, links.c.source_id, links.c.target_id, links.c.type, links.c.confidence
            )
            .where(links.c.case_id == case_id)
            .order_by(links.c.row_order)
        ).all()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(7)]
    ids, types, labels, values, xs, ys, created = (list(c) for c in columns)
    model.load_nodes(
        ids,
        types,
        labels,
        values,
        np.array([np.nan if v is None else v for v in xs], np.float64),
        np.array([np.nan if v is None else v for v in ys], np.float64),
        _epoch_seconds(created),
    )
    index = model.index
    kept = [r for r in link_rows if r[1] in index and r[2] in index]
    edges = np.array([(index[r[1]], index[r[2]]) for r in kept], np.int64)
    model.set_edge_arrays(
        [r[0] for r in kept],
        edges.reshape(-1, 2),
        [r[3] for r in kept],
        np.array([CONFIDENCE_CODES.get(r[4], 0) for r in kept], np.int8),
    )
    return model


def read_sources(ws: Workspace, case_id: str, ids: list[str]) -> list[frozenset[str]]:
    """Per entity, the kinds of its provenance (manual, import, source...) for the filter."""
    kinds: dict[str, set[str]] = {}
    with ws.read() as conn:
        for object_id, kind, ref in conn.execute(
            select(provenance.c.object_id, provenance.c.kind, provenance.c.ref).where(
                provenance.c.case_id == case_id, provenance.c.object_type == "entity"
            )
        ):
            entry = kinds.setdefault(object_id, set())
            entry.add(kind)
            if ref:
                entry.add(f"{kind}:{ref}")
    return [frozenset(kinds.get(entity_id, ())) for entity_id in ids]


def place_missing(
    model: CanvasModel,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> np.ndarray:
    """Give every live node without a position one; returns the rows placed."""
    from workbench.graph.layout import compute_layout, place_new

    missing = model.alive & np.isnan(model.xy[:, 0])
    rows = np.flatnonzero(missing)
    if not len(rows):
        return rows
    n = len(model.ids)
    _live, pairs = model.live_edge_array()
    known = ~missing
    if not (known & model.alive).any() and len(rows) <= SMALL_GRAPH:
        # a small case opened for the first time: networkx's spring layout is quick here and
        # needs no compiled kernels (their first compile costs seconds on a fresh install)
        from ui.views.graph_layout import compute_layout as spring

        ids = [model.ids[i] for i in rows]
        placed = spring(ids, [(model.ids[a], model.ids[b]) for a, b in pairs.tolist()], {})
        model.xy[rows] = [placed[i] for i in ids]
    elif not (known & model.alive).any():
        positions = compute_layout(n, pairs, progress=progress, cancelled=cancelled)
        model.xy[rows] = positions[rows] * LAYOUT_SCALE
    else:
        start = np.where(np.isnan(model.xy), 0.0, model.xy / LAYOUT_SCALE)
        positions = place_new(start, known, pairs)
        model.xy[rows] = positions[rows] * LAYOUT_SCALE
    model.changed(geometry=True)
    return rows


def load(ws: Workspace, case_id: str) -> Loaded:
    import time

    t0 = time.perf_counter()
    model = read_model(ws, case_id)
    t1 = time.perf_counter()
    placed = place_missing(model)
    t2 = time.perf_counter()
    return Loaded(model, len(placed), t1 - t0, t2 - t1)
