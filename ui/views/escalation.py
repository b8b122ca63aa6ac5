"""The escalation form: the request as the requester made it (DOMAIN.md section 1), with live
validation whose rules depend on the channel, the lifecycle timestamps and reporting tags.

Saving calls `EscalationRepository.save` (strict: required fields for the channel must be
there); the core's message names every field that blocks it, and those fields are marked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QTimer, QTimeZone, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from ui.icons import icon
from workbench.errors import ValidationError
from workbench.intake import rules
from workbench.intake.identifiers import parse_target
from workbench.intake.model import (
    CHANNEL_TEXT,
    DATA_CATEGORY_TEXT,
    MILESTONES,
    Channel,
    DataCategory,
    Escalation,
    EscalationRecord,
    FieldProblem,
    Target,
)
from workbench.intake.repository import EscalationRepository
from workbench.model import Category
from workbench.store.workspace import Workspace
from workbench.timeutil import utcnow

LINE_FIELDS = (
    "requester_name",
    "requester_rank",
    "requester_badge",
    "agency",
    "unit",
    "country",
    "requester_email",
    "requester_phone",
    "supervisor_name",
    "supervisor_contact",
    "info_recency",
    "legal_basis",
    "jurisdiction_requester",
    "jurisdiction_user",
)
TEXT_FIELDS = ("at_risk", "why_urgent", "how_data_helps", "narrative", "legal_process")
SIDE_BY_SIDE_WIDTH = 860  # px: narrower, the lifecycle and reporting tags go below the form
MILESTONE_TEXT = {
    "received_at": "Received",
    "triaged_at": "Triaged",
    "verified_at": "Verified",
    "assessed_at": "Assessed",
    "decided_at": "Decided",
    "disclosed_at": "Disclosed",
    "responded_at": "Responded",
    "closed_at": "Closed",
}
REPORTING = (
    ("emergency", "Emergency request"),
    ("accounts_specified", "Accounts specified"),
    ("data_produced", "Some data produced"),
    ("content_produced", "Content produced"),
)


def _qt_utc(moment: datetime) -> QDateTime:
    value = QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc())
    return value


def _from_qt(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


def _parse_day(text: str, field: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"{rules.label(field)}: {text!r} is not a date (use YYYY-MM-DD or an ISO time)."
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class EscalationForm(QWidget):
    """Constructed with (workspace or case session, case id). `saved(case_id)` after a save."""

    saved = Signal(str)
    errorOccurred = Signal(object)

    def __init__(
        self, ws_or_session: Any, case_id: str | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.session = None if isinstance(ws_or_session, Workspace) else ws_or_session
        self.ws: Workspace = ws_or_session if self.session is None else ws_or_session.ws
        self.case_id: str = case_id or self.session.case_id  # type: ignore[union-attr]
        self.repo = EscalationRepository(self.ws)
        self.record: EscalationRecord | None = None
        self.labels: dict[str, QLabel] = {}
        self.inputs: dict[str, QWidget] = {}

        self.summary = QLabel(objectName="validationSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setAccessibleName("Validation messages")
        self.status = QLabel(objectName="muted")

        self.channel = QComboBox(objectName="channelCombo")
        for channel in Channel:
            self.channel.addItem(CHANNEL_TEXT[channel], channel.value)
        self.received = QDateTimeEdit(objectName="receivedEdit")
        self.received.setTimeZone(QTimeZone.utc())
        self.received.setDisplayFormat("yyyy-MM-dd HH:mm 'UTC'")
        self.received.setCalendarPopup(True)
        self.nature = QComboBox(objectName="natureCombo")
        for category in Category:
            self.nature.addItem(fmt.category_text(category), category.value)
        for name in LINE_FIELDS:
            edit = QLineEdit(objectName=f"{name}Edit")
            edit.setAccessibleName(rules.label(name))
            self.inputs[name] = edit
        for name in TEXT_FIELDS:
            text = QPlainTextEdit(objectName=f"{name}Edit")
            text.setTabChangesFocus(True)
            text.setAccessibleName(rules.label(name))
            text.setMaximumHeight(160 if name == "narrative" else 70)
            self.inputs[name] = text
        self.targets = QPlainTextEdit(objectName="targetsEdit")
        self.targets.setTabChangesFocus(True)
        self.targets.setMaximumHeight(90)
        self.targets.setPlaceholderText(
            "One per line, as given: username:name, user_id:123, profile_url:https://…, "
            "phone:+44…, email:…, content_url:https://… (or just the value)"
        )
        self.categories = {c: QCheckBox(DATA_CATEGORY_TEXT[c]) for c in DataCategory}
        for category, box in self.categories.items():
            box.setObjectName(f"data_{category.value}")
        self.data_from = QLineEdit(objectName="dataFromEdit", placeholderText="YYYY-MM-DD")
        self.data_to = QLineEdit(objectName="dataToEdit", placeholderText="YYYY-MM-DD")
        self.confidential = QCheckBox("Requester asks for confidentiality / non-disclosure")
        self.confidential.setObjectName("confidentialBox")
        self.inputs.update(
            channel=self.channel,
            received_at=self.received,
            emergency_nature=self.nature,
            targets=self.targets,
            data_from=self.data_from,
            data_to=self.data_to,
        )

        groups = QVBoxLayout()
        groups.setSpacing(theme.SPACING)
        groups.addWidget(self._group("Channel", ("channel", "received_at")))
        groups.addWidget(
            self._group(
                "Requester",
                (
                    "requester_name",
                    "requester_rank",
                    "requester_badge",
                    "agency",
                    "unit",
                    "country",
                    "requester_email",
                    "requester_phone",
                    "supervisor_name",
                    "supervisor_contact",
                ),
            )
        )
        groups.addWidget(
            self._group(
                "Emergency",
                (
                    "emergency_nature",
                    "at_risk",
                    "info_recency",
                    "why_urgent",
                    "how_data_helps",
                    "narrative",
                ),
            )
        )
        targets_box = self._group("Targets and data requested", ("targets",))
        data_grid = QGridLayout()
        for position, box in enumerate(self.categories.values()):
            data_grid.addWidget(box, position // 3, position % 3)
        form = targets_box.layout()
        assert isinstance(form, QFormLayout)
        self.labels["data_categories"] = QLabel(rules.label("data_categories"))
        form.addRow(self.labels["data_categories"], data_grid)
        span = QHBoxLayout()
        span.addWidget(self.data_from)
        span.addWidget(QLabel("to"))
        span.addWidget(self.data_to)
        self.labels["data_from"] = QLabel("Date range")
        form.addRow(self.labels["data_from"], span)
        groups.addWidget(targets_box)
        legal = self._group(
            "Legal",
            ("legal_basis", "jurisdiction_requester", "jurisdiction_user", "legal_process"),
        )
        legal_form = legal.layout()
        assert isinstance(legal_form, QFormLayout)
        legal_form.addRow("", self.confidential)
        groups.addWidget(legal)

        self.lifecycle = {name: QLabel("—") for name in MILESTONES}
        self.deadline = QLabel(objectName="deadlineLabel")
        life_box = QGroupBox("Lifecycle (UTC)")
        life_form = QFormLayout(life_box)
        for name in MILESTONES:
            self.lifecycle[name].setObjectName(f"life_{name}")
            life_form.addRow(MILESTONE_TEXT[name], self.lifecycle[name])
        life_form.addRow("Deadline", self.deadline)
        self.reporting = {key: QCheckBox(text) for key, text in REPORTING}
        report_box = QGroupBox("Reporting tags (transparency report)")
        report_layout = QVBoxLayout(report_box)
        for key, box in self.reporting.items():
            box.setObjectName(f"report_{key}")
            report_layout.addWidget(box)
        side = QVBoxLayout()
        side.addWidget(life_box)
        side.addWidget(report_box)
        side.addStretch(1)

        body = QWidget()
        # the side column keeps its natural width beside the form, and goes below it where
        # the tab is too narrow for both (1366 px with the queue and inspector docks open)
        self._columns = QBoxLayout(QBoxLayout.Direction.LeftToRight, body)
        self._columns.addLayout(groups, 1)
        self._columns.addLayout(side, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        self.save_button = QPushButton(icon("save"), "Save escalation", objectName="saveButton")
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.setToolTip("Save (Ctrl+S); required fields depend on the channel")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton(icon("undo-2"), "Revert", objectName="revertButton")
        self.revert_button.clicked.connect(self.load)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, theme.MARGIN, theme.MARGIN, theme.MARGIN)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(200)
        self._check_timer.timeout.connect(self.validate)
        self._connect_changes()
        self.load()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        direction = (
            QBoxLayout.Direction.LeftToRight
            if event.size().width() >= SIDE_BY_SIDE_WIDTH
            else QBoxLayout.Direction.TopToBottom
        )
        if self._columns.direction() != direction:
            self._columns.setDirection(direction)

    def _group(self, title: str, names: tuple[str, ...]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name in names:
            label = QLabel(rules.label(name))
            label.setBuddy(self.inputs[name])
            self.labels[name] = label
            form.addRow(label, self.inputs[name])
        return box

    def _connect_changes(self) -> None:
        for widget in self.inputs.values():
            for signal_name in ("textChanged", "currentIndexChanged", "dateTimeChanged"):
                signal = getattr(widget, signal_name, None)
                if signal is not None:
                    signal.connect(lambda *_: self._check_timer.start())
        for box in self.categories.values():
            box.toggled.connect(lambda *_: self._check_timer.start())

    # ---- loading and reading the form ----------------------------------------------------------
    def load(self) -> None:
        try:
            self.record = self.repo.get(self.case_id)
        except Exception as exc:
            self.errorOccurred.emit(exc)
            return
        e = self.record.escalation
        self.channel.setCurrentIndex(self.channel.findData(e.channel.value))
        self.received.setDateTime(_qt_utc(e.received_at))
        nature = e.emergency_nature or Category.OTHER
        self.nature.setCurrentIndex(self.nature.findData(nature.value))
        for name in LINE_FIELDS:
            edit = self.inputs[name]
            assert isinstance(edit, QLineEdit)
            edit.setText(getattr(e, name))
        for name in TEXT_FIELDS:
            text = self.inputs[name]
            assert isinstance(text, QPlainTextEdit)
            text.setPlainText(getattr(e, name))
        self.targets.setPlainText("\n".join(f"{t.kind.value}:{t.value}" for t in e.targets))
        for category, box in self.categories.items():
            box.setChecked(category in e.data_categories)
        self.data_from.setText(e.data_from.date().isoformat() if e.data_from else "")
        self.data_to.setText(e.data_to.date().isoformat() if e.data_to else "")
        self.confidential.setChecked(e.confidentiality_requested)
        for name, moment in self.record.lifecycle.items():
            self.lifecycle[name].setText(fmt.time_text(moment) or "—")
            self.lifecycle[name].setToolTip(fmt.time_tooltip(moment))
        self._show_deadline()
        for key, box in self.reporting.items():
            box.setChecked(bool(getattr(self.record.reporting, key)))
        self.status.setText(f"{self.record.reference} · last saved by {self.record.updated_by}")
        self.validate()

    def _show_deadline(self) -> None:
        record = self.record
        if record is None or record.deadline_at is None:
            self.deadline.setText("— none")
            return
        breached = record.breached(utcnow())
        text = fmt.time_text(record.deadline_at)
        self.deadline.setText(f"⚠ {text} — BREACHED" if breached else text)
        self.deadline.setToolTip(fmt.time_tooltip(record.deadline_at))

    def escalation(self) -> Escalation:
        """The form's content as an Escalation; raises ValidationError for text that cannot
        be read at all (a date, a target)."""
        assert self.record is not None
        targets: list[Target] = []
        for number, line in enumerate(self.targets.toPlainText().splitlines(), 1):
            if line.strip():
                try:
                    targets.append(parse_target(line))
                except (ValidationError, ValueError) as exc:
                    raise ValidationError(f"Targets, line {number}: {exc}") from None
        values: dict[str, Any] = {}
        for name in LINE_FIELDS:
            edit = self.inputs[name]
            assert isinstance(edit, QLineEdit)
            values[name] = edit.text().strip()
        for name in TEXT_FIELDS:
            text = self.inputs[name]
            assert isinstance(text, QPlainTextEdit)
            values[name] = text.toPlainText().strip()
        return self.record.escalation.with_changes(
            channel=Channel(self.channel.currentData()),
            received_at=_from_qt(self.received.dateTime()),
            emergency_nature=Category(self.nature.currentData()),
            targets=tuple(targets),
            data_categories=tuple(c for c, box in self.categories.items() if box.isChecked()),
            data_from=_parse_day(self.data_from.text(), "data_from"),
            data_to=_parse_day(self.data_to.text(), "data_to"),
            confidentiality_requested=self.confidential.isChecked(),
            **values,
        )

    # ---- validation and saving -------------------------------------------------------------------
    def validate(self) -> list[FieldProblem]:
        try:
            problems = rules.problems(self.escalation())
        except ValidationError as exc:
            problems = [FieldProblem("targets", str(exc))]
        self._show_problems(problems)
        return problems

    def _show_problems(self, problems: list[FieldProblem], extra: str = "") -> None:
        errors = {p.field for p in problems if p.severity == "error"}
        warnings = {p.field for p in problems if p.severity == "warning"}
        for name, label in self.labels.items():
            base = rules.label(name) if name != "data_from" else "Date range"
            if name in errors:
                label.setText(f"{base}  ⚠ required")
                label.setToolTip(next(p.message for p in problems if p.field == name))
            elif name in warnings:
                label.setText(f"{base}  ·  missing")
                label.setToolTip(next(p.message for p in problems if p.field == name))
            else:
                label.setText(base)
                label.setToolTip("")
        lines = [f"✖ {p.message}" for p in problems if p.severity == "error"]
        lines += [f"· {p.message}" for p in problems if p.severity == "warning"]
        if extra:
            lines.insert(0, f"✖ {extra}")
        self.summary.setText(
            "\n".join(lines) if lines else "✔ Everything the channel needs is here."
        )
        self.summary.setProperty("hasErrors", bool(errors or extra))

    def save(self) -> bool:
        try:
            escalation = self.escalation()
            record, warnings = self.repo.save(self.case_id, escalation)
            tags = {key: box.isChecked() for key, box in self.reporting.items()}
            current = {key: bool(getattr(record.reporting, key)) for key in tags}
            if tags != current:
                self.repo.set_reporting(self.case_id, **tags)
        except ValidationError as exc:
            self._show_problems(self.validate(), str(exc))
            self.status.setText("Not saved.")
            return False
        except Exception as exc:
            self.errorOccurred.emit(exc)
            return False
        self.load()
        self.status.setText(
            f"Saved {record.reference}" + (f" with {len(warnings)} warning(s)" if warnings else "")
        )
        if self.session is not None:
            try:
                self.session.case = self.ws.cases.get(self.case_id)
                self.session.caseUpdated.emit(self.session.case)
                self.session.changed.emit()
            except Exception as exc:  # the session is the window's; report, never crash
                self.errorOccurred.emit(exc)
        self.saved.emit(self.case_id)
        return True
