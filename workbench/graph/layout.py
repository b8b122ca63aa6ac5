"""Graph layouts for the canvas: positions in scene units, about 60-100 between neighbours.

`compute_layout` runs force-directed (ForceAtlas2 with Barnes-Hut repulsion, compiled by
numba), hierarchical, circular, radial and grouped layouts; `place_new` puts newly arrived
nodes next to their known neighbours without moving anything else. Every layout handles
self-loops, parallel edges, empty and one-node graphs and never returns NaN. The compiled
kernels release the GIL, so a worker thread can run them while the window stays live;
progress and cancel are polled between batches of iterations.

numba is imported inside the functions, never at `workbench` import time (it costs about half
a second); `warm_up()` compiles (or loads from the cache) the force-layout kernels ahead of
first use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from workbench.errors import ValidationError, WorkbenchError
from workbench.graph import _shapes
from workbench.graph._shapes import EDGE_LENGTH, IntArray, Positions

ALGORITHMS = ("force", "hierarchical", "circular", "radial", "grouped")

Progress = Callable[[float], None]
Cancelled = Callable[[], bool]

# ForceAtlas2 runs in its own units (repulsion scaling 2, so two linked leaves settle about
# 2.8 apart); UNIT converts them to scene units.
KR = 2.0
UNIT = EDGE_LENGTH / (2.0 * math.sqrt(KR))
THETA = 1.2
LEAF_SIZE = 16
SMALL_COMPONENT = 50  # components smaller than this are laid out together in one call


class LayoutCancelled(WorkbenchError):
    """The layout was cancelled; nothing was changed."""


def default_iterations(n: int) -> int:
    """Iterations enough for a settled picture: more for small graphs (cheap), fewer for
    huge ones (each costs O(n log n))."""
    if n <= 1000:
        return 300
    if n <= 5000:
        return 200
    if n <= 20_000:
        return 100
    return 80


class _Steps:
    """Maps progress of the current part onto the caller's 0..1 and polls cancel."""

    def __init__(self, progress: Progress | None, cancelled: Cancelled | None, total: float):
        self.progress = progress
        self.cancelled = cancelled
        self.total = max(total, 1.0)
        self.done = 0.0
        self.reported = -1.0

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise LayoutCancelled("Layout cancelled; the positions were left as they were.")

    def advance(self, amount: float) -> None:
        """Count work done; report at most every 1% (a graph of 10k tiny components must not
        flood the UI with 10k progress signals)."""
        self.done += amount
        fraction = min(1.0, self.done / self.total)
        if self.progress is not None and (
            fraction - self.reported >= 0.01 or (fraction == 1.0 > self.reported)
        ):
            self.reported = fraction
            self.progress(fraction)
        self.check()


def _force_block(
    n: int,
    edges: IntArray,
    start: Positions,
    pinned: NDArray[np.bool_],
    iterations: int,
    steps: _Steps,
    *,
    mass: NDArray[np.float64] | None = None,
    gravity: float = 1.0,
    max_step: float = 1e9,
) -> Positions:
    """ForceAtlas2 on one block; `start` and the result are in scene units."""
    from workbench.graph import _kernels

    x = np.ascontiguousarray(start[:, 0] / UNIT)
    y = np.ascontiguousarray(start[:, 1] / UNIT)
    if mass is None:
        mass = np.bincount(edges.ravel(), minlength=n).astype(np.float64) + 1.0
    src = np.ascontiguousarray(edges[:, 0])
    dst = np.ascontiguousarray(edges[:, 1])
    state = np.array([1.0, 1.0])
    prev_fx = np.zeros(n)
    prev_fy = np.zeros(n)
    if pinned.any():
        gx, gy = float(x[pinned].mean()), float(y[pinned].mean())
    else:
        gx, gy = float(x.mean()), float(y.mean())
    jitter = 0.1 if n < 5000 else (1.0 if n < 50_000 else 10.0)
    batch = max(1, min(25, iterations // 10)) if n > 2000 else iterations
    done = 0
    while done < iterations:
        steps.check()
        count = min(batch, iterations - done)
        _kernels.fa2_iterations(
            x, y, mass, src, dst, pinned, count, state, prev_fx, prev_fy,
            KR, gravity, gx, gy, THETA, max_step / UNIT, jitter, LEAF_SIZE,
        )  # fmt: skip
        done += count
        steps.advance(count * n)
    return np.stack([x * UNIT, y * UNIT], axis=1)


def _random_start(n: int, rng: np.random.Generator, centre: NDArray[np.float64]) -> Positions:
    radius = EDGE_LENGTH * math.sqrt(max(n, 1)) * 0.6
    r = radius * np.sqrt(rng.random(n))
    t = rng.random(n) * 2 * math.pi
    return np.stack([centre[0] + r * np.cos(t), centre[1] + r * np.sin(t)], axis=1)


def _normalise(pos: Positions, edges: IntArray) -> Positions:
    """Scale so the median edge is one edge length, centred at 0 (free blocks only)."""
    pos = pos - pos.mean(axis=0)
    if len(edges):
        lengths = np.hypot(*(pos[edges[:, 0]] - pos[edges[:, 1]]).T)
        median = float(np.median(lengths))
        if median > 1e-9:
            pos *= EDGE_LENGTH / median
    return pos


def _force(
    n: int,
    edges: IntArray,
    initial: Positions | None,
    pinned: NDArray[np.bool_],
    iterations: int | None,
    steps: _Steps,
    seed: int,
) -> Positions:
    """Each connected component on its own (so small ones cannot drift away), then packed:
    components holding pinned nodes stay where they are, the others are shelf-packed in rows
    below them, largest first; isolated nodes go in a grid at the end."""
    rng = np.random.default_rng(seed)
    indptr, indices = _shapes.adjacency(n, edges)
    parts = _shapes.components(n, indptr, indices)
    result = np.zeros((n, 2))
    fixed_parts: list[IntArray] = []
    free_blocks: list[tuple[IntArray, Positions]] = []
    singles = [p for p in parts if len(p) == 1 and not pinned[p[0]]]
    small = [p for p in parts if 1 < len(p) < SMALL_COMPONENT and not pinned[p].any()]
    for nodes in parts:
        if len(nodes) < SMALL_COMPONENT and not pinned[nodes].any():
            continue
        sub = _shapes.subgraph(nodes, edges, n)
        local_pinned = pinned[nodes]
        start = _random_start(len(nodes), rng, np.zeros(2))
        if initial is not None:
            given = initial[nodes]
            ok = np.isfinite(given).all(axis=1)
            start[ok] = given[ok]
            if local_pinned.any() and not ok.all():
                start[~ok] += given[ok].mean(axis=0)
        rounds = iterations or default_iterations(len(nodes))
        if len(nodes) < 50:
            rounds = min(rounds, 200)
        pos = _force_block(len(nodes), sub, start, local_pinned, rounds, steps)
        if local_pinned.any():
            result[nodes] = pos
            fixed_parts.append(nodes)
        else:
            free_blocks.append((nodes, _normalise(pos, sub)))
    if small:
        free_blocks.extend(_small_components(n, edges, small, initial, iterations, steps, rng))
    if singles:
        nodes = np.concatenate(singles)
        free_blocks.append((nodes, _shapes.grid_block(len(nodes))))
    below = None
    if fixed_parts:
        fixed = result[np.concatenate(fixed_parts)]
        lo, hi = fixed.min(axis=0), fixed.max(axis=0)
        below = (float(lo[0]), float(hi[1]), float(hi[0] - lo[0]))
    placed = _shapes.pack([b for _, b in free_blocks], below=below)
    for (nodes, _), pos in zip(free_blocks, placed, strict=True):
        result[nodes] = pos
    if not fixed_parts and n:
        result -= (result.min(axis=0) + result.max(axis=0)) / 2
    return result


def _small_components(
    n: int,
    edges: IntArray,
    parts: list[IntArray],
    initial: Positions | None,
    iterations: int | None,
    steps: _Steps,
    rng: np.random.Generator,
) -> list[tuple[IntArray, Positions]]:
    """Components under SMALL_COMPONENT nodes, laid out in one compiled call."""
    from workbench.graph import _kernels

    nodes = np.concatenate(parts)
    sizes = np.array([len(p) for p in parts], dtype=np.int64)
    node_off = np.zeros(len(parts) + 1, np.int64)
    np.cumsum(sizes, out=node_off[1:])
    slot = np.empty(n, np.int64)
    slot[nodes] = np.arange(len(nodes))
    owner = np.repeat(np.arange(len(parts)), sizes)
    ends = slot[edges]  # every edge of these components has both ends among `nodes`
    mine = np.zeros(n, np.bool_)
    mine[nodes] = True
    ends = ends[mine[edges[:, 0]]] if len(edges) else np.zeros((0, 2), np.int64)
    comp = owner[ends[:, 0]]
    order = np.argsort(comp, kind="stable")
    ends, comp = ends[order], comp[order]
    edge_off = np.zeros(len(parts) + 1, np.int64)
    np.cumsum(np.bincount(comp, minlength=len(parts)), out=edge_off[1:])
    local = ends - node_off[comp][:, None]
    radius = EDGE_LENGTH * np.sqrt(sizes[owner]) * 0.6
    r, t = radius * np.sqrt(rng.random(len(nodes))), rng.random(len(nodes)) * 2 * math.pi
    x, y = r * np.cos(t), r * np.sin(t)
    if initial is not None:
        given = initial[nodes]
        ok = np.isfinite(given).all(axis=1)
        x[ok], y[ok] = given[ok, 0], given[ok, 1]
    x, y = np.ascontiguousarray(x / UNIT), np.ascontiguousarray(y / UNIT)
    mass = np.bincount(ends.ravel(), minlength=len(nodes)).astype(np.float64) + 1.0
    rounds = min(iterations or 200, 200)
    steps.check()
    _kernels.small_components(
        x, y, mass, node_off, np.ascontiguousarray(local[:, 0]),
        np.ascontiguousarray(local[:, 1]), edge_off, rounds, KR, 1.0, THETA, 0.1, LEAF_SIZE,
    )  # fmt: skip
    steps.advance(float(rounds * len(nodes)))
    pos = _centre_and_scale(np.stack([x, y], axis=1), owner, sizes, ends, edge_off)
    return [(part, pos[node_off[c] : node_off[c + 1]]) for c, part in enumerate(parts)]


def _centre_and_scale(
    pos: Positions, owner: IntArray, sizes: IntArray, ends: IntArray, edge_off: IntArray
) -> Positions:
    """Every component centred on 0 with its median link EDGE_LENGTH long (vectorised over
    all components; `ends` are sorted by component, `edge_off` delimits them)."""
    count = len(sizes)
    for axis in range(2):
        pos[:, axis] -= (np.bincount(owner, pos[:, axis], count) / sizes)[owner]
    per_comp = np.diff(edge_off)
    scale = np.ones(count)
    if len(ends):
        comp = np.repeat(np.arange(count), per_comp)
        lengths = np.hypot(*(pos[ends[:, 0]] - pos[ends[:, 1]]).T)
        ordered = lengths[np.lexsort((lengths, comp))]
        has = per_comp > 0
        lo = edge_off[:-1][has] + (per_comp[has] - 1) // 2
        hi = edge_off[:-1][has] + per_comp[has] // 2
        median = (ordered[lo] + ordered[hi]) / 2
        scale[has] = np.where(median > 1e-9, EDGE_LENGTH / np.maximum(median, 1e-9), UNIT)
        scale[~has] = UNIT
    else:
        scale[:] = UNIT
    result: Positions = pos * scale[owner][:, None]
    return result


def _per_component(
    n: int,
    edges: IntArray,
    roots: IntArray,
    shape: Callable[[IntArray, IntArray], Positions],
) -> Positions:
    """Lay out every component with `shape(nodes, local_roots)` and pack them."""
    indptr, indices = _shapes.adjacency(n, edges)
    parts = _shapes.components(n, indptr, indices)
    degree = np.diff(indptr)
    is_root = np.zeros(n, np.bool_)
    is_root[roots] = True
    blocks = []
    for nodes in parts:
        local_roots = nodes[is_root[nodes]]
        if len(local_roots) == 0:
            local_roots = np.array([_shapes.default_root(nodes, degree)], np.int64)
        blocks.append(shape(nodes, local_roots))
    result = np.zeros((n, 2))
    for nodes, pos in zip(parts, _shapes.pack(blocks), strict=True):
        result[nodes] = pos
    return result


def _tree_layout(n: int, edges: IntArray, roots: IntArray, kind: str) -> Positions:
    indptr, indices = _shapes.adjacency(n, edges)
    degree = np.diff(indptr)

    def shape(nodes: IntArray, local_roots: IntArray) -> Positions:
        if kind == "hierarchical":
            pos = _shapes.hierarchical(n, indptr, indices, local_roots, degree)
        else:
            pos = _shapes.radial(n, indptr, indices, local_roots)
        return pos[nodes]

    return _per_component(n, edges, roots, shape)


def _grouped(
    n: int,
    edges: IntArray,
    groups: NDArray[np.int64],
    iterations: int | None,
    steps: _Steps,
    seed: int,
) -> Positions:
    """Every group laid out force-directed on the links inside it, in its own region."""
    _labels, inverse = np.unique(groups, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    members = np.split(order, np.cumsum(np.bincount(inverse))[:-1])
    members.sort(key=lambda m: (-len(m), int(m[0])))
    blocks = []
    for nodes in members:
        sub = _shapes.subgraph(nodes, edges, n)
        none = np.zeros(len(nodes), np.bool_)
        blocks.append(_force(len(nodes), sub, None, none, iterations, steps, seed))
    result = np.zeros((n, 2))
    for nodes, pos in zip(members, _shapes.pack(blocks), strict=True):
        result[nodes] = pos
    result -= (result.min(axis=0) + result.max(axis=0)) / 2
    return result


def _check(
    n: int,
    algorithm: str,
    initial: Positions | None,
    pinned: NDArray[np.bool_] | None,
    groups: NDArray[np.int64] | None,
    roots: Sequence[int],
) -> tuple[Positions | None, NDArray[np.bool_], NDArray[np.int64] | None, IntArray]:
    if algorithm not in ALGORITHMS:
        raise ValidationError(
            f"Unknown layout {algorithm!r}; choose one of {', '.join(ALGORITHMS)}."
        )
    if n < 0:
        raise ValidationError(f"A graph cannot have {n} nodes.")
    init = None
    if initial is not None:
        init = np.asarray(initial, dtype=np.float64)
        if init.shape != (n, 2):
            raise ValidationError(f"Initial positions must be ({n}, 2); got {init.shape}.")
    pin = np.zeros(n, np.bool_)
    if pinned is not None:
        pin = np.asarray(pinned, dtype=np.bool_)
        if pin.shape != (n,):
            raise ValidationError(f"Pinned flags must be ({n},); got {pin.shape}.")
        if pin.any() and (init is None or not np.isfinite(init[pin]).all()):
            raise ValidationError(
                "Pinned nodes need their current positions: pass `initial` with finite "
                "positions for every pinned node."
            )
    grp = None
    if groups is not None:
        grp = np.asarray(groups)
        if grp.shape != (n,) or not np.issubdtype(grp.dtype, np.integer):
            raise ValidationError(f"Groups must be ({n},) integers; got {grp.shape} {grp.dtype}.")
        grp = grp.astype(np.int64)
    root_arr = np.asarray(list(roots), dtype=np.int64)
    if len(root_arr) and ((root_arr < 0) | (root_arr >= n)).any():
        raise ValidationError(f"Layout roots must be node indices in 0..{n - 1}.")
    return init, pin, grp, root_arr


def compute_layout(
    n: int,
    edges: NDArray[np.integer] | None,
    *,
    algorithm: str = "force",
    initial: Positions | None = None,
    pinned: NDArray[np.bool_] | None = None,
    groups: NDArray[np.int64] | None = None,
    roots: Sequence[int] = (),
    iterations: int | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    seed: int = 0,
) -> Positions:
    """Positions in scene units, about 60-100 units between linked neighbours.

    Deterministic for a given seed. Pinned nodes keep their `initial` positions exactly.
    Raises LayoutCancelled when `cancelled()` turns true (polled between batches).
    """
    init, pin, grp, root_arr = _check(n, algorithm, initial, pinned, groups, roots)
    clean = _shapes.clean_edges(n, edges)
    steps = _Steps(progress, cancelled, float(n) * (iterations or default_iterations(n)))
    steps.check()
    if n == 0:
        return np.zeros((0, 2))
    if algorithm == "force":
        pos = _force(n, clean, init, pin, iterations, steps, seed)
    elif algorithm == "grouped":
        grp = grp if grp is not None else np.zeros(n, np.int64)
        pos = _grouped(n, clean, grp, iterations, steps, seed)
    elif algorithm == "circular":
        indptr, indices = _shapes.adjacency(n, clean)
        pos = _shapes.circular(n, _shapes.components(n, indptr, indices), indptr, indices)
    else:
        pos = _tree_layout(n, clean, root_arr, algorithm)
        pos -= (pos.min(axis=0) + pos.max(axis=0)) / 2
    if init is not None and pin.any():
        if algorithm != "force":
            # fixed shapes ignore pins while placing; keep the layout near the pinned nodes
            free = ~pin
            pos[free] += init[pin].mean(axis=0) - pos[pin].mean(axis=0)
        pos[pin] = init[pin]
    bad = ~np.isfinite(pos).all(axis=1)
    if bad.any():  # defensive: never hand NaN to the canvas
        pos[bad] = _shapes.grid_block(int(bad.sum())) + np.nan_to_num(pos[~bad].max(axis=0))
    steps.done = steps.total
    steps.advance(0.0)
    return pos


def place_new(
    positions: Positions,
    known: NDArray[np.bool_],
    edges: NDArray[np.integer] | None,
    *,
    iterations: int = 60,
    seed: int = 0,
) -> Positions:
    """Nodes not `known` are placed near their known neighbours (on a ring around the
    neighbours' centroid, jittered, avoiding overlap), then a short local relaxation moves
    only them; known nodes never move. Nodes with no path to a known node are laid out on
    their own and put beside the known ones."""
    from workbench.graph import _placement

    return _placement.place_new(positions, known, edges, iterations=iterations, seed=seed)


def warm_up() -> None:
    """Compile (or load from the numba cache) the force-layout kernels, the ones every graph
    opens with; call in a background thread. The other layouts compile their own small
    kernels (a second or two, once per machine) when first chosen."""
    ring = np.array([[0, 1], [1, 2], [2, 3], [3, 0], [3, 4]], np.int64)
    compute_layout(5, ring, iterations=3)  # small components: one compiled call for all
    # a component big enough for the Barnes-Hut path (the small ones use exact sums)
    chain = np.stack([np.arange(99), np.arange(1, 100)], axis=1)
    compute_layout(100, chain, iterations=2)


__all__ = [
    "ALGORITHMS",
    "EDGE_LENGTH",
    "LayoutCancelled",
    "compute_layout",
    "default_iterations",
    "place_new",
    "warm_up",
]
