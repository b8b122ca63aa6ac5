"""Background jobs of the graph tab with progress and cancel (layouts, analysis, bulk edits).

`start(owner, fn, done, failed)` runs `fn(job)` on the shared worker pool; `fn` reports with
`job.report(fraction)` and polls `job.cancelled()`. Results come back on the GUI thread; a
job whose owner is gone delivers nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Signal

from ui.workers import pool

_LIVE: set[Job] = set()


class Job(QObject):
    progress = Signal(float)
    finished = Signal(object, object)  # result, error

    def __init__(self, title: str):
        super().__init__()
        self.title = title
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def report(self, fraction: float) -> None:
        self.progress.emit(float(fraction))


class _Runnable(QRunnable):
    def __init__(self, job: Job, fn: Callable[[Job], Any]):
        super().__init__()
        self.setAutoDelete(True)
        self.job = job
        self.fn = fn

    def run(self) -> None:
        try:
            result = self.fn(self.job)
        except Exception as exc:  # delivered to the GUI thread and shown there
            self.job.finished.emit(None, exc)
        else:
            self.job.finished.emit(result, None)


def start(
    owner: QObject,
    title: str,
    fn: Callable[[Job], Any],
    done: Callable[[Any], None],
    failed: Callable[[BaseException], None],
    progress: Callable[[float], None] | None = None,
) -> Job:
    job = Job(title)
    _LIVE.add(job)

    def deliver(result: Any, error: BaseException | None) -> None:
        _LIVE.discard(job)
        if not shiboken6.isValid(owner):
            return
        if error is None:
            done(result)
        else:
            failed(error)

    job.finished.connect(deliver)
    if progress is not None:
        job.progress.connect(progress)
    pool().start(_Runnable(job, fn))
    return job
