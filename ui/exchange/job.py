"""A cancellable background job with progress, for the exchange dialogs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ui.workers import run_in_background

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class Job(QObject):
    """Runs `work(progress, cancelled)` on the worker pool; progress arrives as a signal on
    the GUI thread (throttled), the result or error through the callbacks."""

    progressed = Signal(int, int)  # done, total

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cancel = threading.Event()
        self._last = 0.0
        self.running = False

    def start(
        self,
        work: Work,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self._cancel.clear()
        self.running = True

        def done(result: Any) -> None:
            self.running = False
            on_done(result)

        def failed(error: BaseException) -> None:
            self.running = False
            on_error(error)

        run_in_background(self, lambda: work(self._progress, self._cancel.is_set), done, failed)

    def _progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last >= 0.05 or done >= total:  # at most ~20 updates a second
            self._last = now
            self.progressed.emit(done, total)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()
