"""The Evidence tab: list, capture with progress off the GUI thread, add files, the safe
viewer (no scripts, nothing loaded), wellness blur with a logged reveal, the integrity
banner, links to the graph and the inspector's evidence section."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from ui import wellness
from ui.main_window import MainWindow
from ui.views.case_view import EVIDENCE, TAB_TITLES
from ui.views.evidence import EvidenceTab
from workbench.evidence.model import CustodyAction
from workbench.store.workspace import Workspace

PAGE = (
    b"<html><head><title>Post</title><script>document.write('EVIL')</script></head><body>"
    b"<p>last stream tonight</p><img src='http://127.0.0.1:9/tracker.png' alt='tracker'>"
    b"<iframe src='http://127.0.0.1:9/frame'></iframe></body></html>"
)


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(tmp_path / "config"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/post"
    server.shutdown()
    server.server_close()


def _open(make_window: Callable[[Workspace], MainWindow], ws: Workspace) -> EvidenceTab:
    window = make_window(ws)
    window.open_sample_case()
    assert window.case_view is not None
    tab = window.case_view.show_tab(EVIDENCE)
    assert isinstance(tab, EvidenceTab)
    return tab


def _select(qtbot, tab: EvidenceTab, evidence_id: str) -> None:  # type: ignore[no-untyped-def]
    tab.reload()
    tab.select_evidence(evidence_id)
    qtbot.waitUntil(lambda: tab.detail.viewer.stack.currentWidget() is not tab.detail.viewer.empty
                    or "NOT SHOWN" in tab.detail.viewer.empty.text(), timeout=5000)  # fmt: skip


def test_tab_sits_after_graph_and_lists_the_demo_items(make_window, ws, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert [t for t, _ in TAB_TITLES].index("Evidence") == [t for t, _ in TAB_TITLES].index(
        "Graph"
    ) + 1
    tab = _open(make_window, ws)
    assert tab.model.rowCount() == 3
    names = {tab.model.row(r)[0].filename for r in range(3)}
    assert "streamhub_post_7733019.html" in names


def test_capture_from_the_address_field_and_safe_viewer(make_window, ws, qtbot, site: str) -> None:  # type: ignore[no-untyped-def]
    tab = _open(make_window, ws)
    tab.address.setText(site)
    tab.capture()
    assert not tab.busy.isHidden() and not tab.capture_button.isEnabled()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 4, timeout=10000)
    qtbot.waitUntil(lambda: tab.job is None, timeout=5000)
    item = tab.model.row(3)[0]
    assert item.mime_type == "application/warc" and tab.current_id() == item.id
    qtbot.waitUntil(
        lambda: tab.detail.viewer.stack.currentWidget() is tab.detail.viewer.browser, timeout=5000
    )
    shown = tab.detail.viewer.browser.toPlainText()
    assert "last stream tonight" in shown and "EVIL" not in shown
    assert "image not loaded" in shown and "iframe not loaded" in shown
    assert tab.detail.viewer.browser.refused == []  # nothing even asked to be loaded
    actions = [e.action for e in ws.evidence.custody(item.id)]
    assert actions == [CustodyAction.COLLECT, CustodyAction.VIEW]


def test_capture_can_be_cancelled(make_window, ws, qtbot, site: str) -> None:  # type: ignore[no-untyped-def]
    tab = _open(make_window, ws)
    tab.address.setText(site)
    tab.capture()
    tab.cancel_job()
    qtbot.waitUntil(lambda: tab.job is None, timeout=10000)
    assert tab.model.rowCount() in (3, 4)  # cancelled before or after the store, never half


def test_sensitive_image_is_blurred_until_revealed(make_window, ws, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tab = _open(make_window, ws)
    photo = tmp_path / "scene.png"
    Image.new("RGB", (120, 80), (255, 0, 0)).save(photo)
    item = ws.evidence.add_file(tab.session.case_id, photo, sensitivity="gore")
    _select(qtbot, tab, item.id)
    viewer = tab.detail.viewer
    assert viewer.obscured and not viewer.reveal_button.isHidden()
    pixel = viewer.image.pixmap().toImage().pixelColor(10, 10)
    assert pixel.red() == pixel.green() == pixel.blue()  # greyscale, not red
    before = wellness.session_counter().revealed
    qtbot.mouseClick(viewer.reveal_button, Qt.MouseButton.LeftButton)
    assert not viewer.obscured
    assert viewer.image.pixmap().toImage().pixelColor(10, 10).red() == 255
    assert wellness.session_counter().revealed == before + 1
    assert ws.evidence.custody(item.id)[-1].action is CustodyAction.REVEAL
    assert "revealed" in tab.window().findChild(wellness.ExposureLabel).text()


def test_plain_images_follow_the_blur_all_setting(make_window, ws, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert wellness.should_blur("image/png", None)  # default on
    wellness.set_blur_all_media(False)
    assert not wellness.should_blur("image/png", None)
    assert wellness.should_blur("image/png", "gore")
    assert not wellness.should_blur("text/plain", None)


def test_integrity_failure_is_loud_and_blocks_export(
    make_window, ws, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    tab = _open(make_window, ws)
    item = ws.evidence.add_bytes(tab.session.case_id, b"chat log line", "chat.txt")
    blob = ws.blobs.path_for(item.sha256)
    blob.chmod(0o644)
    blob.write_bytes(b"edited")
    _select(qtbot, tab, item.id)
    qtbot.waitUntil(lambda: not tab.detail.banner.isHidden(), timeout=5000)
    assert "INTEGRITY FAILURE" in tab.detail.banner.text()
    assert not tab.detail.export_button.isEnabled()
    assert "NOT SHOWN" in tab.detail.viewer.empty.text()
    row = tab.model.row_of(item.id)
    assert tab.model.index(row, 0).data() == "MODIFIED"
    checks = [e for e in ws.evidence.custody(item.id) if e.action is CustodyAction.VERIFY]
    assert len(checks) == 1  # one failed open, recorded once (no refresh loop)


def test_drop_files_and_link_to_selected_entity(make_window, ws, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tab = _open(make_window, ws)
    note = tmp_path / "note.txt"
    note.write_text("call log: 22:05 no answer", encoding="utf-8")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(note))])
    event = QDropEvent(
        QPoint(5, 5), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    tab.dropEvent(event)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 4 and tab.job is None, timeout=10000)
    added = tab.model.row(3)[0]
    assert added.filename == "note.txt" and tab.current_id() == added.id
    account = ws.graph.resolve_entity(tab.session.case_id, "account:nightowl_rin")
    tab.session.selection.select("entity", account.id)
    tab.link_selected("supports")
    assert [x.evidence_id for x in ws.evidence.evidence_for(account.id)] == [added.id]
    assert "supports" in tab.detail.links.toPlainText()
    window = tab.window()
    assert isinstance(window, MainWindow)
    qtbot.waitUntil(lambda: "note.txt" in _inspector_text(window), timeout=3000)


def _inspector_text(window: MainWindow) -> str:
    from PySide6.QtWidgets import QLabel

    page = window.inspector.widget()
    return " ".join(label.text() for label in page.findChildren(QLabel)) if page else ""


def test_evidence_menu_actions(make_window, ws, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(ws)
    window.open_sample_case()
    assert window.acts.capture_url.isEnabled()
    window.acts.capture_url.trigger()
    tab = window.case_view.existing_tab(EVIDENCE)  # type: ignore[union-attr]
    assert isinstance(tab, EvidenceTab) and window.focusWidget() is tab.address
    window.acts.verify_evidence.trigger()
    qtbot.waitUntil(lambda: tab.job is None, timeout=10000)
    assert all(r[1] is not None and r[1].integrity.value == "ok" for r in
               (tab.model.row(i) for i in range(tab.model.rowCount())))  # fmt: skip


def test_capture_the_page_of_a_url_entity_from_its_context_menu(  # type: ignore[no-untyped-def]
    make_window, ws, qtbot, site: str
) -> None:
    """A Wayback snapshot or profile URL found by a source is captured from the entity's
    context menu and the capture is linked to that entity; other entities do not offer it."""
    window = make_window(ws)
    window.open_sample_case()
    session = window.session
    account = ws.graph.resolve_entity(session.case_id, "account:nightowl_rin")
    session.selection.select("entity", account.id)
    assert window.acts.capture_entity not in window.acts.context_menu().actions()
    snapshot = ws.graph.add_entity(session.case_id, "url", site)
    session.selection.select("entity", snapshot.id)
    assert window.acts.capture_entity in window.acts.context_menu().actions()
    window.acts.capture_entity.trigger()
    tab = window.case_view.existing_tab(EVIDENCE)
    assert isinstance(tab, EvidenceTab)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 4 and tab.job is None, timeout=10000)
    captured = tab.model.row(3)[0]
    assert captured.mime_type == "application/warc" and captured.source_url == site
    links = ws.evidence.evidence_for(snapshot.id)
    assert [(x.evidence_id, x.relation.value) for x in links] == [(captured.id, "supports")]
