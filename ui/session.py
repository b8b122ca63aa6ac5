"""An open case in the window: the core calls every view shares, their change signals, the
undo stack and the one selection model.

Views never talk to each other: they call the session (through undo commands) and listen to
its signals, so the table, the graph, the inspector and the status bar stay in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from workbench.model import Case, Entity, Link
from workbench.store.graph import DeletedEntity
from workbench.store.workspace import Workspace

ENTITY = "entity"
LINK = "link"


class SelectionModel(QObject):
    """The one selection of a case: an entity, a link or nothing. Emits only on change, so
    views that echo a selection back cannot loop."""

    changed = Signal(str, str)  # kind ("entity", "link" or ""), id

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.kind = ""
        self.object_id = ""

    def select(self, kind: str, object_id: str) -> None:
        if (kind, object_id) == (self.kind, self.object_id):
            return
        self.kind, self.object_id = kind, object_id
        self.changed.emit(kind, object_id)

    def clear(self) -> None:
        self.select("", "")

    def entity_id(self) -> str | None:
        return self.object_id if self.kind == ENTITY else None

    def link_id(self) -> str | None:
        return self.object_id if self.kind == LINK else None


class CaseSession(QObject):
    entityAdded = Signal(object)  # Entity
    entityUpdated = Signal(object)  # Entity
    entityRemoved = Signal(str)
    linkAdded = Signal(object)  # Link
    linkUpdated = Signal(object)  # Link
    linkRemoved = Signal(str)
    positionsChanged = Signal(object)  # dict[id, (x, y)]
    entitiesRemoved = Signal(object)  # list of entity ids (a bulk delete)
    entitiesRestored = Signal(object)  # the DeletedBatch a bulk delete returned (its undo)
    graphReloaded = Signal()  # many rows changed at once (bulk edit, merge): re-read
    caseUpdated = Signal(object)  # Case
    changed = Signal()  # anything in the case changed (counts, log)
    errorOccurred = Signal(object)  # an exception during undo/redo

    def __init__(self, ws: Workspace, case: Case, parent: QObject | None = None):
        super().__init__(parent)
        self.ws = ws
        self.case = case
        self.vocabulary = ws.graph.vocabulary
        self.undo_stack = QUndoStack(self)
        self.selection = SelectionModel(self)
        self._labels: dict[str, str] = {}
        self._provenance: dict[str, str] = {}

    @property
    def case_id(self) -> str:
        return self.case.id

    # ---- cached look-ups for table cells --------------------------------------------------
    def remember(self, entities: list[Entity]) -> None:
        for entity in entities:
            self._labels[entity.id] = entity.label

    def entity_label(self, entity_id: str) -> str:
        label = self._labels.get(entity_id)
        if label is None:
            try:
                label = self.ws.graph.get_entity(entity_id).label
            except Exception:  # a dangling id shows as itself rather than breaking a paint
                label = entity_id
            self._labels[entity_id] = label
        return label

    def provenance_kind(self, object_id: str, kind: str = ENTITY) -> str:
        """The provenance kinds of an entity or link, e.g. 'manual' (cached per paint)."""
        cached = self._provenance.get(object_id)
        if cached is None:
            try:
                record: Entity | Link = (
                    self.ws.graph.get_entity(object_id)
                    if kind == ENTITY
                    else self.ws.graph.get_link(object_id)
                )
                kinds = dict.fromkeys(p.kind.value for p in record.provenance)
                cached = ", ".join(kinds)
            except Exception:
                cached = ""
            self._provenance[object_id] = cached
        return cached

    def forget_provenance(self, object_ids: Iterable[str]) -> None:
        """Drop the cached provenance text of these entities or links: they gained a
        provenance record elsewhere (a source run found them again), so the next paint reads
        it afresh."""
        for object_id in object_ids:
            self._provenance.pop(object_id, None)

    # ---- core operations, each followed by its change signal ------------------------------
    def add_entity(
        self, type_name: str, value: str, label: str | None, properties: dict[str, Any]
    ) -> Entity:
        entity = self.ws.graph.add_entity(
            self.case_id, type_name, value, label=label, properties=properties
        )
        self._entity_added(entity)
        return entity

    def update_entity(self, entity_id: str, **changes: Any) -> Entity:
        entity = self.ws.graph.update_entity(entity_id, **changes)
        self._labels[entity.id] = entity.label
        self.entityUpdated.emit(entity)
        self.changed.emit()
        return entity

    def delete_entity(self, entity_id: str) -> DeletedEntity:
        deleted = self.ws.graph.delete_entity(entity_id)
        for link in deleted.links:
            self._link_removed(link.id)
        if self.selection.entity_id() == entity_id:
            self.selection.clear()
        self._provenance.pop(entity_id, None)
        self.entityRemoved.emit(entity_id)
        self.changed.emit()
        return deleted

    def restore_entity(self, deleted: DeletedEntity) -> Entity:
        entity = self.ws.graph.restore_entity(deleted)
        self._entity_added(entity)
        for link in deleted.links:
            self.linkAdded.emit(link)
        self.changed.emit()
        return entity

    def add_link(self, source_id: str, target_id: str, type_name: str, **grading: Any) -> Link:
        link = self.ws.graph.add_link(self.case_id, source_id, target_id, type_name, **grading)
        self.linkAdded.emit(link)
        self.changed.emit()
        return link

    def update_link(self, link_id: str, **changes: Any) -> Link:
        link = self.ws.graph.update_link(link_id, **changes)
        self.linkUpdated.emit(link)
        self.changed.emit()
        return link

    def delete_link(self, link_id: str) -> Link:
        link = self.ws.graph.delete_link(link_id)
        self._link_removed(link_id)
        self.changed.emit()
        return link

    def restore_link(self, link: Link) -> Link:
        restored = self.ws.graph.restore_link(link)
        self.linkAdded.emit(restored)
        self.changed.emit()
        return restored

    def set_positions(self, positions: dict[str, tuple[float, float]]) -> None:
        self.ws.graph.set_positions(self.case_id, positions)
        self.positionsChanged.emit(positions)
        self.changed.emit()

    def entities_deleted(self, batch: Any) -> None:
        """After a bulk delete (`workbench.store.graph_bulk`): one signal for all the rows."""
        ids = set(batch.entity_ids)
        if self.selection.entity_id() in ids:
            self.selection.clear()
        for entity_id in ids:
            self._provenance.pop(entity_id, None)
        self.entitiesRemoved.emit(batch.entity_ids)
        self.graphReloaded.emit()
        self.changed.emit()

    def entities_restored(self, batch: Any) -> None:
        self.entitiesRestored.emit(batch)
        self.graphReloaded.emit()
        self.changed.emit()

    def update_case(self, **changes: Any) -> Case:
        self.case = self.ws.cases.update(self.case_id, **changes)
        self.caseUpdated.emit(self.case)
        self.changed.emit()
        return self.case

    def _entity_added(self, entity: Entity) -> None:
        self._labels[entity.id] = entity.label
        self.entityAdded.emit(entity)
        self.changed.emit()

    def _link_removed(self, link_id: str) -> None:
        if self.selection.link_id() == link_id:
            self.selection.clear()
        self._provenance.pop(link_id, None)
        self.linkRemoved.emit(link_id)
