"""Merge keeps all provenance; unmerge restores the exact prior state (property-tested),
keeps later edits, and refuses what it cannot do with a clear message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from workbench.audit import verify_chain
from workbench.errors import IntegrityError, NotFoundError, ValidationError
from workbench.graph.merge import CONFLICTS, MERGED_FROM, MergeRepository
from workbench.store.graph import EntitySpec, LinkSpec
from workbench.store.schema import audit_events, entities, evidence_links, graph_merges, links
from workbench.store.schema import provenance as provenance_table
from workbench.store.workspace import Workspace


def dump(ws: Workspace, case_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of the case's graph tables, all columns, in a stable order."""
    out = {}
    with ws.read() as conn:
        for name, table, key in (
            ("entities", entities, entities.c.id),
            ("links", links, links.c.id),
            ("provenance", provenance_table, provenance_table.c.id),
            ("evidence_links", evidence_links, evidence_links.c.id),
        ):
            rows = conn.execute(select(table).where(table.c.case_id == case_id).order_by(key))
            out[name] = [dict(r._mapping) for r in rows]
    return out


def small_case(ws: Workspace) -> tuple[str, list[str], list[str]]:
    case = ws.cases.create("Merge")
    a = ws.graph.add_entity(case.id, "account", "nightowl_rin", properties={"platform": "x"})
    b = ws.graph.add_entity(
        case.id, "account", "NightOwl.Rin", properties={"platform": "y", "user_id": "58214407"}
    )
    c = ws.graph.add_entity(case.id, "account", "night_owl", properties={"platform": "x"})
    ip = ws.graph.add_entity(case.id, "ip", "203.0.113.45")
    links_made = [
        ws.graph.add_link(case.id, a.id, b.id, "same_as").id,
        ws.graph.add_link(case.id, b.id, ip.id, "logged_in_from").id,
        ws.graph.add_link(case.id, ip.id, c.id, "related_to").id,
        ws.graph.add_link(case.id, b.id, c.id, "communicates_with").id,
    ]
    return case.id, [a.id, b.id, c.id, ip.id], links_made


def test_merge_repoints_links_moves_provenance_and_keeps_conflicts(ws: Workspace) -> None:
    case_id, (a, b, c, ip), made = small_case(ws)
    item = ws.evidence.add_bytes(case_id, b"login export", "export.csv", description="export")
    ws.evidence.link(item.id, b, "supports", "same login id")
    before = dump(ws, case_id)
    merges = MergeRepository(ws)
    record = merges.merge(case_id, a, [b, c], reason="same person, same device")
    assert record.status == "merged" and record.links_repointed == 4
    assert record.conflicts == ("platform",)
    kept = ws.graph.get_entity(a)
    assert kept.properties["platform"] == "x" and kept.properties["user_id"] == "58214407"
    assert kept.properties[CONFLICTS]["platform"] == [
        {"value": "y", "from": b, "merge_id": record.id}
    ]
    assert [m["value"] for m in kept.properties[MERGED_FROM]] == ["NightOwl.Rin", "night_owl"]
    # all three entities' provenance now on the kept one
    assert len(kept.provenance) == 3
    ends = {lk.id: (lk.source_id, lk.target_id) for lk in ws.graph.list_links(case_id)}
    assert ends[made[0]] == (a, a)  # the same_as link became a self-loop and stays
    assert ends[made[1]] == (a, ip) and ends[made[2]] == (ip, a) and ends[made[3]] == (a, a)
    with pytest.raises(NotFoundError):
        ws.graph.get_entity(b)
    assert [x.object_id for x in ws.evidence.links_of(item.id)] == [a]
    with ws.read() as conn:
        actions = list(conn.execute(select(audit_events.c.action)).scalars())
        assert actions[-1] == "entity.merge"
    merges.unmerge(record.id)
    assert dump(ws, case_id) == before
    assert merges.list_merges(case_id)[0].status == "unmerged"
    with ws.read() as conn:
        assert verify_chain(conn).ok
        assert list(conn.execute(select(audit_events.c.action)).scalars())[-1] == "entity.unmerge"


def test_unmerge_keeps_edits_made_after_the_merge(ws: Workspace) -> None:
    case_id, (a, b, c, _ip), made = small_case(ws)
    merges = MergeRepository(ws)
    record = merges.merge(case_id, a, [b])
    props = dict(ws.graph.get_entity(a).properties)
    props["note"] = "checked by phone"
    ws.graph.update_entity(a, label="Rin (main)", properties=props)
    added = ws.graph.add_link(case_id, a, c, "communicates_with")
    ws.graph.delete_link(made[1])  # a re-pointed link deleted after the merge
    merges.unmerge(record.id)
    kept = ws.graph.get_entity(a)
    assert kept.label == "Rin (main)" and kept.properties["note"] == "checked by phone"
    assert MERGED_FROM not in kept.properties and CONFLICTS not in kept.properties
    assert kept.properties["platform"] == "x" and "user_id" not in kept.properties
    assert ws.graph.get_entity(b).value == "NightOwl.Rin"
    ends = {lk.id: (lk.source_id, lk.target_id) for lk in ws.graph.list_links(case_id)}
    assert ends[made[0]] == (a, b) and ends[made[3]] == (b, c)
    assert ends[added.id] == (a, c) and made[1] not in ends


def test_nested_merges_unmerge_in_order(ws: Workspace) -> None:
    case_id, (a, b, c, _ip), _ = small_case(ws)
    before = dump(ws, case_id)
    merges = MergeRepository(ws)
    first = merges.merge(case_id, b, [c])
    second = merges.merge(case_id, a, [b])
    with pytest.raises(ValidationError, match=f"merged into {a}.*{second.id}"):
        merges.unmerge(first.id)
    merges.unmerge(second.id)
    merges.unmerge(first.id)
    assert dump(ws, case_id) == before


def test_merge_and_unmerge_refuse_bad_requests(ws: Workspace) -> None:
    case_id, (a, b, _c, ip), _ = small_case(ws)
    other = ws.cases.create("Other")
    stranger = ws.graph.add_entity(other.id, "account", "someone")
    merges = MergeRepository(ws)
    with pytest.raises(ValidationError, match="merged into itself"):
        merges.merge(case_id, a, [a])
    with pytest.raises(ValidationError, match="at least one"):
        merges.merge(case_id, a, [])
    with pytest.raises(NotFoundError, match="no-such"):
        merges.merge(case_id, a, ["no-such"])
    with pytest.raises(NotFoundError, match=stranger.id):
        merges.merge(case_id, a, [stranger.id])
    with pytest.raises(ValidationError, match="one type"):
        merges.merge(case_id, a, [ip])
    with pytest.raises(NotFoundError, match="graph merges"):
        merges.unmerge("nope")
    record = merges.merge(case_id, a, [b])
    merges.unmerge(record.id)
    with pytest.raises(ValidationError, match="already undone"):
        merges.unmerge(record.id)
    record = merges.merge(case_id, a, [b])
    ws.graph.delete_entity(a)
    with pytest.raises(ValidationError, match="deleted since"):
        merges.unmerge(record.id)


def test_a_tampered_snapshot_is_not_trusted(ws: Workspace) -> None:
    case_id, (a, b, _c, _ip), _ = small_case(ws)
    merges = MergeRepository(ws)
    record = merges.merge(case_id, a, [b])
    with ws.write() as conn:
        snapshot = conn.execute(select(graph_merges.c.snapshot)).scalar_one()
        snapshot["duplicates"][0]["value"] = "forged"
        conn.execute(graph_merges.update().values(snapshot=snapshot))
    with pytest.raises(IntegrityError, match="SHA-256"):
        merges.unmerge(record.id)


@pytest.fixture(scope="module")
def shared_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    workspace = Workspace.open(Path(tmp_path_factory.mktemp("merge")) / "ws")
    yield workspace
    workspace.close()


values = st.sampled_from(["a", "b", 1, None, [1, 2]])
entity_props = st.dictionaries(st.sampled_from(["k1", "k2", "k3"]), values, max_size=3)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    props=st.lists(entity_props, min_size=2, max_size=6),
    pairs=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=10),
    keep=st.integers(0, 5),
    dup_mask=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_merge_then_unmerge_restores_the_exact_state(
    shared_ws: Workspace,
    props: list[dict[str, Any]],
    pairs: list[tuple[int, int]],
    keep: int,
    dup_mask: list[bool],
) -> None:
    ws = shared_ws
    n = len(props)
    case = ws.cases.create("Prop")
    ids = ws.graph.add_entities_bulk(
        case.id, [EntitySpec("person", f"P{i}", properties=p) for i, p in enumerate(props)]
    )
    ws.graph.add_links_bulk(
        case.id, [LinkSpec(ids[s % n], ids[t % n], "related_to") for s, t in pairs]
    )
    keep %= n
    dups = [ids[i] for i in range(n) if dup_mask[i] and i != keep] or [ids[(keep + 1) % n]]
    before = dump(ws, case.id)
    merges = MergeRepository(ws)
    record = merges.merge(case.id, ids[keep], dups)
    after = dump(ws, case.id)
    assert len(after["entities"]) == n - len(dups)
    assert len(after["links"]) == len(before["links"])  # nothing lost, self-loops included
    assert len(after["provenance"]) == len(before["provenance"])
    merges.unmerge(record.id)
    assert dump(ws, case.id) == before
