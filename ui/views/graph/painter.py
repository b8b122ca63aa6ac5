"""Drawing the graph: one `BulkLayer` item paints every node and link in the exposed rect.

There is no QGraphicsItem per node: at 100k entities creating the items alone takes longer
than the whole first paint may. The layer culls the model's arrays (numpy) to the exposed
rect and picks, by zoom level (`levelOfDetailFromTransform`) and by how much is visible:

- zoomed out or crowded: links and nodes rasterised by compiled kernels into one image
  (links one pixel, dashed for suspected; nodes as type-coloured dots or rings);
- zoomed in: anti-aliased vector links (`drawLines` per confidence bucket, curves for
  parallel links, loops for self-links, arrows for directed types) and full nodes (icon in a
  type-coloured ring, elided label); link labels at high zoom only.

Selected or dragged nodes get their own item (`items.NodeItem`, drawn with the same
`paint_node`) so Qt's selection, dragging and rubber band work on them; the layer skips them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ui import theme
from ui.icons import render_pixmap
from ui.views.graph import raster
from ui.views.graph.frames import FrameCache
from ui.views.graph.model import CONFIRMED, RADIUS, REFUTED, SUSPECTED, CanvasModel
from workbench.vocabulary import Vocabulary

ICON = 24.0
LABEL_WIDTH = 150.0
LABEL_HEIGHT = 20.0
DOT_SCALE = 0.12  # below: nodes are dots
ICON_SCALE = 0.3  # from here: icons in rings
LABEL_SCALE = 0.45  # from here: node labels
EDGE_LABEL_SCALE = 0.8  # from here: link labels
VECTOR_NODES = 600  # more visible nodes than this: rasterised
VECTOR_EDGES = 3000
ARROW_EDGES = 2000
LABELLED_EDGES = 300
LABELLED_NODES = 300
NODE_COVERAGE = 1.2  # node sprites may cover the view this many times over, else raster
DOT_COVERAGE = 2.0  # raster dots shrink so they cover at most this many times the view
EDGE_PIXELS = 250_000  # total length of anti-aliased links per frame, else raster
COMMUNITY_COLOURS = (
    "#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777",
    "#4f46e5", "#65a30d", "#0d9488", "#b45309",
)  # fmt: skip
OTHER_COMMUNITY = "#94a3b8"
_PIXMAPS: dict[tuple[str, str, int], QPixmap] = {}


def icon_pixmap(name: str, colour: str, pixels: int) -> QPixmap:
    pixels = max(8, min(512, pixels))
    key = (name, colour, pixels)
    pixmap = _PIXMAPS.get(key)
    if pixmap is None:
        if len(_PIXMAPS) > 600:
            _PIXMAPS.clear()
        pixmap = _PIXMAPS[key] = render_pixmap(name, colour, pixels)
    return pixmap


def label_font() -> QFont:
    font = QFont()
    font.setPointSizeF(8.5)
    return font


def elide(text: str, width: float = LABEL_WIDTH - 10) -> str:
    return QFontMetricsF(label_font()).elidedText(text, Qt.TextElideMode.ElideRight, width)


@dataclass
class NodeLook:
    icon: str
    colour: str
    label: str
    selected: bool = False
    highlighted: bool = False
    pinned: bool = False
    badge: str = ""  # a collapsed group's count


class Style:
    """Colours and icons per entity type; community colouring when asked."""

    def __init__(self, vocabulary: Vocabulary, model: CanvasModel):
        self.vocabulary = vocabulary
        self.model = model
        self.by_community = False

    def type_icon(self, type_name: str) -> str:
        known = self.vocabulary.entity_types.get(type_name)
        return known.icon if known else "sticky-note"

    def type_colour(self, type_name: str) -> str:
        known = self.vocabulary.entity_types.get(type_name)
        return known.colour if known else "#64748b"

    def type_label(self, type_name: str) -> str:
        known = self.vocabulary.entity_types.get(type_name)
        return known.label if known else type_name

    def community_colour(self, community: int) -> str:
        if community < 0:
            return OTHER_COMMUNITY
        return COMMUNITY_COLOURS[community % len(COMMUNITY_COLOURS)]

    def colour_of(self, i: int) -> str:
        if self.by_community:
            return self.community_colour(int(self.model.community[i]))
        return self.type_colour(self.model.type_names[self.model.types[i]])

    def palette_codes(self, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Per row a colour index into the returned colour list."""
        m = self.model
        if self.by_community:
            comm = m.community[rows]
            codes = np.where(comm < 0, len(COMMUNITY_COLOURS), comm % len(COMMUNITY_COLOURS))
            return codes.astype(np.int64), [*COMMUNITY_COLOURS, OTHER_COMMUNITY]
        colours = [self.type_colour(name) for name in m.type_names]
        return m.types[rows].astype(np.int64), colours

    def look(self, i: int) -> NodeLook:
        m = self.model
        type_name = m.type_names[m.types[i]]
        group = m.groups.get(i)
        return NodeLook(
            self.type_icon(type_name),
            self.colour_of(i),
            m.labels[i],
            bool(m.selected[i]),
            bool(m.highlight[i]),
            bool(m.pinned[i]),
            f"{len(group.members)}" if group is not None else "",
        )


def paint_node(
    painter: QPainter, centre: QPointF, look: NodeLook, lod: float, labels: bool = True
) -> None:
    """One node as an item or the layer draws it: ring, icon, label, selection halo, pin."""
    c = theme.colours()
    x, y = centre.x(), centre.y()
    if look.selected or look.highlighted:
        halo = QColor(c.accent if look.selected else "#f59e0b")
        halo.setAlpha(90)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(halo)
        painter.drawEllipse(centre, RADIUS + 7, RADIUS + 7)
    if lod < ICON_SCALE:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(look.colour))
        painter.drawEllipse(centre, RADIUS, RADIUS)
        return
    painter.setBrush(QColor(c.base))
    ring = QPen(QColor(c.accent if look.selected else look.colour), 3.0)
    if look.badge:
        ring.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(ring)
    painter.drawEllipse(centre, RADIUS - 1.5, RADIUS - 1.5)
    ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
    pixmap = icon_pixmap(look.icon, look.colour, math.ceil(ICON * lod * ratio))
    painter.drawPixmap(
        QRectF(x - ICON / 2, y - ICON / 2, ICON, ICON), pixmap, QRectF(pixmap.rect())
    )
    if look.pinned:
        painter.setPen(QPen(QColor(c.base), 1.5))
        painter.setBrush(QColor(c.text))
        painter.drawEllipse(QPointF(x + RADIUS * 0.72, y - RADIUS * 0.72), 5.0, 5.0)
    if look.badge:
        font = label_font()
        font.setBold(True)
        painter.setFont(font)
        badge = QRectF(x + RADIUS * 0.3, y - RADIUS - 6, 30, 16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(look.colour))
        painter.drawRoundedRect(badge, 8, 8)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, look.badge)
    if lod < LABEL_SCALE or not labels:
        return
    text = elide(look.label)
    width = QFontMetricsF(label_font()).horizontalAdvance(text) + 10
    rect = QRectF(x - width / 2, y + RADIUS + 4, width, LABEL_HEIGHT)
    background = QColor(c.base)
    background.setAlpha(225)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(c.accent) if look.selected else background)
    painter.drawRoundedRect(rect, 4, 4)
    painter.setFont(label_font())
    painter.setPen(QColor("#ffffff") if look.selected else QColor(c.text))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


_SPRITES: dict[tuple[object, ...], QPixmap] = {}
_LABELS: dict[tuple[object, ...], QPixmap] = {}


def _bucket(lod: float) -> float:
    """Zoom rounded to 5% steps, so sprites are reused while zooming (within 2.5% size)."""
    return round(math.exp(round(math.log(max(lod, 0.01)) / 0.05) * 0.05), 4)


def node_sprite(look: NodeLook, lod: float, ratio: float) -> QPixmap:
    scale = _bucket(lod)
    key = (
        look.icon,
        look.colour,
        look.selected,
        look.highlighted,
        look.pinned,
        look.badge,
        scale,
        ratio,
    )
    sprite = _SPRITES.get(key)
    if sprite is None:
        if len(_SPRITES) > 800:
            _SPRITES.clear()
        half = RADIUS + 10
        side = max(2, math.ceil(2 * half * scale * ratio))
        sprite = QPixmap(side, side)
        sprite.fill(Qt.GlobalColor.transparent)
        sprite.setDevicePixelRatio(ratio)
        p = QPainter(sprite)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.scale(scale, scale)
        plain = NodeLook(
            look.icon, look.colour, "", look.selected, look.highlighted, look.pinned, look.badge
        )
        paint_node(p, QPointF(half, half), plain, scale, labels=False)
        p.end()
        _SPRITES[key] = sprite
    return sprite


def label_sprite(text: str, selected: bool, lod: float, ratio: float) -> QPixmap:
    scale = _bucket(lod)
    key = (text, selected, scale, ratio)
    sprite = _LABELS.get(key)
    if sprite is None:
        if len(_LABELS) > 4000:
            _LABELS.clear()
        c = theme.colours()
        shown = elide(text)
        width = QFontMetricsF(label_font()).horizontalAdvance(shown) + 10
        sprite = QPixmap(
            max(1, math.ceil(width * scale * ratio)),
            max(1, math.ceil(LABEL_HEIGHT * scale * ratio)),
        )
        sprite.fill(Qt.GlobalColor.transparent)
        sprite.setDevicePixelRatio(ratio)
        p = QPainter(sprite)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.scale(scale, scale)
        rect = QRectF(0, 0, width, LABEL_HEIGHT)
        background = QColor(c.base)
        background.setAlpha(225)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(c.accent) if selected else background)
        p.drawRoundedRect(rect, 4, 4)
        p.setFont(label_font())
        p.setPen(QColor("#ffffff") if selected else QColor(c.text))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, shown)
        p.end()
        _LABELS[key] = sprite
    return sprite


def clip_segments(p: np.ndarray, q: np.ndarray, rect: QRectF) -> tuple[np.ndarray, np.ndarray]:
    """Segments cut to `rect` (Liang-Barsky, vectorised); outside ones dropped. A dashed pen
    otherwise walks the whole length of a line that reaches far off screen."""
    d = q - p
    t0 = np.zeros(len(p))
    t1 = np.ones(len(p))
    keep = np.ones(len(p), bool)
    bounds = (
        (-d[:, 0], p[:, 0] - rect.left()),
        (d[:, 0], rect.right() - p[:, 0]),
        (-d[:, 1], p[:, 1] - rect.top()),
        (d[:, 1], rect.bottom() - p[:, 1]),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        for pk, qk in bounds:
            parallel = pk == 0
            keep &= ~(parallel & (qk < 0))
            r = np.where(parallel, 0.0, qk / np.where(parallel, 1.0, pk))
            t0 = np.where(~parallel & (pk < 0), np.maximum(t0, r), t0)
            t1 = np.where(~parallel & (pk > 0), np.minimum(t1, r), t1)
    keep &= t0 <= t1
    return (p + d * t0[:, None])[keep], (p + d * t1[:, None])[keep]


def _rgb(colour: str) -> tuple[int, int, int]:
    q = QColor(colour)
    return q.red(), q.green(), q.blue()


class BulkLayer(QGraphicsItem):
    """Paints every node and link that is not drawn by its own item."""

    MARGIN = 400.0

    def __init__(self, model: CanvasModel, style: Style, directed: dict[str, bool]):
        super().__init__()
        self.model = model
        self.style = style
        self.directed = directed
        self.edge_labels: dict[str, str] = {}
        self.force_vector = False  # exports: vectors only (an SVG should not hold bitmaps)
        self.last_mode = ""  # what the last paint did, for tests and the benchmark
        self._view = QRectF()
        self._dot = 1.2
        self.labels = True
        self._rect = QRectF()
        self.moving = False  # the view is moving: expensive frames are reused (frames.py)
        self.frames = FrameCache()
        self.content = 0  # bumps on every update(): what is drawn may have changed
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(0)
        self.refresh_bounds()

    def refresh_bounds(self) -> None:
        bounds = self.model.bounds()
        rect = QRectF() if bounds is None else QRectF(QPointF(*bounds[:2]), QPointF(*bounds[2:]))
        rect = rect.adjusted(-self.MARGIN, -self.MARGIN, self.MARGIN, self.MARGIN)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def update(self, rect: QRectF | None = None) -> None:  # type: ignore[override]
        """Something drawn changed: kept frames are no longer true."""
        self.content += 1
        self.frames.drop()
        if rect is None:
            super().update()
        else:
            super().update(rect)

    def settle(self) -> None:
        """The view stopped moving: draw sharp again (kept frames stay valid)."""
        self.moving = False
        super().update()

    # ---- paint ----------------------------------------------------------------------------
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self.force_vector or widget is None:
            self.render(painter, option)
            return
        t = painter.worldTransform()
        stamp = (self.content, self.model.revision)
        size = widget.size()
        if self.moving and self.frames.usable(t, size, stamp):
            self.frames.draw_moved(painter, t, widget.rect())
            self.last_mode = "kept frame, moved"
            return
        whole = self._rect.adjusted(self.MARGIN, self.MARGIN, -self.MARGIN, -self.MARGIN)
        self.frames.render(painter, option, widget, stamp, whole, self.render)

    def render(self, painter: QPainter, option: QStyleOptionGraphicsItem) -> None:
        """Draw the exposed rect live (see the module docstring)."""
        m = self.model
        exposed = option.exposedRect  # type: ignore[attr-defined]
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        pad = RADIUS + (LABEL_WIDTH / 2 if lod >= LABEL_SCALE else 8)
        x0, y0 = exposed.left() - pad, exposed.top() - pad
        x1, y1 = exposed.right() + pad, exposed.bottom() + pad
        vis, vx, vy, ek, boxes = m.culling_arrays()
        nodes = vis[(vx >= x0) & (vx <= x1) & (vy >= y0) & (vy <= y1)]
        if len(ek):
            ek = ek[
                (boxes[0] <= exposed.right())
                & (boxes[1] >= exposed.left())
                & (boxes[2] <= exposed.bottom())
                & (boxes[3] >= exposed.top())
            ]
        own = nodes[~m.materialized[nodes]]
        area = max(1.0, exposed.width() * exposed.height() * lod * lod)  # device pixels
        coverage = len(own) * math.pi * (RADIUS * lod) ** 2 / area
        vector = self.force_vector or (
            lod >= DOT_SCALE and len(own) <= VECTOR_NODES and coverage <= NODE_COVERAGE
        )
        # dense heaps: smaller dots, so the pixel work (and the picture) stays bounded
        self._dot = max(
            1.2, min(RADIUS * lod, math.sqrt(DOT_COVERAGE * area / (math.pi * max(len(own), 1))))
        )
        vector_edges = self.force_vector
        if not vector_edges and lod >= DOT_SCALE and len(ek) <= VECTOR_EDGES:
            p, q = clip_segments(m.xy[m.edges[ek, 0]], m.xy[m.edges[ek, 1]], exposed)
            length = float(np.hypot(*(q - p).T).sum()) * lod if len(p) else 0.0
            vector_edges = length <= EDGE_PIXELS
        self.labels = len(own) <= LABELLED_NODES
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._view = exposed.adjusted(-RADIUS, -RADIUS, RADIUS, RADIUS)
        if not vector_edges or not vector:
            self._raster(
                painter, exposed, lod, None if vector_edges else ek, None if vector else own
            )
        if vector_edges:
            self._vector_edges(painter, ek, lod)
        else:
            self._highlight_edges(painter, ek)
        if vector:
            if self.force_vector:
                for i in own:
                    paint_node(painter, QPointF(*m.xy[i]), self.style.look(int(i)), lod)
            else:
                self._sprites(painter, own, lod)
        self._view = QRectF()
        self.last_mode = f"{'vector' if vector_edges else 'raster'} links, " + (
            f"{'vector' if vector else 'raster'} nodes"
        )

    def _raster(
        self,
        painter: QPainter,
        exposed: QRectF,
        lod: float,
        ek: np.ndarray | None,
        nodes: np.ndarray | None,
    ) -> None:
        m = self.model
        t = painter.worldTransform()
        device = painter.device()
        bounds = QRect(0, 0, device.width(), device.height()) if device else QRect()
        area = t.mapRect(exposed).toAlignedRect().intersected(bounds)
        if area.isEmpty():
            return
        w, h = area.width(), area.height()
        buf = np.zeros((h, w), np.uint32)
        sx, sy, dx, dy = t.m11(), t.m22(), t.dx() - area.left(), t.dy() - area.top()
        c = theme.colours()
        if ek is not None and len(ek):
            a, b = m.edges[ek, 0], m.edges[ek, 1]
            styles = m.confidence[ek].astype(np.int64)
            styles[m.edge_highlight[ek]] = 3
            alpha = 150 if lod >= DOT_SCALE else 95
            pal = raster.palette(
                [
                    raster.argb(_rgb(c.muted), alpha),
                    raster.argb(_rgb(c.muted), alpha),
                    raster.argb(_rgb(c.refuted), alpha),
                    raster.argb(_rgb("#f59e0b")),
                ]
            )
            raster.draw_lines_fast(
                buf,
                m.xy[a, 0] * sx + dx,
                m.xy[a, 1] * sy + dy,
                m.xy[b, 0] * sx + dx,
                m.xy[b, 1] * sy + dy,
                styles,
                pal,
                np.array([False, True, True, False]),
            )
        if nodes is not None and len(nodes):
            codes, colours = self.style.palette_codes(nodes)
            accent = len(colours)
            codes = np.where(m.selected[nodes], accent, codes)
            codes = np.where(m.highlight[nodes] & ~m.selected[nodes], accent + 1, codes)
            pal = raster.palette(
                [raster.argb(_rgb(col)) for col in colours]
                + [
                    raster.argb(_rgb(c.accent)),
                    raster.argb(_rgb("#f59e0b")),
                    raster.argb(_rgb(c.base)),
                ]
            )
            radius = self._dot
            ring = 2.0 if radius >= 5 else 0.0
            special = m.selected[nodes] | m.highlight[nodes]
            order = np.argsort(special, kind="stable")  # selected and highlighted on top
            nodes, codes = nodes[order], codes[order]
            radii = np.where(special[order], radius + 1.5, radius)
            for r in np.unique(radii):
                pick = radii == r
                raster.draw_discs_fast(
                    buf,
                    np.ascontiguousarray(m.xy[nodes[pick], 0] * sx + dx),
                    np.ascontiguousarray(m.xy[nodes[pick], 1] * sy + dy),
                    float(r),
                    np.ascontiguousarray(codes[pick]),
                    pal,
                    ring,
                )
        image = QImage(buf.data, w, h, w * 4, QImage.Format.Format_ARGB32_Premultiplied)
        painter.save()
        painter.resetTransform()
        painter.drawImage(area.topLeft(), image)
        painter.restore()
        del image  # the image borrows `buf`: drop it before the buffer goes

    def _sprites(self, painter: QPainter, rows: np.ndarray, lod: float) -> None:
        """Nodes as cached device-pixel sprites blitted without scaling: a drawPixmap per
        node instead of an anti-aliased ring, icon and rounded label drawn per frame."""
        t = painter.worldTransform()
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pts = np.column_stack(
            [self.model.xy[rows, 0] * t.m11() + t.dx(), self.model.xy[rows, 1] * t.m22() + t.dy()]
        )
        painter.save()
        painter.resetTransform()
        for i, (x, y) in zip(rows.tolist(), pts.tolist(), strict=True):
            look = self.style.look(i)
            sprite = node_sprite(look, lod, ratio)
            side = sprite.width() / ratio
            painter.drawPixmap(QPointF(round(x - side / 2), round(y - side / 2)), sprite)
            if lod >= LABEL_SCALE and self.labels:
                label = label_sprite(look.label, look.selected, lod, ratio)
                w, _h = label.width() / ratio, label.height() / ratio
                painter.drawPixmap(QPointF(round(x - w / 2), round(y + (RADIUS + 4) * lod)), label)
        painter.restore()

    def _pens(self, lod: float) -> dict[int, QPen]:
        c = theme.colours()
        width = max(1.0, min(2.4, 1.6 * lod))  # device pixels: thin when far, never fat
        pens = {
            CONFIRMED: QPen(QColor(c.muted), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap),
            SUSPECTED: QPen(QColor(c.muted), width, Qt.PenStyle.DashLine, Qt.PenCapStyle.FlatCap),
            REFUTED: QPen(QColor(c.refuted), width, Qt.PenStyle.DotLine, Qt.PenCapStyle.FlatCap),
        }
        for pen in pens.values():
            pen.setCosmetic(True)
        return pens

    def _vector_edges(self, painter: QPainter, ek: np.ndarray, lod: float) -> None:
        m = self.model
        if not len(ek):
            return
        offsets = m.parallel_offsets()[ek]
        loops = m.edges[ek, 0] == m.edges[ek, 1]
        straight = (offsets == 0) & ~loops
        pens = self._pens(lod)
        highlight = QPen(QColor("#f59e0b"), max(3.5, 2.0 / max(lod, 0.05)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for code, pen in pens.items():
            pick = ek[straight & (m.confidence[ek] == code)]
            if len(pick):
                p, q = clip_segments(m.xy[m.edges[pick, 0]], m.xy[m.edges[pick, 1]], self._view)
                painter.setPen(pen)
                painter.drawLines(
                    [
                        QLineF(a[0], a[1], b[0], b[1])
                        for a, b in zip(p.tolist(), q.tolist(), strict=True)
                    ]
                )
        curved = zip(ek[~straight], offsets[~straight], loops[~straight], strict=True)
        for k, offset, loop in curved:
            painter.setPen(pens[int(m.confidence[k])])
            painter.drawPath(self._curve(int(k), float(offset), bool(loop)))
        lit = ek[m.edge_highlight[ek]]
        painter.setPen(highlight)
        for k in lit:
            painter.drawPath(self._curve(int(k), float(m.parallel_offsets()[k]), False))
        if lod >= ICON_SCALE and len(ek) <= ARROW_EDGES:
            self._arrows(painter, ek[~loops], pens)
        if lod >= EDGE_LABEL_SCALE and len(ek) <= LABELLED_EDGES:
            self._labels(painter, ek)

    def _highlight_edges(self, painter: QPainter, ek: np.ndarray) -> None:
        """Zoomed out, a highlighted path is drawn again as vectors so it stands out."""
        lit = ek[self.model.edge_highlight[ek]]
        if len(lit):
            painter.setPen(QPen(QColor("#f59e0b"), 3.0 / max(painter.worldTransform().m11(), 1e-3)))
            for k in lit:
                painter.drawPath(
                    self._curve(int(k), float(self.model.parallel_offsets()[k]), False)
                )

    def _curve(self, k: int, offset: float, loop: bool) -> QPainterPath:
        m = self.model
        a, b = m.edges[k]
        p, q = QPointF(*m.xy[a]), QPointF(*m.xy[b])
        path = QPainterPath()
        if a == b or loop:
            centre = p + QPointF(RADIUS * 0.9, -RADIUS * 0.9)
            path.addEllipse(centre, RADIUS * 0.6, RADIUS * 0.6)
            return path
        path.moveTo(p)
        if offset == 0:
            path.lineTo(q)
            return path
        path.quadTo(self._control(p, q, offset), q)
        return path

    @staticmethod
    def _control(p: QPointF, q: QPointF, offset: float) -> QPointF:
        d = q - p
        length = math.hypot(d.x(), d.y()) or 1.0
        normal = QPointF(-d.y() / length, d.x() / length)
        return (p + q) / 2 + normal * (2 * offset)  # a quadratic passes at half its control

    def _arrows(self, painter: QPainter, ek: np.ndarray, pens: dict[int, QPen]) -> None:
        m = self.model
        painter.setPen(Qt.PenStyle.NoPen)
        offsets = m.parallel_offsets()
        brushes = {code: QBrush(pen.color()) for code, pen in pens.items()}
        for k in ek:
            if not self.directed.get(m.edge_types[k], True):
                continue
            a, b = m.edges[k]
            p, q = QPointF(*m.xy[a]), QPointF(*m.xy[b])
            start = self._control(p, q, float(offsets[k])) if offsets[k] else p
            d = q - start
            length = math.hypot(d.x(), d.y())
            if length < RADIUS * 2:
                continue
            ux, uy = d.x() / length, d.y() / length
            tip = q - QPointF(ux, uy) * RADIUS
            back = tip - QPointF(ux, uy) * 10
            side = QPointF(-uy, ux) * 5
            painter.setBrush(brushes[int(m.confidence[k])])
            painter.drawPolygon(QPolygonF([tip, back + side, back - side]))

    def _labels(self, painter: QPainter, ek: np.ndarray) -> None:
        m = self.model
        c = theme.colours()
        font = QFont()
        font.setPointSizeF(7.5)
        metrics = QFontMetricsF(font)
        painter.setFont(font)
        background = QColor(c.window)
        background.setAlpha(230)
        offsets = m.parallel_offsets()
        for k in ek:
            a, b = m.edges[k]
            if a == b:
                centre = QPointF(*m.xy[a]) + QPointF(RADIUS * 1.4, -RADIUS * 1.6)
            else:
                p, q = QPointF(*m.xy[a]), QPointF(*m.xy[b])
                centre = (p + q) / 2
                if offsets[k]:
                    centre = (centre + self._control(p, q, float(offsets[k]))) / 2
            kind = m.edge_types[k]
            text = metrics.elidedText(
                self.edge_labels.get(kind, kind), Qt.TextElideMode.ElideRight, 110
            )
            rect = QRectF(0, 0, metrics.horizontalAdvance(text) + 8, metrics.height() + 2)
            rect.moveCenter(centre)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(background)
            painter.drawRoundedRect(rect, 3, 3)
            painter.setPen(QColor(c.muted))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


COLOUR_NAMES = dict(
    zip(
        COMMUNITY_COLOURS,
        ("blue", "red", "green", "purple", "orange", "cyan", "ochre", "pink", "indigo",
         "lime", "teal", "brown"),
        strict=True,
    )
)  # fmt: skip


def colour_name(colour: str) -> str:
    """Colour is never the only cue: legends name it."""
    return COLOUR_NAMES.get(colour, "grey")
