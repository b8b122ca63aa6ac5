"""The global search in the window: Ctrl+K, results with bold matches, the jump to the item."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.search.results import HIT_ROLE
from ui.views.case_view import ENTITIES
from workbench.search import SearchHit, SearchResults
from workbench.store.workspace import Workspace


def run_search(qtbot: QtBot, window: MainWindow, text: str) -> object:
    controller = window.search
    with qtbot.waitSignal(controller.searched, timeout=10000) as blocker:
        controller.box.setText(text)
        controller.run_now()
    return blocker.args[0]


def labels(window: MainWindow) -> list[str]:
    hits = window.search.panel.list
    result = []
    for row in range(hits.count()):
        widget = hits.itemWidget(hits.item(row))
        assert isinstance(widget, QLabel)
        result.append(widget.text())
    return result


def test_ctrl_k_focuses_the_toolbar_box(qtbot: QtBot, window: MainWindow) -> None:
    action = window.acts.global_search
    assert QKeySequence("Ctrl+K") in action.shortcuts()
    assert action in window.acts.all  # so Help > Keyboard shortcuts lists it
    assert window.search.box.isVisible()  # fits the toolbar at 1366 pixels
    action.trigger()
    qtbot.waitUntil(window.search.box.hasFocus)


def test_results_show_bold_matches_and_escape_html(
    qtbot: QtBot, window: MainWindow, ws: Workspace
) -> None:
    case = ws.cases.create("Search UI")
    ws.graph.add_entity(case.id, "note", "配信者は<b>今夜</b>自殺をほのめかした & more")
    results = run_search(qtbot, window, "自殺")
    assert isinstance(results, SearchResults) and len(results.hits) == 1
    assert window.search.dock.isVisible()
    (html,) = labels(window)
    assert "<b>自殺</b>" in html
    assert "&lt;b&gt;今夜&lt;/b&gt;" in html and "&amp; more" in html
    assert "1 result" in window.search.panel.status.text()


def test_activating_an_entity_opens_its_case_and_selects_it(
    qtbot: QtBot, window: MainWindow, ws: Workspace
) -> None:
    other = ws.cases.create("Other case")
    target_case = ws.cases.create("Target case")
    entity = ws.graph.add_entity(target_case.id, "person", "Hanako Yamada")
    window.open_case(other.id)
    run_search(qtbot, window, "yamada")
    item = window.search.panel.list.item(0)
    hit = item.data(HIT_ROLE)
    assert isinstance(hit, SearchHit) and hit.ref_id == entity.id
    window.search.panel.list.setCurrentItem(item)
    window.search.panel.list.setFocus()
    qtbot.keyClick(window.search.panel.list, Qt.Key.Key_Return)
    assert window.session is not None and window.session.case_id == target_case.id
    assert window.session.selection.entity_id() == entity.id
    assert window.case_view is not None and window.case_view.tabs.currentIndex() == ENTITIES


def test_activating_evidence_goes_to_the_evidence_tab(
    qtbot: QtBot, window: MainWindow, ws: Workspace
) -> None:
    case = ws.cases.create("Evidence case")
    item = ws.evidence.add_bytes(
        case.id, "駅前の防犯カメラ映像を保存した。".encode(), "cctv.txt", mime_type="text/plain"
    )
    run_search(qtbot, window, "防犯カメラ")
    hit = window.search.panel.list.item(0).data(HIT_ROLE)
    assert hit.kind == "evidence" and hit.ref_id == item.id
    with qtbot.waitSignal(window.search.evidenceRequested) as blocker:
        window.search.open_hit(hit)
    assert blocker.args == [case.id, item.id]
    case_view = window.case_view
    assert case_view is not None
    tabs = case_view.tabs
    titles = [tabs.tabText(i).replace("&", "") for i in range(tabs.count())]
    if "Evidence" in titles:  # the Evidence tab of the evidence locker shows the item
        assert tabs.currentIndex() == titles.index("Evidence")
        content = case_view.tab(titles.index("Evidence"))
        current = getattr(content, "current_id", None)
        if callable(current):
            assert current() == item.id


def test_a_malformed_query_explains_itself_in_the_panel(qtbot: QtBot, window: MainWindow) -> None:
    outcome = run_search(qtbot, window, '"unclosed')
    assert isinstance(outcome, Exception)
    assert "not closed" in window.search.panel.status.text()
    assert window.search.panel.list.count() == 0


def test_open_case_scope(qtbot: QtBot, window: MainWindow, ws: Workspace) -> None:
    first = ws.cases.create("First")
    second = ws.cases.create("Second")
    ws.graph.add_entity(first.id, "note", "quarry visit one")
    ws.graph.add_entity(second.id, "note", "quarry visit two")
    window.open_case(first.id)
    assert len(run_search(qtbot, window, "quarry").hits) == 2  # type: ignore[attr-defined]
    panel = window.search.panel
    with qtbot.waitSignal(window.search.searched, timeout=10000) as blocker:
        panel.scope.setCurrentIndex(1)  # Open case: the filter change searches again
    assert [h.case_id for h in blocker.args[0].hits] == [first.id]


def test_a_deleted_item_is_reported_not_opened(
    qtbot: QtBot, window: MainWindow, ws: Workspace
) -> None:
    case = ws.cases.create("Stale")
    entity = ws.graph.add_entity(case.id, "person", "Ephemeral Person")
    run_search(qtbot, window, "ephemeral")
    hit = window.search.panel.list.item(0).data(HIT_ROLE)
    ws.graph.delete_entity(entity.id)
    window.search.open_hit(hit)
    assert "deleted" in window.statusBar().currentMessage()
