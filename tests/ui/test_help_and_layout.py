"""Help dialogs, icons at high pixel ratios, layouts, and the window's remembered state."""

from __future__ import annotations

from PySide6.QtCore import QSize

from ui.dialogs.about import AboutDialog, ShortcutsDialog, about_html
from ui.icons import entity_icon, icon
from ui.views.graph_layout import SPRING_LIMIT, compute_layout


def test_about_lists_versions_and_licences(qtbot) -> None:  # type: ignore[no-untyped-def]
    import PySide6

    import workbench

    text = about_html()
    for needle in (
        workbench.__version__,
        PySide6.__version__,
        "LGPL-3.0",
        "SQLAlchemy",
        "Alembic",
        "networkx",
        "BSD-3-Clause",
        "platformdirs",
        "phonenumbers",
        "Apache-2.0",
        "ISC License",
        "Lucide",
    ):
        assert needle in text
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert "Lucide" in dialog.browser.toPlainText()


def test_shortcuts_dialog_lists_the_real_actions(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ShortcutsDialog(window.acts.all, window)
    qtbot.addWidget(dialog)
    table = dialog.findChild(type(dialog).__mro__[0], "") or dialog
    from PySide6.QtWidgets import QTableWidget

    table = dialog.findChild(QTableWidget, "shortcutTable")
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["Add entity"] == "Ctrl+E"
    assert rows["Add link"] == "Ctrl+L"
    assert rows["New case"] == "Ctrl+N"
    assert "Ctrl+Shift+Z" in rows["Redo"]
    assert rows["Delete"] == "Del"
    assert rows["Keyboard shortcuts"] == "F1"
    assert rows["Filter queue"] == "Ctrl+F"


def test_icons_render_at_device_pixel_ratio(qapp) -> None:  # type: ignore[no-untyped-def]
    pixmap = icon("user").pixmap(QSize(16, 16), 2.0)
    assert (pixmap.width(), pixmap.height()) == (32, 32)
    assert pixmap.devicePixelRatio() == 2.0
    assert not entity_icon("phone").pixmap(QSize(24, 24), 3.0).toImage().isNull()


def test_layouts_keep_saved_positions_and_scale() -> None:
    nodes = [f"n{i}" for i in range(20)]
    edges = [(nodes[i], nodes[(i + 1) % 20]) for i in range(20)]
    first = compute_layout(nodes, edges, {})
    assert first == compute_layout(nodes, edges, {})  # deterministic
    saved = {"n0": (500.0, -500.0)}
    second = compute_layout(nodes, edges, saved)
    assert second["n0"] == (500.0, -500.0) and len(second) == 20
    big = [f"b{i}" for i in range(SPRING_LIMIT + 1)]
    grid = compute_layout(big, [], {})
    assert len(set(grid.values())) == len(big)


def test_window_state_and_docks_are_restored(make_window, ws, qtbot, ws_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(ws)
    window.inspector_dock.hide()
    window.close()
    from workbench.store.workspace import Workspace

    again_ws = Workspace.open(ws_path)
    try:
        again = make_window(again_ws)
        assert not again.inspector_dock.isVisible()
        again.acts.restore_layout.trigger()
        assert again.inspector_dock.isVisible()
    finally:
        again_ws.close()
