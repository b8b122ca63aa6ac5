"""The `workbench` console script: the core CLI, with `workbench gui` wired to the window.

The core cannot import the UI (import-linter contract), so the UI hands the CLI a runner.
This module must not import Qt: the CLI works where PySide6 is absent.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.report.pdf import PdfUnavailableError

if TYPE_CHECKING:
    from workbench.report.pdf import PdfDocument


def _run_gui(workspace: Path | None, extra_args: list[str]) -> int:
    try:
        from ui.app import run_gui
    except ImportError as exc:
        print(f"workbench: error: the window cannot start: {exc}", file=sys.stderr)
        return 1
    return run_gui(workspace, extra_args)


def _render_pdf(document: PdfDocument, path: Path) -> None:
    """The Qt PDF writer, imported only when a PDF is written (start-up stays fast)."""
    try:
        from ui.report.pdf import render_pdf
    except ImportError as exc:
        raise PdfUnavailableError(
            f"PDF output needs PySide6, which cannot be imported here ({exc}); choose "
            "--format html, md or json."
        ) from exc
    render_pdf(document, path)


def main(argv: Sequence[str] | None = None) -> int:
    from workbench.cli import main as cli_main
    from workbench.report.pdf import set_pdf_renderer

    set_pdf_renderer(_render_pdf)  # `workbench report --format pdf` (issue 8)
    return cli_main(argv, gui_runner=_run_gui)


if __name__ == "__main__":
    sys.exit(main())
