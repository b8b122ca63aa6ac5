"""GraphML / GEXF export and import: round trips, other readers, real data, bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import igraph
import networkx as nx
import pytest

from tests.conftest import SHARED_DATA
from workbench.audit import iter_events, verify_chain
from workbench.demo import create_demo_case
from workbench.errors import ValidationError
from workbench.exchange.graphs import export_graph
from workbench.exchange.model import ImportCancelled
from workbench.exchange.service import import_file
from workbench.store.workspace import Workspace

MISERABLES = SHARED_DATA / "graphs" / "miserables.graphml"


def _snapshot(ws: Workspace, case_id: str) -> tuple[list[Any], list[Any]]:
    entities = ws.graph.list_entities(case_id)
    key = {e.id: (e.type, e.normalized) for e in entities}
    nodes = sorted(
        (e.type, e.value, e.label, repr(sorted(e.properties.items())), e.pos_x, e.pos_y)
        for e in entities
    )
    links = sorted(
        (key[k.source_id], key[k.target_id], k.type, k.confidence.value, k.reliability,
         k.credibility, repr(sorted(k.properties.items())))
        for k in ws.graph.list_links(case_id)
    )  # fmt: skip
    return nodes, links


@pytest.fixture
def demo(ws: Workspace) -> str:
    case = create_demo_case(ws)
    first = ws.graph.list_entities(case.id)[:2]
    ws.graph.set_positions(case.id, {first[0].id: (10.5, -3.25), first[1].id: (0.0, 7.0)})
    return case.id


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_round_trip_keeps_entities_links_grading(
    ws: Workspace, demo: str, tmp_path: Path, fmt: str
) -> None:
    path = export_graph(ws, demo, tmp_path / f"case.{fmt}", fmt)
    target = ws.cases.create("Round trip")
    result = import_file(ws, target.id, path, fmt)
    assert (result.entities, result.links) == (32, 38)
    assert _snapshot(ws, target.id) == _snapshot(ws, demo)
    assert any(k.grading for k in ws.graph.list_links(target.id))


def test_other_readers_read_the_export(ws: Workspace, demo: str, tmp_path: Path) -> None:
    graphml = export_graph(ws, demo, tmp_path / "case.graphml", "graphml")
    gexf = export_graph(ws, demo, tmp_path / "case.gexf", "gexf")
    graph = igraph.Graph.Read_GraphML(str(graphml))
    assert (graph.vcount(), graph.ecount()) == (32, 38)
    assert "entity_type" in graph.vs.attributes() and "link_type" in graph.es.attributes()
    assert set(graph.vs["value"]) == {e.value for e in ws.graph.list_entities(demo)}
    for path, reader in ((graphml, nx.read_graphml), (gexf, nx.read_gexf)):
        read = reader(path)
        assert read.number_of_nodes() == 32 and read.number_of_edges() == 38
        assert {d["entity_type"] for _, d in read.nodes(data=True)} >= {"person", "ip"}


def test_miserables_comes_in_whole(ws: Workspace) -> None:
    case = ws.cases.create("Les Miserables")
    result = import_file(ws, case.id, MISERABLES, "graphml", default_type="person")
    assert (result.entities, result.links) == (77, 254)
    entities = ws.graph.list_entities(case.id)
    assert len(entities) == 77 and ws.graph.count_links(case.id) == 254
    valjean = next(e for e in entities if e.value == "Valjean")
    assert valjean.type == "person"
    assert valjean.properties["import_id"] == "11"
    assert valjean.properties["Modularity Class"] == 1
    assert valjean.properties["size"] == pytest.approx(100.0)
    assert (valjean.properties["r"], valjean.properties["g"], valjean.properties["b"]) == (
        245, 91, 91,
    )  # fmt: skip
    assert (valjean.pos_x, valjean.pos_y) == pytest.approx((-87.93029, 6.8120565))
    weights = [k.properties["weight"] for k in ws.graph.list_links(case.id)]
    assert len(weights) == 254 and all(isinstance(w, float) for w in weights)
    assert {k.type for k in ws.graph.list_links(case.id)} == {"related_to"}
    digest = hashlib.sha256(MISERABLES.read_bytes()).hexdigest()
    with ws.read() as conn:
        event = next(e for e in iter_events(conn, case.id) if e.action == "case.import")
    assert event.summary["file_sha256"] == digest
    assert event.summary["entities"] == 77 and event.summary["links"] == 254
    entity = ws.graph.get_entity(valjean.id)
    assert entity.provenance[0].ref == f"graphml:{digest}"


def test_dry_run_writes_nothing(ws: Workspace) -> None:
    case = ws.cases.create("Dry")
    result = import_file(ws, case.id, MISERABLES, "graphml", dry_run=True)
    assert result.dry_run and result.entities == 77
    assert ws.graph.count_entities(case.id) == 0


GRAPHML = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="label" for="node" attr.name="label" attr.type="string"/>
<graph edgedefault="directed">
<node id="a"><data key="label">Alpha</data></node>
<node id="b"><data key="label">Beta</data></node>
{edges}
</graph></graphml>
"""


def _write(tmp_path: Path, text: str, name: str = "g.graphml", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _refused(ws: Workspace, path: Path, match: str, fmt: str = "graphml", **kw: Any) -> None:
    case = ws.cases.create("Target")
    with ws.read() as conn:
        before = verify_chain(conn).checked
    with pytest.raises(ValidationError, match=match):
        import_file(ws, case.id, path, fmt, **kw)
    assert ws.graph.count_entities(case.id) == 0 and ws.graph.count_links(case.id) == 0
    with ws.read() as conn:
        assert verify_chain(conn).checked == before


def test_parallel_edges_are_kept(ws: Workspace, tmp_path: Path) -> None:
    edges = '<edge id="e1" source="a" target="b"/><edge id="e2" source="a" target="b"/>'
    case = ws.cases.create("Parallel")
    result = import_file(ws, case.id, _write(tmp_path, GRAPHML.format(edges=edges)), "graphml")
    assert result.links == 2
    assert sorted(k.properties["import_id"] for k in ws.graph.list_links(case.id)) == ["e1", "e2"]


def test_dangling_edge_is_refused(ws: Workspace, tmp_path: Path) -> None:
    edges = '<edge id="e1" source="a" target="ghost"/>'
    _refused(ws, _write(tmp_path, GRAPHML.format(edges=edges)), "ghost.*does not declare")


def test_self_loop_refused_or_skipped(ws: Workspace, tmp_path: Path) -> None:
    edges = '<edge id="loop" source="a" target="a"/><edge id="e2" source="a" target="b"/>'
    path = _write(tmp_path, GRAPHML.format(edges=edges))
    _refused(ws, path, "self-loop")
    case = ws.cases.create("Skip")
    result = import_file(ws, case.id, path, "graphml", self_loops="skip")
    assert (result.entities, result.links, result.skipped_self_loops) == (2, 1, 1)


def test_malformed_xml_is_refused(ws: Workspace, tmp_path: Path) -> None:
    text = GRAPHML.format(edges="<edge source='a' target='b'>").replace("</graph>", "")
    _refused(ws, _write(tmp_path, text), "not well-formed XML")


def test_wrong_encoding_is_named(ws: Workspace, tmp_path: Path) -> None:
    text = GRAPHML.format(edges="").replace("Beta", "Bêta Ünïcode")
    _refused(ws, _write(tmp_path, text, encoding="latin-1"), "not valid UTF-8.*Re-save")


def test_entity_expansion_is_refused(ws: Workspace, tmp_path: Path) -> None:
    bomb = '<?xml version="1.0"?>\n<!DOCTYPE g [<!ENTITY a "aaaaaaaaaa">]>\n<graphml/>'
    _refused(ws, _write(tmp_path, bomb), "DTD")


def test_huge_file_is_capped_with_advice(ws: Workspace, tmp_path: Path) -> None:
    from workbench.exchange.graphs import read_graph_plan

    path = _write(tmp_path, GRAPHML.format(edges=""))
    with pytest.raises(ValidationError, match=r"limited to .* MB.*CSV"):
        read_graph_plan(path, "graphml", ws.graph.vocabulary, max_bytes=100)


def test_wrong_format_and_empty_file(ws: Workspace, tmp_path: Path) -> None:
    _refused(ws, _write(tmp_path, GRAPHML.format(edges=""), "g.gexf"), "root element", "gexf")
    _refused(ws, _write(tmp_path, "", "empty.graphml"), "empty")


def test_cancel_leaves_nothing(ws: Workspace) -> None:
    case = ws.cases.create("Cancel")
    with pytest.raises(ImportCancelled):
        import_file(ws, case.id, MISERABLES, "graphml", cancelled=lambda: True)
    assert ws.graph.count_entities(case.id) == 0
