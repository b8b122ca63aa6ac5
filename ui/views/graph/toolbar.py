"""The graph tab's toolbar: zoom, Layout, Analyse, Declutter, Edit (merge, delete) and Export
menus. Each menu's work lives in its own module; this file only makes the actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar, QToolButton

from ui.icons import icon
from ui.views.graph.ops_analysis import AnalysisOps
from ui.views.graph.ops_declutter import DeclutterOps
from ui.views.graph.ops_edit import EditOps
from ui.views.graph.ops_layout import LayoutOps

if TYPE_CHECKING:
    from ui.views.graph.tab import GraphTab


class GraphActions:
    def __init__(self, tab: GraphTab):
        self.tab = tab
        self.layouts = LayoutOps(tab)
        self.analysis = AnalysisOps(tab)
        self.declutter = DeclutterOps(tab)
        self.edit = EditOps(tab)
        self.by_name: dict[str, QAction] = {}
        self.menus: dict[str, QMenu] = {}  # by title; the window's Graph menu lists them too
        bar = self.toolbar = QToolBar("Graph", tab)
        bar.setObjectName("graphToolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addAction(self._act("Fit", "maximize", tab.zoom_fit, "Show the whole graph"))
        bar.addAction(
            self._act(
                "Zoom to selection", "zoom-in", tab.zoom_selection, "Zoom to the selected entities"
            )
        )
        bar.addSeparator()
        lay = self.layouts
        self._menu(
            "Layout",
            "network",
            [
                (
                    "Force-directed",
                    lambda: lay.run("force"),
                    "Spread linked entities apart (compiled ForceAtlas2)",
                ),
                (
                    "Hierarchical",
                    lambda: lay.run("hierarchical"),
                    "Layers down from the selection (or the best-linked entity)",
                ),
                (
                    "Circular",
                    lambda: lay.run("circular"),
                    "Each group of linked entities on a circle",
                ),
                (
                    "Radial around selection",
                    lambda: lay.run("radial"),
                    "Rings by distance from the selected entity",
                ),
                ("Grouped by type", lambda: lay.run("grouped"), "One cluster per entity type"),
                None,
                (
                    "Pin selected",
                    lambda: lay.pin(True),
                    "Layouts leave pinned entities where they are",
                ),
                (
                    "Unpin selected",
                    lambda: lay.pin(False),
                    "Let layouts move the selected entities again",
                ),
            ],
        )
        an = self.analysis
        self._menu(
            "Analyse",
            "waypoints",
            [
                (
                    "Shortest path between two selected",
                    an.shortest_path,
                    "Highlight the shortest chain of links",
                ),
                (
                    "Neighbourhood of selection…",
                    an.neighbourhood,
                    "Select everything within k links",
                ),
                ("Common neighbours of two selected", an.common, "Select entities linked to both"),
                ("Rank by degree", lambda: an.rank("degree"), "Most-linked entities first"),
                (
                    "Rank by betweenness",
                    lambda: an.rank("betweenness"),
                    "Entities on many shortest paths first",
                ),
                ("Connected components", an.components, "Colour each separate part of the graph"),
                ("Communities", an.communities, "Colour densely linked groups (Louvain)"),
                None,
                ("Clear highlights and colours", an.clear, "Back to type colours"),
            ],
        )
        de = self.declutter
        self._menu(
            "Declutter",
            "list",
            [
                (
                    "Filter…",
                    de.filter_dialog,
                    "Show only some types, confidences, sources or times",
                ),
                (
                    "Focus on selection and neighbours",
                    de.focus,
                    "Hide everything further than one link",
                ),
                ("Hide selected", de.hide_selected, "Hide the selected entities (view only)"),
                (
                    "Collapse leaves of selected",
                    de.collapse_selected,
                    "Fold same-type entities linked only to the selected one into a group",
                ),
                ("Expand selected groups", de.expand_selected, "Unfold collapsed groups"),
                None,
                (
                    "Show everything",
                    de.show_all,
                    "Clear filters, focus, hidden entities and groups",
                ),
            ],
        )
        ed = self.edit
        self._menu(
            "Edit",
            "pencil",
            [
                (
                    "Select all",
                    tab.select_all,
                    "Select every entity shown",
                    QKeySequence.StandardKey.SelectAll,
                ),
                (
                    "Delete selected",
                    ed.delete_selected,
                    "Delete the selected entities and their links (undoable)",
                ),
                None,
                (
                    "Merge selected…",
                    ed.merge_selected,
                    "Merge duplicates into one entity (undoable)",
                ),
                ("Unmerge…", ed.unmerge, "Undo an earlier merge of this case"),
                (
                    "Duplicate suggestions…",
                    ed.suggestions,
                    "Entities that look like the same thing",
                ),
            ],
        )
        from ui.views.graph import export

        self._menu(
            "Export",
            "download",
            [
                (
                    "Export view as PNG…",
                    lambda: export.ask_and_export(tab, "png"),
                    "Save what the canvas shows as an image",
                ),
                (
                    "Export view as SVG…",
                    lambda: export.ask_and_export(tab, "svg"),
                    "Save what the canvas shows as a vector drawing",
                ),
            ],
        )
        show_refuted = self._act(
            "Show refuted links", "ban", de.toggle_refuted, "Draw refuted links (dotted)"
        )
        show_refuted.setCheckable(True)
        bar.addSeparator()
        bar.addAction(show_refuted)

    def _act(
        self,
        text: str,
        icon_name: str | None,
        slot: Callable[[], object],
        tip: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self.tab)
        if icon_name:
            action.setIcon(icon(icon_name))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setObjectName("graph_" + text.lower().replace(" ", "_").strip("…"))
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.tab.addAction(action)
        self.by_name[text] = action
        return action

    def _menu(self, title: str, icon_name: str, entries: list) -> QMenu:  # type: ignore[type-arg]
        menu = QMenu(title, self.tab)
        menu.setObjectName(f"graphMenu_{title}")
        menu.setToolTipsVisible(True)
        for entry in entries:
            if entry is None:
                menu.addSeparator()
            else:
                menu.addAction(self._act(entry[0], None, *entry[1:]))
        button = QToolButton(self.toolbar)
        button.setText(title)
        button.setIcon(icon(icon_name))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setMenu(menu)
        self.toolbar.addWidget(button)
        self.menus[title] = menu
        return menu
