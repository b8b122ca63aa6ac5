"""The sample case is a complete example of the workflow: an escalation read from its request
e-mail, requester verification, a rule-based threat assessment and an approved emergency
disclosure with a preservation, so that every letter and the law-enforcement report work on a
fresh copy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.assess import (
    AssessmentRepository,
    DataCategory,
    DecisionOption,
    FourEyesError,
    Tier,
    approval_status,
    approve,
)
from workbench.assess.legal import load_legal_bases
from workbench.audit import iter_events, verify_chain
from workbench.cli import main
from workbench.demo import create_demo_case
from workbench.demo_records import MANUAL_CHECKS, REVIEWERS
from workbench.errors import ValidationError
from workbench.intake.eml import parse_message
from workbench.intake.model import CheckResult, OverallResult, TargetKind
from workbench.intake.repository import EscalationRepository
from workbench.intake.verification import VerificationService
from workbench.model import Case, CaseStatus
from workbench.report import ReportOptions, generate_letter, generate_report
from workbench.report.letters import KINDS, build_letter
from workbench.store.workspace import Workspace


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, Case]]:
    folder = tmp_path_factory.mktemp("sample")
    workspace = Workspace.open(folder / "ws", actor="analyst.test")
    case = create_demo_case(workspace)
    yield workspace, case
    workspace.close()


def _request(ws: Workspace, case: Case) -> tuple[str, bytes]:
    item = next(e for e in ws.evidence.list(case.id) if e.filename.endswith(".eml"))
    return item.id, ws.evidence.read(item.id)


def test_escalation_is_read_from_the_request_email(sample: tuple[Workspace, Case]) -> None:
    ws, case = sample
    request_id, raw = _request(ws, case)
    message = parse_message(raw)
    record = EscalationRepository(ws).get(case.id)
    escalation = record.escalation
    # what the intake read from the e-mail matches the e-mail kept as evidence
    assert escalation.source_evidence_id == request_id
    assert escalation.message_id == message.message_id != ""
    assert escalation.requester_email == message.from_address == "m.okafor@harbour-police.example"
    assert escalation.received_at == message.date
    assert escalation.narrative == message.body_text
    assert escalation.requester_badge == "4471"
    assert escalation.requester_phone == "+442079460018"  # the desk line in the message
    # and what the investigator completed
    assert (escalation.requester_name, escalation.requester_rank) == (
        "Maria Okafor",
        "Detective Sergeant",
    )
    assert (escalation.agency, escalation.unit) == ("Harbour Police", "Public Protection Unit")
    assert escalation.supervisor_name == "Inspector Daniel Hughes"
    assert escalation.legal_basis and escalation.why_urgent and escalation.how_data_helps
    assert [c.value for c in escalation.data_categories] == [
        "basic_subscriber_info",
        "ip_login_records",
    ]
    account = ws.graph.resolve_entity(case.id, "account:nightowl_rin")
    assert [(t.kind, t.value) for t in escalation.targets] == [
        (TargetKind.USERNAME, "nightowl_rin"),
        (TargetKind.USER_ID, "58214407"),
    ]
    assert {t.entity_id for t in escalation.targets} == {account.id}
    assert record.reporting.accounts_specified
    assert EscalationRepository(ws).problems(escalation) == []  # nothing missing, not even advice


def test_requester_is_verified_with_one_check_still_open(sample: tuple[Workspace, Case]) -> None:
    ws, case = sample
    status = VerificationService(ws).status(case.id)
    assert status.overall == OverallResult.VERIFIED
    for check_id in ("sender_domain", "freemail", "lookalike", "email_auth", "reply_path"):
        assert status.check(check_id).result == CheckResult.PASS, check_id
    callback = status.check("callback")
    assert callback.result == CheckResult.PASS and callback.actor == ws.actor
    assert "+44 20 7946 0000" in callback.detail  # the published number, not the request's
    assert "7946 0018" not in callback.detail
    assert status.check("narrative").evidence_id is not None
    assert {c for c, *_ in MANUAL_CHECKS} == {"callback", "supervisor", "narrative"}
    assert status.check("document").result is None  # still open
    record = EscalationRepository(ws).get(case.id)
    assert record.verification_result == OverallResult.VERIFIED


def test_assessment_tier_comes_from_the_rules(sample: tuple[Workspace, Case]) -> None:
    ws, case = sample
    repo = AssessmentRepository(ws)
    saved = repo.require_current(case.id)
    assert saved.version == 1 and saved.saved_by == ws.actor
    assert saved.record.tracks == ("self_harm",)
    result = repo.evaluate(saved.record)  # the rules again, on the saved answers
    assert result.suggested is saved.suggested is Tier.T1
    assert saved.record.final_tier is saved.suggested and saved.record.tier_justification == ""
    assert "sh-t1-high-24h" in result.rule_ids
    assert any("sh-t1-high-24h" in line for line in saved.trace)
    assert saved.snapshot["evaluation"] and saved.record.reassess_at is not None
    assert repo.history(case.id)[0].intact


def test_decision_is_a_disclosure_approved_by_a_second_person(
    sample: tuple[Workspace, Case],
) -> None:
    ws, case = sample
    repo = AssessmentRepository(ws)
    decision = repo.require_current(case.id).record.decision
    assert decision.discloses and decision.has(DecisionOption.PRESERVE_DATA)
    assert decision.disclosure_scope == (
        DataCategory.BASIC_SUBSCRIBER_INFO,
        DataCategory.IP_LOGIN_RECORDS,
    )
    basis = load_legal_bases().find(decision.legal_basis_ids[0])
    assert basis is not None and set(decision.disclosure_scope) <= set(basis.categories)
    assert decision.preservation_started_at is not None
    status = approval_status(repo, case.id)
    assert status.required and status.satisfied
    (approval,) = status.approvals
    assert approval.approver in REVIEWERS and approval.approver != ws.actor
    # the four-eyes rule is the real one: the assessor cannot approve their own decision
    with pytest.raises(FourEyesError, match="cannot approve their own decision"):
        approve(repo, case.id)


def test_lifecycle_and_audit_of_the_sample(sample: tuple[Workspace, Case]) -> None:
    ws, case = sample
    assert ws.cases.get(case.id).status == CaseStatus.DECIDED
    lifecycle = EscalationRepository(ws).get(case.id).lifecycle
    for name in ("triaged_at", "verified_at", "assessed_at", "decided_at"):
        assert getattr(lifecycle, name) is not None, name
    assert lifecycle.disclosed_at is None  # decided, not yet sent
    with ws.read() as conn:
        assert verify_chain(conn).ok
        events = list(iter_events(conn, case.id))
    actions = [e.action for e in events]
    for action in (
        "escalation.update",
        "verification.auto",
        "verification.manual",
        "assessment.save",
        "assessment.approve",
    ):
        assert action in actions, action
    assert actions.count("verification.manual") == len(MANUAL_CHECKS)
    approved = next(e for e in events if e.action == "assessment.approve")
    assert approved.actor in REVIEWERS
    assert {e.actor for e in events if e.action != "assessment.approve"} == {ws.actor}


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_letter_works_on_the_sample(
    sample: tuple[Workspace, Case], tmp_path: Path, kind: str, lang: str
) -> None:
    ws, case = sample
    if kind == "decline":  # the sample decided to disclose: a decline would contradict it
        with pytest.raises(ValidationError, match="would contradict it"):
            generate_letter(ws, case.reference, kind, lang, "html", tmp_path / "decline.html")
        assert not (tmp_path / "decline.html").exists()
        return
    done = generate_letter(ws, case.reference, kind, lang, "html", tmp_path / f"{kind}.html")
    text = done.path.read_text(encoding="utf-8")
    assert case.reference in text and "Harbour Police" in text
    assert "18 U.S.C. 2702(c)(4)" in text
    for reviewer in REVIEWERS:
        assert reviewer not in text
    if kind == "preservation":
        assert done.context["preservation"]["expires_text"] in text


def test_law_enforcement_report_works_on_the_sample(
    sample: tuple[Workspace, Case], tmp_path: Path
) -> None:
    ws, case = sample
    done = generate_report(
        ws, case.reference, "html", tmp_path / "le.html", ReportOptions(profile="le")
    )
    text = done.path.read_text(encoding="utf-8")
    assert "nightowl_rin" in text and "18 U.S.C. 2702(c)(4)" in text
    context = done.context
    assert context["decision"]["approval_satisfied"]
    assert context["entities"] and context["assessment"] is None  # internal parts withheld
    for withheld in ("Kenji T.", "owl_rin_alt", "internal_login_export.csv", *REVIEWERS):
        assert withheld not in text


def test_more_info_letter_from_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    wsdir = str(tmp_path / "cli-ws")
    assert main(["--workspace", wsdir, "demo"]) == 0
    reference = capsys.readouterr().out.split("sample case ")[1].split(":")[0]
    target = tmp_path / "more-info.html"
    code = main(
        [
            "--workspace",
            wsdir,
            "--json",
            "letter",
            reference,
            "--kind",
            "more-info",
            "--format",
            "html",
            "-o",
            str(target),
        ]
    )
    assert code == 0 and json.loads(capsys.readouterr().out)["written"] == str(target)
    assert "Maria Okafor" in target.read_text(encoding="utf-8")


def test_each_copy_is_complete_and_the_reviewer_is_never_the_user(tmp_path: Path) -> None:
    # a user who happens to have the first reviewer's name still gets a second person
    with Workspace.open(tmp_path / "ws", actor=REVIEWERS[0]) as ws:
        first, second = create_demo_case(ws), create_demo_case(ws)
        repo = AssessmentRepository(ws)
        for case in (first, second):
            (approval,) = approval_status(repo, case.id).approvals
            assert approval.approver == REVIEWERS[1]
            assert EscalationRepository(ws).get(case.id).verification_result == (
                OverallResult.VERIFIED
            )
        history = VerificationService(ws).status(second.id).check("requester_history")
        assert history.result == CheckResult.PASS and "1 earlier request" in history.detail
        assert first.reference != second.reference


def test_a_case_without_a_requester_still_refuses_letters(ws: Workspace) -> None:
    bare = ws.cases.create("Nothing filled in")
    with pytest.raises(ValidationError, match="has no requester on record"):
        build_letter(ws, bare.id, "more-info", "en")
