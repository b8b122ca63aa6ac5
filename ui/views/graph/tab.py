"""Graph tab: the case's link graph at any size (100k entities stay fluid).

The scene is a view of the core graph, never the source of truth. It is read on a worker
thread the first time the tab is shown, then follows the session's signals. One `BulkLayer`
item paints everything; nodes and links get an item only while selected, dragged or asked for
(`nodes[id]`, `edges[id]`), so Qt's selection and dragging work on them. The selection lives
in the model (a mask), so "select all" on 100k nodes costs a mask, not 100k items, and it
stays in step with the session's one selection (tables, Inspector).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.session import ENTITY, LINK, CaseSession
from ui.views.graph import jobs
from ui.views.graph.canvas import GraphView
from ui.views.graph.items import EdgeItem, NodeItem
from ui.views.graph.loader import Loaded, load
from ui.views.graph.model import RADIUS, CanvasModel, EdgeRow, NodeRow
from ui.views.graph.overview import OverviewMap
from ui.views.graph.painter import BulkLayer, Style
from workbench.graph import pins as state
from workbench.model import Entity, Link

SELECTION_ITEMS = 1500  # selected nodes beyond this are drawn by the layer, not as items


class NodeMap(Mapping[str, NodeItem]):
    """`tab.nodes[id]`: the item of a node, made on first access (tests, navigation)."""

    def __init__(self, tab: GraphTab):
        self.tab = tab

    def __getitem__(self, entity_id: str) -> NodeItem:
        row = self.tab.model.index.get(entity_id)
        if row is None or not self.tab.model.alive[row]:
            raise KeyError(entity_id)
        return self.tab.materialize(row)

    def __contains__(self, entity_id: object) -> bool:
        row = self.tab.model.index.get(entity_id)  # type: ignore[call-overload]
        return row is not None and bool(self.tab.model.alive[row])

    def __iter__(self) -> Iterator[str]:
        m = self.tab.model
        return (m.ids[i] for i in np.flatnonzero(m.alive & ~m.virtual))

    def __len__(self) -> int:
        return self.tab.model.live_count()


class EdgeMap(Mapping[str, EdgeItem]):
    def __init__(self, tab: GraphTab):
        self.tab = tab

    def __getitem__(self, link_id: str) -> EdgeItem:
        k = self.tab.model.edge_index.get(link_id)
        if k is None or not self.tab.model.edge_alive[k]:
            raise KeyError(link_id)
        return self.tab.materialize_edge(k)

    def __contains__(self, link_id: object) -> bool:
        k = self.tab.model.edge_index.get(link_id)  # type: ignore[call-overload]
        return k is not None and bool(self.tab.model.edge_alive[k])

    def __iter__(self) -> Iterator[str]:
        m = self.tab.model
        return (
            m.link_ids[k] for k in np.flatnonzero(m.edge_alive) if m.link_ids[k][:6] != "group:"
        )

    def __len__(self) -> int:
        return sum(1 for _ in self)


class GraphTab(QWidget):
    built = Signal()
    nodesMoved = Signal(object, object)
    jobFinished = Signal(str)  # a layout / analysis / bulk job ended (its title)
    reloaded = Signal()

    def __init__(self, session: CaseSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.model = CanvasModel()
        self.style = Style(session.vocabulary, self.model)
        self.scene = QGraphicsScene(self)
        self.scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)  # few items
        self.view = GraphView(self.scene, self)
        self.view.tab = self
        directed = {name: t.directed for name, t in session.vocabulary.link_types.items()}
        directed["group"] = False
        self.layer = BulkLayer(self.model, self.style, directed)
        self.layer.edge_labels = {n: t.label for n, t in session.vocabulary.link_types.items()}
        self.scene.addItem(self.layer)
        self.items: dict[int, NodeItem] = {}
        self.edge_items: dict[int, EdgeItem] = {}
        self.nodes = NodeMap(self)
        self.edges = EdgeMap(self)
        self.is_built = False
        self.error: str | None = None
        self.loaded: Loaded | None = None
        self.job: jobs.Job | None = None
        self._started = False
        self._applying = False
        self._emitting = False
        self._pending: set[int] = set()
        self.banner = QLabel(objectName="banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.status = QLabel("The graph is drawn when you open this tab.", objectName="muted")
        self.legend = QLabel(
            "Lines: ━━ confirmed   ╺╺╺ suspected   ┈┈┈ refuted (hidden unless shown)   ▶ direction."
            "  Drag a node to move it (saved), drag the background to pan, Shift+drag to select"
            " an area, wheel to zoom.",
            objectName="muted",
        )
        self.legend.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_job)
        self.overview = OverviewMap(self, self.view)
        from ui.views.graph.toolbar import GraphActions

        self.actions_ = GraphActions(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.actions_.toolbar)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)
        footer = QVBoxLayout()
        footer.setContentsMargins(12, 4, 12, 6)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.progress)
        row.addWidget(self.cancel_button)
        footer.addLayout(row)
        footer.addWidget(self.legend)
        layout.addLayout(footer)
        self.scene.selectionChanged.connect(self._scene_selection_changed)
        self.view.nodesMoved.connect(self.nodesMoved)
        self.view.horizontalScrollBar().valueChanged.connect(self.overview.update)
        self.view.verticalScrollBar().valueChanged.connect(self.overview.update)
        self._place_timer = QTimer(self, singleShot=True, interval=0)
        self._place_timer.timeout.connect(self._place_pending)

    @property
    def declutter(self):  # type: ignore[no-untyped-def]
        return self.actions_.declutter

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_overview()

    def _place_overview(self) -> None:
        viewport = self.view.viewport().geometry()
        self.overview.move(
            viewport.right() - self.overview.width() - 8,
            viewport.bottom() - self.overview.height() - 8,
        )
        self.overview.raise_()

    # ---- building ---------------------------------------------------------------------------
    def activate(self) -> None:
        """Build the graph the first time the tab is shown (reading runs off the GUI thread)."""
        if self._started:
            return
        self._started = True
        self.status.setText("Reading and laying out the graph…")
        ws, case_id = self.session.ws, self.session.case_id

        def work(job: jobs.Job) -> Loaded:
            from ui.views.graph import raster

            raster.warm_up()
            loaded = load(ws, case_id)
            pinned = state.load_pinned(ws, case_id)
            loaded.model.pinned[loaded.model.rows_of(pinned)] = True
            return loaded

        self.job = jobs.start(self, "Reading the graph", work, self._build, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.job = None
        self.error = f"{type(error).__name__}: {error}"
        self.status.setText(f"The graph could not be drawn: {error}")

    def _build(self, loaded: Loaded) -> None:
        self.job = None
        self.loaded = loaded
        self.set_model(loaded.model)
        self.is_built = True
        s = self.session
        s.entityAdded.connect(self._entity_added)
        s.entityUpdated.connect(self._entity_updated)
        s.entityRemoved.connect(self._entity_removed)
        s.linkAdded.connect(self._link_added)
        s.linkUpdated.connect(self._link_updated)
        s.linkRemoved.connect(self._link_removed)
        s.positionsChanged.connect(self._positions_changed)
        s.selection.changed.connect(self.apply_selection)
        bulk_removed = getattr(s, "entitiesRemoved", None)
        if bulk_removed is not None:
            bulk_removed.connect(self._entities_removed)
            s.entitiesRestored.connect(self._entities_restored)  # type: ignore[attr-defined]
        self.update_status()
        self.zoom_fit()
        self._place_overview()
        self.apply_selection(s.selection.kind, s.selection.object_id)
        if loaded.placed:
            self._save_placed(np.flatnonzero(loaded.model.alive & ~loaded.model.virtual))
        self.built.emit()

    def set_model(self, model: CanvasModel) -> None:
        for item in [*self.items.values(), *self.edge_items.values()]:
            self.scene.removeItem(item)
        self.items.clear()
        self.edge_items.clear()
        self.model = model
        self.style.model = model
        self.layer.model = model
        self.layer.refresh_bounds()
        self.overview.update()

    def reload(self) -> None:
        """Re-read the graph after a change of many rows (merge, unmerge), keeping the view
        state: filters, hidden and pinned entities, the zoom."""
        old = self.model
        ws, case_id = self.session.ws, self.session.case_id
        hidden = {old.ids[i] for i in np.flatnonzero(old.hidden)}

        def work(job: jobs.Job) -> Loaded:
            loaded = load(ws, case_id)
            loaded.model.pinned[loaded.model.rows_of(state.load_pinned(ws, case_id))] = True
            return loaded

        def done(loaded: Loaded) -> None:
            model = loaded.model
            model.filters = old.filters
            model.hidden[model.rows_of(hidden)] = True
            self.set_model(model)
            self.refresh()
            self.apply_selection(self.session.selection.kind, self.session.selection.object_id)
            self.reloaded.emit()

        jobs.start(self, "Reading the graph", work, done, self._failed)

    def _save_placed(self, rows: np.ndarray) -> None:
        """Positions computed on open are saved with the case (one audited event), off the
        GUI thread, so the next open draws at once."""
        m, ws, case_id = self.model, self.session.ws, self.session.case_id
        positions = {m.ids[i]: (float(m.xy[i, 0]), float(m.xy[i, 1])) for i in rows}
        jobs.start(
            self,
            "Saving positions",
            lambda job: ws.graph.set_positions(case_id, positions),
            lambda _r: None,
            lambda e: self.status.setText(f"Positions could not be saved: {e}"),
        )

    def update_status(self) -> None:
        m = self.model
        shown = len(m.visible_nodes())
        live = m.live_count()
        parts = [f"{live:,} entities and {m.live_edge_count():,} links"]
        if shown != live:
            parts.append(f"{shown:,} shown")
        selected = int((m.selected & m.alive).sum())
        if selected > 1:
            parts.append(f"{selected:,} selected")
        if m.filters.active() or m.hidden.any() or m.focus is not None or m.groups:
            parts.append("decluttered (Declutter ▸ Show everything)")
        self.status.setText(" · ".join(parts) + ".")

    def refresh(self) -> None:
        """After a view-state change: repaint, and drop items of nodes no longer shown."""
        shown = self.model.shown_mask()
        for row in [r for r in self.items if not shown[r]]:
            self._drop_item(row)
        self.layer.refresh_bounds()
        self.overview.update()
        self.update_status()

    # ---- items -----------------------------------------------------------------------------
    def materialize(self, row: int) -> NodeItem:
        item = self.items.get(row)
        if item is None:
            item = NodeItem(self.model, self.style, row, self._node_moved)
            self._applying = True
            try:
                self.scene.addItem(item)
                item.setSelected(bool(self.model.selected[row]))
            finally:
                self._applying = False
            self.items[row] = item
            self.model.materialized[row] = True
            self.layer.update()
        return item

    def materialize_edge(self, k: int) -> EdgeItem:
        item = self.edge_items.get(k)
        if item is None:
            a, b = (int(v) for v in self.model.edges[k])
            item = EdgeItem(self.model, k, self.materialize(a), self.materialize(b))
            self.scene.addItem(item)
            self.edge_items[k] = item
        return item

    def materialize_at(self, pos: QPointF, tolerance: float) -> QGraphicsItem | None:
        row = self.model.node_at(pos.x(), pos.y(), max(RADIUS, tolerance))
        if row is not None:
            return self.materialize(row)
        k = self.model.edge_at(pos.x(), pos.y(), max(5.0, tolerance))
        return None if k is None else self.materialize_edge(k)

    def _drop_item(self, row: int) -> None:
        item = self.items.pop(row, None)
        if item is None:
            return
        for edge in list(item.edges):
            self._drop_edge_item(edge.row)
        self.model.materialized[row] = False
        self._applying = True
        try:
            self.scene.removeItem(item)
        finally:
            self._applying = False

    def _drop_edge_item(self, k: int) -> None:
        edge = self.edge_items.pop(k, None)
        if edge is not None:
            edge.detach()
            self._applying = True
            try:
                self.scene.removeItem(edge)
            finally:
                self._applying = False

    def _node_moved(self, row: int) -> None:
        self.layer.update()

    def _prune_items(self) -> None:
        """Unselected items are dropped again (the layer draws those nodes)."""
        for row, item in list(self.items.items()):
            if not item.isSelected() and not self.model.selected[row] and not item.edges:
                self._drop_item(row)
        for k, edge in list(self.edge_items.items()):
            if not edge.isSelected():
                self._drop_edge_item(k)

    # ---- selection ----------------------------------------------------------------------------
    def selected_rows(self) -> np.ndarray:
        m = self.model
        return np.flatnonzero(m.selected & m.alive & ~m.virtual)

    def selected_entity_ids(self) -> list[str]:
        ids = self.model.ids
        return [ids[i] for i in self.selected_rows()]

    def clear_selection(self) -> None:
        self.model.selected[:] = False
        self._applying = True
        try:
            for item in self.scene.selectedItems():
                item.setSelected(False)
        finally:
            self._applying = False
        self._publish()

    def select_only(self, item: QGraphicsItem) -> None:
        self.clear_selection()
        self._applying = True
        try:
            item.setSelected(True)
        finally:
            self._applying = False
        if isinstance(item, NodeItem):
            self.model.selected[item.row] = True
        self._publish(item)

    def select_rows(
        self, rows: np.ndarray, *, add: bool = False, current: int | None = None
    ) -> None:
        m = self.model
        if not add:
            m.selected[:] = False
        rows = np.asarray(rows, np.int64)
        m.selected[rows] = True
        on = np.flatnonzero(m.selected)
        self._applying = True
        try:
            for item in self.scene.selectedItems():
                if isinstance(item, EdgeItem) or not m.selected[item.row]:  # type: ignore[attr-defined]
                    item.setSelected(False)
            if len(on) <= SELECTION_ITEMS:
                for row in on:
                    self.materialize(int(row)).setSelected(True)
            else:
                for row in [r for r in self.items if m.selected[r]]:
                    self.items[row].setSelected(True)
        finally:
            self._applying = False
        chosen = current if current is not None else (int(rows[0]) if len(rows) else None)
        self._publish(self.items.get(chosen) if chosen is not None else None)

    def select_all(self) -> None:
        self.select_rows(
            self.model.visible_nodes()[~self.model.virtual[self.model.visible_nodes()]]
        )

    def _scene_selection_changed(self) -> None:
        if self._applying:
            return
        for row, item in self.items.items():
            self.model.selected[row] = item.isSelected()
        self._publish()

    def _publish(self, current: QGraphicsItem | None = None) -> None:
        """Tell the session (tables, Inspector) which object is current; keep the rest."""
        self.layer.update()
        self.update_status()
        QTimer.singleShot(0, self._prune_items)
        selected = self.scene.selectedItems()
        if current is None or not current.isSelected():
            nodes = [
                i
                for i in selected
                if isinstance(i, NodeItem) and not i.entity_id.startswith("group:")
            ]
            current_id = self.session.selection.entity_id()
            keep = next((i for i in nodes if i.entity_id == current_id), None)
            current = keep or (nodes[0] if nodes else next(iter(selected), None))
        self._emitting = True
        try:
            if isinstance(current, NodeItem) and not current.entity_id.startswith("group:"):
                self.session.selection.select(ENTITY, current.entity_id)
            elif isinstance(current, EdgeItem):
                self.session.selection.select(LINK, current.link_id)
            elif len(self.selected_rows()):
                self.session.selection.select(ENTITY, self.model.ids[self.selected_rows()[0]])
            else:
                self.session.selection.clear()
        finally:
            self._emitting = False

    def apply_selection(self, kind: str, object_id: str) -> None:
        if self._emitting:
            return
        m = self.model
        self._applying = True
        try:
            m.selected[:] = False
            for other in self.scene.selectedItems():
                other.setSelected(False)
            item: QGraphicsItem | None = None
            if kind == ENTITY and object_id in self.nodes:
                row = m.index[object_id]
                m.selected[row] = True
                item = self.materialize(row)
            elif kind == LINK and object_id in self.edges:
                item = self.materialize_edge(m.edge_index[object_id])
            if item is not None:
                item.setSelected(True)
                if item.isVisible() and (
                    not isinstance(item, NodeItem) or m.shown_mask()[item.row]
                ):
                    self.view.ensureVisible(item, 60, 60)
        finally:
            self._applying = False
        self.layer.update()
        self.update_status()
        QTimer.singleShot(0, self._prune_items)

    # ---- view helpers -----------------------------------------------------------------------
    def zoom_fit(self) -> None:
        bounds = self.model.bounds()
        if bounds is None:
            return
        x0, y0, x1, y1 = bounds
        self.view.zoom_to(
            QRectF(QPointF(x0, y0), QPointF(x1, y1)).adjusted(-RADIUS, -RADIUS, RADIUS, RADIUS + 30)
        )
        self.overview.update()

    def zoom_selection(self) -> None:
        rows = self.selected_rows()
        if not len(rows):
            return
        pts = self.model.xy[rows]
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        self.view.zoom_to(
            QRectF(QPointF(x0, y0), QPointF(x1, y1)).adjusted(
                -RADIUS, -RADIUS, RADIUS, RADIUS + 30
            ),
            1.5,
        )
        self.overview.update()

    def tooltip_at(self, pos: QPointF, tolerance: float) -> str:
        m = self.model
        row = m.node_at(pos.x(), pos.y(), max(RADIUS, tolerance))
        if row is not None:
            group = m.groups.get(row)
            type_label = self.style.type_label(m.type_names[m.types[row]])
            if group is not None:
                return (
                    f"{len(group.members)} {type_label.lower()} entities (double-click to expand)"
                )
            value, label = m.values[row], m.labels[row]
            return f"{type_label}: {value}" + (f"\n{label}" if label != value else "")
        k = m.edge_at(pos.x(), pos.y(), max(5.0, tolerance))
        if k is None:
            return ""
        kind = self.layer.edge_labels.get(m.edge_types[k], m.edge_types[k])
        confidence = ("confirmed", "suspected", "refuted")[int(m.confidence[k])]
        a, b = m.edges[k]
        return f"{m.labels[a]} → {m.labels[b]}\n{kind} ({confidence})"

    # ---- jobs --------------------------------------------------------------------------------
    def run_job(self, title: str, fn, done, failed=None) -> jobs.Job | None:  # type: ignore[no-untyped-def]
        """One background job at a time, with the progress bar and Cancel in the footer."""
        if self.job is not None:
            self.status.setText(f"Wait for “{self.job.title}” to finish, or cancel it.")
            return None

        def finish(result: object) -> None:
            self._end_job()
            done(result)
            self.jobFinished.emit(title)

        def fail(error: BaseException) -> None:
            self._end_job()
            if failed is not None:
                failed(error)
            else:
                self.status.setText(f"{title}: {error}")
            self.jobFinished.emit(title)

        self.progress.setValue(0)
        self.progress.setFormat(f"{title} %p%")
        self.progress.show()
        self.cancel_button.show()
        self.job = jobs.start(self, title, fn, finish, fail, self._job_progress)
        return self.job

    def _job_progress(self, fraction: float) -> None:
        self.progress.setValue(int(1000 * max(0.0, min(1.0, fraction))))

    def _end_job(self) -> None:
        self.job = None
        self.progress.hide()
        self.cancel_button.hide()

    def cancel_job(self) -> None:
        if self.job is not None:
            self.job.cancel()

    # ---- session signals ------------------------------------------------------------------------
    def _entity_added(self, entity: Entity) -> None:
        row = int(
            self.model.add_nodes(
                [
                    NodeRow(
                        entity.id,
                        entity.type,
                        entity.label,
                        entity.value,
                        entity.pos_x,
                        entity.pos_y,
                        entity.created_at.timestamp() if entity.created_at else float("nan"),
                    )
                ]
            )[0]
        )
        if entity.pos_x is None or entity.pos_y is None:
            self.model.xy[row] = np.nan
            self._pending.add(row)
            self._place_timer.start()  # after this event's links arrived too
        else:
            self.refresh()

    def _place_pending(self) -> None:
        """New entities (from a source, an undo, the dialog) go next to their neighbours;
        nothing else moves."""
        from ui.views.graph.loader import LAYOUT_SCALE
        from workbench.graph.layout import place_new

        m = self.model
        rows = np.array(sorted(r for r in self._pending if m.alive[r]), np.int64)
        self._pending.clear()
        if not len(rows):
            return
        known = m.alive & ~np.isnan(m.xy[:, 0])
        _live, pairs = m.live_edge_array()
        # only the new nodes and their neighbours take part: cheap at 100k entities
        touching = np.isin(pairs[:, 0], rows) | np.isin(pairs[:, 1], rows) if len(pairs) else []
        local_pairs = pairs[touching] if len(pairs) else pairs
        sub = np.unique(np.concatenate([rows, local_pairs.ravel()]))
        remap = {int(r): k for k, r in enumerate(sub)}
        sub_known = known[sub]
        if not sub_known.any():  # no placed neighbour: near the middle of the view
            centre = self.view.mapToScene(self.view.viewport().rect().center())
            taken = self.model.nodes_in_rect(
                centre.x() - 900, centre.y() - 900, centre.x() + 900, centre.y() + 900
            )
            from ui.views.graph_layout import free_spot

            spots = [tuple(p) for p in m.xy[taken].tolist()]
            for row in sub:
                spot = free_spot(spots, (centre.x(), centre.y()))
                m.xy[row] = spot
                spots.append(spot)
        else:
            start = np.where(np.isnan(m.xy[sub]), 0.0, m.xy[sub] / LAYOUT_SCALE)
            edges = np.array(
                [[remap[int(a)], remap[int(b)]] for a, b in local_pairs.tolist()], np.int64
            )
            placed = place_new(start, sub_known, edges.reshape(-1, 2))
            fresh = ~sub_known
            m.xy[sub[fresh]] = placed[fresh] * LAYOUT_SCALE
        m.changed(geometry=True)
        for row in sub:
            if int(row) in self.items:
                self.items[int(row)].setPos(QPointF(*m.xy[row]))
        self.refresh()

    def _entity_updated(self, entity: Entity) -> None:
        row = self.model.index.get(entity.id)
        if row is None:
            return
        self.model.labels[row], self.model.values[row] = entity.label, entity.value
        self.model.changed()
        item = self.items.get(row)
        if item is not None:
            item.refresh_tooltip()
            item.update()
        self.layer.update()

    def _entity_removed(self, entity_id: str) -> None:
        row = self.model.index.get(entity_id)
        if row is None or not self.model.alive[row]:
            return
        for k in self.model.remove_node(row):
            self._drop_edge_item(k)
        self._drop_item(row)
        self.refresh()

    def _entities_removed(self, entity_ids: list[str]) -> None:
        rows = self.model.rows_of(entity_ids)
        for row in [r for r in self.items if r in set(rows.tolist())]:
            self._drop_item(row)
        self.model.remove_nodes(rows)
        for k in [k for k in self.edge_items if not self.model.edge_alive[k]]:
            self._drop_edge_item(k)
        self.refresh()

    def _entities_restored(self, batch: object) -> None:
        """A bulk undo: the rows come back with their positions and links."""
        rows: list[dict] = batch.entity_rows  # type: ignore[attr-defined,type-arg]
        link_rows: list[dict] = batch.link_rows  # type: ignore[attr-defined,type-arg]
        self.model.add_nodes(
            [
                NodeRow(
                    r["id"],
                    r["type"],
                    r["label"],
                    r["value"],
                    r["pos_x"],
                    r["pos_y"],
                    r["created_at"].timestamp() if r.get("created_at") else float("nan"),
                )
                for r in rows
            ]
        )
        self.model.add_edges(
            [
                EdgeRow(r["id"], r["source_id"], r["target_id"], r["type"], r["confidence"])
                for r in link_rows
            ]
        )
        missing = self.model.rows_of(r["id"] for r in rows if r["pos_x"] is None)
        if len(missing):
            self.model.xy[missing] = np.nan
            self._pending.update(int(r) for r in missing)
            self._place_timer.start()
        self.refresh()

    def _link_added(self, link: Link) -> None:
        self.model.add_edges(
            [EdgeRow(link.id, link.source_id, link.target_id, link.type, link.confidence.value)]
        )
        self.refresh()

    def _link_updated(self, link: Link) -> None:
        self._link_added(link)

    def _link_removed(self, link_id: str) -> None:
        k = self.model.edge_index.get(link_id)
        if k is None:
            return
        self.model.remove_edge(k)
        self._drop_edge_item(k)
        self.refresh()

    def _positions_changed(self, positions: dict[str, tuple[float, float]]) -> None:
        m = self.model
        for entity_id, (x, y) in positions.items():
            row = m.index.get(entity_id)
            if row is None:
                continue
            m.xy[row] = (x, y)
            item = self.items.get(row)
            if item is not None and (item.pos().x(), item.pos().y()) != (x, y):
                item.setPos(QPointF(x, y))
        m.changed(geometry=True)
        self.refresh()

    def selection_anchor(self) -> int | None:
        """The row the session's selection points at (radial layouts, neighbourhoods)."""
        entity_id = self.session.selection.entity_id()
        return self.model.index.get(entity_id) if entity_id else None

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Escape:
            self.clear_selection()
            return
        super().keyPressEvent(event)
