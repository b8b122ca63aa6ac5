"""Small helpers shared by the Assessment and Decision forms: dates, field marks, counts,
lists that wrap."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QListView,
    QListWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from ui import theme


def to_qdatetime(moment: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()))


def from_qdatetime(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


def datetime_edit(name: str) -> QDateTimeEdit:
    edit = QDateTimeEdit(objectName=name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm t")
    return edit


def shrinkable(combo: QComboBox, characters: int) -> QComboBox:
    """Let a combo box be narrower than its longest item (the popup still shows it whole), so
    a long template or jurisdiction name cannot widen the form."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    return combo


def mark(label: QLabel, bad: bool) -> None:
    """Show a field's label in the error colour while the field has a problem."""
    label.setStyleSheet(f"color: {theme.colours().bad}; font-weight: 600;" if bad else "")


def in_sentence(label: str) -> str:
    """A label inside a sentence: "Basic subscriber info" -> "basic subscriber info", but
    acronyms and tier names keep their case ("IP / log-in records", "T1")."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and not first[1:].islower():
        return label
    return label[:1].lower() + label[1:]


def ids_text(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


class _WrappedItemDelegate(QStyledItemDelegate):
    """Item heights for the width the text really gets: a list's spacing narrows every item,
    and without this the wrapped lines of long items are cut off and elided."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        view = self.parent()
        if isinstance(view, QListView):
            option = QStyleOptionViewItem(option)
            width = view.viewport().width() - 2 * view.spacing()
            option.rect = QRect(0, 0, max(1, width), option.rect.height())
        return super().sizeHint(option, index)


def wrapping_list(name: str) -> QListWidget:
    """A list whose items wrap at its width instead of scrolling sideways."""
    view = QListWidget(objectName=name)
    view.setWordWrap(True)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    view.setResizeMode(QListView.ResizeMode.Adjust)  # wrap again when the width changes
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setItemDelegate(_WrappedItemDelegate(view))
    return view
