"""The bulk-load helpers: UUIDv7 ids made in batches, and the tuple insert path that writes
the same rows as `bulk_insert` with the shared values in the statement."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, MetaData, Table, Text, select

from workbench.store.bulk import bulk_insert, insert_tuples, json_text, sql_literal
from workbench.store.rows import new_id, new_ids
from workbench.store.schema import entities, provenance
from workbench.store.workspace import Workspace

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_new_ids_are_valid_unique_ascending_uuid7s_of_this_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    ids = new_ids(5000)
    after = time.time_ns() // 1_000_000
    assert len(ids) == len(set(ids)) == 5000 and ids == sorted(ids)
    for text in ids:
        assert UUID7.match(text), text
        parsed = uuid.UUID(text)
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122 and str(parsed) == text
    stamps = {int(text[:8] + text[9:13], 16) for text in ids}
    assert len(stamps) == 1 and before <= stamps.pop() <= after
    # sortable by time together with new_id's ids
    earlier = new_id()
    time.sleep(0.002)
    assert earlier < new_ids(1)[0]
    # every random digit position varies, the variant digit over 8, 9, a and b
    many = new_ids(2000)
    for position in (15, 16, 17, 20, 21, 22, *range(24, 36)):
        assert len({text[position] for text in many}) == 16, position
    assert {text[19] for text in many} == set("89ab")


def test_new_ids_counts() -> None:
    assert new_ids(0) == []
    assert len(new_ids(1)) == 1
    with pytest.raises(ValueError, match="count of 0 or more, not -1"):
        new_ids(-1)


def test_sql_literal_quotes_text_and_leaves_the_rest_to_binding() -> None:
    assert sql_literal(None) == "NULL"
    assert sql_literal(True) == "1" and sql_literal(7) == "7" and sql_literal(0.5) == "0.5"
    assert sql_literal("it's; DROP TABLE x; --") == "'it''s; DROP TABLE x; --'"
    assert sql_literal("a\x00b") is None and sql_literal(b"raw") is None
    assert sql_literal(float("nan")) is None and sql_literal(2**70) is None


NASTY = [
    "plain",
    "o'clock ''twice'' ; DROP TABLE provenance; --",
    'double "quotes" \\ back\\slash',
    "line\nbreak\ttab",
    "日本語のメモ ①",
    "nul\x00inside",  # cannot be a literal: bound instead
]


def test_insert_tuples_writes_what_bulk_insert_writes(ws: Workspace) -> None:
    case = ws.cases.create("Bulk")
    now = datetime(2026, 12, 5, 10, 11, 12, 345678, tzinfo=UTC)
    with ws.write() as conn:
        for index, note in enumerate(NASTY):
            common = {
                "case_id": case.id,
                "object_type": "link",
                "kind": "import",
                "ref": f"ref'{index}",
                "note": note,
                "actor": "o'neil",
                "at": now,
            }
            bulk_insert(
                conn, provenance, [{**common, "object_id": f"dict-{index}-{n}"} for n in range(3)]
            )
            insert_tuples(
                conn,
                provenance,
                ("object_id",),
                [(f"tuple-{index}-{n}",) for n in range(3)],
                constants=common,
            )
    with ws.read() as conn:
        rows = conn.execute(select(provenance).order_by(provenance.c.id)).all()
        kinds = conn.exec_driver_sql(
            "SELECT DISTINCT typeof(note), typeof(at), at FROM provenance"
        ).all()
    assert len(rows) == 6 * len(NASTY)
    by_object = {row.object_id: row for row in rows}
    for index, note in enumerate(NASTY):
        for n in range(3):
            old, new = by_object[f"dict-{index}-{n}"], by_object[f"tuple-{index}-{n}"]
            assert new.note == old.note == note
            assert (
                (new.ref, new.actor, new.at)
                == (old.ref, old.actor, old.at)
                == (
                    f"ref'{index}",
                    "o'neil",
                    now,
                )
            )
    assert kinds == [("text", "text", "2026-12-05 10:11:12.345678")]


def test_insert_tuples_json_text_and_per_row_datetimes(ws: Workspace) -> None:
    case = ws.cases.create("Bulk entities")
    moments = [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, 9, tzinfo=UTC)]
    properties = [{}, {"country": "JP", "note": "ü\u2028"}]
    with ws.write() as conn:
        insert_tuples(
            conn,
            entities,
            ("id", "value", "normalized", "label", "properties", "created_at", "row_order"),
            [
                (new_id(), f"v{i}", f"v{i}", f"v{i}", json_text(properties[i]), moments[i], i + 1)
                for i in range(2)
            ],
            constants={
                "case_id": case.id,
                "type": "account",
                "created_by": "analyst",
                "updated_at": moments[0],
            },
        )
    listed = ws.graph.list_entities(case.id)
    assert [e.properties for e in listed] == properties
    assert [e.created_at for e in listed] == moments
    assert {e.updated_at for e in listed} == {moments[0]}


def test_insert_tuples_refuses_unknown_and_doubled_columns(ws: Workspace) -> None:
    case = ws.cases.create("Bulk errors")
    with ws.write() as conn:
        with pytest.raises(ValueError, match="table 'provenance' has no column 'colour'"):
            insert_tuples(conn, provenance, ("colour",), [("red",)])
        with pytest.raises(ValueError, match="column 'object_id' is both a row value and a"):
            insert_tuples(conn, provenance, ("object_id",), [("x",)], constants={"object_id": "y"})
        insert_tuples(conn, provenance, ("object_id",), [], constants={"case_id": case.id})


def test_bulk_insert_of_one_column_rows(ws: Workspace) -> None:
    scratch = Table("bulk_scratch", MetaData(), Column("name", Text), prefixes=["TEMPORARY"])
    with ws.write() as conn:
        conn.exec_driver_sql("CREATE TEMPORARY TABLE bulk_scratch (name TEXT)")
        bulk_insert(conn, scratch, [{"name": "alpha"}, {"name": "beta"}])
        insert_tuples(conn, scratch, ("name",), [("gamma",)])
        assert [row.name for row in conn.execute(select(scratch))] == ["alpha", "beta", "gamma"]
