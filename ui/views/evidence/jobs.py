"""A background job with progress and cancel: the core call runs on the shared worker pool
(`ui.workers.pool`), reports progress through a queued signal and stops at its next check
when the user presses Cancel (the core's CancelToken, also used by source runs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Signal

from ui.workers import pool
from workbench.sources.cancel import CancelToken


class _Signals(QObject):
    progress = Signal(str)
    finished = Signal(object, object)  # result, error


class Job(QRunnable):
    """`work(cancel, say)` runs off the GUI thread; `say(text)` reports progress."""

    def __init__(self, work: Callable[[CancelToken, Callable[[str], None]], Any]):
        super().__init__()
        self.setAutoDelete(False)
        self.work = work
        self.cancel = CancelToken()
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.work(self.cancel, self.signals.progress.emit)
        except Exception as exc:  # delivered to the GUI thread and shown there
            self.signals.finished.emit(None, exc)
        else:
            self.signals.finished.emit(result, None)


_RUNNING: set[Job] = set()


def start_job(
    owner: QObject,
    work: Callable[[CancelToken, Callable[[str], None]], Any],
    on_progress: Callable[[str], None],
    on_done: Callable[[Any, BaseException | None], None],
) -> Job:
    job = Job(work)
    _RUNNING.add(job)

    def finished(result: Any, error: BaseException | None) -> None:
        _RUNNING.discard(job)
        if shiboken6.isValid(owner):
            on_done(result, error)

    def progress(text: str) -> None:
        if shiboken6.isValid(owner):
            on_progress(text)

    job.signals.progress.connect(progress)
    job.signals.finished.connect(finished)
    pool().start(job)
    return job
