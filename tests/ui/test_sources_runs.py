"""Running data sources from the window: context menu, pre-flight, streaming results into the
table and the graph, cancel, offline mode. Real plugins, a real host, loopback servers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from ui_helpers import ModalDriver
from werkzeug import Request, Response

from ui.main_window import MainWindow
from ui.session import ENTITY
from ui.sources.preflight import PreflightDialog
from ui.sources.runs import CANCEL, CANCELLED, OK, REFUSED, RUNNING
from ui.views.case_view import ENTITIES, GRAPH
from workbench.model import Case, Entity
from workbench.sdk.testing import loopback_router
from workbench.sources.host import SourceHost
from workbench.sources.ratelimit import HostRateLimiter
from workbench.store.workspace import Workspace

PAGES = Path(__file__).resolve().parents[2] / "../shared/data/html_metadata"
PAGE = "misc/opengraph_test.html"
NOTE_TEXT = (
    "Reach alice@example.org or +44 20 7946 0958; the kit was on hxxp://drop[.]example/k.zip "
    "and 198.51.100.7."
)


@pytest.fixture(autouse=True)
def _sources_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("WORKBENCH_PLUGIN_DIR", str(tmp_path / "user-plugins"))


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    httpd = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    httpd.start()
    yield httpd
    httpd.clear()
    if httpd.is_running():
        httpd.stop()


@pytest.fixture
def case(ws: Workspace) -> Case:
    return ws.cases.create("Source runs in the window")


def use_loopback(window: MainWindow, server: HTTPServer) -> SourceHost:
    """The window's host, with every request sent to the loopback server (Host kept)."""
    host = SourceHost(
        credentials=window.sources.access,
        limiter=HostRateLimiter(),
        router=loopback_router(server.url_for("/")),
    )
    window.sources.host = host
    return host


def serve_page(server: HTTPServer) -> str:
    server.expect_request(f"/{PAGE}").respond_with_data(
        (PAGES / PAGE).read_bytes(), content_type="text/html"
    )
    return f"http://pages.example/{PAGE}"


def finished(window: MainWindow) -> Callable[[], bool]:
    records = window.sources.panel.model.records
    return lambda: bool(records) and all(r.finished for r in records)


def pick_from_popup(
    qtbot, path: list[str], *, after: Callable[[], None] | None = None
) -> list[str]:  # type: ignore[no-untyped-def]
    """Answer the next popup menu (a real right-click menu in its own event loop): follow the
    submenu titles / action object names in `path`, trigger the last, close the menu. The
    texts and object names seen are returned (filled in when the menu was answered)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMenu

    seen: list[str] = []

    def poll() -> None:
        popup = QApplication.activePopupWidget()
        if not isinstance(popup, QMenu):
            QTimer.singleShot(5, poll)
            return
        action = None
        try:
            menu: QMenu | None = popup
            for step in path:
                assert menu is not None
                for item in menu.actions():
                    seen.extend([item.objectName(), item.text().replace("&", "")])
                found = [
                    a for a in menu.actions() if step in (a.objectName(), a.text().replace("&", ""))
                ]
                if not found:
                    seen.append(f"MISSING {step}")
                    return
                action = found[0]
                menu = action.menu()
        finally:
            popup.close()
        if action is not None:
            action.trigger()
        if after is not None:
            after()

    QTimer.singleShot(0, poll)
    return seen


def add(ws: Workspace, case: Case, type_name: str, value: str, **properties: object) -> Entity:
    return ws.graph.add_entity(case.id, type_name, value, properties=dict(properties))


def test_text_extract_from_the_table_context_menu_adds_entities(
    window: MainWindow, ws: Workspace, case: Case, qtbot, modal: ModalDriver
) -> None:  # type: ignore[no-untyped-def]
    note = add(ws, case, "note", NOTE_TEXT)
    window.open_case(case.id)
    session = window.session
    tab = window.show_case_tab(ENTITIES)
    session.selection.select(ENTITY, note.id)
    row = tab.entity_model.row_of(note.id)
    rect = tab.entity_table.visualRect(tab.entity_model.index(row, 1))

    added: list[Entity] = []
    session.entityAdded.connect(added.append)
    seen = pick_from_popup(qtbot, ["Run source", "runSource_text-extract"])
    tab.entity_table.customContextMenuRequested.emit(rect.center())  # the real right-click
    assert "runSource_web-page" not in seen  # filtered by type: web-page takes no note
    qtbot.waitUntil(finished(window), timeout=15000)

    (record,) = window.sources.panel.model.records
    assert record.status == OK, record.error
    assert modal.handled == []  # no pre-flight: nothing leaves the machine
    values = {(e.type, e.value) for e in added}
    assert ("email", "alice@example.org") in values
    assert ("phone", "+442079460958") in values
    assert ("ip", "198.51.100.7") in values
    shown = {tab.entity_model.record(r).value for r in range(tab.entity_model.rowCount())}
    assert {"alice@example.org", "+442079460958", "198.51.100.7"} <= shown
    assert record.new_entities == len(added) and record.links == len(added)
    assert record.hosts_contacted == [] and "nothing was sent" in record.details_text()
    assert window.sources.panel.table.isVisible()
    assert tab.link_model.total == len(added)
    qtbot.waitUntil(lambda: window.counts_label.text().startswith(f"{1 + len(added)} entities"))


def test_web_page_on_a_graph_multi_selection_asks_first_then_streams_results(
    window: MainWindow, ws: Workspace, case: Case, server: HTTPServer, qtbot, modal: ModalDriver
) -> None:  # type: ignore[no-untyped-def]
    use_loopback(window, server)
    url = serve_page(server)
    server.expect_request("/contact.html").respond_with_data(
        "<html><head><title>Contact</title></head>\n"
        "<body><p>Write to help@pages.example</p></body></html>",
        content_type="text/html",
    )
    page = add(ws, case, "url", url)
    contact = add(ws, case, "url", "http://pages.example/contact.html")
    account = add(ws, case, "account", "nightowl_rin")
    window.open_case(case.id)
    graph = window.show_case_tab(GRAPH)
    if not graph.is_built:
        with qtbot.waitSignal(graph.built, timeout=30000):
            pass
    for entity in (page, contact):
        graph.nodes[entity.id].setSelected(True)  # Ctrl+click on both nodes
    assert len(graph.scene.selectedItems()) == 2

    dialogs: list[PreflightDialog] = []

    def confirm(dialog) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(dialog, PreflightDialog)
        dialogs.append(dialog)
        tree = dialog.tree
        sent = {tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())}
        assert sent == {f"url: {url}", "url: http://pages.example/contact.html"}
        hosts = {tree.topLevelItem(0).child(i).text(1) for i in range(2)}
        assert hosts == {"pages.example", "www.pages.example"}
        dialog.dont_ask.setChecked(True)
        dialog.send_button.click()

    modal.next(confirm)
    added: list[Entity] = []
    window.session.entityAdded.connect(added.append)
    rect = graph.view.mapFromScene(graph.nodes[page.id].sceneBoundingRect()).boundingRect()
    seen = pick_from_popup(qtbot, ["Run source", "runSource_web-page"])
    graph.view.contextMenuAt.emit(graph.view.viewport().mapToGlobal(rect.center()))
    assert any("Web page metadata  (2 of 2)" in text for text in seen)
    assert graph.nodes[account.id].isSelected() is False
    qtbot.waitUntil(finished(window), timeout=20000)

    records = window.sources.panel.model.records
    assert [r.status for r in records] == [OK, OK], [r.error for r in records]
    assert len(dialogs) == 1
    assert all(r.total == 3 and r.done == 3 for r in records)  # progress came through
    assert {r.hosts_contacted[0] for r in records} == {"pages.example"}
    document = next(e for e in added if e.type == "document" and e.value == url)
    assert document.label == "Himanshu's Open Graph Protocol"
    assert "help@pages.example" in {e.value for e in added}
    # new entities are drawn next to the page they came from, not piled up elsewhere
    anchor = graph.nodes[page.id].pos()
    spot = graph.nodes[document.id].pos()
    assert (spot - anchor).manhattanLength() < 700
    assert len(graph.nodes) == 3 + len(added)

    # "don't ask again for this source in this case": the next run starts at once
    window.sources.panel.clear_finished()
    window.sources.run_source("web-page", [ws.graph.get_entity(contact.id)])
    qtbot.waitUntil(finished(window), timeout=20000)
    assert len(dialogs) == 1 and window.sources.panel.model.records[0].status == OK
    assert window.sources.panel.model.records[0].found_again >= 1


def test_cancelling_a_pre_flight_sends_nothing(
    window: MainWindow, ws: Workspace, case: Case, server: HTTPServer, modal: ModalDriver
) -> None:  # type: ignore[no-untyped-def]
    use_loopback(window, server)
    page = add(ws, case, "url", serve_page(server))
    window.open_case(case.id)
    modal.next(lambda dialog: dialog.reject())
    assert window.sources.run_source("web-page", [page]) == []
    assert modal.handled == ["PreflightDialog"]
    assert server.log == [] and window.sources.panel.model.records == []


def test_cancel_stops_a_slow_run_within_a_second_and_the_window_stays_responsive(
    window: MainWindow, ws: Workspace, case: Case, server: HTTPServer, qtbot, modal: ModalDriver
) -> None:  # type: ignore[no-untyped-def]
    use_loopback(window, server)
    release, arrived = threading.Event(), threading.Event()

    def slow(_request: Request) -> Response:
        arrived.set()
        release.wait(20)  # the server delays; the test never sleeps
        return Response("<html><title>late</title></html>", content_type="text/html")

    server.expect_request("/slow").respond_with_handler(slow)
    entity = add(ws, case, "url", "http://slow.example/slow")
    window.open_case(case.id)
    modal.next(lambda dialog: dialog.send_button.click())
    (record,) = window.sources.run_source("web-page", [entity])
    try:
        qtbot.waitUntil(lambda: record.status == RUNNING and arrived.is_set(), timeout=5000)

        from PySide6.QtCore import QTimer

        timer = QTimer()
        timer.setSingleShot(True)
        with qtbot.waitSignal(timer.timeout, timeout=500):  # the event loop is not blocked
            timer.start(10)

        table = window.sources.panel.table
        cell = table.visualRect(window.sources.panel.model.index(0, CANCEL))
        started = time.monotonic()
        from PySide6.QtCore import Qt

        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell.center())
        assert record.cancelling or record.finished
        qtbot.waitUntil(lambda: record.finished, timeout=1500)
        elapsed = time.monotonic() - started
    finally:
        release.set()
    assert record.status == CANCELLED, record.error
    assert elapsed < 1.2, elapsed
    assert "stopped" in record.error and "cancelled by the user" in record.error
    assert window.sources.active_runs() == 0


def test_offline_mode_refuses_network_sources_with_a_clear_message(
    window: MainWindow, ws: Workspace, case: Case, server: HTTPServer, qtbot, modal: ModalDriver
) -> None:  # type: ignore[no-untyped-def]
    use_loopback(window, server)
    page = add(ws, case, "url", serve_page(server))
    note = add(ws, case, "note", NOTE_TEXT)
    window.open_case(case.id)
    assert window.sources.status_button.text().startswith("Online")
    window.acts.offline_mode.trigger()
    assert window.sources.host.settings.network.offline
    assert window.sources.status_button.text() == "Offline mode"

    window.session.selection.select(ENTITY, page.id)
    menu = window.sources.run_menu()
    (action,) = [a for a in menu.actions() if a.objectName() == "runSource_web-page"]
    assert "offline mode is on" in action.text()
    action.trigger()
    (record,) = window.sources.panel.model.records
    assert record.status == REFUSED
    assert "Offline mode is on" in record.error and "pages.example" in record.error
    assert "Offline mode is on" in window.statusBar().currentMessage()
    assert modal.handled == [] and server.log == []  # no pre-flight, nothing sent

    (local,) = window.sources.run_source("text-extract", [note])  # local sources still run
    qtbot.waitUntil(lambda: local.finished, timeout=15000)
    assert local.status == OK and local.new_entities >= 3


BROKEN_RUN_MANIFEST = """
id = "fails-midway"
name = "Fails midway"
version = "0.1.0"
api_version = 1
description = "Yields one e-mail address, then fails like a buggy plugin."
entry = "source:FailsMidway"
kind = "passive"
inputs = ["note"]
outputs = ["email"]
"""
BROKEN_RUN_CODE = """
from workbench.sdk import EntityResult, Source


class FailsMidway(Source):
    def run(self, query, ctx):
        yield EntityResult("email", "kept@example.org", link="mentions")
        ctx.log.info("about to fail")
        raise KeyError("missing-field")
"""


def test_a_failing_run_shows_its_error_in_the_panel_and_keeps_its_results(
    window: MainWindow, ws: Workspace, case: Case, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "user-plugins" / "fails_midway"
    folder.mkdir(parents=True)
    (folder / "plugin.toml").write_text(BROKEN_RUN_MANIFEST, encoding="utf-8")
    (folder / "source.py").write_text(BROKEN_RUN_CODE, encoding="utf-8")
    note = add(ws, case, "note", "anything")
    window.open_case(case.id)
    (record,) = window.sources.run_source("fails-midway", [note])
    qtbot.waitUntil(lambda: record.finished, timeout=15000)
    assert record.status == "error"
    assert "KeyError" in record.error and "source.py" in record.error
    assert record.new_entities == 1  # what it found before failing is kept
    assert ws.graph.resolve_entity(case.id, "email:kept@example.org").value == "kept@example.org"
    panel = window.sources.panel
    assert panel.model.data(panel.model.index(0, 5)) == record.error.splitlines()[0]
    panel.table.selectRow(0)
    details = panel.details.toPlainText()
    assert "Error:" in details and "KeyError" in details and "about to fail" in details
    assert "1 finished (1 with errors)" in panel.summary.text()


def test_turning_offline_mode_on_stops_running_network_runs(
    window: MainWindow, ws: Workspace, case: Case, server: HTTPServer, qtbot, modal: ModalDriver
) -> None:  # type: ignore[no-untyped-def]
    use_loopback(window, server)
    release, arrived = threading.Event(), threading.Event()

    def slow(_request: Request) -> Response:
        arrived.set()
        release.wait(20)
        return Response("<html><title>late</title></html>", content_type="text/html")

    server.expect_request("/slow").respond_with_handler(slow)
    entity = add(ws, case, "url", "http://slow.example/slow")
    window.open_case(case.id)
    modal.next(lambda dialog: dialog.send_button.click())
    (record,) = window.sources.run_source("web-page", [entity])
    try:
        qtbot.waitUntil(arrived.is_set, timeout=5000)
        window.acts.offline_mode.trigger()
        qtbot.waitUntil(lambda: record.finished, timeout=1500)
    finally:
        release.set()
    assert record.status == CANCELLED
    assert "offline mode was turned on" in record.error
    assert window.sources.status_button.text() == "Offline mode"
