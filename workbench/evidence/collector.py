"""Who collected an item, with what, from where: recorded with every item (DOMAIN.md 5)."""

from __future__ import annotations

import platform
import socket
from typing import Any

from workbench import APP_NAME, __version__


def machine_name() -> str:
    try:
        return socket.gethostname() or platform.node()
    except OSError:
        return platform.node()


def collector_block(actor: str, persona: str = "", **settings: Any) -> dict[str, Any]:
    return {
        "investigator": actor,
        "persona": persona,
        "machine": machine_name(),
        "os": platform.platform(terse=True),
        "tool": APP_NAME,
        "tool_version": __version__,
        "settings": settings,
    }
