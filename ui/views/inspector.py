"""Inspector dock: everything about the selected entity or link: fields, properties,
provenance records and its links (click a linked entity to go to it)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui import formatting as fmt
from ui import theme
from ui.session import ENTITY, LINK, CaseSession
from workbench.model import Entity, Link, Provenance


class Inspector(QScrollArea):
    evidenceRequested = Signal(str)  # evidence id: show it in the Evidence tab

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inspector")
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.session: CaseSession | None = None
        self.shown: tuple[str, str] = ("", "")
        self._show_message("Select an entity or a link to see its details here.")

    def set_session(self, session: CaseSession | None) -> None:
        if self.session is not None:
            for signal in (self.session.selection.changed,):
                signal.disconnect(self.show_object)
            for signal in (
                self.session.entityUpdated,
                self.session.linkUpdated,
                self.session.linkAdded,
            ):
                signal.disconnect(self._refresh)
        self.session = session
        if session is None:
            self._show_message("Open a case to inspect its entities and links.")
            return
        session.selection.changed.connect(self.show_object)
        for signal in (session.entityUpdated, session.linkUpdated, session.linkAdded):
            signal.connect(self._refresh)
        self.show_object(session.selection.kind, session.selection.object_id)

    def _refresh(self, *_args: object) -> None:
        self.show_object(*self.shown)

    def show_object(self, kind: str, object_id: str) -> None:
        self.shown = (kind, object_id)
        if self.session is None or not object_id:
            self._show_message("Select an entity or a link to see its details here.")
            return
        try:
            if kind == ENTITY:
                self._show_entity(self.session.ws.graph.get_entity(object_id))
            elif kind == LINK:
                self._show_link(self.session.ws.graph.get_link(object_id))
        except Exception as exc:  # deleted meanwhile: say so instead of failing a slot
            self._show_message(str(exc))

    # ---- building the page ----------------------------------------------------------------
    def _page(self) -> QVBoxLayout:
        page = QWidget()
        page.setObjectName("inspectorPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(theme.MARGIN, theme.SPACING, theme.MARGIN, theme.MARGIN)
        layout.setSpacing(theme.SPACING // 2)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.setWidget(page)
        return layout

    def _show_message(self, text: str) -> None:
        layout = self._page()
        label = QLabel(text, objectName="muted")
        label.setWordWrap(True)
        layout.addWidget(label)

    def _heading(self, layout: QVBoxLayout, text: str) -> None:
        layout.addWidget(QLabel(escape(text), objectName="subheading"))

    def _form(self, layout: QVBoxLayout, rows: list[tuple[str, str, str]]) -> None:
        form = QFormLayout()
        form.setHorizontalSpacing(theme.SPACING)
        form.setVerticalSpacing(theme.SPACING // 2)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        for name, value, tooltip in rows:
            caption = QLabel(name, objectName="muted")
            if " " not in value and len(value) > 24:  # ids, hashes, URLs: one copyable line
                field = QLineEdit(value)
                field.setReadOnly(True)
                field.setFrame(False)
                field.setCursorPosition(0)
                field.setStyleSheet("background: transparent; padding: 0;")
                field.setToolTip(tooltip or value)
                form.addRow(caption, field)
                continue
            label = QLabel(escape(value) if value else "—")
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setToolTip(tooltip)
            form.addRow(caption, label)
        layout.addLayout(form)

    def _provenance(self, layout: QVBoxLayout, records: tuple[Provenance, ...]) -> None:
        self._heading(layout, f"Provenance ({len(records)})")
        if not records:
            layout.addWidget(QLabel("No provenance recorded.", objectName="muted"))
        for record in records:
            rows = [
                ("Kind", fmt.PROVENANCE_TEXT.get(record.kind.value, record.kind.value), ""),
                ("Actor", record.actor, ""),
                ("When", fmt.time_text(record.at), fmt.time_tooltip(record.at)),
            ]
            if record.ref:
                rows.append(("Ref", record.ref, ""))
            if record.note:
                rows.append(("Note", record.note, ""))
            self._form(layout, rows)

    def _properties(self, layout: QVBoxLayout, properties: dict[str, object]) -> None:
        if properties:
            self._heading(layout, "Properties")
            self._form(
                layout,
                [(fmt.humanise_key(k), fmt.property_text(v), k) for k, v in properties.items()],
            )

    def _title(self, layout: QVBoxLayout, title: str, subtitle: str) -> None:
        heading = QLabel(escape(title))
        heading.setObjectName("heading")
        heading.setWordWrap(True)
        heading.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(heading)
        layout.addWidget(QLabel(escape(subtitle), objectName="muted"))

    def _show_entity(self, entity: Entity) -> None:
        assert self.session is not None
        known = self.session.vocabulary.entity_types.get(entity.type)
        type_label = known.label if known else entity.type
        layout = self._page()
        self._title(layout, entity.label, type_label)
        self._form(
            layout,
            [
                ("Value", entity.value, ""),
                ("Normalised", entity.normalized, ""),
                ("Created", fmt.time_text(entity.created_at), fmt.time_tooltip(entity.created_at)),
                ("Updated", fmt.time_text(entity.updated_at), fmt.time_tooltip(entity.updated_at)),
                ("By", entity.created_by, ""),
                ("ID", entity.id, ""),
            ],
        )
        self._properties(layout, entity.properties)
        self._provenance(layout, entity.provenance)
        self._evidence(layout, entity.id)
        links = self.session.ws.graph.links_of(entity.id)
        self._heading(layout, f"Links ({len(links)})")
        for link in links[:200]:
            outgoing = link.source_id == entity.id
            other = link.target_id if outgoing else link.source_id
            type_name = self.session.vocabulary.link_types.get(link.type)
            words = type_name.label if type_name else link.type
            arrow = "→" if outgoing else "←"
            text = (
                f'{arrow} {escape(words)} <a href="entity:{other}">'
                f"{escape(self.session.entity_label(other))}</a> "
                f'<span style="color:{theme.colours().muted}">'
                f"({fmt.confidence_text(link.confidence).lower()}, "
                f"{fmt.grading_text(link.reliability, link.credibility)})</span> "
                f'<a href="link:{link.id}">details</a>'
            )
            label = QLabel(text)
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.linkActivated.connect(self._go)
            layout.addWidget(label)
        if len(links) > 200:
            layout.addWidget(
                QLabel(f"… and {len(links) - 200:,} more in the Entities tab.", objectName="muted")
            )

    def _show_link(self, link: Link) -> None:
        assert self.session is not None
        known = self.session.vocabulary.link_types.get(link.type)
        layout = self._page()
        self._title(layout, known.label if known else link.type, "Link")
        source = self.session.entity_label(link.source_id)
        target = self.session.entity_label(link.target_id)
        for name, entity_id, label in (
            ("From", link.source_id, source),
            ("To", link.target_id, target),
        ):
            row = QLabel(
                f'<span style="color:{theme.colours().muted}">{name}</span> '
                f'<a href="entity:{entity_id}">{escape(label)}</a>'
            )
            row.setTextFormat(Qt.TextFormat.RichText)
            row.linkActivated.connect(self._go)
            layout.addWidget(row)
        self._form(
            layout,
            [
                ("Confidence", fmt.confidence_text(link.confidence), ""),
                ("Reliability", fmt.RELIABILITY_TEXT.get(link.reliability or "", "ungraded"), ""),
                ("Credibility", fmt.CREDIBILITY_TEXT.get(link.credibility or "", "ungraded"), ""),
                ("Grading", fmt.grading_text(link.reliability, link.credibility), ""),
                ("Created", fmt.time_text(link.created_at), fmt.time_tooltip(link.created_at)),
                ("By", link.created_by, ""),
                ("ID", link.id, ""),
            ],
        )
        self._properties(layout, link.properties)
        self._provenance(layout, link.provenance)
        self._evidence(layout, link.id)

    def _evidence(self, layout: QVBoxLayout, object_id: str) -> None:
        """The evidence items that support, contradict or mention this entity or link."""
        assert self.session is not None
        found = self.session.ws.evidence.evidence_for(object_id)
        self._heading(layout, f"Evidence ({len(found)})")
        if not found:
            layout.addWidget(QLabel("No evidence linked.", objectName="muted"))
        for item in found[:100]:
            label = QLabel(
                f"{escape(item.relation.value)} "
                f'<a href="evidence:{item.evidence_id}">{escape(item.evidence_filename)}</a>'
                + (f" — {escape(item.note)}" if item.note else "")
            )
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.linkActivated.connect(self._go)
            layout.addWidget(label)

    def _go(self, href: str) -> None:
        kind, _, object_id = href.partition(":")
        if kind == "evidence":
            self.evidenceRequested.emit(object_id)
        elif self.session is not None and kind in (ENTITY, LINK):
            self.session.selection.select(kind, object_id)
