"""The Assessment tab: tracks, context and the factors by section on the left (generated from
the template), the suggested tier with its trace and the final tier on the right."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyle,
    QWidget,
)

from ui.views.assessment.factor_row import FactorRow, FactorSection
from ui.views.assessment.flow_layout import ColumnFlowLayout
from ui.views.assessment.panel_base import FORM_RIGHT_MARGIN, FormPanel
from ui.views.assessment.tier_panel import TierPanel
from ui.views.assessment.widgets import ids_text, mark, shrinkable
from workbench.assess.model import Recency, Tier
from workbench.assess.templates import Template
from workbench.store.workspace import Workspace

TIER_SHARE = 0.28  # of the tab's width for the tier column, within its minimum and maximum


class AssessmentPanel(FormPanel):
    """The Assessment tab: tracks, context, factors by section, suggested tier and trace,
    final tier with justification, re-assessment time."""

    def __init__(self, ws: Workspace, case_id: str, parent: QWidget | None = None):
        super().__init__(ws, case_id, parent)
        self.setObjectName("assessmentPanel")
        document = self.document
        self.history_button = QPushButton("History…", objectName="historyButton")
        self.history_button.clicked.connect(self.show_history)
        self.top.insertWidget(1, self.history_button)
        self.template_combo = shrinkable(QComboBox(objectName="templateCombo"), 16)
        self.template_combo.setToolTip(
            "Assessment template (only before the first save: the record keeps its template)"
        )
        for template_id, option in sorted(document.repo.templates.templates.items()):
            self.template_combo.addItem(
                f"{option.name} ({template_id} {option.version})", template_id
            )
        self.template_combo.activated.connect(self._template_chosen)
        self.top.insertWidget(1, self.template_combo)
        self._built_for: Template | None = None
        self._build_form(document.template)

        self.tier_panel = TierPanel(document, is_loading=lambda: self.loading)
        # The tier column's widgets, under the names the tab has always had.
        side = self.tier_panel
        self.suggested, self.trace, self.final_tier = side.suggested, side.trace, side.final_tier
        self.justification_label, self.justification = side.justification_label, side.justification
        self.reassess_check, self.reassess_at = side.reassess_check, side.reassess_at
        self.reassess_hint = side.reassess_hint
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.form_scroll)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(False)
        self._splitter_moved = False
        self.splitter.splitterMoved.connect(self._remember_splitter)
        self.splitter.installEventFilter(self)
        self.form_scroll.installEventFilter(self)
        self.finish_layout(self.splitter)
        self._document_changed()

    # ---- building ----------------------------------------------------------------------------
    def _build_form(self, template: Template) -> None:
        """The form of a template: tracks, context, then each section's factor rows."""
        self._built_for = template
        form, form_layout = self.form_widget()
        self.template_label = QLabel(objectName="muted")
        self.template_label.setWordWrap(True)
        self.template_label.setText(f"Template {template.name} · {template.id} {template.version}")
        self.template_label.setToolTip(template.description)
        form_layout.addWidget(self.template_label)
        self._other_boxes = [self._tracks_box(template), self._context_box(template)]
        for box in self._other_boxes:
            form_layout.addWidget(box)
        self.rows: dict[str, FactorRow] = {}
        self.section_boxes: dict[str, FactorSection] = {}
        for section in template.sections.values():
            box = FactorSection(
                template,
                section,
                self.document,
                is_loading=lambda: self.loading,
                pick_links=self.pick_links,
            )
            self.rows.update(box.rows)
            self.section_boxes[section.id] = box
            form_layout.addWidget(box)
        form_layout.addStretch(1)
        old = self.form_scroll.takeWidget()
        self.form_scroll.setWidget(form)
        if old is not None:
            old.deleteLater()

    def _tracks_box(self, template: Template) -> QGroupBox:
        box = QGroupBox("Tracks", objectName="tracksBox")
        flow = ColumnFlowLayout(box)
        self.track_checks: dict[str, QCheckBox] = {}
        for track in template.tracks.values():
            check = QCheckBox(track.label, objectName=f"track:{track.id}")
            check.setToolTip(track.description)
            check.toggled.connect(self._tracks_changed)
            self.track_checks[track.id] = check
            flow.addWidget(check)
        return box

    def _context_box(self, template: Template) -> QGroupBox:
        box = QGroupBox("Context", objectName="contextBox")
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.concern_source = shrinkable(QComboBox(objectName="concernSource"), 20)
        self.concern_source.addItem("Choose…", "")
        for option in template.concern_sources:
            self.concern_source.addItem(option.label, option.id)
        self.concern_source.currentIndexChanged.connect(self._context_changed)
        self.concern_detail = QLineEdit(objectName="concernDetail")
        self.concern_detail.setPlaceholderText("What raised the concern, in one line")
        self.concern_detail.textEdited.connect(self._context_changed)
        self.subjects_button = QPushButton(objectName="subjectsButton")
        self.subjects_button.clicked.connect(lambda: self.pick_context("subject_ids", "Subjects"))
        self.targets_button = QPushButton(objectName="targetsButton")
        self.targets_button.clicked.connect(
            lambda: self.pick_context("target_ids", "Potential targets")
        )
        self.context_evidence = QPushButton(objectName="contextEvidence")
        self.context_evidence.clicked.connect(self.pick_context_evidence)
        for button in (self.subjects_button, self.targets_button, self.context_evidence):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.targets_note = QLineEdit(objectName="targetsNote")
        self.targets_note.setPlaceholderText("Targets not (yet) identified, e.g. 'a school'")
        self.targets_note.textEdited.connect(self._context_changed)
        self.assessor = QLabel(objectName="assessorLabel")
        self.assessor.setWordWrap(True)
        self.concern_label = QLabel("Concern source *")
        form.addRow(self.concern_label, self.concern_source)
        form.addRow("Concern detail", self.concern_detail)
        form.addRow("Subjects", self.subjects_button)
        form.addRow("Potential targets", self.targets_button)
        form.addRow("", self.targets_note)
        form.addRow("Evidence", self.context_evidence)
        form.addRow("Assessor", self.assessor)
        return box

    # ---- fitting the width -------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            if watched is self.splitter:
                self._fit_tier_column()
            elif watched is self.form_scroll:
                self._fit_rows()
        return super().eventFilter(watched, event)

    def _remember_splitter(self) -> None:
        self._splitter_moved = True  # the user chose the width: keep it

    def _fit_tier_column(self) -> None:
        """The tier column takes a share of the width, less if the form would not fit beside
        it even with three lines per factor, until the user drags the splitter."""
        if self._splitter_moved:
            return
        total = self.splitter.width() - self.splitter.handleWidth()
        side = self.tier_panel
        width = min(side.maximumWidth(), int(total * TIER_SHARE), total - self._form_minimum())
        width = max(side.minimumWidth(), width)
        self.splitter.setSizes([max(0, total - width), width])

    def _scroll_bar_width(self) -> int:
        return self.form_scroll.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)

    def _form_minimum(self) -> int:
        """The narrowest the scroll area can be without scrolling sideways (with the factors
        on three lines)."""
        widths = [box.width_for(3) for box in self.section_boxes.values()]
        widths += [box.minimumSizeHint().width() for box in self._other_boxes]
        return max(widths, default=0) + FORM_RIGHT_MARGIN + self._scroll_bar_width()

    def _fit_rows(self) -> None:
        """As few lines per factor as the width allows, the same in every section."""
        available = self.form_scroll.width() - self._scroll_bar_width() - FORM_RIGHT_MARGIN
        boxes = self.section_boxes.values()
        lines = next((n for n in (1, 2) if all(available >= box.width_for(n) for box in boxes)), 3)
        for box in boxes:
            box.set_lines(lines)

    # ---- edits -------------------------------------------------------------------------------
    def _template_chosen(self) -> None:
        self.document.set_template(str(self.template_combo.currentData()))

    def set_template(self, template_id: str) -> None:
        """What choosing in the template box does (also for keyboard-free tests): start over
        with another template, before the first save only."""
        self.template_combo.setCurrentIndex(self.template_combo.findData(template_id))
        self._template_chosen()

    def set_final_tier(self, tier: Tier) -> None:
        """What choosing in the Final tier box does (also for keyboard-free tests)."""
        self.tier_panel.set_final_tier(tier)

    def _tracks_changed(self) -> None:
        if self.loading:
            return
        tracks = tuple(t for t, check in self.track_checks.items() if check.isChecked())
        self.document.update(replace(self.document.record, tracks=tracks))

    def _context_changed(self) -> None:
        if self.loading:
            return
        record = self.document.record
        context = replace(
            record.context,
            concern_source=str(self.concern_source.currentData() or ""),
            concern_detail=self.concern_detail.text(),
            targets_note=self.targets_note.text(),
        )
        self.document.update(replace(record, context=context))

    def _pick(
        self,
        title: str,
        *,
        evidence_ids: tuple[str, ...] = (),
        entity_ids: tuple[str, ...] = (),
        with_evidence: bool = True,
    ) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """The link picker; the chosen (evidence ids, entity ids), or None if cancelled."""
        from ui.dialogs.assessment_links import LinkPickerDialog

        dialog = LinkPickerDialog(
            self.document.ws,
            self.document.case_id,
            title=title,
            evidence_ids=evidence_ids,
            entity_ids=entity_ids,
            with_evidence=with_evidence,
            parent=self,
        )
        dialog.tabs.setCurrentIndex(0)
        if not dialog.exec():
            return None
        return dialog.evidence_ids(), dialog.entity_ids()

    def pick_links(self, factor_id: str) -> None:
        answer = self.document.record.answer(factor_id)
        chosen = self._pick(
            f"Links: {self.document.template.factor_title(factor_id)}",
            evidence_ids=answer.evidence_ids,
            entity_ids=answer.entity_ids,
        )
        if chosen is not None:
            evidence_ids, entity_ids = chosen
            self.document.set_answer(
                factor_id, replace(answer, evidence_ids=evidence_ids, entity_ids=entity_ids)
            )

    def pick_context(self, field: str, title: str) -> None:
        context = self.document.record.context
        chosen = self._pick(title, entity_ids=getattr(context, field), with_evidence=False)
        if chosen is not None:
            new_context = replace(context, **{field: chosen[1]})
            self.document.update(replace(self.document.record, context=new_context))

    def pick_context_evidence(self) -> None:
        context = self.document.record.context
        chosen = self._pick("Evidence for the concern", evidence_ids=context.evidence_ids)
        if chosen is not None:
            new_context = replace(context, evidence_ids=chosen[0])
            self.document.update(replace(self.document.record, context=new_context))

    def show_history(self) -> None:
        from ui.dialogs.assessment_history import HistoryDialog

        HistoryDialog(self.document.repo, self.document.case_id, self).exec()

    # ---- showing -----------------------------------------------------------------------------
    def refresh(self) -> None:
        document = self.document
        record = document.record
        template = document.template
        if template is not self._built_for:
            self._build_form(template)
            self._fit_tier_column()
            self._fit_rows()
        self.template_combo.setCurrentIndex(max(0, self.template_combo.findData(template.id)))
        self.template_combo.setVisible(self.template_combo.count() > 1)
        self.template_combo.setEnabled(document.saved_version is None)
        bad = document.problem_fields()
        for track_id, check in self.track_checks.items():
            check.setChecked(track_id in record.tracks)
        for section_id, box in self.section_boxes.items():
            box.setVisible(template.sections[section_id].visible(record.tracks))
        context = record.context
        self.concern_source.setCurrentIndex(
            max(0, self.concern_source.findData(context.concern_source))
        )
        mark(self.concern_label, "context.concern_source" in bad)
        if self.concern_detail.text() != context.concern_detail:
            self.concern_detail.setText(context.concern_detail)
        if self.targets_note.text() != context.targets_note:
            self.targets_note.setText(context.targets_note)
        self.subjects_button.setText(ids_text(len(context.subject_ids), "entity", "entities") + "…")
        self.targets_button.setText(ids_text(len(context.target_ids), "entity", "entities") + "…")
        self.context_evidence.setText(
            ids_text(len(context.evidence_ids), "evidence item", "evidence items") + "…"
        )
        self.assessor.setText(context.assessor or f"{document.ws.actor} (on first save)")
        for factor_id, row in self.rows.items():
            row.show(record.answer(factor_id), f"answers.{factor_id}" in bad)
        self.tier_panel.refresh()

    # ---- convenience for keyboard users and tests ----------------------------------------------
    def answer(self, factor_id: str, value: str, recency: Recency | None = None) -> None:
        """Choose a value (and recency) in a factor's row as a click would."""
        row = self.rows[factor_id]
        if row.choice is not None:
            row.choice.setCurrentIndex(row.choice.findData(value))
        else:
            row.buttons[value].click()
        if recency is not None and row.recency is not None:
            row.recency.setCurrentIndex(row.recency.findData(recency.value))
