"""Link analysis on a CaseGraph: paths, neighbourhoods, centrality, components, communities.

Ids in and out are entity ids. Links are taken as undirected and parallel links as one
(the question is "are these connected", not "how often"); self-loops are ignored. The simple
networkx graph and the adjacency arrays are built once per CaseGraph and cached on it.
Betweenness is Brandes' algorithm compiled with numba: exact up to BETWEENNESS_EXACT_LIMIT
nodes, above that estimated from `betweenness_samples()` random sources (seeded, 100-1000),
as networkx's `k` does; `centrality_note` says which one a result is.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from workbench.errors import NotFoundError, ValidationError
from workbench.graph.view import CaseGraph

if TYPE_CHECKING:
    import networkx as nx

BETWEENNESS_EXACT_LIMIT = 5000
BETWEENNESS_WORK = 100_000_000  # sampled sources x (nodes + 2 links) per estimate
MAX_PATHS = 50


def simple_graph(g: CaseGraph) -> nx.Graph:
    """networkx Graph on node indices 0..n-1 (cached on `g`)."""
    cached = g._cache.get("nx_simple")
    if cached is None:
        import networkx as nx

        cached = nx.Graph()
        cached.add_nodes_from(range(g.n))
        cached.add_edges_from(g.simple_edges().tolist())
        g._cache["nx_simple"] = cached
    return cached


def shortest_paths(g: CaseGraph, a: str, b: str, k: int = 1) -> list[list[str]]:
    """Up to `k` shortest simple paths from a to b, shortest first; [] when not connected."""
    import networkx as nx

    if not 1 <= k <= MAX_PATHS:
        raise ValidationError(f"Ask for between 1 and {MAX_PATHS} paths, not {k}.")
    source, target = g.node(a), g.node(b)
    if source == target:
        return [[a]]
    graph = simple_graph(g)
    try:
        if k == 1:
            found = [nx.shortest_path(graph, source, target)]
        else:
            found = list(itertools.islice(nx.shortest_simple_paths(graph, source, target), k))
    except nx.NetworkXNoPath:
        return []
    return [[g.ids[i] for i in path] for path in found]


def path_links(g: CaseGraph, path: Sequence[str]) -> list[str]:
    """One link id per hop of `path` (the first stored link between the two), to highlight."""
    wanted: dict[tuple[int, int], str | None] = {}
    for x, y in itertools.pairwise(path):
        i, j = g.node(x), g.node(y)
        wanted[(min(i, j), max(i, j))] = None
    for (s, t), link_id in zip(g.edges.tolist(), g.link_ids, strict=True):
        key = (min(s, t), max(s, t))
        if key in wanted and wanted[key] is None:
            wanted[key] = link_id
    result = []
    for x, y in itertools.pairwise(path):
        i, j = g.index[x], g.index[y]
        found = wanted[(min(i, j), max(i, j))]
        if found is None:
            raise NotFoundError(f"No link between {x!r} and {y!r}: not a path of this graph.")
        result.append(found)
    return result


def neighbourhood(
    g: CaseGraph, ids: Sequence[str], depth: int, cap: int = 5000
) -> tuple[set[str], bool]:
    """The given entities and everything within `depth` links, nearest first, at most `cap`
    entities; the flag says the cap cut the result short."""
    if depth < 0:
        raise ValidationError(f"Depth must be 0 or more, not {depth}.")
    if cap < 1:
        raise ValidationError(f"The cap must be at least 1, not {cap}.")
    indptr, indices = g.adjacency()
    seeds = np.array(sorted({g.node(i) for i in ids}), dtype=np.int64)
    seen = np.zeros(g.n, dtype=bool)
    if len(seeds) > cap:
        return {g.ids[i] for i in seeds[:cap]}, True
    seen[seeds] = True
    found = list(seeds)
    frontier = seeds
    truncated = False
    for _ in range(depth):
        if len(frontier) == 0:
            break
        starts, stops = indptr[frontier], indptr[frontier + 1]
        counts = stops - starts
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        nbrs = indices[np.repeat(starts, counts) + offsets]
        fresh = np.unique(nbrs[~seen[nbrs]])
        if len(found) + len(fresh) > cap:
            fresh = fresh[: cap - len(found)]
            truncated = True
        seen[fresh] = True
        found.extend(fresh.tolist())
        frontier = fresh
        if truncated:
            break
    return {g.ids[i] for i in found}, truncated


def centrality(
    g: CaseGraph, kind: Literal["degree", "betweenness"], top: int = 50
) -> list[tuple[str, float]]:
    """The `top` entities by normalised degree (distinct neighbours / (n-1)) or betweenness
    centrality (networkx's normalisation), highest first, ties in case order."""
    if top < 1:
        raise ValidationError(f"Ask for at least one entity, not {top}.")
    n = g.n
    if n == 0:
        return []
    indptr, indices = g.adjacency()
    if kind == "degree":
        scores = np.diff(indptr).astype(np.float64) / max(n - 1, 1)
    elif kind == "betweenness":
        scores = _betweenness(n, indptr, indices)
    else:
        raise ValidationError(f"Unknown centrality {kind!r}; use degree or betweenness.")
    order = np.lexsort((np.arange(n), -scores))[:top]
    return [(g.ids[i], float(scores[i])) for i in order]


def _betweenness(n: int, indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    from workbench.graph import _graph_kernels

    if n > BETWEENNESS_EXACT_LIMIT:
        rng = np.random.default_rng(0)
        sources = np.sort(rng.choice(n, size=betweenness_samples(n, len(indices)), replace=False))
    else:
        sources = np.arange(n, dtype=np.int64)
    raw = _graph_kernels.betweenness(indptr, indices, sources.astype(np.int64))
    if n <= 2:
        return np.zeros(n)
    scale = 1.0 / ((n - 1) * (n - 2)) * (n / len(sources))
    return np.asarray(raw * scale, dtype=np.float64)


def betweenness_samples(n: int, adjacency_entries: int) -> int:
    """Sources sampled above the exact limit: 100 to 1000, fewer the bigger the graph, so
    an estimate costs about the same on any case (a few seconds)."""
    return int(min(n, max(100, min(1000, BETWEENNESS_WORK // max(1, n + adjacency_entries)))))


def centrality_note(g: CaseGraph, kind: str) -> str | None:
    """A sentence to show beside a ranking when it is an estimate."""
    if kind == "betweenness" and g.n > BETWEENNESS_EXACT_LIMIT:
        samples = betweenness_samples(g.n, len(g.adjacency()[1]))
        return (
            f"Betweenness estimated from {samples} sampled source entities (the case has "
            f"{g.n}; exact above {BETWEENNESS_EXACT_LIMIT} entities would take too long)."
        )
    return None


def components(g: CaseGraph) -> list[list[str]]:
    """Connected components, largest first; entities in case order."""
    from workbench.graph import _shapes

    indptr, indices = g.adjacency()
    return [[g.ids[i] for i in np.sort(part)] for part in _shapes.components(g.n, indptr, indices)]


def communities(g: CaseGraph) -> list[list[str]]:
    """Louvain communities (networkx, seed 0: the same case gives the same answer), largest
    first; entities in case order. Isolated entities are communities of one."""
    import networkx as nx

    if g.n == 0:
        return []
    found = nx.community.louvain_communities(simple_graph(g), seed=0)
    parts = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    return [[g.ids[i] for i in part] for part in parts]


def common_neighbours(g: CaseGraph, a: str, b: str) -> list[str]:
    """Entities linked to both a and b (neither of them), in case order."""
    indptr, indices = g.adjacency()
    i, j = g.node(a), g.node(b)
    shared = np.intersect1d(indices[indptr[i] : indptr[i + 1]], indices[indptr[j] : indptr[j + 1]])
    return [g.ids[v] for v in shared if v not in (i, j)]


__all__ = [
    "BETWEENNESS_EXACT_LIMIT",
    "betweenness_samples",
    "centrality",
    "centrality_note",
    "common_neighbours",
    "communities",
    "components",
    "neighbourhood",
    "path_links",
    "shortest_paths",
    "simple_graph",
]
