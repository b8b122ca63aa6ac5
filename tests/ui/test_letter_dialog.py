"""The Response letter dialog: a live preview built off the GUI thread for the chosen kind and
language, refusals from the core shown in the dialog with Save disabled, audited saving in
HTML and PDF, and the Report menu action."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from core.test_report_case import REVIEWER, SECRET_APPROVAL, SECRET_RATIONALE, decided_case
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from ui.main_window import MainWindow
from ui.report.letter_dialog import KIND_TEXT, LetterDialog
from workbench.audit import iter_events
from workbench.intake.model import Channel, Escalation
from workbench.intake.repository import EscalationRepository
from workbench.model import Case
from workbench.report import set_pdf_renderer
from workbench.report.letters import KINDS
from workbench.store.workspace import Workspace
from workbench.timeutil import utcnow


def _choose(combo, value: str) -> None:  # type: ignore[no-untyped-def]
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


def _open(qtbot, ws: Workspace, case: Case) -> LetterDialog:  # type: ignore[no-untyped-def]
    dialog = LetterDialog(ws, case.id, case.reference)
    qtbot.addWidget(dialog)
    dialog.show()
    _settle(qtbot, dialog)
    return dialog


def _settle(qtbot, dialog: LetterDialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30000)


def _letter_events(ws: Workspace, case_id: str) -> list[dict[str, object]]:
    with ws.read() as conn:
        return [e.summary for e in iter_events(conn, case_id) if e.action == "letter.generate"]


def test_every_kind_has_a_name() -> None:
    assert set(KIND_TEXT) == set(KINDS)


def test_preview_shows_the_letter_of_the_sample_case(
    qtbot,  # type: ignore[no-untyped-def]
    ws: Workspace,
    tmp_path: Path,
) -> None:
    case = decided_case(ws, tmp_path)  # the sample case with its escalation and decision
    dialog = LetterDialog(ws, case.id, case.reference)
    qtbot.addWidget(dialog)
    assert dialog.building and not dialog.save_button.isEnabled()  # built in the background
    _settle(qtbot, dialog)
    assert dialog.letter is not None and dialog.letter["kind"] == "disclosure"
    shown = dialog.browser.toPlainText()
    for text in (
        f"Emergency disclosure — {case.reference}",
        "Harbour Police",
        "basic subscriber information",
        "18 U.S.C. 2702(c)(4)",
    ):
        assert text in shown
    for secret in (SECRET_RATIONALE, SECRET_APPROVAL, REVIEWER):
        assert secret not in shown
    assert dialog.save_button.isEnabled() and dialog.refusal_label.isHidden()
    assert "m.okafor@harbour-police.example" in dialog.recipient.text()
    assert dialog.letter["manifest_sha256"][:32] in dialog.manifest.text()
    _choose(dialog.kind, "more-info")
    assert not dialog.save_button.isEnabled()  # the old letter is no longer the one chosen
    _settle(qtbot, dialog)
    assert f"More information needed — {case.reference}" in dialog.browser.toPlainText()
    assert dialog.save_button.isEnabled()
    _choose(dialog.kind, "decline")  # the decision is a disclosure: a decline contradicts it
    _settle(qtbot, dialog)
    assert "would contradict it" in dialog.refusal_label.text()
    assert not dialog.save_button.isEnabled()


def test_language_switch_to_japanese(qtbot, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = decided_case(ws, tmp_path)
    dialog = _open(qtbot, ws, case)
    assert "緊急開示" not in dialog.browser.toPlainText()
    _choose(dialog.lang, "ja")
    _settle(qtbot, dialog)
    shown = dialog.browser.toPlainText()
    assert f"緊急開示のお知らせ — {case.reference}" in shown
    assert "基本契約者情報" in shown and "当社参照番号" in shown
    assert f"{utcnow().year}年" in shown
    assert "Our reference" not in shown
    assert dialog.suggested_name() == f"{case.reference}-disclosure-ja.pdf"


def test_only_the_last_choice_is_previewed(qtbot, ws: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = decided_case(ws, tmp_path)
    dialog = LetterDialog(ws, case.id, case.reference)
    qtbot.addWidget(dialog)
    for kind in ("decline", "preservation", "more-info"):
        _choose(dialog.kind, kind)
    _choose(dialog.lang, "es")
    _settle(qtbot, dialog)
    assert dialog.letter is not None
    assert (dialog.letter["kind"], dialog.letter["lang"]) == ("more-info", "es")
    assert "Se necesita más información" in dialog.browser.toPlainText()


def test_disclosure_before_the_second_approval_is_refused(
    qtbot,  # type: ignore[no-untyped-def]
    ws: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []

    def cancel(_parent, _title, suggested, _filter):  # type: ignore[no-untyped-def]
        asked.append(suggested)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(cancel))
    case = decided_case(ws, tmp_path, approved=False)
    dialog = _open(qtbot, ws, case)
    assert dialog.letter is None
    assert not dialog.refusal_label.isHidden()
    assert "second approver" in dialog.refusal_label.text()
    assert "four-eyes approval" in dialog.refusal_label.text()
    assert not dialog.save_button.isEnabled()
    assert "Harbour Police" not in dialog.browser.toPlainText()
    dialog.save()  # Save refuses too, even when called directly: no file name asked
    assert asked == [] and dialog.saved_path is None and not dialog.busy
    _choose(dialog.kind, "more-info")  # asking for more needs no approval
    _settle(qtbot, dialog)
    assert dialog.refusal_label.isHidden() and dialog.save_button.isEnabled()
    assert "Harbour Police" in dialog.browser.toPlainText()


def test_sample_case_without_requester_refuses_every_letter(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Request not yet filled in")  # no escalation recorded yet
    dialog = _open(qtbot, ws, case)
    for kind in KINDS:
        _choose(dialog.kind, kind)
        _settle(qtbot, dialog)
        assert "no requester on record" in dialog.refusal_label.text(), kind
        assert not dialog.save_button.isEnabled()
        assert "Escalation tab" in dialog.refusal_label.text()


def test_preservation_letter_without_a_recorded_preservation_is_refused(
    qtbot,  # type: ignore[no-untyped-def]
    ws: Workspace,
) -> None:
    case = ws.cases.create("Request without a decision")
    EscalationRepository(ws).save(
        case.id,
        Escalation(
            channel=Channel.EMAIL,
            received_at=utcnow() - timedelta(minutes=5),
            requester_name="Maria Okafor",
            agency="Harbour Police",
        ),
        strict=False,
    )
    dialog = _open(qtbot, ws, case)
    _choose(dialog.kind, "preservation")
    _settle(qtbot, dialog)
    assert "records no data preservation" in dialog.refusal_label.text()
    assert not dialog.save_button.isEnabled()
    _choose(dialog.kind, "more-info")
    _settle(qtbot, dialog)
    assert dialog.refusal_label.isHidden() and dialog.save_button.isEnabled()


def test_save_html_and_pdf_write_the_file_and_audit_it(
    qtbot,  # type: ignore[no-untyped-def]
    ws: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_pdf_renderer(None)  # the dialog must register the Qt writer itself
    case = decided_case(ws, tmp_path)
    dialog = _open(qtbot, ws, case)
    _choose(dialog.format, "html")
    asked: list[str] = []
    html_target = tmp_path / "out" / "letter.html"
    html_target.parent.mkdir()

    def answer(_parent, _title, suggested, _filter):  # type: ignore[no-untyped-def]
        asked.append(suggested)
        return str(html_target), _filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    dialog.save()
    assert Path(asked[0]).name == f"{case.reference}-disclosure-en.html"
    _settle(qtbot, dialog)
    assert dialog.saved_path == html_target, dialog.status.text()
    text = html_target.read_text(encoding="utf-8")
    assert f"Emergency disclosure — {case.reference}" in text and "<html" in text
    assert "audited" in dialog.status.text()
    saved_digest = _letter_events(ws, case.id)[0]["manifest_sha256"]
    assert str(saved_digest)[:32] in dialog.manifest.text()
    _choose(dialog.format, "pdf")
    pdf_target = tmp_path / "out" / "letter.pdf"
    dialog.save_to(pdf_target)
    assert dialog.saving and not dialog.save_button.isEnabled()
    _settle(qtbot, dialog)
    assert dialog.saved_path == pdf_target, dialog.status.text()
    assert pdf_target.read_bytes().startswith(b"%PDF")
    events = _letter_events(ws, case.id)
    assert [(e["format"], e["kind"], e["lang"]) for e in events] == [
        ("pdf", "disclosure", "en"),
        ("html", "disclosure", "en"),
    ]
    assert events[0]["file"] == "letter.pdf" and events[1]["file"] == "letter.html"
    assert events[0]["manifest_sha256"] and events[0]["recipient"] == "Harbour Police"
    assert sorted(p.name for p in pdf_target.parent.iterdir()) == ["letter.html", "letter.pdf"]
    set_pdf_renderer(None)


def test_failed_save_is_reported_and_writes_nothing(
    qtbot,  # type: ignore[no-untyped-def]
    ws: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = decided_case(ws, tmp_path)
    dialog = _open(qtbot, ws, case)
    _choose(dialog.format, "md")
    missing_folder = tmp_path / "no-such-folder" / "letter.md"
    dialog.save_to(missing_folder)
    _settle(qtbot, dialog)
    assert dialog.saved_path is None and "Not saved" in dialog.status.text()
    assert dialog.save_button.isEnabled()  # the letter itself is fine: try another place
    empty_fonts = tmp_path / "fonts"
    empty_fonts.mkdir()
    monkeypatch.setenv("WORKBENCH_REPORT_FONT_DIR", str(empty_fonts))
    _choose(dialog.format, "pdf")
    target = tmp_path / "letter.pdf"
    dialog.save_to(target)
    assert not dialog.busy
    assert "Not saved" in dialog.status.text() and "fonts-ipafont-gothic" in dialog.status.text()
    assert not target.exists() and not missing_folder.exists()
    assert _letter_events(ws, case.id) == []


def test_letter_action_in_the_report_menu(window: MainWindow, modal) -> None:  # type: ignore[no-untyped-def]
    action = window.acts.letter
    assert not action.isEnabled()  # no case open yet
    window.show_letter_dialog()  # and nothing happens without a case
    window.open_sample_case()
    assert action.isEnabled()
    menu = window.menuBar().findChild(QMenu, "reportMenu")
    assert menu is not None
    actions = menu.actions()
    assert actions.index(action) == actions.index(window.acts.report) + 1
    assert action.shortcut() == QKeySequence("Ctrl+Shift+L")
    others = [a for a in window.acts.all if a is not action]
    assert all(QKeySequence("Ctrl+Shift+L") not in a.shortcuts() for a in others)
    seen: list[str] = []

    def handle(dialog) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(dialog, LetterDialog)
        seen.append(dialog.reference)
        dialog.reject()

    modal.next(handle)
    action.trigger()
    assert seen == [window.session.case.reference]


def test_decision_tab_opens_the_letter_dialog(  # type: ignore[no-untyped-def]
    window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.views.case_view import DECISION

    opened: list[tuple[str, str]] = []

    def fake_exec(dialog: LetterDialog) -> int:
        opened.append((dialog.case_id, dialog.reference))
        _settle(qtbot, dialog)  # its preview is built in the background
        return 0

    monkeypatch.setattr(LetterDialog, "exec", fake_exec)
    window.open_sample_case()
    panel = window.case_view.show_tab(DECISION)  # type: ignore[union-attr]
    panel.letter_button.click()
    assert opened == [(window.session.case_id, window.session.case.reference)]
