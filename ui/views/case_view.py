"""The case workspace in the centre: Overview, Entities, Graph, Assessment, Decision, Log.

Each tab's content is created the first time it is shown, so opening a case costs only the
Overview; a huge case does not read its entities until the Entities tab is opened.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Signal
from PySide6.QtWidgets import QStackedLayout, QTabWidget, QVBoxLayout, QWidget

from ui.icons import icon
from ui.session import CaseSession

OVERVIEW, ENTITIES, GRAPH, ASSESSMENT, DECISION, LOG = range(6)
TAB_TITLES = (
    ("Overview", "info"),
    ("Entities", "table"),
    ("Graph", "waypoints"),
    ("Assessment", "shield"),
    ("Decision", "shield-check"),
    ("Log", "scroll-text"),
)


class _LazyPage(QWidget):
    """A tab page whose real widget is made on first show."""

    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None):
        super().__init__(parent)
        self._factory = factory
        self.content: QWidget | None = None
        self._layout = QStackedLayout(self)

    def ensure(self) -> QWidget:
        if self.content is None:
            self.content = self._factory()
            self._layout.addWidget(self.content)
        return self.content


class CaseView(QWidget):
    editRequested = Signal()
    contextMenuRequested = Signal(QPoint)
    nodesMoved = Signal(object, object)

    def __init__(self, session: CaseSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("caseTabs")
        self.tabs.setDocumentMode(True)
        self._pages = [
            _LazyPage(factory)
            for factory in (
                self._make_overview,
                self._make_entities,
                self._make_graph,
                self._make_assessment,
                self._make_decision,
                self._make_log,
            )
        ]
        for page, (title, icon_name) in zip(self._pages, TAB_TITLES, strict=True):
            self.tabs.addTab(page, icon(icon_name), title)
        self.tabs.currentChanged.connect(self._tab_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._tab_changed(self.tabs.currentIndex())

    # ---- lazily made tabs ----------------------------------------------------------------
    def _make_overview(self) -> QWidget:
        from ui.views.overview import OverviewTab

        return OverviewTab(self.session)

    def _make_entities(self) -> QWidget:
        from ui.views.entities_tab import EntitiesTab

        tab = EntitiesTab(self.session)
        tab.editRequested.connect(self.editRequested)
        tab.contextMenuRequested.connect(self.contextMenuRequested)
        return tab

    def _make_graph(self) -> QWidget:
        from ui.views.graph_view import GraphTab

        tab = GraphTab(self.session)
        tab.nodesMoved.connect(self.nodesMoved)
        tab.view.contextMenuAt.connect(self.contextMenuRequested)
        return tab

    def _make_assessment(self) -> QWidget:
        from ui.views.assessment import AssessmentPanel

        return AssessmentPanel(self.session.ws, self.session.case_id)

    def _make_decision(self) -> QWidget:
        from ui.views.assessment import DecisionPanel

        return DecisionPanel(self.session.ws, self.session.case_id)

    def _make_log(self) -> QWidget:
        from ui.views.log_tab import LogTab

        return LogTab(self.session)

    def _tab_changed(self, index: int) -> None:
        if index < 0:
            return
        content = self._pages[index].ensure()
        activate = getattr(content, "activate", None)
        if activate is not None:
            activate()

    def show_tab(self, index: int) -> QWidget:
        self.tabs.setCurrentIndex(index)
        return self.tab(index)

    def tab(self, index: int) -> QWidget:
        """The content of a tab, made now if it was never shown."""
        return self._pages[index].ensure()

    def existing_tab(self, index: int) -> QWidget | None:
        return self._pages[index].content
