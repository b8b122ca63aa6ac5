"""The main window's Graph menu and Delete routing for the graph canvas.

The Graph menu holds the Graph tab's own actions (the same QActions as its toolbar: Fit, Zoom
to selection, Layout, Analyse, Declutter, Export, Show refuted links). They act on what the
canvas shows, so they are listed while the Graph tab of the open case is the current tab;
otherwise the menu offers to show that tab. It is rebuilt each time it opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

from ui.icons import icon

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.views.graph.tab import GraphTab

SUBMENUS = ("Layout", "Analyse", "Declutter", "Export")


def current_graph_tab(window: MainWindow) -> GraphTab | None:
    """The Graph tab when it is the current tab of the open case and drawn, else None."""
    from ui.views.case_view import GRAPH
    from ui.views.graph.tab import GraphTab

    view = window.case_view
    if view is None or view.tabs.currentIndex() != GRAPH:
        return None
    tab = view.existing_tab(GRAPH)
    return tab if isinstance(tab, GraphTab) and tab.is_built else None


def populate(window: MainWindow, menu: QMenu) -> None:
    from ui.views.case_view import GRAPH

    menu.clear()
    tab = current_graph_tab(window)
    if tab is None:
        show = menu.addAction(icon("network"), "Show the &Graph tab")
        show.setObjectName("graphMenu_show")
        show.setEnabled(window.case_view is not None)
        show.triggered.connect(lambda _checked=False: window.show_case_tab(GRAPH))
        note = menu.addAction("Layouts, analysis, declutter and export act on the Graph tab")
        note.setEnabled(False)
        return
    acts = tab.actions_
    menu.addActions([acts.by_name["Fit"], acts.by_name["Zoom to selection"]])
    menu.addSeparator()
    for title in SUBMENUS:
        menu.addMenu(acts.menus[title])
    menu.addSeparator()
    menu.addAction(acts.by_name["Show refuted links"])


def install(window: MainWindow, menu: QMenu) -> None:
    menu.setObjectName("graphMenu")
    menu.setToolTipsVisible(True)
    menu.aboutToShow.connect(lambda: populate(window, menu))
    populate(window, menu)


def delete_selected(window: MainWindow) -> None:
    """The window's Delete: a multi-selection on the canvas goes through the canvas's bulk
    delete (one transaction, one undo step); anything else through the editing controller."""
    tab = current_graph_tab(window)
    if tab is not None and len(tab.selected_rows()) > 1:
        tab.actions_.edit.delete_selected()
        return
    window.editing.delete_selected()
