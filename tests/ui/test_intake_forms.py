"""The escalation form (validation by channel, saving) and the verification panel."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

from ui.views.escalation import EscalationForm
from ui.views.verification import VerificationPanel
from workbench.intake.importer import Importer
from workbench.intake.model import AUTH_WARNING, Channel, CheckResult
from workbench.intake.repository import EscalationRepository
from workbench.model import Category
from workbench.store.workspace import Workspace

POLICE = (
    b"From: DS Maria Okafor <m.okafor@harbour-police.example>\r\n"
    b"Subject: EMERGENCY request\r\nMessage-ID: <ui@harbour-police.example>\r\n"
    b"Date: Mon, 10 Oct 2022 20:11:32 +0000\r\n"
    b"Authentication-Results: mx.example; spf=pass smtp.mailfrom=m.okafor@harbour-police.example;"
    b" dkim=pass header.d=harbour-police.example; dmarc=pass header.from=harbour-police.example\r\n"
    b"\r\nThe user @nightowl_rin intends to harm herself tonight.\r\n"
)


def _form(qtbot, ws: Workspace, case_id: str) -> EscalationForm:  # type: ignore[no-untyped-def]
    form = EscalationForm(ws, case_id)
    qtbot.addWidget(form)
    form.resize(1200, 800)
    form.show()
    return form


def test_phone_channel_requires_phone_fields_and_names_them(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Phoned in")
    form = _form(qtbot, ws, case.id)
    form.channel.setCurrentIndex(form.channel.findData(Channel.PHONE.value))
    form.validate()
    assert "required" in form.labels["requester_phone"].text()
    assert "required" in form.labels["agency"].text()
    assert not form.save()
    summary = form.summary.text()
    assert "Direct phone" in summary and "Agency" in summary and "Requester name" in summary
    assert EscalationRepository(ws).get(case.id).escalation.channel != Channel.PHONE

    form.findChild(QLineEdit, "requester_nameEdit").setText("Sgt Lee")
    form.findChild(QLineEdit, "agencyEdit").setText("County PD")
    form.findChild(QLineEdit, "requester_phoneEdit").setText("+1 202 555 0100")
    form.findChild(QPlainTextEdit, "narrativeEdit").setPlainText("Caller reports a threat.")
    form.nature.setCurrentIndex(form.nature.findData(Category.THREAT_TO_OTHERS.value))
    form.targets.setPlainText("@threat_poster\nhttps://social.example/threat_poster")
    form.categories[next(iter(form.categories))].setChecked(True)
    form.reporting["data_produced"].setChecked(True)
    with qtbot.waitSignal(form.saved, timeout=2000):
        assert form.save()
    record = EscalationRepository(ws).get(case.id)
    assert record.escalation.channel == Channel.PHONE
    assert [t.value for t in record.escalation.targets] == [
        "threat_poster",
        "https://social.example/threat_poster",
    ]
    assert record.reporting.data_produced
    assert ws.cases.get(case.id).category == Category.THREAT_TO_OTHERS
    assert "required" not in form.labels["agency"].text()


def test_unreadable_values_are_refused_with_the_field(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Bad dates")
    form = _form(qtbot, ws, case.id)
    form.data_from.setText("next tuesday")
    assert not form.save()
    assert "Date range from" in form.summary.text() and "next tuesday" in form.summary.text()
    form.data_from.setText("2026-02-01")
    form.data_to.setText("2026-01-01")
    assert not form.save()
    assert "ends before it starts" in form.summary.text()


def test_form_shows_an_imported_request_and_lifecycle(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    item = Importer(ws).import_eml_bytes(POLICE, "ui.eml")
    EscalationRepository(ws).set_status(item.case_id or "", "triage")
    form = _form(qtbot, ws, item.case_id or "")
    assert (
        form.findChild(QLineEdit, "requester_emailEdit").text() == "m.okafor@harbour-police.example"
    )
    assert "username:nightowl_rin" in form.targets.toPlainText()
    assert form.lifecycle["triaged_at"].text().endswith("UTC")
    assert form.lifecycle["closed_at"].text() == "—"
    assert "BREACHED" in form.deadline.text()  # received in 2022


def test_verification_panel_records_a_callback(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    item = Importer(ws).import_eml_bytes(POLICE, "ui.eml")
    panel = VerificationPanel(ws, item.case_id)
    qtbot.addWidget(panel)
    panel.show()
    assert AUTH_WARNING in panel.warning.text() and panel.warning.isVisible()
    assert panel.overall.text().startswith("◐")  # automatic checks pass; call-back to do
    results = {
        panel.table.item(r, 0).data(256): panel.table.item(r, 1).text()
        for r in range(panel.table.rowCount())
    }
    assert results["email_auth"] == "✔ Pass" and results["callback"] == "○ To do"
    # bad input first: no note
    assert not panel.record()
    assert "Say what was done" in panel.message.text()
    panel.check_combo.setCurrentIndex(panel.check_combo.findData("callback"))
    panel.result_combo.setCurrentIndex(panel.result_combo.findData(CheckResult.PASS.value))
    panel.note.setPlainText("Called Harbour Police on the number from their website; confirmed.")
    panel.evidence_combo.setCurrentIndex(1)
    with qtbot.waitSignal(panel.changed, timeout=1000):
        assert panel.record()
    assert panel.overall.text().startswith("✔ Verified")
    assert EscalationRepository(ws).get(item.case_id or "").lifecycle.verified_at is not None
    with qtbot.waitSignal(panel.changed, timeout=10000):
        panel.rerun()
    assert panel.rerun_button.isEnabled()


def test_digest_view_renders_markdown(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    from ui.views.digest import DigestView

    case = ws.cases.create("Handed over", priority="P1")
    EscalationRepository(ws).set_status(case.id, "triage")
    view = DigestView(ws)
    qtbot.addWidget(view)
    assert "Shift hand-off" in view.markdown and "new → triage" in view.markdown
    assert "Handed over" in view.browser.toPlainText()
    view.copy_markdown()


def test_queue_view_switches_workspace(qtbot, ws: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ui.views.queue import QueueView

    ws.cases.create("In the first workspace")
    view = QueueView(ws)
    qtbot.addWidget(view)
    assert view.model.total == 1
    with Workspace.open(tmp_path / "second", actor="tester") as other:
        view.set_workspace(other)
        assert view.model.total == 0
