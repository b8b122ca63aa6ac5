"""Investigator wellness (DOMAIN.md section 8): sensitive media (or all media, the default)
is shown blurred and in greyscale until revealed, one item at a time, each reveal logged to
the item's custody log; audio and video never play here; an exposure counter per session
(items revealed, time spent looking at revealed media) sits in the status bar and reminds
the user to take a break after a configurable time. Settings are per user (QSettings)."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QWidget

BLUR_ALL_KEY = "wellness/blur_all_media"
BREAK_KEY = "wellness/break_minutes"
DEFAULT_BREAK_MINUTES = 30


def _settings() -> QSettings:
    """The user's settings file (the same one the window keeps its preferences in)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "osint-workbench", "workbench-gui"
    )


def blur_all_media() -> bool:
    return bool(_settings().value(BLUR_ALL_KEY, True, type=bool))


def set_blur_all_media(on: bool) -> None:
    _settings().setValue(BLUR_ALL_KEY, bool(on))


def break_minutes() -> int:
    return max(1, int(_settings().value(BREAK_KEY, DEFAULT_BREAK_MINUTES, type=int)))


def set_break_minutes(minutes: int) -> None:
    _settings().setValue(BREAK_KEY, max(1, int(minutes)))


def should_blur(mime_type: str, sensitivity: str | None) -> bool:
    """Sensitive items always start hidden; other images and videos too while the "blur all
    media" setting is on (the default)."""
    if sensitivity:
        return True
    is_media = mime_type.startswith(("image/", "video/"))
    return is_media and blur_all_media()


def obscured(image: QImage, strength: int = 24) -> QPixmap:
    """Greyscale and heavily blurred (down-scaled then smoothly up-scaled): shapes stay
    recognisable enough to decide whether to look, details do not."""
    if image.isNull():
        return QPixmap()
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height = grey.width(), grey.height()
    small = grey.scaled(
        max(1, width // strength),
        max(1, height // strength),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    smooth = small.scaled(
        width,
        height,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return QPixmap.fromImage(smooth)


class ExposureCounter(QObject):
    """Items revealed and time spent on revealed media in this session."""

    changed = Signal()
    breakDue = Signal(int)  # minutes viewed since the last break

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.revealed = 0
        self._viewed = 0.0  # seconds, closed intervals
        self._since_break = 0.0
        self._started: float | None = None
        self._reminded = False
        self._tick = QTimer(self)
        self._tick.setInterval(15_000)
        self._tick.timeout.connect(self._check)

    def reveal(self) -> None:
        self.revealed += 1
        self.start_viewing()
        self.changed.emit()

    def start_viewing(self) -> None:
        if self._started is None:
            self._started = time.monotonic()
            self._tick.start()

    def stop_viewing(self) -> None:
        if self._started is not None:
            spent = time.monotonic() - self._started
            self._viewed += spent
            self._since_break += spent
            self._started = None
            self._tick.stop()
            self.changed.emit()
            self._check()

    def seconds_viewed(self) -> float:
        running = time.monotonic() - self._started if self._started is not None else 0.0
        return self._viewed + running

    def seconds_since_break(self) -> float:
        running = time.monotonic() - self._started if self._started is not None else 0.0
        return self._since_break + running

    def took_break(self) -> None:
        self._since_break = 0.0
        self._reminded = False
        if self._started is not None:
            self._started = time.monotonic()
        self.changed.emit()

    def _check(self) -> None:
        self.changed.emit()
        minutes = int(self.seconds_since_break() // 60)
        if minutes >= break_minutes() and not self._reminded:
            self._reminded = True
            self.breakDue.emit(minutes)

    def describe(self) -> str:
        minutes = int(self.seconds_viewed() // 60)
        seconds = int(self.seconds_viewed() % 60)
        return (
            f"Exposure this session: {self.revealed} revealed · {minutes} min {seconds:02d} s "
            "viewed"
        )


_COUNTER: ExposureCounter | None = None


def session_counter() -> ExposureCounter:
    """The one counter of this application session."""
    global _COUNTER
    if _COUNTER is None:
        _COUNTER = ExposureCounter()
    return _COUNTER


class ExposureLabel(QLabel):
    """Status bar widget: the counter in words; says so plainly when a break is due."""

    def __init__(self, counter: ExposureCounter, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("exposureCounter")
        self.counter = counter
        self._due = False
        counter.changed.connect(self._update)
        counter.breakDue.connect(self._break_due)
        self.setToolTip(
            "Sensitive media you revealed in this session and how long you looked at it. "
            f"A break reminder appears after {break_minutes()} minutes (setting "
            f"'{BREAK_KEY}'). Click to reset after a break."
        )
        self._update()

    def _update(self) -> None:
        text = self.counter.describe()
        if self._due:
            text = "Time for a break. " + text
        self.setText(text)

    def _break_due(self, minutes: int) -> None:
        self._due = True
        self.setStyleSheet("font-weight: bold;")
        self._update()

    def mousePressEvent(self, event: object) -> None:
        if self._due:
            self._due = False
            self.setStyleSheet("")
            self.counter.took_break()
