"""The user's source settings: one typed, versioned JSON file owned by the core.

`settings.json` in the user config folder ($WORKBENCH_CONFIG_DIR for tests) remembers which
plugins are enabled, each plugin's settings, the network policy (offline mode, proxy,
User-Agent) and the "don't ask again for this source in this case" choices. Written
atomically (temp file + rename); a file from a newer version is read but never overwritten.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workbench import __version__
from workbench.atomicfile import atomic_text
from workbench.paths import config_dir
from workbench.sources.errors import SettingsError
from workbench.sources.manifest import Manifest

SETTINGS_NAME = "settings.json"
SETTINGS_VERSION = 1
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h", "socks4", "socks4a")


def default_user_agent() -> str:
    return f"OSINT-Workbench/{__version__} (+investigations; contact your T&S team)"


@dataclass(frozen=True)
class NetworkSettings:
    """Applied by the host to every request of every plugin."""

    offline: bool = False
    proxy: str = ""  # "" = direct, "system" = environment variables, or a proxy URL
    user_agent: str = ""

    @property
    def effective_user_agent(self) -> str:
        return self.user_agent or default_user_agent()


def check_proxy(value: str) -> str:
    value = value.strip()
    if value in ("", "system"):
        return value
    parts = urlsplit(value)
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
        raise SettingsError(
            f"Proxy {value!r} is not a proxy URL. Use e.g. http://proxy.example:3128 or "
            f"socks5h://127.0.0.1:9050 (schemes: {', '.join(PROXY_SCHEMES)}), 'system' to use "
            "the environment's proxy variables, or leave it empty for a direct connection."
        )
    return value


class SettingsStore:
    """Thread-safe access to the settings file; every change is saved at once."""

    def __init__(self, path: Path | None = None):
        self.path = path or (config_dir() / SETTINGS_NAME)
        self._lock = threading.RLock()
        self._data = self._load()

    # ---- file --------------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        empty: dict[str, Any] = {
            "version": SETTINGS_VERSION,
            "network": {},
            "plugins": {},
            "preflight_skip": {},
        }
        if not self.path.exists():
            return empty
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SettingsError(
                f"{self.path} cannot be read ({exc}). Fix or delete the file; the defaults "
                "are used when it is absent."
            ) from exc
        if not isinstance(data, dict):
            raise SettingsError(f"{self.path}: expected a JSON object at the top level.")
        version = data.get("version")
        if not isinstance(version, int):
            raise SettingsError(f"{self.path}: field 'version' is missing or not an integer.")
        for key in ("network", "plugins", "preflight_skip"):
            if not isinstance(data.setdefault(key, {}), dict):
                raise SettingsError(f"{self.path}: field '{key}' must be a JSON object.")
        network = data["network"]
        for key, kind in (("offline", bool), ("proxy", str), ("user_agent", str)):
            if key in network and not isinstance(network[key], kind):
                raise SettingsError(
                    f"{self.path}: field 'network.{key}' must be a {kind.__name__}, got "
                    f"{network[key]!r}."
                )
        return data

    @property
    def read_only(self) -> bool:
        """A file written by a newer version: we read what we understand, never overwrite."""
        return int(self._data.get("version", SETTINGS_VERSION)) > SETTINGS_VERSION

    def _save(self) -> None:
        if self.read_only:
            raise SettingsError(
                f"{self.path} was written by a newer OSINT Workbench (settings version "
                f"{self._data['version']}); update the application to change settings."
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_text(self.path) as out:
            json.dump(self._data, out, indent=2, sort_keys=True, ensure_ascii=False)

    # ---- network -----------------------------------------------------------------------
    @property
    def network(self) -> NetworkSettings:
        with self._lock:
            raw = self._data["network"]
            return NetworkSettings(
                offline=bool(raw.get("offline", False)),
                proxy=str(raw.get("proxy", "")),
                user_agent=str(raw.get("user_agent", "")),
            )

    def set_network(
        self,
        *,
        offline: bool | None = None,
        proxy: str | None = None,
        user_agent: str | None = None,
    ) -> NetworkSettings:
        with self._lock:
            raw = self._data["network"]
            if offline is not None:
                raw["offline"] = bool(offline)
            if proxy is not None:
                raw["proxy"] = check_proxy(proxy)
            if user_agent is not None:
                raw["user_agent"] = user_agent.strip()
            self._save()
            return self.network

    # ---- plugins -----------------------------------------------------------------------
    def _plugin(self, plugin_id: str) -> dict[str, Any]:
        entry = self._data["plugins"].setdefault(plugin_id, {})
        if not isinstance(entry, dict):
            raise SettingsError(f"{self.path}: plugins.{plugin_id} must be a JSON object.")
        return entry

    def is_enabled(self, plugin_id: str) -> bool:
        with self._lock:
            entry = self._data["plugins"].get(plugin_id, {})
            return bool(entry.get("enabled", True)) if isinstance(entry, dict) else True

    def set_enabled(self, plugin_id: str, enabled: bool) -> None:
        with self._lock:
            self._plugin(plugin_id)["enabled"] = bool(enabled)
            self._save()

    def plugin_settings(self, manifest: Manifest) -> dict[str, Any]:
        """Defaults from the manifest overlaid with the user's values, each type-checked."""
        with self._lock:
            stored = self._data["plugins"].get(manifest.id, {})
            values = dict(stored.get("settings", {})) if isinstance(stored, dict) else {}
        result: dict[str, Any] = {}
        for spec in manifest.settings:
            value = values.get(spec.name, spec.default)
            result[spec.name] = spec.coerce(value, f"{self.path} (plugin {manifest.id})")
        return result

    def set_plugin_setting(self, manifest: Manifest, name: str, value: Any) -> None:
        spec = manifest.setting(name)
        checked = spec.coerce(value, f"plugin {manifest.id}")
        with self._lock:
            self._plugin(manifest.id).setdefault("settings", {})[name] = checked
            self._save()

    def reset_plugin_settings(self, plugin_id: str) -> None:
        with self._lock:
            self._plugin(plugin_id).pop("settings", None)
            self._save()

    # ---- pre-flight --------------------------------------------------------------------
    def skips_confirmation(self, case_id: str | None, plugin_id: str) -> bool:
        """True when the user chose "don't ask again for this source in this case"."""
        if case_id is None:
            return False
        with self._lock:
            skipped = self._data["preflight_skip"].get(case_id, [])
            return isinstance(skipped, list) and plugin_id in skipped

    def set_skip_confirmation(self, case_id: str, plugin_id: str, skip: bool = True) -> None:
        with self._lock:
            skipped = self._data["preflight_skip"].setdefault(case_id, [])
            if skip and plugin_id not in skipped:
                skipped.append(plugin_id)
            elif not skip and plugin_id in skipped:
                skipped.remove(plugin_id)
            self._save()

    def snapshot(self) -> Mapping[str, Any]:
        """A deep copy of everything, for the settings dialog and tests."""
        with self._lock:
            copied: Mapping[str, Any] = json.loads(json.dumps(self._data))
            return copied
