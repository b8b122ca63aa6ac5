"""STIX 2.1 export: the OASIS validator accepts the bundle with no errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stix2validator import ValidationOptions, validate_string

from workbench.demo import create_demo_case
from workbench.errors import ValidationError
from workbench.exchange.stix import export_stix
from workbench.store.workspace import Workspace

OPTIONS = ValidationOptions(version="2.1")


def _validate(text: str) -> object:
    result = validate_string(text, OPTIONS)
    schema_missing = [e for e in result.errors if "Cannot locate a schema" in str(e)]
    assert not schema_missing, (
        "stix2-validator has no JSON schemas (the 3.3.1 wheel ships without them, "
        "oasis-open/cti-stix-validator#248): install stix2-validator 3.2.x"
    )
    return result


def test_demo_case_bundle_is_valid_stix(ws: Workspace, tmp_path: Path) -> None:
    case = create_demo_case(ws)
    target = export_stix(ws, case.id, tmp_path / "case.json")
    text = target.read_text(encoding="utf-8")
    result = _validate(text)
    assert result.is_valid, [str(e) for e in result.errors]  # type: ignore[attr-defined]
    assert not result.errors  # type: ignore[attr-defined]
    # only warnings about suggested relationship vocabularies remain
    codes = {str(w).split("{", 1)[1][:3] for w in result.warnings if "{" in str(w)}  # type: ignore[attr-defined]
    assert codes <= {"202"}, [str(w) for w in result.warnings]  # type: ignore[attr-defined]

    bundle = json.loads(text)
    objects = bundle["objects"]
    types = {o["type"] for o in objects}
    assert {"grouping", "relationship", "identity", "user-account", "ipv4-addr", "ipv6-addr",
            "domain-name", "url", "email-addr", "location", "note", "marking-definition",
            "extension-definition"} <= types  # fmt: skip
    relationships = [o for o in objects if o["type"] == "relationship"]
    assert len(relationships) == ws.graph.count_links(case.id)
    grouping = next(o for o in objects if o["type"] == "grouping")
    ids = {o["id"] for o in objects}
    assert set(grouping["object_refs"]) <= ids
    assert grouping["x_osint_case_reference"] == case.reference
    graded = [r for r in relationships if "x_osint_admiralty" in r]
    assert graded and all(len(r["x_osint_admiralty"]) == 2 for r in graded)
    phones = [o for o in objects if o["type"] == "note" and o.get("x_osint_entity_type") == "phone"]
    assert any("+44 7700 900123" in n["content"] for n in phones)
    # stable ids: a second export names the same objects the same way
    again = json.loads(export_stix(ws, case.id, tmp_path / "again.json").read_text())
    assert {o["id"] for o in again["objects"]} == ids


def test_empty_case_and_no_marking_are_valid(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Empty case")
    text = export_stix(ws, case.id, tmp_path / "empty.json", tlp="none").read_text()
    result = _validate(text)
    assert result.is_valid and not result.errors  # type: ignore[attr-defined]
    assert "marking-definition" not in {o["type"] for o in json.loads(text)["objects"]}


def test_bad_tlp_and_unwritable_target(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Case")
    with pytest.raises(ValidationError, match="TLP"):
        export_stix(ws, case.id, tmp_path / "x.json", tlp="purple")
    with pytest.raises(ValidationError, match="does not exist"):
        export_stix(ws, case.id, tmp_path / "missing" / "x.json")
    assert not list(tmp_path.glob("*.partial"))
