"""How domain values read on screen: words beside colours, times with their zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workbench.model import CaseStatus, Category, Confidence, Priority

PRIORITY_TEXT = {
    Priority.P1: "P1 · critical",
    Priority.P2: "P2 · high",
    Priority.P3: "P3 · medium",
    Priority.P4: "P4 · low",
}
STATUS_TEXT = {
    CaseStatus.NEW: "New",
    CaseStatus.TRIAGE: "Triage",
    CaseStatus.VERIFYING: "Verifying requester",
    CaseStatus.ASSESSING: "Assessing",
    CaseStatus.DECIDED: "Decided",
    CaseStatus.RESPONDED: "Responded",
    CaseStatus.CLOSED: "Closed",
}
CATEGORY_TEXT = {
    Category.SELF_HARM: "Self-harm",
    Category.THREAT_TO_OTHERS: "Threat to others",
    Category.CHILD_AT_RISK: "Child at risk",
    Category.KIDNAPPING_MISSING: "Kidnapping / missing",
    Category.TERRORISM: "Terrorism",
    Category.OTHER: "Other",
}
CONFIDENCE_TEXT = {
    Confidence.CONFIRMED: "Confirmed",
    Confidence.SUSPECTED: "Suspected",
    Confidence.REFUTED: "Refuted",
}
RELIABILITY_TEXT = {
    "A": "A · completely reliable",
    "B": "B · usually reliable",
    "C": "C · fairly reliable",
    "D": "D · not usually reliable",
    "E": "E · unreliable",
    "F": "F · cannot be judged",
}
CREDIBILITY_TEXT = {
    "1": "1 · confirmed by other sources",
    "2": "2 · probably true",
    "3": "3 · possibly true",
    "4": "4 · doubtful",
    "5": "5 · improbable",
    "6": "6 · cannot be judged",
}
PROVENANCE_TEXT = {
    "manual": "Manual",
    "source_run": "Source run",
    "evidence": "Evidence",
    "import": "Import",
}


def priority_text(value: Any) -> str:
    return PRIORITY_TEXT.get(Priority(value), str(value))


def status_text(value: Any) -> str:
    return STATUS_TEXT.get(CaseStatus(value), str(value))


def category_text(value: Any) -> str:
    return CATEGORY_TEXT.get(Category(value), str(value))


def confidence_text(value: Any) -> str:
    return CONFIDENCE_TEXT.get(Confidence(value), str(value))


def grading_text(reliability: str | None, credibility: str | None) -> str:
    """Admiralty code such as 'B2'; a dash when ungraded."""
    return f"{reliability or ''}{credibility or ''}" or "—"


def time_text(moment: datetime | None) -> str:
    """Short UTC time with its zone, e.g. '2026-11-22 14:03 UTC'."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def time_tooltip(moment: datetime | None) -> str:
    """UTC and the investigator's own zone, for hovering."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone()
    return (
        f"UTC: {moment.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S')}\n"
        f"Your zone ({local.tzname()}): {local.strftime('%Y-%m-%d %H:%M:%S')}"
    )


def size_text(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def property_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def humanise_key(key: str) -> str:
    """'profile_url' -> 'Profile URL'."""
    words = key.replace("_", " ").split()
    special = {"url": "URL", "id": "ID", "ip": "IP", "asn": "ASN", "m": "(m)"}
    out = [special.get(w.lower(), w) for w in words]
    if out:
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)
