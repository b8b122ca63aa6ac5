"""Opening the keyring from the window: the system keychain when there is one, else the
encrypted credentials file, unlocked with a master password asked for in a dialog.

`CredentialAccess` is the credential provider handed to `SourceHost`; the host calls it the
first time a secret is needed. It shows its dialog only on the GUI thread: a run that needs
a locked secret on a worker thread fails with a message saying how to unlock it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from keyring.backend import KeyringBackend
from PySide6.QtCore import QCoreApplication, QThread
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from workbench.paths import config_dir
from workbench.sources.credentials import CREDENTIALS_FILE, CredentialStore, system_backend
from workbench.sources.errors import CredentialError

MIN_NEW_PASSWORD = 8


def on_gui_thread() -> bool:
    app = QCoreApplication.instance()
    return app is not None and QThread.currentThread() is app.thread()


class MasterPasswordDialog(QDialog):
    """Asks for the master password of the credentials file (twice when creating it)."""

    def __init__(
        self, path: Path, *, creating: bool, error: str = "", parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setObjectName("masterPasswordDialog")
        self.creating = creating
        self.setWindowTitle(
            "Choose a master password" if creating else "Unlock the credentials file"
        )
        self.setMinimumWidth(460)
        if creating:
            text = (
                "This machine has no system keychain, so the credentials of your data sources "
                f"are kept in an encrypted file:\n{path}\n\nChoose a master password for it "
                f"(at least {MIN_NEW_PASSWORD} characters). You will be asked for it once per "
                "session. If you lose it, delete the file and enter the credentials again."
            )
        else:
            text = (
                "This machine has no system keychain, so the credentials of your data sources "
                f"are kept in an encrypted file:\n{path}\n\nEnter its master password."
            )
        intro = QLabel(text)
        intro.setWordWrap(True)
        self.password = QLineEdit(objectName="masterPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit(objectName="masterPasswordConfirm")
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel(error, objectName="errorText")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.colours().bad};")
        self.error.setVisible(bool(error))
        form = QFormLayout()
        form.addRow("&Master password", self.password)
        if creating:
            form.addRow("&Repeat it", self.confirm)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Create file" if creating else "Unlock")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(
            theme.MARGIN * 2, theme.MARGIN * 2, theme.MARGIN * 2, theme.MARGIN
        )
        layout.setSpacing(theme.SPACING)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.password.textChanged.connect(self._check)
        self.confirm.textChanged.connect(self._check)
        self._check()

    def problem(self) -> str:
        password = self.password.text()
        if not password.strip():
            return "Type the master password."
        if self.creating and len(password) < MIN_NEW_PASSWORD:
            return f"Use at least {MIN_NEW_PASSWORD} characters."
        if self.creating and password != self.confirm.text():
            return "The two passwords differ."
        return ""

    def _check(self) -> None:
        self.ok.setEnabled(not self.problem())
        if self.creating and self.password.text():
            problem = self.problem()
            self.error.setText(problem)
            self.error.setVisible(bool(problem))

    def value(self) -> str:
        return self.password.text()


class CredentialAccess:
    """The credential provider of the window's SourceHost (see module docstring)."""

    def __init__(self, parent: Callable[[], QWidget | None] = lambda: None):
        self._parent = parent
        self.store: CredentialStore | None = None
        self._system: KeyringBackend | None = None
        self._system_checked = False

    def system(self) -> KeyringBackend | None:
        if not self._system_checked:
            self._system = system_backend()
            self._system_checked = True
        return self._system

    @property
    def file_path(self) -> Path:
        return config_dir() / CREDENTIALS_FILE

    @property
    def unlocked(self) -> bool:
        return self.store is not None or self.system() is not None

    def backend_text(self) -> tuple[str, str]:
        """(what, details) in plain words, for the settings dialog."""
        store, system = self.store, self.system()
        if store is not None and store.kind not in ("system", "encrypted-file"):
            return store.describe(), ""
        if (store is not None and store.kind == "system") or system is not None:
            name = store.location if store is not None else type(system).__name__
            return (
                f"System keychain ({name})",
                "Secrets are kept by your operating system's keychain, not by this app.",
            )
        return (
            "Encrypted file (no system keychain found)",
            f"{self.file_path}: Argon2 key derivation and AES-GCM encryption, opened with your "
            "master password. Never a plain-text file.",
        )

    def __call__(self) -> CredentialStore:
        if self.store is not None:
            return self.store
        if self.system() is not None:
            self.store = CredentialStore.open(prefer="system")
            return self.store
        if not on_gui_thread():
            raise CredentialError(
                "The credentials file is locked. Unlock it with Sources > Credentials… and "
                "run the source again."
            )
        from ui.editing import exec_dialog

        path, error = self.file_path, ""
        while True:
            dialog = MasterPasswordDialog(
                path, creating=not path.exists(), error=error, parent=self._parent()
            )
            if not exec_dialog(dialog):
                raise CredentialError(
                    "The credentials file stays locked: no master password was given."
                )
            password = dialog.value()
            try:
                self.store = CredentialStore.open(
                    prefer="file",
                    file_path=path,
                    master_password=lambda: password,  # noqa: B023 (used at once)
                )
            except CredentialError as exc:
                error = str(exc)
                continue
            return self.store
