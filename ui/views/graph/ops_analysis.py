"""Analyse menu: the core's analysis (`workbench.graph.analysis`) on the live graph, run on a
worker thread, shown on the canvas: a path highlighted, a neighbourhood or common neighbours
selected, components and communities coloured (with a text legend), rankings in a list that
selects on click."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.views.graph.jobs import Job

if TYPE_CHECKING:
    from ui.views.graph.tab import GraphTab
    from workbench.graph.view import CaseGraph

LEGEND_ROWS = 8


def case_graph(tab: GraphTab) -> CaseGraph:
    """The live graph (deleted rows and collapsed-group nodes left out) as the core's arrays."""
    from workbench.graph.view import CaseGraph

    m = tab.model
    rows = np.flatnonzero(m.alive & ~m.virtual)
    remap = np.full(len(m.ids), -1, np.int64)
    remap[rows] = np.arange(len(rows))
    ek = np.flatnonzero(m.edge_alive)
    pairs = remap[m.edges[ek]] if len(ek) else np.zeros((0, 2), np.int64)
    keep = (pairs >= 0).all(axis=1) if len(ek) else np.zeros(0, bool)
    ek, pairs = ek[keep], pairs[keep]
    ids = [m.ids[i] for i in rows]
    confidences = ("confirmed", "suspected", "refuted")
    return CaseGraph(
        case_id=tab.session.case_id,
        ids=ids,
        index={entity_id: k for k, entity_id in enumerate(ids)},
        edges=pairs.reshape(-1, 2),
        link_ids=[m.link_ids[k] for k in ek],
        types=[m.type_names[m.types[i]] for i in rows],
        labels=[m.labels[i] for i in rows],
        positions=m.xy[rows].copy(),
        link_types=[m.edge_types[k] for k in ek],
        confidences=[confidences[int(m.confidence[k])] for k in ek],
    )


class RankingDialog(QDialog):
    """A ranked list; clicking a row selects that entity on the canvas (and in the tables)."""

    def __init__(self, tab: GraphTab, title: str, rows: list[tuple[str, float]], note: str | None):
        super().__init__(tab)
        self.setWindowTitle(title)
        self.setModal(False)
        self.tab = tab
        layout = QVBoxLayout(self)
        if note:
            hint = QLabel(note, objectName="muted")
            hint.setWordWrap(True)
            layout.addWidget(hint)
        self.list = QListWidget(objectName="rankingList")
        m = tab.model
        for rank, (entity_id, score) in enumerate(rows, 1):
            row = m.index.get(entity_id)
            label = m.labels[row] if row is not None else entity_id
            item = QListWidgetItem(f"{rank}. {label} — {score:.4f}")
            item.setData(Qt.ItemDataRole.UserRole, entity_id)
            self.list.addItem(item)
        self.list.currentItemChanged.connect(self._chosen)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(420, 480)

    def _chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is not None:
            entity_id = item.data(Qt.ItemDataRole.UserRole)
            row = self.tab.model.index.get(entity_id)
            if row is not None:
                self.tab.select_rows(np.array([row]))
                self.tab.zoom_selection()


class AnalysisOps:
    def __init__(self, tab: GraphTab):
        self.tab = tab
        self.dialog: QWidget | None = None
        self.last: Any = None  # the last result (tests look)

    def _two(self, what: str) -> tuple[str, str] | None:
        ids = self.tab.selected_entity_ids()
        if len(ids) != 2:
            self.tab.status.setText(f"{what}: select exactly two entities (Ctrl+click the second).")
            return None
        return ids[0], ids[1]

    def _run(
        self, title: str, fn: Callable[[CaseGraph], Any], done: Callable[[Any], None]
    ) -> Job | None:
        graph = case_graph(self.tab)

        def finish(result: Any) -> None:
            self.last = result
            done(result)

        return self.tab.run_job(title, lambda job: fn(graph), finish)

    def shortest_path(self) -> Job | None:
        from workbench.graph.analysis import path_links, shortest_paths

        pair = self._two("Shortest path")
        if pair is None:
            return None
        a, b = pair

        def work(g: CaseGraph) -> tuple[list[str], list[str]]:
            paths = shortest_paths(g, a, b)
            if not paths:
                return [], []
            return paths[0], path_links(g, paths[0])

        def done(result: tuple[list[str], list[str]]) -> None:
            nodes, link_ids = result
            tab = self.tab
            if not nodes:
                tab.status.setText("No path: the two entities are not connected.")
                return
            self._highlight(nodes, link_ids)
            tab.status.setText(f"Shortest path: {len(link_ids)} links (highlighted).")

        return self._run("Shortest path", work, done)

    def _highlight(self, node_ids: list[str], link_ids: list[str]) -> None:
        m = self.tab.model
        m.highlight[:] = False
        m.edge_highlight[:] = False
        m.highlight[m.rows_of(node_ids)] = True
        for link_id in link_ids:
            k = m.edge_index.get(link_id)
            if k is not None:
                m.edge_highlight[k] = True
        m.changed()
        self.tab.refresh()

    def neighbourhood(self, depth: int | None = None) -> Job | None:
        from workbench.graph.analysis import neighbourhood

        tab = self.tab
        ids = tab.selected_entity_ids()
        if not ids:
            tab.status.setText("Neighbourhood: select one or more entities first.")
            return None
        if depth is None:
            depth, ok = QInputDialog.getInt(tab, "Neighbourhood", "Links away (depth):", 1, 1, 10)
            if not ok:
                return None

        def done(result: tuple[set[str], bool]) -> None:
            found, truncated = result
            tab.select_rows(tab.model.rows_of(found))
            more = " (capped at 5,000: the nearest first)" if truncated else ""
            tab.status.setText(
                f"Neighbourhood to depth {depth}: {len(found):,} entities selected{more}."
            )

        return self._run("Neighbourhood", lambda g: neighbourhood(g, ids, depth), done)

    def common(self) -> Job | None:
        from workbench.graph.analysis import common_neighbours

        pair = self._two("Common neighbours")
        if pair is None:
            return None

        def done(found: list[str]) -> None:
            tab = self.tab
            self._highlight([*pair, *found], [])
            if found:
                tab.select_rows(tab.model.rows_of(found))
            tab.status.setText(f"{len(found)} common neighbours (selected and highlighted).")

        return self._run("Common neighbours", lambda g: common_neighbours(g, *pair), done)

    def rank(self, kind: str) -> Job | None:
        from workbench.graph.analysis import centrality, centrality_note

        def work(g: CaseGraph) -> tuple[list[tuple[str, float]], str | None]:
            return centrality(g, kind, top=100), centrality_note(g, kind)  # type: ignore[arg-type]

        def done(result: tuple[list[tuple[str, float]], str | None]) -> None:
            rows, note = result
            self.dialog = RankingDialog(self.tab, f"Ranking by {kind}", rows, note)
            self.dialog.show()

        return self._run(f"Ranking by {kind}", work, done)

    def components(self) -> Job | None:
        from workbench.graph.analysis import components

        return self._run("Components", components, lambda parts: self._colour(parts, "component"))

    def communities(self) -> Job | None:
        from workbench.graph.analysis import communities

        return self._run("Communities", communities, lambda parts: self._colour(parts, "community"))

    def _colour(self, parts: list[list[str]], word: str) -> None:
        """Colour by part (largest first); the legend says which colour is which in words."""
        tab = self.tab
        m = tab.model
        m.community[:] = -1
        for number, part in enumerate(parts):
            m.community[m.rows_of(part)] = number if number < LEGEND_ROWS else -1
        tab.style.by_community = True
        m.changed()
        tab.refresh()
        lines = []
        from ui.views.graph.painter import COMMUNITY_COLOURS, colour_name

        for number, part in enumerate(parts[:LEGEND_ROWS]):
            colour = colour_name(COMMUNITY_COLOURS[number])
            lines.append(f"{colour}: {word} {number + 1} ({len(part):,} entities)")
        rest = sum(len(p) for p in parts[LEGEND_ROWS:])
        if rest:
            lines.append(f"grey: {len(parts) - LEGEND_ROWS:,} smaller {word}s ({rest:,} entities)")
        tab.banner.setText(f"Coloured by {word} ({len(parts):,} in all): " + "; ".join(lines) + ".")
        tab.banner.show()
        tab.status.setText(f"{len(parts):,} {word}s.")

    def clear(self) -> None:
        tab = self.tab
        m = tab.model
        m.highlight[:] = False
        m.edge_highlight[:] = False
        m.community[:] = -1
        tab.style.by_community = False
        m.changed()
        tab.banner.hide()
        tab.refresh()
