"""The File > Import and File > Export entries of the exchange dialogs, installed into the
window's menus by `ui/actions.py`."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from ui.editing import exec_dialog
from ui.icons import icon

if TYPE_CHECKING:
    from ui.actions import Actions
    from ui.main_window import MainWindow


def import_actions(actions: Actions) -> list[QAction]:
    w, mk = actions.window, actions._make
    made = [
        mk(f"{label}…", "share-2", None, partial(import_into_case, w, fmt), tip)
        for fmt, label, tip in (
            ("graphml", "&GraphML", "Import a GraphML graph into the open case"),
            ("gexf", "G&EXF", "Import a GEXF graph (Gephi) into the open case"),
            ("csv", "&CSV entities and links", "Import entities.csv (+ links.csv) into the case"),
            (
                "stix",
                "&STIX 2.1 bundle",
                "Import a STIX 2.1 bundle (threat intelligence) into the case",
            ),
        )
    ]
    tip = "Open a case archive (.wbcase) from another workspace; every hash is checked"
    made.append(mk("Case &archive…", "archive", None, partial(open_archive, w), tip))
    return made


def export_actions(actions: Actions) -> list[QAction]:
    w, mk = actions.window, actions._make
    made = [
        mk(label, "upload", None, partial(export_case, w, fmt), tip)
        for fmt, label, tip in (
            ("stix", "&STIX 2.1 bundle…", "Export the open case as a STIX 2.1 bundle"),
            ("graphml", "&GraphML…", "Export the case graph as GraphML"),
            ("gexf", "G&EXF…", "Export the case graph as GEXF (Gephi)"),
            ("csv", "&CSV (entities, links, evidence)…", "Export the case as three CSV files"),
        )
    ]
    tip = "Write the case, its evidence and a SHA-256 manifest to one file"
    made.append(mk("Case &archive…", "archive", None, partial(create_archive, w), tip))
    return made


def install(actions: Actions, file_menu: QMenu, import_menu: QMenu) -> None:
    """Add the entries (called from Actions.build_menus)."""
    actions.exchange_imports = import_actions(actions)  # type: ignore[attr-defined]
    actions.exchange_exports = export_actions(actions)  # type: ignore[attr-defined]
    import_menu.addSeparator()
    import_menu.addActions(actions.exchange_imports)  # type: ignore[attr-defined]
    export_menu = file_menu.addMenu(icon("upload"), "E&xport")
    export_menu.setObjectName("exportMenu")
    export_menu.addActions(actions.exchange_exports)  # type: ignore[attr-defined]


def update_state(actions: Actions, has_case: bool) -> None:
    for action in getattr(actions, "exchange_exports", []):
        action.setEnabled(has_case)
    for action in getattr(actions, "exchange_imports", [])[:-1]:  # opening an archive: always
        action.setEnabled(has_case)


def _need_case(window: MainWindow) -> bool:
    if window.session is None:
        window.statusBar().showMessage("Open a case first.", 5000)
        return False
    return True


def export_case(window: MainWindow, fmt: str) -> None:
    from ui.exchange.export_dialog import ExportDialog

    if not _need_case(window):
        return
    assert window.session is not None
    dialog = ExportDialog(window.ws, window.session.case_id, fmt, window)
    exec_dialog(dialog)
    dialog.deleteLater()


def import_into_case(window: MainWindow, fmt: str) -> None:
    from ui.exchange.import_dialog import ImportDialog

    if not _need_case(window):
        return
    session = window.session
    assert session is not None
    dialog = ImportDialog(window.ws, session.case_id, fmt, window)

    def imported(_result: object) -> None:
        session.graphReloaded.emit()
        session.changed.emit()

    dialog.imported.connect(imported)
    exec_dialog(dialog)
    dialog.deleteLater()


def create_archive(window: MainWindow) -> None:
    from ui.exchange.archive_dialogs import ArchiveCreateDialog

    if not _need_case(window):
        return
    assert window.session is not None
    dialog = ArchiveCreateDialog(window.ws, window.session.case_id, window)
    exec_dialog(dialog)
    dialog.deleteLater()


def open_archive(window: MainWindow) -> None:
    from ui.exchange.archive_dialogs import ArchiveOpenDialog

    dialog = ArchiveOpenDialog(window.ws, window)

    def opened(result: object) -> None:
        window.refresh_queue()
        window.open_case(result.case_id)  # type: ignore[attr-defined]

    dialog.opened.connect(opened)
    exec_dialog(dialog)
    dialog.deleteLater()
