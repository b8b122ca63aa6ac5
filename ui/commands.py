"""Undoable edits: each QUndoCommand calls core operations through the case session.

The first run happens before the command is pushed, so a core error (a duplicate value, a
bad grading) is shown and nothing lands on the stack. Undo and redo restore exact records
(same ids, provenance and links) through the core's restore functions.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QWidget

from ui.dialogs.messages import show_error
from ui.session import CaseSession
from workbench.model import Entity, Link
from workbench.store.graph import DeletedEntity


class CaseCommand(QUndoCommand):
    """Base: `apply()` / `revert()` call the core; errors in a later undo/redo are reported
    and the history is cleared, because the stack no longer matches the data."""

    def __init__(self, session: CaseSession, text: str):
        super().__init__(text)
        self.session = session
        self._first = True

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._guarded(self.apply)

    def undo(self) -> None:
        self._guarded(self.revert)

    def _guarded(self, step: Any) -> None:
        try:
            step()
        except Exception as exc:  # reported once, history reset; never a crash
            self.session.errorOccurred.emit(exc)
            QTimer.singleShot(0, self.session.undo_stack.clear)


def perform(parent: QWidget | None, command: CaseCommand) -> bool:
    """Run a command for the first time and push it; False (and a message) if the core says no."""
    try:
        command.apply()
    except Exception as exc:
        show_error(parent, exc)
        return False
    command.session.undo_stack.push(command)
    return True


class AddEntityCommand(CaseCommand):
    def __init__(
        self,
        session: CaseSession,
        type_name: str,
        value: str,
        label: str | None,
        properties: dict[str, Any],
    ):
        type_label = session.vocabulary.entity_type(type_name).label.lower()
        super().__init__(session, f"Add {type_label} '{label or value}'")
        self.args = (type_name, value, label, properties)
        self.entity: Entity | None = None
        self.deleted: DeletedEntity | None = None

    def apply(self) -> None:
        if self.deleted is not None:
            self.entity = self.session.restore_entity(self.deleted)
        else:
            self.entity = self.session.add_entity(*self.args)

    def revert(self) -> None:
        assert self.entity is not None
        self.deleted = self.session.delete_entity(self.entity.id)


class EditEntityCommand(CaseCommand):
    def __init__(self, session: CaseSession, before: Entity, changes: dict[str, Any]):
        super().__init__(session, f"Edit '{before.label}'")
        self.entity_id = before.id
        self.new = dict(changes)
        self.old = {
            "value": before.value,
            "label": before.label,
            "properties": dict(before.properties),
        }
        self.old = {key: self.old[key] for key in changes}

    def apply(self) -> None:
        self.session.update_entity(self.entity_id, **self.new)

    def revert(self) -> None:
        self.session.update_entity(self.entity_id, **self.old)


class DeleteEntityCommand(CaseCommand):
    def __init__(self, session: CaseSession, entity: Entity):
        super().__init__(session, f"Delete '{entity.label}'")
        self.entity_id = entity.id
        self.deleted: DeletedEntity | None = None

    def apply(self) -> None:
        self.deleted = self.session.delete_entity(self.entity_id)

    def revert(self) -> None:
        assert self.deleted is not None
        self.session.restore_entity(self.deleted)


class AddLinkCommand(CaseCommand):
    def __init__(
        self,
        session: CaseSession,
        source_id: str,
        target_id: str,
        type_name: str,
        grading: dict[str, Any],
    ):
        type_label = session.vocabulary.link_type(type_name).label
        super().__init__(session, f"Add link '{type_label}'")
        self.args = (source_id, target_id, type_name)
        self.grading = dict(grading)
        self.link: Link | None = None

    def apply(self) -> None:
        if self.link is not None:
            self.link = self.session.restore_link(self.link)
        else:
            self.link = self.session.add_link(*self.args, **self.grading)

    def revert(self) -> None:
        assert self.link is not None
        self.link = self.session.delete_link(self.link.id)


class EditLinkCommand(CaseCommand):
    def __init__(self, session: CaseSession, before: Link, changes: dict[str, Any]):
        super().__init__(session, "Edit link")
        self.link_id = before.id
        self.new = dict(changes)
        current = {
            "type": before.type,
            "confidence": before.confidence.value,
            "reliability": before.reliability,
            "credibility": before.credibility,
            "properties": dict(before.properties),
        }
        self.old = {key: current[key] for key in changes}

    def apply(self) -> None:
        self.session.update_link(self.link_id, **self.new)

    def revert(self) -> None:
        self.session.update_link(self.link_id, **self.old)


class DeleteLinkCommand(CaseCommand):
    def __init__(self, session: CaseSession, link: Link):
        super().__init__(session, "Delete link")
        self.link = link

    def apply(self) -> None:
        self.link = self.session.delete_link(self.link.id)

    def revert(self) -> None:
        self.link = self.session.restore_link(self.link)


class MoveNodesCommand(CaseCommand):
    """Dragging nodes saves their positions; undo puts them back where they were."""

    def __init__(
        self,
        session: CaseSession,
        old: dict[str, tuple[float, float]],
        new: dict[str, tuple[float, float]],
    ):
        count = len(new)
        super().__init__(session, "Move node" if count == 1 else f"Move {count} nodes")
        self.old, self.new = dict(old), dict(new)

    def apply(self) -> None:
        self.session.set_positions(self.new)

    def revert(self) -> None:
        self.session.set_positions(self.old)


class UpdateCaseCommand(CaseCommand):
    def __init__(self, session: CaseSession, field: str, old: Any, new: Any, label: str):
        super().__init__(session, f"Change {label}")
        self.field, self.old, self.new = field, old, new

    def apply(self) -> None:
        self.session.update_case(**{self.field: self.new})

    def revert(self) -> None:
        self.session.update_case(**{self.field: self.old})


# ---- graph canvas: layouts and bulk edits (saved off the GUI thread, in order) -------------
_SERIAL: QThreadPool | None = None


def serial_pool() -> QThreadPool:
    """One worker thread: big saves run in the order they were asked for (an undo right
    after a layout never overtakes the layout's own save)."""
    global _SERIAL
    if _SERIAL is None:
        _SERIAL = QThreadPool()
        _SERIAL.setMaxThreadCount(1)
    return _SERIAL


class _Save(QRunnable):
    def __init__(self, session: CaseSession, fn: Any, then: Any = None):
        super().__init__()
        self.session, self.fn, self.then = session, fn, then
        self.bridge = _SaveBridge()
        self.bridge.done.connect(self._deliver)

    def _deliver(self, result: Any) -> None:
        if self.then is not None:
            self.then(result)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # reported on the GUI thread; the history no longer holds
            self.session.errorOccurred.emit(exc)
            QTimer.singleShot(0, self.session.undo_stack.clear)
        else:
            self.bridge.done.emit(result)


class _SaveBridge(QObject):
    done = Signal(object)


_RUNNING: set[_Save] = set()


def save_later(session: CaseSession, fn: Any, then: Any = None) -> None:
    task = _Save(session, fn, then)
    task.setAutoDelete(False)
    _RUNNING.add(task)
    task.bridge.done.connect(lambda _r: _RUNNING.discard(task))
    serial_pool().start(task)


class LayoutCommand(CaseCommand):
    """A layout's new positions: drawn at once, saved with the case on a worker thread
    (100k rows take seconds); undo puts every node back and saves that."""

    def __init__(
        self,
        session: CaseSession,
        name: str,
        old: dict[str, tuple[float, float]],
        new: dict[str, tuple[float, float]],
    ):
        super().__init__(session, name)
        self.old, self.new = dict(old), dict(new)

    def _show_and_save(self, positions: dict[str, tuple[float, float]]) -> None:
        if not positions:
            return
        session = self.session
        session.positionsChanged.emit(positions)
        ws, case_id = session.ws, session.case_id
        save_later(session, lambda: ws.graph.set_positions(case_id, positions))

    def apply(self) -> None:
        self._show_and_save(self.new)

    def revert(self) -> None:
        self._show_and_save(self.old)


class BulkDeleteCommand(CaseCommand):
    """Delete many entities (100k after a select-all) in one transaction; undo restores the
    exact rows in one transaction. Both run on the save thread; the canvas and tables update
    when the core has finished."""

    def __init__(self, session: CaseSession, batch: Any):
        count = len(batch.entity_rows)
        super().__init__(session, "Delete entity" if count == 1 else f"Delete {count:,} entities")
        self.batch = batch
        self.entity_ids = batch.entity_ids

    def apply(self) -> None:
        from workbench.store.graph_bulk import delete_entities

        session, ids = self.session, self.entity_ids

        def done(batch: Any) -> None:
            self.batch = batch
            session.entities_deleted(batch)

        save_later(session, lambda: delete_entities(session.ws, session.case_id, ids), done)

    def revert(self) -> None:
        from workbench.store.graph_bulk import restore_entities

        session, batch = self.session, self.batch
        save_later(
            session,
            lambda: restore_entities(session.ws, batch),
            lambda _r: session.entities_restored(batch),
        )
