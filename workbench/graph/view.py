"""A case's link graph as arrays: node indices, an (m, 2) edge array and per-link columns.

Read in two narrow queries (100k entities and 200k links in well under two seconds), so
layouts and analysis work on integers. Links whose ends are not entities of the case
(dangling references, e.g. from a damaged import) are left out and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from workbench.errors import NotFoundError
from workbench.store.schema import cases, entities, links

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class CaseGraph:
    """Nodes are the case's entities in insertion order; `edges[k]` is link `link_ids[k]`.

    Per node: `ids`, `types` (entity type), `labels`, `positions` ((n, 2), NaN where none
    saved). Per link: `link_ids`, `link_types`, `confidences`. Self-loops and parallel links
    are kept as they are stored; `dangling` counts links left out because an end is missing.
    """

    case_id: str
    ids: list[str]
    index: dict[str, int]
    edges: NDArray[np.int64]
    link_ids: list[str]
    types: list[str]
    labels: list[str]
    positions: NDArray[np.float64]
    link_types: list[str]
    confidences: list[str]
    dangling: int = 0
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_edges(
        cls, ids: Sequence[str], pairs: Sequence[tuple[str, str]], *, case_id: str = ""
    ) -> CaseGraph:
        """A graph from plain ids and (source id, target id) pairs (tests, imports)."""
        index = {eid: i for i, eid in enumerate(ids)}
        edges = np.array([(index[a], index[b]) for a, b in pairs], dtype=np.int64)
        m = len(pairs)
        return cls(
            case_id=case_id,
            ids=list(ids),
            index=index,
            edges=edges.reshape(-1, 2),
            link_ids=[f"link-{k}" for k in range(m)],
            types=["unknown"] * len(ids),
            labels=list(ids),
            positions=np.full((len(ids), 2), np.nan),
            link_types=["related_to"] * m,
            confidences=["confirmed"] * m,
        )

    @property
    def n(self) -> int:
        return len(self.ids)

    def node(self, entity_id: str) -> int:
        """Index of an entity, or a NotFoundError naming it."""
        try:
            return self.index[entity_id]
        except KeyError:
            raise NotFoundError(
                f"Entity {entity_id!r} is not in this case's graph; give an entity id of "
                f"case {self.case_id} (`workbench entity list`)."
            ) from None

    def to_networkx(self) -> nx.MultiGraph:
        """MultiGraph keyed by entity id; each link an edge keyed by its id with its type and
        confidence; nodes carry type and label."""
        import networkx as nx

        graph = nx.MultiGraph()
        graph.add_nodes_from(
            (eid, {"type": t, "label": lab})
            for eid, t, lab in zip(self.ids, self.types, self.labels, strict=True)
        )
        ids = self.ids
        graph.add_edges_from(
            (ids[a], ids[b], lid, {"type": t, "confidence": c})
            for (a, b), lid, t, c in zip(
                self.edges.tolist(), self.link_ids, self.link_types, self.confidences, strict=True
            )
        )
        return graph

    def simple_edges(self) -> NDArray[np.int64]:
        """Each linked pair once (lower index first), self-loops dropped; cached."""
        cached = self._cache.get("simple_edges")
        if cached is None:
            from workbench.graph._shapes import clean_edges

            cached = clean_edges(self.n, self.edges)
            self._cache["simple_edges"] = cached
        return cached

    def adjacency(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """CSR (indptr, indices) of the simple undirected graph; cached."""
        cached = self._cache.get("adjacency")
        if cached is None:
            from workbench.graph._shapes import adjacency

            cached = adjacency(self.n, self.simple_edges())
            self._cache["adjacency"] = cached
        return cached


def load_case_graph(conn: Connection, case_id: str) -> CaseGraph:
    if conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
        raise NotFoundError(f"No case with id {case_id!r}.")
    rows = conn.execute(
        select(entities.c.id, entities.c.type, entities.c.label, entities.c.pos_x, entities.c.pos_y)
        .where(entities.c.case_id == case_id)
        .order_by(entities.c.row_order)
    ).all()
    ids = [r[0] for r in rows]
    index = {eid: i for i, eid in enumerate(ids)}
    positions = np.array(
        [(np.nan if r[3] is None else r[3], np.nan if r[4] is None else r[4]) for r in rows],
        dtype=np.float64,
    ).reshape(-1, 2)
    link_rows = conn.execute(
        select(links.c.id, links.c.source_id, links.c.target_id, links.c.type, links.c.confidence)
        .where(links.c.case_id == case_id)
        .order_by(links.c.row_order)
    ).all()
    pairs: list[tuple[int, int]] = []
    link_ids: list[str] = []
    link_types: list[str] = []
    confidences: list[str] = []
    dangling = 0
    get = index.get
    for lid, source, target, link_type, confidence in link_rows:
        a = get(source)
        b = get(target)
        if a is None or b is None:
            dangling += 1
            continue
        pairs.append((a, b))
        link_ids.append(lid)
        link_types.append(link_type)
        confidences.append(confidence)
    return CaseGraph(
        case_id=case_id,
        ids=ids,
        index=index,
        edges=np.array(pairs, dtype=np.int64).reshape(-1, 2),
        link_ids=link_ids,
        types=[r[1] for r in rows],
        labels=[r[2] for r in rows],
        positions=positions,
        link_types=link_types,
        confidences=confidences,
        dangling=dangling,
    )


__all__ = ["CaseGraph", "load_case_graph"]
