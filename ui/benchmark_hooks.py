"""Hidden `--benchmark` modes: print the seconds to a first paint, then quit.

`startup`: the main window's first paint. `table`: the first paint of the open case's entity
table with rows in it (the case is given with --case). Used by benchmarks/*.py.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ui.main_window import MainWindow
from ui.views.case_view import ENTITIES


class _FirstPaint(QObject):
    def __init__(self, target: QWidget, label: str, started: float, ready: object = None):
        super().__init__(target)
        self.label, self.started, self.ready = label, started, ready
        self.done = False
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            not self.done
            and event.type() == QEvent.Type.Paint
            and (self.ready is None or self.ready())
        ):  # type: ignore[operator]
            self.done = True
            elapsed = time.perf_counter() - self.started
            QTimer.singleShot(0, lambda: self._finish(elapsed))
        return False

    def _finish(self, elapsed: float) -> None:
        print(f"{self.label}: {elapsed:.3f} s", flush=True)
        QApplication.instance().exit(0)  # type: ignore[union-attr]


def install(window: MainWindow, mode: str, started: float) -> None:
    if mode == "startup":
        _FirstPaint(window, "first paint of the main window", started)
        return
    if window.case_view is None:
        raise SystemExit("--benchmark table needs --case REF")
    tab = window.case_view.show_tab(ENTITIES)
    table = tab.entity_table  # type: ignore[attr-defined]
    _FirstPaint(
        table.viewport(),
        "first paint of the entity table",
        started,
        ready=lambda: table.model().rowCount() > 0,
    )
