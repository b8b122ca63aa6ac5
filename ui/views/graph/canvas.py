"""The QGraphicsView of the graph tab: wheel zoom, pan, click and rubber-band selection.

Nodes have no item until they need one: a press over a node makes its item first (the
controller's `materialize`), then Qt's own selection and dragging take over. A rubber band
(Shift+drag, Ctrl+Shift+drag adds) selects through the model, so it reaches nodes that have no
item; tooltips are looked up the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QHelpEvent, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsView, QToolTip, QWidget

from ui.views.graph.items import EdgeItem, NodeItem

if TYPE_CHECKING:
    from ui.views.graph.tab import GraphTab

MIN_SCALE, MAX_SCALE = 0.002, 4.0
SETTLE_MS = 120  # this long without movement: the canvas is drawn sharp again


class GraphView(QGraphicsView):
    nodesMoved = Signal(object, object)  # old positions, new positions
    contextMenuAt = Signal(QPoint)

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None):
        super().__init__(scene, parent)
        self.setObjectName("graphView")
        self.tab: GraphTab | None = None
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setOptimizationFlags(
            QGraphicsView.OptimizationFlag.DontSavePainterState
            | QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing
        )
        self._pressed: dict[str, tuple[float, float]] = {}
        self._band_start = QPointF()
        self._banding = False
        self.settle_timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self.settle_timer.timeout.connect(self.settle)
        self.horizontalScrollBar().actionTriggered.connect(self.note_motion)
        self.verticalScrollBar().actionTriggered.connect(self.note_motion)

    # ---- motion ------------------------------------------------------------------------------
    def note_motion(self, *_args: object) -> None:
        """The user is moving the view (wheel, drag, scroll bar, keys, overview): expensive
        frames are reused moved (see frames.py) until SETTLE_MS pass without movement."""
        if self.tab is not None:
            self.tab.layer.moving = True
        self.settle_timer.start()

    def settle(self) -> None:
        self.settle_timer.stop()
        if self.tab is not None and self.tab.layer.moving:
            self.tab.layer.settle()

    # ---- zoom --------------------------------------------------------------------------------
    def scale_now(self) -> float:
        return self.transform().m11()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.note_motion()
            self.zoom(1.15**steps)
        event.accept()

    def zoom(self, factor: float) -> None:
        current = self.scale_now()
        factor = max(MIN_SCALE / current, min(MAX_SCALE / current, factor))
        self.scale(factor, factor)

    def zoom_to(self, rect: QRectF, most: float = 1.3) -> None:
        if rect.isEmpty() and rect.isNull():
            return
        pad = max(60.0, 0.04 * max(rect.width(), rect.height()))
        self.fitInView(rect.adjusted(-pad, -pad, pad, pad), Qt.AspectRatioMode.KeepAspectRatio)
        if self.scale_now() > most:  # a handful of nodes: do not blow them up
            self.zoom(most / self.scale_now())
        elif self.scale_now() < MIN_SCALE:
            self.zoom(MIN_SCALE / self.scale_now())

    def zoom_fit(self) -> None:
        if self.tab is not None:
            self.tab.zoom_fit()

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    # ---- mouse -------------------------------------------------------------------------------
    def _hit(self, pos: QPoint) -> QGraphicsItem | None:
        item = self.itemAt(pos)
        if isinstance(item, (NodeItem, EdgeItem)) or self.tab is None:
            return item
        return self.tab.materialize_at(self.mapToScene(pos), 6.0 / self.scale_now())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        tab = self.tab
        mods = event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        if tab is not None and event.button() == Qt.MouseButton.LeftButton:
            item = self._hit(event.position().toPoint())
            if item is None:
                if shift:
                    if not ctrl:
                        tab.clear_selection()
                    self._banding = True
                    self._band_start = self.mapToScene(event.position().toPoint())
                    self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
                elif not ctrl:
                    tab.clear_selection()
            elif not ctrl and not item.isSelected():
                tab.select_only(item)
        super().mousePressEvent(event)
        self._pressed = {
            item.entity_id: (item.pos().x(), item.pos().y())
            for item in self.scene().selectedItems()
            if isinstance(item, NodeItem)
        }

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if (
            event.buttons() & Qt.MouseButton.LeftButton
            and self.dragMode() == QGraphicsView.DragMode.ScrollHandDrag
            and self.scene().mouseGrabberItem() is None
        ):
            self.note_motion()  # panning by dragging the background
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if self._banding:
            self._banding = False
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            end = self.mapToScene(event.position().toPoint())
            r = QRectF(self._band_start, end).normalized()
            if self.tab is not None and not r.isEmpty():
                self.tab.select_rows(
                    self.tab.model.nodes_in_rect(r.left(), r.top(), r.right(), r.bottom()),
                    add=True,
                )
        old, new = {}, {}
        for item in self.scene().selectedItems():
            if isinstance(item, NodeItem) and item.entity_id in self._pressed:
                before = self._pressed[item.entity_id]
                after = (item.pos().x(), item.pos().y())
                if before != after:
                    old[item.entity_id], new[item.entity_id] = before, after
        self._pressed = {}
        if new:
            if self.tab is not None:
                self.tab.layer.refresh_bounds()
            virtual = [key for key in new if key.startswith("group:")]
            for key in virtual:  # group nodes are view state: moved, never saved
                old.pop(key)
                new.pop(key)
            if new:
                self.nodesMoved.emit(old, new)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self._hit(event.position().toPoint())
        if (
            isinstance(item, NodeItem)
            and self.tab is not None
            and item.row in self.tab.model.groups
        ):
            self.tab.declutter.expand(item.row)
            return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event: object) -> None:
        pos = event.pos()  # type: ignore[attr-defined]
        item = self._hit(pos)
        if item is not None and not item.isSelected() and self.tab is not None:
            self.tab.select_only(item)
        self.contextMenuAt.emit(event.globalPos())  # type: ignore[attr-defined]

    def viewportEvent(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and self.tab is not None:
            help_event = event
            text = self.tab.tooltip_at(self.mapToScene(help_event.pos()), 6.0 / self.scale_now())
            if text:
                QToolTip.showText(help_event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)
