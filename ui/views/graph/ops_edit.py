"""Edit menu of the graph: delete the selection (bulk, undoable), merge duplicates, unmerge,
duplicate suggestions. Merges call the core (`workbench.graph.merge`), which keeps all
provenance and audits both directions; here they become undoable commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog, QMessageBox

from ui.commands import BulkDeleteCommand, CaseCommand, perform
from ui.dialogs import messages
from ui.views.graph.jobs import Job

if TYPE_CHECKING:
    from ui.views.graph.tab import GraphTab


class MergeCommand(CaseCommand):
    """Merge `duplicates` into `keep`; undo is the core's unmerge (exact prior state)."""

    def __init__(self, tab: GraphTab, keep: str, duplicates: list[str], reason: str):
        label = tab.model.labels[tab.model.index[keep]]
        count = len(duplicates)
        super().__init__(tab.session, f"Merge {count} into '{label}'")
        self.tab, self.keep, self.duplicates, self.reason = tab, keep, duplicates, reason
        self.merge_id: str | None = None

    def apply(self) -> None:
        from workbench.graph.merge import MergeRepository

        s = self.session
        record = MergeRepository(s.ws).merge(
            s.case_id, self.keep, self.duplicates, reason=self.reason
        )
        self.merge_id = record.id
        for entity_id in self.duplicates:
            if s.selection.entity_id() == entity_id:
                s.selection.clear()
            s.entityRemoved.emit(entity_id)
        self.tab.reload()
        s.graphReloaded.emit()
        s.changed.emit()

    def revert(self) -> None:
        from workbench.graph.merge import MergeRepository

        s = self.session
        assert self.merge_id is not None
        MergeRepository(s.ws).unmerge(self.merge_id)
        for entity_id in self.duplicates:
            s.entityAdded.emit(s.ws.graph.get_entity(entity_id))
        self.tab.reload()
        s.graphReloaded.emit()
        s.changed.emit()


class EditOps:
    def __init__(self, tab: GraphTab):
        self.tab = tab

    def delete_selected(self) -> Job | None:
        tab = self.tab
        ids = tab.selected_entity_ids()
        if not ids:
            tab.status.setText("Select the entities to delete first.")
            return None
        text = (
            f"Delete {len(ids):,} entities and every link touching them?\n\nYou can undo this."
            if len(ids) > 1
            else f"Delete '{tab.model.labels[tab.model.index[ids[0]]]}' and its links?\n\n"
            "You can undo this."
        )
        if not messages.confirm(tab, "Delete entities", text):
            return None
        return self.delete(ids)

    def delete(self, ids: list[str]) -> Job | None:
        """Delete without asking (tests, scripts): a worker job, then one undo step."""
        from workbench.store.graph_bulk import delete_entities

        tab = self.tab
        session = tab.session

        def done(batch: Any) -> None:
            session.entities_deleted(batch)
            command = BulkDeleteCommand(
                session, batch
            )  # already applied: the first redo is skipped
            session.undo_stack.push(command)
            tab.status.setText(f"Deleted {len(ids):,} entities (Edit ▸ Undo restores them).")

        return tab.run_job(
            f"Deleting {len(ids):,} entities",
            lambda job: delete_entities(session.ws, session.case_id, ids, job.report),
            done,
            lambda error: messages.show_error(tab, error),
        )

    # ---- merges ----------------------------------------------------------------------------------
    def merge_selected(self) -> bool:
        from ui.views.graph.merge_dialogs import MergeDialog

        tab = self.tab
        ids = tab.selected_entity_ids()
        if len(ids) < 2:
            tab.status.setText("Select two or more entities that are the same thing to merge them.")
            return False
        dialog = MergeDialog(tab, ids)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        keep = dialog.kept()
        return self.merge(keep, [i for i in ids if i != keep], dialog.reason())

    def merge(self, keep: str, duplicates: list[str], reason: str = "") -> bool:
        return perform(self.tab, MergeCommand(self.tab, keep, duplicates, reason))

    def unmerge(self) -> bool:
        from ui.views.graph.merge_dialogs import UnmergeDialog

        tab = self.tab
        with messages.reporting(tab, "Cannot list the merges of this case"):
            dialog = UnmergeDialog(tab)
            if dialog.empty:
                QMessageBox.information(tab, "Unmerge", "No merges in this case can be undone.")
                return False
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            return self.unmerge_record(dialog.chosen())
        return False

    def unmerge_record(self, merge_id: str) -> bool:
        return perform(self.tab, UnmergeCommand(self.tab, merge_id))

    def suggestions(self) -> None:
        from ui.views.graph.merge_dialogs import SuggestionsDialog

        tab = self.tab
        with messages.reporting(tab, "Cannot suggest duplicates"):
            dialog = SuggestionsDialog(tab)
            if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen_group():
                group = dialog.chosen_group()
                tab.select_rows(tab.model.rows_of(group))
                self.merge_selected()


class UnmergeCommand(CaseCommand):
    def __init__(self, tab: GraphTab, merge_id: str):
        super().__init__(tab.session, "Unmerge")
        self.tab, self.merge_id = tab, merge_id
        self.restored: list[str] = []
        self.keep: str = ""

    def apply(self) -> None:
        from workbench.graph.merge import MergeRepository

        s = self.session
        repo = MergeRepository(s.ws)
        record = repo.get(self.merge_id)
        repo.unmerge(self.merge_id)
        self.restored = list(record.duplicate_ids)
        self.keep = record.keep_id
        for entity_id in self.restored:
            s.entityAdded.emit(s.ws.graph.get_entity(entity_id))
        self.tab.reload()
        s.graphReloaded.emit()
        s.changed.emit()

    def revert(self) -> None:
        from workbench.graph.merge import MergeRepository

        s = self.session
        record = MergeRepository(s.ws).merge(s.case_id, self.keep, self.restored, reason="redo")
        self.merge_id = record.id
        for entity_id in self.restored:
            s.entityRemoved.emit(entity_id)
        self.tab.reload()
        s.graphReloaded.emit()
        s.changed.emit()
