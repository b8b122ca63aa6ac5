"""The overview map: the whole graph in a corner of the canvas, with the viewport's rectangle.

Click or drag in it to move the view there. Its picture is rasterised (compiled kernels) and
redrawn only when the model changed; the rectangle follows every scroll and zoom.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QWidget

from ui import theme
from ui.views.graph import raster
from ui.views.graph.painter import _rgb

if TYPE_CHECKING:
    from ui.views.graph.tab import GraphTab

WIDTH, HEIGHT = 220, 150


class OverviewMap(QFrame):
    def __init__(self, tab: GraphTab, parent: QWidget | None = None):
        super().__init__(parent)
        self.tab = tab
        self.setObjectName("graphOverview")
        self.setFixedSize(WIDTH, HEIGHT)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self._image: QImage | None = None
        self._buffer: np.ndarray | None = None
        self._revision = -1
        self._world = QRectF()

    def _geometry(self) -> tuple[float, float, float, float]:
        """Scale and offset from scene to map pixels, keeping the aspect ratio."""
        world = self._world
        s = min((WIDTH - 8) / max(world.width(), 1.0), (HEIGHT - 8) / max(world.height(), 1.0))
        ox = (WIDTH - world.width() * s) / 2 - world.left() * s
        oy = (HEIGHT - world.height() * s) / 2 - world.top() * s
        return s, ox, oy, 0.0

    def _render(self) -> None:
        m = self.tab.model
        bounds = m.bounds()
        self._revision = m.revision
        if bounds is None:
            self._image = None
            return
        x0, y0, x1, y1 = bounds
        self._world = QRectF(x0, y0, x1 - x0, y1 - y0).adjusted(-100, -100, 100, 100)
        s, ox, oy, _ = self._geometry()
        buf = np.zeros((HEIGHT, WIDTH), np.uint32)
        c = theme.colours()
        ek = m.visible_edges()
        if len(ek):
            a, b = m.edges[ek, 0], m.edges[ek, 1]
            raster.draw_lines(
                buf,
                m.xy[a, 0] * s + ox,
                m.xy[a, 1] * s + oy,
                m.xy[b, 0] * s + ox,
                m.xy[b, 1] * s + oy,
                np.zeros(len(ek), np.int64),
                raster.palette([raster.argb(_rgb(c.muted), 60)]),
                np.zeros(1, np.bool_),
            )
        vis = m.visible_nodes()
        codes, colours = self.tab.style.palette_codes(vis)
        raster.draw_discs(
            buf,
            np.ascontiguousarray(m.xy[vis, 0] * s + ox),
            np.ascontiguousarray(m.xy[vis, 1] * s + oy),
            1.2,
            np.ascontiguousarray(codes),
            raster.palette([raster.argb(_rgb(col)) for col in colours] + [0]),
            0.0,
        )
        self._buffer = buf
        self._image = QImage(
            buf.data, WIDTH, HEIGHT, WIDTH * 4, QImage.Format.Format_ARGB32_Premultiplied
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._revision != self.tab.model.revision:
            self._render()
        painter = QPainter(self)
        c = theme.colours()
        painter.fillRect(self.rect(), QColor(c.base))
        if self._image is not None:
            painter.drawImage(0, 0, self._image)
            s, ox, oy, _ = self._geometry()
            view = self.tab.view.visible_scene_rect()
            frame = QRectF(
                view.left() * s + ox, view.top() * s + oy, view.width() * s, view.height() * s
            )
            frame = frame.intersected(QRectF(self.rect()).adjusted(1, 1, -1, -1))
            painter.setPen(QPen(QColor(c.accent), 1.5))
            fill = QColor(c.accent)
            fill.setAlpha(35)
            painter.setBrush(fill)
            painter.drawRect(frame)
        painter.setPen(QPen(QColor(c.border)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.end()

    def scene_point(self, x: float, y: float) -> QPointF:
        s, ox, oy, _ = self._geometry()
        return QPointF((x - ox) / s, (y - oy) / s)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._go(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._go(event)

    def _go(self, event: QMouseEvent) -> None:
        if self._image is None:
            return
        point = event.position()
        self.tab.view.note_motion()
        self.tab.view.centerOn(self.scene_point(point.x(), point.y()))
        self.update()
