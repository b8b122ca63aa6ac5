"""Per-host request spacing shared by every run in the process.

Two runs of the same (or different) sources that hit one host share its slot schedule, so
concurrent runs cannot add up to more than the declared rate. Keyed by the host the plugin
addressed (before any test routing), so a loopback test exercises the real keys.
"""

from __future__ import annotations

import threading
import time

from workbench.sources.cancel import CancelToken
from workbench.sources.errors import RunCancelled


class HostRateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}

    def acquire(self, host: str, interval: float, cancel: CancelToken | None = None) -> float:
        """Wait for this host's next slot (at least `interval` s after the previous one);
        returns the seconds waited. Raises RunCancelled if cancelled while waiting."""
        host = host.lower()
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_slot.get(host, 0.0))
            self._next_slot[host] = start + max(0.0, interval)
        delay = start - now
        if delay > 0:
            if cancel is not None:
                if cancel.wait(delay):
                    raise RunCancelled(f"The run was stopped: {cancel.reason}.")
            else:
                time.sleep(delay)
        return max(0.0, delay)

    def reset(self) -> None:
        with self._lock:
            self._next_slot.clear()


SHARED_LIMITER = HostRateLimiter()
