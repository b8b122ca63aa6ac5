"""Every command of the window as a QAction (text, icon, shortcut, tip), plus the menus and the
toolbar built from them. Help > Keyboard shortcuts lists these same actions (`all`), including
the queue's Claim case, which lives on the queue view but is listed here too."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from ui.exchange import menu as exchange_menu  # exchange (issue 8)
from ui.icons import icon
from ui.views.case_view import TAB_TITLES
from ui.views.graph import window_menu as graph_window_menu  # issue 9

if TYPE_CHECKING:
    from ui.main_window import MainWindow

Keys = QKeySequence.StandardKey | str | list[QKeySequence | str] | None


class Actions:
    def __init__(self, window: MainWindow):
        self.window = window
        w, e = window, window.editing
        self.all: list[QAction] = []
        mk = self._make
        # File
        self.import_requests = mk(
            "&Import requests…",
            "download",
            "Ctrl+I",
            w.import_requests,
            "Import e-mailed requests (.eml) or portal exports (JSON, CSV) as new cases; "
            "a preview shows what will be created first",
        )
        self.import_requests.setIconText("Import .eml")
        self.import_backend = mk(
            "&Back-end export (CSV/JSON lines)…",
            "table",
            None,
            w.import_backend_export,
            "Map the columns of a CSV or JSON-lines export (logins, subscribers...) to "
            "entities and links of the open case; mappings are saved and reused",
        )
        # Case
        self.new_case = mk(
            "&New case…", "file-plus", "Ctrl+N", w.new_case, "Create a new case in this workspace"
        )
        self.sample_case = mk(
            "Open &sample case",
            "book-open",
            None,
            w.open_sample_case,
            "Create and open the fictional sample case",
        )
        self.open_workspace = mk(
            "&Open workspace…",
            "folder-open",
            "Ctrl+O",
            w.choose_workspace,
            "Switch to another workspace folder",
        )
        self.export_json = mk(
            "&Export case as JSON…",
            "file-json",
            None,
            w.export_case_json,
            "Save the open case as a JSON file",
        )
        self.quit = mk("&Quit", "log-out", QKeySequence.StandardKey.Quit, w.close, "")
        # Edit
        self.undo = mk(
            "&Undo",
            "undo-2",
            QKeySequence.StandardKey.Undo,
            w.undo_group.undo,
            "Undo the last change",
        )
        self.redo = mk(
            "&Redo",
            "redo-2",
            ["Ctrl+Shift+Z", QKeySequence(QKeySequence.StandardKey.Redo)],
            w.undo_group.redo,
            "Redo the change you undid",
        )
        self.add_entity = mk(
            "Add &entity…",
            "plus",
            "Ctrl+E",
            e.add_entity,
            "Add a person, account, phone… to the open case",
        )
        self.add_link = mk(
            "Add &link…", "link-2", "Ctrl+L", e.add_link, "Link two entities of the open case"
        )
        self.edit = mk(
            "E&dit…", "pencil", "F2", e.edit_selected, "Edit the selected entity or link"
        )
        self.delete = mk(
            "&Delete",
            "trash-2",
            QKeySequence.StandardKey.Delete,
            partial(graph_window_menu.delete_selected, w),  # graph multi-selection (issue 9)
            "Delete the selected entity or link",
        )
        self.copy_value = mk(
            "&Copy value", None, None, e.copy_value, "Copy the selected entity's value"
        )
        self.find = mk(
            "&Filter queue",
            "search",
            QKeySequence.StandardKey.Find,
            w.focus_filter,
            "Filter the queue: reference, title, agency, requester, target",
        )
        self.global_search = mk(
            "&Search everything…",
            "search",
            ["Ctrl+K", "Ctrl+Shift+F"],
            lambda: w.search.focus(),
            "Full-text search of every case: entities, notes, evidence text, case texts",
        )
        # Case (the queue owns Claim: it acts on the case selected there)
        self.claim = w.queue_view.claim_action
        self.claim.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.claim.setStatusTip("Take the case selected in the queue: it is recorded as yours")
        window.addAction(self.claim)  # the shortcut works while the queue dock is hidden too
        self.all.append(self.claim)
        # Sources
        src = window.sources
        self.run_source = mk(
            "&Run source on selection…",
            "play",
            "Ctrl+R",
            src.popup_run_menu,
            "Run a data source on the selected entities",
        )
        self.plugin_manager = mk(
            "&Plugin manager…",
            "plug",
            None,
            src.show_plugin_manager,
            "Installed sources: enable, disable, details, settings, load errors",
        )
        self.network_settings = mk(
            "&Network settings…",
            "network",
            None,
            src.show_settings,
            "Offline mode, proxy and User-Agent for every source",
        )
        self.credentials = mk(
            "&Credentials…",
            "key-round",
            None,
            lambda: src.show_settings(credentials=True),
            "API keys and other secrets of the sources, kept in the keyring",
        )
        self.offline_mode = mk(
            "Work &offline",
            "wifi-off",
            "Ctrl+Shift+O",
            lambda: src.toggle_offline(self.offline_mode.isChecked()),
            "Nothing leaves this machine: sources that send data are not started",
        )
        self.run_source.setIconText("Run source")
        # Evidence (ui/views/evidence/commands.py)
        from ui.views.evidence.commands import EvidenceCommands

        self.evidence = EvidenceCommands(window)
        self.capture_url = mk(
            "&Capture URL…",
            "globe",
            "Ctrl+Shift+U",
            self.evidence.capture_url,
            "Capture a web page into the open case as WARC evidence (hashed, chain of custody)",
        )
        self.capture_url.setIconText("Capture URL")
        self.capture_entity = mk(
            "Capture &page as evidence",
            "globe",
            None,
            self.evidence.capture_selected_entity,
            "Capture the page this URL entity names (for example a Wayback Machine snapshot) "
            "as WARC evidence linked to the entity",
        )
        self.add_evidence = mk(
            "Add e&vidence…",
            "paperclip",
            None,
            self.evidence.add_evidence,
            "Add files to the open case's evidence (hashed while copied; originals never change)",
        )
        self.verify_evidence = mk(
            "&Verify evidence",
            "fingerprint",
            None,
            self.evidence.verify_evidence,
            "Re-hash every evidence item of the open case and report any that changed",
        )
        self.offline_mode.setCheckable(True)
        self.offline_mode.setChecked(src.offline())
        # View
        self.zoom_in = mk(
            "Zoom &in",
            "zoom-in",
            QKeySequence.StandardKey.ZoomIn,
            lambda: w.graph_zoom(1.25),
            "Zoom into the graph",
        )
        self.zoom_out = mk(
            "Zoom &out",
            "zoom-out",
            QKeySequence.StandardKey.ZoomOut,
            lambda: w.graph_zoom(0.8),
            "Zoom out of the graph",
        )
        self.zoom_fit = mk(
            "Zoom to &fit", "maximize", "Ctrl+0", lambda: w.graph_zoom(None), "Show the whole graph"
        )
        # Ctrl+1…N follow the tab bar: derived from the one tab list, never numbered by hand
        self.tabs = [
            mk(
                f"Show {name}",
                icon_name,
                f"Ctrl+{index + 1}",
                partial(w.show_case_tab, index),
                f"Show the {name} tab of the open case",
            )
            for index, (name, icon_name) in enumerate(TAB_TITLES)
        ]
        self.digest = mk(
            "Shift &digest…",
            "history",
            None,
            w.show_digest,
            "What changed since a time: new cases, status changes, claims, deadlines",
        )
        self.restore_layout = mk(
            "&Restore default layout",
            "refresh-cw",
            None,
            w.restore_default_layout,
            "Put the docks back where they were",
        )
        # Help
        self.shortcuts = mk(
            "&Keyboard shortcuts",
            "keyboard",
            QKeySequence.StandardKey.HelpContents,
            w.show_shortcuts,
            "List every shortcut",
        )
        # Report (issue 8)
        self.report = mk(
            "Case &report…",
            "file-text",
            "Ctrl+Shift+R",
            w.show_report_dialog,
            "Case summary as PDF, HTML, Markdown or JSON, with redaction profiles and a preview",
        )
        self.report.setIconText("Report")
        self.letter = mk(
            "Response &letter…",
            "mail",
            "Ctrl+Shift+L",
            w.show_letter_dialog,
            "Letter to the requester (disclosure, decline, more information, preservation) "
            "in four languages, with a preview",
        )
        self.about = mk(
            "&About OSINT Workbench", "info", None, w.show_about, "Version and licences"
        )

    def _make(
        self, text: str, icon_name: str | None, keys: Keys, slot: Callable[[], object], tip: str
    ) -> QAction:
        action = QAction(text, self.window)
        if icon_name:
            action.setIcon(icon(icon_name))
        if isinstance(keys, list):
            action.setShortcuts([QKeySequence(k) for k in keys])
        elif keys is not None:
            action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({shortcut})" if tip and shortcut else tip or text)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        self.all.append(action)
        return action

    def build_menus(self) -> None:
        w = self.window
        bar = w.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(self.import_requests)
        import_menu = file_menu.addMenu(icon("download"), "I&mport")
        import_menu.setObjectName("importMenu")
        import_menu.addAction(self.import_backend)
        file_menu.addAction(self.add_evidence)
        file_menu.addSeparator()
        file_menu.addAction(self.open_workspace)
        file_menu.addAction(self.export_json)
        exchange_menu.install(self, file_menu, import_menu)  # exchange (issue 8)
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo, self.redo])
        edit_menu.addSeparator()
        edit_menu.addActions(
            [self.add_entity, self.add_link, self.edit, self.delete, self.copy_value]
        )
        edit_menu.addSeparator()
        edit_menu.addActions([self.find, self.global_search])
        case_menu = bar.addMenu("&Case")
        case_menu.setObjectName("caseMenu")
        case_menu.addActions([self.new_case, self.sample_case])
        case_menu.addSeparator()
        case_menu.addAction(self.claim)
        self.graph_menu = bar.addMenu("&Graph")  # issue 9: the Graph tab's actions
        graph_window_menu.install(w, self.graph_menu)
        evidence_menu = bar.addMenu("Evi&dence")
        evidence_menu.setObjectName("evidenceMenu")
        evidence_menu.addActions([self.capture_url, self.add_evidence, self.verify_evidence])
        sources_menu = bar.addMenu("&Sources")
        sources_menu.setObjectName("sourcesMenu")
        sources_menu.addAction(self.run_source)
        sources_menu.addSeparator()
        sources_menu.addActions([self.plugin_manager, self.network_settings, self.credentials])
        sources_menu.addSeparator()
        sources_menu.addActions([self.offline_mode, w.runs_dock.toggleViewAction()])
        report_menu = bar.addMenu("&Report")  # issue 8
        report_menu.setObjectName("reportMenu")
        report_menu.addActions([self.report, self.letter])
        view_menu = bar.addMenu("&View")
        view_menu.setObjectName("viewMenu")
        view_menu.addActions(
            [
                w.queue_dock.toggleViewAction(),
                w.inspector_dock.toggleViewAction(),
                w.runs_dock.toggleViewAction(),
                w.search.dock.toggleViewAction(),
                w.toolbar.toggleViewAction(),
            ]
        )
        view_menu.addSeparator()
        view_menu.addAction(self.digest)
        view_menu.addSeparator()
        tabs_menu = view_menu.addMenu("Case &tab")
        tabs_menu.setObjectName("caseTabMenu")
        tabs_menu.addActions(self.tabs)
        view_menu.addSeparator()
        view_menu.addActions([self.zoom_in, self.zoom_out, self.zoom_fit])
        view_menu.addSeparator()
        view_menu.addAction(self.restore_layout)
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts, self.about])

    def build_toolbar(self, toolbar: QToolBar) -> None:
        toolbar.setIconSize(QSize(18, 18))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.new_case, self.import_requests, self.sample_case])
        toolbar.addSeparator()
        toolbar.addActions([self.add_entity, self.add_link, self.delete])
        toolbar.addSeparator()
        toolbar.addAction(self.run_source)
        toolbar.addAction(self.report)  # issue 8
        toolbar.addAction(self.capture_url)
        toolbar.addSeparator()
        toolbar.addActions([self.undo, self.redo])
        toolbar.addSeparator()
        toolbar.addAction(self.zoom_fit)

    def context_menu(self) -> QMenu:
        menu = QMenu(self.window)
        session = self.window.session
        entity_id = session.selection.entity_id() if session is not None else None
        if session is not None and entity_id is not None:
            menu.addMenu(self.window.sources.run_menu(menu))
            if session.ws.graph.get_entity(entity_id).type == "url":
                menu.addAction(self.capture_entity)
            menu.addSeparator()
        menu.addActions([self.edit, self.add_link, self.copy_value])
        menu.addSeparator()
        menu.addAction(self.delete)
        return menu

    def update_state(self, has_case: bool, kind: str) -> None:
        """Enable what makes sense now: editing needs a case, Edit/Delete a selection."""
        for action in (
            self.add_entity,
            self.add_link,
            self.zoom_in,
            self.zoom_out,
            self.zoom_fit,
            self.capture_url,
            self.add_evidence,
            self.verify_evidence,
            *self.tabs,
        ):
            action.setEnabled(has_case)
        for action in (self.edit, self.delete):
            action.setEnabled(has_case and bool(kind))
        self.copy_value.setEnabled(has_case and kind == "entity")
        self.run_source.setEnabled(has_case and kind == "entity")
        self.import_backend.setEnabled(has_case)
        self.export_json.setEnabled(has_case)
        self.report.setEnabled(has_case)  # issue 8
        self.letter.setEnabled(has_case)
        if hasattr(self, "graph_menu"):
            self.graph_menu.menuAction().setEnabled(has_case)  # issue 9
        exchange_menu.update_state(self, has_case)  # exchange (issue 8)
