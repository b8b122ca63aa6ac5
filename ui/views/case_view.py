"""The case workspace in the centre: Overview, Escalation, Verification, Entities, Graph,
Evidence, Assessment, Decision, Log.

Each tab's content is created the first time it is shown, so opening a case costs only the
Overview; a huge case does not read its entities until the Entities tab is opened.

`TAB_TITLES` is the one list of tabs: the index constants below, the View menu's Ctrl+1…N
shortcuts and the tab bar are all derived from it, so adding a tab cannot shift a shortcut
onto the wrong page.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Signal
from PySide6.QtGui import QIcon, QResizeEvent
from PySide6.QtWidgets import QStackedLayout, QTabWidget, QVBoxLayout, QWidget

from ui.icons import icon
from ui.session import CaseSession

OVERVIEW, ESCALATION, VERIFICATION, ENTITIES, GRAPH, EVIDENCE, ASSESSMENT, DECISION, LOG = range(9)
TAB_TITLES = (
    ("Overview", "info"),
    ("Escalation", "circle-alert"),
    ("Verification", "fingerprint"),
    ("Entities", "table"),
    ("Graph", "waypoints"),
    ("Evidence", "paperclip"),
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
    escalationSaved = Signal(str)  # case id
    verificationChanged = Signal(str)  # case id
    errorOccurred = Signal(object)  # an exception from a tab
    letterRequested = Signal()  # the Decision tab asks for the response letter dialog

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
                self._make_escalation,
                self._make_verification,
                self._make_entities,
                self._make_graph,
                self._make_evidence,
                self._make_assessment,
                self._make_decision,
                self._make_log,
            )
        ]
        self._icons = [icon(icon_name) for _title, icon_name in TAB_TITLES]
        for page, tab_icon, (title, _name) in zip(
            self._pages, self._icons, TAB_TITLES, strict=True
        ):
            self.tabs.addTab(page, tab_icon, title)
        self.tabs.tabBar().setUsesScrollButtons(True)  # never let the tabs widen the window
        self._width_with_icons = 0  # what the tab bar needs with its icons (measured once)
        self.tabs.currentChanged.connect(self._tab_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._tab_changed(self.tabs.currentIndex())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_tabs(event.size().width())

    def _fit_tabs(self, width: int) -> None:
        """Every tab title stays readable: where all the tabs with their icons do not fit
        (1366 px with both side docks open), the icons go and the titles remain."""
        bar = self.tabs.tabBar()
        has_icons = not bar.tabIcon(0).isNull()
        if has_icons and not self._width_with_icons:
            self._width_with_icons = bar.sizeHint().width()
        fits = width >= self._width_with_icons
        if fits != has_icons:
            for index, tab_icon in enumerate(self._icons):
                bar.setTabIcon(index, tab_icon if fits else QIcon())

    # ---- lazily made tabs ----------------------------------------------------------------
    def _make_overview(self) -> QWidget:
        from ui.views.overview import OverviewTab

        return OverviewTab(self.session)

    def _make_escalation(self) -> QWidget:
        from ui.views.escalation import EscalationForm

        form = EscalationForm(self.session)
        form.saved.connect(self.escalationSaved)
        form.errorOccurred.connect(self.errorOccurred)
        return form

    def _make_verification(self) -> QWidget:
        from ui.views.verification import VerificationPanel

        panel = VerificationPanel(self.session)
        panel.changed.connect(self.verificationChanged)
        panel.errorOccurred.connect(self.errorOccurred)
        return panel

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

    def _make_evidence(self) -> QWidget:
        from ui.views.evidence import EvidenceTab

        return EvidenceTab(self.session)

    def _make_assessment(self) -> QWidget:
        from ui.views.assessment import AssessmentPanel

        return AssessmentPanel(self.session.ws, self.session.case_id)

    def _make_decision(self) -> QWidget:
        from ui.views.assessment import DecisionPanel

        panel = DecisionPanel(self.session.ws, self.session.case_id)
        panel.letterRequested.connect(self.letterRequested)
        return panel

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
