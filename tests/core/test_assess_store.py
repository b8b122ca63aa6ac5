"""Saving assessments: required fields, versions and diffs, audit events, four-eyes sign-off,
decision rules, preservation dates, drafts and the re-assessment queue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from workbench.assess import (
    AssessmentConflictError,
    AssessmentRecord,
    AssessmentRepository,
    Context,
    DataCategory,
    Decision,
    DecisionOption,
    FactorAnswer,
    FourEyesError,
    IncompleteAssessmentError,
    Recency,
    Tier,
    UserNotice,
    approval_status,
    approve,
)
from workbench.assess.loader import USER_DIR_ENV
from workbench.audit import iter_events, verify_chain
from workbench.model import Case
from workbench.store.schema import assessment_versions
from workbench.store.workspace import Workspace
from workbench.timeutil import utcnow

BASE_ANSWERS = {
    "ctx_minor_at_risk": "no",
    "imm_timeframe": "unspecified",
    "imm_target_identified": "no",
    "imm_location_identified": "no",
    "imm_means_available": "no",
    "imm_subject_locatable": "unknown",
}


@pytest.fixture(autouse=True)
def _no_org_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_DIR_ENV, str(tmp_path / "no-org-templates"))


@pytest.fixture
def repo(ws: Workspace) -> AssessmentRepository:
    return AssessmentRepository(ws)


@pytest.fixture
def case(ws: Workspace) -> Case:
    return ws.cases.create("Live stream, self-harm", category="self_harm")


@pytest.fixture
def reviewer(ws: Workspace) -> Iterator[AssessmentRepository]:
    """The same workspace opened by a second person."""
    other = Workspace.open(ws.root, actor="reviewer.two")
    yield AssessmentRepository(other)
    other.close()


def filled(repo: AssessmentRepository, case: Case, **answers: object) -> AssessmentRecord:
    record = repo.new_record(case.id)
    for factor_id, spec in {**BASE_ANSWERS, **answers}.items():
        value, recency = spec if isinstance(spec, tuple) else (spec, None)
        record = record.with_answer(factor_id, FactorAnswer(str(value), recency))
    record = replace(record, context=Context(concern_source="emergency_request"))
    return replace(record, final_tier=repo.evaluate(record).suggested)


def disclosure(**changes: object) -> Decision:
    values: dict[str, object] = {
        "options": (DecisionOption.EMERGENCY_DISCLOSURE,),
        "jurisdiction": "US",
        "legal_basis_ids": ("us-2702c4",),
        "user_notice": UserNotice.DELAY,
        "user_notice_reason": "notice could endanger the person",
        "rationale": "Live stream shows means; location needed now.",
    }
    values.update(changes)
    return Decision(**values)  # type: ignore[arg-type]


def events(ws: Workspace, case: Case, action: str) -> list[dict[str, object]]:
    with ws.read() as conn:
        return [e.summary for e in iter_events(conn, case.id) if e.action == action]


# ---- saving ---------------------------------------------------------------------------------


def test_new_record_takes_tracks_from_the_case_category(
    repo: AssessmentRepository, ws: Workspace
) -> None:
    missing = ws.cases.create("Missing teen", category="kidnapping_missing")
    assert repo.new_record(missing.id).tracks == ("missing_person",)
    other = ws.cases.create("Other", category="other")
    assert repo.new_record(other.id).tracks == ()


def test_missing_required_fields_are_all_named(repo: AssessmentRepository, case: Case) -> None:
    with pytest.raises(IncompleteAssessmentError) as caught:
        repo.save(case.id, repo.new_record(case.id), base_version=0)
    fields = {field for field, _ in caught.value.problems}
    assert fields == {
        "context.concern_source",
        "answers.ctx_minor_at_risk",
        "answers.imm_timeframe",
        "answers.imm_target_identified",
        "answers.imm_location_identified",
        "answers.imm_means_available",
        "answers.imm_subject_locatable",
        "final_tier",
    }
    assert "Imminence and specificity: Timeframe: required" in str(caught.value)
    assert repo.current(case.id) is None and repo.history(case.id) == []
    with pytest.raises(IncompleteAssessmentError, match="Tracks: choose at least one track"):
        repo.save(case.id, replace(filled(repo, case), tracks=()), base_version=0)


def test_save_records_template_version_and_audits(
    repo: AssessmentRepository, case: Case, ws: Workspace
) -> None:
    record = filled(repo, case, sh_intent=("yes", Recency.H24))
    saved = repo.save(case.id, record, base_version=0)
    assert saved.version == 1 and saved.saved_by == "analyst.test"
    assert saved.record.template_id == "threat-spj" and saved.record.template_version == "1.0.0"
    assert saved.record.context.assessor == "analyst.test"
    assert saved.suggested is Tier.T1 and saved.record.final_tier is Tier.T1
    assert saved.trace[0].startswith("T1 because Self-harm indicators: Intent to act = yes")
    # T1 re-assessment default: two hours after saving
    assert saved.record.reassess_at is not None
    assert timedelta(hours=1, minutes=59) < saved.record.reassess_at - saved.saved_at
    (summary,) = events(ws, case, "assessment.save")
    assert summary["version"] == 1 and summary["template"] == "threat-spj 1.0.0"
    assert summary["snapshot_sha256"] == saved.snapshot_sha256
    assert "sh-t1-high-24h" in summary["rules"]  # type: ignore[operator]
    assert "Self-harm indicators: Intent to act set to yes" in summary["changes"]  # type: ignore[operator]
    with ws.read() as conn:
        assert verify_chain(conn).ok


def test_override_needs_a_justification_and_is_audited(
    repo: AssessmentRepository, case: Case, ws: Workspace
) -> None:
    record = replace(filled(repo, case, sh_intent=("yes", Recency.H24)), final_tier=Tier.T2)
    with pytest.raises(IncompleteAssessmentError) as caught:
        repo.save(case.id, record, base_version=0)
    assert caught.value.problems == [
        (
            "tier_justification",
            "Final tier T2 differs from the suggested T1: a justification is required",
        )
    ]
    record = replace(record, tier_justification="Called the person; now with family.")
    saved = repo.save(case.id, record, base_version=0)
    assert (saved.suggested, saved.record.final_tier) == (Tier.T1, Tier.T2)
    (summary,) = events(ws, case, "assessment.save")
    assert summary["override"] == {
        "suggested": "T1",
        "final": "T2",
        "justification": "Called the person; now with family.",
    }


def test_links_must_belong_to_the_case(
    repo: AssessmentRepository, case: Case, ws: Workspace
) -> None:
    person = ws.graph.add_entity(case.id, "person", "Ann Example")
    item = ws.evidence.add_bytes(case.id, b"screenshot", "shot.png", description="post")
    other_case = ws.cases.create("Other")
    stranger = ws.graph.add_entity(other_case.id, "person", "Someone Else")
    record = filled(repo, case).with_answer(
        "sh_intent",
        FactorAnswer("yes", Recency.H24, evidence_ids=(item.id,), entity_ids=(stranger.id,)),
    )
    record = replace(record, final_tier=Tier.T1)
    with pytest.raises(IncompleteAssessmentError) as caught:
        repo.save(case.id, record, base_version=0)
    assert caught.value.problems == [
        (
            "answers.sh_intent",
            f"Self-harm indicators: Intent to act: linked entity {stranger.id} is not in this case",
        )
    ]
    record = record.with_answer(
        "sh_intent",
        FactorAnswer("yes", Recency.H24, evidence_ids=(item.id,), entity_ids=(person.id,)),
    )
    record = replace(record, context=replace(record.context, subject_ids=(person.id,)))
    saved = repo.save(case.id, record, base_version=0)
    assert saved.record.answer("sh_intent").evidence_ids == (item.id,)


def test_versions_history_and_field_level_diff(
    repo: AssessmentRepository, case: Case, ws: Workspace
) -> None:
    item = ws.evidence.add_bytes(case.id, b"chat log", "chat.txt")
    first = repo.save(case.id, filled(repo, case, sh_plan="unknown"), base_version=0)
    second_record = first.record.with_answer(
        "sh_plan", FactorAnswer("yes", Recency.H24, evidence_ids=(item.id,))
    )
    second = repo.save(
        case.id, replace(second_record, final_tier=Tier.T1), base_version=first.version
    )
    third = repo.save(
        case.id,
        replace(second.record, decision=disclosure(), reassess_at=second.record.reassess_at),
        base_version=2,
    )
    assert [v.version for v in repo.history(case.id)] == [1, 2, 3]
    changes = [c.text for c in repo.diff(case.id, 1, 2)]
    assert "Self-harm indicators: Plan (how, when or where) changed from unknown to yes" in changes
    assert "Self-harm indicators: Plan (how, when or where) recency set to <= 24 h" in changes
    assert "Self-harm indicators: Plan (how, when or where) evidence: added chat.txt" in changes
    assert "Suggested tier changed from T4 to T1" in changes
    assert "Final tier changed from T4 to T1" in changes
    across = [c.text for c in repo.diff(case.id, 1, 3)]
    assert "Decision options: added Emergency disclosure" in across
    assert "Legal basis: added 18 U.S.C. 2702(c)(4)" in across
    backwards = [c.text for c in repo.diff(case.id, 3, 1)]
    assert "Decision options: removed Emergency disclosure" in backwards
    assert repo.history(case.id)[2].summary.startswith("Decision options: added Emergency")
    assert all(v.intact for v in repo.history(case.id))
    assert third.version == 3 and len(events(ws, case, "assessment.save")) == 3


def test_diff_names_linked_entities(repo: AssessmentRepository, case: Case, ws: Workspace) -> None:
    """The History dialog's diff reads entity names while its connection is still open."""
    person = ws.graph.add_entity(case.id, "person", "Subject Person")
    first = repo.save(case.id, filled(repo, case), base_version=0)
    record = replace(first.record, context=replace(first.record.context, subject_ids=(person.id,)))
    repo.save(case.id, record, base_version=first.version)
    changes = [c.text for c in repo.diff(case.id, 1, 2)]
    assert any("Subject Person" in text for text in changes)


def test_unchanged_save_makes_no_version(repo: AssessmentRepository, case: Case) -> None:
    saved = repo.save(case.id, filled(repo, case), base_version=0)
    again = repo.save(case.id, saved.record, base_version=1)
    assert again.version == 1 and len(repo.history(case.id)) == 1


def test_concurrent_save_is_refused(
    repo: AssessmentRepository, case: Case, reviewer: AssessmentRepository
) -> None:
    saved = repo.save(case.id, filled(repo, case), base_version=0)
    reviewer.save(
        case.id, replace(saved.record, tier_justification="", reassess_at=None), base_version=1
    )
    with pytest.raises(
        AssessmentConflictError, match=re.escape("saved as version 2 by reviewer.two")
    ):
        repo.save(case.id, filled(repo, case, sh_wish_dead="yes"), base_version=1)
    assert repo.require_current(case.id).version == 2


def test_tampered_snapshot_is_detected(
    repo: AssessmentRepository, case: Case, ws: Workspace
) -> None:
    repo.save(case.id, filled(repo, case), base_version=0)
    with ws.write() as conn:
        snapshot = conn.execute(select(assessment_versions.c.snapshot)).scalar_one()
        snapshot["record"]["final_tier"] = "T4x"
        conn.execute(update(assessment_versions).values(snapshot=snapshot))
    assert [v.intact for v in repo.history(case.id)] == [False]


# ---- decision rules -------------------------------------------------------------------------


def test_disclosure_needs_a_basis_that_covers_the_scope(
    repo: AssessmentRepository, case: Case
) -> None:
    record = replace(
        filled(repo, case, sh_intent=("yes", Recency.H24)),
        decision=disclosure(disclosure_scope=(DataCategory.CONTENT, DataCategory.LOCATION)),
    )
    with pytest.raises(IncompleteAssessmentError) as caught:
        repo.save(case.id, record, base_version=0)
    assert caught.value.problems == [
        (
            "decision.legal_basis_ids",
            "Decision: the chosen legal basis does not cover content; add a basis that does or "
            "narrow the scope",
        )
    ]
    fixed = replace(
        record, decision=replace(record.decision, legal_basis_ids=("us-2702c4", "us-2702b8"))
    )
    saved = repo.save(case.id, fixed, base_version=0)
    assert saved.record.decision.disclosure_scope == (DataCategory.LOCATION, DataCategory.CONTENT)


def test_decision_defaults_and_required_details(repo: AssessmentRepository, case: Case) -> None:
    assert Decision().disclosure_scope == (DataCategory.BASIC_SUBSCRIBER_INFO,)
    record = replace(
        filled(repo, case),
        decision=Decision(
            options=(
                DecisionOption.EMERGENCY_DISCLOSURE,
                DecisionOption.SAFETY_INTERVENTION,
                DecisionOption.ESCALATE,
                DecisionOption.CLOSE_NOT_CREDIBLE,
                DecisionOption.PRESERVE_DATA,
            ),
            legal_basis_ids=("made-up",),
        ),
    )
    with pytest.raises(IncompleteAssessmentError) as caught:
        repo.save(case.id, record, base_version=0)
    fields = [field for field, _ in caught.value.problems]
    assert fields == [
        "decision.options",
        "decision.rationale",
        "decision.legal_basis_ids",
        "decision.user_notice",
        "decision.preservation_started_at",
        "decision.helpline_language",
        "decision.escalate_to",
    ]


# ---- four eyes ------------------------------------------------------------------------------


def test_assessor_cannot_approve_and_refusal_is_audited(
    repo: AssessmentRepository, case: Case, ws: Workspace
) -> None:
    record = replace(filled(repo, case, sh_intent=("yes", Recency.H24)), decision=disclosure())
    repo.save(case.id, record, base_version=0)
    status = approval_status(repo, case.id)
    assert status.required and not status.satisfied
    assert status.reasons == ("final tier T1 (T1/T2 decisions need a second approver)",)
    with pytest.raises(FourEyesError, match=re.escape("analyst.test is the assessor of this case")):
        approve(repo, case.id)
    (refusal,) = events(ws, case, "assessment.approval_refused")
    assert "four-eyes rule" in str(refusal["reason"])
    assert not approval_status(repo, case.id).approvals


def test_second_person_approves_once(
    repo: AssessmentRepository, case: Case, ws: Workspace, reviewer: AssessmentRepository
) -> None:
    record = replace(filled(repo, case, sh_intent=("yes", Recency.H24)), decision=disclosure())
    repo.save(case.id, record, base_version=0)
    approval = approve(reviewer, case.id, "Checked call-back.")
    assert approval.approver == "reviewer.two" and approval.version == 1
    status = approval_status(repo, case.id)
    assert status.satisfied and [a.approver for a in status.approvals] == ["reviewer.two"]
    with pytest.raises(
        FourEyesError, match=re.escape("reviewer.two already approved this decision")
    ):
        approve(reviewer, case.id)
    assert len(approval_status(repo, case.id).approvals) == 1
    (approved,) = events(ws, case, "assessment.approve")
    assert approved["comment"] == "Checked call-back." and approved["final_tier"] == "T1"
    assert len(events(ws, case, "assessment.approval_refused")) == 1
    third = Workspace.open(ws.root, actor="third.person")
    try:
        approve(AssessmentRepository(third), case.id)
    finally:
        third.close()
    assert len(approval_status(repo, case.id).approvals) == 2
    with ws.read() as conn:
        assert verify_chain(conn).ok


def test_changing_the_decision_needs_a_new_approval(
    repo: AssessmentRepository, case: Case, reviewer: AssessmentRepository
) -> None:
    record = replace(filled(repo, case, sh_intent=("yes", Recency.H24)), decision=disclosure())
    saved = repo.save(case.id, record, base_version=0)
    approve(reviewer, case.id)
    # notes only: the approval still holds
    noted = saved.record.with_answer(
        "sh_intent", FactorAnswer("yes", Recency.H24, notes="seen on stream")
    )
    saved = repo.save(case.id, noted, base_version=1)
    assert approval_status(repo, case.id).satisfied
    # a wider scope: the earlier approval no longer covers it
    wider = replace(
        saved.record,
        decision=replace(
            saved.record.decision,
            disclosure_scope=(DataCategory.BASIC_SUBSCRIBER_INFO, DataCategory.LOCATION),
        ),
    )
    reviewer_saved = reviewer.save(case.id, wider, base_version=2)
    status = approval_status(repo, case.id)
    assert not status.satisfied and len(status.earlier) == 1
    # the person who widened it cannot approve their own change
    with pytest.raises(FourEyesError, match=re.escape("reviewer.two saved this decision")):
        approve(reviewer, case.id)
    assert reviewer_saved.version == 3


def test_content_needs_approval_even_at_t3(repo: AssessmentRepository, case: Case) -> None:
    record = replace(
        filled(repo, case, sh_wish_dead="yes"),
        decision=disclosure(
            disclosure_scope=(DataCategory.CONTENT,), legal_basis_ids=("us-2702b8",)
        ),
    )
    repo.save(case.id, record, base_version=0)
    status = approval_status(repo, case.id)
    assert status.reasons == ("the disclosure includes content",)
    narrow = replace(record, decision=disclosure())
    repo.save(case.id, narrow, base_version=1)
    assert not approval_status(repo, case.id).required


# ---- preservation, drafts, queue ------------------------------------------------------------


def test_preservation_expiry_and_one_extension(repo: AssessmentRepository, case: Case) -> None:
    started = utcnow()
    record = replace(
        filled(repo, case),
        decision=Decision(
            options=(DecisionOption.PRESERVE_DATA,),
            preservation_started_at=started,
            rationale="Keep logs while the request is verified.",
        ),
    )
    repo.save(case.id, record, base_version=0)
    from workbench.assess.report import show_json

    shown = show_json(repo, repo.ws.cases.get(case.id))["assessment"]["preservation"]
    assert shown["expires_at"][:10] == (started + timedelta(days=90)).isoformat()[:10]
    assert (
        shown["extension_would_expire_at"][:10] == (started + timedelta(days=180)).isoformat()[:10]
    )
    extended = repo.extend_preservation(case.id)
    assert extended.version == 2 and extended.record.decision.preservation_extensions == 1
    assert repo.history(case.id)[1].summary == "Preservation extensions set to 1"
    with pytest.raises(Exception, match="already extended 1 time"):
        repo.extend_preservation(case.id)
    expiring = repo.preservations_expiring(started + timedelta(days=200))
    assert [item.case_id for item in expiring] == [case.id]
    assert repo.preservations_expiring(started + timedelta(days=100)) == []


def test_drafts_keep_unsaved_work(repo: AssessmentRepository, case: Case) -> None:
    record = filled(repo, case, sh_wish_dead="yes")
    repo.save_draft(case.id, record, 0)
    draft = repo.load_draft(case.id)
    assert draft is not None and draft.record == record and draft.base_version == 0
    repo.save(case.id, record, base_version=0)
    assert repo.load_draft(case.id) is None
    repo.save_draft(case.id, record, 1)
    repo.discard_draft(case.id)
    assert repo.load_draft(case.id) is None


def test_reassessment_queue(repo: AssessmentRepository, case: Case, ws: Workspace) -> None:
    saved = repo.save(case.id, filled(repo, case, sh_wish_dead="yes"), base_version=0)
    assert saved.record.final_tier is Tier.T3
    due_at = saved.record.reassess_at
    assert due_at is not None and timedelta(hours=71) < due_at - saved.saved_at
    assert repo.due_reassessments() == []
    later = due_at + timedelta(minutes=1)
    (item,) = repo.due_reassessments(later)
    assert (item.case_id, item.final_tier, item.reference) == (case.id, Tier.T3, case.reference)
    # an explicit time in the past is refused ...
    past = replace(saved.record, reassess_at=utcnow() - timedelta(hours=1))
    with pytest.raises(IncompleteAssessmentError, match="is in the past"):
        repo.save(case.id, past, base_version=1)
    # ... raising the tier pulls the untouched re-assessment time earlier
    raised = repo.save(
        case.id,
        replace(saved.record, final_tier=Tier.T2, tier_justification="Escalating concern"),
        base_version=1,
    )
    assert raised.record.reassess_at is not None and raised.record.reassess_at < due_at
    ws.cases.update(case.id, status="closed")
    assert repo.due_reassessments(later) == []


def test_saving_a_due_record_is_the_reassessment(
    repo: AssessmentRepository, case: Case, ws: Workspace
) -> None:
    from workbench.store.schema import assessments

    saved = repo.save(case.id, filled(repo, case), base_version=0)
    overdue = utcnow() - timedelta(hours=1)
    with ws.write() as conn:
        snapshot = conn.execute(select(assessment_versions.c.snapshot)).scalar_one()
        snapshot["record"]["reassess_at"] = overdue.isoformat().replace("+00:00", "Z")
        conn.execute(update(assessment_versions).values(snapshot=snapshot))
        conn.execute(update(assessments).values(reassess_at=overdue))
    assert [i.case_id for i in repo.due_reassessments()] == [case.id]
    current = repo.require_current(case.id)
    again = repo.save(
        case.id,
        current.record.with_answer("sh_wish_dead", FactorAnswer("no")),
        base_version=saved.version,
    )
    assert again.record.reassess_at is not None and again.record.reassess_at > utcnow()
    assert repo.due_reassessments() == []
