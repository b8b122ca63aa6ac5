"""Where nodes go: saved positions first, a force layout for small graphs, a grid for big ones.

The force layout is networkx's spring layout (quadratic, so only up to SPRING_LIMIT nodes;
a compiled layout for big graphs is a separate feature). Imported lazily, run on a worker
thread; no Qt here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

SPRING_LIMIT = 300
GRID_SPACING = 170.0
Point = tuple[float, float]


def scene_scale(count: int) -> float:
    """Scene units per layout unit: room for a 48-px node and its label at any graph size."""
    return max(200.0, 70.0 * math.sqrt(max(count, 1)))


def compute_layout(
    node_ids: Sequence[str], edges: Sequence[tuple[str, str]], saved: dict[str, Point]
) -> dict[str, Point]:
    """Positions for every node; saved positions are kept exactly."""
    missing = [node for node in node_ids if node not in saved]
    positions = {node: saved[node] for node in node_ids if node in saved}
    if not missing:
        return positions
    if len(node_ids) <= SPRING_LIMIT:
        positions.update(_spring(node_ids, edges, positions, missing))
        positions = separate(positions, movable=set(missing))
        positions.update({node: saved[node] for node in node_ids if node in saved})
    else:
        positions.update(_grid(missing, positions))
    return positions


def _spring(
    node_ids: Sequence[str],
    edges: Sequence[tuple[str, str]],
    fixed_positions: dict[str, Point],
    missing: Sequence[str],
) -> dict[str, Point]:
    scale = scene_scale(len(node_ids))
    initial = {node: (x / scale, y / scale) for node, (x, y) in fixed_positions.items()}
    layout = _networkx_spring(node_ids, edges, initial)
    return {node: (layout[node][0] * scale, layout[node][1] * scale) for node in missing}


def _networkx_spring(
    node_ids: Sequence[str], edges: Sequence[tuple[str, str]], initial: dict[str, Point]
) -> dict[str, Point]:
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(node_ids)
    graph.add_edges_from((a, b) for a, b in edges if a != b)
    if initial:
        layout = nx.spring_layout(graph, pos=initial, fixed=list(initial), seed=7, iterations=120)
    else:
        layout = nx.spring_layout(graph, seed=7, iterations=120)
    return {node: (float(x), float(y)) for node, (x, y) in layout.items()}


def _grid(missing: Sequence[str], taken: dict[str, Point]) -> dict[str, Point]:
    """Row-major grid, below any saved nodes so the two do not overlap."""
    columns = max(1, math.ceil(math.sqrt(len(missing))))
    top = max((y for _x, y in taken.values()), default=-GRID_SPACING) + GRID_SPACING
    return {
        node: ((index % columns) * GRID_SPACING, top + (index // columns) * GRID_SPACING)
        for index, node in enumerate(missing)
    }


def separate(
    positions: dict[str, Point],
    movable: set[str],
    width: float = 165.0,
    height: float = 95.0,
    rounds: int = 40,
) -> dict[str, Point]:
    """Push apart nodes whose discs and labels would overlap (a node plus its label is about
    `width` x `height` scene units). Only `movable` nodes move; quadratic, so small graphs."""
    nodes = list(positions)
    xs = [positions[n][0] / width for n in nodes]
    ys = [positions[n][1] / height for n in nodes]
    free = [n in movable for n in nodes]
    count = len(nodes)
    rounds = rounds if count <= 100 else max(4, rounds * 100 // count)
    for _ in range(rounds):
        moved = False
        for i in range(count):
            for j in range(i + 1, count):
                dx, dy = xs[j] - xs[i], ys[j] - ys[i]
                distance = math.hypot(dx, dy)
                if distance >= 1.0 or not (free[i] or free[j]):
                    continue
                if distance < 1e-6:
                    dx, dy, distance = 1.0, 0.0, 1.0
                    push = 0.5
                else:
                    push = (1.0 - distance) / 2 + 0.01
                ux, uy = dx / distance, dy / distance
                share = 2.0 if free[i] != free[j] else 1.0
                if free[i]:
                    xs[i] -= ux * push * share
                    ys[i] -= uy * push * share
                if free[j]:
                    xs[j] += ux * push * share
                    ys[j] += uy * push * share
                moved = True
        if not moved:
            break
    return {n: (xs[k] * width, ys[k] * height) for k, n in enumerate(nodes)}


def free_spot(taken: Sequence[Point], around: Point, spacing: float = 130.0) -> Point:
    """A place for a node added while the graph is open: the free spot nearest `around`,
    searched on rings, so several new nodes do not pile up on one another."""
    for ring in range(0, 12):
        steps = max(1, ring * 6)
        for step in range(steps):
            angle = 2 * math.pi * step / steps
            x = around[0] + math.cos(angle) * ring * spacing
            y = around[1] + math.sin(angle) * ring * spacing
            if all(math.hypot(x - tx, y - ty) >= spacing for tx, ty in taken):
                return (x, y)
    return around
