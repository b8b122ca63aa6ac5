"""PDF output without Qt in the core: the window's layer registers a renderer here.

`ui.launcher` (console script) and the window register `ui.report.pdf.render_pdf` before
anything runs, so `workbench report CASE --format pdf` works from the command line; a core
without a registered renderer (PySide6 absent) says so instead of writing anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import WorkbenchError


@dataclass(frozen=True)
class PdfDocument:
    """What a renderer needs: the HTML laid out for print, the graph picture (SVG text, to
    rasterise at print resolution under `graph_image`), metadata and the footer text."""

    html: str
    title: str
    author: str
    subject: str
    footer: str
    lang: str
    graph_svg: str = ""
    graph_image: str = ""


PdfRenderer = Callable[[PdfDocument, Path], None]
_renderer: PdfRenderer | None = None


class PdfUnavailableError(WorkbenchError):
    """No PDF renderer is registered (the window's libraries are not installed)."""


def set_pdf_renderer(renderer: PdfRenderer | None) -> None:
    """Register (or, with None, remove) the function that writes a PdfDocument to a path."""
    global _renderer
    _renderer = renderer


def pdf_renderer() -> PdfRenderer:
    if _renderer is None:
        raise PdfUnavailableError(
            "PDF output needs the window's libraries (PySide6), which did not register a PDF "
            "renderer here. Run the `workbench` console script of a full installation, or "
            "choose --format html, md or json."
        )
    return _renderer
