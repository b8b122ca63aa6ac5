"""Running one source for one input: a generator of events, a cancel token, an audited record.

`iter_run` starts the plugin on its own daemon thread and, on the caller's thread, turns
what it yields into events and case writes. The caller (a UI worker, the CLI, a test)
iterates the events; `CancelToken.cancel()` from any thread ends the run within a second,
even if the plugin ignores it (its thread is abandoned and its later output dropped). A
plugin that raises, hangs past its time limit, yields garbage or floods results ends with a
clear error on the run; what it had produced correctly before stays, nothing half-written.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.audit import PendingEvent, append_event
from workbench.errors import ValidationError, WorkbenchError
from workbench.sources.api import Context, Redactor, Source
from workbench.sources.cancel import CancelToken
from workbench.sources.errors import RunCancelled, SourceDataError, SourceError
from workbench.sources.evidence_access import EvidenceFile, resolve_evidence
from workbench.sources.http import HttpPolicy, PolicySession
from workbench.sources.manifest import Manifest
from workbench.sources.results import (
    RESULT_TYPES,
    EntityResult,
    EvidenceResult,
    LinkResult,
    NoteResult,
    Query,
    Result,
)
from workbench.sources.writer import CaseWriter
from workbench.store.rows import new_id
from workbench.timeutil import to_iso, utcnow

if TYPE_CHECKING:
    from workbench.sources.host import SourceHost
    from workbench.store.workspace import Workspace

FLUSH_EVERY = 200  # results per case write
FLUSH_SECONDS = 0.25  # or this long after the first pending result
POLL_SECONDS = 0.05
QUEUE_SIZE = 2000
MAX_COLLECTED = 10_000  # results kept in memory for runs without a case
AUDIT_HOST_LIST = 50


# ---- events ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RunEvent:
    run_id: str


@dataclass(frozen=True)
class RunStarted(RunEvent):
    plugin_id: str
    version: str
    query: Query
    planned_hosts: tuple[str, ...]


@dataclass(frozen=True)
class RunProgress(RunEvent):
    done: int
    total: int | None
    message: str


@dataclass(frozen=True)
class RunLog(RunEvent):
    level: str
    message: str


@dataclass(frozen=True)
class ResultsReceived(RunEvent):
    """A batch of results; with a case, the ids written (new and found-again entities...)."""

    results: tuple[Result, ...]
    new_entity_ids: tuple[str, ...] = ()
    existing_entity_ids: tuple[str, ...] = ()
    link_ids: tuple[str, ...] = ()
    evidence_ids: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()


@dataclass
class RunSummary:
    run_id: str
    plugin_id: str
    version: str
    query: Query
    case_id: str | None
    status: str = "running"  # ok | error | cancelled | timeout
    error: str = ""
    started_at: str = ""
    duration: float = 0.0
    hosts_contacted: list[str] = field(default_factory=list)
    requests_sent: int = 0
    cache_hits: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    evidence_read: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def audit_view(self) -> dict[str, Any]:
        hosts = sorted(self.hosts_contacted)
        if self.evidence_read:  # evidence files the plugin read (id, sha256), verified
            return {**self._audit_view(hosts), "evidence_read": self.evidence_read[:20]}
        return self._audit_view(hosts)

    def _audit_view(self, hosts: list[str]) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "plugin": f"{self.plugin_id}@{self.version}",
            "input": {
                "type": self.query.type,
                "value": self.query.value,
                "entity_id": self.query.entity_id,
            },
            "status": self.status,
            "error": self.error,
            "started_at": self.started_at,
            "duration_s": round(self.duration, 3),
            "hosts_contacted": hosts[:AUDIT_HOST_LIST],
            "hosts_contacted_count": len(hosts),
            "requests_sent": self.requests_sent,
            "cache_hits": self.cache_hits,
            "counts": dict(self.counts),
            "warnings": self.warnings[:20],
        }


@dataclass(frozen=True)
class RunFinished(RunEvent):
    summary: RunSummary


# ---- the plugin's thread --------------------------------------------------------------
class _Mailbox:
    """Plugin thread -> runner. Puts give up when the run is over, so the thread never blocks."""

    def __init__(self, cancel: CancelToken):
        self.queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=QUEUE_SIZE)
        self.cancel = cancel
        self.closed = threading.Event()

    def put(self, kind: str, payload: Any, *, droppable: bool = False) -> None:
        while not self.closed.is_set():
            try:
                self.queue.put((kind, payload), timeout=0.1)
                return
            except queue.Full:
                if droppable:
                    return
        if kind == "result":
            raise RunCancelled("The run is over; further results are dropped.")


def _plugin_thread(source: Source, query: Query, ctx: Context, mailbox: _Mailbox) -> None:
    try:
        produced = source.run(query, ctx)
        if produced is None or not hasattr(produced, "__iter__"):
            raise SourceDataError(
                f"{type(source).__name__}.run() returned {type(produced).__name__}; it must "
                "yield results (use `yield`, not `return`)."
            )
        for item in produced:
            mailbox.put("result", item)
            if mailbox.closed.is_set():
                break
        mailbox.put("done", None)
    except RunCancelled:
        mailbox.put("cancelled", None)
    except BaseException as exc:  # a plugin bug must end its run, not the app
        mailbox.put("error", exc)


# ---- validation -----------------------------------------------------------------------
def _check_result(item: Any, manifest: Manifest) -> str:
    """'' if `item` is a usable result, else why it is garbage (the run then fails)."""
    if not isinstance(item, RESULT_TYPES):
        text = repr(item)
        return (
            f"yielded {type(item).__name__} {text[:60]}; a source yields EntityResult, "
            "LinkResult, EvidenceResult or NoteResult."
        )
    if isinstance(item, EntityResult):
        if not isinstance(item.type, str) or not isinstance(item.value, str):
            return f"yielded an EntityResult whose type/value are not text: {item!r:.80}."
        if not isinstance(item.properties, Mapping):
            return "yielded an EntityResult whose properties are not a mapping."
        try:
            json.dumps(dict(item.properties), default=str)
        except (TypeError, ValueError) as exc:
            return f"yielded properties that cannot be stored as JSON ({exc})."
    elif isinstance(item, LinkResult):
        for end in (item.source, item.target):
            if not isinstance(end, EntityResult | Query):
                return f"yielded a LinkResult whose end is {type(end).__name__}."
    elif isinstance(item, EvidenceResult):
        if not isinstance(item.data, bytes):
            return f"yielded EvidenceResult.data of type {type(item.data).__name__}, not bytes."
    elif isinstance(item, NoteResult) and (not isinstance(item.text, str) or not item.text):
        return "yielded a NoteResult without text."
    return ""


def _outputs_warning(item: Result, manifest: Manifest) -> str:
    if (
        isinstance(item, EntityResult)
        and manifest.outputs
        and item.type not in manifest.outputs
        and item.type != "note"
    ):
        return f"{item.type} is not among the outputs declared in plugin.toml."
    return ""


# ---- the run --------------------------------------------------------------------------
class SourceRun:
    """One run; iterate `events()`. Built by SourceHost.start_run (checks done there)."""

    def __init__(
        self,
        host: SourceHost,
        manifest: Manifest,
        source: Source,
        query: Query,
        *,
        planned_hosts: tuple[str, ...],
        settings: Mapping[str, Any],
        ws: Workspace | None,
        case_id: str | None,
        cancel: CancelToken | None,
        bypass_cache: bool,
        confirmed: bool,
        run_timeout: float | None = None,
    ):
        self.host = host
        self.manifest = manifest
        self.source = source
        self.query = query
        self.planned_hosts = planned_hosts
        self.settings = dict(settings)
        self.ws = ws
        self.case_id = case_id
        self.cancel = cancel or CancelToken()
        self.bypass_cache = bypass_cache
        self.confirmed = confirmed
        self.run_id = new_id()
        self.run_ref = f"{manifest.ref}#{self.run_id}"
        self.run_timeout = run_timeout or manifest.run_timeout
        self.redactor = Redactor()
        self.summary = RunSummary(
            self.run_id, manifest.id, manifest.version, query, case_id, started_at=""
        )

    # ---- audit -------------------------------------------------------------------------
    def _audit(self, action: str, summary: dict[str, Any]) -> None:
        if self.ws is None:
            return
        with self.ws.write() as conn:
            append_event(
                conn,
                self.ws.actor,
                PendingEvent(action, "source_run", self.run_id, self.case_id, summary),
            )

    def _policy(self) -> HttpPolicy:
        network = self.host.settings.network
        allowed = set(self.manifest.egress)
        if self.manifest.dynamic_egress:
            allowed |= set(self.planned_hosts)
        return HttpPolicy(
            plugin_id=self.manifest.id,
            allowed_hosts=tuple(sorted(allowed)),
            offline=network.offline,
            proxy=network.proxy,
            user_agent=network.effective_user_agent,
            request_timeout=self.manifest.request_timeout,
            max_retries=self.manifest.max_retries,
            retry_backoff=self.manifest.retry_backoff,
            max_retry_after=min(120.0, self.run_timeout),
            min_interval=self.manifest.min_request_interval,
            cache_ttl=float(self.manifest.cache_ttl),
            bypass_cache=self.bypass_cache,
            max_response_bytes=self.manifest.max_response_bytes,
            pool_size=self.manifest.concurrency,
        )

    # ---- events ------------------------------------------------------------------------
    def events(self) -> Iterator[RunEvent]:
        started = time.monotonic()
        deadline = started + self.run_timeout
        self.summary.started_at = to_iso(utcnow())
        writer: CaseWriter | None = None
        session: PolicySession | None = None
        mailbox = _Mailbox(self.cancel)
        counts = {"results": 0, "entities_new": 0, "entities_found_again": 0, "links": 0}
        counts |= {"evidence": 0, "notes": 0, "rejected": 0}
        self.summary.counts = counts
        pending: list[Result] = []
        finished = False
        try:
            self._audit(
                "source.run_start",
                {
                    "run_id": self.run_id,
                    "plugin": self.manifest.ref,
                    "input": {
                        "type": self.query.type,
                        "value": self.query.value,
                        "entity_id": self.query.entity_id,
                    },
                    "planned_hosts": list(self.planned_hosts[:AUDIT_HOST_LIST]),
                    "planned_hosts_count": len(self.planned_hosts),
                    "confirmed_by_user": self.confirmed,
                    "bypass_cache": self.bypass_cache,
                },
            )
            if self.ws is not None and self.case_id is not None:
                writer = CaseWriter(
                    self.ws,
                    self.case_id,
                    run_ref=self.run_ref,
                    run_id=self.run_id,
                    query=self.query,
                    redactor=self.redactor,
                )
                writer.ensure_query_entity()
            yield RunStarted(
                self.run_id, self.manifest.id, self.manifest.version, self.query, self.planned_hosts
            )
            session = self.host.make_session(
                self._policy(), cancel=self.cancel, deadline=deadline, ws=self.ws
            )
            ctx = Context(
                manifest=self.manifest,
                run_id=self.run_id,
                http=session,
                settings=self.settings,
                cancel=self.cancel,
                secret_lookup=lambda name: self.host.secret(self.manifest.id, name),
                redactor=self.redactor,
                progress=lambda d, t, m: mailbox.put("progress", (d, t, m), droppable=True),
                log_sink=lambda level, m: mailbox.put("log", (level, m), droppable=True),
                evidence_lookup=self._read_evidence,
            )
            thread = threading.Thread(
                target=_plugin_thread,
                args=(self.source, self.query, ctx, mailbox),
                name=f"source-{self.manifest.id}-{self.run_id[-6:]}",
                daemon=True,
            )
            thread.start()
            first_pending = 0.0
            while True:
                if self.cancel.cancelled:
                    self.summary.status = "cancelled"
                    self.summary.error = f"The run was stopped: {self.cancel.reason}."
                    break
                if time.monotonic() > deadline:
                    self.cancel.cancel("the run's time limit was reached")
                    self._time_out()
                    break
                try:
                    kind, payload = mailbox.queue.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    kind, payload = "", None
                if kind == "result":
                    problem = _check_result(payload, self.manifest)
                    if problem:
                        self.summary.status = "error"
                        self.summary.error = f"{self.manifest.name} {problem} The run was stopped."
                        break
                    warning = _outputs_warning(payload, self.manifest)
                    if warning and warning not in self.summary.warnings:
                        self.summary.warnings.append(warning)
                    counts["results"] += 1
                    if counts["results"] > self.manifest.max_results:
                        self.summary.status = "error"
                        self.summary.error = (
                            f"{self.manifest.name} produced more than {self.manifest.max_results}"
                            " results, its limit (max_results in plugin.toml); the run was "
                            f"stopped and the first {self.manifest.max_results} were kept."
                        )
                        break
                    if not pending:
                        first_pending = time.monotonic()
                    pending.append(payload)
                elif kind == "progress":
                    done, total, message = payload
                    yield RunProgress(self.run_id, int(done), total, str(message))
                elif kind == "log":
                    level, message = payload
                    yield RunLog(self.run_id, str(level), str(message))
                elif kind == "done":
                    self.summary.status = "ok"
                    break
                elif kind in ("cancelled", "error") and time.monotonic() > deadline - 0.1:
                    self._time_out()  # the plugin's request ran into the run's deadline
                    break
                elif kind == "cancelled":
                    self.summary.status = "cancelled"
                    self.summary.error = f"The run was stopped: {self.cancel.reason}."
                    break
                elif kind == "error":
                    self.summary.status = "error"
                    self.summary.error = self._describe_error(payload)
                    break
                if pending and (
                    len(pending) >= FLUSH_EVERY or time.monotonic() - first_pending > FLUSH_SECONDS
                ):
                    yield self._flush(pending, writer, counts)
                    pending = []
            mailbox.closed.set()
            if pending:
                yield self._flush(pending, writer, counts)
                pending = []
            finished = True
        except WorkbenchError as exc:
            self.summary.status = "error"
            self.summary.error = self.redactor.text(str(exc))
            finished = True
        finally:
            mailbox.closed.set()
            if not self.cancel.cancelled:
                self.cancel.cancel("the run finished")
            if not finished and self.summary.status in ("running", "ok"):
                self.summary.status = "cancelled"
                self.summary.error = "The run was abandoned by its caller."
            self.summary.duration = time.monotonic() - started
            if session is not None:
                self.summary.hosts_contacted = sorted(session.hosts_contacted)
                self.summary.requests_sent = session.requests_sent
                self.summary.cache_hits = session.cache_hits
            if self.summary.status == "running":
                self.summary.status = "error"
            self._audit("source.run_finish", self.summary.audit_view())
        yield RunFinished(self.run_id, self.summary)

    def _read_evidence(self, query: Query) -> EvidenceFile:
        """`ctx.evidence_file`: an evidence item of the run's case, verified; recorded for
        the run's audit event."""
        found = resolve_evidence(self.ws, self.case_id, query)
        record = {"id": found.evidence_id, "sha256": found.sha256}
        if record not in self.summary.evidence_read:
            self.summary.evidence_read.append(record)
        return found

    def _time_out(self) -> None:
        self.summary.status = "timeout"
        self.summary.error = (
            f"{self.manifest.name} did not finish within its time limit of "
            f"{self.run_timeout:g} s and was stopped. Results found before that were kept."
        )

    def _describe_error(self, exc: BaseException) -> str:
        if isinstance(exc, SourceError | WorkbenchError):
            text = str(exc)
        else:
            where = ""
            tb = exc.__traceback__
            while tb is not None:
                if str(self.manifest.folder) in tb.tb_frame.f_code.co_filename:
                    where = f" ({tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno})"
                tb = tb.tb_next
            text = (
                f"{self.manifest.name} failed with {type(exc).__name__}: {exc}{where}. "
                "This is a bug in the plugin; results found before it were kept."
            )
        return self.redactor.text(text)

    def _flush(
        self, pending: list[Result], writer: CaseWriter | None, counts: dict[str, int]
    ) -> ResultsReceived:
        counts["notes"] += sum(isinstance(r, NoteResult) for r in pending)
        if writer is None:
            room = MAX_COLLECTED - len(self.summary.results)
            self.summary.results.extend(pending[: max(0, room)])
            counts["entities_new"] += sum(isinstance(r, EntityResult) for r in pending)
            counts["links"] += sum(isinstance(r, LinkResult) for r in pending)
            counts["evidence"] += sum(isinstance(r, EvidenceResult) for r in pending)
            return ResultsReceived(self.run_id, tuple(pending))
        try:
            report = writer.write(pending)
        except ValidationError as exc:
            counts["rejected"] += len(pending)
            self.summary.warnings.append(f"a batch of {len(pending)} results was refused: {exc}")
            return ResultsReceived(self.run_id, tuple(pending), rejected=(str(exc),))
        counts["entities_new"] += len(report.new_entities)
        counts["entities_found_again"] += len(report.existing_entities)
        counts["links"] += len(report.links)
        counts["evidence"] += len(report.evidence)
        counts["rejected"] += len(report.rejected)
        for reason in report.rejected[:5]:
            if len(self.summary.warnings) < 50:
                self.summary.warnings.append(f"rejected {reason}")
        return ResultsReceived(
            self.run_id,
            tuple(pending),
            tuple(report.new_entities),
            tuple(report.existing_entities),
            tuple(report.links),
            tuple(report.evidence),
            tuple(report.rejected),
        )
