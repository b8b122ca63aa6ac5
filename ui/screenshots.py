"""Developer tool: `python -m ui.screenshots [OUT_DIR] [REQUEST_FILE ...]` saves pictures of
the main window for the docs: the queue (the sample case plus imported requests) and the
sample case's Graph, Entities, Escalation, Verification, Assessment and Decision tabs.

REQUEST_FILE: .eml messages or portal exports to import first; by default the two real
messages in ../shared/data/email_eml when that folder exists.
Run under xvfb-run or offscreen."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings


def _settle(seconds: float = 0.5) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def default_requests() -> list[Path]:
    folder = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "email_eml"
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


def main(
    out_dir: Path, width: int = 1366, height: int = 768, requests: list[Path] | None = None
) -> int:
    from PySide6.QtCore import Qt

    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.session import ENTITY
    from ui.views.case_view import (
        ASSESSMENT,
        DECISION,
        ENTITIES,
        ESCALATION,
        GRAPH,
        OVERVIEW,
        VERIFICATION,
    )
    from workbench.intake.importer import Importer
    from workbench.store.workspace import Workspace

    app = make_application([])
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        ws = Workspace.open(Path(tmp) / "ws", actor="analyst")
        window = MainWindow(ws, settings)
        window.resize(width, height)
        window.show()
        window.open_sample_case()
        session = window.session
        assert session is not None
        files = default_requests() if requests is None else requests
        imported = [
            item.case_id
            for item in Importer(ws).import_paths(files).items
            if item.status == "created" and item.case_id
        ]
        window.refresh_queue()

        # The queue, the home view, given the room to show its columns (the side docks
        # closed), an imported request open beside it.
        if imported:
            window.open_case(imported[0])
            window.show_case_tab(OVERVIEW)
        window.inspector_dock.hide()
        window.runs_dock.hide()
        window.resizeDocks([window.queue_dock], [int(width * 0.62)], Qt.Orientation.Horizontal)
        _settle()
        window.grab().save(str(out_dir / "main-window-queue.png"))
        window.restore_default_layout()
        window.open_case(session.case_id)
        subject = session.ws.graph.list_entities(session.case_id, limit=1)[0]
        graph = window.show_case_tab(GRAPH)
        deadline = time.monotonic() + 60
        while not graph.is_built and time.monotonic() < deadline:  # type: ignore[union-attr]
            _settle(0.1)
        session.selection.select(ENTITY, subject.id)
        graph.view.zoom_fit()  # type: ignore[union-attr]
        _settle()
        window.grab().save(str(out_dir / "main-window.png"))
        window.show_case_tab(ENTITIES)
        _settle()
        window.grab().save(str(out_dir / "main-window-entities.png"))
        for tab, name in (
            (ESCALATION, "escalation"),
            (VERIFICATION, "verification"),
            (ASSESSMENT, "assessment"),
            (DECISION, "decision"),
        ):
            window.show_case_tab(tab)
            _settle()
            window.grab().save(str(out_dir / f"main-window-{name}.png"))
        window.close()
        app.processEvents()
    print(f"saved screenshots to {out_dir}")
    return 0


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images")
    given = [Path(arg) for arg in sys.argv[2:]] or None
    sys.exit(main(target, requests=given))
