"""CSV export (entities, links, evidence index) and CSV import into a case."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from workbench.demo import create_demo_case
from workbench.errors import ValidationError
from workbench.exchange.csvio import export_csv
from workbench.exchange.service import import_file
from workbench.store.workspace import Workspace


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_and_round_trip(ws: Workspace, tmp_path: Path) -> None:
    case = create_demo_case(ws)
    ws.graph.add_entity(case.id, "note", '=HYPERLINK("http://evil.example")')
    counts = export_csv(ws, case.id, tmp_path / "out")
    assert counts == {"entities": 33, "links": 38, "evidence": len(ws.evidence.list(case.id))}
    assert not list(tmp_path.glob(".out.*"))
    entities = _read(tmp_path / "out" / "entities.csv")
    formula = next(r for r in entities if "HYPERLINK" in r["value"])
    assert formula["value"].startswith("'=")  # a spreadsheet shows it as text
    phone = next(r for r in entities if r["type"] == "phone")
    assert phone["value"].startswith("+44")  # numbers are not mangled
    evidence = _read(tmp_path / "out" / "evidence.csv")
    stored = {e.id: e.sha256 for e in ws.evidence.list(case.id)}
    assert {r["id"]: r["sha256"] for r in evidence} == stored
    assert all(r["integrity"] for r in evidence)

    target = ws.cases.create("From CSV")
    result = import_file(ws, target.id, tmp_path / "out", "csv")
    assert (result.entities, result.links) == (33, 38)
    back = {(e.type, e.value, e.label) for e in ws.graph.list_entities(target.id)}
    assert back == {(e.type, e.value, e.label) for e in ws.graph.list_entities(case.id)}
    grades = sorted(k.grading for k in ws.graph.list_links(target.id))
    assert grades == sorted(k.grading for k in ws.graph.list_links(case.id))


def test_export_refuses_existing_folder(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Case")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("keep")
    with pytest.raises(ValidationError, match="already exists"):
        export_csv(ws, case.id, tmp_path / "taken")
    assert (tmp_path / "taken" / "x").read_text() == "keep"


def _files(tmp_path: Path, entities: str, links: str | None = None) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "entities.csv").write_text(entities, encoding="utf-8")
    if links is not None:
        (folder / "links.csv").write_text(links, encoding="utf-8")
    return folder


def test_plain_columns_become_properties(ws: Workspace, tmp_path: Path) -> None:
    folder = _files(
        tmp_path,
        "id,type,value,team\n1,account,alice,red\n2,,Bob,blue\n",
        "source,target,type,grading,since\n1,2,communicates_with,B2,2024\n",
    )
    case = ws.cases.create("Case")
    result = import_file(ws, case.id, folder, "csv")
    assert result.entity_types == {"account": 1, "note": 1}
    alice = next(e for e in ws.graph.list_entities(case.id) if e.value == "alice")
    assert alice.properties == {"team": "red"}
    (link,) = ws.graph.list_links(case.id)
    assert (link.grading, link.properties) == ("B2", {"since": "2024"})


@pytest.mark.parametrize(
    ("entities", "links", "match"),
    [
        ("id,value\n1,a\n", "source_id,target_id\n1,9\n", "'9'.*does not declare"),
        ("id,type,value\n1,planet,Mars\n", None, "unknown entity type 'planet'"),
        ("id,value,properties\n1,a,{oops\n", None, "not JSON"),
        ("id,name\n1,a\n", None, "no value column"),
        ("id,value\n1,a\n2,b\n", "source_id,target_id,grading\n1,2,Z9\n", "Admiralty"),
    ],
)
def test_bad_csv_writes_nothing(
    ws: Workspace, tmp_path: Path, entities: str, links: str | None, match: str
) -> None:
    case = ws.cases.create("Case")
    with pytest.raises(ValidationError, match=match):
        import_file(ws, case.id, _files(tmp_path, entities, links), "csv")
    assert ws.graph.count_entities(case.id) == 0


def test_non_utf8_csv_is_named(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "latin"
    folder.mkdir()
    (folder / "entities.csv").write_bytes("id,value\n1,Müller\n".encode("latin-1"))
    case = ws.cases.create("Case")
    with pytest.raises(ValidationError, match="not UTF-8"):
        import_file(ws, case.id, folder, "csv")
