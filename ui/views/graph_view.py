"""Graph tab: the case's link graph on a QGraphicsView (pan, wheel zoom, fit, drag to move).

The scene is a view of the core graph, never the source of truth: it is built lazily the first
time the tab is shown (read and laid out on a worker thread), then follows session signals.
Beyond MAX_NODES entities only the first MAX_NODES are drawn, and the banner says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QLabel, QVBoxLayout, QWidget

from ui.session import ENTITY, LINK, CaseSession
from ui.views.graph_items import EdgeItem, NodeItem
from ui.views.graph_layout import compute_layout, free_spot
from ui.workers import run_in_background
from workbench.model import Entity, Link
from workbench.store.workspace import Workspace

MAX_NODES = 2000
MIN_SCALE, MAX_SCALE = 0.05, 4.0


@dataclass(frozen=True)
class GraphData:
    total: int
    entities: list[Entity]
    links: list[Link]
    positions: dict[str, tuple[float, float]]


def load_graph(ws: Workspace, case_id: str, max_nodes: int = MAX_NODES) -> GraphData:
    """Read the first `max_nodes` entities, the links among them, and lay them out."""
    graph = ws.graph
    total = graph.count_entities(case_id)
    entities = graph.list_entities(case_id, limit=max_nodes)
    ids = {entity.id for entity in entities}
    links = graph.list_links(case_id) if total <= max_nodes else graph.links_among(case_id, ids)
    saved = {
        e.id: (e.pos_x, e.pos_y) for e in entities if e.pos_x is not None and e.pos_y is not None
    }
    positions = compute_layout(
        [e.id for e in entities], [(link.source_id, link.target_id) for link in links], saved
    )  # type: ignore[arg-type]
    return GraphData(total, entities, links, positions)


class GraphView(QGraphicsView):
    nodesMoved = Signal(object, object)  # old positions, new positions
    contextMenuAt = Signal(QPoint)

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None):
        super().__init__(scene, parent)
        self.setObjectName("graphView")
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self._pressed: dict[str, tuple[float, float]] = {}

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom(1.15**steps)
        event.accept()

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(MIN_SCALE / current, min(MAX_SCALE / current, factor))
        self.scale(factor, factor)

    def zoom_fit(self) -> None:
        rect = self.scene().itemsBoundingRect()
        if rect.isEmpty():
            return
        self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.3:  # a handful of nodes: do not blow them up
            self.zoom(1.3 / self.transform().m11())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        self._pressed = {
            item.entity_id: (item.pos().x(), item.pos().y())
            for item in self.scene().selectedItems()
            if isinstance(item, NodeItem)
        }

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        old, new = {}, {}
        for item in self.scene().selectedItems():
            if isinstance(item, NodeItem) and item.entity_id in self._pressed:
                before = self._pressed[item.entity_id]
                after = (item.pos().x(), item.pos().y())
                if before != after:
                    old[item.entity_id], new[item.entity_id] = before, after
        self._pressed = {}
        if new:
            self.nodesMoved.emit(old, new)

    def contextMenuEvent(self, event: object) -> None:
        pos = event.pos()  # type: ignore[attr-defined]
        item = self.itemAt(pos)
        if item is not None and not item.isSelected():
            self.scene().clearSelection()
            item.setSelected(True)
        self.contextMenuAt.emit(event.globalPos())  # type: ignore[attr-defined]


class GraphTab(QWidget):
    built = Signal()
    nodesMoved = Signal(object, object)

    def __init__(self, session: CaseSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.scene = QGraphicsScene(self)
        self.view = GraphView(self.scene, self)
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[str, EdgeItem] = {}
        self.is_built = False
        self.error: str | None = None
        self._started = False
        self._applying = False
        self._emitting = False
        self.banner = QLabel(objectName="banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.status = QLabel("The graph is drawn when you open this tab.", objectName="muted")
        self.legend = QLabel(
            "Lines: ━━ confirmed   ╺╺╺ suspected   ┈┈┈ refuted (grey)   ▶ direction.  "
            "Drag a node to move it (saved), drag the background to pan, wheel to zoom.",
            objectName="muted",
        )
        self.legend.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)
        footer = QVBoxLayout()
        footer.setContentsMargins(12, 4, 12, 6)
        footer.addWidget(self.status)
        footer.addWidget(self.legend)
        layout.addLayout(footer)
        self.scene.selectionChanged.connect(self._scene_selection_changed)
        self.view.nodesMoved.connect(self.nodesMoved)

    def activate(self) -> None:
        """Build the graph the first time the tab is shown (reading runs off the GUI thread)."""
        if self._started:
            return
        self._started = True
        self.status.setText("Reading and laying out the graph…")
        ws, case_id = self.session.ws, self.session.case_id
        run_in_background(self, lambda: load_graph(ws, case_id), self._build, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.error = f"{type(error).__name__}: {error}"
        self.status.setText(f"The graph could not be drawn: {error}")

    def _build(self, data: GraphData) -> None:
        self._applying = True
        try:
            for entity in data.entities:
                self._add_node(entity, data.positions.get(entity.id, (0.0, 0.0)))
            for link in data.links:
                self._add_edge(link)
        finally:
            self._applying = False
        if data.total > len(data.entities):
            self.banner.setText(
                f"This case has {data.total:,} entities. The graph shows only the first "
                f"{len(data.entities):,} (in the order they were added) and the links between "
                "them; the Entities tab lists everything. A canvas for very large graphs is a "
                "later feature."
            )
            self.banner.show()
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
        self._update_status()
        self.view.zoom_fit()
        self.apply_selection(s.selection.kind, s.selection.object_id)
        self.built.emit()

    def _update_status(self) -> None:
        self.status.setText(f"{len(self.nodes):,} entities and {len(self.edges):,} links drawn.")

    # ---- items ----------------------------------------------------------------------------
    def _add_node(self, entity: Entity, position: tuple[float, float]) -> NodeItem:
        known = self.session.vocabulary.entity_types.get(entity.type)
        node = NodeItem(
            entity.id,
            known.label if known else entity.type,
            known.icon if known else "sticky-note",
            known.colour if known else "#64748b",
            entity.label,
            entity.value,
        )
        node.setPos(QPointF(*position))
        self.scene.addItem(node)
        self.nodes[entity.id] = node
        return node

    def _add_edge(self, link: Link) -> None:
        source, target = self.nodes.get(link.source_id), self.nodes.get(link.target_id)
        if source is None or target is None or link.id in self.edges:
            return
        known = self.session.vocabulary.link_types.get(link.type)
        edge = EdgeItem(
            link.id,
            source,
            target,
            known.label if known else link.type,
            link.confidence,
            known.directed if known else True,
            link.grading,
        )
        self.scene.addItem(edge)
        self.edges[link.id] = edge

    def _entity_added(self, entity: Entity) -> None:
        if entity.id in self.nodes or len(self.nodes) >= MAX_NODES:
            return
        if entity.pos_x is not None and entity.pos_y is not None:
            position = (entity.pos_x, entity.pos_y)
        else:
            centre = self.view.mapToScene(self.view.viewport().rect().center())
            taken = [(n.pos().x(), n.pos().y()) for n in self.nodes.values()]
            position = free_spot(taken, (centre.x(), centre.y()))
        self._add_node(entity, position)
        self._update_status()

    def _entity_updated(self, entity: Entity) -> None:
        node = self.nodes.get(entity.id)
        if node is not None:
            node.set_text(entity.label, entity.value)

    def _entity_removed(self, entity_id: str) -> None:
        node = self.nodes.pop(entity_id, None)
        if node is None:
            return
        for edge in list(node.edges):
            self._link_removed(edge.link_id)
        self.scene.removeItem(node)
        self._update_status()

    def _link_added(self, link: Link) -> None:
        self._add_edge(link)
        self._update_status()

    def _link_updated(self, link: Link) -> None:
        edge = self.edges.get(link.id)
        if edge is not None:
            known = self.session.vocabulary.link_types.get(link.type)
            edge.set_link(known.label if known else link.type, link.confidence, link.grading)

    def _link_removed(self, link_id: str) -> None:
        edge = self.edges.pop(link_id, None)
        if edge is not None:
            edge.detach()
            self.scene.removeItem(edge)
            self._update_status()

    def _positions_changed(self, positions: dict[str, tuple[float, float]]) -> None:
        for entity_id, (x, y) in positions.items():
            node = self.nodes.get(entity_id)
            if node is not None and (node.pos().x(), node.pos().y()) != (x, y):
                node.setPos(QPointF(x, y))

    # ---- selection ------------------------------------------------------------------------
    def _scene_selection_changed(self) -> None:
        if self._applying:
            return
        selected = self.scene.selectedItems()
        if not selected:
            self.session.selection.clear()
            return
        item = selected[0]
        self._emitting = True  # keep a multi-selection (dragging several nodes) intact
        try:
            if isinstance(item, NodeItem):
                self.session.selection.select(ENTITY, item.entity_id)
            elif isinstance(item, EdgeItem):
                self.session.selection.select(LINK, item.link_id)
        finally:
            self._emitting = False

    def apply_selection(self, kind: str, object_id: str) -> None:
        if self._emitting:
            return
        item = (
            self.nodes.get(object_id)
            if kind == ENTITY
            else self.edges.get(object_id)
            if kind == LINK
            else None
        )
        self._applying = True
        try:
            for other in self.scene.selectedItems():
                if other is not item:
                    other.setSelected(False)
            if item is not None:
                item.setSelected(True)
                self.view.ensureVisible(item, 60, 60)
        finally:
            self._applying = False
