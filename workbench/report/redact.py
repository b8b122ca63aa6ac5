"""Redaction profiles, applied to the report's data before anything is rendered.

* `internal`: everything the case holds.
* `qa`: the process without personal data: decisions, timings, checks, rule trace, audit;
  entity values, requester identity, free texts and file names are replaced or dropped.
* `le`: what the decision record approved for disclosure, and nothing else (see
  `resources/templates/report/redaction.toml`): no internal notes, no verification or
  assessment internals, no other users' data, no team members' names but the author's.

Each profile removes fields by rule, then a scrubber replaces any withheld value that still
appears in a remaining free text (a case title naming the account, a rationale quoting a
phone number) with "[redacted]". Values that the profile does disclose are never scrubbed.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import ValidationError

PROFILES = ("internal", "qa", "le")
PROFILE_TEXT = {
    "internal": "Internal: complete case record",
    "qa": "Quality review: no personal data",
    "le": "Law enforcement: approved disclosure only",
}
REDACTED = "[redacted]"
MIN_SCRUB_LENGTH = 4  # shorter withheld values ("GB", "17") would blank ordinary words
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class RedactionPolicy:
    link_types: frozenset[str]
    confidences: frozenset[str]
    categories: dict[str, str]
    internal_keys: frozenset[str]

    @classmethod
    def load(cls, path: Path) -> RedactionPolicy:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            disclosure = data["disclosure"]
            return cls(
                link_types=frozenset(disclosure["link_types"]),
                confidences=frozenset(disclosure["confidences"]),
                categories={str(k): str(v) for k, v in disclosure["categories"].items()},
                internal_keys=frozenset(data["internal"]["property_keys"]),
            )
        except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
            raise ValidationError(
                f"The redaction policy {path} cannot be read ({exc}); restore it from the "
                "installation or fix the named key."
            ) from exc


@dataclass
class Redaction:
    """The outcome of one profile: what was withheld (for the scrubber) and the notes the
    report prints about it."""

    profile: str
    author: str
    withheld: set[str] = field(default_factory=set)
    disclosed: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def hide(self, *values: Any) -> None:
        for value in values:
            self._collect(value, self.withheld)

    def hide_properties(self, properties: dict[str, Any]) -> None:
        """Withhold property values that identify someone or something (digits, addresses,
        names of several words); single generic words ("Example", "mobile") would blank
        ordinary text elsewhere."""
        for value in properties.values():
            text = str(value).strip() if isinstance(value, str | int) else ""
            if any(ch.isdigit() or ch in "@./:" for ch in text) or len(text.split()) > 1:
                self.hide(text)

    def show(self, *values: Any) -> None:
        for value in values:
            self._collect(value, self.disclosed)

    def _collect(self, value: Any, into: set[str]) -> None:
        if isinstance(value, str):
            if len(value.strip()) >= MIN_SCRUB_LENGTH:
                into.add(value.strip())
        elif isinstance(value, dict):
            for item in value.values():
                self._collect(item, into)
        elif isinstance(value, list | tuple):
            for item in value:
                self._collect(item, into)


def redact(data: dict[str, Any], profile: str, author: str, policy: RedactionPolicy) -> list[str]:
    """Redact `data` (the raw sections) in place for `profile`; returns the notes."""
    if profile not in PROFILES:
        raise ValidationError(f"Unknown profile {profile!r}; use one of {', '.join(PROFILES)}.")
    if profile == "internal":
        return []
    state = Redaction(profile, author)
    if profile == "qa":
        _qa(data, state, policy)
    else:
        _le(data, state, policy)
    scrubber = Scrubber(state.withheld - state.disclosed, state.disclosed)
    for key, value in data.items():
        if key not in _NO_FREE_TEXT:
            data[key] = scrubber.scrub_all(value, key)
    for entity in data["entities"]:  # the rows themselves were redacted field by field
        entity["properties"] = scrubber.scrub_all(entity["properties"], "properties")
    return state.notes


# Sections redacted field by field above, whose remaining strings are disclosed values,
# pseudonyms, hashes or times: scrubbing their 50,000 rows would only cost time.
_NO_FREE_TEXT = frozenset({"entities", "links", "evidence"})


# ---- quality review --------------------------------------------------------------------------


def _qa(data: dict[str, Any], st: Redaction, policy: RedactionPolicy) -> None:
    case = data["case"]
    st.hide(case["title"], case["description"])
    case["title"] = f"{case['reference']} ({case['category']})"
    case["description"] = ""
    esc = data.get("escalation")
    if esc:
        requester = esc["requester"]
        for key in ("name", "rank", "badge", "email", "phone", "supervisor_name"):
            st.hide(requester[key])
            requester[key] = ""
        st.hide(requester["supervisor_contact"], esc["texts"], [t["value"] for t in esc["targets"]])
        st.show(requester["agency"], requester["unit"], requester["country"])
        requester["supervisor_contact"] = ""
        esc["texts"] = {key: "" for key in esc["texts"]}
        for target in esc["targets"]:
            target["value"] = REDACTED
        esc["message_id"] = ""
    if data.get("verification"):
        for check in data["verification"]["checks"]:
            st.hide(check["detail"])
            check["detail"] = ""
    names = _pseudonymise_entities(data, st)
    _pseudonymise_evidence(data, st)
    for link in data["links"]:
        st.hide_properties(link["properties"])
        link["properties"] = {}
        _strip_provenance_notes(link["provenance"], st)
    if data.get("assessment"):
        _qa_assessment(data["assessment"], st, names)
    for message in data["communications"]:
        st.hide(message["from"], message["to"], message["subject"], message["body"])
        message.update({"from": "", "to": "", "subject": "", "body": ""})
    st.notes.append(
        "Quality-review profile: entity values, requester identity, request texts, file "
        "names, message contents and assessment notes are withheld; entities are numbered "
        "by type."
    )


def _pseudonymise_entities(data: dict[str, Any], st: Redaction) -> dict[str, str]:
    counters: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for entity in data["entities"]:
        counters[entity["type"]] += 1
        st.hide(entity["value"], entity["label"])
        st.hide_properties(entity["properties"])
        name = f"{entity['type']} #{counters[entity['type']]}"
        names[entity["id"]] = name
        entity.update(value=name, label=name, properties={})
        _strip_provenance_notes(entity["provenance"], st)
    return names


def _pseudonymise_evidence(data: dict[str, Any], st: Redaction) -> None:
    for index, item in enumerate(data["evidence"]["items"], 1):
        st.hide(item["filename"], item["description"], item["source_url"])
        item.update(filename=f"evidence #{index}", description="", source_url=None)
    numbers = {item["id"]: item["filename"] for item in data["evidence"]["items"]}
    for element in [*data["entities"], *data["links"]]:
        for prov in element["provenance"]:
            if prov.get("evidence"):
                prov["evidence"] = numbers.get(prov["ref"], REDACTED)


def _hide_provenance(records: list[dict[str, Any]], st: Redaction) -> None:
    for prov in records:
        st.hide(prov.get("note"), prov.get("actor"), prov.get("evidence"))


def _strip_provenance_notes(records: list[dict[str, Any]], st: Redaction) -> None:
    for prov in records:
        st.hide(prov.get("note"))
        prov["note"] = ""


def _qa_assessment(item: dict[str, Any], st: Redaction, names: dict[str, str]) -> None:
    for answer in item["answers"]:
        st.hide(answer["notes"])
        answer["notes"] = ""
    context = item["context"]
    for key in ("concern_detail", "targets_note"):
        st.hide(context.get(key))
        context[key] = ""
    for key in ("subject_ids", "target_ids"):
        context[key] = [names.get(i, i) for i in context.get(key, [])]


# ---- law enforcement ------------------------------------------------------------------------


def disclosed_entity_ids(data: dict[str, Any], policy: RedactionPolicy) -> tuple[set[str], str]:
    """The entities the approved decision lets us disclose, and a sentence saying why (or
    why nothing is disclosed)."""
    item = data.get("assessment")
    if item is None:
        return set(), "No assessment or decision is recorded: nothing is disclosed."
    decision = item["decision"]
    if "emergency_disclosure" not in decision["options"]:
        return set(), "The decision does not include an emergency disclosure."
    approval = item["approval"]
    if not approval["satisfied"]:
        return set(), "The disclosure still needs its second approval: nothing is disclosed."
    scope = set(decision["disclosure_scope"])
    seeds = {t["entity_id"] for t in (data.get("escalation") or {}).get("targets", [])}
    seeds |= set(item["context"].get("subject_ids", []))
    seeds.discard(None)
    chosen = set(seeds)
    for link in data["links"]:
        if link["type"] in policy.link_types and link["confidence"] in policy.confidences:
            if link["source_id"] in seeds:
                chosen.add(link["target_id"])
            if link["target_id"] in seeds:
                chosen.add(link["source_id"])
    types = {e["id"]: e["type"] for e in data["entities"]}
    allowed = {i for i in chosen if policy.categories.get(types.get(i, "")) in scope}
    reason = (
        f"Disclosure approved for {', '.join(sorted(scope))}: {len(allowed)} record(s) of the "
        "request's targets and subjects fall within that scope."
    )
    return allowed, reason


def _le(data: dict[str, Any], st: Redaction, policy: RedactionPolicy) -> None:
    allowed, reason = disclosed_entity_ids(data, policy)
    st.notes.append(
        "Law-enforcement profile: only data approved for disclosure in the decision record. "
        + reason
    )
    case = data["case"]
    st.hide(case["title"], case["description"], case["assignee"], case["created_by"])
    case.update(title=case["reference"], description="", assignee=None, created_by="", tags=[])
    esc = data.get("escalation")
    if esc:
        st.hide(esc["texts"])
        esc["texts"] = {key: "" for key in esc["texts"]}
        st.show(esc["requester"], [t["value"] for t in esc["targets"]], esc["message_id"])
    data["verification"] = None
    kept_entities = []
    for entity in data["entities"]:
        if entity["id"] in allowed:
            internal = {k: v for k, v in entity["properties"].items() if k in policy.internal_keys}
            st.hide(internal, entity["created_by"])
            _hide_provenance(entity["provenance"], st)
            entity["properties"] = {
                k: v for k, v in entity["properties"].items() if k not in policy.internal_keys
            }
            entity.update(provenance=[], created_by="")
            st.show(entity["value"], entity["label"], entity["properties"])
            kept_entities.append(entity)
        else:
            st.hide(entity["value"], entity["label"])
            st.hide_properties(entity["properties"])
            _hide_provenance(entity["provenance"], st)
    data["entities"] = kept_entities
    kept_links = []
    for link in data["links"]:
        if (
            link["source_id"] in allowed
            and link["target_id"] in allowed
            and link["type"] in policy.link_types
            and link["confidence"] in policy.confidences
        ):
            st.hide(link["created_by"])
            _hide_provenance(link["provenance"], st)
            link.update(provenance=[], created_by="", properties={})
            kept_links.append(link)
        else:
            st.hide_properties(link["properties"])
            _hide_provenance(link["provenance"], st)
    data["links"] = kept_links
    _le_evidence(data, st)
    if data.get("assessment"):
        data["assessment"] = _le_decision(data["assessment"], st)
    for message in data["communications"]:
        st.hide(message["body"])
        message["body"] = ""
        if message["direction"] == "out" and message["from"] != st.author:
            st.hide(message["from"])
            message["from"] = "Emergency Response Team"
    audit = data["audit"]
    st.hide([e["actor"] for e in audit["excerpt"]], [e["actor"] for e in audit["key_events"]])
    audit["excerpt"] = []
    audit["key_events"] = [
        {**e, "actor": ""} for e in audit["key_events"] if e["action"] in _LE_EVENTS
    ]
    st.show(st.author)


_LE_EVENTS = {"escalation.disclosed", "letter.generate", "evidence.disclose"}


def _le_evidence(data: dict[str, Any], st: Redaction) -> None:
    kept = []
    for item in data["evidence"]["items"]:
        if item["copy_type"] == "production":
            st.hide(item["collected_by"], item["description"], item["custody"]["actors"])
            item.update(collected_by="", description="", source_url=None)
            item["custody"] = {**item["custody"], "actors": []}
            st.show(item["filename"])
            kept.append(item)
        else:
            st.hide(item["filename"], item["description"], item["source_url"])
            st.hide(item["collected_by"], item["custody"].get("actors", []))
    withheld = len(data["evidence"]["items"]) - len(kept)
    data["evidence"]["items"] = kept
    if withheld:
        st.notes.append(
            f"{withheld} internal evidence item(s) are not listed; only production copies "
            "made for this disclosure are."
        )


def _le_decision(item: dict[str, Any], st: Redaction) -> dict[str, Any]:
    decision = item["decision"]
    approval = item["approval"]
    st.hide(
        decision["rationale"],
        decision["user_notice_reason"],
        decision["escalate_to"],
        [answer["notes"] for answer in item["answers"]],
        item["assessor"],
        item["saved_by"],
        item["created_by"],
        item["tier_justification"],
        [a["approver"] for a in approval["approvals"]],
        [a["comment"] for a in approval["approvals"]],
        [a["approver"] for a in approval["earlier_approvals"]],
        [a["comment"] for a in approval["earlier_approvals"]],
        item["context"].get("concern_detail"),
        item["context"].get("targets_note"),
    )
    return {
        "le_only": True,
        "decision": {
            "options": decision["options"],
            "disclosure_scope": decision["disclosure_scope"]
            if "emergency_disclosure" in decision["options"]
            else [],
            "jurisdiction": decision["jurisdiction"],
            "legal_basis_ids": decision["legal_basis_ids"],
            "user_notice": "",
            "preservation_started_at": decision["preservation_started_at"],
        },
        "legal_bases": item["legal_bases"],
        "preservation": item["preservation"],
        "approval": {
            "required": approval["required"],
            "satisfied": approval["satisfied"],
            "approved_at": [a["approved_at"] for a in approval["approvals"]],
        },
        "saved_at": item["saved_at"],
        "version": item["version"],
    }


# ---- scrubbing ------------------------------------------------------------------------------

_STRUCTURAL_KEYS = frozenset(
    {"id", "sha256", "hash", "ref", "source_id", "target_id", "entity_id", "evidence_id",
     "parent_id", "object_id", "type", "at", "kind", "action", "confidence", "grading",
     "manifest_sha256", "snapshot_sha256", "decision_digest", "mime_type", "format",
     "profile", "lang", "status", "priority", "category", "copy_type", "integrity"}
)  # fmt: skip


def _structural(key: str) -> bool:
    return key in _STRUCTURAL_KEYS or key.endswith(("_at", "_id", "_ids", "sha256"))


class Scrubber:
    """Replaces withheld values inside remaining texts, case-insensitively, except where
    they are part of a value the profile discloses (a disclosed e-mail address keeps its
    domain even when the domain entity is withheld). Values are indexed by their first word,
    so the cost grows with the text, not with the number of withheld values (50,000
    entities must not make a report slow)."""

    def __init__(self, values: Iterable[str], disclosed: Iterable[str] = ()):
        self._index = self._build(values)
        self._disclosed = {v.casefold() for v in disclosed}
        self._protect = self._build(self._disclosed)

    @staticmethod
    def _build(values: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
        index: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for value in sorted({v.casefold() for v in values}, key=len, reverse=True):
            first = _WORD.search(value)
            if first is not None:
                index[first.group()].append((first.start(), value))
        return index

    @staticmethod
    def _spans(index: dict[str, list[tuple[int, str]]], folded: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        if not index:
            return spans
        for match in _WORD.finditer(folded):
            for offset, value in index.get(match.group(), ()):
                start = match.start() - offset
                if start >= 0 and folded.startswith(value, start):
                    spans.append((start, start + len(value)))
                    break
        return spans

    def scrub(self, text: str) -> str:
        if not self._index or not text:
            return text
        folded = text.casefold()
        if len(folded) != len(text):  # casefold changed lengths (ß): fall back to lower()
            folded = text.lower()
        if folded in self._disclosed:
            return text
        spans = self._spans(self._index, folded)
        if not spans:
            return text
        protected = self._spans(self._protect, folded)
        out, last = [], 0
        for start, end in sorted(spans):
            if start < last or any(p < end and start < q for p, q in protected):
                continue
            out.append(text[last:start])
            out.append(REDACTED)
            last = end
        out.append(text[last:])
        return "".join(out)

    def scrub_all(self, data: Any, key: str = "") -> Any:
        if isinstance(data, dict):
            for k, v in data.items():
                data[k] = self.scrub_all(v, str(k))
            return data
        if isinstance(data, list):
            for i, v in enumerate(data):
                data[i] = self.scrub_all(v, key)
            return data
        if isinstance(data, str) and not _structural(key):
            return self.scrub(data)
        return data
