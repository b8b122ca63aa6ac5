"""The entity table reads one page when a case opens and more only as the user scrolls."""

from __future__ import annotations

from ui.models.graph_tables import PAGE_SIZE
from ui.views.case_view import ENTITIES
from workbench.store.graph import EntitySpec, LinkSpec
from workbench.store.workspace import Workspace


def _big_case(ws: Workspace, count: int) -> str:
    case = ws.cases.create("Bulk import", tags=["bulk"])
    ids = ws.graph.add_entities_bulk(
        case.id, (EntitySpec("account", f"user_{i:05d}", f"ユーザー {i}") for i in range(count))
    )
    ws.graph.add_links_bulk(
        case.id, (LinkSpec(ids[i], ids[(i + 1) % count], "communicates_with") for i in range(count))
    )
    return case.id


def test_lazy_table_fetches_first_page_then_more_on_scroll(window, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    case_id = _big_case(ws, 3000)
    window.refresh_queue()
    window.open_case(case_id)
    tab = window.show_case_tab(ENTITIES)
    model = tab.entity_model
    assert model.total == 3000
    assert model.rowCount() == PAGE_SIZE and model.fetch_calls == 1
    assert "first 500 loaded" in tab.entity_caption.text()
    assert model.index(0, 2).data() == "ユーザー 0"

    bar = tab.entity_table.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: model.rowCount() > PAGE_SIZE, timeout=5000)
    assert model.rowCount() < 3000  # only what scrolling asked for
    while model.canFetchMore():
        qtbot.waitUntil(lambda: bar.maximum() > bar.value(), timeout=5000)  # range updated
        before = model.rowCount()
        bar.setValue(bar.maximum())
        qtbot.waitUntil(lambda n=before: model.rowCount() > n, timeout=5000)
    assert model.rowCount() == 3000
    assert model.record(2999).value == "user_02999"


def test_tables_read_again_after_a_bulk_change(window, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    case_id = _big_case(ws, 50)
    window.refresh_queue()
    window.open_case(case_id)
    tab = window.show_case_tab(ENTITIES)
    model = tab.entity_model
    assert model.total == 50
    gone = [e.id for e in ws.graph.list_entities(case_id, offset=0, limit=20)]
    from workbench.store.graph_bulk import delete_entities

    delete_entities(ws, case_id, gone)
    window.session.graphReloaded.emit()
    assert model.total == 30 and model.rowCount() == 30
    assert not {model.record(row).id for row in range(30)} & set(gone)
