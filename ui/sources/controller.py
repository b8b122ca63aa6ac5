"""`SourcesController`: the window's data-source runs, from the menu click to the case.

The flow of a run: the selected entities become `Query`s; the host's pre-flight says what
would go where; the pre-flight dialog asks when data would leave the machine; `start_run`
(on the GUI thread, where it may ask for the master password) builds each run; a
`RunWorker` iterates its events on a worker thread; events come back through one signal and
update the Source runs panel, and each batch of results is announced through the session's
signals so the tables and the graph show them while the run goes on.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from ui.dialogs import messages
from ui.editing import exec_dialog
from ui.icons import icon
from ui.session import CaseSession
from ui.sources.bridge import (
    ResultsBatch,
    RunWorker,
    WorkerFailed,
    run_pool,
    wait_for_runs,
)
from ui.sources.credentials import CredentialAccess
from ui.sources.runs import (
    CANCELLED,
    ERROR,
    OK,
    QUEUED,
    REFUSED,
    RUNNING,
    TIMEOUT,
    RunRecord,
    RunsPanel,
)
from ui.views.graph_layout import free_spot
from workbench.errors import WorkbenchError
from workbench.model import Entity
from workbench.sources.cancel import CancelToken
from workbench.sources.host import SourceHost
from workbench.sources.manifest import Manifest
from workbench.sources.results import Query
from workbench.sources.runner import (
    ResultsReceived,
    RunFinished,
    RunLog,
    RunProgress,
    RunStarted,
)

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger("workbench.ui.sources")

# Local sources (no egress) read an entity's whole text: a post's words are in its `text`
# field, not in its value (the post id). Network sources get the value only.
TEXT_FIELDS = ("text", "description", "body", "content")
LABEL_CHARS = 80
CHANGED_DELAY_MS = 200  # coalesce the session's `changed` while results stream in


def query_for(entity: Entity, manifest: Manifest) -> Query:
    """The input of a run for `entity` (see TEXT_FIELDS)."""
    if manifest.uses_network:
        return Query(entity.type, entity.value, entity.id)
    parts = [entity.value]
    for name in TEXT_FIELDS:
        extra = entity.properties.get(name)
        if isinstance(extra, str) and extra.strip() and extra.strip() not in parts:
            parts.append(extra.strip())
    return Query(entity.type, "\n".join(parts), entity.id)


def input_label(entity: Entity) -> str:
    text = " ".join((entity.label or entity.value).split())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


class SourcesController(QObject):
    offlineChanged = Signal(bool)
    runFinished = Signal(object)  # RunRecord

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.access = CredentialAccess(lambda: self.window)
        self._host: SourceHost | None = None
        self.panel = RunsPanel()
        self.panel.cancelRequested.connect(self.cancel)
        self._keys = itertools.count(1)
        self._workers: dict[int, RunWorker] = {}
        self._keys_by_run: dict[str, int] = {}
        self._closed = False
        self._dirty: list[CaseSession] = []
        self._changed_timer = QTimer(self)
        self._changed_timer.setSingleShot(True)
        self._changed_timer.setInterval(CHANGED_DELAY_MS)
        self._changed_timer.timeout.connect(self._emit_changed)

        self.status_button = QToolButton()
        self.status_button.setObjectName("networkStatus")
        self.status_button.setAutoRaise(True)
        self.status_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.status_button.clicked.connect(lambda: self.show_settings())
        self.update_network_status()

    # ---- the host ---------------------------------------------------------------------------
    @property
    def host(self) -> SourceHost:
        """Created on first use: scanning plugins imports them, which takes a moment."""
        if self._host is None:
            self._host = SourceHost(credentials=self.access)
        return self._host

    @host.setter
    def host(self, host: SourceHost) -> None:
        self._host = host
        self.update_network_status()

    def credentials_unlocked(self) -> bool:
        return self.access.unlocked

    def offline(self) -> bool:
        try:
            return self.host.settings.network.offline
        except WorkbenchError:
            return False

    def set_network(
        self,
        *,
        offline: bool | None = None,
        proxy: str | None = None,
        user_agent: str | None = None,
    ) -> None:
        was_offline = self.offline()
        self.host.settings.set_network(offline=offline, proxy=proxy, user_agent=user_agent)
        now_offline = self.offline()
        if now_offline and not was_offline:
            for record in self.panel.model.records:
                if record.planned_hosts and not record.finished:
                    self.cancel(record.key, "offline mode was turned on")
        self.update_network_status()
        if now_offline != was_offline:
            self.offlineChanged.emit(now_offline)

    def toggle_offline(self, offline: bool) -> None:
        with messages.reporting(self.window, "Cannot change offline mode"):
            self.set_network(offline=offline)
        self.update_network_status()

    def update_network_status(self) -> None:
        try:
            network = self.host.settings.network
        except WorkbenchError as exc:
            self.status_button.setText("Sources: settings unreadable")
            self.status_button.setToolTip(str(exc))
            return
        if network.offline:
            self.status_button.setIcon(icon("wifi-off"))
            self.status_button.setText("Offline mode")
            self.status_button.setToolTip(
                "Offline mode is on: nothing leaves this machine; sources that send data are "
                "not started. Click to change the network settings."
            )
        else:
            self.status_button.setIcon(icon("network"))
            route = "proxy" if network.proxy else "direct"
            self.status_button.setText(f"Online ({route})")
            self.status_button.setToolTip(
                "Sources may send data after you confirm each pre-flight. Click to change the "
                "network settings (offline mode, proxy, User-Agent)."
            )
        action = getattr(getattr(self.window, "acts", None), "offline_mode", None)
        if action is not None and action.isChecked() != network.offline:
            action.setChecked(network.offline)

    def status_message(self, text: str, timeout_ms: int = 6000) -> None:
        self.window.statusBar().showMessage(text, timeout_ms)

    # ---- selection and menus ------------------------------------------------------------------
    def selected_entities(self) -> list[Entity]:
        """The entities a Run source applies to: the graph's or the table's multi-selection
        in the tab shown, else the session's selected entity."""
        session = self.window.session
        if session is None:
            return []
        ids: list[str] = []
        view = self.window.case_view
        if view is not None:
            from ui.views.case_view import ENTITIES, GRAPH

            index = view.tabs.currentIndex()
            tab = view.existing_tab(index) if index in (ENTITIES, GRAPH) else None
            if index == GRAPH and tab is not None:
                # the canvas's model holds the whole selection (items exist for 1,500 at most)
                ids = tab.selected_entity_ids()  # type: ignore[attr-defined]
            elif index == ENTITIES and tab is not None:
                ids = tab.selected_entity_ids()  # type: ignore[attr-defined]
        current = session.selection.entity_id()
        if current and current not in ids:
            ids = [current] if not ids else [current, *ids]
        entities = []
        for entity_id in dict.fromkeys(ids):
            try:
                entities.append(session.ws.graph.get_entity(entity_id))
            except WorkbenchError:
                continue  # deleted meanwhile
        return entities

    def run_menu(self, parent: QWidget | None = None) -> QMenu:
        from ui.sources.menu import build_run_menu

        return build_run_menu(self, self.selected_entities(), parent or self.window)

    def popup_run_menu(self) -> None:
        menu = self.run_menu(self.window)
        position = QCursor.pos()
        if not self.window.frameGeometry().contains(position):
            position = self.window.mapToGlobal(
                QPoint(self.window.width() // 2, self.window.height() // 3)
            )
        menu.exec(position)

    # ---- dialogs ----------------------------------------------------------------------------
    def show_plugin_manager(self, plugin_id: str | None = None) -> None:
        from ui.sources.plugin_manager import PluginManagerDialog

        with messages.reporting(self.window, "Cannot open the plugin manager"):
            dialog = PluginManagerDialog(self, self.window)
            if plugin_id:
                dialog.select_plugin(plugin_id)
            exec_dialog(dialog)

    def show_settings(
        self,
        *,
        credentials: bool = False,
        plugin_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        from ui.sources.settings_dialog import CREDENTIALS, NETWORK, SourceSettingsDialog

        with messages.reporting(self.window, "Cannot open the source settings"):
            dialog = SourceSettingsDialog(
                self, CREDENTIALS if credentials else NETWORK, plugin_id, parent or self.window
            )
            exec_dialog(dialog)
        self.update_network_status()

    def show_panel(self) -> None:
        dock = getattr(self.window, "runs_dock", None)
        if dock is not None and not dock.isVisible():
            dock.show()
        if dock is not None:
            dock.raise_()

    # ---- starting runs ----------------------------------------------------------------------
    def run_source(self, plugin_id: str, entities: list[Entity]) -> list[RunRecord]:
        """Run `plugin_id` once per entity it takes; returns the panel rows made."""
        session = self.window.session
        if session is None or not entities:
            return []
        made: list[RunRecord] = []
        with messages.reporting(self.window, "Cannot run the source"):
            host = self.host
            manifest = host.plugin(plugin_id).manifest
            assert manifest is not None
            case_id = session.case_id
            candidates = [
                (e, query_for(e, manifest)) for e in entities if e.type in manifest.inputs
            ]
            usable: list[tuple[Entity, Query]] = []
            for entity, query in candidates:
                try:
                    host.preflight(plugin_id, [query], case_id)
                except WorkbenchError as exc:
                    made.append(self._refused(manifest, entity, query, case_id, str(exc)))
                    continue
                usable.append((entity, query))
            if usable:
                made += self._start(host, manifest, session, usable)
        if made:
            self.show_panel()
        return made

    def _start(
        self,
        host: SourceHost,
        manifest: Manifest,
        session: CaseSession,
        usable: list[tuple[Entity, Query]],
    ) -> list[RunRecord]:
        case_id = session.case_id
        preflight = host.preflight(manifest.id, [q for _e, q in usable], case_id)
        confirmed = False
        blocked = ""
        if preflight.sends_data and preflight.offline:
            pass  # start_run refuses each with the core's message; nothing is asked or sent
        elif preflight.needs_confirmation:
            from ui.sources.preflight import PreflightDialog

            dialog = PreflightDialog(preflight, host.settings.network, self.window)
            if not exec_dialog(dialog):
                self.status_message(f"{manifest.name} was not run; nothing was sent.")
                return []
            host.confirm(preflight, dont_ask_again=dialog.dont_ask_again)
            confirmed = True
        if manifest.credentials and not (preflight.sends_data and preflight.offline):
            try:
                host.credentials  # noqa: B018  (unlock here, on the GUI thread, not in the run)
            except WorkbenchError as exc:
                blocked = str(exc)
        made = []
        for entity, query in usable:
            if blocked:
                made.append(self._refused(manifest, entity, query, case_id, blocked))
                continue
            cancel = CancelToken()
            try:
                run = host.start_run(
                    manifest.id,
                    query,
                    ws=session.ws,
                    case_id=case_id,
                    confirmed=confirmed,
                    cancel=cancel,
                )
            except WorkbenchError as exc:
                made.append(self._refused(manifest, entity, query, case_id, str(exc)))
                continue
            record = RunRecord(
                next(self._keys),
                manifest.id,
                manifest.name,
                manifest.version,
                query,
                input_label(entity),
                case_id,
                cancel=cancel,
                run_id=run.run_id,
                planned_hosts=run.planned_hosts,
            )
            worker = RunWorker(run, session.ws)
            worker.bridge.delivered.connect(self._on_event)
            self._workers[record.key] = worker
            self._keys_by_run[run.run_id] = record.key
            self.panel.add(record)
            run_pool().start(worker)
            made.append(record)
        return made

    def _refused(
        self, manifest: Manifest, entity: Entity, query: Query, case_id: str, error: str
    ) -> RunRecord:
        record = RunRecord(
            next(self._keys),
            manifest.id,
            manifest.name,
            manifest.version,
            query,
            input_label(entity),
            case_id,
            status=REFUSED,
            error=error,
        )
        self.panel.add(record)
        self.status_message(f"{manifest.name} was not run: {error.splitlines()[0]}", 10000)
        log.info("source %s not run: %s", manifest.id, error)
        return record

    # ---- cancelling -------------------------------------------------------------------------
    def cancel(self, key: int, reason: str = "cancelled by the user") -> None:
        record = self.panel.model.record(key)
        if record is None or record.finished or record.cancel is None:
            return
        record.cancelling = True
        record.cancel.cancel(reason)
        worker = self._workers.get(key)
        if worker is not None and record.status == QUEUED and run_pool().tryTake(worker):
            self._workers.pop(key, None)  # never started: nothing was sent
            record.status = CANCELLED
            record.error = "Cancelled before it started; nothing was sent."
            record.duration = 0.0
            self.runFinished.emit(record)
        self.panel.changed(key)

    def cancel_all(self) -> None:
        for record in list(self.panel.model.records):
            self.cancel(record.key)

    def active_runs(self) -> int:
        return sum(not r.finished for r in self.panel.model.records)

    def shutdown(self, *, final: bool = False, timeout_ms: int = 5000) -> bool:
        """Cancel every run and wait for the workers (runs end within a second of cancel)."""
        for record in list(self.panel.model.records):
            self.cancel(record.key, "the window was closed" if final else "the workspace changed")
        done = wait_for_runs(timeout_ms)
        if final:
            self._closed = True
        return done

    # ---- events from the workers ------------------------------------------------------------
    @Slot(object)
    def _on_event(self, event: object) -> None:
        if self._closed:
            return
        run_id = getattr(event, "run_id", "")
        key = self._keys_by_run.get(run_id)
        record = self.panel.model.record(key) if key is not None else None
        if record is None:
            return
        try:
            self._apply_event(record, event)
        except Exception as exc:  # a view failing to update must not kill the run's row
            log.exception("could not show an event of run %s", run_id)
            record.log_line(f"error: the window could not show a result: {exc}")
        self.panel.changed(record.key)

    def _apply_event(self, record: RunRecord, event: object) -> None:
        if isinstance(event, RunStarted):
            if record.status == QUEUED:
                record.status = RUNNING
            record.planned_hosts = event.planned_hosts
        elif isinstance(event, RunProgress):
            record.status = RUNNING
            record.done, record.total = event.done, event.total
            if event.message:
                record.message = event.message
        elif isinstance(event, RunLog):
            record.log_line(f"{event.level}: {event.message}")
        elif isinstance(event, ResultsBatch):
            self._apply_batch(record, event)
        elif isinstance(event, ResultsReceived):  # a run without a case (not made here)
            record.new_entities += len(event.new_entity_ids)
        elif isinstance(event, RunFinished):
            self._finish(record, event)
        elif isinstance(event, WorkerFailed):
            record.status = ERROR
            record.error = (
                f"The run stopped unexpectedly: {type(event.error).__name__}: {event.error}. "
                "Results written before it are kept."
            )
            self._finished(record)

    def _apply_batch(self, record: RunRecord, batch: ResultsBatch) -> None:
        event = batch.event
        record.new_entities += len(event.new_entity_ids)
        record.found_again += len(event.existing_entity_ids)
        record.links += len(event.link_ids)
        record.evidence += len(event.evidence_ids)
        record.rejected += len(event.rejected)
        if batch.read_error:
            record.log_line(f"warning: results written but not shown yet: {batch.read_error}")
        session = self.window.sessions.get(record.case_id or "")
        if session is None:
            return
        placed = self._placements(session, record.query.entity_id, batch.new_entities)
        new = [
            replace(e, pos_x=placed[e.id][0], pos_y=placed[e.id][1]) if e.id in placed else e
            for e in batch.new_entities
        ]
        session.remember(new)
        for entity in new:
            session.entityAdded.emit(entity)
        # found again: one more provenance record each, so the cached provenance text is stale
        session.forget_provenance(entity.id for entity in batch.existing_entities)
        for entity in batch.existing_entities:
            session.entityUpdated.emit(entity)
        for link in batch.links:
            session.linkAdded.emit(link)
        if new or batch.existing_entities or batch.links or event.evidence_ids:
            if session not in self._dirty:
                self._dirty.append(session)
            self._changed_timer.start()

    def _placements(
        self, session: CaseSession, anchor_id: str | None, entities: tuple[Entity, ...]
    ) -> dict[str, tuple[float, float]]:
        """Graph spots for new entities around the entity the run started from, when the
        graph of that case is drawn (not saved: a drag saves them, as for any node)."""
        view = self.window.case_view
        if anchor_id is None or view is None or self.window.session is not session:
            return {}
        from ui.views.case_view import GRAPH

        nodes = getattr(view.existing_tab(GRAPH), "nodes", None)
        if not nodes or anchor_id not in nodes:
            return {}
        anchor = nodes[anchor_id].pos()
        taken = [(node.pos().x(), node.pos().y()) for node in nodes.values()]
        placed: dict[str, tuple[float, float]] = {}
        for entity in entities:
            if entity.pos_x is not None and entity.pos_y is not None:
                continue
            spot = free_spot(taken, (anchor.x(), anchor.y()))
            taken.append(spot)
            placed[entity.id] = spot
        return placed

    def _emit_changed(self) -> None:
        dirty, self._dirty = self._dirty, []
        for session in dirty:
            session.changed.emit()

    def _finish(self, record: RunRecord, event: RunFinished) -> None:
        summary = event.summary
        record.status = (
            summary.status if summary.status in (OK, ERROR, CANCELLED, TIMEOUT) else ERROR
        )
        record.error = summary.error
        record.warnings = list(summary.warnings)
        record.hosts_contacted = list(summary.hosts_contacted)
        record.requests_sent = summary.requests_sent
        record.duration = summary.duration
        counts = summary.counts
        record.new_entities = counts.get("entities_new", record.new_entities)
        record.found_again = counts.get("entities_found_again", record.found_again)
        record.links = counts.get("links", record.links)
        record.evidence = counts.get("evidence", record.evidence)
        record.rejected = counts.get("rejected", record.rejected)
        if record.status == OK and record.total:
            record.done = record.total
        self._finished(record)

    def _finished(self, record: RunRecord) -> None:
        record.cancelling = False
        self._workers.pop(record.key, None)
        if record.status == OK:
            self.status_message(
                f"{record.plugin_name} on {record.input_label}: {record.found_text()}."
            )
        elif record.error:
            self.status_message(f"{record.plugin_name}: {record.error.splitlines()[0]}", 10000)
        self.runFinished.emit(record)
