"""The window's Evidence commands (menu and toolbar): Capture URL…, Add evidence…, Verify
evidence; plus the wellness counter in the status bar and the inspector's evidence links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from ui import wellness
from ui.views.case_view import EVIDENCE
from ui.views.evidence.tab import EvidenceTab

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class EvidenceCommands:
    def __init__(self, window: MainWindow):
        self.window = window
        self.exposure = wellness.ExposureLabel(wellness.session_counter())
        window.statusBar().addPermanentWidget(self.exposure)
        wellness.session_counter().breakDue.connect(self._break_due)
        requested = getattr(window.inspector, "evidenceRequested", None)
        if requested is not None:
            requested.connect(self.show_evidence)

    def _tab(self) -> EvidenceTab | None:
        if self.window.case_view is None:
            QMessageBox.information(
                self.window, "Open a case first",
                "Evidence belongs to a case: open one from the queue (or the sample case) first.",
            )  # fmt: skip
            return None
        tab = self.window.show_case_tab(EVIDENCE)
        return tab if isinstance(tab, EvidenceTab) else None

    def capture_url(self) -> None:
        if (tab := self._tab()) is not None:
            tab.focus_address()

    def capture_selected_entity(self) -> None:
        """Capture the page of the selected `url` entity and link it to the entity."""
        session = self.window.session
        entity_id = session.selection.entity_id() if session is not None else None
        if session is None or entity_id is None:
            return
        entity = session.ws.graph.get_entity(entity_id)
        if entity.type != "url":
            return
        if (tab := self._tab()) is not None:
            tab.capture_for_entity(entity.id, entity.value)

    def add_evidence(self) -> None:
        if (tab := self._tab()) is not None:
            tab.add_files_dialog()

    def verify_evidence(self) -> None:
        if (tab := self._tab()) is not None:
            tab.verify_all()

    def show_evidence(self, evidence_id: str) -> None:
        if (tab := self._tab()) is not None:
            tab.activate()
            tab.select_evidence(evidence_id)

    def _break_due(self, minutes: int) -> None:
        self.window.statusBar().showMessage(
            f"You have looked at revealed sensitive media for {minutes} minutes: time for a "
            "short break. (Click the exposure counter to reset it.)",
            30000,
        )
