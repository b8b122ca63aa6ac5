"""Graph canvas items (the implementation is `ui.views.graph.items`)."""

from __future__ import annotations

from ui.views.graph.items import EdgeItem, NodeItem

__all__ = ["EdgeItem", "NodeItem"]
