"""The Evidence tab: the case's evidence locker (list, capture, add, detail, safe viewer)."""

from ui.views.evidence.tab import EvidenceTab

__all__ = ["EvidenceTab"]
