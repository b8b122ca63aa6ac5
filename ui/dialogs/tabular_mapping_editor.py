"""The mapping part of File > Import > Back-end export: which columns become which entities,
and which links join them. Two tables of combo boxes over a `TableMapping`; guesses a first
mapping from the column names (account, ip, e-mail, time...)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from ui.icons import icon
from workbench.errors import ValidationError
from workbench.tabular.mapping import CONFIDENCES, LINK_MODES, EntityMap, LinkMap
from workbench.vocabulary import Vocabulary

NONE = "(none)"
TIME_FORMATS = ("iso", "epoch", "epoch_ms", "%d/%m/%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S")
GUESSES = (  # column name pattern -> entity type
    (r"e?-?mail", "email"),
    (r"(src_|source_|client_|remote_)?ip(_?addr(ess)?)?|address", "ip"),
    (r"phone|tel|msisdn|mobile", "phone"),
    (r"url|link", "url"),
    (r"domain|host(name)?", "domain"),
    (r"account|user(name|_?id)?|login|handle|screen_?name", "account"),
    (r"device(_?id)?|imei", "device"),
)
TIME_COLUMN = re.compile(r"(time|date|_at$|^ts$|timestamp|when)", re.IGNORECASE)
ENTITY_HEADERS = ("Entity", "Type", "Value column", "Label column", "Properties", "Required")
ENTITY_WIDTHS = (110, 140, 170, 170, 300)
LINK_HEADERS = (
    "From",
    "Link type",
    "To",
    "Confidence",
    "Timestamp column",
    "Time format",
    "Time zone",
    "Links",
    "Properties",
)
LINK_WIDTHS = (100, 140, 100, 100, 140, 130, 100, 100)
# columns that, when present and not mapped otherwise, describe an entity or a link
ENTITY_PROPERTY_GUESSES = {"ip": ("country", "country_code", "asn", "isp", "org")}
LINK_PROPERTY_GUESSES = ("user_agent", "useragent", "ua", "session_id", "result", "status")


def _combo(items: Sequence[str], current: str | None = None, editable: bool = False) -> QComboBox:
    combo = QComboBox()
    combo.addItems(list(items))
    combo.setEditable(editable)
    if current is not None:
        index = combo.findText(current)
        if index >= 0:
            combo.setCurrentIndex(index)
        elif editable:
            combo.setEditText(current)
    return combo


def _props_text(properties: dict[str, str]) -> str:
    return ", ".join(f"{name}={column}" for name, column in properties.items())


def _props(text: str, where: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, column = part.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise ValidationError(
                f"{where}: {part!r} is not property=column (e.g. country=country_code)."
            )
        found[name.strip()] = column.strip()
    return found


def guess_entities(columns: Sequence[str]) -> list[EntityMap]:
    maps: list[EntityMap] = []
    used: set[str] = set()
    lower = {column.strip().lower(): column for column in columns}
    for column in columns:
        name = column.strip().lower()
        for pattern, entity_type in GUESSES:
            if re.fullmatch(pattern, name):
                key = entity_type if entity_type not in used else f"{entity_type}_{len(maps)}"
                properties = {
                    extra: lower[extra]
                    for extra in ENTITY_PROPERTY_GUESSES.get(entity_type, ())
                    if extra in lower and entity_type not in used
                }
                used.add(entity_type)
                maps.append(EntityMap(key, entity_type, column, properties=properties))
                break
    return maps


def guess_links(entities: Sequence[EntityMap], columns: Sequence[str]) -> list[LinkMap]:
    keys = {entity.type: entity.key for entity in entities}
    time_column = next((c for c in columns if TIME_COLUMN.search(c)), None)
    for source, target, link_type in (
        ("account", "ip", "logged_in_from"),
        ("account", "email", "uses"),
        ("account", "phone", "uses"),
        ("account", "device", "uses"),
        ("domain", "ip", "resolves_to"),
    ):
        if source in keys and target in keys:
            lower = {column.strip().lower(): column for column in columns}
            properties = {name: lower[name] for name in LINK_PROPERTY_GUESSES if name in lower}
            return [
                LinkMap(
                    keys[source],
                    keys[target],
                    link_type,
                    timestamp=time_column,
                    properties=properties,
                )
            ]
    return []


class MappingEditor(QWidget):
    def __init__(self, vocabulary: Vocabulary, parent: QWidget | None = None):
        super().__init__(parent)
        self.vocabulary = vocabulary
        self.columns: list[str] = []
        self.entity_table = self._table(ENTITY_HEADERS, ENTITY_WIDTHS, "mappingEntities")
        self.link_table = self._table(LINK_HEADERS, LINK_WIDTHS, "mappingLinks")
        self.entity_table.setMinimumHeight(112)  # header and three rows
        self.link_table.setMinimumHeight(84)
        add_entity = QPushButton(icon("plus"), "Add entity")
        add_entity.clicked.connect(lambda: self.add_entity_row(None))
        remove_entity = QPushButton(icon("trash-2"), "Remove")
        remove_entity.clicked.connect(lambda: self._remove(self.entity_table))
        add_link = QPushButton(icon("plus"), "Add link")
        add_link.clicked.connect(lambda: self.add_link_row(None))
        remove_link = QPushButton(icon("trash-2"), "Remove")
        remove_link.clicked.connect(lambda: self._remove(self.link_table))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(
            self._heading("Entities: one per row and column", add_entity, remove_entity)
        )
        layout.addWidget(self.entity_table, 3)
        layout.addLayout(self._heading("Links between them", add_link, remove_link))
        layout.addWidget(self.link_table, 2)

    @staticmethod
    def _heading(text: str, *buttons: QPushButton) -> QHBoxLayout:
        row = QHBoxLayout()
        label = QLabel(f"<b>{text}</b>")
        row.addWidget(label)
        row.addStretch(1)
        for button in buttons:
            row.addWidget(button)
        return row

    @staticmethod
    def _table(headers: Sequence[str], widths: Sequence[int], name: str) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(list(headers))
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(28)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate(widths):
            table.setColumnWidth(column, width)
        return table

    @staticmethod
    def _remove(table: QTableWidget) -> None:
        rows = sorted({index.row() for index in table.selectedIndexes()}, reverse=True)
        for row in rows or [table.rowCount() - 1]:
            if row >= 0:
                table.removeRow(row)

    # ---- rows --------------------------------------------------------------------------
    def set_columns(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)

    def add_entity_row(self, spec: EntityMap | None) -> None:
        table = self.entity_table
        row = table.rowCount()
        table.insertRow(row)
        key = QLineEdit(spec.key if spec else f"entity{row + 1}")
        table.setCellWidget(row, 0, key)
        table.setCellWidget(
            row, 1, _combo(sorted(self.vocabulary.entity_types), spec.type if spec else "account")
        )
        table.setCellWidget(row, 2, _combo(self.columns, spec.value if spec else None))
        table.setCellWidget(
            row, 3, _combo([NONE, *self.columns], (spec.label if spec else None) or NONE)
        )
        props = QLineEdit(_props_text(dict(spec.properties)) if spec else "")
        props.setPlaceholderText("property=column, …")
        table.setCellWidget(row, 4, props)
        required = QCheckBox()
        required.setChecked(spec.required if spec else True)
        table.setCellWidget(row, 5, required)

    def add_link_row(self, spec: LinkMap | None) -> None:
        keys = self.entity_keys() or [""]
        table = self.link_table
        row = table.rowCount()
        table.insertRow(row)
        table.setCellWidget(row, 0, _combo(keys, spec.source if spec else keys[0]))
        table.setCellWidget(
            row,
            1,
            _combo(sorted(self.vocabulary.link_types), spec.type if spec else "logged_in_from"),
        )
        table.setCellWidget(row, 2, _combo(keys, spec.target if spec else keys[-1]))
        table.setCellWidget(row, 3, _combo(CONFIDENCES, spec.confidence if spec else "suspected"))
        table.setCellWidget(
            row, 4, _combo([NONE, *self.columns], (spec.timestamp if spec else None) or NONE)
        )
        table.setCellWidget(
            row, 5, _combo(TIME_FORMATS, spec.timestamp_format if spec else "iso", editable=True)
        )
        table.setCellWidget(row, 6, QLineEdit(spec.timezone if spec else "UTC"))
        mode = _combo(LINK_MODES, spec.mode if spec else "aggregate")
        mode.setToolTip(
            "aggregate: one link per pair with first/last seen and count; "
            "each_row: one link per row with its own timestamp"
        )
        table.setCellWidget(row, 7, mode)
        props = QLineEdit(_props_text(dict(spec.properties)) if spec else "")
        props.setPlaceholderText("property=column, …")
        table.setCellWidget(row, 8, props)

    def entity_keys(self) -> list[str]:
        return [
            self._text(self.entity_table, row, 0) for row in range(self.entity_table.rowCount())
        ]

    def load(self, entities: Sequence[EntityMap], links: Sequence[LinkMap]) -> None:
        self.entity_table.setRowCount(0)
        self.link_table.setRowCount(0)
        for entity in entities:
            self.add_entity_row(entity)
        for link in links:
            self.add_link_row(link)

    def guess(self) -> None:
        entities = guess_entities(self.columns)
        self.load(entities, guess_links(entities, self.columns))

    # ---- reading back ------------------------------------------------------------------
    @staticmethod
    def _text(table: QTableWidget, row: int, column: int) -> str:
        widget = table.cellWidget(row, column)
        if isinstance(widget, QComboBox):
            return widget.currentText().strip()
        if isinstance(widget, QLineEdit):
            return widget.text().strip()
        return ""

    def entities(self) -> tuple[EntityMap, ...]:
        table = self.entity_table
        found = []
        for row in range(table.rowCount()):
            label = self._text(table, row, 3)
            required = table.cellWidget(row, 5)
            found.append(
                EntityMap(
                    key=self._text(table, row, 0),
                    type=self._text(table, row, 1),
                    value=self._text(table, row, 2),
                    label=None if label == NONE else label,
                    properties=_props(self._text(table, row, 4), f"entity row {row + 1}"),
                    required=isinstance(required, QCheckBox) and required.isChecked(),
                )
            )
        return tuple(found)

    def links(self) -> tuple[LinkMap, ...]:
        table = self.link_table
        found = []
        for row in range(table.rowCount()):
            timestamp = self._text(table, row, 4)
            found.append(
                LinkMap(
                    source=self._text(table, row, 0),
                    type=self._text(table, row, 1),
                    target=self._text(table, row, 2),
                    confidence=self._text(table, row, 3),
                    timestamp=None if timestamp == NONE else timestamp,
                    timestamp_format=self._text(table, row, 5) or "iso",
                    timezone=self._text(table, row, 6) or "UTC",
                    mode=self._text(table, row, 7),
                    properties=_props(self._text(table, row, 8), f"link row {row + 1}"),
                )
            )
        return tuple(found)
