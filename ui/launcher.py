"""The `workbench` console script: the core CLI, with `workbench gui` wired to the window.

The core cannot import the UI (import-linter contract), so the UI hands the CLI a runner.
This module must not import Qt: the CLI works where PySide6 is absent.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def _run_gui(workspace: Path | None, extra_args: list[str]) -> int:
    try:
        from ui.app import run_gui
    except ImportError as exc:
        print(f"workbench: error: the window cannot start: {exc}", file=sys.stderr)
        return 1
    return run_gui(workspace, extra_args)


def main(argv: Sequence[str] | None = None) -> int:
    from workbench.cli import main as cli_main

    return cli_main(argv, gui_runner=_run_gui)


if __name__ == "__main__":
    sys.exit(main())
