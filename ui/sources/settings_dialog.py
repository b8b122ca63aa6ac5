"""Settings for data sources: Network (offline mode, proxy, User-Agent) and Credentials
(each source's secrets, stored in the keyring; password fields that never show a stored value).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.icons import icon
from workbench.errors import WorkbenchError
from workbench.sources.settings import check_proxy, default_user_agent

if TYPE_CHECKING:
    from ui.sources.controller import SourcesController
    from workbench.sources.manifest import Manifest

NETWORK, CREDENTIALS = 0, 1
DIRECT, SYSTEM, CUSTOM = 0, 1, 2


def _muted(text: str) -> QLabel:
    label = QLabel(text, objectName="muted")
    label.setWordWrap(True)
    return label


def _error_label(name: str) -> QLabel:
    label = QLabel(objectName=name)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {theme.colours().bad};")
    label.hide()
    return label


class NetworkPage(QWidget):
    def __init__(self, controller: SourcesController, parent: QWidget | None = None):
        super().__init__(parent)
        network = controller.host.settings.network
        self.offline = QCheckBox("Work &offline: nothing leaves this machine", objectName="offline")
        self.offline.setChecked(network.offline)
        self.proxy_mode = QComboBox(objectName="proxyMode")
        self.proxy_mode.addItems(
            ["Direct connection", "System proxy (environment variables)", "Proxy server"]
        )
        self.proxy_url = QLineEdit(objectName="proxyUrl")
        self.proxy_url.setPlaceholderText("e.g. socks5h://127.0.0.1:9050 or http://proxy:3128")
        if network.proxy == "system":
            self.proxy_mode.setCurrentIndex(SYSTEM)
        elif network.proxy:
            self.proxy_mode.setCurrentIndex(CUSTOM)
            self.proxy_url.setText(network.proxy)
        self.user_agent = QLineEdit(network.user_agent, objectName="userAgent")
        self.user_agent.setPlaceholderText(default_user_agent())
        self.error = _error_label("networkError")

        form = QFormLayout()
        form.setVerticalSpacing(theme.SPACING)
        form.addRow(self.offline)
        form.addRow(
            _muted(
                "Sources that would send data are not started, and every request fails. Sources "
                "that work on this machine only (such as text extraction) still run."
            )
        )
        form.addRow("&Proxy", self.proxy_mode)
        form.addRow("Proxy &URL", self.proxy_url)
        form.addRow(
            _muted(
                "Schemes: http, https, socks5, socks5h (names resolved by the proxy), socks4. "
                "Applies to every request of every source."
            )
        )
        form.addRow("&User-Agent", self.user_agent)
        form.addRow(_muted("Sent with every request. Empty: the default shown in grey."))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.MARGIN, theme.MARGIN, theme.MARGIN)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.proxy_mode.currentIndexChanged.connect(self._mode_changed)
        self._mode_changed()
        if controller.host.settings.read_only:
            self.error.setText(
                "These settings were written by a newer version of OSINT Workbench and cannot "
                "be changed here."
            )
            self.error.show()
            self.setEnabled(False)

    def _mode_changed(self) -> None:
        self.proxy_url.setEnabled(self.proxy_mode.currentIndex() == CUSTOM)

    def proxy(self) -> str:
        mode = self.proxy_mode.currentIndex()
        if mode == SYSTEM:
            return "system"
        if mode == CUSTOM:
            return self.proxy_url.text().strip()
        return ""

    def validate(self) -> str:
        if self.proxy_mode.currentIndex() == CUSTOM and not self.proxy():
            return "Type the proxy's URL, or choose Direct connection."
        try:
            check_proxy(self.proxy())
        except WorkbenchError as exc:
            return str(exc)
        return ""


class CredentialRow:
    """One secret of one source: its state, a password field, Store and Remove."""

    def __init__(self, page: CredentialsPage, manifest: Manifest, name: str, description: str):
        self.page = page
        self.plugin_id = manifest.id
        self.name = name
        self.label = QLabel(f"<b>{name}</b>")
        self.label.setToolTip(description)
        self.state = QLabel(objectName="credentialState")
        self.edit = QLineEdit(objectName=f"secret_{manifest.id}_{name}")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setMinimumWidth(220)
        self.store_button = QPushButton("Store", objectName=f"store_{manifest.id}_{name}")
        self.remove_button = QPushButton("Remove", objectName=f"remove_{manifest.id}_{name}")
        self.store_button.clicked.connect(self.store)
        self.remove_button.clicked.connect(self.remove)
        self.edit.textChanged.connect(lambda text: self.store_button.setEnabled(bool(text)))
        self.edit.returnPressed.connect(self.store)
        self.description = _muted(description) if description else None

    def refresh(self) -> None:
        store = self.page.controller.host.credentials if self.page.unlocked else None
        stored = store.has(self.plugin_id, self.name) if store is not None else False
        self.state.setText("● Stored" if stored else "○ Not set")
        self.state.setToolTip("A value is kept in the keyring." if stored else "No value yet.")
        self.edit.clear()  # never show a stored value
        self.edit.setPlaceholderText(
            "stored — type a new value to replace it" if stored else "type the secret"
        )
        self.edit.setEnabled(self.page.unlocked)
        self.store_button.setEnabled(False)
        self.remove_button.setEnabled(self.page.unlocked and stored)

    def store(self) -> None:
        value = self.edit.text()
        if not value:
            return
        self.page.run(
            lambda: self.page.controller.host.credentials.set(self.plugin_id, self.name, value),
            f"Stored {self.name} for {self.plugin_id} in the keyring.",
        )
        self.refresh()

    def remove(self) -> None:
        self.page.run(
            lambda: self.page.controller.host.credentials.delete(self.plugin_id, self.name),
            f"Removed {self.name} of {self.plugin_id} from the keyring.",
        )
        self.refresh()


class CredentialsPage(QWidget):
    def __init__(
        self, controller: SourcesController, focus_plugin: str | None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.controller = controller
        self.unlocked = controller.credentials_unlocked()
        self.rows: list[CredentialRow] = []
        what, details = controller.access.backend_text()
        self.backend = QLabel(f"Where secrets are kept: <b>{what}</b>", objectName="backendLabel")
        self.backend.setWordWrap(True)
        self.backend_details = _muted(details)
        self.unlock_button = QPushButton(icon("key-round"), "Unlock…", objectName="unlockButton")
        self.unlock_button.clicked.connect(self.unlock)
        self.feedback = QLabel(objectName="credentialFeedback")
        self.feedback.setWordWrap(True)
        self.error = _error_label("credentialError")

        content = QWidget()
        rows_layout = QVBoxLayout(content)
        rows_layout.setContentsMargins(0, 0, 0, 0)
        rows_layout.setSpacing(theme.SPACING)
        focus_box: QGroupBox | None = None
        for status in controller.host.plugins():
            manifest = status.info.manifest
            if manifest is None or not manifest.credentials:
                continue
            box = QGroupBox(f"{manifest.name} ({manifest.id})")
            grid = QGridLayout(box)
            grid.setHorizontalSpacing(theme.SPACING)
            for line, spec in enumerate(manifest.credentials):
                row = CredentialRow(self, manifest, spec.name, spec.description)
                need = "required" if spec.required else "optional"
                row.label.setText(f"<b>{spec.name}</b> ({need})")
                grid.addWidget(row.label, line * 2, 0)
                grid.addWidget(row.state, line * 2, 1)
                grid.addWidget(row.edit, line * 2, 2)
                grid.addWidget(row.store_button, line * 2, 3)
                grid.addWidget(row.remove_button, line * 2, 4)
                if row.description is not None:
                    grid.addWidget(row.description, line * 2 + 1, 0, 1, 5)
                self.rows.append(row)
            grid.setColumnStretch(2, 1)
            rows_layout.addWidget(box)
            if manifest.id == focus_plugin:
                focus_box = box
        if not self.rows:
            rows_layout.addWidget(
                _muted("No installed source needs credentials. Sources that do list them here.")
            )
        rows_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)

        top = QHBoxLayout()
        top.addWidget(self.backend, 1)
        top.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.MARGIN, theme.MARGIN, theme.MARGIN)
        layout.setSpacing(theme.SPACING)
        layout.addLayout(top)
        layout.addWidget(self.backend_details)
        layout.addWidget(
            _muted(
                "Secrets are only read by the sources that declare them, and are removed from "
                "everything a run writes (case, audit log, evidence, exports)."
            )
        )
        layout.addWidget(scroll, 1)
        layout.addWidget(self.feedback)
        layout.addWidget(self.error)
        self._refresh()
        if focus_box is not None:
            scroll.ensureWidgetVisible(focus_box)

    def _refresh(self) -> None:
        self.unlock_button.setVisible(not self.unlocked and bool(self.rows))
        what, details = self.controller.access.backend_text()
        if not self.unlocked:
            what += " — locked"
        self.backend.setText(f"Where secrets are kept: <b>{what}</b>")
        self.backend_details.setText(details)
        for row in self.rows:
            row.refresh()

    def unlock(self) -> None:
        try:
            self.controller.host.credentials  # noqa: B018  (opens the store: may ask)
        except WorkbenchError as exc:
            self.show_error(str(exc))
            return
        self.unlocked = True
        self.error.hide()
        self._refresh()

    def run(self, action: object, done: str) -> None:
        try:
            action()  # type: ignore[operator]
        except WorkbenchError as exc:
            self.show_error(str(exc))
            return
        self.error.hide()
        self.feedback.setText(done)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


class SourceSettingsDialog(QDialog):
    def __init__(
        self,
        controller: SourcesController,
        tab: int = NETWORK,
        focus_plugin: str | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("sourceSettingsDialog")
        self.setWindowTitle("Source settings")
        self.setMinimumSize(640, 440)
        self.tabs = QTabWidget(self)
        self.network = NetworkPage(controller)
        self.credentials = CredentialsPage(controller, focus_plugin)
        self.tabs.addTab(self.network, icon("network"), "Network")
        self.tabs.addTab(self.credentials, icon("key-round"), "Credentials")
        self.tabs.setCurrentIndex(tab)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Save")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.MARGIN, theme.MARGIN, theme.MARGIN)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(
            _muted(
                "Credentials are stored at once with their Store button; Save keeps the "
                "network settings."
            )
        )
        layout.addWidget(self.buttons)

    def accept(self) -> None:
        page = self.network
        if page.isEnabled():
            problem = page.validate()
            if problem:
                self.tabs.setCurrentWidget(page)
                page.error.setText(problem)
                page.error.show()
                return
            try:
                self.controller.set_network(
                    offline=page.offline.isChecked(),
                    proxy=page.proxy(),
                    user_agent=page.user_agent.text(),
                )
            except WorkbenchError as exc:
                page.error.setText(str(exc))
                page.error.show()
                return
        super().accept()
