"""Plugin manager: every discovered source with its status (enabled, disabled, broken and
why), enable/disable (remembered), details, its typed settings and a way to its credentials."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.icons import icon
from ui.models.records import ListTableModel
from workbench.errors import WorkbenchError
from workbench.paths import user_plugins_dir
from workbench.sources.host import PluginStatus
from workbench.sources.manifest import SettingSpec

if TYPE_CHECKING:
    from ui.sources.controller import SourcesController

Index = QModelIndex | QPersistentModelIndex
STATUS_ROLE = Qt.ItemDataRole.UserRole + 41  # the PluginStatus of a row
NAME, ID, VERSION, IO, EGRESS, STATUS = range(6)
HEADERS = ("Name", "Id", "Version", "Inputs → outputs", "Sends data to", "Status")
STATUS_TEXT = {"enabled": "Enabled", "disabled": "Disabled", "broken": "Broken"}


def egress_text(status: PluginStatus) -> str:
    manifest = status.info.manifest
    if manifest is None:
        return ""
    hosts = list(manifest.egress)
    if manifest.dynamic_egress:
        hosts.append("hosts that depend on the input")
    if not hosts:
        return "nothing (runs on this machine)"
    if len(hosts) > 3:
        return f"{', '.join(hosts[:3])} and {len(hosts) - 3} more"
    return ", ".join(hosts)


def io_text(status: PluginStatus) -> str:
    manifest = status.info.manifest
    if manifest is None:
        return ""
    return f"{', '.join(manifest.inputs)} → {', '.join(manifest.outputs) or '—'}"


class PluginTableModel(ListTableModel):
    headers = HEADERS

    enabledChanged = Signal(str, bool)

    def __init__(self, controller: SourcesController, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self.rows: list[PluginStatus] = []
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.rows = self.controller.host.plugins()
        self.endResetModel()

    def items(self) -> list[Any]:
        return self.rows

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == NAME and self.rows[index.row()].info.ok:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        status = self.rows[index.row()]
        manifest = status.info.manifest
        column = index.column()
        if role == STATUS_ROLE:
            return status
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME:
                return manifest.name if manifest else status.info.key
            if column == ID:
                return status.info.id
            if column == VERSION:
                return manifest.version if manifest else ""
            if column == IO:
                return io_text(status)
            if column == EGRESS:
                return egress_text(status)
            if column == STATUS:
                text = STATUS_TEXT.get(status.status, status.status)
                if status.status == "broken":
                    return f"{text}: {status.info.error.splitlines()[0][:120]}"
                return text
        if role == Qt.ItemDataRole.CheckStateRole and column == NAME and status.info.ok:
            return Qt.CheckState.Checked if status.enabled else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == STATUS and status.info.error:
                return status.info.error
            if column == NAME and status.info.ok:
                return "Tick to enable this source; untick to hide it from Run source."
            return self.data(index, Qt.ItemDataRole.DisplayRole) or None
        if role == Qt.ItemDataRole.DecorationRole and column == STATUS:
            c = theme.colours()
            if status.status == "broken":
                return icon("circle-alert", c.bad)
            if status.status == "enabled":
                return icon("circle-check", c.ok)
            return icon("circle-x", c.muted)
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and status.status == "broken"
            and column == STATUS
        ):
            return QColor(theme.colours().bad)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != NAME:
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        return self.set_enabled(index.row(), bool(checked))

    def set_enabled(self, row: int, enabled: bool) -> bool:
        status = self.rows[row]
        if not status.info.ok:
            return False
        self.controller.host.set_enabled(status.info.id, enabled)
        self.rows[row] = PluginStatus(status.info, enabled)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
        self.enabledChanged.emit(status.info.id, enabled)
        return True


def _setting_editor(spec: SettingSpec, value: Any) -> QWidget:
    if spec.type == "boolean":
        box = QCheckBox()
        box.setChecked(bool(value))
        return box
    if spec.type == "integer":
        spin = QSpinBox()
        spin.setRange(
            int(spec.minimum) if spec.minimum is not None else -(10**9),
            int(spec.maximum) if spec.maximum is not None else 10**9,
        )
        spin.setValue(int(value))
        return spin
    if spec.type == "number":
        number = QDoubleSpinBox()
        number.setDecimals(3)
        number.setRange(
            spec.minimum if spec.minimum is not None else -1e12,
            spec.maximum if spec.maximum is not None else 1e12,
        )
        number.setValue(float(value))
        return number
    if spec.type == "choice":
        combo = QComboBox()
        combo.addItems(list(spec.choices))
        combo.setCurrentText(str(value))
        return combo
    return QLineEdit(str(value))


def _editor_value(editor: QWidget) -> Any:
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QSpinBox):
        return editor.value()
    if isinstance(editor, QDoubleSpinBox):
        return editor.value()
    if isinstance(editor, QComboBox):
        return editor.currentText()
    assert isinstance(editor, QLineEdit)
    return editor.text()


class PluginManagerDialog(QDialog):
    def __init__(self, controller: SourcesController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("pluginManagerDialog")
        self.setWindowTitle("Plugin manager")
        self.resize(1040, 620)
        self.model = PluginTableModel(controller, self)
        self.model.enabledChanged.connect(lambda *_: self._show_selected())
        self.table = QTableView(self)
        self.table.setObjectName("pluginTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        for column, width in ((NAME, 210), (ID, 120), (VERSION, 64), (IO, 240), (EGRESS, 200)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Stretch)

        self.details = QTextBrowser(self)
        self.details.setObjectName("pluginDetails")
        self.details.setOpenExternalLinks(True)
        self.settings_box = QGroupBox("Settings of this source")
        self.settings_form = QFormLayout(self.settings_box)
        self.settings_error = QLabel(objectName="settingsError")
        self.settings_error.setWordWrap(True)
        self.settings_error.setStyleSheet(f"color: {theme.colours().bad};")
        self._editors: dict[str, QWidget] = {}

        self.toggle_button = QPushButton("Disable", objectName="toggleEnabled")
        self.toggle_button.clicked.connect(self._toggle)
        self.credentials_button = QPushButton(icon("key-round"), "Credentials…")
        self.credentials_button.setObjectName("pluginCredentials")
        self.credentials_button.clicked.connect(self._credentials)
        self.rescan_button = QPushButton(icon("refresh-cw"), "Rescan plugins")
        self.rescan_button.setObjectName("rescanPlugins")
        self.rescan_button.clicked.connect(self.rescan)
        folder = user_plugins_dir()
        self.folder_button = QPushButton(icon("folder-open"), "Open user plugin folder")
        self.folder_button.setToolTip(str(folder))
        self.folder_button.clicked.connect(self._open_folder)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.settings_box)
        side_layout.addWidget(self.settings_error)
        side_row = QHBoxLayout()
        side_row.addWidget(self.toggle_button)
        side_row.addWidget(self.credentials_button)
        side_row.addStretch(1)
        side_layout.addLayout(side_row)
        side_layout.addStretch(1)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.details)
        lower.addWidget(side)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([620, 400])
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setSizes([220, 360])
        splitter.setChildrenCollapsible(False)

        intro = QLabel(
            "Sources are plugins: built-in ones, folders in your user plugin folder, and "
            f"installed packages. User plugin folder: {html.escape(str(folder))}",
            objectName="muted",
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(self.rescan_button)
        bottom.addWidget(self.folder_button)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.MARGIN, theme.MARGIN, theme.MARGIN)
        layout.setSpacing(theme.SPACING)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        if self.model.rows:
            self.table.selectRow(0)
        else:
            self._show_selected()

    # ---- selection --------------------------------------------------------------------------
    def selected(self) -> PluginStatus | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        status: PluginStatus = self.model.rows[index.row()]
        return status

    def select_plugin(self, plugin_id: str) -> bool:
        for row, status in enumerate(self.model.rows):
            if status.info.id == plugin_id:
                self.table.selectRow(row)
                return True
        return False

    def _show_selected(self) -> None:
        status = self.selected()
        self.details.setHtml(details_html(status) if status else "<p>No plugin selected.</p>")
        self._build_settings(status)
        ok = status is not None and status.info.ok
        self.toggle_button.setEnabled(ok)
        self.toggle_button.setText("Disable" if status is not None and status.enabled else "Enable")
        manifest = status.info.manifest if status else None
        self.credentials_button.setEnabled(bool(manifest and manifest.credentials))

    def _build_settings(self, status: PluginStatus | None) -> None:
        while self.settings_form.rowCount():
            self.settings_form.removeRow(0)
        self._editors = {}
        self.settings_error.clear()
        manifest = status.info.manifest if status else None
        if manifest is None or not status or not status.info.ok:
            self.settings_form.addRow(QLabel("—", objectName="muted"))
            self.settings_box.setEnabled(False)
            return
        self.settings_box.setEnabled(not self.controller.host.settings.read_only)
        if not manifest.settings:
            self.settings_form.addRow(QLabel("This source has no settings.", objectName="muted"))
            return
        try:
            values = self.controller.host.settings.plugin_settings(manifest)
        except WorkbenchError as exc:
            self.settings_error.setText(f"{exc} The defaults are shown.")
            values = {spec.name: spec.default for spec in manifest.settings}
        for spec in manifest.settings:
            editor = _setting_editor(spec, values.get(spec.name, spec.default))
            editor.setObjectName(f"setting_{spec.name}")
            editor.setToolTip(spec.description)
            self.settings_form.addRow(spec.name.replace("_", " "), editor)
            self._editors[spec.name] = editor
        save = QPushButton("Save settings", objectName="saveSettings")
        reset = QPushButton("Reset to defaults", objectName="resetSettings")
        save.clicked.connect(self.save_settings)
        reset.clicked.connect(self.reset_settings)
        row = QHBoxLayout()
        row.addWidget(save)
        row.addWidget(reset)
        row.addStretch(1)
        self.settings_form.addRow(row)

    def save_settings(self) -> bool:
        status = self.selected()
        manifest = status.info.manifest if status else None
        if manifest is None:
            return False
        try:
            for name, editor in self._editors.items():
                self.controller.host.settings.set_plugin_setting(
                    manifest, name, _editor_value(editor)
                )
        except WorkbenchError as exc:
            self.settings_error.setText(str(exc))
            return False
        self.settings_error.setText("")
        self.controller.status_message(f"Saved the settings of {manifest.name}.")
        return True

    def reset_settings(self) -> None:
        status = self.selected()
        if status is None:
            return
        try:
            self.controller.host.settings.reset_plugin_settings(status.info.id)
        except WorkbenchError as exc:
            self.settings_error.setText(str(exc))
            return
        self._build_settings(status)

    # ---- actions ----------------------------------------------------------------------------
    def _toggle(self) -> None:
        index = self.table.currentIndex()
        status = self.selected()
        if status is None:
            return
        try:
            self.model.set_enabled(index.row(), not status.enabled)
        except WorkbenchError as exc:
            self.settings_error.setText(str(exc))

    def _credentials(self) -> None:
        status = self.selected()
        if status is not None:
            self.controller.show_settings(credentials=True, plugin_id=status.info.id, parent=self)

    def rescan(self) -> None:
        current = self.selected()
        self.controller.host.registry.reload()
        self.model.reload()
        found = current is not None and self.select_plugin(current.info.id)
        if not found and self.model.rows:
            self.table.selectRow(0)

    def _open_folder(self) -> None:
        folder = user_plugins_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def details_html(status: PluginStatus) -> str:
    e = html.escape
    info, manifest = status.info, status.info.manifest
    parts: list[str] = []
    if manifest is None:
        parts.append(f"<h3>{e(info.key)}</h3>")
    else:
        parts.append(f"<h3>{e(manifest.name)} <small>{e(manifest.version)}</small></h3>")
        parts.append(f"<p>{e(manifest.description)}</p>")
    status_text = STATUS_TEXT.get(status.status, status.status)
    parts.append(f"<p><b>Status:</b> {e(status_text)}</p>")
    if info.error:
        colour = theme.colours().bad
        parts.append(
            f"<p style='color:{colour}'><b>Why it does not load:</b></p>"
            f"<pre style='white-space: pre-wrap'>{e(info.error)}</pre>"
        )
    rows: list[tuple[str, str]] = [("Id", info.id), ("From", f"{info.origin}: {info.location}")]
    if manifest is not None:
        kind = (
            "passive (asks third parties)"
            if manifest.kind == "passive"
            else "active (touches the subject's systems)"
        )
        rows += [
            ("Kind", kind),
            ("Takes", ", ".join(manifest.inputs)),
            ("Produces", ", ".join(manifest.outputs) or "—"),
            ("Sends data to", egress_text(status)),
            (
                "Credentials",
                ", ".join(
                    f"{c.name} ({'required' if c.required else 'optional'})"
                    for c in manifest.credentials
                )
                or "none",
            ),
            (
                "Limits",
                f"{manifest.rate_limit_requests} request(s) per {manifest.rate_limit_seconds:g} s "
                f"per host; run {manifest.run_timeout:g} s, request {manifest.request_timeout:g} "
                f"s; cache {manifest.cache_ttl} s; at most {manifest.max_results} results",
            ),
        ]
        if manifest.author:
            rows.append(("Author", manifest.author))
        if manifest.licence:
            rows.append(("Licence", manifest.licence))
        if manifest.homepage:
            rows.append(("Homepage", manifest.homepage))
        for data in manifest.bundled_data:
            rows.append(("Bundled data", f"{data.path}: {data.licence}, {data.attribution}"))
    table = "".join(
        f"<tr><td style='padding-right:12px'><b>{e(k)}</b></td><td>{e(v)}</td></tr>"
        for k, v in rows
    )
    parts.append(f"<table>{table}</table>")
    return "".join(parts)
