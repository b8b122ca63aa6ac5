"""File > Import with the STIX 2.1 format: checked, then imported off the GUI thread; the
fields STIX does not use stay off, also after a run."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SHARED_DATA
from ui.exchange.import_dialog import FORMATS, ImportDialog
from workbench.store.workspace import Workspace

APT1 = SHARED_DATA / "stix21" / "apt1.json"


def _wait_done(qtbot, dialog) -> str:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not dialog.job.running, timeout=60000)
    return str(dialog.status.text())


def test_stix_bundle_check_then_import(ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert "stix" in [key for key, _, _ in FORMATS]
    case = ws.cases.create("Threat intel")
    dialog = ImportDialog(ws, case.id, "stix")
    qtbot.addWidget(dialog)
    assert dialog.format.currentData() == "stix"
    assert not dialog.links.isEnabled() and not dialog.default_type.isEnabled()
    dialog.source.edit.setText(str(APT1))
    dialog.check_button.click()
    status = _wait_done(qtbot, dialog)
    assert "Would import 45 entities" in status and "30 links" in status
    assert "Skipped: 1 report." in status
    assert ws.graph.count_entities(case.id) == 0
    # the fields STIX does not use stay off after the run; the file field is back on
    assert not dialog.links.isEnabled() and not dialog.default_type.isEnabled()
    assert dialog.source.isEnabled() and dialog.format.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=60000):
        dialog.import_button.click()
    assert ws.graph.count_entities(case.id) == 45 and ws.graph.count_links(case.id) == 30
    dialog.format.setCurrentIndex(dialog.format.findData("graphml"))
    assert dialog.default_type.isEnabled()


def test_stix_error_is_shown_in_the_dialog(ws: Workspace, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Bad bundle")
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "indicator", "id": "indicator--x"}', encoding="utf-8")
    dialog = ImportDialog(ws, case.id, "stix")
    qtbot.addWidget(dialog)
    dialog.source.edit.setText(str(bad))
    dialog.import_button.click()
    assert "single STIX indicator object" in _wait_done(qtbot, dialog)
    assert ws.graph.count_entities(case.id) == 0
