"""The queue view: lazy pages over SQL, header sort, filter, saved views, keyboard, countdown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from sqlalchemy import update

from ui.views.queue import (
    AGENCY,
    TIME_LEFT,
    URGENCY,
    VERIFICATION,
    QueueView,
    countdown_text,
)
from workbench.intake.queue import QueueQuery
from workbench.intake.synthetic import add_cases
from workbench.store.schema import escalations
from workbench.store.workspace import Workspace


def _view(qtbot, ws: Workspace) -> QueueView:  # type: ignore[no-untyped-def]
    view = QueueView(ws)
    qtbot.addWidget(view)
    view.resize(1300, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_reads_pages_lazily_and_sorts_in_sql(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    add_cases(ws, 1500)
    view = _view(qtbot, ws)
    model = view.model
    assert model.total == 1500 and model.rowCount() == 200 and model.fetch_calls == 1
    assert "1,500 cases" in view.count_label.text()
    bar = view.table.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: model.rowCount() > 200, timeout=5000)
    assert model.rowCount() < 1500
    # header click: the database sorts (the query changes, the first page is re-read)
    before = model.queries
    view.table.horizontalHeader().sectionClicked.emit(AGENCY)
    view.table.sortByColumn(AGENCY, Qt.SortOrder.DescendingOrder)
    assert model.queries > before and model.query.sort == "agency" and model.query.descending
    agencies = [model.record(r).agency for r in range(model.rowCount())]
    assert agencies == sorted(agencies, reverse=True)
    view.table.sortByColumn(URGENCY, Qt.SortOrder.AscendingOrder)
    assert model.record(0).priority.value == "P1"


def test_filter_box_runs_a_sql_filter(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    add_cases(ws, 300)
    view = _view(qtbot, ws)
    qtbot.keyClicks(view.filter_edit, "user_12")
    qtbot.waitUntil(lambda: view.model.query.text == "user_12", timeout=3000)
    titles = [view.model.record(r).title for r in range(view.model.rowCount())]
    assert len(titles) == 11 and all("user_12" in t for t in titles)
    view.filter_edit.clear()
    view.apply_filter()
    assert view.model.total == 300


def test_keyboard_navigation_and_enter_opens(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    add_cases(ws, 20)
    view = _view(qtbot, ws)
    view.filter_edit.setFocus()
    qtbot.keyClick(view.filter_edit, Qt.Key.Key_Return)  # Enter in the filter: to the table
    assert view.focusWidget() is view.table and view.table.currentIndex().row() == 0
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    assert view.table.currentIndex().row() == 2
    expected = view.model.record(2).case_id
    with qtbot.waitSignal(view.caseActivated, timeout=1000) as opened:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened.args == [expected]
    qtbot.keyClick(view.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert view.table.currentIndex().row() == view.model.rowCount() - 1


def test_claim_records_the_current_user(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Claim from the queue")
    view = _view(qtbot, ws)
    assert not view.claim_button.isEnabled()
    view.select_case(case.id)
    assert view.claim_button.isEnabled()
    with qtbot.waitSignal(view.caseClaimed, timeout=1000):
        view.claim_action.trigger()
    assert ws.cases.get(case.id).assignee == "tester"
    assert view.model.record(view.model.row_of(case.id)).assignee == "tester"
    errors: list[object] = []
    view.errorOccurred.connect(errors.append)
    other = Workspace.open(ws.root, actor="someone.else")
    try:
        other_view = QueueView(other)
        qtbot.addWidget(other_view)
        other_view.errorOccurred.connect(errors.append)
        other_view.select_case(case.id)
        other_view.claim_current()
    finally:
        other.close()
    assert errors and "already claimed by tester" in str(errors[0])


def test_saved_views(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    add_cases(ws, 50)
    view = _view(qtbot, ws)
    view.filter_edit.setText("user_1")
    view.apply_filter()
    view.save_view("Ones")
    assert view.views.currentText() == "Ones"
    view.select_view("All open")
    assert view.model.query == QueueQuery() and view.filter_edit.text() == ""
    view.select_view("Ones")
    assert view.model.query.text == "user_1" and view.filter_edit.text() == "user_1"
    errors: list[object] = []
    view.errorOccurred.connect(errors.append)
    view.save_view("Mine")
    assert errors and "built-in" in str(errors[0])


def test_urgency_and_verification_have_text_and_shape(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    ws.cases.create("Critical", priority="P1")
    ws.cases.create("Low", priority="P4")
    view = _view(qtbot, ws)
    model = view.model
    first, last = model.index(0, URGENCY).data(), model.index(1, URGENCY).data()
    assert first.startswith("▲") and "critical" in first
    assert last.startswith("○") and "low" in last
    assert model.index(0, VERIFICATION).data() == "○ Not started"


def test_countdown_ticks_repaint_only_its_column(qtbot, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    case = ws.cases.create("Overdue one", priority="P1")
    with ws.write() as conn:
        conn.execute(
            update(escalations)
            .where(escalations.c.case_id == case.id)
            .values(deadline_at=datetime.now(UTC) - timedelta(minutes=3))
        )
    ws.cases.create("Fresh one", priority="P1")
    view = _view(qtbot, ws)
    view.refresh()
    changes: list[tuple[int, int]] = []
    view.model.dataChanged.connect(lambda a, b, *_: changes.append((a.column(), b.column())))
    qtbot.waitUntil(lambda: len(changes) >= 2, timeout=3500)
    assert set(changes) == {(TIME_LEFT, TIME_LEFT)}
    row = view.model.row_of(case.id)
    assert view.model.index(row, TIME_LEFT).data().startswith("⚠ OVERDUE 0:0")
    fresh = 1 - row
    assert view.model.index(fresh, TIME_LEFT).data().endswith("left")


def test_countdown_text_states(ws: Workspace) -> None:
    from workbench.intake.queue import Queue

    case = ws.cases.create("Clock", priority="P2")
    row = Queue(ws).page(QueueQuery())[0]
    now = row.deadline_at - timedelta(hours=1, minutes=2, seconds=3)  # type: ignore[operator]
    assert countdown_text(row, now) == "1:02:03 left"
    late = row.deadline_at + timedelta(days=2, hours=1)  # type: ignore[operator]
    assert countdown_text(row, late) == "⚠ OVERDUE 2d 1:00:00"
    ws.cases.update(case.id, status="responded")
    stopped = Queue(ws).page(QueueQuery())[0]
    assert countdown_text(stopped, now) == "■ clock stopped"


def test_dropped_files_become_cases(qtbot, ws: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QMimeData, QPoint, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    mail = tmp_path / "dropped.eml"
    mail.write_bytes(
        b"From: DS Lee <lee@harbour-police.example>\r\nSubject: Dropped request\r\n"
        b"Message-ID: <drop@x>\r\nDate: Mon, 10 Oct 2022 20:11:32 +0000\r\n\r\n"
        b"Threat to @someone_dropped\r\n"
    )
    view = _view(qtbot, ws)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(mail))])
    event = QDropEvent(
        QPointF(QPoint(10, 10)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(view.importFinished, timeout=10000) as done:
        view.dropEvent(event)
    assert done.args[0].count("created") == 1
    assert view.model.total == 1 and view.model.record(0).title == "Dropped request"


def test_import_preview_dialog_lists_rejections(qtbot, ws: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ui.dialogs.import_requests import ImportController, ImportPreviewDialog
    from workbench.intake.importer import Importer

    export = tmp_path / "export.csv"
    export.write_text(
        "request_id,submitted_at,officer_name,agency,email,emergency_type,targets,Colour\n"
        "A1,2026-11-21T10:00:00Z,Ana,PF,ana@pf.gov.br,kidnapping,@victim,blue\n"
        "A2,not a date,Bob,PF,bob@pf.gov.br,kidnapping,@x,red\n",
        encoding="utf-8",
    )
    report = Importer(ws).import_paths([export], dry_run=True)
    dialog = ImportPreviewDialog(report)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(1, 0).text() == "export.csv (line 3)"
    assert dialog.table.item(1, 1).text().startswith("✖")
    assert "Colour" in dialog.notes.text()
    controller = ImportController(ws, preview=False)
    with qtbot.waitSignal(controller.finished, timeout=10000) as done:
        controller.start([export])
    assert done.args[0].count("created") == 1 and len(ws.cases.list()) == 1
