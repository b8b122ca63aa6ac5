"""Requester verification: directory, free-mail, look-alikes, RFC 8601, alignment, Reply-To,
PDF metadata, manual checks, the overall result; and the escalation rules per channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workbench.errors import ValidationError
from workbench.intake import authresults
from workbench.intake.domains import edit_distance, registrable, resource_directory, skeleton
from workbench.intake.importer import Importer
from workbench.intake.model import (
    AUTH_WARNING,
    Channel,
    CheckResult,
    Escalation,
    OverallResult,
    Target,
    TargetKind,
)
from workbench.intake.repository import EscalationRepository
from workbench.intake.rules import problems
from workbench.intake.verification import VerificationService
from workbench.model import Category
from workbench.store.workspace import Workspace

from .intake_mail import POLICE_BODY, simple_message

# ---- domains ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "resembles", "how"),
    [
        ("met-police.uk", "met.police.uk", "edit distance"),
        ("rnet.police.uk", "met.police.uk", "homograph"),  # rn looks like m
        ("fbі.gov", "fbi.gov", "homograph"),  # Cyrillic і
        ("xn--fb-ioc.gov", "fbi.gov", "homograph"),  # the same, as IDNA
        ("harbour-poIice.example", "harbour-police.example", "edit distance"),
        ("harbor-police.example", "harbour-police.example", "edit distance"),
        ("metpolice-uk.com", ".police.uk", "official suffix in the wrong place"),
        ("gov.br.secure-mail.com", ".gov.br", "official suffix in the wrong place"),
        ("fbi-gov.com", ".gov", "official suffix in the wrong place"),
        ("npa-go.jp", "npa.go.jp", "edit distance"),
    ],
)
def test_lookalikes_are_caught(domain: str, resembles: str, how: str) -> None:
    hits = resource_directory().lookalikes(domain)
    assert any(h.resembles == resembles and how in h.how for h in hits), hits


@pytest.mark.parametrize(
    "domain", ["met.police.uk", "mail.met.police.uk", "pt.gov.br", "example.com", "gmail.com"]
)
def test_genuine_and_unrelated_domains_are_not_lookalikes(domain: str) -> None:
    assert resource_directory().lookalikes(domain) == []


def test_directory_suffixes_agencies_and_helpers() -> None:
    directory = resource_directory()
    assert directory.lookup("x.gob.es").suffix is not None
    assert directory.lookup("pf.gov.br").agency is not None
    assert not directory.lookup("police-gov.com").official
    assert registrable("a.b.met.police.uk") == "met.police.uk"
    assert registrable("mail.example.co.jp") == "example.co.jp"
    assert skeleton("раураl.com") == skeleton("paypal.com")
    assert edit_distance("police", "polcie") == 1 and edit_distance("abc", "xyzzy") > 2


def test_workspace_directory_entries(ws: Workspace) -> None:
    service = VerificationService(ws)
    service.add_directory_entry("county-pd.example", agency="County PD", country="us")
    service.add_directory_entry("bad.officer@county-pd.example", kind="compromised")
    directory = service.directory()
    assert directory.lookup("mail.county-pd.example").agency is not None
    assert directory.is_compromised("bad.officer@county-pd.example")
    assert not directory.is_compromised("good.officer@county-pd.example")
    assert [e["value"] for e in service.directory_entries()] == [
        "bad.officer@county-pd.example",
        "county-pd.example",
    ]
    with pytest.raises(ValidationError, match="Name the agency"):
        service.add_directory_entry("x.example")
    with pytest.raises(ValidationError, match="not a domain"):
        service.add_directory_entry("nodots", agency="A")
    with pytest.raises(ValidationError, match="official or compromised"):
        service.add_directory_entry("x.example", kind="friendly", agency="A")
    service.remove_directory_entry("county-pd.example")
    with pytest.raises(Exception, match="not in the workspace"):
        service.remove_directory_entry("county-pd.example")


# ---- Authentication-Results ---------------------------------------------------------------------


def test_rfc8601_parsing_with_comments_quotes_and_versions() -> None:
    header = (
        'mx.example.net 1; spf=pass (sender IP is 192.0.2.1) smtp.mailfrom="ops@police.example";'
        " dkim=pass (2048-bit key; secure) header.d=police.example header.i=@police.example"
        ' header.b="abc"; dkim=fail reason="bad sig" header.d=other.example; dmarc=pass'
        " (p=reject) header.from=police.example; arc=none"
    )
    parsed = authresults.parse(header)
    assert parsed.authserv_id == "mx.example.net"
    assert [(r.method, r.result) for r in parsed.results] == [
        ("spf", "pass"),
        ("dkim", "pass"),
        ("dkim", "fail"),
        ("dmarc", "pass"),
        ("arc", "none"),
    ]
    assert parsed.results[0].domain() == "police.example"
    assert parsed.results[2].reason == "bad sig"
    assert authresults.parse("mx.example.net; none").results == ()


def test_alignment_decides_the_email_auth_verdict() -> None:
    ok = authresults.evaluate(
        [
            "mx; spf=pass smtp.mailfrom=bounce@mail.police.example; "
            "dmarc=pass header.from=police.example"
        ],
        "officer@police.example",
    )
    assert ok is not None and ok.passed and ok.spf_aligned
    unaligned = authresults.evaluate(
        ["mx; spf=pass smtp.mailfrom=x@sendgrid.example; dkim=pass header.d=sendgrid.example"],
        "officer@police.example",
    )
    assert unaligned is not None and not unaligned.passed
    forged_below = authresults.evaluate(
        [
            "mx; spf=fail smtp.mailfrom=a@evil.example",
            "fake; spf=pass smtp.mailfrom=x@police.example",
        ],
        "officer@police.example",
    )
    assert forged_below is not None and not forged_below.passed
    assert "only the topmost" in forged_below.notes[0]
    assert authresults.evaluate([], "a@b.example") is None


# ---- checks on imported messages ----------------------------------------------------------------


def _import(ws: Workspace, sender: str, extra: bytes = b"", mid: str = "<v@x>") -> str:
    raw = simple_message(
        POLICE_BODY.encode(), charset="utf-8", sender=sender, extra=b"", message_id=mid
    )
    if extra:
        raw = extra + raw
    item = Importer(ws).import_eml_bytes(raw, "v.eml")
    assert item.status == "created", item.errors
    return item.case_id or ""


def test_freemail_lookalike_and_reply_to_fail(ws: Workspace) -> None:
    free = _import(ws, "Officer <officer.harbour@gmail.com>", mid="<f@x>")
    state = VerificationService(ws).status(free)
    assert state.check("freemail").result == CheckResult.FAIL
    assert state.check("sender_domain").result == CheckResult.FAIL
    fake = _import(
        ws,
        "DS Okafor <m.okafor@harbour-poIice.example>",
        b"Reply-To: urgent.reply@proton.me\r\nReturn-Path: <bounce@elsewhere.example>\r\n",
        "<l@x>",
    )
    state = VerificationService(ws).status(fake)
    assert state.check("lookalike").result == CheckResult.FAIL
    assert "harbour-police.example" in state.check("lookalike").detail
    assert state.check("reply_path").result == CheckResult.FAIL
    assert "proton.me" in state.check("reply_path").detail
    assert state.check("freemail").result == CheckResult.FAIL  # the Reply-To is free-mail


def test_authenticated_official_mail_still_needs_a_callback(ws: Workspace) -> None:
    auth = (
        b"Authentication-Results: mx.streamhub.example; spf=pass "
        b"smtp.mailfrom=m.okafor@harbour-police.example; dkim=pass header.d=harbour-police.example;"
        b" dmarc=pass header.from=harbour-police.example\r\n"
    )
    case_id = _import(ws, "DS Maria Okafor <m.okafor@harbour-police.example>", auth, "<a@x>")
    service = VerificationService(ws)
    state = service.status(case_id)
    assert state.check("email_auth").result == CheckResult.PASS
    assert state.overall == OverallResult.INCOMPLETE  # all automatic checks pass: not enough
    assert state.warning == AUTH_WARNING
    evidence_id = ws.evidence.list(case_id)[0].id
    state = service.record_manual(
        case_id,
        "callback",
        "pass",
        "Called Harbour Police control room on the number from its public website; the duty "
        "inspector confirmed DS Okafor and the request.",
        evidence_id=evidence_id,
    )
    assert state.overall == OverallResult.VERIFIED
    check = state.check("callback")
    assert check.actor == "analyst.test" and check.at and check.evidence_id == evidence_id
    record = EscalationRepository(ws).get(case_id)
    assert record.lifecycle.verified_at is not None
    assert record.verification_result == OverallResult.VERIFIED
    # a later failure wins over the earlier pass; history keeps both
    state = service.record_manual(case_id, "supervisor", "fail", "Supervisor does not exist.")
    assert state.overall == OverallResult.FAILED
    assert len([h for h in state.history if h["kind"] == "manual"]) == 2


def test_manual_check_bad_input(ws: Workspace) -> None:
    case_id = _import(ws, "DS Maria Okafor <m.okafor@harbour-police.example>", mid="<m@x>")
    other = ws.cases.create("Other case")
    other_evidence = ws.evidence.add_bytes(other.id, b"note", "note.txt")
    service = VerificationService(ws)
    with pytest.raises(ValidationError, match="Say what was done"):
        service.record_manual(case_id, "callback", "pass", "  ")
    with pytest.raises(ValidationError, match="Invalid result 'maybe'"):
        service.record_manual(case_id, "callback", "maybe", "x")
    with pytest.raises(ValidationError, match="Unknown verification check 'vibes'"):
        service.record_manual(case_id, "vibes", "pass", "x")
    with pytest.raises(ValidationError, match="is automatic"):
        service.record_manual(case_id, "email_auth", "pass", "x")
    with pytest.raises(ValidationError, match="does not belong to this case"):
        service.record_manual(case_id, "callback", "pass", "x", evidence_id=other_evidence.id)
    state = service.record_manual(
        case_id, "callback", "skipped_for_urgency", "Stream starts in 10 minutes; no answer."
    )
    assert state.check("callback").result == CheckResult.SKIPPED_FOR_URGENCY
    assert state.overall == OverallResult.FAILED  # no Authentication-Results: e-mail check fails


def test_overall_result_rules() -> None:
    from workbench.intake.model import CheckOutcome
    from workbench.intake.verification import overall

    def outcome(check_id: str, result: CheckResult | None, key: bool = False) -> CheckOutcome:
        return CheckOutcome(check_id, check_id, "auto", result, key=key)

    passed = [outcome("sender_domain", CheckResult.PASS), outcome("email_auth", CheckResult.PASS)]
    assert overall([outcome("callback", None, True)]) == OverallResult.NOT_STARTED
    assert overall([*passed, outcome("callback", None, True)]) == OverallResult.INCOMPLETE
    assert overall([*passed, outcome("callback", CheckResult.PASS, True)]) == OverallResult.VERIFIED
    skipped = outcome("callback", CheckResult.SKIPPED_FOR_URGENCY, True)
    assert overall([*passed, skipped]) == OverallResult.SKIPPED_FOR_URGENCY
    failed = outcome("lookalike", CheckResult.FAIL)
    assert overall([*passed, failed, outcome("callback", CheckResult.PASS, True)]) == (
        OverallResult.FAILED
    )


def test_rerun_after_directory_change(ws: Workspace) -> None:
    case_id = _import(ws, "Sgt Lee <lee@county-pd.example>", mid="<r@x>")
    service = VerificationService(ws)
    assert service.status(case_id).check("sender_domain").result == CheckResult.FAIL
    service.add_directory_entry("county-pd.example", agency="County PD", country="US")
    assert service.run_automatic(case_id).check("sender_domain").result == CheckResult.PASS
    service.add_directory_entry("lee@county-pd.example", kind="compromised")
    rerun = service.run_automatic(case_id)
    assert rerun.check("compromised").result == CheckResult.FAIL
    assert rerun.overall == OverallResult.FAILED
    # a later request from that domain sees the failed history
    later = _import(ws, "Sgt Kim <kim@county-pd.example>", mid="<r2@x>")
    assert service.status(later).check("requester_history").result == CheckResult.FAIL


def test_portal_channel_checks(ws: Workspace) -> None:
    case_id = ws.cases.create("Portal").id
    escalation = Escalation(
        channel=Channel.PORTAL,
        received_at=datetime.now(UTC),
        requester_name="Ana",
        agency="PF",
        requester_email="ana@pf.gov.br",
        emergency_nature=Category.KIDNAPPING_MISSING,
        targets=(Target(TargetKind.USERNAME, "victim"),),
        portal_account_verified=True,
    )
    EscalationRepository(ws).save(case_id, escalation)
    state = VerificationService(ws).run_automatic(case_id)
    assert state.check("channel").result == CheckResult.PASS
    assert state.check("email_auth").result == CheckResult.NOT_APPLICABLE
    assert state.check("sender_domain").result == CheckResult.PASS


# ---- what an escalation must carry --------------------------------------------------------------


def _base(channel: Channel, **changes: object) -> Escalation:
    return Escalation(channel=channel, received_at=datetime.now(UTC), **changes)  # type: ignore[arg-type]


def test_required_fields_depend_on_the_channel() -> None:
    def errors(e: Escalation) -> set[str]:
        return {p.field for p in problems(e) if p.severity == "error"}

    assert errors(_base(Channel.PHONE)) == {
        "requester_name",
        "agency",
        "requester_phone",
        "emergency_nature",
        "narrative",
    }
    assert errors(_base(Channel.EMAIL)) == {"requester_email", "emergency_nature", "narrative"}
    assert "targets" in errors(_base(Channel.PROACTIVE))
    assert "requester_name" not in errors(_base(Channel.PROACTIVE))
    full_phone = _base(
        Channel.PHONE,
        requester_name="Sgt Lee",
        agency="County PD",
        requester_phone="+1 202 555 0100",
        emergency_nature=Category.THREAT_TO_OTHERS,
        narrative="Caller says...",
    )
    assert errors(full_phone) == set()
    warnings = {p.field for p in problems(full_phone) if p.severity == "warning"}
    assert {"requester_badge", "supervisor_name"} <= warnings


def test_malformed_values_are_errors_that_name_the_field(ws: Workspace) -> None:
    bad = _base(
        Channel.EMAIL,
        requester_email="not-an-address",
        emergency_nature=Category.OTHER,
        narrative="x",
        requester_phone="12",
        data_from=datetime(2026, 2, 1, tzinfo=UTC),
        data_to=datetime(2026, 1, 1, tzinfo=UTC),
    )
    found = {p.field: p.message for p in problems(bad) if p.severity == "error"}
    assert "not an e-mail address" in found["requester_email"]
    assert "too few digits" in found["requester_phone"]
    assert "ends before it starts" in found["data_to"]
    future = _base(Channel.INTERNAL).with_changes(received_at=datetime.now(UTC) + timedelta(days=1))
    assert any(p.field == "received_at" for p in problems(future))
    case_id = ws.cases.create("Form").id
    with pytest.raises(ValidationError, match="fix Requester name, Agency, Direct phone"):
        EscalationRepository(ws).save(
            case_id, _base(Channel.PHONE, emergency_nature=Category.OTHER, narrative="n")
        )
    record, warnings = EscalationRepository(ws).save(
        case_id,
        _base(
            Channel.PHONE,
            requester_name="Sgt Lee",
            agency="County PD",
            requester_phone="+1 202 555 0100",
            emergency_nature=Category.THREAT_TO_OTHERS,
            narrative="Caller says a student posted a threat.",
            targets=(Target(TargetKind.USERNAME, "@threat_poster"),),
        ),
    )
    assert record.escalation.targets[0].value == "threat_poster"
    assert ws.cases.get(case_id).category == Category.THREAT_TO_OTHERS
    assert any("Badge" in w for w in warnings)
