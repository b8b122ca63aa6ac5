"""PDF writer for reports and letters: Qt's QTextDocument lays out the HTML, QPdfWriter writes
A4 pages with a footer (marking, reference, page n of N) and embedded, subset fonts.

Fonts: IPA Gothic (Debian `fonts-ipafont-gothic`). Qt's PDF writer with Noto Sans CJK writes a
wrong text layer (日 and 自 come back as Kangxi radicals); with IPA Gothic the text layer is
exact, so a PDF can be searched for 自殺. IPA PGothic (proportional, same package) sets the
body, IPA Gothic (monospaced) the hashes. Works headless: a QGuiApplication on the
offscreen platform is created when none exists.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextDocument,
)
from PySide6.QtSvg import QSvgRenderer

from workbench import __version__
from workbench.errors import WorkbenchError
from workbench.report.pdf import PdfDocument

FONT_DIR_ENV = "WORKBENCH_REPORT_FONT_DIR"
DEFAULT_FONT_DIR = Path("/usr/share/fonts/opentype/ipafont-gothic")
FONT_FILES = {"IPAGothic": "ipag.ttf", "IPAPGothic": "ipagp.ttf"}
BODY_FAMILY = "IPAPGothic"
RESOLUTION = 300  # dpi of the layout; the graph is rasterised at this resolution too
MARGINS_MM = QMarginsF(18, 16, 18, 14)
FOOTER_MM = 9.0

_app: QGuiApplication | None = None
_fonts_ready = False


class PdfFontError(WorkbenchError):
    """The font the PDF needs is not installed; nothing was written."""


class PdfWriteError(WorkbenchError):
    """Qt could not write the PDF file."""


def font_dir() -> Path:
    from_env = os.environ.get(FONT_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    bundled = Path(getattr(sys, "_MEIPASS", "")) / "resources" / "fonts" / "ipafont-gothic"
    if getattr(sys, "_MEIPASS", None) and bundled.is_dir():
        return bundled
    return DEFAULT_FONT_DIR


def ensure_app() -> None:
    """Qt needs an application object for fonts and painting; the CLI has none."""
    global _app
    if QGuiApplication.instance() is None:
        _app = QGuiApplication(["workbench-pdf", "-platform", "offscreen"])


def prepare_fonts() -> None:
    """Register IPA Gothic with Qt (once). Call on the GUI thread before rendering in a
    worker. Raises PdfFontError naming the package to install."""
    global _fonts_ready
    ensure_app()
    folder = font_dir()
    missing = [name for name in FONT_FILES.values() if not (folder / name).is_file()]
    if missing:
        raise PdfFontError(
            f"PDF output needs the IPA Gothic font ({', '.join(missing)} not found in "
            f"{folder}). Install the Debian package fonts-ipafont-gothic "
            "(sudo apt install fonts-ipafont-gothic), or set "
            f"${FONT_DIR_ENV} to a folder holding ipag.ttf and ipagp.ttf. Nothing was written."
        )
    if _fonts_ready:
        return
    for family, name in FONT_FILES.items():
        font_id = QFontDatabase.addApplicationFont(str(folder / name))
        if font_id < 0 or family not in QFontDatabase.applicationFontFamilies(font_id):
            raise PdfFontError(
                f"Qt could not load the font {folder / name} (family {family}); reinstall "
                "fonts-ipafont-gothic. Nothing was written."
            )
    _fonts_ready = True


def _graph_image(svg: str, width_px: int) -> QImage:
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        raise PdfWriteError("The case graph picture could not be read as SVG; nothing written.")
    size = renderer.defaultSize()
    height_px = max(1, round(width_px * size.height() / max(1, size.width())))
    image = QImage(width_px, height_px, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    renderer.render(painter)
    painter.end()
    return image


def render_pdf(document: PdfDocument, path: Path) -> None:
    """Write `document` to `path` (the caller renames it into place when this returns)."""
    prepare_fonts()
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            MARGINS_MM,
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(document.title)
    writer.setAuthor(document.author)
    writer.setCreator(f"OSINT Workbench {__version__}")
    width, height = writer.width(), writer.height()
    footer_px = round(FOOTER_MM / 25.4 * RESOLUTION)
    body_height = height - footer_px

    text = QTextDocument()
    text.documentLayout().setPaintDevice(writer)
    text.setDefaultFont(QFont(BODY_FAMILY, 10))
    text.setDocumentMargin(0)
    if document.graph_svg and document.graph_image:
        image = _graph_image(document.graph_svg, int(width * 0.96))
        image.setDevicePixelRatio(RESOLUTION / 96)
        text.addResource(
            QTextDocument.ResourceType.ImageResource, QUrl(document.graph_image), image
        )
    text.setHtml(document.html)
    text.setPageSize(QSizeF(width, body_height))
    pages = text.pageCount()

    painter = QPainter()
    if not painter.begin(writer):
        raise PdfWriteError(f"Qt could not open {path} for writing; nothing was written.")
    try:
        footer_font = QFont(BODY_FAMILY, 7)
        for page in range(pages):
            if page:
                writer.newPage()
            painter.save()
            painter.translate(0, -page * body_height)
            text.drawContents(painter, QRectF(0, page * body_height, width, body_height))
            painter.restore()
            painter.setPen(QPen(QColor("#94a3b8"), 2))
            line_y = body_height + footer_px * 0.25
            painter.drawLine(0, round(line_y), width, round(line_y))
            painter.setFont(footer_font)
            painter.setPen(QColor("#334155"))
            box = QRectF(0, line_y, width, footer_px * 0.75)
            painter.drawText(
                box,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                document.footer,
            )
            painter.drawText(
                box,
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                f"{page + 1} / {pages}",
            )
    finally:
        painter.end()
