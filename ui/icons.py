"""Lucide SVG icons, recoloured and rendered as vectors so they are crisp at any pixel ratio.

The shipped SVGs draw with `stroke="currentColor"`; we substitute a palette colour and render
with QSvgRenderer at the exact device-pixel size Qt asks for, never scaling a bitmap.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ui import theme
from workbench.paths import resource


@lru_cache(maxsize=256)
def svg_source(name: str) -> str:
    return resource("icons", f"{name}.svg").read_text(encoding="utf-8")


@lru_cache(maxsize=512)
def renderer(name: str, colour: str) -> QSvgRenderer:
    """A renderer for icon `name` drawn in `colour` (cached: parsing SVG is the slow part)."""
    data = svg_source(name).replace("currentColor", colour)
    return QSvgRenderer(QByteArray(data.encode("utf-8")))


def render_pixmap(name: str, colour: str, pixels: int) -> QPixmap:
    """A square pixmap of `pixels` device pixels (callers set the device pixel ratio)."""
    pixmap = QPixmap(max(1, pixels), max(1, pixels))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer(name, colour).render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    return pixmap


class SvgIconEngine(QIconEngine):
    """Renders a recoloured SVG on demand; disabled icons use the palette's disabled colour."""

    def __init__(self, name: str, colour: str | None = None):
        super().__init__()
        self._name = name
        self._colour = colour

    def _colour_for(self, mode: QIcon.Mode) -> str:
        if mode == QIcon.Mode.Disabled:
            return theme.colours().disabled
        if mode == QIcon.Mode.Selected:
            return "#ffffff"
        return self._colour or theme.colours().icon

    def paint(
        self, painter: QPainter, rect: QRectF | object, mode: QIcon.Mode, state: QIcon.State
    ) -> None:
        target = QRectF(rect)  # type: ignore[arg-type]
        side = min(target.width(), target.height())
        square = QRectF(0, 0, side, side)
        square.moveCenter(QPointF(target.center()))
        renderer(self._name, self._colour_for(mode)).render(painter, square)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        side = max(1, min(size.width(), size.height()))
        return render_pixmap(self._name, self._colour_for(mode), side)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        """Qt 6.8+ passes the logical size and the device pixel ratio: render at device size.
        (Older Qt passed the device size; the result is then only sharper, never blurred.)"""
        side = max(1, round(min(size.width(), size.height()) * max(scale, 1.0)))
        pixmap = render_pixmap(self._name, self._colour_for(mode), side)
        pixmap.setDevicePixelRatio(max(scale, 1.0))
        return pixmap

    def clone(self) -> QIconEngine:
        return SvgIconEngine(self._name, self._colour)

    def key(self) -> str:
        return "workbench-svg"


_ICONS: dict[tuple[str, str | None], QIcon] = {}


def icon(name: str, colour: str | QColor | None = None) -> QIcon:
    """The shipped icon `name` (file stem in resources/icons), in `colour` or the text colour."""
    colour_text = colour.name() if isinstance(colour, QColor) else colour
    key = (name, colour_text)
    cached = _ICONS.get(key)
    if cached is None:
        cached = QIcon(SvgIconEngine(name, colour_text))
        _ICONS[key] = cached
    return cached


def entity_icon(type_name: str) -> QIcon:
    """The icon of an entity type, drawn in the type's colour."""
    from workbench.vocabulary import default_vocabulary

    entity_type = default_vocabulary().entity_types.get(type_name)
    if entity_type is None:
        return icon("sticky-note")
    return icon(entity_type.icon, entity_type.colour)
