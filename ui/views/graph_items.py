"""Graph canvas items: an entity node (icon in a type-coloured ring, elided label) and a link
edge whose pen tells its confidence by pattern (solid, dashed, dotted), not by colour alone.

Icons are rendered from SVG at the device size the current zoom needs, cached per size, so
nodes stay crisp at any zoom and any screen. Detail fades out when zoomed far out.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from ui import theme
from ui.icons import render_pixmap
from workbench.model import Confidence

RADIUS = 24.0
ICON = 24.0
LABEL_WIDTH = 150.0
LABEL_HEIGHT = 20.0
_PIXMAPS: dict[tuple[str, str, int], QPixmap] = {}


def _icon_pixmap(name: str, colour: str, pixels: int) -> QPixmap:
    pixels = max(8, min(512, pixels))
    key = (name, colour, pixels)
    pixmap = _PIXMAPS.get(key)
    if pixmap is None:
        if len(_PIXMAPS) > 600:
            _PIXMAPS.clear()
        pixmap = render_pixmap(name, colour, pixels)
        _PIXMAPS[key] = pixmap
    return pixmap


def _label_font() -> QFont:
    font = QFont()
    font.setPointSizeF(8.5)
    return font


class NodeItem(QGraphicsItem):
    def __init__(
        self, entity_id: str, type_label: str, icon_name: str, colour: str, label: str, value: str
    ):
        super().__init__()
        self.entity_id = entity_id
        self.icon_name = icon_name
        self.colour = colour
        self.type_label = type_label
        self.edges: list[EdgeItem] = []
        self.set_text(label, value)
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setZValue(1)
        self.setAcceptHoverEvents(False)

    def set_text(self, label: str, value: str) -> None:
        self.label = label
        metrics = QFontMetricsF(_label_font())
        self._elided = metrics.elidedText(label, Qt.TextElideMode.ElideRight, LABEL_WIDTH - 10)
        self._label_w = metrics.horizontalAdvance(self._elided) + 10
        self.setToolTip(f"{self.type_label}: {value}" + (f"\n{label}" if label != value else ""))
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-LABEL_WIDTH / 2, -RADIUS - 4, LABEL_WIDTH, 2 * RADIUS + 10 + LABEL_HEIGHT)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), RADIUS, RADIUS)
        path.addRect(self._label_rect())
        return path

    def _label_rect(self) -> QRectF:
        return QRectF(-self._label_w / 2, RADIUS + 4, self._label_w, LABEL_HEIGHT)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        c = theme.colours()
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            halo = QColor(c.accent)
            halo.setAlpha(70)
            painter.setBrush(halo)
            painter.drawEllipse(QPointF(0, 0), RADIUS + 6, RADIUS + 6)
        if lod < 0.3:  # far out: a filled dot in the type colour is all that can be read
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(self.colour))
            painter.drawEllipse(QPointF(0, 0), RADIUS, RADIUS)
            return
        painter.setBrush(QColor(c.base))
        painter.setPen(QPen(QColor(c.accent if selected else self.colour), 3.0))
        painter.drawEllipse(QPointF(0, 0), RADIUS - 1.5, RADIUS - 1.5)
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pixels = math.ceil(ICON * lod * ratio)
        pixmap = _icon_pixmap(self.icon_name, self.colour, pixels)
        painter.drawPixmap(QRectF(-ICON / 2, -ICON / 2, ICON, ICON), pixmap, QRectF(pixmap.rect()))
        if lod < 0.4:
            return
        rect = self._label_rect()
        background = QColor(c.base)
        background.setAlpha(225)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(c.accent) if selected else background)
        painter.drawRoundedRect(rect, 4, 4)
        painter.setFont(_label_font())
        painter.setPen(QColor("#ffffff") if selected else QColor(c.text))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._elided)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.adjust()
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setZValue(2 if value else 1)  # the selected node and its label on top
        return super().itemChange(change, value)


PEN_STYLES = {
    Confidence.CONFIRMED: Qt.PenStyle.SolidLine,
    Confidence.SUSPECTED: Qt.PenStyle.DashLine,
    Confidence.REFUTED: Qt.PenStyle.DotLine,
}


class EdgeItem(QGraphicsItem):
    def __init__(
        self,
        link_id: str,
        source: NodeItem,
        target: NodeItem,
        type_label: str,
        confidence: Confidence,
        directed: bool,
        grading: str,
    ):
        super().__init__()
        self.link_id = link_id
        self.source = source
        self.target = target
        self.directed = directed
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)
        self._line = QLineF()
        source.edges.append(self)
        target.edges.append(self)
        self.set_link(type_label, confidence, grading)

    def set_link(self, type_label: str, confidence: Confidence, grading: str) -> None:
        self.type_label = type_label
        self.confidence = confidence
        words = f"{type_label} ({confidence.value}{', ' + grading if grading else ''})"
        self.setToolTip(words)
        self.adjust()

    def detach(self) -> None:
        for node in (self.source, self.target):
            if self in node.edges:
                node.edges.remove(self)

    def adjust(self) -> None:
        self.prepareGeometryChange()
        line = QLineF(self.source.pos(), self.target.pos())
        length = line.length()
        if length < 2 * RADIUS + 1:
            self._line = QLineF(line.p1(), line.p1())
        else:
            shrink = RADIUS / length
            self._line = QLineF(line.pointAt(shrink), line.pointAt(1 - shrink))
        self.update()

    def boundingRect(self) -> QRectF:
        rect = QRectF(self._line.p1(), self._line.p2()).normalized()
        return rect.adjusted(-60, -16, 60, 16)

    def shape(self) -> QPainterPath:
        path = QPainterPath(self._line.p1())
        path.lineTo(self._line.p2())
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(path)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self._line.length() < 1:
            return
        c = theme.colours()
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        refuted = self.confidence == Confidence.REFUTED
        colour = QColor(c.accent if selected else (c.refuted if refuted else c.muted))
        pen = QPen(
            colour, 2.6 if selected else 1.6, PEN_STYLES[self.confidence], Qt.PenCapStyle.FlatCap
        )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pen)
        painter.drawLine(self._line)
        if self.directed and lod >= 0.3:
            self._arrow(painter, colour)
        if lod >= 0.7:
            self._label(painter, c, colour if selected else QColor(c.muted))

    def _arrow(self, painter: QPainter, colour: QColor) -> None:
        angle = math.atan2(-self._line.dy(), self._line.dx())
        tip = self._line.p2()
        size = 9.0
        left = tip + QPointF(
            math.sin(angle - math.pi / 3) * size, math.cos(angle - math.pi / 3) * size
        )
        right = tip + QPointF(
            math.sin(angle - math.pi + math.pi / 3) * size,
            math.cos(angle - math.pi + math.pi / 3) * size,
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(colour))
        painter.drawPolygon(QPolygonF([tip, left, right]))

    def _label(self, painter: QPainter, c: theme.Colours, colour: QColor) -> None:
        font = QFont()
        font.setPointSizeF(7.5)
        metrics = QFontMetricsF(font)
        text = metrics.elidedText(self.type_label, Qt.TextElideMode.ElideRight, 110)
        width = metrics.horizontalAdvance(text) + 8
        height = metrics.height() + 2
        rect = QRectF(0, 0, width, height)
        rect.moveCenter(self._line.center())
        background = QColor(c.window)
        background.setAlpha(230)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(rect, 3, 3)
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
