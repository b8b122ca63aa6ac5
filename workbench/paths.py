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
