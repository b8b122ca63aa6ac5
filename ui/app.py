"""Start the desktop application: `workbench-gui`, `python -m ui`, `workbench gui`, the bundle.

Options: --workspace PATH (else $WORKBENCH_WORKSPACE, else the user data folder), --case REF
to open a case, --self-test to check a build without a user. Qt's own options pass through.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

MODULE_LOADED = time.perf_counter()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench-gui", description="OSINT Workbench desktop application."
    )
    parser.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help="workspace folder (default: $WORKBENCH_WORKSPACE, else the user data folder)",
    )
    parser.add_argument(
        "--case",
        dest="case_ref",
        default=None,
        help="open this case (reference such as WB-2026-0001, or id)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window on a temporary workspace with the sample case, "
        "check that it draws, print one line per check and exit",
    )
    parser.add_argument(
        "--benchmark", choices=("startup", "table"), default=None, help=argparse.SUPPRESS
    )
    return parser


def main(argv: list[str] | None = None, started: float | None = None) -> int:
    """Entry point of the `workbench-gui` script; returns the process exit code."""
    args, qt_args = _parser().parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        from ui.selftest import run_self_test

        return run_self_test(qt_args)
    if args.benchmark:
        _use_offscreen_without_display()
    from workbench.paths import default_workspace_dir

    workspace = args.workspace or default_workspace_dir()
    return _run(workspace, args, qt_args, started if started is not None else MODULE_LOADED)


def run_gui(workspace: Path | None, extra_args: list[str]) -> int:
    """What `workbench gui` calls: the same as `workbench-gui [--workspace PATH] ARGS`."""
    argv = ["--workspace", str(workspace)] if workspace is not None else []
    return main([*argv, *extra_args])


def _use_offscreen_without_display() -> None:
    """No X11/Wayland display (CI, a server): draw off screen instead of failing."""
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_application(qt_args: list[str]):  # type: ignore[no-untyped-def]
    """The QApplication, themed, with the error hook installed (reused if one exists)."""
    from PySide6.QtWidgets import QApplication

    from ui import theme
    from ui.dialogs.messages import install_excepthook
    from ui.icons import icon
    from workbench import APP_NAME, __version__

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "workbench-gui", *qt_args])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("osint-workbench")
    app.setDesktopFileName("osint-workbench")
    theme.apply(app)
    app.setWindowIcon(icon("shield", theme.colours().accent))
    install_excepthook()
    return app


def open_workspace_interactively(
    path: Path, parent: object = None, *, cancel_text: str = "Quit", confirm_create: bool = False
):  # type: ignore[no-untyped-def]
    """Open a workspace; on failure explain why and offer another folder. Never writes to a
    file it could not open. Returns the Workspace, or None if the user gave up."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from ui.dialogs.messages import workspace_error_choice
    from workbench.errors import WorkspaceError
    from workbench.store.workspace import DB_NAME, Workspace

    while True:
        create = True
        if confirm_create and not (path / DB_NAME).exists():
            answer = QMessageBox.question(
                parent,
                "Create a workspace?",  # type: ignore[arg-type]
                f"There is no workspace in {path}.\n\nCreate a new, empty workspace there?",
            )
            create = answer == QMessageBox.StandardButton.Yes
        try:
            if not create:
                raise WorkspaceError(f"No workspace was created in {path}.")
            return Workspace.open(path)
        except WorkspaceError as exc:
            if not workspace_error_choice(parent, str(exc), cancel_text):  # type: ignore[arg-type]
                return None
            folder = QFileDialog.getExistingDirectory(
                parent, "Choose a workspace folder", str(path.parent)
            )  # type: ignore[arg-type]
            if not folder:
                return None
            path, confirm_create = Path(folder), True


def _run(workspace: Path, args: argparse.Namespace, qt_args: list[str], started: float) -> int:
    app = make_application(qt_args)
    ws = open_workspace_interactively(workspace)
    if ws is None:
        print("No workspace was opened.", file=sys.stderr)
        return 1
    from ui.main_window import MainWindow

    window = MainWindow(ws)
    if args.case_ref:
        from ui.dialogs.messages import reporting

        with reporting(window, "Cannot open the case"):
            window.open_case(ws.cases.resolve(args.case_ref).id)
    if args.benchmark:
        from ui.benchmark_hooks import install

        install(window, args.benchmark, started)
    window.show()
    return int(app.exec())
