"""The centre of the window when no case is open: what to do next, as two real buttons."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui import theme
from ui.icons import icon


class WelcomePanel(QWidget):
    sampleRequested = Signal()
    newCaseRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("welcome")
        self.heading = QLabel(objectName="heading")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(objectName="muted")
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setFixedWidth(500)
        logo = QLabel()
        logo.setPixmap(icon("shield", theme.colours().accent).pixmap(QSize(64, 64)))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.sample_button = QPushButton(icon("book-open", "#ffffff"), "Open sample case")
        self.sample_button.setObjectName("primary")
        self.sample_button.clicked.connect(self.sampleRequested)
        self.new_button = QPushButton(icon("file-plus"), "New case…")
        self.new_button.clicked.connect(self.newCaseRequested)
        for button in (self.sample_button, self.new_button):
            button.setIconSize(QSize(18, 18))
            button.setMinimumHeight(36)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sample_button)
        buttons.addSpacing(theme.SPACING)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(logo)
        layout.addSpacing(theme.MARGIN)
        layout.addWidget(self.heading)
        layout.addWidget(self.text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(theme.MARGIN * 2)
        layout.addLayout(buttons)
        layout.addStretch(3)
        self.set_state(has_cases=False)

    def set_state(self, has_cases: bool) -> None:
        if has_cases:
            self.heading.setText("Choose a case")
            self.text.setText(
                "Open a case from the queue on the left (double-click it, or "
                "select it and press Enter), import requests with File > Import "
                "requests…, or start a new case. The sample case is a fictional "
                "emergency escalation you can explore and edit freely."
            )
        else:
            self.heading.setText("Welcome to OSINT Workbench")
            self.text.setText(
                "This workspace has no cases yet. Open the fictional sample "
                "case to see how a case, its link graph and its evidence fit "
                "together, or create your first case."
            )
