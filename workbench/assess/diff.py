"""Field-level differences between two saved versions, worded for a reviewer:
"Self-harm indicators: Intent to act changed from unknown to yes"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.assess.model import (
    DATA_CATEGORY_LABELS,
    DECISION_LABELS,
    RECENCY_LABELS,
    USER_NOTICE_LABELS,
    DataCategory,
    DecisionOption,
    Recency,
    UserNotice,
)
from workbench.assess.templates import Template

Namer = Callable[[str], str]
SHORT_TEXT = 60

CONTEXT_LABELS = {
    "concern_source": "Concern source",
    "concern_detail": "Concern detail",
    "subject_ids": "Subjects",
    "target_ids": "Potential targets",
    "targets_note": "Note on targets",
    "evidence_ids": "Context evidence",
    "assessor": "Assessor",
}
DECISION_FIELD_LABELS = {
    "options": "Decision options",
    "disclosure_scope": "Disclosure scope",
    "jurisdiction": "Jurisdiction",
    "legal_basis_ids": "Legal basis",
    "user_notice": "User notice",
    "user_notice_reason": "Reason for the user-notice decision",
    "preservation_started_at": "Preservation start",
    "preservation_extensions": "Preservation extensions",
    "helpline_language": "Helpline language",
    "escalate_to": "Escalated to",
    "rationale": "Decision rationale",
}
ANSWER_PARTS = ("value", "recency", "notes", "evidence_ids", "entity_ids")


@dataclass(frozen=True)
class Change:
    field: str
    text: str
    before: Any
    after: Any


def _enum_label(labels: dict[Any, str], enum_type: type[Any]) -> Callable[[str], str]:
    def label(value: str) -> str:
        try:
            return labels[enum_type(value)]
        except ValueError:
            return value

    return label


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == 0 or value == []


def _plain(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    return str(value)


class _Differ:
    def __init__(self, template: Template | None, names: Namer | None, legal_names: Namer | None):
        self.template = template
        self.names = names or (lambda item_id: item_id)
        self.legal_names = legal_names or (lambda basis_id: basis_id)
        self.changes: list[Change] = []

    def scalar(
        self, field: str, label: str, before: Any, after: Any, show: Callable[[Any], str] = _plain
    ) -> None:
        if before == after or (_empty(before) and _empty(after)):
            return
        long_text = any(isinstance(v, str) and len(v) > SHORT_TEXT for v in (before, after))
        if long_text:
            text = f"{label} edited"
        elif _empty(before):
            text = f"{label} set to {show(after)}"
        else:
            text = f"{label} changed from {show(before)} to {show(after)}"
        self.changes.append(Change(field, text, before, after))

    def listing(
        self, field: str, label: str, before: list[Any], after: list[Any], show: Namer
    ) -> None:
        added = [item for item in after if item not in before]
        removed = [item for item in before if item not in after]
        if not added and not removed:
            return
        parts = []
        if added:
            parts.append("added " + ", ".join(show(item) for item in added))
        if removed:
            parts.append("removed " + ", ".join(show(item) for item in removed))
        self.changes.append(Change(field, f"{label}: {'; '.join(parts)}", before, after))

    def factor_title(self, factor_id: str) -> str:
        return self.template.factor_title(factor_id) if self.template else factor_id

    def factor_value(self, factor_id: str) -> Callable[[Any], str]:
        def show(value: Any) -> str:
            if not value:
                return "not answered"
            if self.template and factor_id in self.template.factors:
                return self.template.factors[factor_id].value_label(value)
            return str(value)

        return show

    def track_label(self, track_id: str) -> str:
        if self.template and track_id in self.template.tracks:
            return self.template.tracks[track_id].label
        return track_id

    def concern_source(self, value: Any) -> str:
        if not value:
            return "(empty)"
        return self.template.concern_source_label(value) if self.template else str(value)


def diff_snapshots(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    template: Template | None = None,
    names: Namer | None = None,
    legal_names: Namer | None = None,
) -> list[Change]:
    """Changes from snapshot `old` to `new` (snapshots as stored: {"record", "evaluation"})."""
    differ = _Differ(template, names, legal_names)
    new_record = new["record"]
    if old is None:
        differ.changes.append(
            Change(
                "record",
                f"Assessment created with template {new_record['template_id']} "
                f"{new_record['template_version']}",
                None,
                new_record["template_id"],
            )
        )
        old_record: dict[str, Any] = {}
        old_evaluation: dict[str, Any] = {}
    else:
        old_record = old["record"]
        old_evaluation = old.get("evaluation") or {}
    recency_label = _enum_label(RECENCY_LABELS, Recency)

    if old is not None:
        before = f"{old_record.get('template_id')} {old_record.get('template_version')}"
        after = f"{new_record['template_id']} {new_record['template_version']}"
        differ.scalar("template", "Template", before, after)
    differ.listing(
        "tracks", "Tracks", old_record.get("tracks", []), new_record["tracks"], differ.track_label
    )
    old_context = old_record.get("context", {})
    for key, label in CONTEXT_LABELS.items():
        before, after = old_context.get(key), new_record["context"].get(key)
        if key.endswith("_ids"):
            differ.listing(f"context.{key}", label, before or [], after or [], differ.names)
        elif key == "concern_source":
            differ.scalar(f"context.{key}", label, before, after, differ.concern_source)
        else:
            differ.scalar(f"context.{key}", label, before, after)

    old_answers = old_record.get("answers", {})
    new_answers = new_record["answers"]
    order = list(differ.template.factors) if differ.template else []
    factor_ids = sorted(
        set(old_answers) | set(new_answers),
        key=lambda f: (order.index(f) if f in order else len(order), f),
    )
    for factor_id in factor_ids:
        title = differ.factor_title(factor_id)
        before_answer = old_answers.get(factor_id) or {}
        after_answer = new_answers.get(factor_id) or {}
        field = f"answers.{factor_id}"
        differ.scalar(
            f"{field}.value",
            title,
            before_answer.get("value") or "",
            after_answer.get("value") or "",
            differ.factor_value(factor_id),
        )
        differ.scalar(
            f"{field}.recency",
            f"{title} recency",
            before_answer.get("recency"),
            after_answer.get("recency"),
            lambda v: recency_label(v) if v else "(empty)",
        )
        differ.scalar(
            f"{field}.notes",
            f"{title} notes",
            before_answer.get("notes"),
            after_answer.get("notes"),
        )
        differ.listing(
            f"{field}.evidence_ids",
            f"{title} evidence",
            before_answer.get("evidence_ids") or [],
            after_answer.get("evidence_ids") or [],
            differ.names,
        )
        differ.listing(
            f"{field}.entity_ids",
            f"{title} entities",
            before_answer.get("entity_ids") or [],
            after_answer.get("entity_ids") or [],
            differ.names,
        )

    differ.scalar(
        "evaluation.suggested",
        "Suggested tier",
        old_evaluation.get("suggested"),
        (new.get("evaluation") or {}).get("suggested"),
    )
    differ.scalar(
        "final_tier", "Final tier", old_record.get("final_tier"), new_record["final_tier"]
    )
    differ.scalar(
        "tier_justification",
        "Tier justification",
        old_record.get("tier_justification"),
        new_record["tier_justification"],
    )
    differ.scalar(
        "reassess_at",
        "Re-assessment time",
        old_record.get("reassess_at"),
        new_record["reassess_at"],
    )

    old_decision = old_record.get("decision", {})
    option_label = _enum_label(DECISION_LABELS, DecisionOption)
    category_label = _enum_label(DATA_CATEGORY_LABELS, DataCategory)
    notice_label = _enum_label(USER_NOTICE_LABELS, UserNotice)
    for key, label in DECISION_FIELD_LABELS.items():
        before = old_decision.get(key)
        after = new_record["decision"].get(key)
        field = f"decision.{key}"
        if key == "options":
            differ.listing(field, label, before or [], after or [], option_label)
        elif key == "disclosure_scope":
            if old is None and not (new_record["decision"].get("options") or []):
                continue  # the default scope of an empty decision is not news
            differ.listing(field, label, before or [], after or [], category_label)
        elif key == "legal_basis_ids":
            differ.listing(field, label, before or [], after or [], differ.legal_names)
        elif key == "user_notice":
            if old is None and after == UserNotice.UNDECIDED.value:
                continue
            differ.scalar(
                field, label, before, after, lambda v: notice_label(v) if v else "(empty)"
            )
        else:
            differ.scalar(field, label, before, after)
    return differ.changes
