"""Regression guard: PySide6 6.12.0 on CPython 3.11 aborts ("none_dealloc") after a few
thousand calls of any void method. Call two of them 100,000 times in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
from PySide6.QtWidgets import QApplication, QGraphicsRectItem, QWidget
app = QApplication([])
widget = QWidget()
item = QGraphicsRectItem(0, 0, 10, 10)
for i in range(100_000):
    widget.setWindowTitle("title")
    item.setPos(i % 100, 0)
print("done")
"""


def test_void_method_calls_do_not_abort() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("done")
