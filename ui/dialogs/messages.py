"""The one place errors and confirmations are shown to the user (and logged)."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from workbench.errors import WorkbenchError

log = logging.getLogger("workbench.ui")


def show_error(parent: QWidget | None, error: BaseException, title: str = "") -> None:
    """Core errors carry user-facing messages: show them as is. Anything else is a bug:
    say so plainly and keep the details for the report."""
    if isinstance(error, WorkbenchError):
        log.warning("%s", error)
        QMessageBox.warning(parent, title or "Cannot do that", str(error))
        return
    details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    log.error("Unexpected error\n%s", details)
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        title or "Unexpected error",
        f"Something went wrong that the application did not expect:\n\n{error}\n\n"
        "Your data is safe: every change is saved in its own transaction.",
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setDetailedText(details)
    box.exec()


@contextmanager
def reporting(parent: QWidget | None, title: str = "") -> Iterator[None]:
    """Run a user action; a core error becomes a message box instead of a crash."""
    try:
        yield
    except Exception as exc:
        show_error(parent, exc, title)


def confirm(parent: QWidget | None, title: str, text: str, ok_text: str = "Delete") -> bool:
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    ok = box.addButton(ok_text, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is ok


def workspace_error_choice(parent: QWidget | None, message: str, cancel_text: str) -> bool:
    """Tell why a workspace did not open; True if the user wants to choose another folder."""
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "Cannot open the workspace",
        message,
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setInformativeText("Nothing in that folder has been changed.")
    choose = box.addButton("Choose another folder…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(cancel_text, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(choose)
    box.exec()
    return box.clickedButton() is choose


def install_excepthook() -> None:
    """Uncaught exceptions in slots show a message instead of killing the window."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if QApplication.instance() is None or isinstance(value, KeyboardInterrupt):
            previous(kind, value, tb)
            return
        value.__traceback__ = tb
        show_error(QApplication.activeWindow(), value)

    sys.excepthook = hook
