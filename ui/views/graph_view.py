"""Graph tab entry point (the implementation is the `ui.views.graph` package)."""

from __future__ import annotations

from ui.views.graph.canvas import GraphView
from ui.views.graph.tab import GraphTab

__all__ = ["GraphTab", "GraphView"]
