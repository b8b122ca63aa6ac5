"""Decision rules that are policy, not form-filling: when a second approver is needed, which
legal bases cover the disclosure scope, preservation dates, and what an approval binds to."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from workbench.assess.legal import LegalBases
from workbench.assess.model import (
    AssessmentRecord,
    DataCategory,
    Decision,
    DecisionOption,
    Tier,
    UserNotice,
    record_to_json,
)
from workbench.assess.templates import DecisionPolicy

Problem = tuple[str, str]  # (field, message)


def approval_reasons(record: AssessmentRecord, policy: DecisionPolicy) -> tuple[str, ...]:
    """Why this decision needs a second approver; empty when it does not."""
    decision = record.decision
    if not decision.options:
        return ()
    reasons: list[str] = []
    if record.final_tier is not None and record.final_tier in policy.approval_tiers:
        reasons.append(
            f"final tier {record.final_tier.value} "
            f"({'/'.join(t.value for t in policy.approval_tiers)} decisions need a second approver)"
        )
    if decision.discloses:
        sensitive = [c for c in decision.disclosure_scope if c in policy.approval_categories]
        if sensitive:
            reasons.append(
                f"the disclosure includes {', '.join(c.label.lower() for c in sensitive)}"
            )
    return tuple(reasons)


def decision_digest(record: AssessmentRecord) -> str:
    """What an approval binds to: the final tier and the whole decision. Editing either after
    an approval leaves the approval on record but no longer valid for the new content."""
    from workbench.audit import canonical_json

    data = record_to_json(record)
    body = canonical_json({"final_tier": data["final_tier"], "decision": data["decision"]})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def preservation_expiry(decision: Decision, policy: DecisionPolicy) -> datetime | None:
    """When the preservation ends: start + preservation days + one extension period per
    extension granted."""
    if decision.preservation_started_at is None:
        return None
    days = policy.preservation_days + policy.extension_days * decision.preservation_extensions
    return decision.preservation_started_at + timedelta(days=days)


def extended_expiry(decision: Decision, policy: DecisionPolicy) -> datetime | None:
    """The expiry an extension would give, or None when no extension is left."""
    current = preservation_expiry(decision, policy)
    if current is None or decision.preservation_extensions >= policy.max_extensions:
        return None
    return current + timedelta(days=policy.extension_days)


def narrowest_sufficient(scope: tuple[DataCategory, ...]) -> tuple[DataCategory, ...]:
    """The scope sorted narrowest first, without duplicates."""
    return tuple(sorted(set(scope), key=lambda category: category.rank))


def decision_problems(
    record: AssessmentRecord, legal: LegalBases, policy: DecisionPolicy
) -> list[Problem]:
    decision = record.decision
    options = set(decision.options)
    problems: list[Problem] = []
    if not options:
        return problems
    if DecisionOption.CLOSE_NOT_CREDIBLE in options and options & {
        DecisionOption.EMERGENCY_DISCLOSURE,
        DecisionOption.PROACTIVE_REFERRAL,
        DecisionOption.ESCALATE,
    }:
        problems.append(
            (
                "decision.options",
                "Decision: 'close, not credible' cannot be combined with a disclosure, a "
                "referral or an escalation",
            )
        )
    if not decision.rationale.strip():
        problems.append(("decision.rationale", "Decision: write the rationale for the decision"))
    bases = []
    for basis_id in decision.legal_basis_ids:
        basis = legal.find(basis_id)
        if basis is None:
            problems.append(
                (
                    "decision.legal_basis_ids",
                    f"Decision: legal basis {basis_id!r} is not in the list {legal.path}",
                )
            )
        else:
            bases.append(basis)
    if decision.discloses:
        if not decision.disclosure_scope:
            problems.append(
                (
                    "decision.disclosure_scope",
                    "Decision: choose the data categories to disclose (narrowest first)",
                )
            )
        if not decision.legal_basis_ids:
            problems.append(
                ("decision.legal_basis_ids", "Decision: choose the legal basis of the disclosure")
            )
        elif bases:
            covered = {category for basis in bases for category in basis.categories}
            missing = [c for c in decision.disclosure_scope if c not in covered]
            if missing:
                problems.append(
                    (
                        "decision.legal_basis_ids",
                        "Decision: the chosen legal basis does not cover "
                        + ", ".join(c.label.lower() for c in missing)
                        + "; add a basis that does or narrow the scope",
                    )
                )
        if decision.user_notice is UserNotice.UNDECIDED:
            problems.append(
                ("decision.user_notice", "Decision: decide whether the user is notified")
            )
    if DecisionOption.PROACTIVE_REFERRAL in options and not decision.legal_basis_ids:
        problems.append(
            ("decision.legal_basis_ids", "Decision: choose the legal basis of the referral")
        )
    if (
        decision.user_notice in (UserNotice.DELAY, UserNotice.NO_NOTICE)
        and not decision.user_notice_reason.strip()
    ):
        problems.append(
            (
                "decision.user_notice_reason",
                "Decision: give the reason for delaying or not giving the user notice",
            )
        )
    if DecisionOption.PRESERVE_DATA in options and decision.preservation_started_at is None:
        problems.append(
            (
                "decision.preservation_started_at",
                "Decision: set the date the preservation started",
            )
        )
    if decision.preservation_extensions > policy.max_extensions:
        problems.append(
            (
                "decision.preservation_extensions",
                f"Decision: at most {policy.max_extensions} preservation extension(s) allowed",
            )
        )
    if DecisionOption.SAFETY_INTERVENTION in options and not decision.helpline_language.strip():
        problems.append(
            (
                "decision.helpline_language",
                "Decision: give the user's language for the helpline message",
            )
        )
    if DecisionOption.ESCALATE in options and not decision.escalate_to.strip():
        problems.append(("decision.escalate_to", "Decision: say to whom the case is escalated"))
    if DecisionOption.MONITOR in options and record.reassess_at is None:
        problems.append(("reassess_at", "Decision: monitoring needs a re-assessment time"))
    return problems


def tier_needs_justification(suggested: Tier, record: AssessmentRecord) -> bool:
    return record.final_tier is not None and record.final_tier is not suggested
