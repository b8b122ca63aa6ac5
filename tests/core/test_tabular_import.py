"""Tabular import: mapping rows to entities and links, rejects, dedupe, atomicity, audit."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from workbench.audit import iter_events, verify_chain
from workbench.model import Case
from workbench.store.schema import audit_events, entities, links, provenance
from workbench.store.workspace import Workspace
from workbench.tabular.importer import ImportCancelled, import_table
from workbench.tabular.mapping import TableMapping
from workbench.tabular.reader import TableFormatError

HEADER = "account,ip,login_time,user_agent,country\n"
ROWS = [
    "alice,203.0.113.5,2024-03-01T10:00:00Z,Firefox,JP",
    "alice,203.0.113.5,2024-03-02T10:00:00+09:00,Chrome,JP",
    "ALICE,203.0.113.5,2024-02-28T23:00:00Z,Firefox,JP",  # same account, normalised
    "bob,999.1.1.1,2024-03-01T10:00:00Z,curl,US",  # line 5: bad IP
    ",10.0.0.1,2024-03-01T10:00:00Z,curl,US",  # line 6: no account
    "carol,2001:db8::1,31/02/2024,Safari,GB",  # line 7: bad timestamp
    "carol,2001:DB8:0::1,2024-03-05 09:00:00,Safari,GB",  # naive time: mapping zone
    "dave,198.51.100.7,2024-03-06T08:00:00Z,Edge,",
]
MAPPING = {
    "name": "vpn-logins",
    "entities": [
        {"key": "account", "type": "account", "value": "account"},
        {"key": "ip", "type": "ip", "value": "ip", "properties": {"country": "country"}},
    ],
    "links": [
        {
            "source": "account",
            "target": "ip",
            "type": "logged_in_from",
            "timestamp": "login_time",
            "timezone": "Asia/Tokyo",
            "properties": {"user_agent": "user_agent"},
        }
    ],
}


@pytest.fixture
def case(ws: Workspace) -> Case:
    return ws.cases.create("Login export case")


def write_export(folder: Path, rows: list[str] = ROWS, name: str = "logins.csv") -> Path:
    path = folder / name
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def counts(ws: Workspace, case_id: str) -> tuple[int, int, int, int]:
    with ws.read() as conn:
        return (
            conn.execute(select(func.count()).where(entities.c.case_id == case_id)).scalar_one(),
            conn.execute(select(func.count()).where(links.c.case_id == case_id)).scalar_one(),
            conn.execute(select(func.count()).where(provenance.c.case_id == case_id)).scalar_one(),
            conn.execute(select(func.count()).select_from(audit_events)).scalar_one(),
        )


def by_value(ws: Workspace, case_id: str) -> dict[tuple[str, str], object]:
    return {(e.type, e.value): e for e in ws.graph.list_entities(case_id)}


def test_rows_become_deduplicated_entities_and_aggregated_links(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    path = write_export(tmp_path)
    report = import_table(ws, case.id, path, TableMapping.from_dict(MAPPING))
    assert (report.rows_read, report.rows_imported, report.rows_rejected) == (8, 5, 3)
    assert report.entities_new == {"account": 3, "ip": 3}
    assert report.links_new == 3
    assert [(r.line, r.reason.split(" (")[0]) for r in report.rejected] == [
        (5, "ip: '999.1.1.1' is not an IPv4 or IPv6 address."),
        (6, "missing account"),
        (7, "bad timestamp '31/02/2024' in column 'login_time'"),
    ]
    assert report.rejected[0].values["account"] == "bob"
    found = by_value(ws, case.id)
    # bob's row was rejected: neither bob nor his address is in the case
    assert ("account", "bob") not in found and ("ip", "999.1.1.1") not in found
    alice, ip = found[("account", "alice")], found[("ip", "203.0.113.5")]
    assert ip.properties == {"country": "JP"}  # type: ignore[attr-defined]
    assert found[("ip", "198.51.100.7")].properties == {}  # type: ignore[attr-defined]
    (link,) = [lk for lk in ws.graph.links_of(alice.id)]  # type: ignore[attr-defined]
    assert link.type == "logged_in_from" and link.target_id == ip.id  # type: ignore[attr-defined]
    assert link.properties == {
        "count": 3,
        "first_seen": "2024-02-28T23:00:00Z",
        "last_seen": "2024-03-02T01:00:00Z",  # 03-02 10:00+09:00
        "user_agent": ["Firefox", "Chrome"],
    }
    carol = found[("account", "carol")]
    (carol_link,) = ws.graph.links_of(carol.id)  # type: ignore[attr-defined]
    # a naive time is read in the mapping's zone (Asia/Tokyo, +09:00)
    assert carol_link.properties["first_seen"] == "2024-03-05T00:00:00Z"


def test_audit_event_names_file_hash_mapping_and_counts(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    path = write_export(tmp_path)
    report = import_table(ws, case.id, path, TableMapping.from_dict(MAPPING))
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert report.file_sha256 == sha
    with ws.read() as conn:
        events = [e for e in iter_events(conn, case.id) if e.action == "table.import"]
        assert verify_chain(conn).ok
        kinds = conn.execute(
            select(provenance.c.kind, provenance.c.ref).where(provenance.c.case_id == case.id)
        ).all()
    (event,) = events
    assert event.object_id == report.import_id
    assert event.summary["file_sha256"] == sha
    assert event.summary["mapping"]["name"] == "vpn-logins"
    assert event.summary["rows_rejected"] == 3 and event.summary["links_new"] == 3
    assert {(k, r) for k, r in kinds} == {("import", f"import:{report.import_id}")}
    assert len(kinds) == 6 + 3  # one provenance record per entity and per link


def test_second_import_finds_existing_entities_and_links(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    ws.graph.add_entity(case.id, "account", "Alice")  # already in the case, other case
    path = write_export(tmp_path)
    first = import_table(ws, case.id, path, TableMapping.from_dict(MAPPING))
    assert first.entities_existing["account"] == 1 and first.entities_new["account"] == 2
    before = counts(ws, case.id)
    second = import_table(ws, case.id, path, TableMapping.from_dict(MAPPING))
    assert sum(second.entities_new.values()) == 0 and second.links_new == 0
    assert second.links_existing == 3
    after = counts(ws, case.id)
    assert after[:2] == before[:2]  # no new entity or link
    assert after[2] == before[2] + 9  # one "found again" provenance record each
    accounts = [e for e in ws.graph.list_entities(case.id) if e.type == "account"]
    assert sorted(e.value for e in accounts) == ["Alice", "carol", "dave"]


def test_each_row_links_keep_one_timestamp_per_row(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    data = dict(MAPPING, links=[dict(MAPPING["links"][0], mode="each_row", timezone="UTC")])
    report = import_table(ws, case.id, write_export(tmp_path), TableMapping.from_dict(data))
    assert report.links_new == 5
    stamps = sorted(
        lk.properties["timestamp"] for lk in ws.graph.list_links(case.id) if lk.properties
    )
    assert stamps[0] == "2024-02-28T23:00:00Z" and "2024-03-05T09:00:00Z" in stamps


def test_dry_run_counts_and_writes_nothing(ws: Workspace, case: Case, tmp_path: Path) -> None:
    before = counts(ws, case.id)
    report = import_table(
        ws, case.id, write_export(tmp_path), TableMapping.from_dict(MAPPING), dry_run=True
    )
    assert report.dry_run and report.entities_new == {"account": 3, "ip": 3}
    assert report.links_new == 3 and report.summary().startswith("Would import 5 of 8 rows")
    assert counts(ws, case.id) == before


def test_rejects_file_lists_every_rejected_row(ws: Workspace, case: Case, tmp_path: Path) -> None:
    rows = ROWS + [f"user{i},300.0.0.{i},2024-03-01T10:00:00Z,x,JP" for i in range(150)]
    target = tmp_path / "rejects.csv"
    report = import_table(
        ws,
        case.id,
        write_export(tmp_path, rows),
        TableMapping.from_dict(MAPPING),
        rejects_out=target,
        keep_rejected=10,
    )
    assert report.rows_rejected == 153 and len(report.rejected) == 10
    with target.open(encoding="utf-8", newline="") as handle:
        listed = list(csv.DictReader(handle))
    assert len(listed) == 153 and listed[-1]["line"] == str(1 + len(rows))
    assert listed[-1]["ip"] == "300.0.0.149" and "not an IPv4" in listed[-1]["reason"]
    assert not list(tmp_path.glob(".rejects-*"))


def test_cancel_while_reading_leaves_the_case_unchanged(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    rows = [
        f"user{i % 50},10.1.{i // 250 % 250}.{i % 250},2024-03-01T10:00:00Z,x,JP"
        for i in range(20000)
    ]
    path = write_export(tmp_path, rows)
    before = counts(ws, case.id)
    seen: list[tuple[int, int, int]] = []
    with pytest.raises(ImportCancelled, match="not changed"):
        import_table(
            ws,
            case.id,
            path,
            TableMapping.from_dict(MAPPING),
            progress=lambda done, total, n: seen.append((done, total, n)),
            cancelled=lambda: len(seen) >= 2,
            rejects_out=tmp_path / "r.csv",
        )
    assert counts(ws, case.id) == before
    assert seen[0][1] == path.stat().st_size and 0 < seen[0][0] <= seen[0][1]
    assert not (tmp_path / "r.csv").exists() and not list(tmp_path.glob(".rejects-*"))


def test_cancel_during_the_write_rolls_back(ws: Workspace, case: Case, tmp_path: Path) -> None:
    rows = [f"user{i},10.2.{i // 250}.{i % 250},2024-03-01T10:00:00Z,x,JP" for i in range(12000)]
    path = write_export(tmp_path, rows)
    before = counts(ws, case.id)
    calls = {"n": 0}

    def cancelled() -> bool:  # False while reading (3 checks), True in the write phase
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(ImportCancelled):
        import_table(ws, case.id, path, TableMapping.from_dict(MAPPING), cancelled=cancelled)
    assert calls["n"] > 3
    assert counts(ws, case.id) == before
    with ws.read() as conn:
        assert verify_chain(conn).ok


def test_undecodable_bytes_late_in_the_file_stop_the_import_cleanly(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    rows = [f"user{i},10.3.0.{i % 250},2024-03-01T10:00:00Z,x,JP" for i in range(20000)]
    path = tmp_path / "late.csv"
    path.write_bytes(
        (HEADER + "\n".join(rows) + "\n").encode() + b"caf\xe9,10.9.9.9,2024-03-01,x,FR\n"
    )
    before = counts(ws, case.id)
    with pytest.raises(
        TableFormatError,
        match=r"line 20002 \(byte 0xe9 at offset [\d,]+\): bytes that are not utf-8",
    ):
        import_table(ws, case.id, path, TableMapping.from_dict(MAPPING))
    assert counts(ws, case.id) == before


def test_mapping_columns_missing_from_the_file(ws: Workspace, case: Case, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("user,address\nalice,10.0.0.1\n", encoding="utf-8")
    with pytest.raises(TableFormatError, match=r"no column 'account', 'ip'.*columns are: 'user'"):
        import_table(ws, case.id, path, TableMapping.from_dict(MAPPING))


def test_quoted_newlines_count_physical_lines_and_extra_fields_are_rejected(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    rows = [
        'alice,203.0.113.5,2024-03-01T10:00:00Z,"multi\nline agent",JP',  # lines 2-3
        "bob,198.51.100.1,2024-03-01T10:00:00Z,x,US,extra",  # line 4
        "carol,300.1.1.1,2024-03-01T10:00:00Z,x,US",  # line 5
    ]
    report = import_table(
        ws, case.id, write_export(tmp_path, rows), TableMapping.from_dict(MAPPING)
    )
    assert [r.line for r in report.rejected] == [4, 5]
    assert "6 fields where the header has 5" in report.rejected[0].reason


def test_optional_entity_columns(ws: Workspace, case: Case, tmp_path: Path) -> None:
    data = {
        "name": "mail",
        "entities": [
            {"key": "account", "type": "account", "value": "account"},
            {"key": "mail", "type": "email", "value": "email", "required": False},
        ],
        "links": [{"source": "account", "target": "mail", "type": "uses"}],
    }
    path = tmp_path / "accounts.csv"
    path.write_text("account,email\na1,a1@example.org\na2,\na3,not-an-address\n", encoding="utf-8")
    report = import_table(ws, case.id, path, TableMapping.from_dict(data))
    assert report.rows_imported == 2 and report.links_new == 1
    assert report.rejected[0].line == 4 and "is not an e-mail address" in report.rejected[0].reason
    link = ws.graph.list_links(case.id)[0]
    assert link.properties == {"count": 1}


def test_unknown_case_and_bad_mapping(ws: Workspace, tmp_path: Path) -> None:
    from workbench.errors import ValidationError

    with pytest.raises(ValidationError, match="No case with id"):
        import_table(ws, "nope", write_export(tmp_path), TableMapping.from_dict(MAPPING))
    bad = dict(MAPPING, links=[dict(MAPPING["links"][0], type="knows_about")])
    with pytest.raises(ValidationError, match=r"links\[0\]\.type: unknown link type 'knows_about'"):
        import_table(ws, "nope", write_export(tmp_path), TableMapping.from_dict(bad))
