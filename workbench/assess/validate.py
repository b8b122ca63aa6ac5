"""Checks a record against its template before it is saved; every problem names its field."""

from __future__ import annotations

from datetime import datetime

from workbench.assess.decision import Problem, decision_problems
from workbench.assess.legal import LegalBases
from workbench.assess.model import UNANSWERED, AssessmentRecord, Tier
from workbench.assess.templates import Template
from workbench.timeutil import to_iso


def record_problems(
    template: Template,
    record: AssessmentRecord,
    legal: LegalBases,
    *,
    suggested: Tier,
    now: datetime,
    previous_reassess_at: datetime | None = None,
) -> list[Problem]:
    """Everything that stops a save, in form order; empty when the record can be saved."""
    problems: list[Problem] = []
    if record.template_id != template.id:
        problems.append(
            ("template_id", f"The record uses template {record.template_id!r}, not {template.id!r}")
        )
    if not record.tracks:
        problems.append(("tracks", "Tracks: choose at least one track"))
    for track in record.tracks:
        if track not in template.tracks:
            problems.append(
                ("tracks", f"Tracks: {track!r} is not a track of template {template.id}")
            )
    source_ids = {option.id for option in template.concern_sources}
    if not record.context.concern_source:
        problems.append(("context.concern_source", "Context: choose the concern source"))
    elif source_ids and record.context.concern_source not in source_ids:
        problems.append(
            (
                "context.concern_source",
                f"Context: concern source {record.context.concern_source!r} is not offered by "
                f"the template ({', '.join(sorted(source_ids))})",
            )
        )
    for factor_id, answer in record.answers.items():
        factor = template.factors.get(factor_id)
        if factor is None:
            problems.append(
                (
                    f"answers.{factor_id}",
                    f"Factor {factor_id!r} is not in template {template.id} {template.version}",
                )
            )
            continue
        title = template.factor_title(factor_id)
        if answer.value != UNANSWERED and answer.value not in factor.values:
            problems.append(
                (
                    f"answers.{factor_id}",
                    f"{title}: {answer.value!r} is not an answer; use {', '.join(factor.values)}",
                )
            )
        if answer.recency is not None and not factor.recency:
            problems.append((f"answers.{factor_id}", f"{title}: this factor has no recency"))
    for factor in template.visible_factors(record.tracks):
        if factor.required and record.answer(factor.id).value == UNANSWERED:
            problems.append(
                (
                    f"answers.{factor.id}",
                    f"{template.factor_title(factor.id)}: required (answer unknown if not known)",
                )
            )
    if record.final_tier is None:
        problems.append(
            ("final_tier", f"Final tier: choose the tier (the rules suggest {suggested.value})")
        )
    elif record.final_tier is not suggested and not record.tier_justification.strip():
        problems.append(
            (
                "tier_justification",
                f"Final tier {record.final_tier.value} differs from the suggested "
                f"{suggested.value}: a justification is required",
            )
        )
    if (
        record.reassess_at is not None
        and record.reassess_at <= now
        and record.reassess_at != previous_reassess_at
    ):
        problems.append(
            (
                "reassess_at",
                f"Re-assessment time {to_iso(record.reassess_at)} is in the past; choose a "
                "later time",
            )
        )
    problems.extend(decision_problems(record, legal, template.policy))
    return problems
