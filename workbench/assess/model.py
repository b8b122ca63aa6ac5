"""The assessment record: context, factor answers, tier, decision. Plain data, no I/O.

A record is what one save stores (as a JSON snapshot); the repository adds who saved it,
when, its version number and the tier the rules suggested at that moment.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from workbench.errors import ValidationError
from workbench.timeutil import from_iso, to_iso

UNANSWERED = ""
UNKNOWN = "unknown"


class Tier(enum.StrEnum):
    """T1 is the most urgent. Labels and meanings come from the template."""

    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    T4 = "T4"

    @property
    def rank(self) -> int:
        return int(self.value[1])

    def raised(self, steps: int) -> Tier:
        """The tier `steps` levels more urgent, stopping at T1."""
        return Tier(f"T{max(1, self.rank - steps)}")


class Recency(enum.StrEnum):
    """How recent a factor is, most recent first (DOMAIN.md section 4)."""

    IN_PROGRESS = "in_progress"
    H24 = "24h"
    M1 = "1m"
    M3 = "3m"
    OLDER = "older"

    @property
    def rank(self) -> int:
        return list(Recency).index(self)

    @property
    def label(self) -> str:
        return RECENCY_LABELS[self]


RECENCY_LABELS = {
    Recency.IN_PROGRESS: "in progress",
    Recency.H24: "<= 24 h",
    Recency.M1: "<= 1 month",
    Recency.M3: "<= 3 months",
    Recency.OLDER: "older",
}


class FactorType(enum.StrEnum):
    YES_NO = "yes_no"  # yes / no / unknown
    PRESENCE = "presence"  # present / absent / unknown
    CHOICE = "choice"  # one of the template's options, or unknown

    @property
    def fixed_values(self) -> tuple[str, ...]:
        if self is FactorType.YES_NO:
            return ("yes", "no")
        if self is FactorType.PRESENCE:
            return ("present", "absent")
        return ()


class DataCategory(enum.StrEnum):
    """Data a disclosure may include, narrowest first (DOMAIN.md section 2)."""

    BASIC_SUBSCRIBER_INFO = "basic_subscriber_info"
    IP_LOGIN_RECORDS = "ip_login_records"
    DEVICE = "device"
    LOCATION = "location"
    NON_CONTENT_METADATA = "non_content_metadata"
    CONTENT = "content"

    @property
    def rank(self) -> int:
        return list(DataCategory).index(self)

    @property
    def label(self) -> str:
        return DATA_CATEGORY_LABELS[self]


DATA_CATEGORY_LABELS = {
    DataCategory.BASIC_SUBSCRIBER_INFO: "Basic subscriber info",
    DataCategory.IP_LOGIN_RECORDS: "IP / log-in records",
    DataCategory.DEVICE: "Device",
    DataCategory.LOCATION: "Location",
    DataCategory.NON_CONTENT_METADATA: "Non-content metadata",
    DataCategory.CONTENT: "Content",
}
NARROWEST_SCOPE = (DataCategory.BASIC_SUBSCRIBER_INFO,)


class DecisionOption(enum.StrEnum):
    """What the team decides to do (DOMAIN.md section 4); several may apply at once."""

    EMERGENCY_DISCLOSURE = "emergency_disclosure"
    PROACTIVE_REFERRAL = "proactive_referral"
    REQUEST_MORE_INFORMATION = "request_more_information"
    REDIRECT_LEGAL_PROCESS = "redirect_legal_process"
    PRESERVE_DATA = "preserve_data"
    SAFETY_INTERVENTION = "safety_intervention"
    ACCOUNT_ACTION = "account_action"
    ESCALATE = "escalate"
    MONITOR = "monitor"
    CLOSE_NOT_CREDIBLE = "close_not_credible"

    @property
    def label(self) -> str:
        return DECISION_LABELS[self]


DECISION_LABELS = {
    DecisionOption.EMERGENCY_DISCLOSURE: "Emergency disclosure",
    DecisionOption.PROACTIVE_REFERRAL: "Proactive referral to authorities",
    DecisionOption.REQUEST_MORE_INFORMATION: "Ask the requester for more information",
    DecisionOption.REDIRECT_LEGAL_PROCESS: "Redirect to legal process / MLAT",
    DecisionOption.PRESERVE_DATA: "Preserve data",
    DecisionOption.SAFETY_INTERVENTION: "In-product safety intervention (helpline)",
    DecisionOption.ACCOUNT_ACTION: "Account / content action",
    DecisionOption.ESCALATE: "Escalate",
    DecisionOption.MONITOR: "Monitor, with a re-assessment time",
    DecisionOption.CLOSE_NOT_CREDIBLE: "Close: not credible",
}


class UserNotice(enum.StrEnum):
    UNDECIDED = "undecided"
    NOTIFY = "notify"
    DELAY = "delay"
    NO_NOTICE = "no_notice"

    @property
    def label(self) -> str:
        return USER_NOTICE_LABELS[self]


USER_NOTICE_LABELS = {
    UserNotice.UNDECIDED: "Not decided yet",
    UserNotice.NOTIFY: "Notify the user",
    UserNotice.DELAY: "Delay notice",
    UserNotice.NO_NOTICE: "No notice",
}


@dataclass(frozen=True)
class FactorAnswer:
    """One factor as the assessor judged it. An empty value means not answered yet."""

    value: str = UNANSWERED
    recency: Recency | None = None
    notes: str = ""
    evidence_ids: tuple[str, ...] = ()
    entity_ids: tuple[str, ...] = ()

    @property
    def effective_value(self) -> str:
        """What the rules see: an unanswered factor counts as unknown."""
        return self.value or UNKNOWN

    def is_blank(self) -> bool:
        return self == FactorAnswer()


@dataclass(frozen=True)
class Context:
    concern_source: str = ""
    concern_detail: str = ""
    subject_ids: tuple[str, ...] = ()
    target_ids: tuple[str, ...] = ()
    targets_note: str = ""
    evidence_ids: tuple[str, ...] = ()
    assessor: str = ""


@dataclass(frozen=True)
class Decision:
    options: tuple[DecisionOption, ...] = ()
    disclosure_scope: tuple[DataCategory, ...] = NARROWEST_SCOPE
    jurisdiction: str = ""
    legal_basis_ids: tuple[str, ...] = ()
    user_notice: UserNotice = UserNotice.UNDECIDED
    user_notice_reason: str = ""
    preservation_started_at: datetime | None = None
    preservation_extensions: int = 0
    helpline_language: str = ""
    escalate_to: str = ""
    rationale: str = ""

    def has(self, option: DecisionOption) -> bool:
        return option in self.options

    @property
    def discloses(self) -> bool:
        return self.has(DecisionOption.EMERGENCY_DISCLOSURE)


@dataclass(frozen=True)
class AssessmentRecord:
    template_id: str
    template_version: str
    tracks: tuple[str, ...] = ()
    context: Context = field(default_factory=Context)
    answers: dict[str, FactorAnswer] = field(default_factory=dict)
    final_tier: Tier | None = None
    tier_justification: str = ""
    reassess_at: datetime | None = None
    decision: Decision = field(default_factory=Decision)

    def answer(self, factor_id: str) -> FactorAnswer:
        return self.answers.get(factor_id, FactorAnswer())

    def with_answer(self, factor_id: str, answer: FactorAnswer) -> AssessmentRecord:
        answers = dict(self.answers)
        if answer.is_blank():
            answers.pop(factor_id, None)
        else:
            answers[factor_id] = answer
        return replace(self, answers=answers)


# ---- JSON form (snapshots, drafts, exports) ----------------------------------------------


def _time(value: datetime | None) -> str | None:
    return to_iso(value) if value is not None else None


def record_to_json(record: AssessmentRecord) -> dict[str, Any]:
    """Plain JSON types only, keys in a fixed order, so a snapshot hashes the same every time."""
    decision = record.decision
    return {
        "template_id": record.template_id,
        "template_version": record.template_version,
        "tracks": list(record.tracks),
        "context": {
            "concern_source": record.context.concern_source,
            "concern_detail": record.context.concern_detail,
            "subject_ids": list(record.context.subject_ids),
            "target_ids": list(record.context.target_ids),
            "targets_note": record.context.targets_note,
            "evidence_ids": list(record.context.evidence_ids),
            "assessor": record.context.assessor,
        },
        "answers": {
            factor_id: {
                "value": answer.value,
                "recency": answer.recency.value if answer.recency else None,
                "notes": answer.notes,
                "evidence_ids": list(answer.evidence_ids),
                "entity_ids": list(answer.entity_ids),
            }
            for factor_id, answer in sorted(record.answers.items())
            if not answer.is_blank()
        },
        "final_tier": record.final_tier.value if record.final_tier else None,
        "tier_justification": record.tier_justification,
        "reassess_at": _time(record.reassess_at),
        "decision": {
            "options": [option.value for option in decision.options],
            "disclosure_scope": [category.value for category in decision.disclosure_scope],
            "jurisdiction": decision.jurisdiction,
            "legal_basis_ids": list(decision.legal_basis_ids),
            "user_notice": decision.user_notice.value,
            "user_notice_reason": decision.user_notice_reason,
            "preservation_started_at": _time(decision.preservation_started_at),
            "preservation_extensions": decision.preservation_extensions,
            "helpline_language": decision.helpline_language,
            "escalate_to": decision.escalate_to,
            "rationale": decision.rationale,
        },
    }


class _Reader:
    """Reads a JSON dict with typed accessors; a wrong shape is a ValidationError naming the key."""

    def __init__(self, data: Any, where: str):
        if not isinstance(data, dict):
            raise ValidationError(f"{where} must be an object, not {type(data).__name__}.")
        self.data = data
        self.where = where

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ValidationError(f"{self.where}.{key} must be text, not {value!r}.")
        return value

    def ids(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValidationError(f"{self.where}.{key} must be a list of ids, not {value!r}.")
        return tuple(value)

    def time(self, key: str) -> datetime | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ValidationError(f"{self.where}.{key} must be an ISO 8601 time, not {value!r}.")
        try:
            return from_iso(value)
        except ValueError:
            raise ValidationError(
                f"{self.where}.{key} = {value!r} is not an ISO 8601 time."
            ) from None

    def choice(self, key: str, enum_type: type[enum.StrEnum], default: Any = None) -> Any:
        value = self.data.get(key)
        if value is None:
            return default
        try:
            return enum_type(value)
        except ValueError:
            valid = ", ".join(member.value for member in enum_type)
            raise ValidationError(
                f"{self.where}.{key} = {value!r} is not valid; use one of {valid}."
            ) from None

    def choices(self, key: str, enum_type: type[enum.StrEnum], default: Any = ()) -> Any:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, list):
            raise ValidationError(f"{self.where}.{key} must be a list, not {value!r}.")
        return tuple(_Reader({key: item}, self.where).choice(key, enum_type) for item in value)

    def child(self, key: str) -> _Reader:
        return _Reader(self.data.get(key) or {}, f"{self.where}.{key}")


def record_from_json(data: Any, where: str = "assessment") -> AssessmentRecord:
    reader = _Reader(data, where)
    context = reader.child("context")
    decision = reader.child("decision")
    answers_data = reader.data.get("answers") or {}
    if not isinstance(answers_data, dict):
        raise ValidationError(f"{where}.answers must be an object keyed by factor id.")
    answers: dict[str, FactorAnswer] = {}
    for factor_id, raw in answers_data.items():
        item = _Reader(raw, f"{where}.answers.{factor_id}")
        answers[str(factor_id)] = FactorAnswer(
            value=item.text("value"),
            recency=item.choice("recency", Recency),
            notes=item.text("notes"),
            evidence_ids=item.ids("evidence_ids"),
            entity_ids=item.ids("entity_ids"),
        )
    extensions = decision.data.get("preservation_extensions", 0)
    if not isinstance(extensions, int) or extensions < 0:
        raise ValidationError(f"{where}.decision.preservation_extensions must be 0 or more.")
    template_id = reader.text("template_id")
    if not template_id:
        raise ValidationError(f"{where}.template_id is missing.")
    return AssessmentRecord(
        template_id=template_id,
        template_version=reader.text("template_version"),
        tracks=reader.ids("tracks"),
        context=Context(
            concern_source=context.text("concern_source"),
            concern_detail=context.text("concern_detail"),
            subject_ids=context.ids("subject_ids"),
            target_ids=context.ids("target_ids"),
            targets_note=context.text("targets_note"),
            evidence_ids=context.ids("evidence_ids"),
            assessor=context.text("assessor"),
        ),
        answers=answers,
        final_tier=reader.choice("final_tier", Tier),
        tier_justification=reader.text("tier_justification"),
        reassess_at=reader.time("reassess_at"),
        decision=Decision(
            options=decision.choices("options", DecisionOption),
            disclosure_scope=decision.choices("disclosure_scope", DataCategory, NARROWEST_SCOPE),
            jurisdiction=decision.text("jurisdiction"),
            legal_basis_ids=decision.ids("legal_basis_ids"),
            user_notice=decision.choice("user_notice", UserNotice, UserNotice.UNDECIDED),
            user_notice_reason=decision.text("user_notice_reason"),
            preservation_started_at=decision.time("preservation_started_at"),
            preservation_extensions=extensions,
            helpline_language=decision.text("helpline_language"),
            escalate_to=decision.text("escalate_to"),
            rationale=decision.text("rationale"),
        ),
    )
