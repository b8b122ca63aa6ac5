"""A fully worked case for the report tests: the sample case with its escalation, requester
verification and assessment saved again with the values below (a new version of its approved
emergency disclosure and preservation, approved by REVIEWER), and a production copy of the
disclosed records. Imported by the report tests (core and UI).

Values marked SECRET_* must never appear in a law-enforcement report; they sit in internal
notes, factor notes, the rationale and the names of other team members.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from workbench.assess import (
    AssessmentRepository,
    Context,
    DataCategory,
    Decision,
    DecisionOption,
    FactorAnswer,
    Tier,
    UserNotice,
    approve,
)
from workbench.demo import create_demo_case
from workbench.evidence.model import CopyType
from workbench.intake.model import Channel, Escalation, Target, TargetKind
from workbench.intake.model import DataCategory as RequestCategory
from workbench.intake.repository import EscalationRepository
from workbench.intake.verification import VerificationService
from workbench.model import Case, Category
from workbench.store.evidence import Lineage
from workbench.store.workspace import Workspace
from workbench.timeutil import utcnow

REVIEWER = "reviewer.two"
SECRET_RATIONALE = "INTERNAL-RATIONALE: the friend Kenji sounded credible on the phone"
SECRET_FACTOR_NOTE = "FACTOR-NOTE: analyst saw the knife photo"
SECRET_APPROVAL = "APPROVAL-COMMENT: ok by night lead"
# entity values of the sample case that an LE report must not show (outside the scope or
# other users' data)
WITHHELD_VALUES = (
    "Kenji T.",  # another person (the friend)
    "kenji_t",  # another user's account
    "owl_rin_alt",  # suspected link only
    "Riverside flats, Harbour Road, Bristol",  # location: not in the approved scope
    "Phone model X12 (IMEI ending 4821)",  # device: not in the approved scope
    "Treat as a minor until disproven",  # internal note on the subject
    "internal_login_export.csv",  # internal evidence file
)
DISCLOSED_VALUES = ("nightowl_rin", "rin.nightowl@mailbox.example", "203.0.113.45")


def decided_case(
    ws: Workspace,
    tmp_path: Path,
    *,
    approved: bool = True,
    options: tuple[DecisionOption, ...] = (
        DecisionOption.EMERGENCY_DISCLOSURE,
        DecisionOption.PRESERVE_DATA,
    ),
) -> Case:
    """The sample case with its escalation, verification and a decision (by default an
    emergency disclosure with preservation; `options` to record another)."""
    case = create_demo_case(ws)
    request = next(e for e in ws.evidence.list(case.id) if e.filename.endswith(".eml"))
    export = next(e for e in ws.evidence.list(case.id) if e.filename.endswith(".csv"))
    received = utcnow() - timedelta(minutes=40)
    EscalationRepository(ws).save(
        case.id,
        Escalation(
            channel=Channel.EMAIL,
            received_at=received,
            requester_name="Maria Okafor",
            requester_rank="DS",
            requester_badge="4471",
            agency="Harbour Police",
            unit="Public Protection Unit",
            country="GB",
            requester_email="m.okafor@harbour-police.example",
            requester_phone="+44 20 7946 0018",
            supervisor_name="Insp. Daniel Hughes",
            emergency_nature=Category.SELF_HARM,
            at_risk="The 17-year-old account holder",
            info_recency="Announcement posted one hour ago",
            why_urgent="Live stream announced for 22:00 tonight",
            how_data_helps="Subscriber details and log-in IPs let officers find her",
            narrative="NARRATIVE: friend Kenji T. called the police about a last stream",
            targets=(Target(TargetKind.USERNAME, "nightowl_rin"),),
            data_categories=(
                RequestCategory.BASIC_SUBSCRIBER_INFO,
                RequestCategory.IP_LOGIN_RECORDS,
            ),
            legal_basis="emergency disclosure provisions",
            source_evidence_id=request.id,
            message_id="<request-4471@harbour-police.example>",
        ),
        strict=False,
    )
    verification = VerificationService(ws)
    verification.run_automatic(case.id)
    verification.record_manual(
        case.id, "callback", "pass", "Called the force switchboard found on its website"
    )
    repo = AssessmentRepository(ws)
    record = repo.new_record(case.id)
    for factor_id, value in {
        "ctx_minor_at_risk": "yes",
        "imm_timeframe": "within_24h",
        "imm_target_identified": "yes",
        "imm_location_identified": "no",
        "imm_means_available": "unknown",
        "imm_subject_locatable": "no",
    }.items():
        notes = SECRET_FACTOR_NOTE if factor_id == "imm_means_available" else ""
        record = record.with_answer(factor_id, FactorAnswer(value, notes=notes))
    subject = ws.graph.resolve_entity(case.id, "person:Rin (surname unknown)")
    record = replace(
        record,
        context=Context(concern_source="emergency_request", subject_ids=(subject.id,)),
        decision=Decision(
            options=options,
            disclosure_scope=(
                (DataCategory.BASIC_SUBSCRIBER_INFO, DataCategory.IP_LOGIN_RECORDS)
                if DecisionOption.EMERGENCY_DISCLOSURE in options
                else ()
            ),
            jurisdiction="US",
            legal_basis_ids=("us-2702c4",),
            user_notice=UserNotice.DELAY,
            user_notice_reason="Notice could endanger the person",
            preservation_started_at=utcnow(),
            rationale=SECRET_RATIONALE,
        ),
    )
    suggested = repo.evaluate(record).suggested
    justification = "" if suggested is Tier.T1 else "Announced for tonight and the user is a minor"
    record = replace(record, final_tier=Tier.T1, tier_justification=justification)
    # the sample case comes with its own approved decision: this one is a new version of it
    repo.save(case.id, record, base_version=repo.require_current(case.id).version)
    if approved:
        reviewer = Workspace.open(ws.root, actor=REVIEWER)
        try:
            approve(AssessmentRepository(reviewer), case.id, SECRET_APPROVAL)
        finally:
            reviewer.close()
    production = tmp_path / "production_subscriber_records.csv"
    production.write_text(
        "account_id,email,phone\n58214407,rin.nightowl@mailbox.example,+447700900123\n",
        encoding="utf-8",
    )
    ws.evidence.add_file(
        case.id,
        production,
        description="Records produced for Harbour Police",
        lineage=Lineage(export.id, CopyType.PRODUCTION, "production", "disclosure"),
    )
    return ws.cases.get(case.id)
