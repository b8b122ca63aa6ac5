"""`--self-test`: prove that a build (source, wheel or PyInstaller bundle) starts, opens a
workspace, draws the sample case's graph and fills its tables. One line per check.

Needs nothing from the source tree except resources found through workbench.paths.resource.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TIMEOUT_S = 60.0


class SelfTestFailure(Exception):
    pass


def _wait_until(predicate: Callable[[], bool], what: str) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + TIMEOUT_S
    while not predicate():
        if time.monotonic() > deadline:
            raise SelfTestFailure(f"timed out after {TIMEOUT_S:.0f} s waiting for {what}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def _not_blank(image: object) -> tuple[int, int]:
    """(pixels that differ from the corner colour, distinct colours) of a QImage."""
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    small = image.convertToFormat(QImage.Format.Format_RGB32)
    background = small.pixel(0, 0)
    differing, colours = 0, set()
    step = 2
    for y in range(0, small.height(), step):
        for x in range(0, small.width(), step):
            value = small.pixel(x, y)
            if value != background:
                differing += 1
                if len(colours) < 64:
                    colours.add(value)
    return differing, len(colours)


def run_self_test(qt_args: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    from ui.app import _use_offscreen_without_display

    _use_offscreen_without_display()
    try:
        return _checks(qt_args or [], out)
    except SelfTestFailure as exc:
        out(f"FAIL {exc}")
        out("self-test FAILED")
        return 1
    except Exception as exc:
        out(f"FAIL unexpected error: {type(exc).__name__}: {exc}")
        out("self-test FAILED")
        return 1


def _checks(qt_args: list[str], out: Callable[[str], None]) -> int:
    started = time.perf_counter()
    from PySide6.QtCore import QSettings, qVersion

    from ui.app import make_application
    from ui.icons import render_pixmap
    from ui.main_window import MainWindow
    from ui.views.case_view import ENTITIES, GRAPH
    from workbench import __version__
    from workbench.audit import verify_chain
    from workbench.store.workspace import Workspace
    from workbench.vocabulary import default_vocabulary

    def ok(name: str, detail: str) -> None:
        out(f"ok   {name}: {detail}")

    app = make_application(qt_args)
    ok("qt", f"Qt {qVersion()}, platform {app.platformName()}, workbench {__version__}")
    vocabulary = default_vocabulary()
    image = render_pixmap("user", "#d00000", 32).toImage()
    if _not_blank(image)[0] == 0:
        raise SelfTestFailure("icons: the SVG icon rendered blank (QtSvg missing?)")
    ok("resources", f"{len(vocabulary.entity_types)} entity types, SVG icons render")

    with tempfile.TemporaryDirectory(prefix="workbench-selftest-") as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        ws = Workspace.open(Path(tmp) / "workspace", actor="self-test")
        window = MainWindow(ws, settings)
        window.resize(1366, 768)
        window.show()
        ok("workspace", f"opened a temporary workspace at {ws.root}")
        window.open_sample_case()
        session = window.session
        if session is None:
            raise SelfTestFailure("sample case: it did not open")
        entities = ws.graph.count_entities(session.case_id)
        ok(
            "sample case",
            f"{session.case.reference}: {entities} entities, "
            f"{ws.graph.count_links(session.case_id)} links",
        )

        table_tab = window.show_case_tab(ENTITIES)
        model = table_tab.entity_model  # type: ignore[union-attr]
        _wait_until(lambda: model.rowCount() > 0, "the entity table")
        if model.rowCount() != entities:
            raise SelfTestFailure(f"entity table: {model.rowCount()} rows, expected {entities}")
        ok("entity table", f"{model.rowCount()} rows")

        graph_tab = window.show_case_tab(GRAPH)
        _wait_until(
            lambda: graph_tab.is_built or graph_tab.error,  # type: ignore[union-attr]
            "the graph layout",
        )
        if graph_tab.error:  # type: ignore[union-attr]
            raise SelfTestFailure(f"graph: {graph_tab.error}")  # type: ignore[union-attr]
        nodes = len(graph_tab.nodes)  # type: ignore[union-attr]
        if nodes != entities:
            raise SelfTestFailure(f"graph: {nodes} nodes drawn, expected {entities}")
        picture = graph_tab.view.grab().toImage()  # type: ignore[union-attr]
        differing, colours = _not_blank(picture)
        if differing < 500 or colours < 3:
            raise SelfTestFailure(
                f"graph: the rendered view looks blank ({differing} drawn "
                f"pixels, {colours} colours)"
            )
        ok(
            "graph view",
            f"{nodes} nodes rendered to a {picture.width()}x{picture.height()} "
            f"image ({differing} drawn pixels, {colours}+ colours)",
        )

        with ws.read() as conn:
            report = verify_chain(conn)
        if not report.ok:
            raise SelfTestFailure(f"audit: {report.describe()}")
        ok("audit chain", report.describe())
        window.close()
        app.processEvents()
    out(f"self-test passed in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(run_self_test())
