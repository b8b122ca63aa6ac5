"""Bulk delete of many entities and its exact undo (workbench.store.graph_bulk)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from workbench.audit import verify_chain
from workbench.errors import IntegrityError, NotFoundError, ValidationError
from workbench.search.engine import search
from workbench.store.graph import EntitySpec, LinkSpec
from workbench.store.graph_bulk import delete_entities, restore_entities
from workbench.store.schema import audit_events, entities, evidence_links, links, provenance
from workbench.store.workspace import Workspace

TABLES = (entities, links, provenance, evidence_links)


def _dump(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored value of the graph tables, read raw (no type processing)."""
    with ws.read() as conn:
        dump = {
            t.name: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t.name} ORDER BY 1")]
            for t in TABLES
        }
        dump["search_docs"] = [
            tuple(r)
            for r in conn.exec_driver_sql(
                "SELECT case_id, kind, source, ref_id, title, text, size FROM search_docs "
                "ORDER BY source, ref_id"
            )
        ]
    return dump


@pytest.fixture
def graph(ws: Workspace) -> dict[str, Any]:
    case = ws.cases.create("Bulk delete")
    other = ws.cases.create("Untouched case")
    ids = ws.graph.add_entities_bulk(
        case.id,
        [
            EntitySpec("account", f"nightowl_{i}", properties={"bio": f"ナイトオウル {i}"})
            for i in range(60)
        ],
    )
    ws.graph.add_links_bulk(
        case.id, [LinkSpec(ids[i], ids[(i * 7 + 3) % 60], "related_to") for i in range(60)]
    )
    ws.graph.add_links_bulk(case.id, [LinkSpec(ids[5], ids[5], "related_to")])  # a self-loop
    ws.graph.set_positions(case.id, {ids[i]: (i * 1.5, -i * 0.25) for i in range(0, 60, 2)})
    keep = ws.graph.add_entities_bulk(other.id, [EntitySpec("account", "nightowl_other")])
    item = ws.evidence.add_bytes(case.id, b"screenshot bytes", "profile.txt")
    ws.evidence.link(item.id, ids[0], "supports", note="profile page")
    return {"case": case.id, "ids": ids, "other": other.id, "keep": keep, "item": item.id}


def test_delete_then_restore_is_exact(ws: Workspace, graph: dict[str, Any]) -> None:
    before = _dump(ws)
    gone = graph["ids"][:40]
    reports: list[float] = []
    batch = delete_entities(ws, graph["case"], gone, reports.append)
    assert sorted(batch.entity_ids) == sorted(gone)
    assert reports[-1] == 1.0
    assert reports == sorted(reports)
    with ws.read() as conn:
        left = {r.id for r in conn.execute(select(entities.c.id))}
        assert left.isdisjoint(gone)
        assert graph["keep"][0] in left
        # every link touching a deleted entity is gone, with all deleted objects' provenance
        for row in conn.execute(select(links.c.source_id, links.c.target_id)):
            assert row.source_id not in gone and row.target_id not in gone
        objects = {r.object_id for r in conn.execute(select(provenance.c.object_id))}
        assert objects.isdisjoint(gone) and objects.isdisjoint(batch.link_ids)
    # links between deleted and surviving entities were removed too
    assert any((r["source_id"] in gone) != (r["target_id"] in gone) for r in batch.link_rows)
    restore_entities(ws, batch)
    assert _dump(ws) == before
    with ws.read() as conn:
        assert verify_chain(conn).ok
        actions = [r.action for r in conn.execute(select(audit_events.c.action))]
    assert actions[-2:] == ["entity.bulk_delete", "entity.bulk_restore"]


def test_decoded_rows_match_what_the_store_returns(ws: Workspace, graph: dict[str, Any]) -> None:
    batch = delete_entities(ws, graph["case"], graph["ids"][:3])
    row = batch.entity_rows[0]
    assert row["properties"] == {"bio": "ナイトオウル 0"}
    assert row["created_at"].tzinfo is not None
    assert (row["pos_x"], row["pos_y"]) == (0.0, -0.0)
    restore_entities(ws, batch)
    entity = ws.graph.get_entity(graph["ids"][0])
    assert entity.created_at == row["created_at"]


def test_search_index_follows_delete_and_restore(ws: Workspace, graph: dict[str, Any]) -> None:
    def hits(term: str) -> set[str]:
        with ws.read() as conn:
            return {h.ref_id for h in search(conn, term, case_id=graph["case"], limit=200).hits}

    assert graph["ids"][12] in hits("nightowl_12")
    batch = delete_entities(ws, graph["case"], graph["ids"])
    assert hits("nightowl") == set()
    assert hits("ナイトオウル") == set()
    restore_entities(ws, batch)
    assert hits("nightowl_12") == {graph["ids"][12]}
    assert len(hits("ナイトオウル")) == 60
    with ws.read() as conn:
        # the FTS index holds exactly the documents: an integrity check and no pending tail
        conn.exec_driver_sql(
            "INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)"
        )
        upto = conn.execute(text("SELECT indexed_upto FROM search_index_state")).scalar_one()
        assert upto == conn.execute(text("SELECT max(id) FROM search_docs")).scalar_one()


def test_evidence_links_outlive_the_delete_and_resolve_again(
    ws: Workspace, graph: dict[str, Any]
) -> None:
    batch = delete_entities(ws, graph["case"], graph["ids"][:1])
    (kept,) = ws.evidence.evidence_for(graph["ids"][0])
    assert kept.label == ""  # the item still records it; the entity is gone for now
    restore_entities(ws, batch)
    (back,) = ws.evidence.evidence_for(graph["ids"][0])
    assert back.label.startswith("account: ")


def test_unknown_ids_delete_nothing(ws: Workspace, graph: dict[str, Any]) -> None:
    before = _dump(ws)
    with pytest.raises(NotFoundError, match="Nothing was deleted"):
        delete_entities(ws, graph["case"], [*graph["ids"][:5], "no-such-entity"])
    with pytest.raises(NotFoundError, match="not in this case"):
        delete_entities(ws, graph["case"], graph["keep"])  # an entity of another case
    with pytest.raises(NotFoundError, match="No case"):
        delete_entities(ws, "no-such-case", graph["ids"][:1])
    with pytest.raises(ValidationError, match="at least one"):
        delete_entities(ws, graph["case"], [])
    assert _dump(ws) == before


def test_restore_refuses_when_a_surviving_end_was_deleted_since(
    ws: Workspace, graph: dict[str, Any]
) -> None:
    batch = delete_entities(ws, graph["case"], graph["ids"][:30])
    survivor = next(
        end
        for r in batch.link_rows
        for end in (r["source_id"], r["target_id"])
        if end not in batch.entity_ids
    )
    ws.graph.delete_entity(survivor)
    before = _dump(ws)
    with pytest.raises(IntegrityError, match="Nothing was restored"):
        restore_entities(ws, batch)
    assert _dump(ws) == before
    with ws.read() as conn:
        assert verify_chain(conn).ok


def test_duplicate_ids_are_deleted_once(ws: Workspace, graph: dict[str, Any]) -> None:
    batch = delete_entities(ws, graph["case"], [graph["ids"][1], graph["ids"][1]])
    assert batch.entity_ids == [graph["ids"][1]]
    restore_entities(ws, batch)
    assert ws.graph.get_entity(graph["ids"][1]).id == graph["ids"][1]
