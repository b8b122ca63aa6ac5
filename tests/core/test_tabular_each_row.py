"""each_row links: stored exactly as the per-row mapping describes them (JSON properties,
UTC times, one provenance record each, the audit digest), counted by a dry run, rolled back
by a cancel between batches; and the column-wise mapping of a chunk of rows gives exactly
what mapping its rows one by one gives."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from workbench.audit import iter_events, verify_chain
from workbench.model import Case
from workbench.store.schema import entities, links, provenance
from workbench.store.workspace import Workspace
from workbench.tabular import collect
from workbench.tabular.collect import Collector
from workbench.tabular.importer import ImportCancelled, import_table
from workbench.tabular.mapping import TableMapping
from workbench.tabular.reader import RowError, TableReader, detect
from workbench.vocabulary import default_vocabulary

from .test_tabular_import import counts

HEADER = "account,ip,login_time,user_agent,country"


def each_row_mapping(**link: Any) -> TableMapping:
    spec = {
        "source": "account",
        "target": "ip",
        "type": "logged_in_from",
        "timestamp": "login_time",
        "timezone": "Asia/Tokyo",
        "properties": {"user_agent": "user_agent"},
        "mode": "each_row",
        **link,
    }
    return TableMapping.from_dict(
        {
            "name": "each-row",
            "entities": [
                {"key": "account", "type": "account", "value": "account"},
                {"key": "ip", "type": "ip", "value": "ip", "properties": {"country": "country"}},
            ],
            "links": [spec],
        }
    )


@pytest.fixture
def case(ws: Workspace) -> Case:
    return ws.cases.create("Each-row case")


def export(folder: Path, rows: list[str], name: str = "events.csv") -> Path:
    path = folder / name
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_each_row_links_are_stored_exactly(ws: Workspace, case: Case, tmp_path: Path) -> None:
    # Repeated rows make the entities "ready" so most rows take the column-wise path.
    rows = [
        f"user{i % 3},10.0.0.{i % 4 + 1},2024-03-01T10:{i % 60:02d}:{i % 7:02d}Z,Firefox,JP"
        for i in range(3000)
    ]
    rows[2000] = "user1,10.0.0.2,2024-03-01T19:00:00+09:00,Chrome,JP"  # offset: to UTC
    rows[2001] = 'user1,10.0.0.2,2024-03-02 09:30:00,"Qu""ote\\\\ 日本",JP'  # Tokyo time
    rows[2002] = "user1,10.0.0.2,2024-03-02T10:00:00.250Z,,JP"  # no user agent, fraction
    report = import_table(ws, case.id, export(tmp_path, rows), each_row_mapping())
    assert report.rows_imported == report.links_new == 3000 and report.rows_rejected == 0
    with ws.read() as conn:
        stored = conn.execute(
            select(links.c.id, links.c.properties, links.c.row_order)
            .where(links.c.case_id == case.id)
            .order_by(links.c.row_order)
        ).all()
        texts = [
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT properties FROM links WHERE case_id = ? ORDER BY row_order", (case.id,)
            )
        ]
        records = conn.execute(
            select(provenance.c.object_id, provenance.c.kind, provenance.c.ref)
            .where(provenance.c.object_type == "link")
            .order_by(provenance.c.id)
        ).all()
    assert [row.row_order for row in stored] == list(range(1, 3001))
    ids = [row.id for row in stored]
    assert ids == sorted(ids) and all(uuid.UUID(i).version == 7 for i in ids)
    # the exact text json.dumps writes for the properties dict
    assert texts == [json.dumps(row.properties) for row in stored]
    assert stored[0].properties == {"user_agent": "Firefox", "timestamp": "2024-03-01T10:00:00Z"}
    assert stored[2000].properties["timestamp"] == "2024-03-01T10:00:00Z"
    assert stored[2001].properties == {
        "user_agent": 'Qu"ote\\\\ 日本',
        "timestamp": "2024-03-02T00:30:00Z",
    }
    assert stored[2002].properties == {"timestamp": "2024-03-02T10:00:00.250000Z"}
    # one provenance record per link, in link order, naming this import
    assert [r.object_id for r in records] == ids
    assert {(r.kind, r.ref) for r in records} == {("import", f"import:{report.import_id}")}
    # the audit event's digest is the one over the inserted rows
    with ws.read() as conn:
        event = next(e for e in iter_events(conn) if e.action == "table.import")
        digest = hashlib.sha256()
        for row in conn.execute(
            select(entities.c.id, entities.c.type, entities.c.normalized)
            .where(entities.c.case_id == case.id)
            .order_by(entities.c.row_order)
        ):
            digest.update(f"e\x1f{row.id}\x1f{row.type}\x1f{row.normalized}\n".encode())
        for row in conn.execute(
            select(links.c.id, links.c.source_id, links.c.target_id, links.c.type)
            .where(links.c.case_id == case.id)
            .order_by(links.c.row_order)
        ):
            digest.update(
                f"l\x1f{row.id}\x1f{row.source_id}\x1f{row.target_id}\x1f{row.type}\n".encode()
            )
        assert event.summary["rows_sha256"] == digest.hexdigest()
        assert verify_chain(conn).ok


def test_bad_rows_among_known_entities_keep_their_line_numbers(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    rows = [
        f"user{i % 2},10.0.0.{i % 2 + 1},2024-03-01T10:00:{i % 60:02d}Z,x,JP" for i in range(600)
    ]
    rows[300] = "user0,10.0.0.1,2024-02-30T10:00:00Z,x,JP"  # ISO UTC shape, no such day
    rows[301] = "user1,10.0.0.2,2024-03-01T10:00:00Z,x,JP,extra"  # one field too many
    rows[302] = ""  # blank line: skipped, still counted as a line
    rows[303] = "user1,999.0.0.1,2024-03-01T10:00:00Z,x,JP"
    rows[304] = "user0,10.0.0.1,,x,JP"
    target = tmp_path / "rejects.csv"
    report = import_table(
        ws, case.id, export(tmp_path, rows), each_row_mapping(), rejects_out=target
    )
    assert [(r.line, r.reason.split(" (")[0]) for r in report.rejected] == [
        (302, "bad timestamp '2024-02-30T10:00:00Z' in column 'login_time'"),
        (303, "6 fields where the header has 5"),
        (305, "ip: '999.0.0.1' is not an IPv4 or IPv6 address."),
        (306, "missing timestamp"),
    ]
    assert report.rows_read == 599 and report.links_new == report.rows_imported == 595
    listed = target.read_text(encoding="utf-8").splitlines()[1:]
    assert [line.split(",")[0] for line in listed] == ["302", "303", "305", "306"]


def test_dry_run_counts_each_row_links(ws: Workspace, case: Case, tmp_path: Path) -> None:
    path = export(
        tmp_path, [f"u{i % 5},10.0.1.{i % 9 + 1},2024-03-01T10:00:00Z,x,JP" for i in range(300)]
    )
    before = counts(ws, case.id)
    planned = import_table(ws, case.id, path, each_row_mapping(), dry_run=True)
    assert counts(ws, case.id) == before
    assert planned.links_new == 300 and "300 new links" in planned.summary()
    assert import_table(ws, case.id, path, each_row_mapping()).links_new == 300


def test_cancel_between_each_row_batches_rolls_back(
    ws: Workspace, case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collect, "SPOOL_BATCH", 1000)
    rows = [f"u{i % 10},10.3.0.{i % 10 + 1},2024-03-01T10:00:00Z,x,JP" for i in range(9000)]
    path = export(tmp_path, rows)
    before = counts(ws, case.id)
    calls = {"n": 0}

    def cancelled() -> bool:  # reading checks twice, the write once per batch of 1000 links
        calls["n"] += 1
        return calls["n"] > 4  # the third batch: two are in the transaction already

    with pytest.raises(ImportCancelled):
        import_table(ws, case.id, path, each_row_mapping(), cancelled=cancelled)
    assert calls["n"] == 5 and counts(ws, case.id) == before
    with ws.read() as conn:
        assert verify_chain(conn).ok


# ---- column-wise == row by row -------------------------------------------------------------

ACCOUNTS = ["alice", "ALICE", "bob", "", " carol ", "dave"]
ADDRESSES = ["10.0.0.1", "10.0.0.2", "999.1.1.1", "", "2001:db8::1", "2001:DB8:0::1"]
TIMES = [
    "2024-03-01T10:00:00Z",
    "2024-03-01T10:00:01Z",
    "2024-02-30T10:00:00Z",
    "2024-03-01T10:00:00+09:00",
    "2024-03-01 10:00:00",
    " 2024-03-01T10:00:02Z",
    "2024-03-01T10:00:00.5Z",
    "yesterday",
    "",
]
AGENTS = ["Firefox", "", "  ", 'Qu"ote\\', "日本語", "alice"]
COUNTRIES = ["JP", "", "US"]

MAPPINGS = {
    "one link": each_row_mapping(),
    "two links, optional entity, label": TableMapping.from_dict(
        {
            "name": "two",
            "entities": [
                {"key": "account", "type": "account", "value": "account", "label": "user_agent"},
                {
                    "key": "ip",
                    "type": "ip",
                    "value": "ip",
                    "properties": {"country": "country"},
                    "required": False,
                },
            ],
            "links": [
                {
                    "source": "account",
                    "target": "ip",
                    "type": "logged_in_from",
                    "timestamp": "login_time",
                    "mode": "each_row",
                    "properties": {"agent": "user_agent", "country": "country"},
                },
                {"source": "ip", "target": "account", "type": "logged_in_from", "mode": "each_row"},
            ],
        }
    ),
    "both ends of one type": TableMapping.from_dict(
        {
            "name": "peers",
            "entities": [
                {"key": "account", "type": "account", "value": "account"},
                {"key": "peer", "type": "account", "value": "user_agent", "label": "country"},
            ],
            "links": [
                {
                    "source": "account",
                    "target": "peer",
                    "type": "communicates_with",
                    "timestamp": "login_time",
                    "timezone": "Europe/Paris",
                    "mode": "each_row",
                },
            ],
        }
    ),
}


def _mostly(common: list[str], every: list[str]) -> st.SearchStrategy[str]:
    """Values that usually repeat cleanly (rows that become ready), sometimes anything."""
    usual = st.sampled_from(common)
    return st.one_of(usual, usual, usual, st.sampled_from(every))


record = st.one_of(
    *[
        st.tuples(
            _mostly(["alice", "bob"], ACCOUNTS),
            _mostly(["10.0.0.1", "10.0.0.2"], ADDRESSES),
            _mostly(TIMES[:2], TIMES),
            _mostly(["Firefox", "alice"], AGENTS),
            _mostly(["JP", ""], COUNTRIES),
        ).map(list)
    ]
    * 5,
    st.just(None),  # an unreadable record
)


def _snapshot(collector: Collector) -> dict[str, Any]:
    key = {
        entity.id: (entity_type, normalized)
        for entity_type, known in collector.known.items()
        for normalized, entity in known.items()
    }
    spooled = [
        (key[source], key[target], index, text)
        for batch in collector.spooled_batches()
        for source, target, index, text in zip(
            batch.sources, batch.targets, batch.links, batch.properties, strict=True
        )
    ]
    return {
        "entities": [
            (t, n, e.value, e.label, e.properties, e.used)
            for t, known in collector.known.items()
            for n, e in known.items()
        ],
        "spooled": spooled,
        "rejected": [(r.line, r.reason, r.values) for r in collector.rejected],
        "counts": (collector.rows_imported, collector.rows_rejected, collector.spooled_count),
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(MAPPINGS)),
    records=st.lists(record, min_size=1, max_size=160),
    chunk=st.integers(min_value=1, max_value=40),
)
def test_column_wise_chunks_map_exactly_like_rows_one_by_one(
    name: str, records: list[list[str] | None], chunk: int
) -> None:
    mapping = MAPPINGS[name]
    vocabulary = default_vocabulary()
    columns = mapping.columns()
    positions = [HEADER.split(",").index(c) for c in columns]
    by_chunk = Collector(mapping, vocabulary, columns, positions)
    one_by_one = Collector(mapping, vocabulary, columns, positions)
    one_by_one.columnar = False
    assert by_chunk.columnar
    rows: list[list[str] | RowError] = [
        values if values is not None else RowError(2 + line, "unreadable")
        for line, values in enumerate(records)
    ]
    lines = list(range(2, 2 + len(rows)))
    # the same rows twice: the second time round the entities are ready
    for start in range(0, len(rows), chunk):
        by_chunk.rows(lines[start : start + chunk], rows[start : start + chunk])
    by_chunk.rows(lines, rows)
    for line, row in zip(lines + lines, rows + rows, strict=True):
        one_by_one.one(line, row)
    try:
        assert _snapshot(by_chunk) == _snapshot(one_by_one)
    finally:
        by_chunk.close()
        one_by_one.close()


def test_chunks_do_not_change_lines_or_rows(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text(
        'a,b\n1,"two\nlines"\n\n3,4,5\n6\n7,8\n',
        encoding="utf-8",
    )
    detected = detect(path)

    def read(size: int) -> list[tuple[int, Any]]:
        out: list[tuple[int, Any]] = []
        for lines, rows in TableReader(detected).chunks(["a", "b"], size):
            assert 0 < len(lines) <= size
            out.extend(
                (line, row if isinstance(row, list) else row.reason)
                for line, row in zip(lines, rows, strict=True)
            )
        return out

    expected = [
        (2, ["1", "two\nlines"]),
        (5, "3 fields where the header has 2 (a stray comma or an unclosed quote?)"),
        (6, ["6", ""]),
        (7, ["7", "8"]),
    ]
    assert read(1) == read(2) == read(512) == expected
