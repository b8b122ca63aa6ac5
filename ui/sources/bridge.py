"""A source run's event stream, iterated on a worker thread and delivered through one signal.

`SourceRun.events()` does the plugin's work and the case writes; it must never run on the GUI
thread. `RunWorker` iterates it on a dedicated pool (long runs must not starve the short jobs
of `ui.workers`), reads the case records each batch wrote while still off the GUI thread, and
emits everything through `RunBridge.delivered`, which Qt queues to the GUI thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from workbench.model import Entity, Link
from workbench.sources.runner import ResultsReceived, RunEvent, RunFinished

if TYPE_CHECKING:
    from workbench.sources.runner import SourceRun
    from workbench.store.workspace import Workspace

log = logging.getLogger("workbench.ui.sources")

MAX_PARALLEL_RUNS = 4
_POOL: QThreadPool | None = None


def run_pool() -> QThreadPool:
    """The pool source runs use: runs beyond MAX_PARALLEL_RUNS wait their turn (queued)."""
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(MAX_PARALLEL_RUNS)
    return _POOL


@dataclass(frozen=True)
class ResultsBatch:
    """A `ResultsReceived` with the case records it wrote, read on the worker thread so that
    the GUI thread only updates its views."""

    run_id: str
    event: ResultsReceived
    new_entities: tuple[Entity, ...] = ()
    existing_entities: tuple[Entity, ...] = ()
    links: tuple[Link, ...] = ()
    read_error: str = ""


@dataclass(frozen=True)
class WorkerFailed:
    """The worker itself failed (a bug, or the workspace went away): the run is over."""

    run_id: str
    error: BaseException


class RunBridge(QObject):
    """Lives on the GUI thread; `delivered` carries RunEvent, ResultsBatch or WorkerFailed."""

    delivered = Signal(object)


class RunWorker(QRunnable):
    def __init__(self, source_run: SourceRun, ws: Workspace | None):
        super().__init__()
        self.setAutoDelete(False)
        self.source_run = source_run
        self.ws = ws
        self.bridge = RunBridge()

    def run(self) -> None:
        run = self.source_run
        if run.cancel.cancelled:  # cancelled while queued: it never started, nothing was sent
            run.summary.status = "cancelled"
            run.summary.error = "Cancelled before it started; nothing was sent."
            self.bridge.delivered.emit(RunFinished(run.run_id, run.summary))
            return
        events = run.events()
        try:
            for event in events:
                self.bridge.delivered.emit(self._enrich(event))
        except Exception as exc:  # shown on the run's row and logged, never lost
            log.exception("source run %s failed in its worker", run.run_id)
            close = getattr(events, "close", None)
            if close is not None:
                close()  # the runner's `finally`: audit and stop the plugin's thread
            self.bridge.delivered.emit(WorkerFailed(run.run_id, exc))

    def _enrich(self, event: RunEvent) -> RunEvent | ResultsBatch:
        if not isinstance(event, ResultsReceived) or self.ws is None:
            return event
        if not (event.new_entity_ids or event.existing_entity_ids or event.link_ids):
            return ResultsBatch(event.run_id, event)
        graph = self.ws.graph
        try:
            return ResultsBatch(
                event.run_id,
                event,
                tuple(graph.get_entity(i) for i in event.new_entity_ids),
                tuple(graph.get_entity(i) for i in event.existing_entity_ids),
                tuple(graph.get_link(i) for i in event.link_ids),
            )
        except Exception as exc:  # the rows are written; the views catch up on the next read
            log.warning("could not read the results of run %s: %s", event.run_id, exc)
            return ResultsBatch(event.run_id, event, read_error=str(exc))


def wait_for_runs(timeout_ms: int = 5000) -> bool:
    return run_pool().waitForDone(timeout_ms)
