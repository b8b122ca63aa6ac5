"""Declutter menu: filters (type, confidence, source, time), focus on the selection and its
neighbours, hide, collapse same-type leaves into a group node and expand it. All of it is view
state: nothing in the case changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from ui.views.graph.model import CONFIRMED, REFUTED, SUSPECTED, EdgeRow, Filters, Group, NodeRow

if TYPE_CHECKING:
    from ui.views.graph.tab import GraphTab

SOURCE_TEXT = {"manual": "Entered by hand", "import": "Imported", "source": "Found by a source"}


class FilterDialog(QDialog):
    def __init__(self, tab: GraphTab, sources: list[str]):
        super().__init__(tab)
        self.setWindowTitle("Filter the graph")
        m, f = tab.model, tab.model.filters
        layout = QVBoxLayout(self)
        types = QGroupBox("Entity types")
        box = QVBoxLayout(types)
        self.types: dict[str, QCheckBox] = {}
        for name in sorted(set(m.type_names), key=tab.style.type_label):
            check = QCheckBox(tab.style.type_label(name))
            check.setChecked(f.types is None or name in f.types)
            box.addWidget(check)
            self.types[name] = check
        layout.addWidget(types)
        conf = QGroupBox("Link confidence")
        row = QHBoxLayout(conf)
        self.confidence = {}
        for code, text in (
            (CONFIRMED, "Confirmed"),
            (SUSPECTED, "Suspected"),
            (REFUTED, "Refuted"),
        ):
            check = QCheckBox(text)
            check.setChecked(code in f.confidences)
            row.addWidget(check)
            self.confidence[code] = check
        layout.addWidget(conf)
        src = QGroupBox("Provenance")
        box = QVBoxLayout(src)
        self.sources: dict[str, QCheckBox] = {}
        for kind in sources:
            check = QCheckBox(SOURCE_TEXT.get(kind, kind))
            check.setChecked(f.sources is None or kind in f.sources)
            box.addWidget(check)
            self.sources[kind] = check
        layout.addWidget(src)
        times = QGroupBox("Added to the case between")
        form = QFormLayout(times)
        known = m.created[~np.isnan(m.created)]
        low = float(known.min()) if len(known) else 0.0
        high = float(known.max()) if len(known) else 0.0
        self.use_time = QCheckBox("Only entities added in this period")
        self.use_time.setChecked(f.start is not None or f.end is not None)
        self.start = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(f.start or low)))
        self.end = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(f.end or high) + 60))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        form.addRow(self.use_time)
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        layout.addWidget(times)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def filters(self) -> Filters:
        types = {name for name, check in self.types.items() if check.isChecked()}
        sources = {kind for kind, check in self.sources.items() if check.isChecked()}
        return Filters(
            types=None if len(types) == len(self.types) else types,
            confidences={code for code, check in self.confidence.items() if check.isChecked()},
            sources=None if len(sources) == len(self.sources) else sources,
            start=float(self.start.dateTime().toSecsSinceEpoch())
            if self.use_time.isChecked()
            else None,
            end=float(self.end.dateTime().toSecsSinceEpoch())
            if self.use_time.isChecked()
            else None,
        )


class DeclutterOps:
    def __init__(self, tab: GraphTab):
        self.tab = tab

    def _ensure_sources(self) -> list[str]:
        """Provenance kinds are read on first use (one query), not when the graph opens."""
        from ui.views.graph.loader import read_sources

        m = self.tab.model
        if m.sources is None or len(m.sources) != len(m.ids):
            m.sources = read_sources(self.tab.session.ws, self.tab.session.case_id, m.ids)
        kinds = sorted({k for entry in m.sources for k in entry if ":" not in k})
        return kinds

    def filter_dialog(self, parent: QWidget | None = None) -> bool:
        dialog = FilterDialog(self.tab, self._ensure_sources())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.apply(dialog.filters())
        return True

    def apply(self, filters: Filters) -> None:
        if filters.sources is not None:
            self._ensure_sources()
        self.tab.model.filters = filters
        self._changed()

    def toggle_refuted(self) -> None:
        f = self.tab.model.filters
        f.confidences ^= {REFUTED}
        self._changed()

    def _changed(self) -> None:
        self.tab.model.changed()
        self.tab.refresh()

    def focus(self) -> None:
        tab = self.tab
        m = tab.model
        rows = tab.selected_rows()
        if not len(rows):
            tab.status.setText("Focus: select one or more entities first.")
            return
        keep = np.zeros(len(m.ids), bool)
        keep[rows] = True
        live = np.flatnonzero(m.edge_alive)
        a, b = m.edges[live, 0], m.edges[live, 1]
        keep[b[keep[a]]] = True
        keep[a[keep[b]]] = True
        keep |= m.virtual
        m.focus = keep
        self._changed()

    def hide_selected(self) -> None:
        tab = self.tab
        rows = tab.selected_rows()
        if not len(rows):
            tab.status.setText("Select the entities to hide first.")
            return
        tab.clear_selection()
        tab.model.hidden[rows] = True
        self._changed()

    def show_all(self) -> None:
        m = self.tab.model
        for row in list(m.groups):
            self.expand(row, refresh=False)
        m.hidden[:] = False
        m.focus = None
        m.filters = Filters()
        self._changed()

    # ---- collapse / expand ----------------------------------------------------------------------
    def collapse_selected(self) -> int:
        tab = self.tab
        made = sum(self.collapse(int(row)) for row in tab.selected_rows())
        tab.status.setText(
            f"{made} group(s) made."
            if made
            else "No same-type leaves to collapse (a group needs two or more entities of one "
            "type linked only to the selected one)."
        )
        return made

    def collapse(self, anchor: int) -> int:
        """Fold the anchor's leaf neighbours (linked to nothing else), per type, into group
        nodes. Returns how many groups were made."""
        m = self.tab.model
        degree = m.degree()
        leaves = np.array(
            [
                v
                for v in m.neighbours(anchor)
                if degree[v] == 1 and not m.virtual[v] and not m.collapsed[v]
            ],
            np.int64,
        )
        made = 0
        for code in np.unique(m.types[leaves]) if len(leaves) else []:
            members = leaves[m.types[leaves] == code]
            if len(members) < 2:
                continue
            type_name = m.type_names[code]
            key = f"group:{m.ids[anchor]}:{type_name}"
            label = f"{len(members)} × {self.tab.style.type_label(type_name)}"
            centre = m.xy[members].mean(axis=0)
            row = int(
                m.add_nodes([NodeRow(key, type_name, label, label, *centre)], virtual=True)[0]
            )
            m.alive[row] = True
            m.add_edges([EdgeRow(f"group:{key}", m.ids[anchor], key, "group", "confirmed")])
            m.collapsed[members] = True
            m.selected[members] = False
            m.groups[row] = Group(row, anchor, members, type_name)
            made += 1
        if made:
            self._changed()
        return made

    def expand(self, row: int, refresh: bool = True) -> None:
        m = self.tab.model
        group = m.groups.pop(row, None)
        if group is None:
            return
        m.collapsed[group.members] = False
        m.alive[row] = False
        m.selected[row] = False
        k = m.edge_index.get(f"group:{m.ids[row]}")
        if k is not None:
            m.edge_alive[k] = False
        self.tab._drop_item(row)
        if refresh:
            self._changed()

    def expand_selected(self) -> None:
        m = self.tab.model
        rows = [int(r) for r in np.flatnonzero(m.selected & m.virtual)]
        for row in rows:
            self.expand(row, refresh=False)
        self._changed()
