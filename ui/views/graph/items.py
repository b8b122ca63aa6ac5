"""Items for the few nodes and links that need one: the selected (up to a cap), the one being
dragged, the one the Inspector points at. Everything else is painted by `BulkLayer`.

A NodeItem draws exactly as the layer would (`paint_node`), writes its position back into the
model while dragged, and asks the layer to repaint the links that follow it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from ui import theme
from ui.views.graph.model import RADIUS, CanvasModel
from ui.views.graph.painter import LABEL_HEIGHT, LABEL_WIDTH, Style, paint_node


class NodeItem(QGraphicsItem):
    def __init__(
        self, model: CanvasModel, style: Style, row: int, moved: Callable[[int], None]
    ) -> None:
        super().__init__()
        self.model = model
        self.style = style
        self.row = row
        self.entity_id = model.ids[row]
        self._moved = moved
        self.edges: list[EdgeItem] = []
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setZValue(2)
        self.setPos(QPointF(*model.xy[row]))
        self.refresh_tooltip()

    def refresh_tooltip(self) -> None:
        m = self.model
        type_label = self.style.type_label(m.type_names[m.types[self.row]])
        value, label = m.values[self.row], m.labels[self.row]
        self.setToolTip(f"{type_label}: {value}" + (f"\n{label}" if label != value else ""))

    def boundingRect(self) -> QRectF:
        return QRectF(-LABEL_WIDTH / 2, -RADIUS - 8, LABEL_WIDTH, 2 * RADIUS + 14 + LABEL_HEIGHT)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), RADIUS, RADIUS)
        path.addRect(QRectF(-LABEL_WIDTH / 4, RADIUS + 4, LABEL_WIDTH / 2, LABEL_HEIGHT))
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        look = self.style.look(self.row)
        look.selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint_node(painter, QPointF(0, 0), look, lod)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            pos = self.pos()
            self.model.xy[self.row] = (pos.x(), pos.y())
            for edge in self.edges:
                edge.adjust()
            self._moved(self.row)
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setZValue(3 if value else 2)
        return super().itemChange(change, value)


class EdgeItem(QGraphicsItem):
    """A selected link, drawn over the layer's line in the accent colour."""

    def __init__(self, model: CanvasModel, row: int, source: NodeItem, target: NodeItem):
        super().__init__()
        self.model = model
        self.row = row
        self.link_id = model.link_ids[row]
        self.source = source
        self.target = target
        source.edges.append(self)
        target.edges.append(self)
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(1)
        self._path = QPainterPath()
        self.adjust()

    def detach(self) -> None:
        for node in (self.source, self.target):
            if self in node.edges:
                node.edges.remove(self)

    def adjust(self) -> None:
        self.prepareGeometryChange()
        p, q = self.source.pos(), self.target.pos()
        path = QPainterPath()
        if self.source is self.target:
            path.addEllipse(p + QPointF(RADIUS * 0.9, -RADIUS * 0.9), RADIUS * 0.6, RADIUS * 0.6)
        else:
            offset = float(self.model.parallel_offsets()[self.row])
            path.moveTo(p)
            if offset:
                d = q - p
                length = math.hypot(d.x(), d.y()) or 1.0
                normal = QPointF(-d.y() / length, d.x() / length)
                path.quadTo((p + q) / 2 + normal * (2 * offset), q)
            else:
                path.lineTo(q)
        self._path = path
        self.update()

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-8, -8, 8, 8)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(self._path)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if not option.state & QStyle.StateFlag.State_Selected:
            return  # unselected, the layer's line is what shows
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(0, 0, 0, 0))
        painter.setPen(QPen(QColor(theme.colours().accent), max(3.0, 2.0 / max(lod, 0.05))))
        painter.drawPath(self._path)
