"""Response letters to the requester: disclosure, decline, need more information,
preservation confirmation; in English, Japanese, Spanish and Portuguese.

A letter is built from the escalation (who asked, when, for what) and the decision record
(what was decided, on which legal basis, preservation dates). It carries only what the
requester may read: no internal notes, no rule trace, no other team member's name. The
letter's facts are one JSON-ready dict (hashed like a report) that the templates render.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from workbench.audit import canonical_json
from workbench.errors import ValidationError
from workbench.report import sections as read
from workbench.report.templates import LANGS, labels, local_date, render_template
from workbench.store.workspace import Workspace
from workbench.timeutil import to_iso, utcnow

KINDS = ("disclosure", "decline", "more-info", "preservation")
LETTER_FORMATS = ("pdf", "html", "md")
FORMAT = "osint-workbench/letter+json"


def _check(kind: str, lang: str) -> None:
    if kind not in KINDS:
        raise ValidationError(f"Unknown letter kind {kind!r}; use one of {', '.join(KINDS)}.")
    if lang not in LANGS:
        raise ValidationError(f"Unknown language {lang!r}; use one of {', '.join(LANGS)}.")


def build_letter(
    ws: Workspace, case_id: str, kind: str, lang: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """The letter's facts; refuses (with what to do) a letter the record does not support."""
    _check(kind, lang)
    case = read.case_section(ws, case_id)
    escalation = read.escalation_section(ws, case_id)
    reference = case["reference"]
    if escalation is None or not (
        escalation["requester"]["name"] or escalation["requester"]["agency"]
    ):
        raise ValidationError(
            f"Case {reference} has no requester on record: fill in the Escalation tab "
            "(requester name and agency) before writing a letter."
        )
    assessment = read.assessment_section(ws, case_id)
    text = labels("letters", lang)
    when = now or utcnow()
    letter: dict[str, Any] = {
        "format": FORMAT,
        "kind": kind,
        "lang": lang,
        "case": {"id": case["id"], "reference": reference},
        "date": to_iso(when),
        "date_text": local_date(when, lang),
        "recipient": {
            key: escalation["requester"][key]
            for key in ("name", "rank", "agency", "unit", "country", "email")
        },
        "their_reference": escalation["message_id"],
        "received_at": escalation["received_at"],
        "received_text": local_date(escalation["received_at"], lang),
        "targets": [t["value"] for t in escalation["targets"]],
        "requested": [_category(text, c) for c in _requested(escalation)],
        "scope": [],
        "legal_bases": [],
        "preservation": None,
        "author": ws.actor,
        "team": text["team"],
    }
    if assessment is not None:
        letter["legal_bases"] = [
            {"citation": b["citation"], "label": b["label"]} for b in assessment["legal_bases"]
        ]
    decision = (assessment or {}).get("decision") or {}
    if kind == "decline" and "emergency_disclosure" in decision.get("options", ()):
        raise ValidationError(
            f"The decision of {reference} is an emergency disclosure; a decline letter "
            "would contradict it. Write the disclosure letter, or change the decision first."
        )
    if kind == "disclosure":
        approved = _require_disclosure(reference, assessment)
        letter["scope"] = [_category(text, c) for c in approved["disclosure_scope"]]
    if kind == "preservation":
        letter["preservation"] = _preservation(reference, assessment, lang)
    letter["manifest_sha256"] = hashlib.sha256(canonical_json(letter).encode()).hexdigest()
    return letter


def _requested(escalation: dict[str, Any]) -> list[str]:
    from workbench.intake.model import DATA_CATEGORY_TEXT

    by_text = {text: category.value for category, text in DATA_CATEGORY_TEXT.items()}
    return [by_text.get(text, text) for text in escalation["data_categories"]]


def _category(text: dict[str, str], category: str) -> str:
    return text.get(f"cat_{category}", category)


def _require_disclosure(reference: str, assessment: dict[str, Any] | None) -> dict[str, Any]:
    """The decision, when it supports a disclosure letter."""
    if assessment is None:
        raise ValidationError(
            f"Case {reference} has no decision: save the assessment with an emergency "
            "disclosure before writing a disclosure letter."
        )
    decision = assessment["decision"]
    if "emergency_disclosure" not in decision["options"]:
        raise ValidationError(
            f"The decision of {reference} does not include an emergency disclosure; write a "
            "decline or need-more-information letter, or change the decision."
        )
    if not assessment["approval"]["satisfied"]:
        raise ValidationError(
            f"The disclosure of {reference} still needs its second approver "
            f"({'; '.join(assessment['approval']['reasons'])}); no disclosure letter before "
            "the four-eyes approval."
        )
    if not assessment["legal_bases"]:
        raise ValidationError(
            f"The decision of {reference} names no legal basis; choose one in the Decision tab."
        )
    return dict(decision)


def _preservation(reference: str, assessment: dict[str, Any] | None, lang: str) -> dict[str, str]:
    started = assessment["preservation"]["started_at"] if assessment else None
    if (
        assessment is None
        or "preserve_data" not in assessment["decision"]["options"]
        or started is None
    ):
        raise ValidationError(
            f"The decision of {reference} records no data preservation with a start date; "
            "add 'preserve data' to the decision first."
        )
    expires = assessment["preservation"]["expires_at"]
    return {
        "started_at": started,
        "started_text": local_date(started, lang),
        "expires_at": expires,
        "expires_text": local_date(expires, lang),
    }


def letter_title(letter: dict[str, Any]) -> str:
    text = labels("letters", letter["lang"])
    return f"{text['kind_' + letter['kind'].replace('-', '_')]} — {letter['case']['reference']}"


def _paragraphs(value: Any) -> list[Any]:
    """Split a rendered body into paragraphs at blank lines, keeping HTML-safe markup safe."""
    from markupsafe import Markup

    parts = [p.strip() for p in re.split(r"\n\s*\n", str(value)) if p.strip()]
    joined = [re.sub(r"\s*\n\s*", " " if not _cjk(p) else "", p) for p in parts]
    return [Markup(p) if isinstance(value, Markup) else p for p in joined]


def _cjk(text: str) -> bool:
    return any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)


def render_letter(letter: dict[str, Any], fmt: str) -> str:
    """HTML (also the PDF's layout) or Markdown."""
    variables = {
        "l": letter,
        "t": labels("letters", letter["lang"]),
        "body_template": f"letters/body_{letter['lang']}.j2",
        "paragraphs": _paragraphs,
        "title": letter_title(letter),
    }
    if fmt == "md":
        return render_template("letters/letter.md.j2", variables, autoescape=False)
    return render_template("letters/letter.html.j2", variables, autoescape=True)
