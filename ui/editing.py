"""Edit actions of the window: open the dialogs, confirm deletions, push undo commands.

Dialogs are shown with `exec_dialog` (one place, so tests and scripts can drive them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog

from ui.commands import (
    AddEntityCommand,
    AddLinkCommand,
    DeleteEntityCommand,
    DeleteLinkCommand,
    EditEntityCommand,
    EditLinkCommand,
    MoveNodesCommand,
    perform,
)
from ui.dialogs import messages
from ui.dialogs.entity_dialog import EntityDialog
from ui.dialogs.link_dialog import LinkDialog
from ui.session import ENTITY, LINK, CaseSession
from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def exec_dialog(dialog: QDialog) -> bool:
    return dialog.exec() == QDialog.DialogCode.Accepted


class EditController:
    def __init__(self, window: MainWindow):
        self.window = window

    @property
    def session(self) -> CaseSession | None:
        return self.window.session

    def add_entity(self) -> bool:
        session = self.session
        if session is None:
            return False
        dialog = EntityDialog(session.vocabulary, parent=self.window)
        if not exec_dialog(dialog):
            return False
        values = dialog.values()
        command = AddEntityCommand(
            session, values["type"], values["value"], values["label"], values["properties"]
        )
        if not perform(self.window, command):
            return False
        assert command.entity is not None
        session.selection.select(ENTITY, command.entity.id)
        return True

    def add_link(self) -> bool:
        session = self.session
        if session is None:
            return False
        if session.ws.graph.count_entities(session.case_id) < 2:
            messages.show_error(
                self.window,
                WorkbenchError("A link joins two entities; add at least two entities first."),
            )
            return False
        dialog = LinkDialog(session, source_id=session.selection.entity_id(), parent=self.window)
        if not exec_dialog(dialog):
            return False
        values = dialog.resolved
        command = AddLinkCommand(
            session,
            values["source_id"],
            values["target_id"],
            values["type"],
            {k: values[k] for k in ("confidence", "reliability", "credibility")},
        )
        if not perform(self.window, command):
            return False
        assert command.link is not None
        session.selection.select(LINK, command.link.id)
        return True

    def edit_selected(self) -> bool:
        session = self.session
        if session is None or not session.selection.object_id:
            return False
        with messages.reporting(self.window):
            if session.selection.kind == ENTITY:
                return self._edit_entity(session, session.selection.object_id)
            return self._edit_link(session, session.selection.object_id)
        return False

    def _edit_entity(self, session: CaseSession, entity_id: str) -> bool:
        entity = session.ws.graph.get_entity(entity_id)
        dialog = EntityDialog(session.vocabulary, entity, parent=self.window)
        if not exec_dialog(dialog):
            return False
        values = dialog.values()
        label = values["label"] or values["value"]
        changes = {
            key: new
            for key, new, old in (
                ("value", values["value"], entity.value),
                ("label", label, entity.label),
                ("properties", values["properties"], entity.properties),
            )
            if new != old
        }
        if not changes:
            return False
        return perform(self.window, EditEntityCommand(session, entity, changes))

    def _edit_link(self, session: CaseSession, link_id: str) -> bool:
        link = session.ws.graph.get_link(link_id)
        dialog = LinkDialog(session, link=link, parent=self.window)
        if not exec_dialog(dialog):
            return False
        values = dialog.resolved
        current = {
            "type": link.type,
            "confidence": link.confidence.value,
            "reliability": link.reliability,
            "credibility": link.credibility,
        }
        changes = {k: values[k] for k in current if values[k] != current[k]}
        if not changes:
            return False
        return perform(self.window, EditLinkCommand(session, link, changes))

    def delete_selected(self) -> bool:
        session = self.session
        if session is None or not session.selection.object_id:
            return False
        with messages.reporting(self.window):
            object_id = session.selection.object_id
            if session.selection.kind == ENTITY:
                entity = session.ws.graph.get_entity(object_id)
                count = len(session.ws.graph.links_of(object_id))
                links = (
                    "It has no links."
                    if count == 0
                    else "Its 1 link will be deleted with it."
                    if count == 1
                    else f"Its {count} links will be deleted with it."
                )
                text = f"Delete the entity '{entity.label}'?\n\n{links}\nYou can undo this."
                if not messages.confirm(self.window, "Delete entity", text):
                    return False
                return perform(self.window, DeleteEntityCommand(session, entity))
            link = session.ws.graph.get_link(object_id)
            text = (
                f"Delete the link '{session.entity_label(link.source_id)}' → "
                f"'{session.entity_label(link.target_id)}'?\n\nYou can undo this."
            )
            if not messages.confirm(self.window, "Delete link", text):
                return False
            return perform(self.window, DeleteLinkCommand(session, link))
        return False

    def copy_value(self) -> None:
        session = self.session
        entity_id = session.selection.entity_id() if session else None
        if session is None or entity_id is None:
            return
        with messages.reporting(self.window):
            value = session.ws.graph.get_entity(entity_id).value
            QGuiApplication.clipboard().setText(value)
            self.window.statusBar().showMessage(f"Copied {value}", 3000)

    def nodes_moved(
        self, old: dict[str, tuple[float, float]], new: dict[str, tuple[float, float]]
    ) -> None:
        if self.session is not None:
            perform(self.window, MoveNodesCommand(self.session, old, new))
