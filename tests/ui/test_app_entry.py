"""Entry points: the self-test, `ui` importable without Qt, run_gui's arguments, and a
workspace that cannot be opened is explained and left untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ui import app
from ui.dialogs import messages

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_self_test_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ui", "--self-test"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(("ok", "FAIL"))]
    assert lines and all(line.startswith("ok") for line in lines)
    assert any("graph view" in line for line in lines)
    assert any("entity table: 32 rows" in line for line in lines)
    assert "self-test passed" in result.stdout


def test_ui_package_does_not_import_qt() -> None:
    code = "import sys, ui; assert not any(m.startswith('PySide6') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), check=True, timeout=60)


def test_run_gui_passes_workspace_and_extra_args(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seen = {}

    def fake_run(workspace, args, qt_args, started):  # type: ignore[no-untyped-def]
        seen.update(workspace=workspace, case=args.case_ref, qt=qt_args)
        return 0

    monkeypatch.setattr(app, "_run", fake_run)
    assert app.run_gui(tmp_path / "w", ["--case", "WB-2026-0001", "-style", "fusion"]) == 0
    assert seen == {"workspace": tmp_path / "w", "case": "WB-2026-0001", "qt": ["-style", "fusion"]}
    monkeypatch.setenv("WORKBENCH_WORKSPACE", str(tmp_path / "from-env"))
    assert app.main([]) == 0
    assert seen["workspace"] == tmp_path / "from-env"


@pytest.mark.parametrize(
    "content", [b"this is not a database at all" * 40, b"SQLite format 3\x00" + b"\x00" * 100]
)
def test_broken_workspace_is_explained_and_untouched(
    qapp,
    tmp_path: Path,
    monkeypatch,  # type: ignore[no-untyped-def]
    content: bytes,
) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "workspace.db").write_bytes(content)
    shown: list[str] = []
    monkeypatch.setattr(
        messages,
        "workspace_error_choice",
        lambda _parent, message, _cancel: shown.append(message) or False,
    )
    assert app.open_workspace_interactively(folder) is None
    assert shown and str(folder / "workspace.db") in shown[0]
    assert (folder / "workspace.db").read_bytes() == content
    assert sorted(p.name for p in folder.iterdir()) == ["workspace.db"]


def test_broken_workspace_offers_another_folder(qapp, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "workspace.db").write_bytes(b"garbage" * 100)
    good = tmp_path / "good"
    monkeypatch.setattr(messages, "workspace_error_choice", lambda *_args: True)
    monkeypatch.setattr(app, "_choose_folder", lambda _parent, _start: str(good), raising=False)
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(good))
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    ws = app.open_workspace_interactively(broken)
    assert ws is not None and ws.root == good
    ws.close()
    assert (broken / "workspace.db").read_bytes() == b"garbage" * 100
