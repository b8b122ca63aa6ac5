"""Layouts: shapes that must hold for each algorithm, pins, determinism, cancel, bad input."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from workbench.errors import ValidationError
from workbench.graph import layout
from workbench.graph.layout import ALGORITHMS, EDGE_LENGTH, LayoutCancelled, compute_layout
from workbench.graph.synthetic import investigation_graph

ROOT = Path(__file__).resolve().parents[2]


def edges_of(pairs: list[tuple[int, int]]) -> np.ndarray:
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def lengths(pos: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.hypot(*(pos[edges[:, 0]] - pos[edges[:, 1]]).T)


def two_cliques() -> np.ndarray:
    pairs = [(a, b) for a in range(6) for b in range(a + 1, 6)]
    pairs += [(a + 6, b + 6) for a, b in pairs]
    return edges_of([*pairs, (0, 6)])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_tiny_graphs_give_finite_positions(algorithm: str, n: int) -> None:
    pairs = [(i, (i + 1) % n) for i in range(n)] if n else []
    pos = compute_layout(n, edges_of(pairs), algorithm=algorithm)
    assert pos.shape == (n, 2)
    assert np.isfinite(pos).all()
    if n == 2:
        assert np.hypot(*(pos[0] - pos[1])) > 10  # two nodes never on top of each other


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_self_loops_parallel_links_and_isolated_nodes(algorithm: str) -> None:
    edges = edges_of([(0, 0), (0, 1), (1, 0), (0, 1), (1, 2), (2, 2)])
    pos = compute_layout(6, edges, algorithm=algorithm, groups=np.array([0, 0, 1, 1, 2, 2]))
    assert pos.shape == (6, 2) and np.isfinite(pos).all()
    gaps = np.hypot(*(pos[:, None, :] - pos[None, :, :]).transpose(2, 0, 1))
    assert gaps[~np.eye(6, dtype=bool)].min() > 20  # nobody stacked on anybody


def test_force_layout_keeps_clusters_together_at_the_promised_scale() -> None:
    edges = two_cliques()
    pos = compute_layout(12, edges)
    within = np.concatenate([lengths(pos, edges[:15]), lengths(pos, edges[15:30])])
    centre_a, centre_b = pos[:6].mean(axis=0), pos[6:].mean(axis=0)
    assert np.hypot(*(centre_a - centre_b)) > 1.5 * within.mean()
    assert 60 <= np.median(lengths(pos, edges)) <= 100


def test_force_layout_quality_on_an_investigation_shaped_graph() -> None:
    edges, _ = investigation_graph(1500, seed=3)
    pos = compute_layout(1500, edges)
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 1500, 5000), rng.integers(0, 1500, 5000)
    random_pairs = np.hypot(*(pos[a] - pos[b]).T).mean()
    assert lengths(pos, edges).mean() < 0.25 * random_pairs
    assert 60 <= np.median(lengths(pos, edges)) <= 100


def test_force_layout_is_deterministic_per_seed() -> None:
    edges, _ = investigation_graph(300, seed=1)
    first = compute_layout(300, edges, seed=7)
    assert np.array_equal(first, compute_layout(300, edges, seed=7))
    assert not np.allclose(first, compute_layout(300, edges, seed=8))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_pinned_nodes_never_move(algorithm: str) -> None:
    edges, groups = investigation_graph(200, seed=2)
    initial = compute_layout(200, edges, seed=1)
    initial[:10] += 1000.0
    pinned = np.zeros(200, dtype=bool)
    pinned[:10] = True
    pos = compute_layout(
        200, edges, algorithm=algorithm, initial=initial, pinned=pinned, groups=groups
    )
    assert np.array_equal(pos[:10], initial[:10])
    assert np.isfinite(pos).all()


def test_unpinned_start_positions_may_be_missing() -> None:
    initial = np.full((4, 2), np.nan)
    initial[0] = (500.0, 500.0)
    pinned = np.array([True, False, False, False])
    pos = compute_layout(4, edges_of([(0, 1), (1, 2), (2, 3)]), initial=initial, pinned=pinned)
    assert np.isfinite(pos).all() and tuple(pos[0]) == (500.0, 500.0)
    assert np.hypot(*(pos[1] - pos[0])) < 3 * EDGE_LENGTH


def test_hierarchical_puts_roots_on_top_and_links_between_adjacent_layers() -> None:
    tree = edges_of([(0, 1), (0, 2), (1, 3), (1, 4), (2, 5), (2, 6), (6, 7)])
    pos = compute_layout(8, tree, algorithm="hierarchical", roots=[0])
    assert pos[0, 1] == pos[:, 1].min()
    assert np.allclose(np.abs(pos[tree[:, 0], 1] - pos[tree[:, 1], 1]), 100.0)
    # barycentre ordering: children of 1 sit left of the children of 2, as 1 sits left of 2
    left, right = (1, 2) if pos[1, 0] < pos[2, 0] else (2, 1)
    kids = {1: [3, 4], 2: [5, 6]}
    assert pos[kids[left], 0].max() < pos[kids[right], 0].min()


def test_radial_puts_rings_at_growing_distance_from_the_root() -> None:
    tree = edges_of([(0, 1), (0, 2), (0, 3), (1, 4), (2, 5), (3, 6), (6, 7)])
    pos = compute_layout(8, tree, algorithm="radial", roots=[0])
    distance = np.hypot(*(pos - pos[0]).T)
    assert np.allclose(distance[[1, 2, 3]], distance[1])
    assert np.allclose(distance[[4, 5, 6]], distance[4])
    assert 0 < distance[1] < distance[4] < distance[7]


def test_circular_puts_every_node_on_one_circle() -> None:
    edges, _ = investigation_graph(100, seed=4)
    pos = compute_layout(100, edges, algorithm="circular")
    radius = np.hypot(*(pos - pos.mean(axis=0)).T)
    assert np.allclose(radius, radius[0])
    assert abs(radius[0] * 2 * np.pi / 100 - EDGE_LENGTH) < 1


def test_grouped_gives_every_group_its_own_region() -> None:
    edges, _ = investigation_graph(300, seed=5)
    groups = np.arange(300) % 3
    pos = compute_layout(300, edges, algorithm="grouped", groups=groups)
    boxes = [(pos[groups == g].min(axis=0), pos[groups == g].max(axis=0)) for g in range(3)]
    for i in range(3):
        for j in range(i + 1, 3):
            (lo1, hi1), (lo2, hi2) = boxes[i], boxes[j]
            overlap = (lo1 < hi2).all() and (lo2 < hi1).all()
            assert not overlap


def test_progress_rises_to_one_and_cancel_raises() -> None:
    edges, _ = investigation_graph(3000, seed=6)
    seen: list[float] = []
    compute_layout(3000, edges, iterations=40, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3
    calls = []

    def cancel_on_third_poll() -> bool:
        calls.append(1)
        return len(calls) >= 3

    with pytest.raises(LayoutCancelled):
        compute_layout(3000, edges, cancelled=cancel_on_third_poll)


def test_bad_input_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match=r"outside 0\.\.2"):
        compute_layout(3, edges_of([(0, 5)]))
    with pytest.raises(ValidationError, match="Unknown layout"):
        compute_layout(3, None, algorithm="spiral")
    with pytest.raises(ValidationError, match="current positions"):
        compute_layout(3, None, pinned=np.array([True, False, False]))
    with pytest.raises(ValidationError, match="integer"):
        compute_layout(3, np.array([[0.5, 1.0]]))
    with pytest.raises(ValidationError, match=r"\(3, 2\)"):
        compute_layout(3, None, initial=np.zeros((2, 2)))


def test_place_new_keeps_known_nodes_and_puts_new_ones_beside_their_neighbours() -> None:
    edges, _ = investigation_graph(400, seed=8)
    old = compute_layout(400, edges)
    known = np.ones(400, dtype=bool)
    known[[5, 50, 150, 399]] = False  # 399 is isolated in this graph's tail
    start = old.copy()
    start[~known] = np.nan
    pos = layout.place_new(start, known, edges)
    assert np.array_equal(pos[known], old[known])
    assert np.isfinite(pos).all()
    for v in (5, 50, 150):
        nbrs = np.concatenate([edges[edges[:, 0] == v, 1], edges[edges[:, 1] == v, 0]])
        assert np.hypot(*(pos[nbrs] - pos[v]).T).mean() < 2.5 * EDGE_LENGTH
        assert np.hypot(*(pos[known] - pos[v]).T).min() > 0.15 * EDGE_LENGTH


def test_place_new_with_nothing_known_lays_out_everything() -> None:
    edges = two_cliques()
    pos = layout.place_new(np.zeros((12, 2)), np.zeros(12, dtype=bool), edges)
    assert np.isfinite(pos).all() and 60 <= np.median(lengths(pos, edges)) <= 100


def test_kernels_release_the_gil_and_importing_workbench_does_not_import_numba() -> None:
    from workbench.graph import _kernels

    assert _kernels.fa2_iterations.targetoptions["nogil"] is True
    code = (
        "import sys, workbench, workbench.graph.layout, workbench.graph.view, "
        "workbench.graph.analysis, workbench.graph.merge, workbench.graph.duplicates; "
        "assert 'numba' not in sys.modules and 'networkx' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_jit_falls_back_to_no_cache_when_numba_cannot_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numba

    from workbench.graph import _jit

    real = numba.njit

    def picky(**options: object) -> object:
        if options.get("cache"):
            raise RuntimeError("cannot cache function: no locator available")
        return real(**options)

    monkeypatch.setattr(numba, "njit", picky)
    monkeypatch.setattr(_jit, "CACHING", True)

    def double(v: float) -> float:
        return v * 2

    assert _jit.jit(double)(2.0) == 4.0
    assert _jit.CACHING is False


def test_many_small_components_are_laid_out_together_and_fast() -> None:
    n = 6000
    pairs = np.arange(n).reshape(-1, 2)
    calls: list[float] = []
    compute_layout(n, pairs)  # compile outside the timing
    started = time.process_time()
    pos = compute_layout(n, pairs, progress=calls.append)
    assert time.process_time() - started < 5
    assert np.allclose(lengths(pos, pairs), EDGE_LENGTH)
    assert len(calls) <= 102  # throttled to whole percents
    centres = (pos[pairs[:, 0]] + pos[pairs[:, 1]]) / 2
    grid = np.round(centres / 10).astype(np.int64)
    assert len(np.unique(grid, axis=0)) == len(pairs)  # every pair has its own place
