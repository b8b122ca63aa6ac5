"""Developer tool: `python -m ui.screenshots [OUT_DIR]` saves pictures of the main window with
the sample case (Graph, Entities, Assessment and Decision tabs) for the docs.
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


def main(out_dir: Path, width: int = 1366, height: int = 768) -> int:
    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.session import ENTITY
    from ui.views.case_view import ASSESSMENT, DECISION, ENTITIES, GRAPH
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
        for tab, name in ((ASSESSMENT, "assessment"), (DECISION, "decision")):
            window.show_case_tab(tab)
            _settle()
            window.grab().save(str(out_dir / f"main-window-{name}.png"))
        window.close()
        app.processEvents()
    print(f"saved screenshots to {out_dir}")
    return 0


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images")
    sys.exit(main(target))
