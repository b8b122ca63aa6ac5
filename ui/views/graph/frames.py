"""Reusing the last drawn frame while the view moves.

A zoomed-out frame of a large case costs tens of milliseconds (every link is walked pixel by
pixel); drawn on every wheel step or drag it would stutter. So the layer draws into an image
the size of the viewport (`FrameCache.render`) and keeps it with the transform it was drawn
at. While the view moves (wheel, drag, scroll bar, overview; see `GraphView.note_motion`) a
frame that was expensive is not drawn again: the kept image is painted moved and scaled to the
new transform (`FrameCache.draw_moved`), over a "backdrop" (the last frame that showed the whole
graph) for what the kept frame does not cover. When the movement stops (a short single-shot
timer), the view repaints sharp. Cheap frames (zoomed in) are always drawn live.

Anything that changes what is drawn (`BulkLayer.update`, a new model revision, a resize)
drops the kept frames.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QRegion, QTransform
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

LIVE_BUDGET_MS = 12.0  # a frame that took longer is reused while the view moves
MAX_STRETCH = 4.0  # zoomed further than this from the kept frame: draw live instead

QPoint0 = QPoint(0, 0)
Render = Callable[[QPainter, QStyleOptionGraphicsItem], None]


@dataclass
class Frame:
    image: QImage
    transform: QTransform  # scene -> viewport (logical pixels) when drawn
    size: QSize  # viewport size (logical pixels)
    stamp: tuple[int, int]  # (content stamp, model revision)
    cost_ms: float


def _same(a: QTransform, b: QTransform) -> bool:
    return (
        abs(a.m11() - b.m11()) < 1e-9
        and abs(a.m22() - b.m22()) < 1e-9
        and abs(a.m12()) < 1e-12
        and abs(b.m12()) < 1e-12
        and abs(a.dx() - b.dx()) < 1e-6
        and abs(a.dy() - b.dy()) < 1e-6
    )


class FrameCache:
    def __init__(self) -> None:
        self.frame: Frame | None = None
        self.backdrop: Frame | None = None
        self.last_cost_ms = 0.0  # the last live render, for the benchmark

    def drop(self) -> None:
        self.frame = None
        self.backdrop = None

    def usable(self, t: QTransform, size: QSize, stamp: tuple[int, int]) -> bool:
        """Can a moving view show the kept frame instead of drawing anew?"""
        f = self.frame
        if f is None or f.size != size or f.stamp != stamp or f.cost_ms < LIVE_BUDGET_MS:
            return False
        stretch = t.m11() / f.transform.m11() if f.transform.m11() else 0.0
        return 1 / MAX_STRETCH <= stretch <= MAX_STRETCH

    def draw_moved(self, painter: QPainter, t: QTransform, viewport: QRect) -> None:
        """The kept frame (and the backdrop around it) moved and scaled to transform `t`."""
        assert self.frame is not None
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        frame = self.frame
        rel = frame.transform.inverted()[0] * t
        covered = rel.mapRect(QRectF(QRect(QPoint0, frame.size))).toAlignedRect()
        b = self.backdrop
        if b is not None and b is not frame and b.stamp == frame.stamp and b.size == frame.size:
            around = QRegion(viewport).subtracted(QRegion(covered))
            if not around.isEmpty():
                painter.setClipRegion(around, Qt.ClipOperation.IntersectClip)
                painter.setWorldTransform(b.transform.inverted()[0] * t)
                painter.drawImage(QRectF(QRect(QPoint0, b.size)), b.image)
                painter.restore()
                painter.save()
                painter.resetTransform()
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.setWorldTransform(rel)
        painter.drawImage(QRectF(QRect(QPoint0, frame.size)), frame.image)
        painter.restore()

    def render(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget,
        stamp: tuple[int, int],
        whole: QRectF,
        draw: Render,
    ) -> None:
        """Draw live through `draw` into the kept image, then copy the exposed part to the
        screen. The image is drawn whole when the transform changed, else only what is
        exposed. `whole` (the graph's extent) decides whether it may serve as the backdrop."""
        start = time.perf_counter()
        t = painter.worldTransform()
        size = widget.size()
        viewport = QRect(QPoint0, size)
        exposed = t.mapRect(option.exposedRect).toAlignedRect().adjusted(-1, -1, 1, 1)
        f = self.frame
        if f is not None and f.size == size and f.stamp == stamp and _same(f.transform, t):
            region = exposed.intersected(viewport)
            image = f.image
        else:
            region = viewport
            ratio = widget.devicePixelRatioF()
            image = QImage(
                max(1, round(size.width() * ratio)),
                max(1, round(size.height() * ratio)),
                QImage.Format.Format_ARGB32_Premultiplied,
            )
            image.setDevicePixelRatio(ratio)
            image.fill(Qt.GlobalColor.transparent)
        if region.isEmpty():
            return
        p = QPainter(image)
        p.setRenderHints(painter.renderHints())
        if region != viewport:
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            p.fillRect(region, Qt.GlobalColor.transparent)
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        p.setClipRect(region)
        p.setWorldTransform(t)
        opt = QStyleOptionGraphicsItem(option)
        opt.exposedRect = t.inverted()[0].mapRect(QRectF(region))
        draw(p, opt)
        p.end()
        painter.save()
        painter.resetTransform()
        r = image.devicePixelRatio()
        source = QRectF(region.x() * r, region.y() * r, region.width() * r, region.height() * r)
        painter.drawImage(QRectF(region), image, source)
        painter.restore()
        cost = (time.perf_counter() - start) * 1000
        self.last_cost_ms = cost
        if region == viewport:
            self.frame = Frame(image, QTransform(t), QSize(size), stamp, cost)
            seen = t.inverted()[0].mapRect(QRectF(viewport))
            if whole.isEmpty() or seen.contains(whole):
                self.backdrop = self.frame
        elif self.frame is not None:
            self.frame.cost_ms = max(self.frame.cost_ms, cost)
