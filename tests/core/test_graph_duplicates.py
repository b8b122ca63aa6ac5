"""Duplicate suggestions and same-as hypotheses with evidence for and against."""

from __future__ import annotations

import time

import pytest

from workbench.errors import NotFoundError, ValidationError
from workbench.graph.duplicates import name_key, suggest_duplicates
from workbench.graph.hypotheses import HypothesisRepository
from workbench.graph.merge import MergeRepository
from workbench.store.graph import EntitySpec
from workbench.store.workspace import Workspace


def test_name_keys_ignore_case_accents_punctuation_and_word_order() -> None:
    assert name_key("person", "Müller, Jürgen") == name_key("person", "jurgen MULLER")
    assert name_key("account", "@Night.Owl_Rin") == "nightowlrin"
    assert name_key("organization", "Acme Widgets Ltd.") == "acme widgets"


def test_suggestions_by_value_identifier_and_fuzzy_name(ws: Workspace) -> None:
    case = ws.cases.create("Dups")
    ids = ws.graph.add_entities_bulk(
        case.id,
        [
            EntitySpec("email", "Rin@Example.org"),
            EntitySpec("email", "rin@example.org "),  # same normalised value
            EntitySpec("account", "nightowl_rin", properties={"user_id": "58214407"}),
            EntitySpec("account", "rin_live", properties={"user_id": "58214407"}),
            EntitySpec("account", "NightOwl.Rin"),
            EntitySpec("person", "Jürgen Müller"),
            EntitySpec("person", "Muller Jurgen"),
            EntitySpec("person", "Jurgen Mueller"),
            EntitySpec("person", "Anna Tanaka"),
            EntitySpec("ip", "203.0.113.45"),
            EntitySpec("ip", "203.0.113.46"),
        ],
    )
    found = suggest_duplicates(ws, case.id)
    by_ids = {s.ids: s for s in found}
    assert by_ids[(ids[0], ids[1])].score == 1.0
    assert "user_id" in by_ids[(ids[2], ids[3])].reason
    assert "punctuation" in by_ids[(ids[2], ids[4])].reason
    assert (ids[5], ids[6]) in by_ids
    assert (ids[5], ids[7]) in by_ids or (ids[6], ids[7]) in by_ids  # mueller ~ muller
    flat = {i for s in found for i in s.ids}
    assert ids[8] not in flat and ids[9] not in flat and ids[10] not in flat
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert len(suggest_duplicates(ws, case.id, limit=2)) == 2
    # a refuted hypothesis is not suggested again
    hypotheses = HypothesisRepository(ws)
    refuted = hypotheses.propose(case.id, ids[5], ids[6], note="different birth dates")
    hypotheses.refute(refuted.link_id)
    assert (ids[5], ids[6]) not in {s.ids for s in suggest_duplicates(ws, case.id)}


def test_suggestions_stay_fast_on_a_big_case(ws: Workspace) -> None:
    case = ws.cases.create("Big")
    specs = [EntitySpec("account", f"user_{i:06d}_{i * 7919 % 10007}") for i in range(8_000)]
    specs += [EntitySpec("person", f"Person {i} Surname{i % 97}") for i in range(2_000)]
    ws.graph.add_entities_bulk(case.id, specs)
    started = time.process_time()
    found = suggest_duplicates(ws, case.id)
    elapsed = time.process_time() - started
    assert elapsed < 5, f"{elapsed:.1f} s of CPU for 10k entities"
    assert all(len(s.ids) >= 2 for s in found)


def test_hypothesis_with_evidence_for_and_against_then_confirm_and_merge(
    ws: Workspace,
) -> None:
    case = ws.cases.create("Hyp")
    a = ws.graph.add_entity(case.id, "account", "nightowl_rin")
    b = ws.graph.add_entity(case.id, "account", "rin_live")
    ip = ws.graph.add_entity(case.id, "ip", "203.0.113.45")
    pro = ws.evidence.add_bytes(case.id, b"same device id", "logins.csv", description="logins")
    con = ws.evidence.add_bytes(case.id, b"other country", "geo.txt", description="geo")
    hypotheses = HypothesisRepository(ws)
    hyp = hypotheses.propose(
        case.id, a.id, b.id, note="same avatar", evidence_for=[pro.id], evidence_against=[con.id]
    )
    assert hyp.status == "suspected" and hyp.for_count == 2 and hyp.against_count == 1
    assert {x.evidence_filename for x in hyp.arguments} == {None, "logins.csv", "geo.txt"}
    assert ws.graph.get_link(hyp.link_id).type == "same_as"
    hyp = hypotheses.argue(hyp.link_id, "against", note="writing style differs")
    assert hyp.against_count == 2
    with pytest.raises(ValidationError, match="already an argument"):
        hypotheses.argue(hyp.link_id, "for", evidence_id=pro.id)
    with pytest.raises(ValidationError, match="already have"):
        hypotheses.propose(case.id, b.id, a.id)
    offer = hypotheses.confirm(hyp.link_id, note="device id decides")
    assert offer.mergeable and (offer.keep_id, offer.duplicate_id) == (a.id, b.id)
    assert hypotheses.get(hyp.link_id).status == "confirmed"
    record = MergeRepository(ws).merge(case.id, offer.keep_id, [offer.duplicate_id])
    # the hypothesis link is now a self-loop on the kept entity, with its evidence
    kept = hypotheses.list_hypotheses(case.id)[0]
    assert kept.a_id == kept.b_id == a.id and kept.for_count == 3
    MergeRepository(ws).unmerge(record.id)
    assert hypotheses.get(hyp.link_id).b_id == b.id
    other = hypotheses.propose(case.id, a.id, ip.id)
    assert not hypotheses.confirm(other.link_id).mergeable


def test_hypothesis_bad_input(ws: Workspace) -> None:
    case = ws.cases.create("Bad")
    a = ws.graph.add_entity(case.id, "person", "A")
    b = ws.graph.add_entity(case.id, "person", "B")
    link = ws.graph.add_link(case.id, a.id, b.id, "related_to")
    hypotheses = HypothesisRepository(ws)
    with pytest.raises(ValidationError, match="two different"):
        hypotheses.propose(case.id, a.id, a.id)
    with pytest.raises(ValidationError, match="not a same-as"):
        hypotheses.argue(link.id, "for", note="x")
    with pytest.raises(NotFoundError, match="evidence"):
        hypotheses.propose(case.id, a.id, b.id, evidence_for=["nope"])
    assert hypotheses.list_hypotheses(case.id) == []  # nothing half-written
    hyp = hypotheses.propose(case.id, a.id, b.id)
    with pytest.raises(ValidationError, match="'for' or 'against'"):
        hypotheses.argue(hyp.link_id, "maybe", note="x")
    with pytest.raises(ValidationError, match="evidence item or a note"):
        hypotheses.argue(hyp.link_id, "for")
