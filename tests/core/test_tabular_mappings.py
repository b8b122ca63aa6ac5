"""Mappings: JSON/TOML round trips, validation messages, saving in the workspace, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.audit import iter_events
from workbench.cli import main
from workbench.errors import NotFoundError, ValidationError
from workbench.store.workspace import Workspace
from workbench.tabular.mapping import EntityMap, LinkMap, TableMapping
from workbench.tabular.store import MappingStore, load_mapping_file
from workbench.vocabulary import default_vocabulary

FULL = TableMapping(
    name="vpn logins (ops)",
    description='VPN gateway export, "v2"',
    format="csv",
    delimiter="\t",
    encoding="cp932",
    entities=(
        EntityMap("account", "account", "user", label="display", properties={"dept": "部署"}),
        EntityMap("ip", "ip", "src", required=False),
    ),
    links=(
        LinkMap(
            "account",
            "ip",
            "logged_in_from",
            confidence="confirmed",
            properties={"agent": "ua"},
            timestamp="when",
            timestamp_format="%d/%m/%Y %H:%M",
            timezone="Asia/Tokyo",
            mode="each_row",
        ),
    ),
)


def test_json_and_toml_round_trip() -> None:
    assert TableMapping.from_dict(json.loads(json.dumps(FULL.to_dict()))) == FULL
    text = FULL.to_toml()
    assert 'delimiter = "\\t"' in text and "[[links]]" in text
    assert TableMapping.from_toml(text) == FULL
    assert FULL.validate(default_vocabulary()) is FULL
    assert FULL.columns() == ["user", "display", "部署", "src", "when", "ua"]


def test_validation_lists_every_problem() -> None:
    bad = TableMapping(
        name="",
        format="xlsx",
        delimiter=":",
        encoding="klingon",
        entities=(EntityMap("a", "spaceship", "x"), EntityMap("a", "account", "")),
        links=(LinkMap("a", "b", "knows", confidence="maybe", timestamp_format="dd/mm", mode="x"),),
    )
    with pytest.raises(ValidationError) as caught:
        bad.validate(default_vocabulary())
    message = str(caught.value)
    for expected in (
        "name: empty",
        "format: 'xlsx'",
        "delimiter: ':'",
        "encoding: 'klingon' is not a known encoding",
        "entities[0].type: unknown entity type 'spaceship'",
        "entities[1].key: 'a' is used twice",
        "entities[1].value: name the column",
        "links[0].target: 'b' is not an entity key",
        "links[0].type: unknown link type 'knows'",
        "links[0].confidence: 'maybe'",
        "links[0].mode: 'x'",
        "links[0].timestamp_format: 'dd/mm'",
    ):
        assert expected in message, expected


def test_shape_errors_name_the_field() -> None:
    with pytest.raises(ValidationError, match=r"entities\[0\]: unknown field\(s\) colour"):
        TableMapping.from_dict({"name": "x", "entities": [{"key": "a", "colour": "red"}]})
    with pytest.raises(ValidationError, match=r"entities\[0\]\.required: expected true or false"):
        TableMapping.from_dict({"name": "x", "entities": [{"key": "a", "required": "yes"}]})
    with pytest.raises(ValidationError, match="not valid TOML"):
        TableMapping.from_toml("name = ")


def test_store_saves_replaces_lists_and_deletes_with_audit(ws: Workspace) -> None:
    store = MappingStore(ws)
    first = store.save(FULL)
    changed = TableMapping.from_dict(dict(FULL.to_dict(), description="changed"))
    assert store.save(changed).id == first.id
    with pytest.raises(ValidationError, match="exists already"):
        store.save(changed, replace=False)
    assert [s.mapping for s in store.list()] == [changed]
    assert store.get("vpn logins (ops)") == changed
    store.delete("vpn logins (ops)")
    with pytest.raises(NotFoundError, match="No saved mapping named 'vpn logins"):
        store.get("vpn logins (ops)")
    with pytest.raises(NotFoundError):
        store.delete("vpn logins (ops)")
    with ws.read() as conn:
        actions = [e.action for e in iter_events(conn)]
    assert actions[:3] == ["table.mapping_delete", "table.mapping_save", "table.mapping_save"]


def test_invalid_mapping_is_not_saved(ws: Workspace) -> None:
    with pytest.raises(ValidationError):
        MappingStore(ws).save(TableMapping("x", (EntityMap("a", "spaceship", "c"),)))
    assert MappingStore(ws).list() == []


def test_mapping_files(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text(json.dumps(FULL.to_dict()), encoding="utf-8")
    (tmp_path / "m.toml").write_text(FULL.to_toml(), encoding="utf-8")
    assert load_mapping_file(tmp_path / "m.json") == load_mapping_file(tmp_path / "m.toml")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"bad.json is not valid JSON \(line 1"):
        load_mapping_file(tmp_path / "bad.json")
    with pytest.raises(ValidationError, match="Cannot read the mapping file"):
        load_mapping_file(tmp_path / "none.json")


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_preview_save_import_and_reject_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = ["--workspace", str(tmp_path / "ws")]
    export = tmp_path / "export.csv"
    export.write_text(
        "account;ip;when\nalice;10.0.0.1;2024-03-01T10:00:00Z\nbob;nope;2024-03-01T10:00:00Z\n",
        encoding="utf-8",
    )
    code, out, _ = _cli(capsys, "table", "preview", str(export), *ws, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["delimiter"] == ";" and shown["columns"] == ["account", "ip", "when"]
    assert shown["rows"][0] == ["alice", "10.0.0.1", "2024-03-01T10:00:00Z"]
    mapping = {
        "name": "ops",
        "delimiter": ",",
        "entities": [
            {"key": "account", "type": "account", "value": "account"},
            {"key": "ip", "type": "ip", "value": "ip"},
        ],
        "links": [
            {"source": "account", "target": "ip", "type": "logged_in_from", "timestamp": "when"}
        ],
    }
    (tmp_path / "ops.json").write_text(json.dumps(mapping), encoding="utf-8")
    assert _cli(capsys, "table", "mappings", "save", str(tmp_path / "ops.json"), *ws)[0] == 0
    code, out, _ = _cli(capsys, "table", "mappings", "list", *ws)
    assert "ops" in out and "account, ip -> logged_in_from" in out
    code, out, _ = _cli(capsys, "case", "new", "CLI import", *ws, "--json")
    case_id = json.loads(out)["id"]
    # The saved mapping says comma; the file is semicolon-separated: exit 1, clear message.
    code, _, err = _cli(
        capsys, "table", "import", str(export), "--case", case_id, "--mapping", "ops", *ws
    )
    assert code == 1 and "semicolon ';' (detected)" in err and "--delimiter ';'" in err
    rejects = tmp_path / "rejects.csv"
    code, out, _ = _cli(
        capsys,
        "table",
        "import",
        str(export),
        "--case",
        case_id,
        "--mapping",
        "ops",
        "--delimiter",
        ";",
        "--rejects-out",
        str(rejects),
        *ws,
    )
    assert code == 0 and "Imported 1 of 2 rows" in out and "line 3: ip: 'nope'" in out
    assert "bob" in rejects.read_text(encoding="utf-8")
    code, out, _ = _cli(
        capsys,
        "table",
        "import",
        str(export),
        "--case",
        case_id,
        "--mapping-file",
        str(tmp_path / "ops.json"),
        "--delimiter",
        ";",
        "--dry-run",
        "--json",
        *ws,
    )
    assert json.loads(out)["entities_existing"] == {"account": 1, "ip": 1}
    code, out, _ = _cli(capsys, "table", "mappings", "show", "ops", "--toml", *ws)
    assert 'name = "ops"' in out
    assert _cli(capsys, "table", "mappings", "delete", "ops", *ws)[0] == 0
    code, _, err = _cli(capsys, "table", "mappings", "show", "ops", *ws)
    assert code == 1 and "No saved mapping named 'ops'" in err
