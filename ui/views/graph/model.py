"""The canvas's view of a case graph: numpy arrays, view-state masks, hit testing. No Qt.

Nodes and edges are rows; a deleted row is marked dead rather than removed, so indices stay
stable while the canvas is open. View state (hidden, filtered, collapsed, focus, selection,
highlight, community colours) lives in boolean masks next to the data; `visible_nodes()` and
`visible_edges()` combine them once per change and are cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

CONFIRMED, SUSPECTED, REFUTED = 0, 1, 2
CONFIDENCE_CODES = {"confirmed": CONFIRMED, "suspected": SUSPECTED, "refuted": REFUTED}
RADIUS = 24.0  # node disc radius in scene units
PARALLEL_GAP = 26.0  # scene units between parallel links drawn as curves

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass
class NodeRow:
    entity_id: str
    type: str
    label: str
    value: str
    x: float | None = None
    y: float | None = None
    created: float = float("nan")  # epoch seconds


@dataclass
class EdgeRow:
    link_id: str
    source_id: str
    target_id: str
    type: str
    confidence: str


@dataclass
class Group:
    """A collapsed set of same-type leaf entities of one anchor node, drawn as one node."""

    node: int  # the virtual node's row
    anchor: int
    members: IntArray
    type: str


@dataclass
class Filters:
    types: set[str] | None = None  # None: all
    confidences: set[int] = field(default_factory=lambda: {CONFIRMED, SUSPECTED})
    sources: set[str] | None = None  # provenance kinds; None: all
    start: float | None = None  # created at or after (epoch seconds)
    end: float | None = None

    def active(self) -> bool:
        return (
            self.types is not None
            or self.sources is not None
            or self.start is not None
            or self.end is not None
            or REFUTED in self.confidences
            or self.confidences != {CONFIRMED, SUSPECTED}
        )


class CanvasModel:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.index: dict[str, int] = {}
        self.labels: list[str] = []
        self.values: list[str] = []
        self.type_names: list[str] = []
        self._type_code: dict[str, int] = {}
        self.types = np.zeros(0, np.int32)
        self.xy = np.zeros((0, 2))
        self.created = np.zeros(0)
        self.alive = np.zeros(0, bool)
        self.virtual = np.zeros(0, bool)  # group nodes of collapsed leaves
        self.pinned = np.zeros(0, bool)
        self.hidden = np.zeros(0, bool)
        self.collapsed = np.zeros(0, bool)
        self.selected = np.zeros(0, bool)
        self.highlight = np.zeros(0, bool)
        self.materialized = np.zeros(0, bool)  # drawn by their own QGraphicsItem
        self.community = np.full(0, -1, np.int32)
        self.sources: list[frozenset[str]] | None = None  # provenance kinds, loaded on demand
        self.focus: BoolArray | None = None
        self.filters = Filters()
        self.groups: dict[int, Group] = {}
        self.link_ids: list[str] = []
        self.edge_index: dict[str, int] = {}
        self.edges = np.zeros((0, 2), np.int64)
        self.edge_types: list[str] = []
        self.confidence = np.zeros(0, np.int8)
        self.edge_alive = np.zeros(0, bool)
        self.edge_highlight = np.zeros(0, bool)
        self.revision = 0  # bumps on any change that alters what is drawn
        self._vis_nodes: IntArray | None = None
        self._vis_edges: IntArray | None = None
        self._offsets: FloatArray | None = None
        self._cull: tuple[IntArray, FloatArray, FloatArray, IntArray, FloatArray] | None = None
        self._cull_revision = -1

    # ---- building -------------------------------------------------------------------------
    def _type(self, name: str) -> int:
        code = self._type_code.get(name)
        if code is None:
            code = self._type_code[name] = len(self.type_names)
            self.type_names.append(name)
        return code

    def load_nodes(
        self,
        ids: list[str],
        types: list[str],
        labels: list[str],
        values: list[str],
        xs: FloatArray,
        ys: FloatArray,
        created: FloatArray,
    ) -> None:
        """Bulk load into an empty model (the loader's path: arrays, no per-row objects)."""
        assert not self.ids, "load_nodes fills an empty model"
        n = len(ids)
        self.ids, self.labels, self.values = ids, labels, values
        self.index = {entity_id: i for i, entity_id in enumerate(ids)}
        self.types = np.fromiter((self._type(t) for t in types), np.int32, n)
        self.xy = np.column_stack([xs, ys]).reshape(n, 2)
        self.created = created
        self.alive = np.ones(n, bool)
        for name in (
            "virtual",
            "pinned",
            "hidden",
            "collapsed",
            "selected",
            "highlight",
            "materialized",
        ):
            setattr(self, name, np.zeros(n, bool))
        self.community = np.full(n, -1, np.int32)
        self.changed(geometry=True)

    def add_nodes(self, rows: Sequence[NodeRow], *, virtual: bool = False) -> IntArray:
        """Append nodes (an id already present is revived and updated). Returns their rows;
        nodes without a position get NaN until placed."""
        out = np.empty(len(rows), np.int64)
        fresh: list[NodeRow] = []
        for k, row in enumerate(rows):
            existing = self.index.get(row.entity_id)
            if existing is not None:
                out[k] = existing
                self._revive(existing, row)
            else:
                out[k] = len(self.ids) + len(fresh)
                fresh.append(row)
        if fresh:
            start = len(self.ids)
            for row in fresh:
                self.index[row.entity_id] = len(self.ids)
                self.ids.append(row.entity_id)
                self.labels.append(row.label)
                self.values.append(row.value)
            count = len(fresh)
            self.types = np.concatenate(
                [self.types, np.fromiter((self._type(r.type) for r in fresh), np.int32, count)]
            )
            xy = np.array(
                [(np.nan, np.nan) if r.x is None or r.y is None else (r.x, r.y) for r in fresh],
                np.float64,
            ).reshape(count, 2)
            self.xy = np.concatenate([self.xy, xy])
            self.created = np.concatenate(
                [self.created, np.fromiter((r.created for r in fresh), np.float64, count)]
            )
            for name in ("alive", "virtual", "pinned", "hidden", "collapsed", "selected"):
                extra = np.full(count, name == "alive" or (name == "virtual" and virtual))
                setattr(self, name, np.concatenate([getattr(self, name), extra]))
            for name in ("highlight", "materialized"):
                setattr(self, name, np.concatenate([getattr(self, name), np.zeros(count, bool)]))
            self.community = np.concatenate([self.community, np.full(count, -1, np.int32)])
            if self.sources is not None:
                self.sources.extend(frozenset() for _ in range(count))
            if self.focus is not None:
                self.focus = np.concatenate([self.focus, np.ones(count, bool)])
            assert len(self.ids) == start + count
        self.changed(geometry=True)
        return out

    def _revive(self, i: int, row: NodeRow) -> None:
        self.alive[i] = True
        self.labels[i], self.values[i] = row.label, row.value
        self.types[i] = self._type(row.type)
        if row.x is not None and row.y is not None:
            self.xy[i] = (row.x, row.y)

    def add_edges(self, rows: Sequence[EdgeRow]) -> list[int]:
        """Append links whose endpoints are known; returns the rows added (dangling skipped)."""
        added: list[int] = []
        pairs: list[tuple[int, int]] = []
        fresh: list[EdgeRow] = []
        for row in rows:
            a, b = self.index.get(row.source_id), self.index.get(row.target_id)
            if a is None or b is None:
                continue  # a dangling reference draws nothing rather than breaking the canvas
            existing = self.edge_index.get(row.link_id)
            if existing is not None:
                self.edge_alive[existing] = True
                self.edges[existing] = (a, b)
                self.edge_types[existing] = row.type
                self.confidence[existing] = CONFIDENCE_CODES.get(row.confidence, CONFIRMED)
                added.append(existing)
                continue
            self.edge_index[row.link_id] = len(self.link_ids) + len(fresh)
            added.append(len(self.link_ids) + len(fresh))
            fresh.append(row)
            pairs.append((a, b))
        if fresh:
            count = len(fresh)
            self.link_ids.extend(r.link_id for r in fresh)
            self.edge_types.extend(r.type for r in fresh)
            self.edges = np.concatenate([self.edges, np.array(pairs, np.int64).reshape(count, 2)])
            codes = [CONFIDENCE_CODES.get(r.confidence, CONFIRMED) for r in fresh]
            self.confidence = np.concatenate([self.confidence, np.array(codes, np.int8)])
            self.edge_alive = np.concatenate([self.edge_alive, np.ones(count, bool)])
            self.edge_highlight = np.concatenate([self.edge_highlight, np.zeros(count, bool)])
        self.changed(geometry=True)
        return added

    def set_edge_arrays(
        self,
        link_ids: list[str],
        edges: IntArray,
        edge_types: list[str],
        confidence: NDArray[np.int8],
    ) -> None:
        """Bulk load (the loader's path): arrays already indexed against this model's rows."""
        self.link_ids = link_ids
        self.edge_index = {link_id: k for k, link_id in enumerate(link_ids)}
        self.edges = edges.astype(np.int64).reshape(-1, 2)
        self.edge_types = edge_types
        self.confidence = confidence.astype(np.int8)
        self.edge_alive = np.ones(len(link_ids), bool)
        self.edge_highlight = np.zeros(len(link_ids), bool)
        self.changed(geometry=True)

    def remove_node(self, i: int) -> list[int]:
        """Mark a node dead with its edges; returns the edge rows removed."""
        self.alive[i] = False
        self.selected[i] = False
        touching = np.flatnonzero(
            self.edge_alive & ((self.edges[:, 0] == i) | (self.edges[:, 1] == i))
        )
        self.edge_alive[touching] = False
        self.changed(geometry=True)
        return [int(k) for k in touching]

    def remove_nodes(self, rows: IntArray) -> None:
        self.alive[rows] = False
        self.selected[rows] = False
        dead = ~self.alive
        self.edge_alive &= ~(dead[self.edges[:, 0]] | dead[self.edges[:, 1]])
        self.changed(geometry=True)

    def remove_edge(self, k: int) -> None:
        self.edge_alive[k] = False
        self.changed(geometry=True)

    def changed(self, *, geometry: bool = False) -> None:
        self.revision += 1
        self._vis_nodes = None
        self._vis_edges = None
        if geometry:
            self._offsets = None

    # ---- what is shown ----------------------------------------------------------------------
    def shown_mask(self) -> BoolArray:
        mask = self.alive & ~self.hidden & ~self.collapsed & ~np.isnan(self.xy[:, 0])
        f = self.filters
        real = ~self.virtual
        if f.types is not None:
            codes = [self._type_code[t] for t in f.types if t in self._type_code]
            mask &= ~real | np.isin(self.types, np.array(codes, np.int32))
        if f.start is not None:
            mask &= ~real | ~(self.created < f.start)  # unknown times stay visible
        if f.end is not None:
            mask &= ~real | ~(self.created > f.end)
        if f.sources is not None and self.sources is not None:
            wanted = f.sources
            mask &= ~real | np.fromiter(
                (bool(kinds & wanted) for kinds in self.sources), bool, len(self.sources)
            )
        if self.focus is not None:
            mask &= self.focus
        return mask

    def visible_nodes(self) -> IntArray:
        if self._vis_nodes is None:
            self._vis_nodes = np.flatnonzero(self.shown_mask())
        return self._vis_nodes

    def visible_edges(self) -> IntArray:
        if self._vis_edges is None:
            shown = np.zeros(len(self.ids), bool)
            shown[self.visible_nodes()] = True
            ok = self.edge_alive.copy()
            if len(self.edges):
                ok &= shown[self.edges[:, 0]] & shown[self.edges[:, 1]]
                ok &= np.isin(self.confidence, np.array(sorted(self.filters.confidences), np.int8))
            self._vis_edges = np.flatnonzero(ok)
        return self._vis_edges

    def culling_arrays(self) -> tuple[IntArray, FloatArray, FloatArray, IntArray, FloatArray]:
        """Per revision: visible nodes with contiguous x and y, and visible edges with their
        bounding boxes (x0, x1, y0, y1 rows, widened by their curve), so each frame culls
        with a few vectorised comparisons instead of gathering coordinates again."""
        if self._cull is None or self._cull_revision != self.revision:
            vis = self.visible_nodes()
            x = np.ascontiguousarray(self.xy[vis, 0])
            y = np.ascontiguousarray(self.xy[vis, 1])
            ek = self.visible_edges()
            p, q = self.xy[self.edges[ek, 0]], self.xy[self.edges[ek, 1]]
            bend = np.abs(self.parallel_offsets()[ek]) + RADIUS * 2
            boxes = np.empty((4, len(ek)))
            boxes[0] = np.minimum(p[:, 0], q[:, 0]) - bend
            boxes[1] = np.maximum(p[:, 0], q[:, 0]) + bend
            boxes[2] = np.minimum(p[:, 1], q[:, 1]) - bend
            boxes[3] = np.maximum(p[:, 1], q[:, 1]) + bend
            self._cull = (vis, x, y, ek, boxes)
            self._cull_revision = self.revision
        return self._cull

    def parallel_offsets(self) -> FloatArray:
        """Per edge, the sideways offset of its curve: 0 for a single link between two nodes,
        spread evenly for parallel links, so each stays visible and clickable."""
        if self._offsets is None:
            m = len(self.edges)
            offsets = np.zeros(m)
            if m:
                a = np.minimum(self.edges[:, 0], self.edges[:, 1])
                b = np.maximum(self.edges[:, 0], self.edges[:, 1])
                key = a * (len(self.ids) + 1) + b
                alive = np.flatnonzero(self.edge_alive)
                order = alive[np.argsort(key[alive], kind="stable")]
                sorted_key = key[order]
                starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
                sizes = np.diff(np.r_[starts, len(order)])
                rank = np.arange(len(order)) - np.repeat(starts, sizes)
                size = np.repeat(sizes, sizes)
                spread = (rank - (size - 1) / 2.0) * PARALLEL_GAP
                # a link drawn b->a bends the other way: keep the sign relative to (a, b)
                flip = np.where(self.edges[order, 0] <= self.edges[order, 1], 1.0, -1.0)
                offsets[order] = spread * flip
            self._offsets = offsets
        return self._offsets

    def bounds(self) -> tuple[float, float, float, float] | None:
        vis = self.visible_nodes()
        if not len(vis):
            return None
        pts = self.xy[vis]
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    # ---- hit testing --------------------------------------------------------------------------
    def node_at(self, x: float, y: float, radius: float = RADIUS) -> int | None:
        vis = self.visible_nodes()
        if not len(vis):
            return None
        d = np.hypot(self.xy[vis, 0] - x, self.xy[vis, 1] - y)
        k = int(np.argmin(d))
        return int(vis[k]) if d[k] <= radius else None

    def nodes_in_rect(self, x0: float, y0: float, x1: float, y1: float) -> IntArray:
        vis = self.visible_nodes()
        pts = self.xy[vis]
        inside = (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)
        return vis[inside]

    def edge_at(self, x: float, y: float, tolerance: float) -> int | None:
        """The visible straight link nearest the point within `tolerance` (curves are tested
        on their control point's chord, close enough for a click)."""
        ek = self.visible_edges()
        if not len(ek):
            return None
        p = self.xy[self.edges[ek, 0]]
        q = self.xy[self.edges[ek, 1]]
        offsets = self.parallel_offsets()[ek]
        d = q - p
        length = np.hypot(d[:, 0], d[:, 1])
        safe = np.where(length > 1e-9, length, 1.0)
        normal = np.stack([-d[:, 1] / safe, d[:, 0] / safe], axis=1)
        mid = (p + q) / 2 + normal * offsets[:, None]  # the curve passes near this point
        best = np.full(len(ek), np.inf)
        for a, b in ((p, mid), (mid, q)):
            seg = b - a
            seg_len2 = np.maximum((seg**2).sum(axis=1), 1e-9)
            t = np.clip(((x - a[:, 0]) * seg[:, 0] + (y - a[:, 1]) * seg[:, 1]) / seg_len2, 0, 1)
            px, py = a[:, 0] + t * seg[:, 0], a[:, 1] + t * seg[:, 1]
            best = np.minimum(best, np.hypot(px - x, py - y))
        loops = self.edges[ek, 0] == self.edges[ek, 1]
        if loops.any():
            centre = p[loops] + np.array([RADIUS * 0.9, -RADIUS * 0.9])
            best[loops] = np.abs(np.hypot(centre[:, 0] - x, centre[:, 1] - y) - RADIUS * 0.6)
        k = int(np.argmin(best))
        return int(ek[k]) if best[k] <= tolerance else None

    # ---- structure helpers -------------------------------------------------------------------
    def live_edge_array(self) -> tuple[IntArray, IntArray]:
        """(live edge rows, their (m, 2) endpoints) for analysis and layouts."""
        rows = np.flatnonzero(self.edge_alive)
        return rows, self.edges[rows]

    def neighbours(self, i: int) -> IntArray:
        rows = self.edge_alive & ((self.edges[:, 0] == i) | (self.edges[:, 1] == i))
        ends = self.edges[rows].ravel()
        return np.unique(ends[ends != i])

    def degree(self) -> IntArray:
        rows, pairs = self.live_edge_array()
        deg = np.zeros(len(self.ids), np.int64)
        if len(rows):
            np.add.at(deg, pairs[:, 0], 1)
            np.add.at(deg, pairs[:, 1], 1)
        return deg

    def rows_of(self, entity_ids: Iterable[str]) -> IntArray:
        return np.array(
            [self.index[e] for e in entity_ids if e in self.index and self.alive[self.index[e]]],
            np.int64,
        )

    def live_count(self) -> int:
        return int((self.alive & ~self.virtual).sum())

    def live_edge_count(self) -> int:
        return int(self.edge_alive.sum())
