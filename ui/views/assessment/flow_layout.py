"""A layout of equal-width columns that uses as many columns as fit the width.

For rows of check boxes (tracks, decision options, disclosure categories): on a wide window
they sit side by side, on a narrow one they wrap into more rows instead of widening the form.
Items are placed row by row, so reading order (e.g. "narrowest first") is kept, and the rows
are balanced (six items in three columns, not four and two).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget

from ui import theme


class ColumnFlowLayout(QLayout):
    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        max_columns: int = 0,
        horizontal_spacing: int = 2 * theme.SPACING,
        vertical_spacing: int = theme.SPACING // 2,
    ):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.max_columns = max_columns  # 0: no limit
        self.horizontal_spacing = horizontal_spacing
        self.vertical_spacing = vertical_spacing

    # ---- QLayout's item list ---------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    # ---- sizes -------------------------------------------------------------------------------
    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def sizeHint(self) -> QSize:
        """Everything on one row (capped by max_columns)."""
        columns = self._visible_count()
        if self.max_columns:
            columns = min(columns, self.max_columns)
        width = self._column_width() * columns + self.horizontal_spacing * max(0, columns - 1)
        margins = self.contentsMargins()
        width += margins.left() + margins.right()
        return QSize(width, self.heightForWidth(width))

    def minimumSize(self) -> QSize:
        """One column: the widest item."""
        margins = self.contentsMargins()
        width = self._column_width() + margins.left() + margins.right()
        return QSize(width, self.heightForWidth(width))

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    # ---- placing -----------------------------------------------------------------------------
    def _visible(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _visible_count(self) -> int:
        return len(self._visible())

    def _column_width(self) -> int:
        return max((item.sizeHint().width() for item in self._visible()), default=0)

    def columns_for(self, width: int) -> int:
        """How many columns a width holds, balanced so the rows come out even."""
        count = self._visible_count()
        if count == 0:
            return 1
        column = max(1, self._column_width())
        fits = max(1, (width + self.horizontal_spacing) // (column + self.horizontal_spacing))
        if self.max_columns:
            fits = min(fits, self.max_columns)
        fits = min(fits, count)
        rows = math.ceil(count / fits)
        return math.ceil(count / rows)

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        """Place the items in `rect` (or only measure); returns the height used."""
        margins = self.contentsMargins()
        inner = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        items = self._visible()
        if not items:
            return margins.top() + margins.bottom()
        columns = self.columns_for(inner.width())
        column_width = max(
            self._column_width(),
            (inner.width() - self.horizontal_spacing * (columns - 1)) // columns,
        )
        y = inner.y()
        for start in range(0, len(items), columns):
            row = items[start : start + columns]
            height = max(item.sizeHint().height() for item in row)
            if apply:
                for index, item in enumerate(row):
                    x = inner.x() + index * (column_width + self.horizontal_spacing)
                    item.setGeometry(QRect(QPoint(x, y), QSize(column_width, height)))
            y += height + self.vertical_spacing
        return y - self.vertical_spacing - rect.y() + margins.bottom()
