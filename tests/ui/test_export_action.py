"""File > Export case as JSON writes the core's export of the open case."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QFileDialog


def test_export_case_as_json(window, ws, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert window.acts.export_json is not None
    assert not window.acts.export_json.isEnabled()  # no case open yet
    window.open_sample_case()
    assert window.acts.export_json.isEnabled()
    target = tmp_path / "out" / "case.json"
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), "JSON files (*.json)")
    )
    window.acts.export_json.trigger()
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["case"]["id"] == window.session.case_id
    assert len(data["entities"]) == 32 and len(data["links"]) == 38
    assert sorted(p.name for p in target.parent.iterdir()) == ["case.json"]
