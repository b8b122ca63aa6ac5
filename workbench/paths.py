"""Where resources and workspaces live, for a source checkout, a wheel and a PyInstaller bundle."""

from __future__ import annotations

import os
import sys
from pathlib import Path

WORKSPACE_ENV = "WORKBENCH_WORKSPACE"


def resources_dir() -> Path:
    """The `resources/` folder: next to `workbench/` in a checkout or wheel, or in `_MEIPASS`."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root is not None:
        return Path(bundle_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"Missing resource {path}; the installation is incomplete.")
    return path


def default_workspace_dir() -> Path:
    """The workspace folder: `--workspace`, then $WORKBENCH_WORKSPACE, then the user data folder."""
    from_env = os.environ.get(WORKSPACE_ENV)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("osint-workbench", appauthor=False)) / "workspace"


APP_DIR_NAME = "osint-workbench"
CONFIG_ENV = "WORKBENCH_CONFIG_DIR"
CACHE_ENV = "WORKBENCH_CACHE_DIR"
PLUGIN_DIR_ENV = "WORKBENCH_PLUGIN_DIR"


def builtin_plugins_dir() -> Path:
    """The built-in `plugins/` folder: next to `workbench/` in a checkout or wheel, or in
    `_MEIPASS`. Found by path, never through entry points (PyInstaller drops their metadata)."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root is not None:
        return Path(bundle_root) / "plugins"
    return Path(__file__).resolve().parent.parent / "plugins"


def _user_dir(env: str, kind: str) -> Path:
    from_env = os.environ.get(env)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs

    finder = getattr(platformdirs, f"user_{kind}_dir")
    return Path(finder(APP_DIR_NAME, appauthor=False))


def config_dir() -> Path:
    """Settings and the encrypted credentials file: $WORKBENCH_CONFIG_DIR or the user config dir."""
    return _user_dir(CONFIG_ENV, "config")


def cache_dir() -> Path:
    """Disposable caches: $WORKBENCH_CACHE_DIR or the user cache dir."""
    return _user_dir(CACHE_ENV, "cache")


def user_plugins_dir() -> Path:
    """Plugins an analyst drops in by hand: $WORKBENCH_PLUGIN_DIR or `plugins/` in the user
    data folder (the packaged app cannot pip install)."""
    from_env = os.environ.get(PLUGIN_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)) / "plugins"
