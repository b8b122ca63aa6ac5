"""Analysis on hand-checked small graphs and on Les Miserables (compared with networkx)."""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import pytest

from tests.conftest import SHARED_DATA
from workbench.errors import NotFoundError, ValidationError
from workbench.graph import analysis
from workbench.graph.view import CaseGraph, load_case_graph
from workbench.store.graph import EntitySpec, LinkSpec
from workbench.store.workspace import Workspace

MISERABLES = SHARED_DATA / "graphs" / "miserables.graphml"


def graph(pairs: str, extra: str = "") -> CaseGraph:
    """'a-b b-c' style; `extra` names isolated nodes."""
    edges = [tuple(p.split("-")) for p in pairs.split()]
    ids = list(dict.fromkeys([x for e in edges for x in e] + extra.split()))
    return CaseGraph.from_edges(ids, edges)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def miserables() -> nx.Graph:
    return nx.Graph(nx.read_graphml(MISERABLES))


def test_shortest_path_and_k_paths() -> None:
    g = graph("a-b b-c c-d a-e e-f f-d x-y")
    assert analysis.shortest_paths(g, "a", "d") == [["a", "b", "c", "d"]]
    paths = analysis.shortest_paths(g, "a", "d", k=3)
    assert sorted(map(tuple, paths)) == [("a", "b", "c", "d"), ("a", "e", "f", "d")]
    assert analysis.shortest_paths(g, "a", "x") == []
    assert analysis.shortest_paths(g, "a", "a") == [["a"]]
    assert analysis.path_links(g, ["a", "b", "c"]) == ["link-0", "link-1"]
    with pytest.raises(NotFoundError, match="'zz'"):
        analysis.shortest_paths(g, "a", "zz")
    with pytest.raises(ValidationError):
        analysis.shortest_paths(g, "a", "d", k=0)


def test_neighbourhood_depth_and_cap() -> None:
    g = graph("a-b b-c c-d d-e a-f")
    assert analysis.neighbourhood(g, ["a"], 0) == ({"a"}, False)
    assert analysis.neighbourhood(g, ["a"], 1) == ({"a", "b", "f"}, False)
    assert analysis.neighbourhood(g, ["a"], 2) == ({"a", "b", "f", "c"}, False)
    assert analysis.neighbourhood(g, ["a", "e"], 1) == ({"a", "b", "f", "e", "d"}, False)
    found, truncated = analysis.neighbourhood(g, ["a"], 5, cap=3)
    assert truncated and len(found) == 3 and "a" in found


def test_degree_and_betweenness_on_a_star_with_a_tail() -> None:
    g = graph("h-a h-b h-c h-d d-e a-a h-a")  # self-loop and a parallel link too
    degree = analysis.centrality(g, "degree", top=2)
    assert degree[0] == ("h", 4 / 5)
    between = dict(analysis.centrality(g, "betweenness"))
    expected = nx.betweenness_centrality(nx.Graph([("h", x) for x in "abcd"] + [("d", "e")]))
    assert between == pytest.approx(expected)
    assert between["h"] > between["d"] > between["a"] == 0


def test_components_communities_and_common_neighbours() -> None:
    cliques = " ".join(f"{a}-{b}" for a in "abcd" for b in "abcd" if a < b)
    cliques += " " + " ".join(f"{a}-{b}" for a in "wxyz" for b in "wxyz" if a < b)
    g = graph(cliques + " d-w p-q", extra="lone")
    assert analysis.components(g) == [list("abcdwxyz"), ["p", "q"], ["lone"]]
    found = analysis.communities(g)
    assert sorted(map(sorted, found[:2])) == [list("abcd"), list("wxyz")]
    assert found == analysis.communities(g)  # seeded: the same answer every time
    assert analysis.common_neighbours(g, "a", "b") == ["c", "d"]
    assert analysis.common_neighbours(g, "d", "x") == ["w"]


def test_empty_graph() -> None:
    g = CaseGraph.from_edges([], [])
    assert analysis.components(g) == []
    assert analysis.communities(g) == []
    assert analysis.centrality(g, "betweenness") == []


def test_miserables_matches_networkx(miserables: nx.Graph) -> None:
    ids = list(miserables.nodes)
    g = CaseGraph.from_edges(ids, list(miserables.edges))
    ours = dict(analysis.centrality(g, "betweenness", top=len(ids)))
    theirs = nx.betweenness_centrality(miserables)
    assert ours == pytest.approx(theirs)
    top_degree = analysis.centrality(g, "degree", top=1)[0]
    assert top_degree[0] == max(miserables.degree, key=lambda d: d[1])[0]
    a, b = ids[0], ids[-1]
    assert len(analysis.shortest_paths(g, a, b)[0]) - 1 == nx.shortest_path_length(miserables, a, b)
    assert [len(c) for c in analysis.components(g)] == sorted(
        (len(c) for c in nx.connected_components(miserables)), reverse=True
    )
    communities = analysis.communities(g)
    assert sum(map(len, communities)) == len(ids) and 3 <= len(communities) <= 12


def test_case_graph_from_the_store_skips_nothing_and_keeps_self_loops(ws: Workspace) -> None:
    case = ws.cases.create("Graph")
    people = ws.graph.add_entities_bulk(case.id, [EntitySpec("person", f"P{i}") for i in range(5)])
    ws.graph.add_links_bulk(
        case.id,
        [
            LinkSpec(people[0], people[1], "related_to"),
            LinkSpec(people[1], people[1], "related_to"),
            LinkSpec(people[1], people[0], "related_to"),
            LinkSpec(people[3], people[4], "same_as"),
        ],
    )
    with ws.read() as conn:
        g = load_case_graph(conn, case.id)
    assert g.ids == people and g.n == 5 and g.dangling == 0
    assert g.edges.tolist() == [[0, 1], [1, 1], [1, 0], [3, 4]]
    assert g.types == ["person"] * 5 and g.link_types[-1] == "same_as"
    assert np.isnan(g.positions).all()
    multi = g.to_networkx()
    assert multi.number_of_edges() == 4 and multi.nodes[people[0]]["type"] == "person"
    assert analysis.components(g)[0] == people[:2]
    with ws.read() as conn, pytest.raises(NotFoundError):
        load_case_graph(conn, "no-such-case")


def test_loading_a_big_case_is_fast(ws: Workspace) -> None:
    case = ws.cases.create("Big")
    n = 10_000
    ids = ws.graph.add_entities_bulk(case.id, (EntitySpec("account", f"u{i}") for i in range(n)))
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, n, (2 * n, 2))
    ws.graph.add_links_bulk(
        case.id, (LinkSpec(ids[a], ids[b], "communicates_with") for a, b in pairs.tolist())
    )
    started = time.process_time()
    with ws.read() as conn:
        g = load_case_graph(conn, case.id)
    elapsed = time.process_time() - started
    assert g.n == n and len(g.edges) == 2 * n
    assert elapsed < 1.0, f"loading 10k entities + 20k links took {elapsed:.2f} s of CPU"
    top = analysis.centrality(g, "betweenness", top=5)
    assert len(top) == 5 and analysis.centrality_note(g, "betweenness") is not None


def test_dangling_link_from_a_damaged_import_is_left_out_and_counted(ws: Workspace) -> None:
    import sqlite3

    case = ws.cases.create("Damaged")
    a = ws.graph.add_entity(case.id, "person", "A")
    b = ws.graph.add_entity(case.id, "person", "B")
    good = ws.graph.add_link(case.id, a.id, b.id, "related_to")
    raw = sqlite3.connect(ws.db_path)
    raw.execute("PRAGMA foreign_keys=OFF")
    row = raw.execute("SELECT * FROM links WHERE id = ?", (good.id,)).fetchone()
    names = [d[0] for d in raw.execute("SELECT * FROM links").description]
    values = dict(zip(names, row, strict=True)) | {"id": "dangling-1", "target_id": "gone"}
    raw.execute(
        f"INSERT INTO links ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [values[n] for n in names],
    )
    raw.commit()
    raw.close()
    with ws.read() as conn:
        g = load_case_graph(conn, case.id)
    assert g.dangling == 1 and g.link_ids == [good.id]
    assert analysis.components(g) == [[a.id, b.id]]
