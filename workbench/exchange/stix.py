"""STIX 2.1 bundle of a case, built with the `stix2` library.

Mapping (docs/exchange.md): domain -> domain-name, ip -> ipv4-addr / ipv6-addr, url -> url,
email -> email-addr, account -> user-account, hash -> file (hashes), document -> file
(name, mime type), person -> identity (individual), organization -> identity
(organization), location -> location (a location with neither coordinates nor a country,
which STIX cannot hold, becomes a note). Phone, device, post, event, wallet and note have no
STIX object: they become `note` objects whose abstract names the type. Links become
`relationship` objects (type in STIX spelling, confidence 0-100, Admiralty grading as
`x_osint_admiralty`); the case is a `grouping` (context "suspicious-activity") holding every
object, created by an `identity` for the exporting analyst, all marked with a TLP marking.
Entity and link ids of the workbench are kept as `x_osint_workbench_id` on SDOs; SCO ids are
deterministic (STIX ID contributing properties), so equal observables appear once.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import uuid
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.errors import ValidationError
from workbench.exchange.atomic import write_text_atomic
from workbench.model import Entity, Link
from workbench.store.workspace import Workspace
from workbench.timeutil import utcnow

NAMESPACE = uuid.UUID("5b1d6a47-3a3e-4c1b-9e0b-6f0d1f7b2c55")  # ids stable across exports
CONFIDENCE = {"confirmed": 95, "suspected": 50, "refuted": 5}
HASH_ALGORITHMS = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}
TLP = ("clear", "green", "amber", "red", "none")
ACCOUNT_TYPES = {
    "facebook", "ldap", "nis", "openid", "radius", "skype", "tacacs", "twitter", "unix",
    "windows-local", "windows-domain",
}  # fmt: skip
EXTENSION_ID = "extension-definition--2c6b5f58-8a8e-4f5f-9d36-1f1d6f0e6b21"
EXTENSION_PROPERTIES = (
    "x_osint_workbench_id", "x_osint_entity_type", "x_osint_value", "x_osint_confidence",
    "x_osint_admiralty", "x_osint_properties", "x_osint_case_reference", "x_osint_priority",
    "x_osint_category",
)  # fmt: skip
EXTENSION = {EXTENSION_ID: {"extension_type": "toplevel-property-extension"}}
EXTENSION_SCHEMA = (
    "OSINT Workbench top-level properties: x_osint_workbench_id (the entity or link id in "
    "the workbench), x_osint_entity_type (its entity type), x_osint_value (the entity's "
    "value, where the object is named by its label), x_osint_confidence "
    "(confirmed|suspected|refuted), x_osint_admiralty (Admiralty grading, e.g. B2), "
    "x_osint_properties (the link's properties), x_osint_case_reference, x_osint_priority, "
    "x_osint_category (of the case). As a property extension on user-account: platform."
)


def _stable(kind: str, key: str) -> str:
    """A version-4-form UUID derived from the workbench id, so re-exports keep their ids."""
    digest = hashlib.sha256(NAMESPACE.bytes + key.encode("utf-8")).digest()
    return f"{kind}--{uuid.UUID(bytes=digest[:16], version=4)}"


def _tlp(level: str) -> Any:
    import stix2  # type: ignore[import-untyped]

    if level not in TLP:
        raise ValidationError(f"Unknown TLP level {level!r}; use one of {', '.join(TLP)}.")
    return {
        "clear": stix2.TLP_WHITE,
        "green": stix2.TLP_GREEN,
        "amber": stix2.TLP_AMBER,
        "red": stix2.TLP_RED,
        "none": None,
    }[level]


class _Builder:
    def __init__(self, ws: Workspace, case_id: str, tlp: str):
        import stix2

        self.stix2 = stix2
        self.ws = ws
        self.case = ws.cases.get(case_id)
        self.marking = _tlp(tlp)
        self.markings = [self.marking.id] if self.marking is not None else []
        self.author = stix2.Identity(
            id=_stable("identity", f"analyst:{ws.actor}"),
            name=f"{ws.actor} (OSINT Workbench {__version__})",
            identity_class="individual",
            object_marking_refs=self.markings or None,
        )
        self.extension = stix2.ExtensionDefinition(
            id=EXTENSION_ID,
            created="2026-01-01T00:00:00.000Z",
            modified="2026-01-01T00:00:00.000Z",
            created_by_ref=self.author.id,
            name="OSINT Workbench case properties",
            description="Properties an OSINT Workbench case export adds to STIX objects.",
            schema=EXTENSION_SCHEMA,
            version="1.0.0",
            extension_types=["toplevel-property-extension", "property-extension"],
            extension_properties=list(EXTENSION_PROPERTIES),
        )
        self.objects: dict[str, Any] = {}
        self.by_entity: dict[str, str] = {}

    def _sdo(self, cls: Any, entity: Entity, kind: str, **fields: Any) -> Any:
        return cls(
            id=_stable(kind, entity.id),
            created=entity.created_at,
            modified=entity.updated_at,
            created_by_ref=self.author.id,
            object_marking_refs=self.markings or None,
            x_osint_workbench_id=entity.id,
            x_osint_entity_type=entity.type,
            x_osint_value=entity.value,
            extensions=EXTENSION,
            allow_custom=True,
            **fields,
        )

    def _note(self, entity: Entity) -> Any:
        label = self.ws.graph.vocabulary.entity_types.get(entity.type)
        details = json.dumps(entity.properties, ensure_ascii=False, sort_keys=True)
        content = f"{entity.label}\n\nvalue: {entity.value}"
        if entity.properties:
            content += f"\nproperties: {details}"
        return self._sdo(
            self.stix2.Note,
            entity,
            "note",
            abstract=f"{label.label if label else entity.type}: {entity.label}"[:250],
            content=content,
            object_refs=[self.author.id],
        )

    def entity(self, entity: Entity) -> Any:
        s, p, v = self.stix2, entity.properties, entity.value
        marks = {"object_marking_refs": self.markings or None}
        if entity.type == "domain":
            return s.DomainName(value=entity.normalized, **marks)
        if entity.type == "ip":
            address = ipaddress.ip_address(entity.normalized.split("/")[0])
            cls = s.IPv4Address if address.version == 4 else s.IPv6Address
            return cls(value=entity.normalized, **marks)
        if entity.type == "url":
            return s.URL(value=v, **marks)
        if entity.type == "email":
            return s.EmailAddress(value=entity.normalized, display_name=None, **marks)
        if entity.type == "account":
            fields: dict[str, Any] = {
                "user_id": str(p.get("user_id") or p.get("handle") or v),
                "account_login": str(p.get("handle") or v),
            }
            if p.get("display_name"):
                fields["display_name"] = str(p["display_name"])
            platform = str(p.get("platform") or "").strip()
            if platform.lower() in ACCOUNT_TYPES:
                fields["account_type"] = platform.lower()
            elif platform:
                fields["extensions"] = {
                    EXTENSION_ID: {"extension_type": "property-extension", "platform": platform}
                }
            return s.UserAccount(**fields, **marks, allow_custom=True)
        if entity.type == "hash":
            algorithm = HASH_ALGORITHMS.get(len(entity.normalized))
            if algorithm and all(c in "0123456789abcdef" for c in entity.normalized):
                return s.File(hashes={algorithm: entity.normalized}, **marks)
            return self._note(entity)
        if entity.type == "document":
            fields = {"name": v}
            if p.get("mime_type"):
                fields["mime_type"] = str(p["mime_type"])
            return s.File(**fields, **marks)
        if entity.type in ("person", "organization"):
            identity_class = "individual" if entity.type == "person" else "organization"
            return self._sdo(
                s.Identity, entity, "identity", name=entity.label, identity_class=identity_class
            )
        if entity.type == "location":
            fields = {}
            lat, lon = p.get("latitude"), p.get("longitude")
            if isinstance(lat, int | float) and isinstance(lon, int | float):
                fields.update(latitude=float(lat), longitude=float(lon))
                if isinstance(p.get("precision_m"), int | float):
                    fields["precision"] = float(p["precision_m"])
            if p.get("country"):
                fields["country"] = str(p["country"])
            if p.get("address"):
                fields["street_address"] = str(p["address"])
            if "latitude" in fields or "country" in fields:
                return self._sdo(s.Location, entity, "location", name=entity.label, **fields)
        return self._note(entity)

    def link(self, link: Link) -> Any:
        fields: dict[str, Any] = {}
        if link.grading:
            fields["x_osint_admiralty"] = link.grading
        if link.properties:
            fields["x_osint_properties"] = link.properties
        link_type = self.ws.graph.vocabulary.link_types.get(link.type)
        return self.stix2.Relationship(
            id=_stable("relationship", link.id),
            relationship_type=link.type.replace("_", "-"),
            description=link_type.label if link_type else link.type,
            source_ref=self.by_entity[link.source_id],
            target_ref=self.by_entity[link.target_id],
            created=link.created_at,
            modified=link.updated_at,
            created_by_ref=self.author.id,
            confidence=CONFIDENCE[link.confidence.value],
            object_marking_refs=self.markings or None,
            x_osint_workbench_id=link.id,
            x_osint_confidence=link.confidence.value,
            extensions=EXTENSION,
            allow_custom=True,
            **fields,
        )

    def bundle(self) -> Any:
        for entity in self.ws.graph.list_entities(self.case.id):
            obj = self.entity(entity)
            self.objects.setdefault(obj.id, obj)
            self.by_entity[entity.id] = obj.id
        relationships = [self.link(link) for link in self.ws.graph.list_links(self.case.id)]
        members = [self.author.id, *self.objects, *(r.id for r in relationships)]
        now = utcnow()
        grouping = self.stix2.Grouping(
            id=_stable("grouping", self.case.id),
            name=f"{self.case.reference}: {self.case.title}",
            description=self.case.description or None,
            context="suspicious-activity",
            created=self.case.created_at,
            modified=max(now, self.case.created_at),
            created_by_ref=self.author.id,
            object_refs=members,
            object_marking_refs=self.markings or None,
            labels=list(self.case.tags) or None,
            x_osint_case_reference=self.case.reference,
            x_osint_priority=self.case.priority.value,
            x_osint_category=self.case.category.value,
            extensions=EXTENSION,
            allow_custom=True,
        )
        objects = [*([self.marking] if self.marking is not None else []), self.author]
        objects.append(self.extension)
        objects += [*self.objects.values(), *relationships, grouping]
        return self.stix2.Bundle(objects=objects, allow_custom=True)


def case_bundle(ws: Workspace, case_id: str, *, tlp: str = "amber") -> Any:
    """The case as a `stix2.Bundle`."""
    return _Builder(ws, case_id, tlp).bundle()


def export_stix(ws: Workspace, case_id: str, target: Path, *, tlp: str = "amber") -> Path:
    bundle = case_bundle(ws, case_id, tlp=tlp)
    # stix2's own pretty printer is quadratic in the bundle size; indent with json instead.
    text = json.dumps(json.loads(bundle.serialize()), indent=2, ensure_ascii=False)
    return write_text_atomic(Path(target), text)
