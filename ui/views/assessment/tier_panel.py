"""The right-hand column of the Assessment tab: the suggested tier and its trace, the final
tier with its justification and the re-assessment time.

It is narrow (a laptop shows it beside the form with both side docks open), so its fields sit
under their labels and every text wraps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.views.assessment.document import AssessmentDocument
from ui.views.assessment.widgets import (
    datetime_edit,
    from_qdatetime,
    mark,
    shrinkable,
    to_qdatetime,
    wrapping_list,
)
from workbench.assess.model import Tier

MIN_CHARS = 26  # the column's narrowest width, in average characters
MAX_CHARS = 60  # and its widest: more would only stretch the trace lines


class TierPanel(QWidget):
    def __init__(
        self,
        document: AssessmentDocument,
        *,
        is_loading: Callable[[], bool],
        parent: QWidget | None = None,
    ):
        super().__init__(parent, objectName="tierPanel")
        self.document = document
        self._is_loading = is_loading
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.MARGIN, 0, 0, 0)
        layout.addWidget(QLabel("Suggested tier", objectName="subheading"))
        self.suggested = QLabel(objectName="suggestedTier")
        self.suggested.setWordWrap(True)
        font = QFont(self.suggested.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.suggested.setFont(font)
        layout.addWidget(self.suggested)
        self.trace = wrapping_list("tierTrace")
        self.trace.setSpacing(3)
        self.trace.setAlternatingRowColors(True)
        layout.addWidget(self.trace, 1)  # the trace takes the height the rest leaves

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # labels above fields
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.final_tier = shrinkable(QComboBox(objectName="finalTier"), 12)
        template = document.template
        for tier in Tier:
            self.final_tier.addItem(template.tier_label(tier), tier.value)
        self.final_tier.activated.connect(self._final_tier_chosen)
        self.justification_label = QLabel("Justification")
        self.justification = QPlainTextEdit(objectName="tierJustification")
        self.justification.setPlaceholderText(
            "Required when the final tier differs from the suggested tier"
        )
        self.justification.setFixedHeight(80)
        self.justification.setTabChangesFocus(True)
        self.justification.textChanged.connect(self._justification_changed)
        self.reassess_check = QCheckBox("Re-assess at", objectName="reassessCheck")
        self.reassess_check.toggled.connect(self._reassess_changed)
        self.reassess_at = datetime_edit("reassessAt")
        self.reassess_at.dateTimeChanged.connect(self._reassess_changed)
        form.addRow("Final tier", self.final_tier)
        form.addRow(self.justification_label, self.justification)
        form.addRow(self.reassess_check, self.reassess_at)
        layout.addLayout(form)
        self.reassess_hint = QLabel(objectName="muted")
        self.reassess_hint.setWordWrap(True)
        layout.addWidget(self.reassess_hint)
        characters = self.fontMetrics().averageCharWidth()
        self.setMinimumWidth(max(characters * MIN_CHARS, layout.minimumSize().width()))
        self.setMaximumWidth(characters * MAX_CHARS)

    # ---- edits -------------------------------------------------------------------------------
    def _final_tier_chosen(self) -> None:
        self.document.set_final_tier(Tier(self.final_tier.currentData()))

    def set_final_tier(self, tier: Tier) -> None:
        """What choosing in the Final tier box does (also for keyboard-free tests)."""
        self.final_tier.setCurrentIndex(self.final_tier.findData(tier.value))
        self._final_tier_chosen()

    def _justification_changed(self) -> None:
        if self._is_loading():
            return
        text = self.justification.toPlainText()
        self.document.update(replace(self.document.record, tier_justification=text))

    def _reassess_changed(self) -> None:
        if self._is_loading():
            return
        self.reassess_at.setEnabled(self.reassess_check.isChecked())
        moment = (
            from_qdatetime(self.reassess_at.dateTime()) if self.reassess_check.isChecked() else None
        )
        self.document.update(replace(self.document.record, reassess_at=moment))

    # ---- showing -----------------------------------------------------------------------------
    def refresh(self) -> None:
        document = self.document
        record = document.record
        template = document.template
        bad = document.problem_fields()
        for index, tier in enumerate(Tier):
            self.final_tier.setItemText(index, template.tier_label(tier))
        evaluation = document.evaluation
        self.suggested.setText(template.tier_label(evaluation.suggested))
        level = template.levels.get(evaluation.suggested)
        self.suggested.setToolTip(level.description if level else "")
        self.trace.clear()
        for line in evaluation.trace:
            self.trace.addItem(QListWidgetItem(line))
        final = record.final_tier or evaluation.suggested
        self.final_tier.setCurrentIndex(self.final_tier.findData(final.value))
        override = record.final_tier is not None and record.final_tier is not evaluation.suggested
        self.justification_label.setText("Justification *" if override else "Justification")
        mark(
            self.justification_label,
            "tier_justification" in bad or (override and not record.tier_justification.strip()),
        )
        if self.justification.toPlainText() != record.tier_justification:
            self.justification.setPlainText(record.tier_justification)
        self.reassess_check.setChecked(record.reassess_at is not None)
        self.reassess_at.setEnabled(record.reassess_at is not None)
        if record.reassess_at is not None:
            self.reassess_at.setDateTime(to_qdatetime(record.reassess_at))
        else:
            self.reassess_at.setDateTime(to_qdatetime(datetime.now(UTC) + timedelta(hours=4)))
        level = template.levels.get(final)
        if record.reassess_at is None and level and level.reassess_after_hours:
            self.reassess_hint.setText(
                f"Empty: saving sets it {level.reassess_after_hours:g} h later ({final.value})."
            )
        else:
            self.reassess_hint.setText("")
