"""Layout menu: run a core layout on a worker thread (progress, cancel), apply it as one
undoable step whose positions are saved with the case; pin and unpin the selection."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ui.commands import LayoutCommand, perform
from ui.views.graph.jobs import Job
from ui.views.graph.loader import LAYOUT_SCALE
from workbench.graph import pins as state

if TYPE_CHECKING:
    from ui.views.graph.tab import GraphTab

NAMES = {
    "force": "Force-directed layout",
    "hierarchical": "Hierarchical layout",
    "circular": "Circular layout",
    "radial": "Radial layout",
    "grouped": "Layout grouped by type",
}


class LayoutOps:
    def __init__(self, tab: GraphTab):
        self.tab = tab

    def run(self, algorithm: str) -> Job | None:
        from workbench.graph.layout import compute_layout

        tab = self.tab
        m = tab.model
        rows = np.flatnonzero(m.alive & ~m.virtual)
        if not len(rows):
            tab.status.setText("There is nothing to lay out: the case has no entities yet.")
            return None
        remap = np.full(len(m.ids), -1, np.int64)
        remap[rows] = np.arange(len(rows))
        _live, pairs = m.live_edge_array()
        pairs = remap[pairs] if len(pairs) else pairs
        pairs = pairs[(pairs >= 0).all(axis=1)] if len(pairs) else pairs.reshape(0, 2)
        selected = remap[tab.selected_rows()]
        selected = selected[selected >= 0]
        if algorithm == "radial" and not len(selected):
            tab.status.setText(
                "Radial layout: select the entity (or entities) to put in the centre first."
            )
            return None
        roots = selected.tolist() if algorithm in ("radial", "hierarchical") else []
        pinned = m.pinned[rows].copy()
        initial = np.nan_to_num(m.xy[rows] / LAYOUT_SCALE)
        groups = m.types[rows].astype(np.int64) if algorithm == "grouped" else None
        n = len(rows)
        ids = [m.ids[i] for i in rows]
        old = {ids[k]: (float(x), float(y)) for k, (x, y) in enumerate(m.xy[rows].tolist())}

        def work(job: Job) -> np.ndarray:
            return compute_layout(
                n,
                pairs,
                algorithm=algorithm,
                initial=initial if (pinned.any() or algorithm == "force") else None,
                pinned=pinned if pinned.any() else None,
                groups=groups,
                roots=roots,
                progress=job.report,
                cancelled=job.cancelled,
            )

        def done(positions: np.ndarray) -> None:
            new = {
                ids[k]: (float(x), float(y))
                for k, (x, y) in enumerate((positions * LAYOUT_SCALE).tolist())
            }
            old_known = {k: v for k, v in old.items() if not np.isnan(v[0])}
            if perform(tab, LayoutCommand(tab.session, NAMES[algorithm], old_known, new)):
                tab.zoom_fit()
                tab.status.setText(f"{NAMES[algorithm]}: {n:,} entities placed and saved.")

        def failed(error: BaseException) -> None:
            from workbench.graph.layout import LayoutCancelled

            if isinstance(error, LayoutCancelled):
                tab.status.setText(f"{NAMES[algorithm]} cancelled; nothing moved.")
            else:
                tab.status.setText(f"{NAMES[algorithm]} failed: {error}")

        return tab.run_job(NAMES[algorithm], work, done, failed)

    def pin(self, pinned: bool) -> None:
        tab = self.tab
        rows = tab.selected_rows()
        if not len(rows):
            tab.status.setText("Select the entities to pin or unpin first.")
            return
        m = tab.model
        m.pinned[rows] = pinned
        m.changed()
        ids = [m.ids[i] for i in np.flatnonzero(m.pinned & m.alive & ~m.virtual)]
        ws, case_id = tab.session.ws, tab.session.case_id
        try:
            state.save_pinned(ws, case_id, ids)
        except Exception as exc:  # reported; the canvas keeps the pins for this session
            tab.status.setText(f"Pins could not be saved: {exc}")
            return
        for row in rows:
            item = tab.items.get(int(row))
            if item is not None:
                item.update()
        tab.layer.update()
        word = "Pinned" if pinned else "Unpinned"
        tab.status.setText(f"{word} {len(rows):,} entities (saved with the case).")
