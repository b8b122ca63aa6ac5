"""What the Report and Response letter dialogs share: the format and language lists, the
question for a file name, and registering the Qt PDF writer before a PDF is saved."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from workbench.report import set_pdf_renderer

FORMATS = [("PDF", "pdf"), ("HTML", "html"), ("Markdown", "md"), ("JSON", "json")]
LANGUAGES = [("English", "en"), ("日本語", "ja"), ("Español", "es"), ("Português", "pt")]
SUFFIX = {"pdf": "pdf", "html": "html", "md": "md", "json": "json"}


def ask_save_path(parent: QWidget, title: str, filename: str, fmt: str) -> Path | None:
    """Ask where to save, suggesting `filename` in the home folder; None when cancelled."""
    suffix = SUFFIX[fmt]
    path, _ = QFileDialog.getSaveFileName(
        parent, title, str(Path.home() / filename), f"{fmt.upper()} (*.{suffix})"
    )
    return Path(path) if path else None


def register_pdf_writer() -> None:
    """Hand the Qt PDF writer to the core. Fonts are prepared here, on the GUI thread, so a
    missing font is reported before any work starts (PdfFontError names the package)."""
    from ui.report.pdf import prepare_fonts, render_pdf

    prepare_fonts()
    set_pdf_renderer(render_pdf)
