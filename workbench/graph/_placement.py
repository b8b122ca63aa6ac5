"""Incremental placement: new nodes go next to the nodes they link to; known nodes stay put."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from workbench.errors import ValidationError
from workbench.graph import _shapes
from workbench.graph._shapes import EDGE_LENGTH, IntArray, Positions

CANDIDATES = 16
MIN_GAP = 0.5 * EDGE_LENGTH


class _Grid:
    """Uniform grid of occupied points for "is this spot free" queries."""

    def __init__(self, pos: Positions, nodes: IntArray):
        self.cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
        for x, y in pos[nodes]:
            self.add(float(x), float(y))

    @staticmethod
    def key(x: float, y: float) -> tuple[int, int]:
        return (math.floor(x / EDGE_LENGTH), math.floor(y / EDGE_LENGTH))

    def add(self, x: float, y: float) -> None:
        self.cells.setdefault(self.key(x, y), []).append((x, y))

    def nearest(self, x: float, y: float) -> float:
        gx, gy = self.key(x, y)
        best = math.inf
        for ox in (-1, 0, 1):
            for oy in (-1, 0, 1):
                for px, py in self.cells.get((gx + ox, gy + oy), ()):
                    best = min(best, (px - x) ** 2 + (py - y) ** 2)
        return math.sqrt(best)


def _spot(grid: _Grid, cx: float, cy: float, radius: float, phase: float) -> tuple[float, float]:
    """A free point on rings around (cx, cy): the first candidate angle far enough from every
    placed node, else the roomiest one found on up to four widening rings."""
    best, best_gap = (cx + radius, cy), -1.0
    for ring in range(4):
        r = radius + ring * EDGE_LENGTH * 0.75
        for c in range(CANDIDATES):
            angle = 2 * math.pi * (phase + c / CANDIDATES)
            x, y = cx + r * math.cos(angle), cy + r * math.sin(angle)
            gap = grid.nearest(x, y)
            if gap >= MIN_GAP:
                return x, y
            if gap > best_gap:
                best, best_gap = (x, y), gap
    return best


def place_new(
    positions: Positions,
    known: NDArray[np.bool_],
    edges: NDArray[np.integer] | None,
    *,
    iterations: int = 60,
    seed: int = 0,
) -> Positions:
    from workbench.graph import _graph_kernels, layout

    pos = np.array(positions, dtype=np.float64, copy=True)
    if pos.ndim != 2 or pos.shape[1] != 2:
        raise ValidationError(f"Positions must be an (n, 2) array; got shape {pos.shape}.")
    n = len(pos)
    known = np.asarray(known, dtype=np.bool_)
    if known.shape != (n,):
        raise ValidationError(f"Known flags must be ({n},); got {known.shape}.")
    if known.any() and not np.isfinite(pos[known]).all():
        raise ValidationError("Every known node needs a finite position.")
    clean = _shapes.clean_edges(n, edges)
    if not known.any():
        return layout.compute_layout(n, clean, seed=seed)
    if known.all():
        return pos
    rng = np.random.default_rng(seed)
    indptr, indices = _shapes.adjacency(n, clean)
    known_idx = np.flatnonzero(known)
    layer, _parent = _graph_kernels.bfs_layers(indptr, indices, known_idx, n)
    new = np.flatnonzero(~known)
    reachable = new[layer[new] > 0]
    reachable = reachable[np.lexsort((reachable, layer[reachable]))]
    placed = known.copy()
    grid = _Grid(pos, known_idx)
    for v in reachable:
        nbrs = indices[indptr[v] : indptr[v + 1]]
        anchors = nbrs[placed[nbrs]]
        cx, cy = pos[anchors].mean(axis=0)
        radius = EDGE_LENGTH if len(anchors) == 1 else EDGE_LENGTH * 0.5
        x, y = _spot(grid, float(cx), float(cy), radius, float(rng.random()))
        pos[v] = (x, y)
        placed[v] = True
        grid.add(x, y)
    stray = new[layer[new] < 0]
    if len(stray):
        sub = _shapes.subgraph(stray, clean, n)
        block = layout.compute_layout(len(stray), sub, seed=seed)
        lo, hi = pos[placed].min(axis=0), pos[placed].max(axis=0)
        pos[stray] = block - block.min(axis=0) + np.array([hi[0] + 2 * EDGE_LENGTH, lo[1]])
    if len(reachable) and iterations > 0:
        _relax(pos, known, reachable, clean, iterations)
    return pos


def _relax(
    pos: Positions, known: NDArray[np.bool_], moved: IntArray, edges: IntArray, iterations: int
) -> None:
    """A short local relaxation of the new nodes only: springs of one edge length to their
    neighbours, a push away from any node closer than the minimum gap, steps capped."""
    n = len(pos)
    is_new = np.zeros(n, np.bool_)
    is_new[moved] = True
    springs = edges[is_new[edges[:, 0]] | is_new[edges[:, 1]]]
    springs = np.concatenate([springs, springs[:, ::-1]])
    springs = springs[is_new[springs[:, 0]]]  # (new node, neighbour) pairs
    # repulsion candidates: every node in the cells around each new node's first spot
    cells = np.floor(pos / EDGE_LENGTH).astype(np.int64)
    keys = cells[:, 0] * 4_000_003 + cells[:, 1]
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    pairs = []
    for ox in (-2, -1, 0, 1, 2):
        for oy in (-2, -1, 0, 1, 2):
            wanted = (cells[moved, 0] + ox) * 4_000_003 + cells[moved, 1] + oy
            lo = np.searchsorted(sorted_keys, wanted, side="left")
            hi = np.searchsorted(sorted_keys, wanted, side="right")
            counts = hi - lo
            if counts.sum() == 0:
                continue
            owner = np.repeat(moved, counts)
            offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            pairs.append(np.stack([owner, order[np.repeat(lo, counts) + offsets]], axis=1))
    near = np.concatenate(pairs) if pairs else np.zeros((0, 2), np.int64)
    near = near[near[:, 0] != near[:, 1]]
    cap = EDGE_LENGTH / 8
    for _ in range(iterations):
        force = np.zeros((n, 2))
        if len(springs):
            delta = pos[springs[:, 1]] - pos[springs[:, 0]]
            dist = np.maximum(np.hypot(delta[:, 0], delta[:, 1]), 1e-6)
            pull = ((dist - EDGE_LENGTH) / dist)[:, None] * delta * 0.25
            np.add.at(force, springs[:, 0], pull)
        if len(near):
            delta = pos[near[:, 0]] - pos[near[:, 1]]
            dist = np.maximum(np.hypot(delta[:, 0], delta[:, 1]), 1e-6)
            close = dist < MIN_GAP * 1.5
            push = ((MIN_GAP * 1.5 - dist[close]) / dist[close])[:, None] * delta[close] * 0.5
            np.add.at(force, near[close, 0], push)
        step = force[moved]
        length = np.maximum(np.hypot(step[:, 0], step[:, 1]), 1e-12)
        step *= np.minimum(1.0, cap / length)[:, None]
        pos[moved] += step
