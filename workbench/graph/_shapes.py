"""Edge cleaning, adjacency, component packing and the non-force layouts (hierarchical,
circular, radial), vectorised with numpy or compiled; all linear or n log n."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from workbench.errors import ValidationError

EDGE_LENGTH = 80.0  # scene units between linked neighbours
LAYER_GAP = 100.0  # hierarchical and radial: distance between layers / rings

Positions = NDArray[np.float64]
IntArray = NDArray[np.int64]


def clean_edges(n: int, edges: object) -> IntArray:
    """(m, 2) int64 undirected edges, each pair once, no self-loops; out-of-range refused."""
    if edges is None:
        return np.zeros((0, 2), np.int64)
    arr = np.asarray(edges)
    if arr.size == 0:
        return np.zeros((0, 2), np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValidationError(
            f"Layout edges must be an (m, 2) array of node indices; got shape {arr.shape}."
        )
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValidationError(f"Layout edges must hold integer node indices, not {arr.dtype}.")
    arr = arr.astype(np.int64, copy=False)
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        row = int(np.flatnonzero(bad.any(axis=1))[0])
        raise ValidationError(
            f"Layout edge {row} ({arr[row, 0]}, {arr[row, 1]}) names a node outside 0..{n - 1}; "
            "drop links whose ends are not in the graph before laying it out."
        )
    lo = np.minimum(arr[:, 0], arr[:, 1])
    hi = np.maximum(arr[:, 0], arr[:, 1])
    keep = lo != hi
    pairs = np.unique(lo[keep] * np.int64(max(n, 1)) + hi[keep])
    return np.stack([pairs // max(n, 1), pairs % max(n, 1)], axis=1).astype(np.int64)


def adjacency(n: int, edges: IntArray) -> tuple[IntArray, IntArray]:
    """CSR (indptr, indices) of the undirected graph; neighbours sorted by index."""
    if len(edges) == 0:
        return np.zeros(n + 1, np.int64), np.zeros(0, np.int64)
    both = np.concatenate([edges, edges[:, ::-1]])
    order = np.lexsort((both[:, 1], both[:, 0]))
    both = both[order]
    counts = np.bincount(both[:, 0], minlength=n)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, both[:, 1].copy()


def components(n: int, indptr: IntArray, indices: IntArray) -> list[IntArray]:
    """Node index arrays of the connected components, largest first (ties: lowest index)."""
    from workbench.graph import _graph_kernels

    if n == 0:
        return []
    label = _graph_kernels.component_labels(indptr, indices, n)
    order = np.argsort(label, kind="stable")
    sizes = np.bincount(label)
    parts = np.split(order, np.cumsum(sizes)[:-1])
    parts.sort(key=lambda p: (-len(p), int(p[0])))
    return parts


def subgraph(nodes: IntArray, edges: IntArray, n: int) -> IntArray:
    """Edges among `nodes`, renumbered to positions in `nodes`."""
    local = np.full(n, -1, np.int64)
    local[nodes] = np.arange(len(nodes))
    if len(edges) == 0:
        return np.zeros((0, 2), np.int64)
    mapped = local[edges]
    return mapped[(mapped >= 0).all(axis=1)]


def pack(
    blocks: Sequence[Positions], *, below: tuple[float, float, float] | None = None
) -> list[Positions]:
    """Shelf-pack laid-out blocks (in the given order) into rows, a gap of one edge length
    between them. `below=(x0, y1, width)` starts under an occupied region instead of at 0."""
    if not blocks:
        return []
    boxes = []
    for block in blocks:
        lo = block.min(axis=0)
        hi = block.max(axis=0)
        boxes.append((lo, hi - lo + EDGE_LENGTH))
    area = sum(float(size[0] * size[1]) for _, size in boxes)
    widest = max(float(size[0]) for _, size in boxes)
    row_width = max(widest, math.sqrt(area) * 1.2, below[2] if below else 0.0)
    x0 = below[0] if below else 0.0
    x, y = x0, (below[1] + EDGE_LENGTH if below else 0.0)
    row_height = 0.0
    placed = []
    for block, (lo, size) in zip(blocks, boxes, strict=True):
        if x > x0 and x - x0 + size[0] > row_width:
            x = x0
            y += row_height
            row_height = 0.0
        placed.append(block - lo + np.array([x, y]))
        x += float(size[0])
        row_height = max(row_height, float(size[1]))
    return placed


def grid_block(count: int) -> Positions:
    """`count` points on a square grid, one edge length apart."""
    side = max(1, math.ceil(math.sqrt(count)))
    k = np.arange(count)
    return np.stack([(k % side) * EDGE_LENGTH, (k // side) * EDGE_LENGTH], axis=1).astype(
        np.float64
    )


def default_root(nodes: IntArray, degree: IntArray) -> int:
    return int(nodes[np.argmax(degree[nodes])])


def hierarchical(
    n: int, indptr: IntArray, indices: IntArray, roots: IntArray, degree: IntArray
) -> Positions:
    """Layers by breadth-first distance from the roots (top to bottom), each layer ordered by
    the barycentre of its neighbours in the layer above, then refined bottom-up and top-down."""
    from workbench.graph import _graph_kernels

    layer, _parent = _graph_kernels.bfs_layers(indptr, indices, roots, n)
    rank = _graph_kernels.barycentre_order(indptr, indices, layer, 3)
    x = rank.astype(np.float64) * EDGE_LENGTH
    # centre every layer under the first
    layer = np.maximum(layer, 0)  # nodes of other components: ignored by the caller
    width = np.bincount(layer).astype(np.float64)
    x -= (width[layer] - 1.0) * EDGE_LENGTH / 2.0
    return np.stack([x, layer * LAYER_GAP], axis=1)


def radial(n: int, indptr: IntArray, indices: IntArray, roots: IntArray) -> Positions:
    """Roots in the centre, then rings by breadth-first distance; each ring ordered by the
    angle of the parent so subtrees stay together. Unreached nodes get position NaN."""
    from workbench.graph import _graph_kernels

    layer, parent = _graph_kernels.bfs_layers(indptr, indices, roots, n)
    pos = np.full((n, 2), np.nan)
    reached = layer >= 0
    if not reached.any():
        return pos
    depth = int(layer.max())
    angle = np.zeros(n)
    radius = 0.0
    for ring in range(depth + 1):
        members = np.flatnonzero(layer == ring)
        if ring == 0:
            key = np.zeros(len(members))
            radius = 0.0 if len(members) == 1 else len(members) * EDGE_LENGTH / (2 * math.pi)
            radius = max(radius, EDGE_LENGTH / 2 if len(members) > 1 else 0.0)
        else:
            key = angle[parent[members]]
            radius = max(radius + LAYER_GAP, len(members) * EDGE_LENGTH / (2 * math.pi))
        order = members[np.lexsort((members, key))]
        if ring == 0:
            theta = 2 * math.pi * np.arange(len(order)) / max(len(order), 1)
        else:
            # spread evenly, starting where the first parent sits, so rings do not twist
            start = key.min() if len(key) else 0.0
            theta = start + 2 * math.pi * np.arange(len(order)) / len(order)
        angle[order] = theta
        pos[order, 0] = radius * np.cos(theta)
        pos[order, 1] = radius * np.sin(theta)
    return pos


def circular(n: int, parts: list[IntArray], indptr: IntArray, indices: IntArray) -> Positions:
    """One circle, one edge length between neighbours on it; components one after another,
    each in breadth-first order from its highest-degree node so linked nodes sit close."""
    from workbench.graph import _graph_kernels

    degree = np.diff(indptr)
    order_parts = []
    for nodes in parts:
        root = np.array([default_root(nodes, degree)], np.int64)
        layer, _ = _graph_kernels.bfs_layers(indptr, indices, root, n)
        sub = nodes[np.lexsort((nodes, layer[nodes]))]
        order_parts.append(sub)
    order = np.concatenate(order_parts) if order_parts else np.zeros(0, np.int64)
    radius = 0.0 if n == 1 else max(EDGE_LENGTH / 2, n * EDGE_LENGTH / (2 * math.pi))
    theta = 2 * math.pi * np.arange(n) / max(n, 1)
    pos = np.zeros((n, 2))
    pos[order, 0] = radius * np.cos(theta)
    pos[order, 1] = radius * np.sin(theta)
    return pos
