"""Plugin secrets live in a keyring only: the system keychain, or an encrypted file.

We never take `keyring.get_keyring()` as is: on a machine without a keychain its chain
includes a *plaintext* file backend. Instead we pick a real system backend (Secret Service,
KWallet, macOS Keychain, Windows Credential Locker) when one is usable, else
keyrings.cryptfile's CryptFileKeyring (Argon2 key derivation, AES-GCM) in the user config
folder, unlocked with a master password that the UI or CLI asks for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from keyring.backend import KeyringBackend, get_all_keyring
from keyring.errors import KeyringError, PasswordDeleteError

from workbench.paths import config_dir
from workbench.sources.errors import CredentialError

SERVICE = "osint-workbench"
CREDENTIALS_FILE = "credentials.cfg"
SYSTEM_BACKEND_MODULES = (
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
)
BACKEND_CHOICES = ("auto", "system", "file")

MasterPassword = Callable[[], str]


def system_backend() -> KeyringBackend | None:
    """The best usable system keychain, or None (headless Linux, containers, CI)."""
    candidates = [
        backend
        for backend in get_all_keyring()
        if type(backend).__module__.startswith(SYSTEM_BACKEND_MODULES)
    ]
    candidates.sort(key=lambda backend: float(backend.priority), reverse=True)
    return candidates[0] if candidates else None


def encrypted_file_backend(path: Path, master_password: str) -> KeyringBackend:
    """keyrings.cryptfile's encrypted file, unlocked (or created) with `master_password`."""
    from keyrings.cryptfile.cryptfile import CryptFileKeyring  # type: ignore[import-untyped]

    if not master_password or not master_password.strip():
        raise CredentialError("The master password for the credentials file cannot be empty.")
    backend = CryptFileKeyring()
    backend.file_path = str(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        backend.keyring_key = master_password  # unlocks, or creates the file
    except ValueError as exc:
        raise CredentialError(
            f"The master password does not open {path}. Type it again; if it is lost, delete "
            "the file and enter the plugins' credentials again."
        ) from exc
    path.chmod(0o600)
    chosen: KeyringBackend = backend
    return chosen


class CredentialStore:
    """get/set/delete a plugin's named secrets. Secrets are never logged or written elsewhere."""

    def __init__(self, backend: KeyringBackend, kind: str, location: str = ""):
        self._backend = backend
        self.kind = kind  # "system" | "encrypted-file"
        self.location = location
        self._cache: dict[tuple[str, str], str | None] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        *,
        prefer: str = "auto",
        file_path: Path | None = None,
        master_password: MasterPassword | None = None,
    ) -> CredentialStore:
        """Choose the backend: a system keychain when usable (unless prefer="file"), else the
        encrypted file, which needs `master_password` (a callable: the UI shows a dialog)."""
        if prefer not in BACKEND_CHOICES:
            raise CredentialError(f"Unknown credential backend {prefer!r}; use auto, system, file.")
        if prefer in ("auto", "system"):
            backend = system_backend()
            if backend is not None:
                return cls(backend, "system", type(backend).__name__)
            if prefer == "system":
                raise CredentialError(
                    "No system keychain is available on this machine. Use the encrypted "
                    "credentials file (protected by a master password) instead."
                )
        path = file_path or (config_dir() / CREDENTIALS_FILE)
        if master_password is None:
            raise CredentialError(
                "There is no system keychain here, so credentials are kept in an encrypted "
                f"file ({path}) that needs a master password, and none was given."
            )
        return cls(encrypted_file_backend(path, master_password()), "encrypted-file", str(path))

    def describe(self) -> str:
        if self.kind == "system":
            return f"System keychain ({self.location})"
        return f"Encrypted file {self.location} (Argon2 + AES-GCM, master password)"

    @staticmethod
    def _username(plugin_id: str, name: str) -> str:
        return f"{plugin_id}/{name}"

    def get(self, plugin_id: str, name: str) -> str | None:
        key = (plugin_id, name)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            try:
                value = self._backend.get_password(SERVICE, self._username(plugin_id, name))
            except (KeyringError, ValueError) as exc:
                raise CredentialError(f"The keyring could not be read: {exc}") from exc
            self._cache[key] = value
            return value

    def has(self, plugin_id: str, name: str) -> bool:
        return bool(self.get(plugin_id, name))

    def set(self, plugin_id: str, name: str, value: str) -> None:
        if not value:
            raise CredentialError("A credential cannot be empty; delete it instead.")
        with self._lock:
            try:
                self._backend.set_password(SERVICE, self._username(plugin_id, name), value)
            except (KeyringError, ValueError) as exc:
                raise CredentialError(f"The keyring could not store the secret: {exc}") from exc
            self._cache[(plugin_id, name)] = value

    def delete(self, plugin_id: str, name: str) -> None:
        with self._lock:
            try:
                self._backend.delete_password(SERVICE, self._username(plugin_id, name))
            except PasswordDeleteError:
                pass  # already absent: the goal is reached
            except (KeyringError, ValueError) as exc:
                raise CredentialError(f"The keyring could not delete the secret: {exc}") from exc
            self._cache[(plugin_id, name)] = None
