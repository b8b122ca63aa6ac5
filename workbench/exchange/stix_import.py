"""STIX 2.1 import: a bundle read into an import plan that `importer.import_plan` checks and
writes in one transaction (docs/exchange.md, "STIX 2.1 import").

The bundle is read with `json` and checked here rather than by `stix2.parse`: the checks
cover what the mapping uses, and every refusal names the object (its id or its position).
Mapping, in short: identity -> person (identity_class individual) or organization;
threat-actor -> person when its resource_level is "individual", else organization;
intrusion-set -> organization; campaign -> event; location -> location; malware, tool,
attack-pattern, infrastructure, vulnerability, course-of-action -> note (labelled with the
STIX type); indicator -> the observables of its pattern when it is only `[type:path = 'v']`
comparisons joined by OR, else a note holding the pattern; SCOs -> domain, ip, url, email,
hash or document (file), account (user-account), device (mac-addr); relationship -> link
(the workbench's link type of the same name, `duplicate-of` -> same_as, else related_to);
sighting -> related_to links from what was sighted to where. The STIX type, id, created,
modified, confidence, labels, description, external references and TLP marking are kept in
the properties. Everything else is counted in a "Skipped: ..." note. A bundle written by
`export_stix` comes back as the same entities and links (workbench types are read from the
`x_osint_*` properties it writes).
"""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.errors import ValidationError
from workbench.exchange.model import (
    MAX_GRAPH_FILE_BYTES,
    MAX_ITEMS,
    ImportEdge,
    ImportNode,
    ImportPlan,
    SourceFile,
    describe_source,
)
from workbench.exchange.stix_pattern import PatternError, parse_pattern, simple_comparisons
from workbench.model import CREDIBILITY_GRADES, RELIABILITY_GRADES, Confidence
from workbench.vocabulary import Vocabulary

FORMAT = "stix"
SPEC_VERSIONS = ("2.0", "2.1")
MAX_PROBLEMS = 8
CONFIDENCES = {c.value for c in Confidence}
# TLP 1.0 markings as STIX 2.x defines them, and the TLP 2.0 markings of the OASIS TLP 2.0
# extension; a bundle's own marking-definition objects are recognised as well.
TLP_MARKINGS = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",  # TLP:WHITE
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
}
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")
_TLP_NAME = re.compile(r"^TLP:\s*(CLEAR|WHITE|GREEN|AMBER\+STRICT|AMBER|RED)$", re.IGNORECASE)
# SDOs with no entity type of their own: they become notes labelled with the STIX type.
NOTE_SDOS = {
    "malware": "Malware",
    "tool": "Tool",
    "attack-pattern": "Attack pattern",
    "infrastructure": "Infrastructure",
    "vulnerability": "Vulnerability",
    "course-of-action": "Course of action",
}
# STIX relationship types whose workbench link type has another name; a type whose name
# matches a link type (uses, located-at, owns, resolves-to, communicates-with, related-to,
# and the workbench's own: logged-in-from, member-of, ...) maps by name, any other to
# related_to. The STIX type is kept in the property stix_relationship_type either way.
LINK_TYPES = {"duplicate-of": "same_as"}
HASHES = {
    "MD5": "MD5", "SHA1": "SHA-1", "SHA-1": "SHA-1", "SHA256": "SHA-256", "SHA-256": "SHA-256",
    "SHA512": "SHA-512", "SHA-512": "SHA-512", "SHA3-256": "SHA3-256", "SHA3-512": "SHA3-512",
    "SSDEEP": "SSDEEP", "TLSH": "TLSH",
}  # fmt: skip
HASH_PREFERENCE = ("SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SHA-1", "MD5", "SSDEEP", "TLSH")
# Properties read into the mapping's own fields rather than copied as they are.
STRUCTURAL = {
    "type", "id", "spec_version", "created", "modified", "created_by_ref",
    "object_marking_refs", "granular_markings", "extensions", "external_references",
    "revoked", "confidence", "labels", "description", "lang", "defanged",
}  # fmt: skip


def read_stix_plan(
    path: Path,
    vocabulary: Vocabulary,
    *,
    max_bytes: int = MAX_GRAPH_FILE_BYTES,
    max_objects: int = MAX_ITEMS,
) -> ImportPlan:
    """Read and check a STIX bundle; raise `ValidationError` naming the problem."""
    source = describe_source(Path(path), "STIX", max_bytes=max_bytes)
    source.format = FORMAT
    bundle = _load(source)
    objects, notes = _objects(bundle, source, max_objects)
    return _Reader(source, vocabulary, objects, notes).plan()


# ---- the file -----------------------------------------------------------------------------
def _load(source: SourceFile) -> Any:
    data = source.path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.lstrip()[:1] == b"<":
        raise ValidationError(
            f"{source.name} is XML, not JSON (STIX 1.x was XML); this import reads STIX 2.1 "
            "JSON bundles. Nothing was imported."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError(
            f"{source.name} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}); "
            "STIX JSON is UTF-8. Re-save it as UTF-8. Nothing was imported."
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{source.name} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); a "
            "STIX 2.1 bundle is a JSON file. Nothing was imported."
        ) from exc
    except RecursionError as exc:
        raise ValidationError(
            f"{source.name} nests JSON too deeply to be a STIX bundle. Nothing was imported."
        ) from exc


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return f"the literal {json.dumps(value)}"
    return "a number"


def _objects(
    bundle: Any, source: SourceFile, max_objects: int
) -> tuple[list[dict[str, Any]], list[str]]:
    name = source.name
    shape = 'an object with "type": "bundle" and an "objects" list'
    if not isinstance(bundle, dict):
        raise ValidationError(
            f"{name} is JSON but not a STIX bundle: its top level is {_json_kind(bundle)}, not "
            f"{shape}. Nothing was imported."
        )
    kind = bundle.get("type")
    if kind != "bundle":
        hint = ""
        if isinstance(kind, str) and isinstance(bundle.get("id"), str):
            hint = f" It is a single STIX {kind} object; put it in a bundle's objects list."
        elif "objects" in bundle:
            hint = ' It has an "objects" list (a TAXII envelope?) but no "type": "bundle".'
        raise ValidationError(
            f"{name} is JSON but not a STIX bundle: its top-level type is {kind!r}, not "
            f"'bundle'.{hint} Nothing was imported."
        )
    declared = bundle.get("spec_version")
    if declared is not None and declared not in SPEC_VERSIONS:
        raise ValidationError(
            f"{name} is a STIX bundle of spec_version {declared!r}; this import reads STIX 2.1 "
            "(and 2.0) bundles. Nothing was imported."
        )
    objects = bundle.get("objects")
    if not isinstance(objects, list):
        found = "none" if objects is None else _json_kind(objects)
        raise ValidationError(
            f'{name} is a STIX bundle without an "objects" list (found {found}): there is '
            "nothing to import."
        )
    if not objects:
        raise ValidationError(
            f"{name} is a STIX bundle with no objects: there is nothing to import."
        )
    if len(objects) > max_objects:
        raise ValidationError(
            f"{name} holds {len(objects):,} objects; a STIX import is limited to "
            f"{max_objects:,} because the whole bundle is read into memory before one "
            "transaction writes it. Split the bundle."
        )
    problems: list[str] = []
    older = 0
    old_spec = 0
    by_id: dict[str, dict[str, Any]] = {}
    for number, obj in enumerate(objects, start=1):
        problem = _object_problem(number, obj)
        if problem:
            problems.append(problem)
            continue
        version = obj.get("spec_version", declared)
        if version is not None and version not in SPEC_VERSIONS:
            problems.append(
                f"{obj['id']} has spec_version {version!r}; this import reads STIX 2.1 and 2.0."
            )
            continue
        old_spec += version == "2.0"
        known = by_id.get(obj["id"])
        if known is not None:  # another version of the same object: keep the newest
            older += 1
            if _modified(obj) < _modified(known):
                continue
        by_id[obj["id"]] = obj
    if problems:
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        raise ValidationError(
            f"{name} cannot be imported; nothing was written. "
            + " ".join(problems[:MAX_PROBLEMS])
            + more
        )
    notes: list[str] = []
    if old_spec:
        notes.append(
            f"{old_spec} objects are STIX 2.0; they were read with the 2.1 mapping (the "
            "objects it uses are the same in 2.0; observables inside observed-data are not "
            "imported)."
        )
    if older:
        notes.append(f"{older} older versions of objects that appear twice were left out.")
    return list(by_id.values()), notes


def _object_problem(number: int, obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return f"Object #{number} is {_json_kind(obj)}, not a STIX object."
    kind = obj.get("type")
    if not isinstance(kind, str) or not kind:
        return f"Object #{number} has no type."
    ident = obj.get("id")
    if not isinstance(ident, str) or not _valid_id(ident, kind):
        return (
            f"Object #{number} ({kind}) has no valid id (expected {kind}--<UUID>, found {ident!r})."
        )
    return None


def _valid_id(ident: str, kind: str) -> bool:
    prefix, sep, rest = ident.partition("--")
    if prefix != kind or not sep:
        return False
    try:
        uuid.UUID(rest)
    except ValueError:
        return False
    return True


def _modified(obj: dict[str, Any]) -> float:
    """When this version of an object was made (seconds), for choosing the newest."""
    text = obj.get("modified") or obj.get("created")
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return float("-inf")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


# ---- the mapping --------------------------------------------------------------------------
@dataclass
class _Candidate:
    type: str
    value: str
    label: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    kind: str = ""  # notes merge only with notes of the same kind (their STIX type)


@dataclass
class _Node:
    key: str
    type: str
    value: str
    label: str | None
    properties: dict[str, Any]


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _extensions(obj: dict[str, Any]) -> dict[str, Any]:
    extensions = obj.get("extensions")
    return extensions if isinstance(extensions, dict) else {}


def _refs(value: Any) -> list[str]:
    """The ids of a `..._refs` list (anything else in it is ignored)."""
    return [r for r in value if isinstance(r, str)] if isinstance(value, list) else []


class _Reader:
    def __init__(
        self,
        source: SourceFile,
        vocabulary: Vocabulary,
        objects: list[dict[str, Any]],
        notes: list[str],
    ):
        self.source = source
        self.vocabulary = vocabulary
        self.objects = objects
        self.index = {obj["id"]: obj for obj in objects}
        self.notes = notes
        self.nodes: dict[str, _Node] = {}
        self.same: dict[tuple[str, str, str], str] = {}
        self.keys: dict[str, list[str]] = {}  # STIX id -> node keys
        self.edges: list[ImportEdge] = []
        self.skipped: Counter[str] = Counter()
        self.problems: list[str] = []
        self.counts: Counter[str] = Counter()
        self.tlp: dict[str, str] = dict(TLP_MARKINGS)
        self.statements: dict[str, str] = {}
        for obj in objects:
            if obj["type"] == "marking-definition":
                self._marking(obj)
        ends: set[str] = set()
        for obj in objects:
            if obj["type"] == "relationship":
                ends.update(str(obj.get(k)) for k in ("source_ref", "target_ref"))
            elif obj["type"] == "sighting":
                ends.add(str(obj.get("sighting_of_ref")))
                ends.update(_refs(obj.get("where_sighted_refs")))
        creators = {str(obj.get("created_by_ref")) for obj in objects if obj.get("created_by_ref")}
        # An identity that only authored objects is the bundle's producer, not a subject.
        self.authors = {
            ident: str(self.index[ident].get("name") or ident)
            for ident in creators - ends
            if ident in self.index and self.index[ident]["type"] == "identity"
        }

    # -- markings and shared properties --
    def _marking(self, obj: dict[str, Any]) -> None:
        definition = obj.get("definition")
        level: str | None = None
        if obj.get("definition_type") == "tlp" and isinstance(definition, dict):
            level = str(definition.get("tlp", "")).lower()
        name = _TLP_NAME.match(str(obj.get("name") or ""))
        if name:
            level = name.group(1).lower()
        extension = _extensions(obj).get(TLP2_EXTENSION)
        if isinstance(extension, dict) and extension.get("tlp_2_0"):
            level = str(extension["tlp_2_0"]).lower()
        if level is not None:
            level = "clear" if level == "white" else level
            if level in TLP_ORDER:
                self.tlp[obj["id"]] = level
        statement = definition.get("statement") if isinstance(definition, dict) else None
        if obj.get("definition_type") == "statement" and _str(statement):
            self.statements[obj["id"]] = str(statement)

    def _common(self, obj: dict[str, Any], used: Collection[str] = ()) -> dict[str, Any]:
        props: dict[str, Any] = {"stix_id": obj["id"], "stix_type": obj["type"]}
        for key, name in (
            ("created", "stix_created"),
            ("modified", "stix_modified"),
            ("confidence", "stix_confidence"),
            ("labels", "labels"),
            ("description", "description"),
        ):
            if obj.get(key) not in (None, "", []):
                props[name] = obj[key]
        references = obj.get("external_references")
        if isinstance(references, list):
            urls = [r["url"] for r in references if isinstance(r, dict) and _str(r.get("url"))]
            ids = [
                f"{r.get('source_name', '')}: {r['external_id']}"
                for r in references
                if isinstance(r, dict) and _str(r.get("external_id"))
            ]
            if urls:
                props["references"] = urls
            if ids:
                props["external_ids"] = ids
        marks = _refs(obj.get("object_marking_refs"))
        levels = [self.tlp[m] for m in marks if m in self.tlp]
        if levels:
            props["tlp"] = max(levels, key=TLP_ORDER.index)
        statements = [self.statements[m] for m in marks if m in self.statements]
        if statements:
            props["marking_statements"] = statements
        creator = obj.get("created_by_ref")
        if isinstance(creator, str):
            author = self.index.get(creator)
            props["stix_created_by"] = str(author.get("name") or creator) if author else creator
        for key, value in obj.items():
            if (
                key in STRUCTURAL
                or key in used
                or key.endswith(("_ref", "_refs"))
                or key.startswith("x_osint_")
                or value in (None, "", [], {})
            ):
                continue
            props.setdefault(key, value)
        return props

    # -- entities --
    def _normalise(self, candidate: _Candidate) -> str:
        """The canonical value, or `ValidationError`."""
        return self.vocabulary.entity_type(candidate.type).normalise_value(candidate.value)

    def _add(self, stix_id: str, candidate: _Candidate) -> None:
        try:
            normalized = self._normalise(candidate)
        except ValidationError as exc:
            self._problem(f"{stix_id}: {exc}")
            return
        identity = (candidate.type, normalized, candidate.kind if candidate.type == "note" else "")
        known = self.same.get(identity)
        keys = self.keys.setdefault(stix_id, [])
        if known is not None:
            node = self.nodes[known]
            ids = node.properties.setdefault("stix_ids", [node.properties.get("stix_id")])
            if stix_id not in ids:
                ids.append(stix_id)
                self.counts["merged"] += 1
            for key, value in candidate.properties.items():
                node.properties.setdefault(key, value)
            if node.label is None and candidate.label:
                node.label = candidate.label
            if known not in keys:
                keys.append(known)
            return
        key = stix_id if not keys and stix_id not in self.nodes else f"{stix_id}#{len(keys) + 1}"
        self.nodes[key] = _Node(
            key, candidate.type, candidate.value, candidate.label, dict(candidate.properties)
        )
        self.same[identity] = key
        keys.append(key)

    def _problem(self, text: str) -> None:
        self.counts["problems"] += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)

    def _workbench_type(self, obj: dict[str, Any]) -> str | None:
        name = obj.get("x_osint_entity_type")
        return name if isinstance(name, str) and name in self.vocabulary.entity_types else None

    def _name(self, obj: dict[str, Any]) -> str:
        aliases = obj.get("aliases")
        alias = aliases[0] if isinstance(aliases, list) and aliases else None
        return _str(obj.get("name")) or _str(alias) or obj["id"]

    def _own_value(self, obj: dict[str, Any], candidate: _Candidate) -> _Candidate:
        """A bundle this workbench exported names an identity or location by the entity's
        label and carries its value in `x_osint_value`: keep both."""
        value = _str(obj.get("x_osint_value"))
        if value and self._workbench_type(obj) == candidate.type and value != candidate.value:
            candidate.label, candidate.value = candidate.value, value
        return candidate

    def _sdo(self, obj: dict[str, Any]) -> _Candidate | str:
        kind = str(obj["type"])
        own = self._workbench_type(obj)
        if kind == "identity":
            if own not in ("person", "organization"):
                own = "person" if obj.get("identity_class") == "individual" else "organization"
            candidate = _Candidate(own, self._name(obj), None, self._common(obj, {"name"}))
            return self._own_value(obj, candidate)
        if kind == "threat-actor":
            individual = obj.get("resource_level") == "individual"
            return _Candidate(
                "person" if individual else "organization",
                self._name(obj),
                None,
                self._common(obj, {"name"}),
            )
        if kind == "intrusion-set":
            return _Candidate("organization", self._name(obj), None, self._common(obj, {"name"}))
        if kind == "campaign":
            props = self._common(obj, {"name", "first_seen", "last_seen"})
            if obj.get("first_seen"):
                props["starts_at"] = obj["first_seen"]
            if obj.get("last_seen"):
                props["ends_at"] = obj["last_seen"]
            return _Candidate("event", self._name(obj), None, props)
        if kind == "location":
            return self._own_value(obj, self._location(obj))
        if kind in NOTE_SDOS:
            name = self._name(obj)
            label = f"{NOTE_SDOS[kind]}: {name}"
            return _Candidate("note", name, label, self._common(obj, {"name"}), kind)
        if kind == "note" and own is not None:
            return self._workbench_note(obj, own)
        return kind

    def _location(self, obj: dict[str, Any]) -> _Candidate:
        fields = ("name", "latitude", "longitude", "precision", "country", "street_address")
        props = self._common(obj, set(fields))
        for stix_name, name in (
            ("latitude", "latitude"),
            ("longitude", "longitude"),
            ("precision", "precision_m"),
        ):
            if isinstance(obj.get(stix_name), int | float):
                props[name] = obj[stix_name]
        if _str(obj.get("country")):
            props["country"] = obj["country"]
        if _str(obj.get("street_address")):
            props["address"] = obj["street_address"]
        place = ", ".join(str(obj[k]) for k in ("city", "region", "country") if _str(obj.get(k)))
        coordinates = (
            f"{obj['latitude']}, {obj['longitude']}"
            if "latitude" in props and "longitude" in props
            else None
        )
        value = (
            _str(obj.get("name"))
            or _str(obj.get("street_address"))
            or place
            or coordinates
            or obj["id"]
        )
        return _Candidate("location", value, None, props)

    def _workbench_note(self, obj: dict[str, Any], own: str) -> _Candidate | str:
        """A note written by `export_stix` for an entity STIX has no object for: its content
        is the label, a blank line, `value: ...` and optionally `properties: {json}`."""
        content = str(obj.get("content") or "")
        label, marker, rest = content.partition("\n\nvalue: ")
        if not marker:
            return "note"
        value, properties = rest, {}
        head, sep, tail = rest.rpartition("\nproperties: ")
        if sep:
            try:
                loaded = json.loads(tail)
            except json.JSONDecodeError:
                loaded = None
            if isinstance(loaded, dict):
                value, properties = head, loaded
        props = self._common(obj, {"abstract", "content"})
        props.update(properties)
        return _Candidate(own, value, label or None, props, "note")

    def _sco(self, obj: dict[str, Any]) -> _Candidate | str:
        kind = str(obj["type"])
        value = _str(obj.get("value"))
        simple = {
            "domain-name": "domain",
            "url": "url",
            "email-addr": "email",
            "mac-addr": "device",
        }
        if kind in (*simple, "ipv4-addr", "ipv6-addr") and value is None:
            return f"{kind} (no value)"
        if kind in simple and value:
            props = self._common(obj, {"value"})
            if kind == "mac-addr":
                props["identifier"] = value
            return _Candidate(simple[kind], value, None, props, kind)
        if kind in ("ipv4-addr", "ipv6-addr") and value:
            return self._ip(value, kind, self._common(obj, {"value"}))
        if kind == "file":
            return self._file(obj)
        if kind == "user-account":
            login = _str(obj.get("account_login")) or _str(obj.get("user_id"))
            login = login or _str(obj.get("display_name"))
            if login is None:
                return "user-account (no login, user id or name)"
            props = self._common(obj, {"account_login", "user_id", "display_name", "account_type"})
            if _str(obj.get("account_login")):
                props["handle"] = obj["account_login"]
            for key in ("user_id", "display_name"):
                if _str(obj.get(key)):
                    props[key] = obj[key]
            platform = _str(obj.get("account_type"))
            for extension in _extensions(obj).values():
                if isinstance(extension, dict) and _str(extension.get("platform")):
                    platform = str(extension["platform"])
            if platform:
                props["platform"] = platform
            return _Candidate("account", login, None, props, kind)
        return kind

    def _ip(self, value: str, kind: str, props: dict[str, Any]) -> _Candidate:
        if "/" in value:
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                return _Candidate("ip", value, None, props, kind)  # refused with a clear message
            if network.num_addresses > 1:  # a range: the ip type holds single addresses
                props["network"] = str(network)
                return _Candidate("note", str(network), f"IP range {network}", props, kind)
            value = str(network.network_address)
        return _Candidate("ip", value, None, props, kind)

    def _file(self, obj: dict[str, Any]) -> _Candidate | str:
        hashes = obj["hashes"] if isinstance(obj.get("hashes"), dict) else {}
        known = {
            HASHES[k.upper()]: str(v) for k, v in hashes.items() if k.upper() in HASHES and _str(v)
        }
        algorithm = next((a for a in HASH_PREFERENCE if a in known), None)
        if algorithm is not None:
            props = self._common(obj)
            props["algorithm"] = algorithm
            return _Candidate("hash", known[algorithm], None, props, "file")
        name = _str(obj.get("name"))
        if name:
            props = self._common(obj, {"name"})
            if _str(obj.get("mime_type")):
                props["mime_type"] = obj["mime_type"]
            return _Candidate("document", name, None, props, "file")
        return "file (no hashes or name)"

    # -- indicators --
    def _indicator(self, obj: dict[str, Any]) -> None:
        pattern = obj.get("pattern")
        language = str(obj.get("pattern_type") or "stix")
        props = self._common(obj)
        if not isinstance(pattern, str) or not pattern.strip():
            self._indicator_note(obj, props, "the indicator has no pattern", parsed=False)
            self.counts["unparsed"] += 1
            return
        if language != "stix":
            self.counts[f"language:{language}"] += 1
            self._indicator_note(
                obj, props, f"a {language} pattern, not STIX patterning", parsed=False
            )
            return
        try:
            tree = parse_pattern(pattern)
        except PatternError as exc:
            self.counts["unparsed"] += 1
            self._indicator_note(obj, props, f"not parsed: {exc}", parsed=False)
            return
        comparisons = simple_comparisons(tree)
        if comparisons is None:
            self.counts["complex"] += 1
            reason = "more than comparisons of observables with = joined by OR"
            self._indicator_note(obj, props, reason, parsed=True)
            return
        candidates: list[_Candidate] = []
        for comparison in comparisons:
            found = self._observable(comparison.object_type, comparison.path, str(comparison.value))
            if isinstance(found, str):
                self.counts["complex"] += 1
                self._indicator_note(obj, props, found, parsed=True)
                return
            try:
                self._normalise(found)
            except ValidationError as exc:
                self.counts["unusable"] += 1
                self._indicator_note(obj, props, str(exc), parsed=True)
                return
            found.properties = {**props, **found.properties}
            candidates.append(found)
        for candidate in candidates:
            self._add(obj["id"], candidate)

    def _indicator_note(
        self, obj: dict[str, Any], props: dict[str, Any], reason: str, *, parsed: bool
    ) -> None:
        props = dict(props)
        props["pattern_parsed"] = parsed
        props["pattern_note" if parsed else "pattern_problem"] = reason
        pattern = _str(obj.get("pattern"))
        label = _str(obj.get("name")) or "Indicator"
        self._add(obj["id"], _Candidate("note", pattern or obj["id"], label, props, obj["id"]))

    def _observable(self, kind: str, path: tuple[str | int, ...], value: str) -> _Candidate | str:
        where = f"{kind}:{'.'.join(str(p) for p in path)}"
        simple = {
            "domain-name": "domain",
            "url": "url",
            "email-addr": "email",
            "mac-addr": "device",
        }
        if path == ("value",):
            if kind in ("ipv4-addr", "ipv6-addr"):
                return self._ip(value, kind, {})
            if kind in simple:
                props = {"identifier": value} if kind == "mac-addr" else {}
                return _Candidate(simple[kind], value, None, props, kind)
        if kind == "file" and len(path) == 2 and path[0] == "hashes":
            algorithm = HASHES.get(str(path[1]).upper())
            if algorithm:
                return _Candidate("hash", value, None, {"algorithm": algorithm}, "file")
        if kind == "file" and path == ("name",):
            return _Candidate("document", value, None, {}, "file")
        if kind == "user-account" and path in (("account_login",), ("user_id",)):
            field_name = "handle" if path == ("account_login",) else "user_id"
            return _Candidate("account", value, None, {field_name: value}, kind)
        return f"compares {where}, which no entity type holds"

    # -- links --
    def _link_type(self, relationship_type: str) -> str:
        name = relationship_type.strip().lower()
        candidate = name.replace("-", "_")
        if candidate in self.vocabulary.link_types:
            return candidate
        return LINK_TYPES.get(name, "related_to")

    def _relationship(self, obj: dict[str, Any]) -> None:
        ident = obj["id"]
        kind = obj.get("relationship_type")
        ends = [obj.get("source_ref"), obj.get("target_ref")]
        missing = [
            name
            for name, value in (
                ("relationship_type", kind),
                ("source_ref", ends[0]),
                ("target_ref", ends[1]),
            )
            if not _str(value)
        ]
        if missing:
            self._problem(f"Relationship {ident} has no {' or '.join(missing)}.")
            return
        dangling = [str(e) for e in ends if e not in self.index]
        if dangling:
            self._problem(
                f"Relationship {ident} refers to {dangling[0]}, which is not in the bundle (a "
                "dangling reference); add the object or remove the relationship."
            )
            return
        source_keys, target_keys = self.keys.get(str(ends[0])), self.keys.get(str(ends[1]))
        if not source_keys or not target_keys:
            end = self.index[str(ends[0] if not source_keys else ends[1])]["type"]
            self.skipped[f"relationship (to a {end} that is not imported)"] += 1
            return
        props = self._common(obj, {"relationship_type"})
        props["stix_relationship_type"] = kind
        own = obj.get("x_osint_properties")
        if isinstance(own, dict):
            props.update(own)
        confidence = str(obj.get("x_osint_confidence") or "suspected")
        if confidence not in CONFIDENCES:
            confidence = "suspected"
        reliability = credibility = None
        grading = str(obj.get("x_osint_admiralty") or "")
        if (
            len(grading) == 2
            and grading[0] in RELIABILITY_GRADES
            and grading[1] in CREDIBILITY_GRADES
        ):
            reliability, credibility = grading[0], grading[1]
        # A relationship from an object to itself is the importer's self-loop (refused unless
        # skipped); two objects that became one entity here are left out with a note.
        self._edges(ident, source_keys, target_keys, self._link_type(str(kind)), props,
                    confidence, reliability, credibility, "relationship",
                    keep_loops=ends[0] == ends[1])  # fmt: skip

    def _edges(
        self,
        ident: str,
        sources: list[str],
        targets: list[str],
        link_type: str,
        props: dict[str, Any],
        confidence: str,
        reliability: str | None,
        credibility: str | None,
        kind: str,
        *,
        keep_loops: bool = False,
    ) -> None:
        made = 0
        for source in sources:
            for target in targets:
                if source == target and not keep_loops:
                    self.skipped[f"{kind} (both ends are the same entity)"] += 1
                    continue
                made += 1
                self.edges.append(
                    ImportEdge(
                        key=ident if made == 1 else f"{ident}#{made}",
                        source=source,
                        target=target,
                        type=link_type,
                        confidence=confidence,
                        reliability=reliability,
                        credibility=credibility,
                        properties=dict(props),
                    )
                )

    def _sighting(self, obj: dict[str, Any]) -> None:
        ident = obj["id"]
        sighted = obj.get("sighting_of_ref")
        if not _str(sighted):
            self._problem(f"Sighting {ident} has no sighting_of_ref.")
            return
        where = _refs(obj.get("where_sighted_refs"))
        sources = self.keys.get(str(sighted))
        known = [w for w in where if self.keys.get(w)]
        if not sources:
            self.skipped["sighting (what was sighted is not in the bundle or not imported)"] += 1
            return
        if not known:
            self.skipped["sighting (none of its where_sighted_refs is in the bundle)"] += 1
            return
        props = self._common(obj)
        props["stix_relationship_type"] = "sighting"
        unknown = [w for w in where if w not in known]
        if unknown:
            props["where_sighted_not_imported"] = unknown
        targets = [key for w in known for key in self.keys[w]]
        self._edges(
            ident, sources, targets, "related_to", props, "suspected", None, None, "sighting"
        )

    def _resolves_to(self, obj: dict[str, Any]) -> None:
        refs = _refs(obj.get("resolves_to_refs"))
        sources = self.keys.get(obj["id"])
        if not refs or not sources:
            return
        for ref in refs:
            targets = self.keys.get(ref)
            if not targets:
                self.skipped["resolves_to_refs (address not in the bundle)"] += 1
                continue
            props = {"stix_relationship_type": "resolves-to", "stix_id": obj["id"]}
            self._edges(f"{obj['id']}->{ref}", sources, targets, "resolves_to", props,
                        "suspected", None, None, "resolves_to_refs")  # fmt: skip

    # -- the plan --
    def plan(self) -> ImportPlan:
        later: list[dict[str, Any]] = []
        for obj in self.objects:
            kind = obj["type"]
            if obj.get("revoked") is True:
                self.skipped[f"{kind} (revoked)"] += 1
                continue
            if kind in ("relationship", "sighting"):
                later.append(obj)
                continue
            if obj["id"] in self.authors:
                self.skipped["identity (author of the bundle)"] += 1
                continue
            if kind == "indicator":
                self._indicator(obj)
                continue
            found = self._sco(obj) if _is_sco(obj) else self._sdo(obj)
            if isinstance(found, str):
                self.skipped[found] += 1
                continue
            self._add(obj["id"], found)
        for obj in self.objects:
            if obj["type"] == "domain-name" and obj["id"] in self.keys:
                self._resolves_to(obj)
        for obj in later:
            if obj["type"] == "relationship":
                self._relationship(obj)
            else:
                self._sighting(obj)
        name = self.source.name
        if self.problems:
            total = self.counts["problems"]
            more = f" (and {total - len(self.problems)} more)" if total > len(self.problems) else ""
            raise ValidationError(
                f"{name} cannot be imported; nothing was written. " + " ".join(self.problems) + more
            )
        if len(self.nodes) + len(self.edges) > MAX_ITEMS:
            raise ValidationError(
                f"{name} would make {len(self.nodes) + len(self.edges):,} entities and links; an "
                f"import is limited to {MAX_ITEMS:,}. Split the bundle."
            )
        return ImportPlan(
            source=self.source,
            nodes=[
                ImportNode(n.key, n.type, n.value, n.label, n.properties)
                for n in self.nodes.values()
            ],
            edges=self.edges,
            notes=self._notes(),
        )

    def _notes(self) -> list[str]:
        notes: list[str] = []
        if self.skipped:
            listed = ", ".join(f"{n} {what}" for what, n in sorted(self.skipped.items()))
            notes.append(f"Skipped: {listed}.")
        notes += self.notes
        if self.counts["complex"]:
            notes.append(
                f"{self.counts['complex']} indicators became notes holding their pattern: it "
                "is more than [observable = 'value'] comparisons joined by OR, or compares a "
                "property no entity type holds (see the property pattern_note)."
            )
        if self.counts["unparsed"]:
            notes.append(
                f"{self.counts['unparsed']} indicator patterns could not be parsed; they became "
                "notes with the pattern and the problem (properties pattern, pattern_problem)."
            )
        if self.counts["unusable"]:
            notes.append(
                f"{self.counts['unusable']} indicators compare a value that is not valid for its "
                "type; they became notes holding their pattern (see the property pattern_note)."
            )
        languages = sorted(k.split(":", 1)[1] for k in self.counts if k.startswith("language:"))
        if languages:
            count = sum(self.counts[f"language:{k}"] for k in languages)
            notes.append(
                f"{count} indicators use another pattern language ({', '.join(languages)}); "
                "they became notes holding their pattern."
            )
        if self.counts["merged"]:
            notes.append(
                f"{self.counts['merged']} objects describe an entity that another object of the "
                "bundle describes too; each such entity was imported once (their STIX ids are "
                "in the property stix_ids)."
            )
        return notes


SCO_TYPES = {
    "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message",
    "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process",
    "software", "url", "user-account", "windows-registry-key", "x509-certificate",
}  # fmt: skip


def _is_sco(obj: dict[str, Any]) -> bool:
    return obj["type"] in SCO_TYPES
