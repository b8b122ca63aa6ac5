"""Synthetic investigation-shaped graphs for benchmarks and scale tests.

Shaped like an imported back-end export rather than a random graph: a few hubs (shared
infrastructure, a popular contact) linked to many nodes, communities grown as random trees
with a few extra links inside them, sparse links between communities, and some small separate
components and isolated nodes. About two links per node.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def investigation_graph(n: int, *, seed: int = 0) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(edges (m, 2), community id per node) for `n` nodes."""
    rng = np.random.default_rng(seed)
    if n < 2:
        return np.zeros((0, 2), np.int64), np.zeros(n, np.int64)
    isolated = n // 100
    core = n - isolated
    hubs = min(core, 3 + n // 5000)
    # community sizes: heavy-tailed, 5..500 nodes
    sizes: list[int] = []
    left = core - hubs
    while left > 0:
        size = int(min(left, max(5, rng.pareto(1.5) * 20)))
        size = min(size, 500)
        sizes.append(size)
        left -= size
    community = np.zeros(n, np.int64)
    edges: list[NDArray[np.int64]] = []
    start = hubs
    for c, size in enumerate(sizes):
        nodes = np.arange(start, start + size)
        community[nodes] = c + 1
        if size > 1:
            # random recursive tree: every node links to an earlier one (preferring recent)
            parent = (rng.random(size - 1) * np.arange(1, size)).astype(np.int64)
            edges.append(np.stack([nodes[1:], nodes[parent]], axis=1))
            extra = size // 2
            a = rng.integers(0, size, extra)
            b = rng.integers(0, size, extra)
            edges.append(np.stack([nodes[a], nodes[b]], axis=1))
        start += size
    community[core:] = -1
    community[:hubs] = 0
    # hubs: each touches ~4% of the nodes, concentrated in a few communities
    for h in range(hubs):
        count = max(1, core // 25)
        targets = rng.integers(hubs, core, count)
        edges.append(np.stack([np.full(count, h), targets], axis=1))
    # links between communities
    bridges = max(1, core // 20)
    a = rng.integers(hubs, core, bridges)
    b = rng.integers(hubs, core, bridges)
    edges.append(np.stack([a, b], axis=1))
    # small separate components among the "isolated" tail: pairs
    if isolated >= 4:
        tail = np.arange(core, core + isolated // 2 * 2).reshape(-1, 2)[::2]
        edges.append(tail)
    all_edges = np.concatenate(edges).astype(np.int64)
    return all_edges, community


__all__ = ["investigation_graph"]
