"""The case's Assessment and Decision tabs: a form generated from the assessment template.

Both panels edit one shared `AssessmentDocument` per (workspace, case), so the two tabs never
overwrite each other (`document.py`). The Assessment tab (`assessment_panel.py`) shows the
tracks, context and factor rows (`factor_row.py`) beside the suggested tier, its trace and the
final tier (`tier_panel.py`); the Decision tab (`decision_panel.py`) the decision, disclosure,
preservation and sign-off. Both forms fit the width they get and scroll only vertically.
"""

from __future__ import annotations

from ui.views.assessment.assessment_panel import AssessmentPanel
from ui.views.assessment.decision_panel import DecisionPanel
from ui.views.assessment.document import AssessmentDocument, document_for
from workbench.store.workspace import Workspace

__all__ = [
    "AssessmentDocument",
    "AssessmentPanel",
    "DecisionPanel",
    "document_for",
    "make_panels",
]


def make_panels(ws: Workspace, case_id: str) -> tuple[AssessmentPanel, DecisionPanel]:
    """Both tabs of a case, sharing one document."""
    return AssessmentPanel(ws, case_id), DecisionPanel(ws, case_id)
