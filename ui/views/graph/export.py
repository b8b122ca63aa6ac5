"""Export what the canvas shows as PNG (at twice the screen's pixels) or SVG (vectors only:
the layer draws every link and node as shapes, never its zoomed-out bitmap)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QFileDialog

from ui import theme
from ui.dialogs import messages
from workbench.atomicfile import atomic_path
from workbench.errors import ValidationError

if TYPE_CHECKING:
    from ui.views.graph.tab import GraphTab

PNG_SCALE = 2


def ask_and_export(tab: GraphTab, kind: str) -> Path | None:
    title = "Export the graph view as PNG" if kind == "png" else "Export the graph view as SVG"
    pattern = "PNG image (*.png)" if kind == "png" else "SVG drawing (*.svg)"
    name, _ = QFileDialog.getSaveFileName(tab, title, f"graph.{kind}", pattern)
    if not name:
        return None
    with messages.reporting(tab, "The view could not be exported"):
        path = export_view(tab, Path(name), kind)
        tab.status.setText(f"Exported the view to {path}.")
        return path
    return None


def _render(tab: GraphTab, painter: QPainter, target: QRectF, source: QRect) -> None:
    painter.fillRect(target, QColor(theme.colours().base))
    tab.view.render(painter, target, source, Qt.AspectRatioMode.KeepAspectRatio)


def export_view(tab: GraphTab, path: Path, kind: str) -> Path:
    """Write the visible part of the canvas to `path` (written to a temporary file first)."""
    if kind not in ("png", "svg"):
        raise ValidationError(f"Export as png or svg, not {kind!r}.")
    if path.suffix.lower() != f".{kind}":
        path = path.with_suffix(f".{kind}")
    viewport = tab.view.viewport().rect()
    if viewport.isEmpty():
        raise ValidationError("The graph view has no size yet; show the Graph tab first.")
    overview_shown = tab.overview.isVisible()
    tab.overview.hide()  # the map is navigation, not part of the picture
    try:
        with atomic_path(path) as partial:
            if kind == "png":
                _write_png(tab, partial, path)
            else:
                _write_svg(tab, partial, path)
    except OSError as exc:
        if exc.strerror is None:  # already says what is wrong (a missing folder, a folder)
            raise ValidationError(str(exc)) from exc
        raise ValidationError(
            f"Could not write {path} ({exc.strerror}); check the folder is writable."
        ) from exc
    finally:
        if overview_shown:
            tab.overview.show()
    return path


def _write_png(tab: GraphTab, partial: Path, path: Path) -> None:
    viewport = tab.view.viewport().rect()
    image = QImage(viewport.size() * PNG_SCALE, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(PNG_SCALE)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _render(tab, painter, QRectF(viewport), viewport)
    painter.end()
    if not image.save(str(partial), "PNG"):
        raise ValidationError(f"Could not write {path}: check the folder is writable.")


def _write_svg(tab: GraphTab, partial: Path, path: Path) -> None:
    from PySide6.QtSvg import QSvgGenerator

    viewport = tab.view.viewport().rect()
    generator = QSvgGenerator()
    generator.setFileName(str(partial))
    generator.setSize(QSize(viewport.width(), viewport.height()))
    generator.setViewBox(QRect(0, 0, viewport.width(), viewport.height()))
    generator.setTitle(f"{tab.session.case.reference} link graph")
    generator.setDescription("Exported from the OSINT Workbench graph view")
    tab.layer.force_vector = True
    try:
        painter = QPainter(generator)
        _render(tab, painter, QRectF(viewport), viewport)
        painter.end()
    finally:
        tab.layer.force_vector = False
    if not partial.exists() or partial.stat().st_size == 0:
        raise ValidationError(f"Could not write {path}: check the folder is writable.")
