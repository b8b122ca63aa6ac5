from __future__ import annotations

import pytest

from workbench.errors import IntegrityError, NotFoundError, ValidationError
from workbench.model import Confidence, ProvenanceKind
from workbench.store.graph import EntitySpec, LinkSpec, Source
from workbench.store.workspace import Workspace


def test_case_create_update_list(ws: Workspace) -> None:
    case = ws.cases.create(
        "Threat to school",
        priority="P1",
        category="threat_to_others",
        tags=["school", "school", " "],
    )
    assert case.reference.startswith("WB-") and case.tags == ("school",)
    assert case.created_by == "analyst.test"
    updated = ws.cases.update(case.id, status="triage", assignee="lead")
    assert updated.status.value == "triage" and updated.assignee == "lead"
    assert updated.updated_at >= case.updated_at
    second = ws.cases.create("Second")
    assert second.reference != case.reference
    assert [s.case.id for s in ws.cases.list()] == [second.id, case.id]
    assert ws.cases.resolve(case.reference.lower()).id == case.id


def test_next_reference_follows_the_highest_number_not_the_count(ws: Workspace) -> None:
    """A case arriving from another workspace keeps its reference (WB-2026-0003 in a
    workspace that holds one case); the next local case must not collide with it, and
    numbers past 9999 keep counting."""
    from sqlalchemy import update

    from workbench.store.schema import cases

    first = ws.cases.create("First")
    prefix = first.reference.rsplit("-", 1)[0] + "-"
    imported = ws.cases.create("Arrived from an archive")
    with ws.write() as conn:
        conn.execute(
            update(cases).where(cases.c.id == imported.id).values(reference=prefix + "0003")
        )
    assert ws.cases.create("Next").reference == prefix + "0004"
    with ws.write() as conn:
        conn.execute(
            update(cases).where(cases.c.id == imported.id).values(reference=prefix + "9999")
        )
    assert ws.cases.create("Past four digits").reference == prefix + "10000"
    assert ws.cases.create("And on").reference == prefix + "10001"
    with ws.write() as conn:  # a reference that does not follow the pattern is ignored
        conn.execute(
            update(cases).where(cases.c.id == first.id).values(reference=prefix + "x-legacy")
        )
    assert ws.cases.create("Still counting").reference == prefix + "10002"


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"status": "finished"}, "Valid values: new, triage"),
        ({"priority": "urgent"}, "Valid values: P1"),
        ({"title": "  "}, "needs a title"),
        ({"owner": "x"}, "editable fields"),
    ],
)
def test_case_update_rejects_bad_values(ws: Workspace, changes: dict, fragment: str) -> None:
    case = ws.cases.create("Case")
    with pytest.raises(ValidationError, match=fragment):
        ws.cases.update(case.id, **changes)
    assert ws.cases.get(case.id) == case


def test_entities_are_normalised_and_deduplicated(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    phone = ws.graph.add_entity(case.id, "phone", "+44 (0)20 7946 0958")
    assert phone.normalized == "+442079460958"
    email = ws.graph.add_entity(case.id, "email", "Someone@EXAMPLE.org ")
    assert email.normalized == "someone@example.org"
    assert (
        ws.graph.add_entity(case.id, "domain", "BÜCHER.example").normalized
        == "xn--bcher-kva.example"
    )
    assert ws.graph.add_entity(case.id, "ip", "2001:DB8:0:0::1").normalized == "2001:db8::1"
    assert (
        ws.graph.add_entity(case.id, "url", "HTTPS://Example.org:443/a#frag").normalized
        == "https://example.org/a"
    )
    with pytest.raises(ValidationError, match="already has the email"):
        ws.graph.add_entity(case.id, "email", "someone@example.org")
    assert phone.provenance[0].kind is ProvenanceKind.MANUAL
    assert phone.provenance[0].actor == "analyst.test"


@pytest.mark.parametrize(
    "entity_type, value, fragment",
    [
        ("spaceship", "x", "Valid types: account, device"),
        ("ip", "999.1.1.1", "not an IPv4 or IPv6"),
        ("email", "not-an-email", "not an e-mail"),
        ("person", "   ", "needs a value"),
        ("url", "http://[::1/", "not a valid URL"),
        ("url", "https://example.org:99999/", "not a valid URL"),
    ],
)
def test_bad_entities_are_refused_with_what_is_valid(
    ws: Workspace, entity_type: str, value: str, fragment: str
) -> None:
    case = ws.cases.create("Case")
    with pytest.raises(ValidationError, match=fragment):
        ws.graph.add_entity(case.id, entity_type, value)
    assert ws.graph.count_entities(case.id) == 0


def test_links_validate_type_grading_and_endpoints(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    other = ws.cases.create("Other")
    a = ws.graph.add_entity(case.id, "account", "alpha")
    b = ws.graph.add_entity(case.id, "ip", "192.0.2.1")
    foreign = ws.graph.add_entity(other.id, "person", "Elsewhere")
    link = ws.graph.add_link(
        case.id,
        a.id,
        b.id,
        "logged_in_from",
        confidence="confirmed",
        reliability="b",
        credibility="2",
        source=Source(ProvenanceKind.SOURCE_RUN, "run-1"),
    )
    assert (link.confidence, link.grading) == (Confidence.CONFIRMED, "B2")
    assert link.provenance[0].kind is ProvenanceKind.SOURCE_RUN
    with pytest.raises(ValidationError, match="Valid types: communicates_with"):
        ws.graph.add_link(case.id, a.id, b.id, "befriends")
    with pytest.raises(ValidationError, match="Admiralty"):
        ws.graph.add_link(case.id, a.id, b.id, "uses", reliability="G")
    with pytest.raises(ValidationError, match="Admiralty"):
        ws.graph.add_link(case.id, a.id, b.id, "uses", credibility="7")
    with pytest.raises(NotFoundError, match="Valid entities: account:alpha"):
        ws.graph.add_link(case.id, a.id, "missing-id", "uses")
    with pytest.raises(NotFoundError, match="Valid entities"):
        ws.graph.add_link(case.id, a.id, foreign.id, "uses")
    with pytest.raises(NotFoundError, match="Valid entities"):
        ws.graph.add_links_bulk(case.id, [LinkSpec(a.id, foreign.id, "uses")])
    with pytest.raises(NotFoundError):
        ws.graph.add_links_bulk(case.id, [LinkSpec(a.id, "nope", "uses")])
    assert ws.graph.count_links(case.id) == 1


def test_self_loops_and_parallel_links_are_kept(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    a = ws.graph.add_entity(case.id, "account", "alpha")
    ws.graph.add_link(case.id, a.id, a.id, "related_to")
    ws.graph.add_link(case.id, a.id, a.id, "related_to")
    assert ws.graph.count_links(case.id) == 2


def test_delete_and_restore_entity_is_exact(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    a = ws.graph.add_entity(case.id, "account", "alpha", properties={"platform": "X"})
    b = ws.graph.add_entity(case.id, "ip", "192.0.2.1")
    c = ws.graph.add_entity(case.id, "person", "Carol")
    ws.graph.add_link(case.id, a.id, b.id, "logged_in_from", reliability="A", credibility="1")
    ws.graph.add_link(case.id, c.id, a.id, "owns")
    before_entities = {e.id: ws.graph.get_entity(e.id) for e in ws.graph.list_entities(case.id)}
    before_links = {lk.id: ws.graph.get_link(lk.id) for lk in ws.graph.list_links(case.id)}
    deleted = ws.graph.delete_entity(a.id)
    assert len(deleted.links) == 2 and ws.graph.count_links(case.id) == 0
    ws.graph.restore_entity(deleted)
    after_entities = {e.id: ws.graph.get_entity(e.id) for e in ws.graph.list_entities(case.id)}
    after_links = {lk.id: ws.graph.get_link(lk.id) for lk in ws.graph.list_links(case.id)}
    assert after_entities == before_entities
    assert after_links == before_links


def test_update_entity_and_link(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    a = ws.graph.add_entity(case.id, "email", "a@example.org")
    b = ws.graph.add_entity(case.id, "person", "Ann")
    updated = ws.graph.update_entity(a.id, value="B@example.org", label="work mail")
    assert (updated.normalized, updated.label) == ("b@example.org", "work mail")
    with pytest.raises(ValidationError):
        ws.graph.update_entity(a.id, value="broken")
    link = ws.graph.add_link(case.id, b.id, a.id, "uses")
    link = ws.graph.update_link(link.id, confidence="refuted", reliability="C", credibility="3")
    assert link.confidence is Confidence.REFUTED and link.grading == "C3"
    removed = ws.graph.delete_link(link.id)
    assert ws.graph.count_links(case.id) == 0
    ws.graph.restore_link(removed)
    assert ws.graph.get_link(link.id).grading == "C3"


def test_bulk_insert_paging_and_positions(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    ticks: list[int] = []
    ids = ws.graph.add_entities_bulk(
        case.id,
        (EntitySpec("account", f"user{i}") for i in range(1200)),
        batch_size=500,
        progress=ticks.append,
    )
    assert ticks == [500, 1000, 1200] and len(ids) == 1200
    page = ws.graph.list_entities(case.id, offset=500, limit=10)
    assert [e.value for e in page] == [f"user{i}" for i in range(500, 510)]
    link_ids = ws.graph.add_links_bulk(
        case.id,
        (LinkSpec(ids[i], ids[i + 1], "communicates_with") for i in range(1199)),
        batch_size=400,
    )
    assert len(link_ids) == ws.graph.count_links(case.id) == 1199
    ws.graph.set_positions(case.id, {ids[0]: (1.5, -2.0)})
    first = ws.graph.get_entity(ids[0])
    assert (first.pos_x, first.pos_y) == (1.5, -2.0)
    assert first.provenance and first.provenance[0].kind is ProvenanceKind.MANUAL


def test_bulk_cancel_keeps_committed_batches(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    ids = ws.graph.add_entities_bulk(
        case.id,
        (EntitySpec("account", f"u{i}") for i in range(50)),
        batch_size=10,
        cancelled=cancelled,
    )
    assert len(ids) == 20 == ws.graph.count_entities(case.id)


def test_evidence_is_hashed_and_verified_on_read(ws: Workspace, tmp_path) -> None:
    case = ws.cases.create("Case")
    source = tmp_path / "photo.jpg"
    source.write_bytes(b"\xff\xd8" + b"x" * 3_000_000)
    item = ws.evidence.add_file(case.id, source, description="photo")
    assert item.size == source.stat().st_size and item.mime_type == "image/jpeg"
    assert ws.evidence.read(item.id) == source.read_bytes()
    assert all(r.ok for r in ws.evidence.verify_case(case.id))
    blob = ws.blobs.path_for(item.sha256)
    blob.chmod(0o644)
    blob.write_bytes(b"tampered")
    with pytest.raises(IntegrityError, match="modified on disk"):
        ws.evidence.read(item.id)
    assert not ws.evidence.verify_case(case.id)[0].ok
    with pytest.raises(ValidationError):
        ws.evidence.add_file(case.id, tmp_path / "missing.bin")


def test_unknown_case_is_a_clear_error(ws: Workspace) -> None:
    with pytest.raises(NotFoundError, match="workbench case list"):
        ws.cases.resolve("WB-1999-0001")
    with pytest.raises(NotFoundError):
        ws.graph.add_entity("nope", "person", "x")


def test_links_among_a_subset(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    ids = ws.graph.add_entities_bulk(case.id, (EntitySpec("person", f"p{i}") for i in range(10)))
    ws.graph.add_links_bulk(case.id, (LinkSpec(ids[i], ids[i + 1], "related_to") for i in range(9)))
    among = ws.graph.links_among(case.id, ids[:4])
    expected = [(ids[0], ids[1]), (ids[1], ids[2]), (ids[2], ids[3])]
    assert sorted((lk.source_id, lk.target_id) for lk in among) == sorted(expected)
