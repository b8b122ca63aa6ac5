"""The workflow records of the sample case: escalation, requester verification, threat
assessment and an approved disclosure decision with a data preservation.

Everything goes through the same core APIs the window and the CLI use, so every record is
validated and audited like any other action. The escalation is read from the request e-mail
kept as evidence (the intake's own parser and draft), then completed as an investigator
would. The tier comes from the template's rules, not from a value set here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from workbench.assess import (
    AssessmentRepository,
    Context,
    DataCategory,
    Decision,
    DecisionOption,
    FactorAnswer,
    Recency,
    SavedAssessment,
    UserNotice,
    approve,
)
from workbench.intake.draft import draft_from_message
from workbench.intake.eml import parse_message
from workbench.intake.model import CheckResult, Escalation, TargetKind
from workbench.intake.repository import EscalationRepository
from workbench.intake.rules import default_rules
from workbench.intake.verification import VerificationService
from workbench.model import CaseStatus
from workbench.store.workspace import Workspace
from workbench.timeutil import utcnow

REQUEST_FILENAME = "emergency_request.eml"
# The agency's switchboard as published on its own website: the number the call-back used,
# found independently of the request (whose desk number ends in 0018).
SWITCHBOARD = "+44 20 7946 0000"
# Fictional colleagues who give the four-eyes approval; the first one who is not the person
# creating the sample (the assessor) approves.
REVIEWERS = ("r.adeyemi", "s.nakamura")
LEGAL_BASIS = "us-2702c4"  # resources/legal_bases.toml: 18 U.S.C. 2702(c)(4), non-content

# (check id, result, note, evidence key or None). "document" stays open: the formal letter
# from Harbour Police has not arrived yet.
MANUAL_CHECKS: tuple[tuple[str, CheckResult, str, str | None], ...] = (
    (
        "callback",
        CheckResult.PASS,
        f"Called the Harbour Police switchboard on {SWITCHBOARD}, the number published on the "
        "force's own website (not the desk number in the request). The control room put the "
        "call through to DS Maria Okafor, who confirmed the request, badge 4471 and the account "
        "@nightowl_rin.",
        "request",
    ),
    (
        "supervisor",
        CheckResult.PASS,
        "On the same call the control room connected Inspector Daniel Hughes (Public Protection "
        "Unit), who confirmed he supervises DS Okafor and approved the request.",
        None,
    ),
    (
        "narrative",
        CheckResult.PASS,
        "Specific person (the 17-year-old account holder), recent (announcement posted about an "
        "hour before the request), a stated time (22:00 tonight); the request is narrow "
        "(subscriber info and recent log-in IPs). Matches the captured announcement post and "
        "the friend's comment.",
        "capture",
    ),
)


@dataclass(frozen=True)
class _Answer:
    """One factor answer of the sample; evidence and entities by their keys in demo.py."""

    value: str
    note: str = ""
    recency: Recency | None = None
    evidence: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()


# Answers to the self-harm track of the shipped template (context, imminence, indicators).
ANSWERS: dict[str, _Answer] = {
    "ctx_minor_at_risk": _Answer(
        "yes", "Stated age 17 in the profile and in the request.", entities=("subject",)
    ),
    "ctx_subject_identified": _Answer("no", "First name only; surname unknown."),
    "imm_timeframe": _Answer(
        "within_24h",
        "Stream announced for 22:00 local time tonight.",
        evidence=("capture",),
        entities=("event_stream",),
    ),
    "imm_target_identified": _Answer("yes", "The account holder herself.", entities=("subject",)),
    "imm_location_identified": _Answer(
        "no", "Only an approximate area from IP geolocation.", entities=("loc_home",)
    ),
    "imm_means_available": _Answer("unknown"),
    "imm_subject_locatable": _Answer(
        "yes",
        "Subscriber details and recent log-in IPs would let officers find her.",
        evidence=("export",),
        entities=("ip_home", "ip_mobile"),
    ),
    "sh_wish_dead": _Answer("unknown"),
    "sh_active_thoughts": _Answer("unknown"),
    "sh_intent": _Answer(
        "yes",
        "Friend reports she intends to harm herself on the stream.",
        Recency.H24,
        evidence=("request",),
    ),
    "sh_plan": _Answer(
        "yes",
        "When and where: on the live stream at 22:00 tonight.",
        Recency.H24,
        evidence=("capture",),
        entities=("post_announce", "event_stream"),
    ),
    "sh_preparatory": _Answer(
        "yes",
        "Goodbye message: 'last stream ever. thanks for everything'.",
        Recency.H24,
        evidence=("capture",),
        entities=("post_announce",),
    ),
    "sh_means_access": _Answer("unknown"),
    "sh_live": _Answer(
        "no", "Not live yet: the stream page shows her offline.", entities=("url_stream",)
    ),
    "sh_location_known": _Answer("no"),
    "sh_protective": _Answer(
        "present",
        "A friend is trying to reach her and alerted the police.",
        evidence=("capture",),
        entities=("friend", "post_friend"),
    ),
}


def record_workflow(
    ws: Workspace, case_id: str, evidence: Mapping[str, str], entities: Mapping[str, str]
) -> SavedAssessment:
    """Take the sample case from intake to an approved decision. `evidence` and `entities`
    map the sample's keys (demo.py) to the ids created for this copy of the case."""
    escalations = EscalationRepository(ws)
    escalations.save(case_id, _escalation(ws, evidence["request"], entities["acct_stream"]))
    ws.cases.update(case_id, status=CaseStatus.TRIAGE)
    ws.cases.update(case_id, status=CaseStatus.VERIFYING)
    _verify(ws, case_id, evidence)
    ws.cases.update(case_id, status=CaseStatus.ASSESSING)
    saved = _assess(ws, case_id, evidence, entities)
    _second_approval(ws, case_id)
    ws.cases.update(case_id, status=CaseStatus.DECIDED)
    return saved


def _escalation(ws: Workspace, request_id: str, account_id: str) -> Escalation:
    """The escalation as the intake reads it from the request e-mail, then what the
    investigator completes or corrects by hand."""
    message = parse_message(ws.evidence.read(request_id), REQUEST_FILENAME)
    draft = draft_from_message(
        message, default_rules(), VerificationService(ws).directory(), utcnow()
    ).escalation
    # The request names the account by handle and by user ID: both are the one account of the
    # graph. The subject's phone number in the narrative is context, not a data target.
    targets = tuple(
        replace(target, entity_id=account_id)
        for target in draft.targets
        if target.kind in (TargetKind.USERNAME, TargetKind.USER_ID)
    )
    return draft.with_changes(
        requester_name="Maria Okafor",  # the From name carried the rank ("DS ...")
        agency="Harbour Police",
        unit="Public Protection Unit",
        supervisor_name="Inspector Daniel Hughes",
        supervisor_contact=f"Through the force switchboard, {SWITCHBOARD}",
        at_risk="The account holder of @nightowl_rin, 'Rin', aged 17 (a minor).",
        info_recency=(
            "The announcement was posted about an hour before the request; the friend called "
            "the police shortly before it was sent."
        ),
        why_urgent=(
            "The stream is announced for 22:00 local time tonight; a UK production order cannot "
            "be obtained before then."
        ),
        how_data_helps=(
            "Subscriber details and recent log-in IP addresses let officers identify the "
            "address and attend for a welfare check."
        ),
        targets=targets,
        data_from=draft.received_at - timedelta(days=7),
        data_to=draft.received_at,
        legal_basis="Emergency disclosure provisions (risk to life); no statute cited",
        jurisdiction_requester="GB",
        jurisdiction_user="GB",
        source_evidence_id=request_id,
        source_ref=f"eml:{REQUEST_FILENAME}",
    )


def _verify(ws: Workspace, case_id: str, evidence: Mapping[str, str]) -> None:
    """The automatic checks from the stored message, then the manual ones done so far."""
    service = VerificationService(ws)
    service.run_automatic(case_id)
    for check_id, result, note, evidence_key in MANUAL_CHECKS:
        service.record_manual(
            case_id,
            check_id,
            result,
            note,
            evidence_id=evidence[evidence_key] if evidence_key else None,
        )


def _assess(
    ws: Workspace, case_id: str, evidence: Mapping[str, str], entities: Mapping[str, str]
) -> SavedAssessment:
    repo = AssessmentRepository(ws)
    record = repo.new_record(case_id)  # tracks from the case category: self-harm
    for factor_id, answer in ANSWERS.items():
        record = record.with_answer(
            factor_id,
            FactorAnswer(
                answer.value,
                answer.recency,
                answer.note,
                tuple(evidence[key] for key in answer.evidence),
                tuple(entities[key] for key in answer.entities),
            ),
        )
    record = replace(
        record,
        context=Context(
            concern_source="emergency_request",
            concern_detail=(
                "E-mailed emergency request from DS Maria Okafor, Harbour Police, after a friend "
                "of the user called the police."
            ),
            subject_ids=(entities["subject"], entities["acct_stream"]),
            targets_note="The person at risk is the subject herself.",
            evidence_ids=(evidence["request"], evidence["capture"], evidence["export"]),
        ),
        decision=Decision(
            options=(
                DecisionOption.EMERGENCY_DISCLOSURE,
                DecisionOption.PRESERVE_DATA,
                DecisionOption.SAFETY_INTERVENTION,
            ),
            disclosure_scope=(DataCategory.BASIC_SUBSCRIBER_INFO, DataCategory.IP_LOGIN_RECORDS),
            jurisdiction="US",
            legal_basis_ids=(LEGAL_BASIS,),
            user_notice=UserNotice.DELAY,
            user_notice_reason=(
                "Telling the user before officers reach her could raise the risk; review notice "
                "after the welfare check."
            ),
            preservation_started_at=utcnow(),
            helpline_language="en",
            rationale=(
                "A minor announced a 'last stream ever' for tonight with a goodbye message; the "
                "requester was verified by call-back. Disclose only what lets officers find her "
                "(subscriber info and the last 7 days of log-in IPs), no content; preserve the "
                "account's data for the legal process that may follow; show the in-app helpline "
                "card."
            ),
        ),
    )
    # The investigator accepts the tier the rules suggest; no override, no justification.
    record = replace(record, final_tier=repo.evaluate(record).suggested)
    return repo.save(case_id, record, base_version=0)


def _second_approval(ws: Workspace, case_id: str) -> None:
    """The four-eyes approval: approvals are given as the workspace's user, so a colleague
    opens the same workspace under their own name, as a second reviewer would."""
    reviewer_name = next(name for name in REVIEWERS if name != ws.actor)
    reviewer = Workspace.open(ws.root, actor=reviewer_name)
    try:
        approve(
            AssessmentRepository(reviewer),
            case_id,
            "Read the request, the call-back note and the trace; scope is the narrowest that "
            "resolves the emergency.",
        )
    finally:
        reviewer.close()
