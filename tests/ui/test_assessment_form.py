"""The Assessment and Decision tabs, driven like a user: answer factors, watch the suggested
tier and its trace, override with a justification, save versions, sign off with four eyes."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QRadioButton, QWidget

from ui.dialogs.assessment_history import HistoryDialog
from ui.dialogs.assessment_links import LinkPickerDialog
from ui.views.assessment import AssessmentPanel, DecisionPanel, document_for
from ui.views.case_view import ASSESSMENT, DECISION
from workbench.assess.loader import USER_DIR_ENV
from workbench.assess.model import DataCategory, DecisionOption, Recency, Tier
from workbench.model import Case
from workbench.store.workspace import Workspace

REQUIRED = {
    "ctx_minor_at_risk": "no",
    "imm_timeframe": "unspecified",
    "imm_target_identified": "no",
    "imm_location_identified": "unknown",
    "imm_means_available": "no",
    "imm_subject_locatable": "no",
}


@pytest.fixture(autouse=True)
def _no_org_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_DIR_ENV, str(tmp_path / "no-org-templates"))


@pytest.fixture
def case(ws: Workspace) -> Case:
    return ws.cases.create("Self-harm announced in a live stream", category="self_harm")


@pytest.fixture
def panel(qtbot, ws: Workspace, case: Case) -> AssessmentPanel:  # type: ignore[no-untyped-def]
    widget = AssessmentPanel(ws, case.id)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    return widget


def fill_required(panel: AssessmentPanel) -> None:
    panel.concern_source.setCurrentIndex(panel.concern_source.findData("emergency_request"))
    for factor_id, value in REQUIRED.items():
        panel.answer(factor_id, value)


def tick(qtbot, check: QCheckBox) -> None:  # type: ignore[no-untyped-def]
    """Click a check box on its indicator, as a user does (its centre may be empty space)."""
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(6, check.height() // 2))


def trace_lines(panel: AssessmentPanel) -> list[str]:
    return [panel.trace.item(row).text() for row in range(panel.trace.count())]


def test_filling_factors_updates_tier_and_trace(qtbot, panel: AssessmentPanel) -> None:  # type: ignore[no-untyped-def]
    assert panel.track_checks["self_harm"].isChecked()
    assert panel.section_boxes["self_harm"].isVisibleTo(panel)
    assert not panel.section_boxes["pathway"].isVisibleTo(panel)
    assert panel.suggested.text() == "T4 Low / not credible"
    assert trace_lines(panel) == ["T4 by default: no tier rule matched"]

    yes = panel.findChild(QRadioButton, "factor:sh_intent:value:yes")
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)
    assert panel.suggested.text() == "T3 Moderate / concern"  # yes, but recency unknown
    recency = panel.rows["sh_intent"].recency
    assert recency is not None
    recency.setCurrentIndex(recency.findData(Recency.H24.value))
    assert panel.suggested.text() == "T1 Imminent"
    assert trace_lines(panel)[0].startswith(
        "T1 because Self-harm indicators: Intent to act = yes and recency <= 24 h"
    )
    assert panel.final_tier.currentData() == "T1"  # follows the suggestion until overridden
    recency.setCurrentIndex(recency.findData(Recency.M1.value))
    assert panel.suggested.text() == "T2 High" and panel.final_tier.currentData() == "T2"
    panel.answer("ctx_minor_at_risk", "yes")
    assert panel.suggested.text() == "T1 Imminent"
    assert trace_lines(panel)[-1].startswith("raised T2 -> T1 because Persons at risk")
    assert panel.document.dirty and "unsaved changes" in panel.status.text()


def test_tracks_show_their_sections(qtbot, panel: AssessmentPanel) -> None:  # type: ignore[no-untyped-def]
    tick(qtbot, panel.findChild(QCheckBox, "track:terrorism"))
    assert panel.document.record.tracks == ("self_harm", "terrorism")
    assert panel.section_boxes["pathway"].isVisibleTo(panel)
    assert panel.section_boxes["terrorism"].isVisibleTo(panel)
    assert not panel.section_boxes["child_safety"].isVisibleTo(panel)


def test_override_requires_justification_then_saves_a_version(
    qtbot,  # type: ignore[no-untyped-def]
    panel: AssessmentPanel,
    ws: Workspace,
    case: Case,
) -> None:
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "Not saved: 7 field(s) need attention" in panel.message.text()
    assert "Context: choose the concern source" in panel.problems.text()
    fill_required(panel)
    panel.answer("sh_intent", "yes", Recency.H24)
    assert panel.problems.text() == ""  # problems are re-checked as the form changes
    panel.set_final_tier(Tier.T3)
    assert panel.justification_label.text() == "Justification *"
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "justification is required" in panel.problems.text()
    assert panel.document.repo.current(case.id) is None

    panel.justification.setFocus()
    qtbot.keyClicks(panel.justification, "Spoke to the person; safe with family.")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    saved = panel.document.repo.current(case.id)
    assert saved is not None and saved.version == 1
    assert (saved.suggested, saved.record.final_tier) == (Tier.T1, Tier.T3)
    assert saved.record.tier_justification == "Spoke to the person; safe with family."
    assert panel.message.text() == "Saved as version 1."
    assert panel.status.text().startswith("Version 1 saved")
    assert not panel.discard_button.isEnabled()
    assert panel.reassess_check.isChecked()  # the tier's default re-assessment time was set

    panel.rows["sh_intent"].notes.setText("said so in the stream")
    panel.rows["sh_intent"].changed()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    history = HistoryDialog(panel.document.repo, case.id)
    qtbot.addWidget(history)
    assert history.table.rowCount() == 2
    assert history.change_texts() == [
        "Self-harm indicators: Intent to act notes set to said so in the stream"
    ]
    history.compare(0, 1)
    assert "Final tier set to T3" in history.change_texts()


def test_unsaved_changes_come_back_as_a_draft(qtbot, ws: Workspace, case: Case) -> None:  # type: ignore[no-untyped-def]
    first = AssessmentPanel(ws, case.id)
    qtbot.addWidget(first)
    first.show()
    first.answer("sh_plan", "yes", Recency.M1)
    first.hide()  # hiding the tab (or closing the window) keeps the draft
    first.close()
    first.deleteLater()
    qtbot.wait(1)
    del first
    gc.collect()
    again = AssessmentPanel(ws, case.id)
    qtbot.addWidget(again)
    assert again.rows["sh_plan"].buttons["yes"].isChecked()
    assert "Unsaved changes from" in again.notice.text()
    assert again.suggested.text() == "T2 High"
    qtbot.mouseClick(again.discard_button, Qt.MouseButton.LeftButton)
    assert not again.rows["sh_plan"].buttons["yes"].isChecked()
    assert again.document.repo.load_draft(case.id) is None


def test_draft_is_autosaved_after_a_pause(qtbot, panel: AssessmentPanel, case: Case) -> None:  # type: ignore[no-untyped-def]
    panel.answer("sh_wish_dead", "yes")
    qtbot.waitUntil(lambda: panel.document.repo.load_draft(case.id) is not None, timeout=5000)


def test_link_picker_links_evidence_and_entities(
    qtbot,  # type: ignore[no-untyped-def]
    panel: AssessmentPanel,
    ws: Workspace,
    case: Case,
) -> None:
    item = ws.evidence.add_bytes(case.id, b"stream capture", "stream.png")
    person = ws.graph.add_entity(case.id, "person", "Ann Example")
    dialog = LinkPickerDialog(ws, case.id, title="Links", entity_ids=(), parent=panel)
    qtbot.addWidget(dialog)
    dialog.filter.setText("ann")
    assert dialog.entity_list.item(0).isHidden() is False
    dialog.set_checked(item.id)
    dialog.set_checked(person.id)
    assert dialog.evidence_ids() == (item.id,) and dialog.entity_ids() == (person.id,)


def test_decision_and_four_eyes(qtbot, ws: Workspace, case: Case) -> None:  # type: ignore[no-untyped-def]
    assessment = AssessmentPanel(ws, case.id)
    decision = DecisionPanel(ws, case.id)
    qtbot.addWidget(assessment)
    qtbot.addWidget(decision)
    assessment.show()
    decision.show()
    assert assessment.document is decision.document  # one record behind both tabs
    fill_required(assessment)
    assessment.answer("sh_intent", "yes", Recency.IN_PROGRESS)

    disclose = decision.findChild(QCheckBox, f"option:{DecisionOption.EMERGENCY_DISCLOSURE}")
    tick(qtbot, disclose)
    assert decision.scope_checks[DataCategory.BASIC_SUBSCRIBER_INFO].isChecked()  # narrowest
    assert decision.scope_checks[DataCategory.CONTENT].isEnabled()
    decision.jurisdiction.setCurrentIndex(decision.jurisdiction.findData("US"))
    citations = [decision.bases.item(r).text() for r in range(decision.bases.count())]
    assert citations[0].startswith("18 U.S.C. 2702(b)(8)")
    assert "[covers: basic subscriber info, IP / log-in records, device" in citations[1]
    decision.bases.item(1).setCheckState(Qt.CheckState.Checked)  # 2702(c)(4), non-content
    decision.user_notice.setCurrentIndex(decision.user_notice.findData("notify"))
    tick(qtbot, decision.scope_checks[DataCategory.CONTENT])
    decision.rationale.setPlainText("Stream in progress; location needed.")
    qtbot.mouseClick(decision.save_button, Qt.MouseButton.LeftButton)
    assert "does not cover content" in assessment.problems.text()
    assert decision.bases_label.styleSheet() != ""  # the field with the problem is marked
    tick(qtbot, decision.scope_checks[DataCategory.CONTENT])
    qtbot.mouseClick(decision.save_button, Qt.MouseButton.LeftButton)
    assert decision.message.text() == "Saved as version 1."
    assert "Needs a second approver who is not the assessor: final tier T1" in (
        decision.requirement.text()
    )

    assert decision.approve_button.text() == "Approve as tester"
    qtbot.mouseClick(decision.approve_button, Qt.MouseButton.LeftButton)
    assert "tester is the assessor of this case" in decision.message.text()
    assert decision.approvals.count() == 0

    reviewer_ws = Workspace.open(ws.root, actor="reviewer")
    try:
        reviewer_panel = DecisionPanel(reviewer_ws, case.id)
        qtbot.addWidget(reviewer_panel)
        reviewer_panel.show()
        assert reviewer_panel.document is not decision.document
        reviewer_panel.approval_comment.setText("Call-back verified")
        qtbot.mouseClick(reviewer_panel.approve_button, Qt.MouseButton.LeftButton)
        assert reviewer_panel.message.text().startswith("Approved by reviewer")
        assert reviewer_panel.approvals.item(0).text().endswith(": Call-back verified")
        qtbot.mouseClick(reviewer_panel.approve_button, Qt.MouseButton.LeftButton)
        assert "reviewer already approved this decision" in reviewer_panel.message.text()
        assert reviewer_panel.approvals.count() == 1
    finally:
        reviewer_panel.close()
        reviewer_ws.close()
    decision.refresh_signoff()
    assert decision.requirement.text().startswith("Approved by reviewer")


def test_preserve_sets_dates_and_extension(qtbot, ws: Workspace, case: Case) -> None:  # type: ignore[no-untyped-def]
    assessment = AssessmentPanel(ws, case.id)
    decision = DecisionPanel(ws, case.id)
    qtbot.addWidget(assessment)
    qtbot.addWidget(decision)
    assessment.show()
    decision.show()
    fill_required(assessment)
    preserve = decision.option_checks[DecisionOption.PRESERVE_DATA]
    tick(qtbot, preserve)
    assert decision.preserve_check.isChecked()  # starts now
    assert decision.preserve_expiry.text().startswith("Expires ")
    assert not decision.extend_button.isEnabled()  # save first
    decision.rationale.setPlainText("Keep logs while the requester is verified.")
    assert decision.document.save()
    assert decision.extend_button.isEnabled()
    qtbot.mouseClick(decision.extend_button, Qt.MouseButton.LeftButton)
    saved = decision.document.saved_version
    assert saved is not None and saved.record.decision.preservation_extensions == 1
    assert "(extended 1×)" in decision.preserve_expiry.text()
    assert not decision.extend_button.isEnabled()  # the policy allows one extension


def test_document_is_shared_per_workspace_and_case(ws: Workspace, case: Case) -> None:
    other = ws.cases.create("Other case", category="terrorism")
    assert document_for(ws, case.id) is document_for(ws, case.id)
    assert document_for(ws, other.id).record.tracks == ("terrorism",)


@pytest.fixture(autouse=True)
def _collect_documents() -> Iterator[None]:
    yield
    gc.collect()


def test_organisation_template_can_be_chosen_before_the_first_save(
    qtbot,  # type: ignore[no-untyped-def]
    ws: Workspace,
    case: Case,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "no-org-templates"
    folder.mkdir()
    (folder / "org.toml").write_text(
        'include = ["parts/common.toml", "parts/self_harm.toml"]\n\n'
        '[template]\nid = "org-sh"\nname = "Our self-harm form"\nversion = "3"\n\n'
        '[sections.org]\nlabel = "Our own questions"\n\n'
        '[factors.org_called]\nlabel = "Call-back made"\ntype = "yes_no"\nsection = "org"\n',
        encoding="utf-8",
    )
    (folder / "broken.toml").write_text('[template]\nid = "x"\n', encoding="utf-8")
    panel = AssessmentPanel(ws, case.id)
    qtbot.addWidget(panel)
    panel.show()
    assert "Skipped a broken organisation template" in panel.notice.text()
    assert "broken.toml:" in panel.notice.text()
    assert panel.template_combo.isVisibleTo(panel) and panel.template_combo.count() == 2
    panel.answer("sh_intent", "yes", Recency.H24)
    panel.template_combo.setCurrentIndex(panel.template_combo.findData("org-sh"))
    panel.template_combo.activated.emit(panel.template_combo.currentIndex())
    assert "org_called" in panel.rows and "pw_stage" not in panel.rows
    assert panel.rows["sh_intent"].buttons["yes"].isChecked()  # shared factors keep answers
    assert panel.suggested.text() == "T1 Imminent"
    fill_required(panel)
    panel.answer("org_called", "yes")
    assert panel.document.save()
    saved = panel.document.saved_version
    assert saved is not None
    assert (saved.record.template_id, saved.record.template_version) == ("org-sh", "3")
    assert not panel.template_combo.isEnabled()


def _scrolls_sideways(panel: AssessmentPanel | DecisionPanel) -> bool:
    scroll = panel.form_scroll
    form = scroll.widget()
    assert form is not None
    return (
        scroll.horizontalScrollBar().isVisible()
        or form.minimumSizeHint().width() > scroll.viewport().width()
    )


def _right_edge_in(widget: QWidget, viewport: QWidget) -> int:
    return widget.mapTo(viewport, QPoint(widget.width(), 0)).x()


def test_forms_fit_a_laptop_window_with_both_docks_open(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """1366x768 with the Cases and Inspector docks open: no sideways scrolling, nothing cut."""
    window.open_sample_case()
    assert (window.width(), window.height()) == (1366, 768)
    assert window.cases_dock.isVisible() and window.inspector_dock.isVisible()
    assessment = window.show_case_tab(ASSESSMENT)
    assert isinstance(assessment, AssessmentPanel)
    for check in assessment.track_checks.values():  # every section on show
        if not check.isChecked():
            tick(qtbot, check)
    assessment.answer("sh_intent", "yes", Recency.H24)
    assessment.answer("ctx_minor_at_risk", "yes")
    qtbot.wait(50)
    assert assessment.suggested.text() == "T1 Imminent"
    assert not _scrolls_sideways(assessment)
    viewport = assessment.form_scroll.viewport()
    for check in assessment.track_checks.values():
        assert _right_edge_in(check, viewport) <= viewport.width()
    for row in assessment.rows.values():
        if row.links.isVisibleTo(assessment):
            assert _right_edge_in(row.links, viewport) <= viewport.width()
    trace = assessment.trace
    assert trace.horizontalScrollBar().maximum() == 0  # the trace wraps

    decision = window.show_case_tab(DECISION)
    assert isinstance(decision, DecisionPanel)
    qtbot.wait(50)
    assert not _scrolls_sideways(decision)
    viewport = decision.form_scroll.viewport()
    for check in (*decision.option_checks.values(), *decision.scope_checks.values()):
        assert _right_edge_in(check, viewport) <= viewport.width()
    assert "A T1/T2 decision or disclosing content needs a second approver" in (
        decision.tier_summary.text()
    )
    assessment.document.discard()
