"""A cancel token shared by the UI, the runner, the plugin's thread and the HTTP layer."""

from __future__ import annotations

import threading
from collections.abc import Callable

from workbench.sources.errors import RunCancelled


class CancelToken:
    """Set once; every wait in the host (rate limits, back-off, streaming) wakes at once."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._reason = "cancelled by the user"
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def cancel(self, reason: str = "cancelled by the user") -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._reason = reason
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    @property
    def reason(self) -> str:
        return self._reason

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True if cancelled meanwhile (or already)."""
        return self._event.wait(max(0.0, seconds))

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise RunCancelled(f"The run was stopped: {self._reason}.")

    def on_cancel(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()
