"""Importing requests: .eml (real and constructed, good and broken), duplicates, atomicity."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import SHARED_DATA
from workbench.audit import iter_events, verify_chain
from workbench.intake.duplicates import duplicates_of, merge
from workbench.intake.eml import parse_message
from workbench.intake.importer import Importer
from workbench.intake.model import Channel, CheckResult, DataCategory, TargetKind
from workbench.intake.repository import EscalationRepository
from workbench.intake.verification import VerificationService
from workbench.model import CaseStatus, Category, Priority
from workbench.store.schema import audit_events, cases, escalations, evidence
from workbench.store.workspace import Workspace

from .intake_mail import POLICE_BODY, pdf_bytes, simple_message, with_attachment

EML_DIR = SHARED_DATA / "email_eml"
FACTS = json.loads((EML_DIR / "expected_facts.json").read_text())["files"]


def _counts(ws: Workspace) -> tuple[int, int, int, int]:
    with ws.read() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (cases, escalations, evidence, audit_events)
        )


def _blob_count(ws: Workspace) -> int:
    return sum(1 for p in ws.blobs.root.glob("*/*") if p.is_file()) if ws.blobs.root.exists() else 0


# ---- the real messages in ../shared/data/email_eml ----------------------------------------------


@pytest.mark.parametrize("name", sorted(FACTS))
def test_real_messages_parse_to_the_expected_facts(name: str) -> None:
    facts = FACTS[name]["computed"]
    raw = (EML_DIR / name).read_bytes()
    assert len(raw) == FACTS[name]["bytes"]
    parsed = parse_message(raw, name)
    assert parsed.subject == facts["subject"].strip()
    assert parsed.to == [facts["to"]]
    assert parsed.message_id == facts["message_id"]
    from email.utils import parsedate_to_datetime

    assert parsed.date == parsedate_to_datetime(facts["date"])
    assert len(parsed.auth_results) == facts["authentication_results_count"]
    body_types = {"text/plain", "text/html"}
    expected_attachments = [p for p in facts["leaf_parts"] if p["content_type"] not in body_types]
    assert [a.content_type for a in parsed.attachments] == [
        p["content_type"] for p in expected_attachments
    ]
    assert parsed.body_text  # some text came out of the body


def test_phishing_sample_fails_verification_and_keeps_its_sender(ws: Workspace) -> None:
    name = "mail-parser_mail_test_17.eml"
    item = Importer(ws).import_eml(EML_DIR / name)
    assert item.status == "created"
    # upstream assertion: mailparser from_ == [('', 'notificaccion-clientes@bbva.mx')]
    record = EscalationRepository(ws).get(item.case_id or "")
    assert record.escalation.requester_email == "notificaccion-clientes@bbva.mx"
    assert record.escalation.requester_name == ""
    assert any("closing MIME boundary" in w for w in item.warnings)
    state = VerificationService(ws).status(record.case_id)
    assert state.check("email_auth").result == CheckResult.FAIL
    assert "SPF none" in state.check("email_auth").detail
    assert state.check("reply_path").result == CheckResult.FAIL
    assert "alejandrosalcedo.es" in state.check("reply_path").detail
    assert "vps-051e4cda.vps.ovh.net" in state.check("reply_path").detail
    assert state.check("sender_domain").result == CheckResult.FAIL
    assert state.overall.value == "failed"
    stored = ws.evidence.read(record.escalation.source_evidence_id or "")
    assert stored == (EML_DIR / name).read_bytes()


def test_authenticated_sample_passes_auth_but_is_not_cleared(ws: Workspace) -> None:
    name = "mail-parser_mail_test_6.eml"
    item = Importer(ws).import_eml(EML_DIR / name)
    record = EscalationRepository(ws).get(item.case_id or "")
    assert record.escalation.requester_email == "noreply@ggg.com"
    assert record.escalation.requester_name == "Время пришло"
    state = VerificationService(ws).status(record.case_id)
    auth = state.check("email_auth")
    assert auth.result == CheckResult.PASS
    assert "SPF pass" in auth.detail and "DKIM pass (ggg.com)" in auth.detail
    assert "does not prove" in auth.detail
    assert "does not prove the request is genuine" in state.warning
    assert state.check("sender_domain").result == CheckResult.FAIL  # not an agency
    assert state.overall.value == "failed"
    items = ws.evidence.list(record.case_id)
    assert [i.mime_type for i in items].count("image/png") == 4  # the inline images
    for stored in items:
        assert hashlib.sha256(ws.evidence.read(stored.id)).hexdigest() == stored.sha256


# ---- a constructed police request ---------------------------------------------------------------


def test_police_request_with_pdf_becomes_a_full_case(ws: Workspace) -> None:
    now = datetime.now(UTC)
    pdf = pdf_bytes(created=now - timedelta(hours=1), modified=now - timedelta(minutes=50))
    raw = with_attachment(POLICE_BODY, pdf, "request-letter.pdf", date=now - timedelta(minutes=10))
    item = Importer(ws).import_eml_bytes(raw, "inbox/request.eml", filename="request.eml")
    assert item.status == "created", item.errors
    repo = EscalationRepository(ws)
    record = repo.get(item.case_id or "")
    e = record.escalation
    assert e.channel == Channel.EMAIL
    assert e.requester_name == "DS Maria Okafor"
    assert e.requester_rank == "Detective Sergeant"
    assert e.requester_badge == "4471"
    assert e.requester_email == "m.okafor@harbour-police.example"
    assert e.requester_phone == "+442079460018"
    assert e.agency.startswith("Harbour Police")
    assert e.country == "GB"
    assert e.emergency_nature == Category.SELF_HARM
    assert record.priority == Priority.P1
    assert DataCategory.BASIC_SUBSCRIBER_INFO in e.data_categories
    assert DataCategory.IP_LOGIN_RECORDS in e.data_categories
    kinds = {(t.kind, t.value) for t in e.targets}
    assert (TargetKind.USERNAME, "nightowl_rin") in kinds
    assert (TargetKind.USER_ID, "58214407") in kinds
    assert (TargetKind.PROFILE_URL, "https://streamhub.example/nightowl_rin") in kinds
    assert (TargetKind.PHONE, "+447700900123") in kinds
    assert all(t.entity_id for t in e.targets)
    assert record.deadline_at == e.received_at + timedelta(hours=1)  # P1 target
    assert record.status == CaseStatus.NEW and record.lifecycle.received_at == e.received_at
    # evidence: original and attachment, hashed
    items = {i.filename: i for i in ws.evidence.list(record.case_id)}
    assert set(items) == {"request.eml", "request-letter.pdf"}
    assert items["request-letter.pdf"].sha256 == hashlib.sha256(pdf).hexdigest()
    assert items["request.eml"].sha256 == hashlib.sha256(raw).hexdigest()
    assert items["request-letter.pdf"].metadata["parent_evidence_id"] == items["request.eml"].id
    # graph: requester, agency, targets, the request document
    types = sorted(x.type for x in ws.graph.list_entities(record.case_id))
    assert types.count("account") == 2 and "url" in types and types.count("phone") == 2
    assert {"person", "email", "organization", "document"} <= set(types)
    link_types = sorted(link.type for link in ws.graph.list_links(record.case_id))
    assert "member_of" in link_types and link_types.count("mentions") >= 4
    # automatic verification ran
    state = VerificationService(ws).status(record.case_id)
    assert state.check("sender_domain").result == CheckResult.PASS
    assert state.check("lookalike").result == CheckResult.PASS
    assert state.check("pdf_metadata").result == CheckResult.PASS
    assert "Microsoft Word" in state.check("pdf_metadata").detail
    assert state.check("email_auth").result == CheckResult.FAIL  # no Authentication-Results
    assert state.check("callback").result is None
    with ws.read() as conn:
        assert verify_chain(conn).ok
        actions = [ev.action for ev in iter_events(conn, record.case_id)]
    assert "escalation.import" in actions and "verification.auto" in actions


def test_backdated_pdf_metadata_fails_document_check(ws: Workspace) -> None:
    now = datetime.now(UTC)
    pdf = pdf_bytes(created=now + timedelta(days=5), modified=now + timedelta(days=5))
    raw = with_attachment(POLICE_BODY, pdf, "letter.pdf", message_id="<future@x.example>")
    item = Importer(ws).import_eml_bytes(raw, "f.eml")
    check = VerificationService(ws).status(item.case_id or "").check("pdf_metadata")
    assert check.result == CheckResult.FAIL
    assert "created after the request arrived" in check.detail


def test_damaged_pdf_is_still_evidence(ws: Workspace) -> None:
    raw = with_attachment(
        POLICE_BODY, b"%PDF-1.7 garbage", "broken.pdf", message_id="<b@x.example>"
    )
    item = Importer(ws).import_eml_bytes(raw, "b.eml")
    assert item.status == "created"
    check = VerificationService(ws).status(item.case_id or "").check("pdf_metadata")
    assert "not a readable PDF" in check.detail
    assert any(i.filename == "broken.pdf" for i in ws.evidence.list(item.case_id or ""))


# ---- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \r\n\r\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"Dear team, please help, this is not a saved e-mail.\n", "not an e-mail message"),
        (b"X-Nothing: here\r\n\r\nbody", "not an e-mail message"),
    ],
)
def test_not_an_email_is_refused_and_nothing_is_written(
    ws: Workspace, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "input.eml"
    path.write_bytes(content)
    before = _counts(ws)
    report = Importer(ws).import_paths([path])
    assert report.items[0].status == "rejected"
    assert message in report.items[0].errors[0]
    assert _counts(ws) == before and _blob_count(ws) == 0


def test_missing_headers_import_with_warnings_that_name_them(ws: Workspace) -> None:
    raw = b"From: someone@police.example\r\nSubject: help\r\n\r\nPlease call about @user_x now.\r\n"
    item = Importer(ws).import_eml_bytes(raw, "bare.eml")
    assert item.status == "created"
    text = " ".join(item.warnings)
    assert "No Date header" in text and "No Message-ID" in text
    record = EscalationRepository(ws).get(item.case_id or "")
    assert abs((record.escalation.received_at - datetime.now(UTC)).total_seconds()) < 60


def test_no_from_header_is_imported_with_a_warning(ws: Workspace) -> None:
    raw = b"Subject: urgent\r\nDate: Mon, 10 Oct 2022 20:11:32 +0000\r\n\r\nChild at risk: @kid\r\n"
    item = Importer(ws).import_eml_bytes(raw, "nofrom.eml")
    assert item.status == "created"
    assert any("No From address" in w for w in item.warnings)
    state = VerificationService(ws).status(item.case_id or "")
    assert state.check("sender_domain").result == CheckResult.FAIL


def test_broken_mime_imports_what_it_can(ws: Workspace) -> None:
    raw = (
        b"From: a@harbour-police.example\r\nSubject: broken\r\nMessage-ID: <broken@x>\r\n"
        b'Date: Mon, 10 Oct 2022 20:11:32 +0000\r\nContent-Type: multipart/mixed; boundary="XYZ"'
        b"\r\n\r\n--XYZ\r\nContent-Type: text/plain\r\n\r\nThreat to @victim_account today\r\n"
        b"--XYZ\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="a.pdf"\r\n\r\n!!!not base64!!!'
    )  # no closing boundary, damaged base64
    item = Importer(ws).import_eml_bytes(raw, "broken.eml")
    assert item.status == "created"
    assert any("closing MIME boundary" in w for w in item.warnings)
    record = EscalationRepository(ws).get(item.case_id or "")
    assert "victim_account" in [t.value for t in record.escalation.targets]


def test_bad_date_header_falls_back_to_received(ws: Workspace) -> None:
    raw = (
        b"Received: from x by y; Mon, 10 Oct 2022 20:11:32 +0000\r\nFrom: a@b.example\r\n"
        b"Date: yesterday-ish\r\nSubject: s\r\n\r\nbody\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.date == datetime(2022, 10, 10, 20, 11, 32, tzinfo=UTC)
    assert any("not a valid date" in w for w in parsed.warnings)
    assert any("Received time" in w for w in parsed.warnings)


def test_fifty_megabyte_attachment(ws: Workspace) -> None:
    big = bytes(range(256)) * (50 * 1024 * 1024 // 256)
    raw = with_attachment(POLICE_BODY, big, "video.bin", "application/octet-stream")
    item = Importer(ws).import_eml_bytes(raw, "big.eml")
    assert item.status == "created", item.errors
    items = {i.filename: i for i in ws.evidence.list(item.case_id or "")}
    assert items["video.bin"].size == len(big)
    assert items["video.bin"].sha256 == hashlib.sha256(big).hexdigest()


def test_failure_mid_import_leaves_no_half_case(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.errors import WorkspaceError

    def explode(*_args: object, **_kwargs: object) -> None:
        raise WorkspaceError("disk full (simulated)")

    monkeypatch.setattr(VerificationService, "run_automatic_in", explode)
    before = _counts(ws)
    raw = with_attachment(POLICE_BODY, pdf_bytes(), "letter.pdf")
    item = Importer(ws).import_eml_bytes(raw, "x.eml")
    assert item.status == "rejected" and "disk full" in item.errors[0]
    assert _counts(ws) == before
    assert _blob_count(ws) == 0
    with ws.read() as conn:
        assert verify_chain(conn).ok


def test_dry_run_writes_nothing(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "r.eml"
    path.write_bytes(simple_message(POLICE_BODY.encode(), charset="utf-8"))
    before = _counts(ws)
    report = Importer(ws).import_paths([path], dry_run=True)
    item = report.items[0]
    assert item.status == "would_create"
    assert item.preview["requester_email"] == "m.okafor@harbour-police.example"
    assert "username:nightowl_rin" in item.preview["targets"]
    assert _counts(ws) == before and _blob_count(ws) == 0


# ---- duplicates ---------------------------------------------------------------------------------


def test_same_message_twice_is_skipped_unless_allowed(ws: Workspace) -> None:
    raw = simple_message(POLICE_BODY.encode(), charset="utf-8")
    first = Importer(ws).import_eml_bytes(raw, "a.eml")
    second = Importer(ws).import_eml_bytes(raw, "a-again.eml")
    assert second.status == "duplicate" and second.case_id is None
    assert first.reference in second.errors[0]
    third = Importer(ws, allow_duplicates=True).import_eml_bytes(raw, "a-again.eml")
    assert third.status == "created"
    assert [d.case_id for d in third.duplicates] == [first.case_id]


def test_same_target_within_24_hours_is_offered_for_merging(ws: Workspace) -> None:
    now = datetime.now(UTC)
    body = "Threat to life. Account @same_target must be checked. Call +44 20 7946 0999."
    first = Importer(ws).import_eml_bytes(
        simple_message(
            body.encode(), charset="utf-8", message_id="<one@x>", date=now - timedelta(hours=3)
        ),
        "one.eml",
    )
    second = Importer(ws).import_eml_bytes(
        simple_message(
            b"Second e-mail about @Same_Target with more detail.",
            charset="utf-8",
            message_id="<two@x>",
            date=now,
        ),
        "two.eml",
    )
    assert second.status == "created"
    assert [(d.case_id, d.reason) for d in second.duplicates] == [(first.case_id, "targets")]
    assert "same_target" in second.duplicates[0].describe()
    far = Importer(ws).import_eml_bytes(
        simple_message(
            b"Old matter about @same_target",
            charset="utf-8",
            message_id="<three@x>",
            date=now - timedelta(hours=26),
        ),
        "three.eml",
    )
    # 23 h from the first (a duplicate candidate), 26 h from the second (not)
    assert [d.case_id for d in far.duplicates] == [first.case_id]
    assert [d.case_id for d in duplicates_of(ws, second.case_id or "")] == [first.case_id]

    merge(ws, second.case_id or "", first.case_id or "")
    repo = EscalationRepository(ws)
    merged = repo.get(second.case_id or "")
    kept = repo.get(first.case_id or "")
    assert merged.status == CaseStatus.CLOSED and merged.merged_into == first.case_id
    assert "duplicate" in ws.cases.get(merged.case_id).tags
    assert "more detail" in kept.escalation.narrative
    copied = [i for i in ws.evidence.list(kept.case_id) if i.metadata.get("merged_from_case")]
    assert [i.filename for i in copied] == ["two.eml"]
    with ws.read() as conn:
        actions = {e.action for e in iter_events(conn)}
        assert verify_chain(conn).ok
    assert {"escalation.merge", "escalation.merged_into"} <= actions
    with pytest.raises(Exception, match="already merged"):
        merge(ws, second.case_id or "", first.case_id or "")
    with pytest.raises(Exception, match="into itself"):
        merge(ws, first.case_id or "", first.case_id or "")


# ---- requests from a folder ---------------------------------------------------------------------


def test_folder_import_and_bad_paths(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for index in range(3):
        (folder / f"m{index}.eml").write_bytes(
            simple_message(
                f"Case {index}: @acct_{index}".encode(), charset="utf-8", message_id=f"<m{index}@x>"
            )
        )
    (folder / "notes.txt").write_text("ignored")
    empty = tmp_path / "empty"
    empty.mkdir()
    report = Importer(ws).import_paths([folder, empty, tmp_path / "missing.eml"])
    statuses = [i.status for i in report.items]
    assert statuses.count("created") == 3 and statuses.count("rejected") == 2
    assert not report.ok
    assert "no such file" in report.describe()
