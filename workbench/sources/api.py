"""The two classes a plugin meets: `Source` (what it implements) and `Context` (what it gets).

Re-exported by `workbench.sdk`; plugins never import this module directly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from workbench.paths import resources_dir
from workbench.sources.cancel import CancelToken
from workbench.sources.errors import CredentialError, RunCancelled
from workbench.sources.http import PolicySession
from workbench.sources.manifest import Manifest
from workbench.sources.results import Query, Result

if TYPE_CHECKING:
    from workbench.sources.evidence_access import EvidenceFile

Item = TypeVar("Item")
Value = TypeVar("Value")
ProgressSink = Callable[[int, int | None, str], None]
LogSink = Callable[[str, str], None]

_LOG = logging.getLogger("workbench.sources")


class Source:
    """Base class of every data source. Implement `run`; override `plan_hosts` when the hosts
    depend on the input (set `dynamic_egress = true` in plugin.toml then)."""

    def __init__(self, manifest: Manifest):
        self.manifest = manifest

    def plan_hosts(self, query: Query, settings: Mapping[str, Any]) -> list[str]:
        """The hosts a run for `query` will send data to, shown to the user before the run.
        The run may contact only these (and the manifest's egress list)."""
        return list(self.manifest.egress)

    def run(self, query: Query, ctx: Context) -> Iterator[Result]:
        """Yield EntityResult, LinkResult, EvidenceResult and NoteResult values as found."""
        raise NotImplementedError(f"{type(self).__name__} does not implement run(query, ctx).")


class Redactor:
    """Replaces every secret value handed to the plugin in this run by a marker."""

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, name: str, value: str) -> None:
        if len(value) >= 4:  # shorter values would redact ordinary text
            with self._lock:
                self._secrets[value] = name

    def text(self, value: str) -> str:
        with self._lock:
            items = list(self._secrets.items())
        for secret, name in items:
            if secret in value:
                value = value.replace(secret, f"[secret {name} removed]")
        return value

    def data(self, value: bytes) -> bytes:
        with self._lock:
            items = list(self._secrets.items())
        for secret, name in items:
            value = value.replace(secret.encode("utf-8"), f"[secret {name} removed]".encode())
        return value

    def any(self, value: Any) -> Any:
        """Strings anywhere inside dicts/lists/tuples, redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.any(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.any(v) for v in value]
        return value

    @property
    def active(self) -> bool:
        return bool(self._secrets)


class RunLogger:
    """`ctx.log`: messages go to the run's event stream and to Python logging, redacted."""

    def __init__(self, plugin_id: str, redactor: Redactor, sink: LogSink | None = None):
        self._logger = _LOG.getChild(plugin_id)
        self._redactor = redactor
        self._sink = sink

    def _emit(self, level: str, message: str, *args: Any) -> None:
        text = message % args if args else message
        text = self._redactor.text(text)
        self._logger.log(logging.getLevelName(level.upper()), "%s", text)
        if self._sink is not None:
            self._sink(level, text)

    def debug(self, message: str, *args: Any) -> None:
        self._emit("debug", message, *args)

    def info(self, message: str, *args: Any) -> None:
        self._emit("info", message, *args)

    def warning(self, message: str, *args: Any) -> None:
        self._emit("warning", message, *args)

    def error(self, message: str, *args: Any) -> None:
        self._emit("error", message, *args)


class Context:
    """What a run gets: the policy-enforcing HTTP session, settings, secrets, progress,
    cancellation and a logger. Created by the runner; one per run."""

    def __init__(
        self,
        *,
        manifest: Manifest,
        run_id: str,
        http: PolicySession,
        settings: Mapping[str, Any],
        cancel: CancelToken,
        secret_lookup: Callable[[str], str | None],
        redactor: Redactor,
        progress: ProgressSink | None = None,
        log_sink: LogSink | None = None,
        evidence_lookup: Callable[[Query], EvidenceFile] | None = None,
    ):
        self.manifest = manifest
        self.run_id = run_id
        self.http = http
        self.settings: Mapping[str, Any] = MappingProxyType(dict(settings))
        self._cancel = cancel
        self._secret_lookup = secret_lookup
        self._redactor = redactor
        self._progress = progress
        self._evidence_lookup = evidence_lookup
        self.log = RunLogger(manifest.id, redactor, log_sink)

    # ---- secrets -----------------------------------------------------------------------
    def secret(self, name: str) -> str:
        """A credential declared in plugin.toml, from the keyring. Never log or yield it."""
        spec = self.manifest.credential(name)
        if spec is None:
            declared = ", ".join(c.name for c in self.manifest.credentials) or "none"
            raise CredentialError(
                f"{self.manifest.id} asked for the secret {name!r}, which its plugin.toml does "
                f"not declare (declared: {declared}). Add it to `credentials`."
            )
        value = self._secret_lookup(name)
        if not value:
            raise CredentialError(
                f"{self.manifest.name} needs the credential {name!r}. Set it in Sources > "
                f"Credentials… ({self.manifest.name}), or `workbench sources secret "
                f"{self.manifest.id} {name}`."
            )
        self._redactor.add(name, value)
        return value

    # ---- progress and cancellation -----------------------------------------------------
    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        if self._progress is not None:
            self._progress(done, total, self._redactor.text(message))

    @property
    def cancelled(self) -> bool:
        return self._cancel.cancelled

    def check_cancelled(self) -> None:
        """Raise RunCancelled if the user cancelled or the run's time is up."""
        self._cancel.raise_if_cancelled()

    def sleep(self, seconds: float) -> None:
        """A sleep that ends at once when the run is cancelled."""
        if self._cancel.wait(seconds):
            self._cancel.raise_if_cancelled()

    # ---- files -------------------------------------------------------------------------
    def plugin_file(self, *parts: str) -> Path:
        """A file shipped in the plugin's own folder."""
        return self.manifest.folder.joinpath(*parts)

    def resource(self, *parts: str) -> Path:
        """A file in the application's `resources/` folder (site lists, ...)."""
        return resources_dir().joinpath(*parts)

    def evidence_file(self, query: Query) -> EvidenceFile:
        """The evidence item of the case behind `query` (a document entity's evidence_id, an
        evidence SHA-256 or id, or the one item linked to the entity), read-only and checked
        against its collection hash. Raises EvidenceUnavailable with what to do otherwise."""
        if self._evidence_lookup is None:
            from workbench.sources.evidence_access import EvidenceUnavailable

            raise EvidenceUnavailable(
                "This source reads an evidence file, so it runs only on an entity of an open "
                "case (or with --case on the command line)."
            )
        return self._evidence_lookup(query)

    # ---- concurrency -------------------------------------------------------------------
    def map(
        self,
        function: Callable[[Item], Value],
        items: Iterable[Item],
        workers: int | None = None,
    ) -> Iterator[tuple[Item, Value | None, BaseException | None]]:
        """Run `function` over `items` on up to `workers` threads (capped by the manifest's
        `concurrency`); yield (item, result, error) as each finishes. Stops on cancel."""
        limit = max(1, min(workers or self.manifest.concurrency, self.manifest.concurrency))
        iterator = iter(items)
        pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix=f"src-{self.run_id[-6:]}")
        pending: dict[Future[Value], Item] = {}
        try:
            while True:
                while len(pending) < limit * 2 and not self._cancel.cancelled:
                    try:
                        item = next(iterator)
                    except StopIteration:
                        break
                    pending[pool.submit(function, item)] = item
                if not pending:
                    break
                done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                self._cancel.raise_if_cancelled()
                for future in done:
                    item = pending.pop(future)
                    error = future.exception()
                    if isinstance(error, RunCancelled):
                        raise error
                    yield item, (None if error else future.result()), error
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
