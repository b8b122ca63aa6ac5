"""What an escalation must carry, per channel, read from `resources/intake/escalation_rules.toml`.

Policy owners edit that file; the code only checks shapes (an e-mail address looks like one, a
date range runs forwards) and reports each problem with the field it concerns.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from workbench.errors import ValidationError
from workbench.intake.model import Channel, Escalation, FieldProblem
from workbench.model import Category, Priority
from workbench.paths import resource
from workbench.timeutil import utcnow

FIELD_LABELS = {
    "requester_name": "Requester name",
    "requester_rank": "Rank",
    "requester_badge": "Badge / ID",
    "agency": "Agency",
    "unit": "Unit",
    "country": "Country / region",
    "requester_email": "Official e-mail",
    "requester_phone": "Direct phone",
    "supervisor_name": "Supervisor name",
    "supervisor_contact": "Supervisor contact",
    "channel": "Channel",
    "received_at": "Received at (UTC)",
    "emergency_nature": "Emergency nature",
    "at_risk": "Who is at risk",
    "info_recency": "How recent the information is",
    "why_urgent": "Why legal process cannot wait",
    "how_data_helps": "How the data resolves the emergency",
    "narrative": "Narrative",
    "targets": "Targets",
    "data_categories": "Data requested",
    "data_from": "Date range from",
    "data_to": "Date range to",
    "legal_basis": "Legal basis",
    "jurisdiction_requester": "Requester jurisdiction",
    "jurisdiction_user": "User jurisdiction",
    "legal_process": "Attached legal process",
    "confidentiality_requested": "Confidentiality requested",
    "portal_account_verified": "Portal account verified",
    "message_id": "Message-ID",
}
EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")
FUTURE_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True)
class ChannelRule:
    label: str
    required: tuple[str, ...]
    recommended: tuple[str, ...]


@dataclass(frozen=True)
class EscalationRules:
    channels: dict[Channel, ChannelRule]
    default_priority: dict[Category, Priority]
    nature_keywords: dict[Category, tuple[str, ...]]

    def priority_for(self, nature: Category | None) -> Priority:
        if nature is None:
            return Priority.P2
        return self.default_priority.get(nature, Priority.P2)

    def guess_nature(self, text: str) -> Category | None:
        """The nature whose keywords occur most often in `text` (a suggestion only)."""
        lowered = text.casefold()
        best: tuple[int, Category | None] = (0, None)
        for nature, words in self.nature_keywords.items():
            hits = sum(lowered.count(word) for word in words)
            if hits > best[0]:
                best = (hits, nature)
        return best[1]


_KNOWN_FIELDS = {f.name for f in fields(Escalation)}


def _field_list(data: Any, where: str) -> tuple[str, ...]:
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise ValidationError(f"{where} must be a list of field names.")
    unknown = [name for name in data if name not in _KNOWN_FIELDS]
    if unknown:
        raise ValidationError(
            f"{where} names unknown fields {', '.join(unknown)}; valid: "
            f"{', '.join(sorted(_KNOWN_FIELDS))}."
        )
    return tuple(data)


def load_rules(path: Path | None = None) -> EscalationRules:
    source = path or resource("intake", "escalation_rules.toml")
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"Cannot read the escalation rules {source}: {exc}") from exc
    channels: dict[Channel, ChannelRule] = {}
    for name, spec in dict(data.get("channels", {})).items():
        try:
            channel = Channel(name)
        except ValueError:
            raise ValidationError(
                f"{source}: unknown channel [channels.{name}]; valid: "
                f"{', '.join(c.value for c in Channel)}."
            ) from None
        channels[channel] = ChannelRule(
            str(spec.get("label", name)),
            _field_list(spec.get("required", []), f"{source} [channels.{name}] required"),
            _field_list(spec.get("recommended", []), f"{source} [channels.{name}] recommended"),
        )
    missing = [c.value for c in Channel if c not in channels]
    if missing:
        raise ValidationError(f"{source} has no rules for channel(s) {', '.join(missing)}.")
    priorities = {
        Category(k): Priority(v) for k, v in dict(data.get("default_priority", {})).items()
    }
    keywords = {
        Category(k): tuple(str(w).casefold() for w in v)
        for k, v in dict(data.get("nature_keywords", {})).items()
    }
    return EscalationRules(channels, priorities, keywords)


@lru_cache(maxsize=1)
def default_rules() -> EscalationRules:
    return load_rules()


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (tuple, list)):
        return len(value) == 0
    return False


def label(field_name: str) -> str:
    return FIELD_LABELS.get(field_name, field_name.replace("_", " ").capitalize())


def problems(
    escalation: Escalation, rules: EscalationRules | None = None, now: datetime | None = None
) -> list[FieldProblem]:
    """Every missing or malformed field; required ones for the channel are errors."""
    rules = rules or default_rules()
    now = now or utcnow()
    rule = rules.channels[escalation.channel]
    found: list[FieldProblem] = []
    for name in rule.required:
        if _is_empty(getattr(escalation, name)):
            found.append(
                FieldProblem(name, f"{label(name)} is required for the {rule.label} channel.")
            )
    for name in rule.recommended:
        if _is_empty(getattr(escalation, name)):
            found.append(
                FieldProblem(
                    name,
                    f"{label(name)} is missing (ask the requester; missing details are a "
                    "verification signal).",
                    "warning",
                )
            )
    found.extend(format_problems(escalation, now))
    return found


def format_problems(escalation: Escalation, now: datetime) -> list[FieldProblem]:
    found: list[FieldProblem] = []
    for name in ("requester_email",):
        value = getattr(escalation, name).strip()
        if value and not EMAIL_RE.match(value):
            found.append(
                FieldProblem(name, f"{value!r} is not an e-mail address (expected name@domain).")
            )
    phone = escalation.requester_phone.strip()
    if phone and len(re.sub(r"\D", "", phone)) < 5:
        found.append(
            FieldProblem("requester_phone", f"{phone!r} is not a phone number (too few digits).")
        )
    if escalation.received_at.tzinfo is None:
        found.append(FieldProblem("received_at", "needs a time zone (store UTC)."))
    elif escalation.received_at > now + FUTURE_TOLERANCE:
        found.append(
            FieldProblem(
                "received_at",
                f"{escalation.received_at:%Y-%m-%d %H:%M} UTC is in the future; check the "
                "time and its zone.",
            )
        )
    if escalation.data_from and escalation.data_to and escalation.data_from > escalation.data_to:
        found.append(
            FieldProblem("data_to", "The date range ends before it starts; swap the dates.")
        )
    return found


def require_valid(escalation: Escalation, rules: EscalationRules | None = None) -> None:
    """Raise one ValidationError naming every field that blocks saving."""
    errors = [p for p in problems(escalation, rules) if p.severity == "error"]
    if errors:
        names = ", ".join(label(p.field) for p in errors)
        details = " ".join(p.message for p in errors)
        raise ValidationError(f"Cannot save the escalation: fix {names}. {details}")
