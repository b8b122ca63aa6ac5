"""One section of the assessment template as a group box of factor rows.

A factor row is its label, its value (radio buttons, or a choice box), its recency, notes and
a button for the linked evidence and entities. On a wide form each factor is one line; on a
narrow one (a laptop with both side docks open) the label and links button sit above the
value, recency and notes, and on a narrower one still the notes get a line of their own, so
the form does not need to scroll sideways.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from ui import theme
from ui.views.assessment.widgets import mark, shrinkable
from workbench.assess.model import UNANSWERED, UNKNOWN, FactorAnswer, FactorType, Recency
from workbench.assess.templates import Factor, Section, Template

if TYPE_CHECKING:
    from ui.views.assessment.document import AssessmentDocument

VALUE_TEXT = {
    "yes": "Yes",
    "no": "No",
    "present": "Present",
    "absent": "Absent",
    UNKNOWN: "Unknown",
}
LABEL_MIN_CHARS = 24  # narrowest factor label on the one-line layout
NOTES_MIN_CHARS = 8
CHOICE_MIN_CHARS = 14  # a choice box may be narrower than its longest option


class FactorRow:
    """The widgets of one factor. `is_loading()` is true while the form is being filled from
    the document; `pick_links(factor_id)` opens the link picker."""

    def __init__(
        self,
        document: AssessmentDocument,
        factor: Factor,
        parent: QWidget,
        *,
        is_loading: Callable[[], bool],
        pick_links: Callable[[str], None],
    ):
        self.document = document
        self.factor = factor
        self._is_loading = is_loading
        title = factor.label + (" *" if factor.required else "")
        self.label = QLabel(title, parent)
        self.label.setWordWrap(True)
        self.label.setToolTip(factor.help or factor.label)
        self.buttons: dict[str, QRadioButton] = {}
        self.choice: QComboBox | None = None
        self.value_widget: QWidget
        if factor.type is FactorType.CHOICE:
            self.choice = shrinkable(
                QComboBox(parent, objectName=f"factor:{factor.id}:choice"), CHOICE_MIN_CHARS
            )
            self.choice.addItem("Not answered", UNANSWERED)
            for option in factor.options:
                self.choice.addItem(option.label, option.id)
            self.choice.addItem("Unknown", UNKNOWN)
            self.choice.currentIndexChanged.connect(self.changed)
            self.value_widget = self.choice
        else:
            self.value_widget = QWidget(parent)
            box_layout = QHBoxLayout(self.value_widget)
            box_layout.setContentsMargins(0, 0, 0, 0)
            self.group = QButtonGroup(self.value_widget)
            for value in factor.values:
                button = QRadioButton(VALUE_TEXT.get(value, value), self.value_widget)
                button.setObjectName(f"factor:{factor.id}:value:{value}")
                self.group.addButton(button)
                self.buttons[value] = button
                box_layout.addWidget(button)
            box_layout.addStretch(1)  # the buttons stay together when the column is wider
            self.group.buttonToggled.connect(self._toggled)
        self.recency: QComboBox | None = None
        if factor.recency:
            self.recency = QComboBox(parent, objectName=f"factor:{factor.id}:recency")
            self.recency.addItem("Recency…", None)
            for recency in Recency:
                self.recency.addItem(recency.label, recency.value)
            self.recency.currentIndexChanged.connect(self.changed)
        self.notes = QLineEdit(parent, objectName=f"factor:{factor.id}:notes")
        self.notes.setPlaceholderText("Notes")
        self.notes.setMinimumWidth(self.notes.fontMetrics().averageCharWidth() * NOTES_MIN_CHARS)
        self.notes.textEdited.connect(self.changed)
        self.links = QPushButton(parent, objectName=f"factor:{factor.id}:links")
        self.links.setToolTip("Link evidence items and graph entities that support this answer")
        # As wide as its widest text, so the columns do not move when the count changes.
        self.links.setText("Links (99)")
        self.links.setMinimumWidth(self.links.sizeHint().width())
        self.links.setText("Link…")
        self.links.clicked.connect(lambda: pick_links(factor.id))
        # On two or three lines the label and the links button share the first line, as one
        # cell spanning the grid: the button then widens no column.
        self.header = QWidget(parent)
        self._header_layout = QHBoxLayout(self.header)
        self._header_layout.setContentsMargins(0, 0, 0, 0)

    def _toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self.changed()

    def value(self) -> str:
        if self.choice is not None:
            return str(self.choice.currentData() or "")
        for value, button in self.buttons.items():
            if button.isChecked():
                return value
        return UNANSWERED

    def changed(self, *_args: object) -> None:
        if self._is_loading():
            return
        current = self.document.record.answer(self.factor.id)
        recency_value = self.recency.currentData() if self.recency is not None else None
        self.document.set_answer(
            self.factor.id,
            replace(
                current,
                value=self.value(),
                recency=Recency(recency_value) if recency_value else None,
                notes=self.notes.text(),
            ),
        )

    def show(self, answer: FactorAnswer, bad: bool) -> None:
        if self.choice is not None:
            self.choice.setCurrentIndex(max(0, self.choice.findData(answer.value)))
        else:
            button = self.buttons.get(answer.value)
            if button is None:
                self.group.setExclusive(False)
                for other in self.buttons.values():
                    other.setChecked(False)
                self.group.setExclusive(True)
            else:
                button.setChecked(True)
        if self.recency is not None:
            index = self.recency.findData(answer.recency.value) if answer.recency else 0
            self.recency.setCurrentIndex(max(0, index))
        if self.notes.text() != answer.notes:
            self.notes.setText(answer.notes)
        count = len(answer.evidence_ids) + len(answer.entity_ids)
        self.links.setText(f"Links ({count})" if count else "Link…")
        mark(self.label, bad)

    def place(self, grid: QGridLayout, row: int, lines: int) -> int:
        """Put the widgets in `grid` from `row` on, on 1, 2 or 3 lines (see FactorSection);
        returns the next free row."""
        header = self._header_layout
        if lines == 1:
            header.removeWidget(self.label)
            header.removeWidget(self.links)
            self.header.hide()
            grid.addWidget(self.label, row, 0)
            grid.addWidget(self.value_widget, row, 1)
            if self.recency is not None:
                grid.addWidget(self.recency, row, 2)
            grid.addWidget(self.notes, row, 3)
            grid.addWidget(self.links, row, 4)
            return row + 1
        header.addWidget(self.label, 1)
        header.addWidget(self.links)
        self.header.show()
        if lines == 2:  # columns: value, recency, notes (stretching)
            grid.addWidget(self.header, row, 0, 1, 3)
            grid.addWidget(self.value_widget, row + 1, 0)
            if self.recency is not None:
                grid.addWidget(self.recency, row + 1, 1)
            grid.addWidget(self.notes, row + 1, 2)
        else:  # columns: value (stretching), recency
            grid.addWidget(self.header, row, 0, 1, 2)
            grid.addWidget(self.value_widget, row + 1, 0)
            if self.recency is not None:
                grid.addWidget(self.recency, row + 1, 1)
            grid.addWidget(self.notes, row + 2, 0, 1, 2)
        gap = row + lines
        grid.setRowMinimumHeight(gap, theme.SPACING // 2)  # between this factor and the next
        return gap + 1


class FactorSection(QGroupBox):
    """A template section: its description and the rows of its factors.

    Each factor takes as few lines as the width allows, the same in every section:
    1. label, value, recency, notes, links;
    2. label and links button, then value, recency and notes;
    3. label and links button, then value and recency, then notes.
    """

    def __init__(
        self,
        template: Template,
        section: Section,
        document: AssessmentDocument,
        *,
        is_loading: Callable[[], bool],
        pick_links: Callable[[str], None],
    ):
        super().__init__(section.label, objectName=f"section:{section.id}")
        self.grid = QGridLayout(self)
        self.hint: QLabel | None = None
        if section.description:
            self.hint = QLabel(section.description, self, objectName="muted")
            self.hint.setWordWrap(True)
        self.rows = {
            factor.id: FactorRow(
                document, factor, self, is_loading=is_loading, pick_links=pick_links
            )
            for factor in template.factors_in(section.id)
        }
        self.lines = 0
        self.set_lines(1)

    def set_lines(self, lines: int) -> None:
        """Lay every factor out on `lines` lines (1, 2 or 3)."""
        if lines == self.lines:
            return
        self.lines = lines
        grid = self.grid
        while grid.count():
            grid.takeAt(0)  # the widgets stay children of the box and are placed again
        for row in range(grid.rowCount()):
            grid.setRowMinimumHeight(row, 0)
        stretches = {1: (3, 0, 0, 2, 0), 2: (0, 0, 1, 0, 0), 3: (1, 0, 0, 0, 0)}[lines]
        for column, stretch in enumerate(stretches):
            grid.setColumnStretch(column, stretch)
        row = 0
        if self.hint is not None:
            grid.addWidget(self.hint, row, 0, 1, {1: 5, 2: 3, 3: 2}[lines])
            row += 1
        for factor_row in self.rows.values():
            row = factor_row.place(grid, row, lines)

    def width_for(self, lines: int) -> int:
        """The narrowest width that holds every factor comfortably on `lines` lines."""
        rows = list(self.rows.values())
        if not rows:
            return 0
        label = self.fontMetrics().averageCharWidth() * LABEL_MIN_CHARS
        values = max(row.value_widget.sizeHint().width() for row in rows)
        recency = max((r.recency.sizeHint().width() for r in rows if r.recency), default=0)
        notes = max(row.notes.minimumWidth() for row in rows)
        links = max(row.links.minimumWidth() for row in rows)
        spacing = self.grid.horizontalSpacing()
        if lines == 1:
            width = label + values + recency + notes + links + 4 * spacing
        elif lines == 2:
            width = max(values + recency + notes + 2 * spacing, label + links + spacing)
        else:
            width = max(values + recency + spacing, label + links + spacing)
        margins = self.grid.contentsMargins()
        frame = self.contentsMargins()
        return width + margins.left() + margins.right() + frame.left() + frame.right()
