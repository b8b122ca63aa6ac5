"""The case graph as a picture for the report: which nodes, where, and the SVG text.

Positions come from the graph tab (stored `pos_x`/`pos_y`). When some shown node has none,
the picture is laid out here with a small deterministic force-directed pass (numpy), so the
same case always gives the same picture. Big cases show their most connected nodes; the
caption says how many of how many.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np

PICTURE_CAP = 120  # nodes drawn; beyond this a print-size picture is unreadable
WIDTH, HEIGHT = 760.0, 620.0
LABEL_CHARS = 24
UNKNOWN_COLOUR = "#64748b"


def picture(entities: list[dict[str, Any]], links: list[dict[str, Any]]) -> dict[str, Any]:
    """Nodes and edges of the picture, with positions in picture units."""
    known = {e["id"] for e in entities}
    usable = [link for link in links if link["source_id"] in known and link["target_id"] in known]
    degree: Counter[str] = Counter()
    for link in usable:
        degree[link["source_id"]] += 1
        degree[link["target_id"]] += 1
    if len(entities) > PICTURE_CAP:
        order = {e["id"]: index for index, e in enumerate(entities)}
        chosen_ids = sorted(known, key=lambda i: (-degree[i], order[i]))[:PICTURE_CAP]
        chosen = [e for e in entities if e["id"] in set(chosen_ids)]
    else:
        chosen = list(entities)
    ids = [e["id"] for e in chosen]
    index = {entity_id: i for i, entity_id in enumerate(ids)}
    edges = [link for link in usable if link["source_id"] in index and link["target_id"] in index]
    stored = bool(chosen) and all(e["x"] is not None and e["y"] is not None for e in chosen)
    if stored:
        raw = np.array([[float(e["x"]), float(e["y"])] for e in chosen])
    else:
        pairs = np.array(
            [[index[link["source_id"]], index[link["target_id"]]] for link in edges], dtype=int
        ).reshape(-1, 2)
        raw = _layout(len(chosen), pairs)
    placed = _fit(raw)
    return {
        "total": len(entities),
        "shown": len(chosen),
        "positions": "stored" if stored else "computed",
        "nodes": [
            {
                "id": e["id"],
                "type": e["type"],
                "label": e["label"],
                "x": round(float(placed[i][0]), 1),
                "y": round(float(placed[i][1]), 1),
            }
            for i, e in enumerate(chosen)
        ],
        "edges": [
            {
                "source": index[link["source_id"]],
                "target": index[link["target_id"]],
                "type": link["type"],
                "confidence": link["confidence"],
            }
            for link in edges
        ],
    }


def _layout(count: int, pairs: np.ndarray) -> np.ndarray:
    """A radial tree: the most connected node in the middle, its breadth-first tree in
    rings around it, each subtree given an angle in proportion to its leaves. Deterministic,
    and it spreads the typical case (one account with many attributes) evenly."""
    if count == 0:
        return np.zeros((0, 2))
    neighbours: list[list[int]] = [[] for _ in range(count)]
    for a, b in pairs.tolist():
        if a != b:
            neighbours[a].append(b)
            neighbours[b].append(a)
    degree = [len(set(n)) for n in neighbours]
    parent = [-2] * count
    children: list[list[int]] = [[] for _ in range(count)]
    depth = [0] * count
    roots: list[int] = []
    for start in sorted(range(count), key=lambda i: (-degree[i], i)):
        if parent[start] != -2:
            continue
        parent[start] = -1
        roots.append(start)
        queue = [start]
        for node in queue:
            for other in sorted(set(neighbours[node]), key=lambda i: (-degree[i], i)):
                if parent[other] == -2:
                    parent[other] = node
                    depth[other] = depth[node] + 1
                    children[node].append(other)
                    queue.append(other)
    main, others = roots[0], roots[1:]
    children[main].extend(others)  # smaller components hang off the middle, one ring out
    for root in others:
        _shift_depth(root, children, depth, depth[main] + 1)
    leaves = [0] * count
    for node in sorted(range(count), key=lambda i: -depth[i]):
        leaves[node] = max(1, sum(leaves[c] for c in children[node]))
    per_ring = Counter(depth)
    radius = [0.0]
    for ring in range(1, max(depth) + 1):  # the first ring gets room for all its nodes
        room = per_ring[ring] * 0.5 / (2 * math.pi) if ring == 1 else 0.0
        radius.append(max(radius[-1] + (1.0 if ring == 1 else 0.7), room))
    pos = np.zeros((count, 2))
    stack = [(main, 0.0, 2 * math.pi)]
    while stack:
        node, low, high = stack.pop()
        angle = (low + high) / 2
        ring_radius = radius[depth[node]]
        pos[node] = (ring_radius * math.cos(angle), ring_radius * math.sin(angle))
        cursor = low
        for child in children[node]:
            share = (high - low) * leaves[child] / leaves[node]
            stack.append((child, cursor, cursor + share))
            cursor += share
    return pos


def _shift_depth(root: int, children: list[list[int]], depth: list[int], base: int) -> None:
    offset = base - depth[root]
    queue = [root]
    for node in queue:
        depth[node] += offset
        queue.extend(children[node])


def _fit(raw: np.ndarray) -> np.ndarray:
    """Scale uniformly into the drawing area: room for the legend on top and for the
    labels, which run to the right of their node."""
    if len(raw) == 0:
        return raw
    left, right, top, bottom = 30.0, WIDTH - 150.0, 56.0, HEIGHT - 28.0
    low, high = raw.min(axis=0), raw.max(axis=0)
    span = np.where(high - low < 1e-9, 1.0, high - low)
    scale = min((right - left) / span[0], (bottom - top) / span[1])
    used = span * scale
    offset = np.array([left + (right - left - used[0]) / 2, top + (bottom - top - used[1]) / 2])
    result: np.ndarray = (raw - low) * scale + offset
    return result


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def render_svg(pic: dict[str, Any], colours: dict[str, str], font_family: str) -> str:
    """Standalone SVG text; every label is XML-escaped."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" '
        f'width="{WIDTH:.0f}" height="{HEIGHT:.0f}" font-family={quoteattr(font_family)}>',
        f'<rect x="0" y="0" width="{WIDTH:.0f}" height="{HEIGHT:.0f}" fill="#ffffff" '
        'stroke="#cbd5e1"/>',
    ]
    nodes = pic["nodes"]
    for edge in pic["edges"]:
        a, b = nodes[edge["source"]], nodes[edge["target"]]
        dash = {"suspected": ' stroke-dasharray="5,3"', "refuted": ' stroke-dasharray="1,3"'}
        parts.append(
            f'<line x1="{a["x"]}" y1="{a["y"]}" x2="{b["x"]}" y2="{b["y"]}" stroke="#94a3b8" '
            f'stroke-width="1.2"{dash.get(edge["confidence"], "")}/>'
        )
    small = len(nodes) > 60
    radius, size = (4.5, 8) if small else (7, 10.5)
    for node in nodes:
        colour = colours.get(node["type"], UNKNOWN_COLOUR)
        parts.append(
            f'<circle cx="{node["x"]}" cy="{node["y"]}" r="{radius}" fill="{colour}" '
            'stroke="#0f172a" stroke-width="0.8"/>'
        )
        parts.append(
            f'<text x="{node["x"] + radius + 2}" y="{node["y"] + size / 3}" font-size="{size}" '
            f'fill="#0f172a">{escape(_short(node["label"]))}</text>'
        )
    types = sorted({n["type"] for n in nodes})
    x, y = 12.0, 16.0
    for entity_type in types:
        step = 22 + 6.2 * len(entity_type)
        if x + step > WIDTH - 12:
            x, y = 12.0, y + 16
        parts.append(
            f'<circle cx="{x + 5}" cy="{y - 4}" r="5" '
            f'fill="{colours.get(entity_type, UNKNOWN_COLOUR)}" stroke="#0f172a" '
            'stroke-width="0.6"/>'
        )
        parts.append(
            f'<text x="{x + 13}" y="{y}" font-size="10" fill="#334155">{escape(entity_type)}</text>'
        )
        x += step
    parts.append(
        f'<text x="{WIDTH - 12}" y="{HEIGHT - 8}" font-size="10" fill="#334155" '
        'text-anchor="end">solid: confirmed · dashed: suspected · dotted: refuted</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)
