"""Force-directed layout speed and quality, against networkx `spring_layout` in this process.

Target (issue 9): 20k nodes under 3 s after JIT warm-up; also the ratio against networkx's
spring_layout on the same --baseline-nodes graph. Graphs are shaped like an investigation
(a few hubs, communities grown as trees, sparse bridges, small separate parts; about two
links per node: `workbench.graph.synthetic`).

Prints, as wall time and this process's CPU time (the machine may be shared): the JIT
compile (fresh process, empty numba cache) and the warm-up here (cache load), the force
layout time at --nodes (and --extra-nodes) and at --baseline-nodes with the ratio against
networkx, and layout quality: the mean link length against the mean distance of random
pairs (a broken layout scores near 1; exit 1 above QUALITY_LIMIT), for ours and networkx's.

Usage: python benchmarks/graph_layout.py [--nodes 20000] [--baseline-nodes 2000]
           [--extra-nodes 100000]        CI: --nodes 2000 --baseline-nodes 500
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

import numpy as np

QUALITY_LIMIT = 0.35


def quality(pos: np.ndarray, edges: np.ndarray) -> float:
    """Mean link length / mean distance between random pairs (lower is better)."""
    rng = np.random.default_rng(1)
    n = len(pos)
    a, b = rng.integers(0, n, 20_000), rng.integers(0, n, 20_000)
    links = np.hypot(*(pos[edges[:, 0]] - pos[edges[:, 1]]).T).mean()
    pairs = np.hypot(*(pos[a] - pos[b]).T).mean()
    return float(links / pairs)


def networkx_spring(graph: Any) -> tuple[np.ndarray, str]:
    """networkx spring_layout (50 iterations, its default). From 500 nodes it wants scipy,
    which the app does not ship; then its own dense numpy Fruchterman-Reingold is used, the
    code path spring_layout takes below 500 nodes."""
    import networkx as nx

    n = graph.number_of_nodes()
    try:
        layout = nx.spring_layout(graph, seed=1)
        return np.array([layout[i] for i in range(n)]), "as is"
    except ModuleNotFoundError:
        from networkx.drawing.layout import _fruchterman_reingold

        matrix = nx.to_numpy_array(graph, nodelist=range(n))
        pos = _fruchterman_reingold(matrix, None, None, None, 50, 1e-4, 2, 1)
        return np.asarray(pos), "dense numpy path: scipy is not installed"


def cold_compile_seconds() -> tuple[float, float]:
    """Warm-up in a fresh process with an empty numba cache: the real compile time (wall as
    measured inside the child, and the child's CPU time)."""
    code = (
        "import time; t = time.perf_counter(); from workbench.graph.layout import warm_up; "
        "warm_up(); print(time.perf_counter() - t)"
    )

    def children_cpu() -> float:
        try:
            import resource  # POSIX only
        except ImportError:
            return float("nan")
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    before = children_cpu()
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    return float(out.stdout.strip().splitlines()[-1]), children_cpu() - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--baseline-nodes", type=int, default=2000)
    parser.add_argument("--extra-nodes", type=int, nargs="*", default=[], help="e.g. 100000")
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold-compile run")
    args = parser.parse_args()

    from workbench.graph.synthetic import investigation_graph

    if not args.skip_cold:
        wall, cpu = cold_compile_seconds()
        print(f"JIT compile, empty cache (fresh process): {wall:.2f} s (CPU {cpu:.2f} s)")
    started, cpu = time.perf_counter(), time.process_time()
    from workbench.graph.layout import compute_layout, warm_up

    warm_up()
    print(
        f"JIT warm-up in this process (cache load): {time.perf_counter() - started:.2f} s "
        f"(CPU {time.process_time() - cpu:.2f} s)"
    )

    failed = False
    for n in [args.baseline_nodes, args.nodes, *args.extra_nodes]:
        edges, _ = investigation_graph(n, seed=1)
        started, cpu = time.perf_counter(), time.process_time()
        pos = compute_layout(n, edges)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        q = quality(pos, edges)
        failed |= not np.isfinite(pos).all() or q > QUALITY_LIMIT
        print(
            f"force layout, {n} nodes, {len(edges)} links: {took:.2f} s "
            f"(CPU {cpu:.2f} s), quality {q:.3f}"
        )
        if n == args.baseline_nodes:
            ours = took
            import networkx as nx

            graph = nx.Graph()
            graph.add_nodes_from(range(n))
            graph.add_edges_from(edges.tolist())
            started, cpu = time.perf_counter(), time.process_time()
            nx_pos, how = networkx_spring(graph)
            theirs, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(
                f"networkx spring_layout ({how}), {n} nodes: {theirs:.2f} s (CPU {cpu:.2f} s), "
                f"quality {quality(nx_pos, edges):.3f}; ours is {theirs / ours:.1f}x faster"
            )
    if failed:
        print(f"FAILED: NaN or quality above {QUALITY_LIMIT}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
