"""UI test fixtures: offscreen Qt, a fresh workspace and fresh settings for every test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything loads Qt

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from ui_helpers import ModalDriver

from ui import theme
from ui.main_window import MainWindow
from ui.workers import wait_for_all
from workbench.store.workspace import Workspace


@pytest.fixture(autouse=True)
def _fresh_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "user-settings")
    )
    monkeypatch.setenv("WORKBENCH_USER", "tester")
    yield
    wait_for_all()


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "window.ini"


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return tmp_path / "workspace"


@pytest.fixture
def ws(ws_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(ws_path, actor="tester")
    yield workspace
    workspace.close()


@pytest.fixture
def make_window(qtbot, qapp, settings_file: Path) -> Callable[[Workspace], MainWindow]:  # type: ignore[no-untyped-def]
    theme.apply(qapp)

    def make(workspace: Workspace) -> MainWindow:
        settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
        window = MainWindow(workspace, settings)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


@pytest.fixture
def window(make_window, ws: Workspace) -> MainWindow:  # type: ignore[no-untyped-def]
    return make_window(ws)


@pytest.fixture
def modal() -> ModalDriver:
    return ModalDriver()
