"""Reading back-end exports: encodings (BOMs, UTF-16, Shift_JIS/cp932, latin-1), delimiters,
JSON lines; clear messages for the wrong delimiter and the wrong encoding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.model import Case
from workbench.store.workspace import Workspace
from workbench.tabular.importer import import_table
from workbench.tabular.mapping import TableMapping
from workbench.tabular.reader import TableFormatError, detect

TEXT = (
    "アカウント,ip,時刻\n"
    "山田太郎,203.0.113.9,2024-03-01T10:00:00+09:00\n"
    "nightowl_rin,198.51.100.2,2024-03-01T11:00:00+09:00\n"
)
MAPPING = {
    "name": "jp-export",
    "entities": [
        {"key": "account", "type": "account", "value": "アカウント"},
        {"key": "ip", "type": "ip", "value": "ip"},
    ],
    "links": [{"source": "account", "target": "ip", "type": "logged_in_from", "timestamp": "時刻"}],
}


@pytest.fixture
def case(ws: Workspace) -> Case:
    return ws.cases.create("Encodings")


@pytest.mark.parametrize(
    ("codec", "data_prefix", "expected", "reason"),
    [
        ("utf-8", b"", "utf-8", "valid UTF-8"),
        ("utf-8-sig", b"", "utf-8-sig", "byte-order mark"),
        ("utf-16", b"", "utf-16", "byte-order mark"),  # BOM in native (LE) order
        ("utf-16-be", b"\xfe\xff", "utf-16", "byte-order mark"),
        ("utf-16-le", b"", "utf-16-le", "UTF-16 zero bytes"),
    ],
)
def test_unicode_encodings_are_detected_and_imported(
    ws: Workspace,
    case: Case,
    tmp_path: Path,
    codec: str,
    data_prefix: bytes,
    expected: str,
    reason: str,
) -> None:
    path = tmp_path / f"export-{codec}.csv"
    path.write_bytes(data_prefix + TEXT.encode(codec))
    found = detect(path)
    assert (found.encoding, found.encoding_reason) == (expected, reason)
    assert found.columns == ("アカウント", "ip", "時刻")
    report = import_table(ws, case.id, path, TableMapping.from_dict(MAPPING))
    assert report.rows_imported == 2 and report.rows_rejected == 0
    assert {e.value for e in ws.graph.list_entities(case.id) if e.type == "account"} == {
        "山田太郎",
        "nightowl_rin",
    }


def test_shift_jis_needs_a_declared_encoding(ws: Workspace, case: Case, tmp_path: Path) -> None:
    path = tmp_path / "sjis.csv"
    path.write_bytes(TEXT.encode("cp932"))
    with pytest.raises(TableFormatError, match=r"not UTF-8 \(byte 0x83 at offset 0\).*cp932"):
        detect(path)
    with pytest.raises(TableFormatError, match="not UTF-8"):
        import_table(ws, case.id, path, TableMapping.from_dict(MAPPING))
    assert ws.graph.list_entities(case.id) == []
    for declared in ("shift_jis", "cp932"):
        assert detect(path, encoding=declared).encoding == declared
    report = import_table(ws, case.id, path, TableMapping.from_dict(MAPPING), encoding="cp932")
    assert report.rows_imported == 2


def test_wrong_declared_encoding_says_so(tmp_path: Path) -> None:
    path = tmp_path / "nec.csv"
    path.write_bytes("番号,名前\n①,髙橋\n".encode("cp932"))  # NEC/IBM extensions: cp932 only
    with pytest.raises(TableFormatError, match=r"not shift_jis either.*try cp932"):
        detect(path, encoding="shift_jis")
    assert detect(path, encoding="cp932").columns == ("番号", "名前")


def test_latin1_declared_in_the_mapping(ws: Workspace, case: Case, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("compte;ip\nJosé;10.0.0.1\nFrançois;10.0.0.2\n".encode("latin-1"))
    mapping = {
        "name": "fr",
        "encoding": "latin-1",
        "delimiter": ";",
        "entities": [{"key": "a", "type": "account", "value": "compte"}],
    }
    report = import_table(ws, case.id, path, TableMapping.from_dict(mapping))
    assert report.detected.startswith("CSV, semicolon-separated, latin-1 (declared)")
    assert {e.value for e in ws.graph.list_entities(case.id)} == {"José", "François"}


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon ';'"), ("\t", "tab '\\t'")])
def test_wrong_delimiter_names_the_detected_one(
    ws: Workspace, case: Case, tmp_path: Path, delimiter: str, name: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(TEXT.replace(",", delimiter), encoding="utf-8")
    found = detect(path, delimiter=",")
    assert found.sniffed_delimiter == delimiter and len(found.columns) == 1
    mapping = TableMapping.from_dict(dict(MAPPING, delimiter=","))
    with pytest.raises(TableFormatError) as caught:
        import_table(ws, case.id, path, mapping)
    message = str(caught.value)
    assert f"separated by {name} (detected)" in message and "comma ','" in message
    assert "Choose the delimiter" in message
    assert ws.graph.list_entities(case.id) == []
    # Auto-detection (no delimiter in the mapping) reads it.
    assert import_table(ws, case.id, path, TableMapping.from_dict(MAPPING)).rows_imported == 2


def test_json_lines_with_nested_keys_and_bad_lines(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    lines = [
        json.dumps({"user": {"name": "alice"}, "ip": "203.0.113.5", "ts": 1709287200}),
        "",
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"user": {"name": "bob"}, "ip": "198.51.100.1", "ts": 1709290800.5}),
        json.dumps({"user": {"name": "carol"}, "ip": None, "ts": 1709290800}),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = detect(path)
    assert found.format == "jsonl" and found.columns == ("user.name", "ip", "ts")
    mapping = {
        "name": "events",
        "format": "jsonl",
        "entities": [
            {"key": "user", "type": "account", "value": "user.name"},
            {"key": "ip", "type": "ip", "value": "ip"},
        ],
        "links": [
            {
                "source": "user",
                "target": "ip",
                "type": "logged_in_from",
                "timestamp": "ts",
                "timestamp_format": "epoch",
            }
        ],
    }
    report = import_table(ws, case.id, path, TableMapping.from_dict(mapping))
    assert [(r.line, r.reason.split(" (")[0]) for r in report.rejected] == [
        (3, "not valid JSON"),
        (4, "a JSON list, not an object"),
        (6, "missing ip"),
    ]
    assert report.rows_imported == 2
    stamps = sorted(link.properties["first_seen"] for link in ws.graph.list_links(case.id))
    assert stamps == ["2024-03-01T10:00:00Z", "2024-03-01T11:00:00.500000Z"]


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(TableFormatError, match="empty"):
        detect(empty)
    with pytest.raises(TableFormatError, match="not a readable file"):
        detect(tmp_path / "missing.csv")
