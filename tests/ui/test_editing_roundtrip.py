"""Create a case, add entities and a link through the real actions and dialogs, undo, redo,
delete with confirmation, then reopen the workspace in a new window: everything intact."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox, QLineEdit
from ui_helpers import ModalDriver, accept_message_box, fill_entity_dialog, fill_link_dialog

from ui.dialogs import messages
from ui.views.case_view import ENTITIES
from workbench.store.workspace import Workspace


def _new_case(window, modal: ModalDriver, title: str) -> None:  # type: ignore[no-untyped-def]
    def handle(dialog) -> None:  # type: ignore[no-untyped-def]
        dialog.findChild(QLineEdit, "titleEdit").setText(title)
        dialog.findChild(QLineEdit, "tagsEdit").setText("test, ui")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    modal.next(handle)
    window.acts.new_case.trigger()


def test_edit_undo_redo_delete_and_reopen(
    make_window, ws: Workspace, ws_path: Path, modal: ModalDriver, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(ws)
    assert window.centre.currentWidget() is window.welcome  # empty workspace: welcome panel
    _new_case(window, modal, "Threat in a stream")
    session = window.session
    assert session is not None and session.case.title == "Threat in a stream"
    assert session.case.tags == ("test", "ui")
    case_id = session.case_id
    graph = ws.graph

    fill_entity_dialog(modal, "account", "streamer_x", "@streamer_x", {"platform": "StreamHub"})
    window.acts.add_entity.trigger()
    fill_entity_dialog(modal, "person", "佐藤 凛", fields={"age": "17"})
    window.acts.add_entity.trigger()
    assert graph.count_entities(case_id) == 2
    entities = graph.list_entities(case_id)
    assert entities[0].properties == {"platform": "StreamHub"}
    assert entities[1].properties == {"age": 17}
    assert session.selection.entity_id() == entities[1].id  # the new entity is selected

    fill_link_dialog(modal, "佐藤 凛  [Person]", "@streamer_x — streamer_x  [Account]", "owns")
    window.acts.add_link.trigger()
    links = graph.list_links(case_id)
    assert len(links) == 1
    assert (links[0].source_id, links[0].target_id) == (entities[1].id, entities[0].id)
    assert links[0].grading == "B2" and links[0].confidence.value == "confirmed"
    assert window.counts_label.text() == "2 entities · 1 links"

    table = window.show_case_tab(ENTITIES)
    assert table.entity_model.rowCount() == 2 and table.link_model.rowCount() == 1

    window.acts.undo.trigger()  # undo the link
    window.acts.undo.trigger()  # undo the second entity
    assert graph.count_entities(case_id) == 1 and graph.count_links(case_id) == 0
    assert table.entity_model.rowCount() == 1 and table.link_model.rowCount() == 0

    window.acts.redo.trigger()
    window.acts.redo.trigger()
    assert [e.id for e in graph.list_entities(case_id)] == [e.id for e in entities]
    assert [link.id for link in graph.list_links(case_id)] == [links[0].id]
    assert table.entity_model.rowCount() == 2 and table.link_model.rowCount() == 1

    # Delete the account: the real confirmation box says a link goes with it; accept it.
    session.selection.select("entity", entities[0].id)
    texts: list[str] = []

    def accept(dialog) -> None:  # type: ignore[no-untyped-def]
        texts.append(dialog.text())
        next(b for b in dialog.buttons() if b.text() == "Delete").click()

    modal.next(accept)
    window.acts.delete.trigger()
    assert "Its 1 link will be deleted with it." in texts[0]
    assert graph.count_entities(case_id) == 1 and graph.count_links(case_id) == 0
    assert session.selection.object_id == ""

    window.acts.undo.trigger()  # the entity and its link come back with the same ids
    assert graph.get_entity(entities[0].id).value == "streamer_x"
    assert graph.get_link(links[0].id).source_id == entities[1].id
    window.acts.redo.trigger()
    assert graph.count_entities(case_id) == 1

    window.close()
    reopened_ws = Workspace.open(ws_path, actor="tester")
    try:
        again = make_window(reopened_ws)
        assert again.session is not None and again.session.case_id == case_id  # last case
        remaining = reopened_ws.graph.list_entities(case_id)
        assert [(e.type, e.value, e.properties) for e in remaining] == [
            ("person", "佐藤 凛", {"age": 17})
        ]
        tab = again.show_case_tab(ENTITIES)
        assert tab.entity_model.rowCount() == 1
        assert tab.entity_model.index(0, 1).data() == "佐藤 凛"
        assert again.queue_view.model.rowCount() == 1
    finally:
        reopened_ws.close()


def test_cancelled_delete_changes_nothing(window, ws: Workspace, monkeypatch, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.open_sample_case()
    session = window.session
    entity = ws.graph.list_entities(session.case_id, limit=1)[0]
    session.selection.select("entity", entity.id)
    asked: list[str] = []
    monkeypatch.setattr(
        messages, "confirm", lambda _p, _t, text, ok_text="": asked.append(text) or False
    )
    assert window.editing.delete_selected() is False
    assert "links will be deleted with it" in asked[0]
    assert ws.graph.get_entity(entity.id).id == entity.id
    assert not session.undo_stack.canUndo()


def test_duplicate_entity_shows_core_message(
    window, ws: Workspace, modal: ModalDriver, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window.open_sample_case()
    session = window.session
    before = ws.graph.count_entities(session.case_id)
    fill_entity_dialog(modal, "account", "NIGHTOWL_RIN")
    accept_message_box(modal, "OK")
    assert window.editing.add_entity() is False
    assert modal.handled == ["EntityDialog", "QMessageBox"]
    assert ws.graph.count_entities(session.case_id) == before
    assert not session.undo_stack.canUndo()


def test_edit_entity_and_link_are_undoable(
    window, ws: Workspace, modal: ModalDriver, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window.open_sample_case()
    session = window.session
    entity = ws.graph.list_entities(session.case_id, limit=1)[0]
    session.selection.select("entity", entity.id)

    def edit(dialog) -> None:  # type: ignore[no-untyped-def]
        dialog.findChild(QLineEdit, "labelEdit").setText("Rin S.")
        dialog.findChild(QLineEdit, "field_age").setText("16")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    modal.next(edit)
    window.acts.edit.trigger()
    changed = ws.graph.get_entity(entity.id)
    assert changed.label == "Rin S." and changed.properties["age"] == 16
    assert changed.properties["notes"] == entity.properties["notes"]
    window.acts.undo.trigger()
    restored = ws.graph.get_entity(entity.id)
    assert restored.label == entity.label and restored.properties == entity.properties

    link = ws.graph.links_of(entity.id)[0]
    session.selection.select("link", link.id)

    def grade(dialog) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtWidgets import QComboBox

        combo = dialog.findChild(QComboBox, "confidenceCombo")
        combo.setCurrentIndex(combo.findData("refuted"))
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    modal.next(grade)
    window.acts.edit.trigger()
    assert ws.graph.get_link(link.id).confidence.value == "refuted"
    window.acts.undo.trigger()
    assert ws.graph.get_link(link.id).confidence == link.confidence


def test_case_status_change_from_overview_is_undoable(window, ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.open_sample_case()
    session = window.session
    overview = window.case_view.tab(0)
    combo = overview.status
    assert combo.currentData() == "decided"  # the sample case comes with its decision
    combo.setCurrentIndex(combo.findData("assessing"))
    combo.activated.emit(combo.currentIndex())
    assert ws.cases.get(session.case_id).status.value == "assessing"
    window.acts.undo.trigger()
    assert ws.cases.get(session.case_id).status.value == "decided"
    assert combo.currentData() == "decided"
