"""One selection: the graph, the tables and the inspector always show the same thing."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel

from ui.views.case_view import ENTITIES, GRAPH
from workbench.store.workspace import Workspace


def _open_sample_with_graph(window, qtbot):  # type: ignore[no-untyped-def]
    window.open_sample_case()
    entities_tab = window.show_case_tab(ENTITIES)
    graph_tab = window.show_case_tab(GRAPH)
    if not graph_tab.is_built:
        with qtbot.waitSignal(graph_tab.built, timeout=30000):
            pass
    return window.session, entities_tab, graph_tab


def test_graph_selection_selects_table_row_and_fills_inspector(
    window, ws: Workspace, qtbot
) -> None:  # type: ignore[no-untyped-def]
    session, entities_tab, graph_tab = _open_sample_with_graph(window, qtbot)
    assert len(graph_tab.nodes) == 32 and len(graph_tab.edges) == 38
    target = ws.graph.list_entities(session.case_id)[7]

    graph_tab.nodes[target.id].setSelected(True)  # as a click on the node does
    assert session.selection.entity_id() == target.id
    current = entities_tab.entity_table.currentIndex()
    assert entities_tab.entity_model.record(current.row()).id == target.id
    assert window.inspector.shown == ("entity", target.id)
    assert not entities_tab.link_table.selectionModel().hasSelection()

    link = ws.graph.links_of(target.id)[0]
    graph_tab.scene.clearSelection()
    graph_tab.edges[link.id].setSelected(True)
    assert session.selection.link_id() == link.id
    assert (
        entities_tab.link_model.record(entities_tab.link_table.currentIndex().row()).id == link.id
    )
    assert not entities_tab.entity_table.selectionModel().hasSelection()
    assert window.inspector.shown == ("link", link.id)


def test_table_selection_selects_graph_node(window, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    session, entities_tab, graph_tab = _open_sample_with_graph(window, qtbot)
    model = entities_tab.entity_model
    row = 12
    entities_tab.entity_table.selectionModel().setCurrentIndex(
        model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    entity_id = model.record(row).id
    assert session.selection.entity_id() == entity_id
    assert [item.entity_id for item in graph_tab.scene.selectedItems()] == [entity_id]
    assert window.inspector.shown == ("entity", entity_id)
    assert window.acts.delete.isEnabled() and window.acts.edit.isEnabled()

    graph_tab.scene.clearSelection()  # a click on empty canvas clears the selection
    assert session.selection.object_id == ""
    assert not entities_tab.entity_table.selectionModel().hasSelection()
    assert not window.acts.delete.isEnabled()


def test_inspector_link_navigates_selection(window, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    session, _entities_tab, graph_tab = _open_sample_with_graph(window, qtbot)
    subject = ws.graph.list_entities(session.case_id, limit=1)[0]
    session.selection.select("entity", subject.id)
    other = ws.graph.links_of(subject.id)[0].target_id
    window.inspector._go(f"entity:{other}")
    assert session.selection.entity_id() == other
    assert graph_tab.nodes[other].isSelected()


def test_graph_follows_edits_and_saves_dragged_positions(window, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    session, _entities_tab, graph_tab = _open_sample_with_graph(window, qtbot)
    entity = ws.graph.list_entities(session.case_id, limit=1)[0]
    window.editing.nodes_moved({entity.id: (0.0, 0.0)}, {entity.id: (123.0, -45.0)})
    saved = ws.graph.get_entity(entity.id)
    assert (saved.pos_x, saved.pos_y) == (123.0, -45.0)
    assert (graph_tab.nodes[entity.id].pos().x(), graph_tab.nodes[entity.id].pos().y()) == (
        123.0,
        -45.0,
    )
    window.acts.undo.trigger()
    assert ws.graph.get_entity(entity.id).pos_x == 0.0
    assert graph_tab.nodes[entity.id].pos().x() == 0.0

    session.delete_entity(entity.id)
    assert entity.id not in graph_tab.nodes
    assert all(
        e.source.entity_id != entity.id and e.target.entity_id != entity.id
        for e in graph_tab.edges.values()
    )
