"""Graph tab tools on the sample case: layouts (undoable, saved, cancellable), pins, analysis,
declutter, merge / unmerge as undo steps."""

from __future__ import annotations

import numpy as np
import pytest

from ui.session import CaseSession
from ui.views.graph.model import REFUTED, Filters
from ui.views.graph.tab import GraphTab
from workbench.demo import create_demo_case
from workbench.graph import pins as state
from workbench.store.workspace import Workspace


@pytest.fixture
def tab(ws: Workspace, qtbot) -> GraphTab:  # type: ignore[no-untyped-def]
    case = create_demo_case(ws)
    tab = GraphTab(CaseSession(ws, case))
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.show()
    tab.activate()
    qtbot.waitUntil(lambda: tab.is_built, timeout=60000)
    return tab


def _wait_job(tab: GraphTab, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: tab.job is None, timeout=60000)


def _row(tab: GraphTab, label_part: str) -> int:
    return next(i for i, label in enumerate(tab.model.labels) if label_part in label)


def test_layouts_apply_as_one_undo_step_and_keep_pins(tab: GraphTab, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.commands import serial_pool

    m = tab.model
    pinned_row = 0
    tab.select_rows(np.array([pinned_row]))
    tab.actions_.layouts.pin(True)
    assert state.load_pinned(ws, tab.session.case_id) == [m.ids[pinned_row]]
    before = m.xy.copy()
    for algorithm in ("force", "circular", "radial"):  # (the core tests cover the rest)
        tab.select_rows(np.array([pinned_row]))
        assert tab.actions_.layouts.run(algorithm) is not None
        _wait_job(tab, qtbot)
        assert tuple(m.xy[pinned_row]) == tuple(before[pinned_row])  # pinned: not moved
        assert not np.isnan(m.xy[m.alive]).any()
    assert serial_pool().waitForDone(30000)
    assert tab.session.undo_stack.count() == 3
    moved = next(i for i in range(len(m.ids)) if tuple(m.xy[i]) != tuple(before[i]))
    saved = ws.graph.get_entity(m.ids[moved])
    assert (saved.pos_x, saved.pos_y) == tuple(m.xy[moved])  # saved with the case
    for _ in range(3):
        tab.session.undo_stack.undo()
    assert serial_pool().waitForDone(30000)
    assert np.allclose(m.xy[m.alive], before[m.alive])
    saved = ws.graph.get_entity(m.ids[moved])
    assert (saved.pos_x, saved.pos_y) == tuple(before[moved])


def test_radial_needs_a_selection_and_a_cancelled_layout_moves_nothing(
    tab: GraphTab, qtbot
) -> None:  # type: ignore[no-untyped-def]
    tab.clear_selection()
    assert tab.actions_.layouts.run("radial") is None
    assert "select the entity" in tab.status.text()
    before = tab.model.xy.copy()
    job = tab.actions_.layouts.run("force")
    assert job is not None
    job.cancel()
    _wait_job(tab, qtbot)
    assert "cancelled" in tab.status.text() or tab.session.undo_stack.count() == 1
    if "cancelled" in tab.status.text():
        assert np.array_equal(tab.model.xy, before, equal_nan=True)


def test_shortest_path_neighbourhood_common_and_rankings(tab: GraphTab, qtbot) -> None:  # type: ignore[no-untyped-def]
    m = tab.model
    a, b = _row(tab, "Kenji T."), _row(tab, "Riverside flats")
    tab.select_rows(np.array([a, b]))
    tab.actions_.analysis.shortest_path()
    _wait_job(tab, qtbot)
    nodes, links = tab.actions_.analysis.last
    assert nodes[0] == m.ids[a] and nodes[-1] == m.ids[b]
    assert (
        m.highlight.sum() == len(nodes) and m.edge_highlight.sum() == len(links) == len(nodes) - 1
    )
    tab.select_rows(np.array([a]))
    tab.actions_.analysis.neighbourhood(depth=1)
    _wait_job(tab, qtbot)
    expected = {m.ids[a], *(m.ids[v] for v in m.neighbours(a))}
    assert set(tab.selected_entity_ids()) == expected
    hub = _row(tab, "@nightowl_rin (Stream")
    other = _row(tab, "Rin (surname")
    tab.select_rows(np.array([hub, other]))
    tab.actions_.analysis.common()
    _wait_job(tab, qtbot)
    shared = set(m.neighbours(hub).tolist()) & set(m.neighbours(other).tolist())
    assert {m.index[e] for e in tab.actions_.analysis.last} == shared
    tab.actions_.analysis.rank("degree")
    _wait_job(tab, qtbot)
    dialog = tab.actions_.analysis.dialog
    assert dialog is not None and dialog.list.count() > 0
    assert m.ids[hub] == dialog.list.item(0).data(0x0100)  # the hub ranks first
    dialog.list.setCurrentRow(1)
    assert tab.selected_entity_ids() == [dialog.list.item(1).data(0x0100)]
    tab.actions_.analysis.communities()
    _wait_job(tab, qtbot)
    assert tab.style.by_community and (m.community >= 0).any()
    assert "community 1" in tab.banner.text() and "blue" in tab.banner.text()
    tab.actions_.analysis.clear()
    assert not tab.style.by_community and not m.highlight.any()


def test_declutter_filters_focus_hide_collapse_and_show_all(tab: GraphTab) -> None:
    m = tab.model
    total = len(m.visible_nodes())
    de = tab.actions_.declutter
    de.apply(Filters(types={"account"}))
    shown = m.visible_nodes()
    assert len(shown) and all(m.type_names[m.types[i]] == "account" for i in shown)
    de.apply(Filters(sources={"manual"}))  # provenance read on demand
    assert m.sources is not None
    de.apply(Filters(start=4e9))  # nothing was added after 2096
    assert len(m.visible_nodes()) == 0
    de.show_all()
    assert len(m.visible_nodes()) == total
    refuted_links = int((m.confidence[m.edge_alive] == REFUTED).sum())
    visible_links = len(m.visible_edges())
    de.toggle_refuted()
    assert len(m.visible_edges()) == visible_links + refuted_links
    de.toggle_refuted()
    hub = _row(tab, "@nightowl_rin (Stream")
    tab.select_rows(np.array([hub]))
    de.focus()
    assert set(m.visible_nodes().tolist()) == {hub, *m.neighbours(hub).tolist()}
    de.show_all()
    tab.select_rows(np.array([hub]))
    de.hide_selected()
    assert hub not in m.visible_nodes()
    de.show_all()
    session = tab.session
    for value in ("leaf-one@example.org", "leaf-two@example.org"):  # two e-mail leaves
        leaf = session.add_entity("email", value, None, {})
        session.add_link(m.ids[hub], leaf.id, "related_to")
    tab._place_pending()  # (runs on the next event-loop turn in the app)
    assert not np.isnan(m.xy[m.alive]).any()
    total = len(m.visible_nodes())
    tab.select_rows(np.array([hub]))
    made = de.collapse_selected()
    assert made >= 1
    group_row = next(iter(m.groups))
    group = m.groups[group_row]
    assert m.collapsed[group.members].all() and group_row in m.visible_nodes()
    assert len(group.members) >= 2
    de.expand(group_row)
    assert not m.collapsed.any() and not m.groups
    assert len(m.visible_nodes()) == total


def test_merge_and_unmerge_are_undo_steps(tab: GraphTab, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    m = tab.model
    count = ws.graph.count_entities(tab.session.case_id)
    keep, dup = _row(tab, "@nightowl_rin (Stream"), _row(tab, "@owl_rin_alt")
    keep_id, dup_id = m.ids[keep], m.ids[dup]
    with qtbot.waitSignal(tab.reloaded, timeout=30000):
        assert tab.actions_.edit.merge(keep_id, [dup_id], "same person")
    assert ws.graph.count_entities(tab.session.case_id) == count - 1
    assert dup_id not in tab.nodes and keep_id in tab.nodes
    with qtbot.waitSignal(tab.reloaded, timeout=30000):
        tab.session.undo_stack.undo()
    assert ws.graph.count_entities(tab.session.case_id) == count
    assert dup_id in tab.nodes
    with qtbot.waitSignal(tab.reloaded, timeout=30000):
        tab.session.undo_stack.redo()
    assert dup_id not in tab.nodes
    from workbench.graph.merge import MergeRepository

    record = MergeRepository(ws).list_merges(tab.session.case_id)[-1]
    with qtbot.waitSignal(tab.reloaded, timeout=30000):
        assert tab.actions_.edit.unmerge_record(record.id)
    assert dup_id in tab.nodes
    with qtbot.waitSignal(tab.reloaded, timeout=30000):
        tab.session.undo_stack.undo()  # undo the unmerge: merged again
    assert dup_id not in tab.nodes


def _window_graph(window, ws: Workspace, qtbot):  # type: ignore[no-untyped-def]
    from ui.views.case_view import GRAPH

    case = create_demo_case(ws)
    window.refresh_queue()
    window.open_case(case.id)
    tab = window.show_case_tab(GRAPH)
    qtbot.waitUntil(lambda: tab.is_built, timeout=60000)
    return tab


def test_window_graph_menu_lists_the_tabs_actions_when_the_graph_tab_is_current(
    window, ws: Workspace, qtbot
) -> None:  # type: ignore[no-untyped-def]
    from ui.views.case_view import ENTITIES, GRAPH
    from ui.views.graph import window_menu

    menu = window.acts.graph_menu
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles.index("Case") + 1 == titles.index("Graph")
    assert not menu.menuAction().isEnabled()  # no case open
    tab = _window_graph(window, ws, qtbot)
    assert menu.menuAction().isEnabled()
    window_menu.populate(window, menu)
    listed = menu.actions()
    for title in window_menu.SUBMENUS:
        assert tab.actions_.menus[title].menuAction() in listed  # the tab's own actions
    assert tab.actions_.by_name["Fit"] in listed
    # the tab's action works from the window's menu
    layout = tab.actions_.menus["Layout"]
    circular = next(a for a in layout.actions() if a.text() == "Circular")
    before = tab.model.xy.copy()
    circular.trigger()
    _wait_job(tab, qtbot)
    assert not np.allclose(before, tab.model.xy)
    # another tab current: the menu offers to show the graph instead
    window.show_case_tab(ENTITIES)
    window_menu.populate(window, menu)
    show = menu.findChild(type(circular), "graphMenu_show")
    assert show is not None and show.isEnabled()
    assert all(tab.actions_.menus[t].menuAction() not in menu.actions() for t in ("Layout",))
    show.trigger()
    assert window.case_view.tabs.currentIndex() == GRAPH


def test_window_delete_routes_a_canvas_multi_selection_to_the_bulk_delete(
    window, ws: Workspace, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from ui.dialogs import messages

    asked: list[str] = []
    monkeypatch.setattr(messages, "confirm", lambda _p, title, _t, *a: asked.append(title) or True)
    tab = _window_graph(window, ws, qtbot)
    case_id = tab.session.case_id
    before = ws.graph.count_entities(case_id)
    rows = np.flatnonzero(tab.model.alive & ~tab.model.virtual)[:3]
    tab.select_rows(rows)
    doomed = set(tab.selected_entity_ids())
    assert len(doomed) == 3
    window.acts.delete.trigger()
    _wait_job(tab, qtbot)
    assert asked == ["Delete entities"]  # the canvas's bulk delete asked, for all three
    assert ws.graph.count_entities(case_id) == before - 3
    assert not doomed & set(tab.model.ids[i] for i in np.flatnonzero(tab.model.alive))
    tab.session.undo_stack.undo()  # one undo step restores them all
    qtbot.waitUntil(lambda: ws.graph.count_entities(case_id) == before, timeout=30000)
    # a single selection still goes through the window's editing (one entity, its links)
    tab.select_rows(rows[:1])
    window.acts.delete.trigger()
    assert asked[-1] == "Delete entity"
    assert ws.graph.count_entities(case_id) == before - 1


def test_run_source_takes_the_whole_canvas_selection_beyond_the_item_cap(
    window, ws: Workspace, qtbot
) -> None:  # type: ignore[no-untyped-def]
    from workbench.store.graph import EntitySpec

    tab = _window_graph(window, ws, qtbot)
    case_id = tab.session.case_id
    ws.graph.add_entities_bulk(
        case_id, (EntitySpec("account", f"bulk_{i:05d}", f"Bulk {i}") for i in range(1700))
    )
    tab.reload()
    qtbot.waitUntil(lambda: tab.model.live_count() >= 1700, timeout=60000)
    tab.select_all()
    assert len(tab.items) <= 1500  # Qt items exist for part of the selection only
    chosen = window.sources.selected_entities()
    assert len(chosen) == tab.model.live_count() > 1700
    assert {e.id for e in chosen} == set(tab.selected_entity_ids())
