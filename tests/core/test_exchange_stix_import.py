"""STIX 2.1 import: the OASIS APT1 example bundle, a round trip of the sample case's export,
the mapping of each object kind, the pattern parser, bad input, and the CLI."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from stix2patterns.validator import validate as reference_validate

from tests.conftest import SHARED_DATA
from workbench.audit import iter_events, verify_chain
from workbench.cli import main
from workbench.demo import create_demo_case
from workbench.errors import ValidationError
from workbench.exchange.service import import_file
from workbench.exchange.stix import export_stix
from workbench.exchange.stix_import import read_stix_plan
from workbench.exchange.stix_pattern import PatternError, parse_pattern, simple_comparisons
from workbench.store.workspace import Workspace

APT1 = SHARED_DATA / "stix21" / "apt1.json"
NAMESPACE = uuid.UUID("0b7f6d2e-55c1-4d7e-9a51-3f1f0c2b9a10")
TLP_AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
TIME = "2024-03-01T10:00:00.000Z"


def sid(kind: str, name: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, name)}"


def obj(kind: str, key: str, /, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "spec_version": "2.1", "id": sid(kind, key), **fields}


def sdo(kind: str, key: str, /, **fields: Any) -> dict[str, Any]:
    return obj(kind, key, created=TIME, modified=TIME, **fields)


def rel(kind: str, source: dict[str, Any], target: dict[str, Any], **fields: Any) -> dict[str, Any]:
    name = f"{source['id']} {kind} {target['id']}"
    return sdo(
        "relationship",
        name,
        relationship_type=kind,
        source_ref=source["id"],
        target_ref=target["id"],
        **fields,
    )


def indicator(name: str, pattern: str, /, **fields: Any) -> dict[str, Any]:
    return sdo(
        "indicator",
        name,
        name=name,
        pattern=pattern,
        pattern_type="stix",
        valid_from=TIME,
        **fields,
    )


def write_bundle(tmp_path: Path, objects: list[Any], name: str = "bundle.json", **top: Any) -> Path:
    path = tmp_path / name
    bundle = {"type": "bundle", "id": sid("bundle", name), "objects": objects, **top}
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


def by_value(ws: Workspace, case_id: str) -> dict[str, Any]:
    return {e.value: e for e in ws.graph.list_entities(case_id)}


# ---- the OASIS example bundle -------------------------------------------------------------
def test_apt1_bundle_imports_with_the_counts_read_from_the_file(ws: Workspace) -> None:
    objects = json.loads(APT1.read_text(encoding="utf-8"))["objects"]
    # What the file holds (76 objects), counted by hand from it:
    assert Counter(o["type"] for o in objects) == {
        "relationship": 30,
        "indicator": 12,
        "tool": 10,
        "attack-pattern": 7,
        "malware": 6,
        "threat-actor": 5,
        "identity": 4,
        "intrusion-set": 1,
        "report": 1,
    }
    case = ws.cases.create("APT1")
    result = import_file(ws, case.id, APT1, "stix")
    # Expected entities, from reading each object of the file:
    #   person 4: the 4 identities, all identity_class "individual" (JackWang, Wang Dong,
    #     dota, Mei Qiang);
    #   organization 6: the 5 threat actors (each with resource_level "government", none
    #     "individual") and the intrusion set APT1;
    #   domain 3: indicators [domain-name:value = 'hugesoft.org' / 'arrowservice.net' /
    #     'msnhome.org'];
    #   hash 3: indicators [file:hashes.md5 = '001dd7...' / '002325...' / '00dbb9...'];
    #   note 29: 6 malware + 10 tool + 7 attack-pattern, 4 indicators whose ipv4-addr value is
    #     a /15 network (a range, which the ip type cannot hold), and 2 indicators whose
    #     pattern joins two x509-certificate comparisons with AND (kept whole).
    # 45 entities; the report is skipped. Links: all 30 relationships (16 uses, 7
    # attributed-to, 7 indicates; attributed-to and indicates have no workbench link type).
    assert result.entity_types == {
        "person": 4,
        "organization": 6,
        "domain": 3,
        "hash": 3,
        "note": 29,
    }
    assert (result.entities, result.links) == (45, 30)
    assert "Skipped: 1 report." in result.notes
    assert any(n.startswith("2 indicators became notes") for n in result.notes)
    links = ws.graph.list_links(case.id)
    assert Counter(k.type for k in links) == {"uses": 16, "related_to": 14}
    assert Counter(k.properties["stix_relationship_type"] for k in links) == {
        "uses": 16,
        "attributed-to": 7,
        "indicates": 7,
    }

    entities = by_value(ws, case.id)
    named = {e.id: e for e in entities.values()}

    def linked(source: str, target: str) -> list[Any]:
        return [
            k
            for k in links
            if named[k.source_id].value == source and named[k.target_id].value == target
        ]

    # relationship--a20b8626-a15e-41f0-bcb1-c05321e126f0: threat-actor "Ugly Gorilla"
    # attributed-to identity "Wang Dong"
    (attributed,) = linked("Ugly Gorilla", "Wang Dong")
    assert attributed.properties["stix_id"] == "relationship--a20b8626-a15e-41f0-bcb1-c05321e126f0"
    assert attributed.type == "related_to"
    assert attributed.properties["stix_relationship_type"] == "attributed-to"
    assert named[attributed.source_id].type == "organization"
    assert named[attributed.target_id].type == "person"
    (indicates,) = linked("hugesoft.org", "Ugly Gorilla")
    assert named[indicates.source_id].type == "domain"
    assert linked("Privilege Escalation", "mimikatz")[0].type == "uses"
    assert linked("APT1", "Unit 61398")[0].properties["stix_relationship_type"] == "attributed-to"

    apt1 = entities["APT1"]
    assert apt1.properties["stix_type"] == "intrusion-set"
    assert apt1.properties["stix_id"] == "intrusion-set--da1065ce-972c-4605-8755-9cd1074e3b5a"
    assert apt1.properties["aliases"] == ["Comment Crew", "Comment Group", "Shady Rat"]
    assert apt1.properties["stix_created"] == "2015-05-15T09:12:16.432Z"
    assert entities["Wang Dong"].properties["contact_information"] == "uglygorilla@163.com"
    mimikatz = entities["mimikatz"]
    assert (mimikatz.type, mimikatz.label) == ("note", "Tool: mimikatz")
    assert mimikatz.properties["references"] == ["http://blog.gentilkiwi.com/mimikatz"]
    md5 = entities["001dd76872d80801692ff942308c64e6"]
    assert md5.type == "hash" and md5.properties["algorithm"] == "MD5"
    assert md5.properties["stix_type"] == "indicator"
    assert md5.properties["pattern"] == "[file:hashes.md5 = '001dd76872d80801692ff942308c64e6']"
    network = entities["223.166.0.0/15"]
    assert (network.type, network.label) == ("note", "IP range 223.166.0.0/15")
    certificate = next(e for e in entities.values() if e.value.startswith("[x509-certificate"))
    assert certificate.properties["pattern_parsed"] is True
    assert "pattern_note" in certificate.properties
    assert certificate.label.startswith("Appendix F SSL Certificate")

    digest = hashlib.sha256(APT1.read_bytes()).hexdigest()
    with ws.read() as conn:
        event = next(e for e in iter_events(conn, case.id) if e.action == "case.import")
    assert event.summary["format"] == "stix"
    assert event.summary["file"] == "apt1.json" and event.summary["file_sha256"] == digest
    assert (event.summary["entities"], event.summary["links"]) == (45, 30)
    assert ws.graph.get_entity(apt1.id).provenance[0].ref == f"stix:{digest}"


def test_dry_run_writes_nothing(ws: Workspace) -> None:
    case = ws.cases.create("Dry")
    result = import_file(ws, case.id, APT1, "stix", dry_run=True)
    assert result.dry_run and (result.entities, result.links) == (45, 30)
    assert ws.graph.count_entities(case.id) == 0


# ---- round trip ---------------------------------------------------------------------------
ADDED_BY_IMPORT = {
    "stix_id", "stix_type", "stix_created", "stix_modified", "stix_confidence",
    "stix_created_by", "stix_relationship_type", "description", "tlp",
}  # fmt: skip


def test_sample_case_export_comes_back_as_the_same_graph(ws: Workspace, tmp_path: Path) -> None:
    demo = create_demo_case(ws)
    first = ws.graph.list_links(demo.id)[0]
    ws.graph.update_link(first.id, properties={"seen_in": "login export", "count": 3})
    path = export_stix(ws, demo.id, tmp_path / "case.stix.json")
    target = ws.cases.create("Round trip")
    result = import_file(ws, target.id, path, "stix")

    # The export names persons, organisations and locations (STIX identity / location) by the
    # entity's label and carries the value in x_osint_value, so both come back. In the sample
    # case one such entity has a label that differs from its value: it must keep both.
    named_by_label = {"person", "organization", "location"}
    relabelled = [
        (e.value, e.label)
        for e in ws.graph.list_entities(demo.id)
        if e.type in named_by_label and e.label != e.value
    ]
    assert relabelled == [("DS Maria Okafor", "Det. Sgt. Maria Okafor")]
    assert [
        (e.value, e.label)
        for e in ws.graph.list_entities(target.id)
        if e.type in named_by_label and e.label != e.value
    ] == relabelled

    def expected_key(entity: Any) -> tuple[str, str]:
        return entity.type, entity.normalized

    def graph(case_id: str, key: Any) -> tuple[list[Any], list[Any]]:
        entities = ws.graph.list_entities(case_id)
        keys = {e.id: key(e) for e in entities}
        links = sorted(
            (
                keys[k.source_id],
                keys[k.target_id],
                k.type,
                k.confidence.value,
                k.reliability,
                k.credibility,
                json.dumps(
                    {p: v for p, v in k.properties.items() if p not in ADDED_BY_IMPORT},
                    sort_keys=True,
                ),
            )
            for k in ws.graph.list_links(case_id)
        )
        return sorted(keys.values()), links

    before = graph(demo.id, expected_key)
    after = graph(target.id, lambda e: (e.type, e.normalized))
    assert after == before
    assert (result.entities, result.links) == (32, 38)
    assert any(k.properties.get("seen_in") for k in ws.graph.list_links(target.id))
    assert result.notes[0] == (
        "Skipped: 1 extension-definition, 1 grouping, 1 identity (author of the bundle), "
        "1 marking-definition."
    )
    imported = by_value(ws, target.id)
    phone = imported["+44 7700 900123"]
    assert phone.type == "phone"
    assert phone.properties["country"] == "GB" and phone.properties["line_type"] == "mobile"
    assert phone.properties["tlp"] == "amber"
    account = imported["nightowl_rin"]
    assert account.properties["platform"] == "StreamHub"
    assert account.properties["user_id"] == "58214407"
    assert imported["Riverside flats, Harbour Road, Bristol"].properties["latitude"] == 51.447
    assert all(
        e.properties["stix_created_by"].startswith("analyst.test")
        for e in imported.values()
        if "stix_created" in e.properties
    )


# ---- the mapping --------------------------------------------------------------------------
def test_each_kind_of_object_maps_to_its_entity_type(ws: Workspace, tmp_path: Path) -> None:
    tlp2 = sdo(
        "marking-definition",
        "tlp2",
        name="TLP:AMBER+STRICT",
        extensions={
            "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                "extension_type": "property-extension",
                "tlp_2_0": "amber+strict",
            }
        },
    )
    statement = obj(
        "marking-definition",
        "copyright",
        created=TIME,
        definition_type="statement",
        definition={"statement": "Copyright 2024 Example CERT"},
    )
    author = sdo("identity", "cert", name="Example CERT", identity_class="organization")
    by_cert = {"created_by_ref": author["id"]}
    org = sdo(
        "identity",
        "bank",
        name="Example Bank plc",
        identity_class="organization",
        sectors=["financial-services"],
        **by_cert,
    )
    person = sdo("identity", "analyst", name="Ana Lyst", identity_class="individual")
    lone = sdo(
        "threat-actor",
        "lone",
        name="Lone Wolf",
        resource_level="individual",
        object_marking_refs=[TLP_AMBER, statement["id"]],
        confidence=70,
        labels=["watch"],
        description="Sends the phishing mails.",
        external_references=[
            {"source_name": "blog", "url": "https://cert.example/lw"},
            {"source_name": "mitre-attack", "external_id": "G9999"},
        ],
        **by_cert,
    )
    group = sdo(
        "threat-actor",
        "crew",
        name="Phish Crew",
        resource_level="club",
        object_marking_refs=[TLP_AMBER, tlp2["id"]],
    )
    campaign = sdo(
        "campaign",
        "spring",
        name="Spring phishing wave",
        first_seen="2024-02-01T00:00:00Z",
        last_seen="2024-02-20T00:00:00Z",
    )
    place = sdo(
        "location",
        "office",
        name="Branch office",
        latitude=51.5,
        longitude=-0.12,
        precision=250.0,
        country="GB",
        city="London",
    )
    malware = sdo("malware", "stealer", name="StealIt", is_family=True, malware_types=["spyware"])
    vuln = sdo("vulnerability", "cve", name="CVE-2024-0001")
    domain = obj("domain-name", "d", value="Login-Bank.Example")
    ip4 = obj("ipv4-addr", "a4", value="192.0.2.10")
    ip6 = obj("ipv6-addr", "a6", value="2001:DB8::10")
    domain["resolves_to_refs"] = [ip4["id"], ip6["id"]]
    url = obj("url", "u", value="https://login-bank.example/verify")
    mail = obj("email-addr", "m", value="Alerts@Login-Bank.example", display_name="Alerts")
    sha = "a" * 64
    hashed = obj("file", "f1", hashes={"SHA-256": sha, "MD5": "b" * 32}, name="invoice.exe")
    named = obj("file", "f2", name="invoice.pdf", mime_type="application/pdf")
    empty_file = obj("file", "f3", size=10)
    account = obj(
        "user-account",
        "acct",
        account_login="phisher01",
        user_id="1001",
        account_type="twitter",
        display_name="Phish",
    )
    mac = obj("mac-addr", "mac", value="00:00:5e:00:53:af")
    either = indicator(
        "two domains", "[domain-name:value = 'a.example'] OR [domain-name:value = 'b.example']"
    )
    same_ip = indicator("known ip", "[ipv4-addr:value = '192.0.2.10']")
    sigma = sdo(
        "indicator",
        "sigma",
        name="Sigma rule",
        pattern="title: x",
        pattern_type="sigma",
        valid_from=TIME,
    )
    report = sdo("report", "r", name="Weekly", published=TIME, object_refs=[org["id"]])
    observed = sdo(
        "observed-data",
        "o",
        first_observed=TIME,
        last_observed=TIME,
        number_observed=1,
        object_refs=[ip4["id"]],
    )
    revoked = sdo("tool", "old", name="Old tool", revoked=True)
    custom = obj("x-example-thing", "x", name="custom")
    relationships = [
        rel("uses", lone, malware),
        rel("located-at", org, place),
        rel("duplicate-of", group, lone),
        rel("targets", campaign, org),
        rel("attributed-to", campaign, report),  # to a skipped object
        rel("indicates", either, malware),  # one pattern, two observables: two links
    ]
    sighting = sdo(
        "sighting",
        "seen",
        sighting_of_ref=malware["id"],
        where_sighted_refs=[org["id"], sid("identity", "elsewhere")],
        count=3,
    )
    unseen = sdo(
        "sighting",
        "unseen",
        sighting_of_ref=malware["id"],
        where_sighted_refs=[sid("identity", "nowhere")],
    )
    older = dict(person, name="Old Name", modified="2020-01-01T00:00:00.000Z")
    objects = [
        tlp2,
        statement,
        author,
        org,
        older,
        person,
        lone,
        group,
        campaign,
        place,
        malware,
        vuln,
        domain,
        ip4,
        ip6,
        url,
        mail,
        hashed,
        named,
        empty_file,
        account,
        mac,
        either,
        same_ip,
        sigma,
        report,
        observed,
        revoked,
        custom,
        *relationships,
        sighting,
        unseen,
    ]
    case = ws.cases.create("Mapping")
    result = import_file(ws, case.id, write_bundle(tmp_path, objects), "stix")
    entities = by_value(ws, case.id)
    types = {value: e.type for value, e in entities.items()}
    assert types == {
        "Example Bank plc": "organization",
        "Ana Lyst": "person",
        "Lone Wolf": "person",
        "Phish Crew": "organization",
        "Spring phishing wave": "event",
        "Branch office": "location",
        "StealIt": "note",
        "CVE-2024-0001": "note",
        "Login-Bank.Example": "domain",
        "192.0.2.10": "ip",
        "2001:DB8::10": "ip",
        "https://login-bank.example/verify": "url",
        "Alerts@Login-Bank.example": "email",
        sha: "hash",
        "invoice.pdf": "document",
        "phisher01": "account",
        "00:00:5e:00:53:af": "device",
        "a.example": "domain",
        "b.example": "domain",
        "title: x": "note",
    }
    assert result.notes[0] == (
        "Skipped: 1 file (no hashes or name), 1 identity (author of the bundle), "
        "2 marking-definition, 1 observed-data, 1 relationship (to a report that is not "
        "imported), 1 report, 1 sighting (none of its where_sighted_refs is in the bundle), "
        "1 tool (revoked), 1 x-example-thing."
    )
    assert any("older versions" in n for n in result.notes)
    assert any("1 indicators use another pattern language (sigma)" in n for n in result.notes)
    assert any(n.startswith("1 objects describe an entity") for n in result.notes)

    wolf = entities["Lone Wolf"].properties
    assert wolf["tlp"] == "amber" and wolf["marking_statements"] == ["Copyright 2024 Example CERT"]
    assert wolf["stix_confidence"] == 70 and wolf["labels"] == ["watch"]
    assert wolf["description"] == "Sends the phishing mails."
    assert wolf["references"] == ["https://cert.example/lw"]
    assert wolf["external_ids"] == ["mitre-attack: G9999"]
    assert wolf["stix_created_by"] == "Example CERT"
    assert entities["Phish Crew"].properties["tlp"] == "amber+strict"  # the stricter marking
    assert entities["Ana Lyst"].properties["stix_modified"] == TIME  # the newer version
    wave = entities["Spring phishing wave"].properties
    assert (wave["starts_at"], wave["ends_at"]) == ("2024-02-01T00:00:00Z", "2024-02-20T00:00:00Z")
    office = entities["Branch office"].properties
    assert (office["latitude"], office["longitude"], office["precision_m"]) == (51.5, -0.12, 250.0)
    assert (office["country"], office["city"]) == ("GB", "London")
    assert entities["StealIt"].label == "Malware: StealIt"
    assert entities["CVE-2024-0001"].label == "Vulnerability: CVE-2024-0001"
    assert entities[sha].properties["algorithm"] == "SHA-256"
    assert entities[sha].properties["hashes"]["MD5"] == "b" * 32
    assert entities["invoice.pdf"].properties["mime_type"] == "application/pdf"
    phisher = entities["phisher01"].properties
    assert (phisher["platform"], phisher["user_id"], phisher["handle"]) == (
        "twitter",
        "1001",
        "phisher01",
    )
    assert entities["00:00:5e:00:53:af"].properties["identifier"] == "00:00:5e:00:53:af"
    known_ip = entities["192.0.2.10"].properties  # the SCO and the indicator: one entity
    assert known_ip["stix_ids"] == [ip4["id"], same_ip["id"]]
    sigma_note = entities["title: x"].properties
    assert sigma_note["pattern_parsed"] is False and "sigma" in sigma_note["pattern_problem"]

    names = {e.id: e.value for e in entities.values()}
    links = Counter(
        (names[k.source_id], names[k.target_id], k.type, k.properties["stix_relationship_type"])
        for k in ws.graph.list_links(case.id)
    )
    assert links == {
        ("Lone Wolf", "StealIt", "uses", "uses"): 1,
        ("Example Bank plc", "Branch office", "located_at", "located-at"): 1,
        ("Phish Crew", "Lone Wolf", "same_as", "duplicate-of"): 1,
        ("Spring phishing wave", "Example Bank plc", "related_to", "targets"): 1,
        ("a.example", "StealIt", "related_to", "indicates"): 1,
        ("b.example", "StealIt", "related_to", "indicates"): 1,
        ("StealIt", "Example Bank plc", "related_to", "sighting"): 1,
        ("Login-Bank.Example", "192.0.2.10", "resolves_to", "resolves-to"): 1,
        ("Login-Bank.Example", "2001:DB8::10", "resolves_to", "resolves-to"): 1,
    }
    seen = next(
        k
        for k in ws.graph.list_links(case.id)
        if k.properties["stix_relationship_type"] == "sighting"
    )
    assert seen.properties["count"] == 3
    assert seen.properties["where_sighted_not_imported"] == [sid("identity", "elsewhere")]
    assert all(k.confidence.value == "suspected" for k in ws.graph.list_links(case.id))


def test_malformed_pattern_is_kept_as_an_indicator_note(ws: Workspace, tmp_path: Path) -> None:
    broken = indicator("Broken", "[domain-name:value = 'bad.example'")
    bad_escape = indicator("Escape", r"[file:name = 'a\b']")
    invalid_value = indicator("Not an address", "[email-addr:value = 'nobody']")
    malware = sdo("malware", "m", name="Thing", is_family=False)
    path = write_bundle(
        tmp_path, [broken, bad_escape, invalid_value, malware, rel("indicates", broken, malware)]
    )
    case = ws.cases.create("Patterns")
    result = import_file(ws, case.id, path, "stix")
    assert result.entity_types == {"note": 4} and result.links == 1
    notes = {e.label: e for e in ws.graph.list_entities(case.id)}
    kept = notes["Broken"]
    assert kept.value == "[domain-name:value = 'bad.example'"
    assert kept.properties["pattern_parsed"] is False
    assert kept.properties["pattern_problem"] == (
        "not parsed: expected ']' closing the observation, found the end of the pattern "
        "(at character 35)"
    )
    assert "backslash" in notes["Escape"].properties["pattern_problem"]
    assert "not an e-mail address" in notes["Not an address"].properties["pattern_note"]
    assert any(n.startswith("2 indicator patterns could not be parsed") for n in result.notes)
    assert any(n.startswith("1 indicators compare a value that is not valid") for n in result.notes)


def test_stix_20_bundle_is_read_with_a_note(ws: Workspace, tmp_path: Path) -> None:
    actor = {
        "type": "threat-actor",
        "id": sid("threat-actor", "a20"),
        "created": TIME,
        "modified": TIME,
        "name": "Old Actor",
        "labels": ["crime-syndicate"],
    }
    ind = {
        "type": "indicator",
        "id": sid("indicator", "i20"),
        "created": TIME,
        "modified": TIME,
        "labels": ["malicious-activity"],
        "pattern": "[url:value = 'http://old.example/']",
        "valid_from": TIME,
    }
    link = {
        "type": "relationship",
        "id": sid("relationship", "r20"),
        "created": TIME,
        "modified": TIME,
        "relationship_type": "indicates",
        "source_ref": ind["id"],
        "target_ref": actor["id"],
    }
    path = write_bundle(tmp_path, [actor, ind, link], spec_version="2.0")
    case = ws.cases.create("Old STIX")
    result = import_file(ws, case.id, path, "stix")
    assert result.entity_types == {"organization": 1, "url": 1} and result.links == 1
    assert result.notes == (
        "3 objects are STIX 2.0; they were read with the 2.1 mapping (the objects it uses are "
        "the same in 2.0; observables inside observed-data are not imported).",
    )


def test_self_loop_relationship_follows_the_self_loop_option(ws: Workspace, tmp_path: Path) -> None:
    actor = sdo("threat-actor", "loop", name="Looper")
    other = sdo("malware", "m", name="Thing", is_family=False)
    path = write_bundle(
        tmp_path, [actor, other, rel("related-to", actor, actor), rel("uses", actor, other)]
    )
    _refused(ws, path, "itself \\(a self-loop\\)")
    case = ws.cases.create("Skip loops")
    result = import_file(ws, case.id, path, "stix", self_loops="skip")
    assert (result.entities, result.links, result.skipped_self_loops) == (2, 1, 1)


# ---- bad input ----------------------------------------------------------------------------
def _refused(ws: Workspace, path: Path, match: str) -> None:
    case = ws.cases.create("Target")
    with ws.read() as conn:
        before = verify_chain(conn).checked
    with pytest.raises(ValidationError, match=match):
        import_file(ws, case.id, path, "stix")
    assert ws.graph.count_entities(case.id) == 0 and ws.graph.count_links(case.id) == 0
    with ws.read() as conn:
        assert verify_chain(conn).checked == before


def _raw(tmp_path: Path, content: bytes | str, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_not_json_is_refused_with_line_and_column(ws: Workspace, tmp_path: Path) -> None:
    _refused(
        ws,
        _raw(tmp_path, '{"type": "bundle",\n "objects": [}'),
        r"in.json is not JSON \(line 2, column 14: Expecting value\)",
    )
    _refused(ws, _raw(tmp_path, "<stix:STIX_Package/>", "x.json"), "is XML, not JSON")
    _refused(
        ws,
        _raw(tmp_path, b'{"type": "bundle", "x": "caf\xe9"}', "l1.json"),
        r"not valid UTF-8 \(byte 0xe9 at line 1\)",
    )
    _refused(ws, _raw(tmp_path, "", "empty.json"), "empty")


def test_json_that_is_not_a_bundle_is_refused(ws: Workspace, tmp_path: Path) -> None:
    single = indicator("x", "[url:value = 'http://x.example/']")
    _refused(ws, _raw(tmp_path, json.dumps([single])), "its top level is an array")
    _refused(ws, _raw(tmp_path, json.dumps(single)), "single STIX indicator object")
    _refused(ws, _raw(tmp_path, json.dumps({"objects": [single]})), "TAXII envelope")
    no_objects = {"type": "bundle", "id": sid("bundle", "n")}
    _refused(ws, _raw(tmp_path, json.dumps(no_objects)), 'without an "objects" list')
    _refused(ws, write_bundle(tmp_path, []), "no objects: there is nothing to import")
    _refused(ws, write_bundle(tmp_path, [single], spec_version="1.2"), "spec_version '1.2'")
    later = dict(single, spec_version="3.0")
    _refused(ws, write_bundle(tmp_path, [later]), f"{single['id']} has spec_version '3.0'")
    _refused(
        ws,
        write_bundle(tmp_path, [single, "text", {"type": "tool", "id": "tool--1"}]),
        r"Object #2 is a string.*Object #3 \(tool\) has no valid id",
    )


def test_dangling_relationship_refuses_the_whole_bundle(ws: Workspace, tmp_path: Path) -> None:
    actor = sdo("threat-actor", "a", name="Actor")
    ghost = sdo("malware", "ghost", name="Ghost", is_family=False)
    link = rel("uses", actor, ghost)
    path = write_bundle(tmp_path, [actor, link])
    _refused(
        ws, path, f"Relationship {link['id']} refers to {ghost['id']}, which is not in the bundle"
    )
    no_ends = sdo("relationship", "bare", relationship_type="uses")
    _refused(ws, write_bundle(tmp_path, [actor, no_ends]), "has no source_ref or target_ref")


def test_invalid_observable_value_is_refused_naming_the_object(
    ws: Workspace, tmp_path: Path
) -> None:
    mail = obj("email-addr", "bad", value="not-an-address")
    _refused(ws, write_bundle(tmp_path, [mail]), f"{mail['id']}: 'not-an-address' is not an e-mail")
    url = obj("url", "bad", value="http://[::1/")  # the URL parser's own error, named too
    _refused(
        ws, write_bundle(tmp_path, [url]), rf"{url['id']}: .* is not a valid URL \(Invalid IPv6"
    )


def test_size_limits_refuse_before_reading(ws: Workspace, tmp_path: Path) -> None:
    path = write_bundle(tmp_path, [sdo("tool", f"t{i}", name=f"tool {i}") for i in range(3)])
    with pytest.raises(ValidationError, match=r"a STIX import is limited to 0 MB"):
        read_stix_plan(path, ws.graph.vocabulary, max_bytes=100)
    with pytest.raises(ValidationError, match=r"holds 3 objects; a STIX import is limited to 2"):
        read_stix_plan(path, ws.graph.vocabulary, max_objects=2)
    assert len(read_stix_plan(path, ws.graph.vocabulary).nodes) == 3


# ---- the pattern parser -------------------------------------------------------------------
PATTERNS = [
    "[ipv4-addr:value = '198.51.100.1']",
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "[domain-name:value = 'a.example' OR domain-name:value = 'b.example']",
    "[url:value = 'http://x.example/'] OR [email-addr:value = 'a@b.example']",
    "[x509-certificate:issuer = 'CN=X' AND x509-certificate:serial_number = '01']",
    "([url:value = 'http://x.example/'] OR [url:value = 'http://y.example/']) WITHIN 10 SECONDS",
    "[file:name = 'it\\'s.exe']",
    "[network-traffic:dst_ref.value ISSUBSET '10.0.0.0/8']",
    "[process:extensions.'windows-process-ext'.aslr_enabled = true]",
    "[a:b[*].c = 5] REPEATS 3 TIMES",
    "[a:b = t'2016-01-01T00:00:00Z'] START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z'",
    "[a:b = 'x'] FOLLOWEDBY [c:d != 'y']",
    "[a:b NOT = 'x']",
    "[a:b IN ('x', 'y')]",
    "[(a:b = 'x' OR c:d = 'y') AND e:f = 'z']",
    "[EXISTS a:b] /* a comment */",
    "[a:b = h'0a0B'] AND [c:d = b'aGVsbG8=']",
    "[file:hashes.'SHA-256' = 'aa'",
    "[file:name = 'a\\b']",
    "[a:b = 'x']]",
    "ipv4-addr:value = '1.2.3.4'",
    "[a:b = ]",
    "[a:b > true]",
    "[a:b LIKE 5]",
    "[a:b-c = 'x']",
    "[a:b = 'x'] and [c:d = 'y']",
    "[a:b = 'x' AND]",
    "[a:b = 'x'] OR ([c:d = 'y']",
    "[a:b = t'2016']",
    "[a:b = h'abc']",
    "[a:b = 'x' @]",
    "[a:b = 'x'] START t'2016-01-01T00:00:00Z'",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_parser_accepts_what_the_reference_grammar_accepts(pattern: str) -> None:
    try:
        parse_pattern(pattern)
        ours = True
    except PatternError:
        ours = False
    assert ours == reference_validate(pattern, stix_version="2.1")


def test_parser_agrees_with_the_reference_on_generated_patterns() -> None:
    """Random patterns from the grammar's parts, some broken on purpose; the reference also
    checks hash values' lengths, which is not grammar, so no hash paths here."""
    rng = random.Random(2024)
    literals = ["'x'", "'it\\'s'", "5", "-2", "1.5", "true", "t'2020-01-01T00:00:00Z'",
                "h'0aff'", "b'AAAA'", "'", "h'0'", "t'bad'"]  # fmt: skip
    paths = ["a:b", "x509-certificate:issuer", "file:name", "a:b.c[*].d", "a:'q-r'.s[2]",
             "a-b:c", "a:b-c", "a:", ":b"]  # fmt: skip
    operators = ["=", "==", "!=", "<>", "<", "<=", ">", ">=", "NOT =", "LIKE", "MATCHES",
                 "ISSUBSET", "IN", "NOT IN"]  # fmt: skip
    qualifiers = [" WITHIN 5 SECONDS", " WITHIN 1.5 SECONDS", " REPEATS 3 TIMES",
                  " START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00Z'",
                  " WITHIN -1 SECONDS", " REPEATS 0 TIMES", " STOP"]  # fmt: skip

    def test() -> str:
        roll = rng.random()
        if roll < 0.1:
            return "EXISTS " + rng.choice(paths)
        if roll < 0.2:
            return f"({comparison()})"
        operator = rng.choice(operators)
        if "IN" in operator:
            items = ", ".join(rng.choice(literals) for _ in range(rng.randint(0, 3)))
            return f"{rng.choice(paths)} {operator} ({items})"
        return f"{rng.choice(paths)} {operator} {rng.choice(literals)}"

    def comparison() -> str:
        text = test()
        for _ in range(rng.randint(0, 2)):
            text += rng.choice([" AND ", " OR "]) + test()
        return text

    def observation() -> str:
        text = f"({pattern()})" if rng.random() < 0.15 else f"[{comparison()}]"
        return text + (rng.choice(qualifiers) if rng.random() < 0.3 else "")

    def pattern() -> str:
        text = observation()
        for _ in range(rng.randint(0, 2)):
            text += rng.choice([" AND ", " OR ", " FOLLOWEDBY "]) + observation()
        return text

    valid = 0
    for _ in range(3000):
        generated = pattern()
        try:
            parse_pattern(generated)
            ours = True
        except PatternError:
            ours = False
        reference = reference_validate(generated, stix_version="2.1")
        assert ours == reference, generated
        valid += reference
    assert valid > 150  # both kinds are well represented


def test_simple_comparisons_are_told_apart() -> None:
    def simple(pattern: str) -> list[tuple[Any, ...]] | None:
        found = simple_comparisons(parse_pattern(pattern))
        return None if found is None else [(c.object_type, c.path, c.value) for c in found]

    assert simple("[file:hashes.'SHA-256' = 'ab'] OR [file:hashes.MD5 = 'cd']") == [
        ("file", ("hashes", "SHA-256"), "ab"),
        ("file", ("hashes", "MD5"), "cd"),
    ]
    assert simple("[url:value = 'http://x/' OR url:value = 'http://y/']") == [
        ("url", ("value",), "http://x/"),
        ("url", ("value",), "http://y/"),
    ]
    assert simple("[file:name = 'it\\'s']") == [("file", ("name",), "it's")]
    for pattern in (
        "[a:b = 'x' AND c:d = 'y']",
        "[a:b != 'x']",
        "[a:b NOT = 'x']",
        "[a:b = 5]",
        "[a:b = 'x'] WITHIN 5 SECONDS",
        "[a:b = 'x'] FOLLOWEDBY [a:b = 'y']",
        "[a:b = 'x'] AND [a:b = 'y']",
    ):
        assert simple(pattern) is None, pattern
    with pytest.raises(PatternError, match="a string is not closed with a quote"):
        parse_pattern("[a:b = 'x]")
    with pytest.raises(PatternError, match="the pattern is empty"):
        parse_pattern("  ")


# ---- command line -------------------------------------------------------------------------
def test_cli_imports_a_bundle_by_suffix_or_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = ["--workspace", str(tmp_path / "ws")]
    assert main(["case", "new", "Threat intel", *ws]) == 0
    case = capsys.readouterr().out.splitlines()[0]
    assert main(["import", case, str(APT1), "--dry-run", "--json", *ws]) == 0  # .json: stix
    out = json.loads(capsys.readouterr().out)
    assert (out["format"], out["entities"], out["links"], out["dry_run"]) == ("stix", 45, 30, True)
    assert "Skipped: 1 report." in out["notes"]
    copy = tmp_path / "apt1.bundle"
    copy.write_bytes(APT1.read_bytes())
    assert main(["import", case, str(copy), "--format", "stix", *ws]) == 0
    printed = capsys.readouterr().out
    assert (
        "Imported 45 entities (3 domain, 3 hash, 29 note, 6 organization, 4 person) and 30 links"
        in printed
    )
    assert "Skipped: 1 report." in printed
    bad = _raw(tmp_path, "[1, 2]", "bad.json")
    assert main(["import", case, str(bad), *ws]) == 1
    err = capsys.readouterr().err
    assert err.startswith("workbench: error:") and "not a STIX bundle" in err
    assert len(err.strip().splitlines()) == 1
