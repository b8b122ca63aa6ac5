"""Background work: run a plain callable on a worker thread, deliver the result on the GUI thread.

The core offers plain functions; we run them on a small pool and bring the result (or the
error) back through one queued signal. A result whose owner widget is gone is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

_POOL: QThreadPool | None = None
_LIVE: set[_Task] = set()


def pool() -> QThreadPool:
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(2)
    return _POOL


class _Bridge(QObject):
    finished = Signal(object, object)  # result, error


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any]):
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.bridge = _Bridge()

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # delivered to the GUI thread and shown there
            self.bridge.finished.emit(None, exc)
        else:
            self.bridge.finished.emit(result, None)


def run_in_background(
    owner: QObject,
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
) -> None:
    """Run `fn()` off the GUI thread; call `on_done(result)` or `on_error(exc)` on the GUI
    thread, unless `owner` was deleted meanwhile. Errors without a handler are shown."""
    task = _Task(fn)
    _LIVE.add(task)

    def deliver(result: Any, error: BaseException | None) -> None:
        _LIVE.discard(task)
        if not shiboken6.isValid(owner):
            return
        if error is None:
            on_done(result)
        elif on_error is not None:
            on_error(error)
        else:
            from ui.dialogs.messages import show_error

            show_error(None, error)

    task.bridge.finished.connect(deliver)
    pool().start(task)


def wait_for_all(timeout_ms: int = 30000) -> bool:
    """Used at exit and by tests: let running work finish before the workspace closes."""
    return pool().waitForDone(timeout_ms)
