"""The graph canvas at scale: bulk painting, lazy items, selection through the model, bad input,
bulk delete + undo, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from ui.session import CaseSession
from ui.views.graph.loader import load
from ui.views.graph.model import CanvasModel, EdgeRow, NodeRow
from ui.views.graph.tab import GraphTab
from workbench.store.graph import EntitySpec, LinkSpec
from workbench.store.workspace import Workspace


def _case(ws: Workspace, count: int, *, positions: bool = True) -> str:
    case = ws.cases.create("Canvas", tags=[])
    ids = ws.graph.add_entities_bulk(
        case.id, (EntitySpec("account", f"user_{i:05d}", f"ユーザー {i}") for i in range(count))
    )
    ws.graph.add_links_bulk(
        case.id,
        (LinkSpec(ids[i], ids[(i + 1) % count], "communicates_with") for i in range(count)),
    )
    if positions:
        ws.graph.set_positions(
            case.id,
            {
                entity_id: (float(i % 60) * 120, float(i // 60) * 120)
                for i, entity_id in enumerate(ids)
            },
        )
    return case.id


def _tab(ws: Workspace, case_id: str, qtbot) -> GraphTab:  # type: ignore[no-untyped-def]
    session = CaseSession(ws, ws.cases.get(case_id))
    tab = GraphTab(session)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.show()
    tab.activate()
    qtbot.waitUntil(lambda: tab.is_built or tab.error is not None, timeout=60000)
    assert tab.error is None
    return tab


def test_beyond_the_old_2000_limit_every_node_is_drawn_without_an_item_each(
    ws: Workspace, qtbot
) -> None:  # type: ignore[no-untyped-def]
    case_id = _case(ws, 2500)
    tab = _tab(ws, case_id, qtbot)
    assert len(tab.nodes) == 2500 and tab.model.live_edge_count() == 2500
    assert not tab.banner.isVisible()
    assert len(tab.scene.items()) == 1  # the one bulk layer: no item per node
    tab.zoom_fit()
    tab.view.viewport().repaint()
    assert tab.layer.last_mode.endswith("raster nodes")
    image = tab.view.grab().toImage()
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 3  # something was drawn, not a blank canvas
    # zoomed in on one node: vectors, icons and labels
    entity_id = tab.model.ids[0]
    tab.select_rows(tab.model.rows_of([entity_id]))
    tab.zoom_selection()
    tab.view.viewport().repaint()
    assert tab.layer.last_mode == "vector links, vector nodes"
    assert tab.session.selection.entity_id() == entity_id


def test_select_all_uses_the_model_and_rubber_band_reaches_nodes_without_items(
    ws: Workspace, qtbot
) -> None:  # type: ignore[no-untyped-def]
    case_id = _case(ws, 1600)
    tab = _tab(ws, case_id, qtbot)
    tab.select_all()
    assert len(tab.selected_entity_ids()) == 1600
    assert len(tab.items) <= 1500  # items for a capped part of the selection only
    assert tab.session.selection.entity_id() in tab.selected_entity_ids()
    tab.clear_selection()
    assert tab.session.selection.object_id == ""
    # Shift+drag a band over the first row of the grid (scene y = 0)
    view = tab.view
    view.zoom_to(tab.view.visible_scene_rect())
    view.centerOn(QPointF(600, 0))
    start = view.mapFromScene(QPointF(-60, -40))
    end = view.mapFromScene(QPointF(1250, 40))
    qtbot.mousePress(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, start
    )
    qtbot.mouseMove(view.viewport(), end)
    qtbot.mouseRelease(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, end
    )
    chosen = set(tab.selected_entity_ids())
    expected = {tab.model.ids[i] for i in range(11)}  # x = 0 .. 1200 on the first row
    assert expected <= chosen and len(chosen) == len(expected)


def test_click_on_a_node_without_an_item_selects_it_and_drag_moves_it_undoably(
    window, ws: Workspace, qtbot
) -> None:  # type: ignore[no-untyped-def]
    from ui.views.case_view import GRAPH

    case_id = _case(ws, 600)
    window.refresh_queue()
    window.open_case(case_id)
    tab = window.show_case_tab(GRAPH)
    qtbot.waitUntil(lambda: tab.is_built, timeout=60000)
    row = 61
    entity_id = tab.model.ids[row]
    tab.view.centerOn(QPointF(*tab.model.xy[row]))
    tab.view.zoom(1.0 / tab.view.scale_now())
    assert row not in tab.items
    point = tab.view.mapFromScene(QPointF(*tab.model.xy[row]))
    qtbot.mousePress(tab.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.session.selection.entity_id() == entity_id
    assert window.inspector.shown == ("entity", entity_id)
    qtbot.mouseMove(tab.view.viewport(), point + point.__class__(40, 30))
    qtbot.mouseRelease(
        tab.view.viewport(), Qt.MouseButton.LeftButton, pos=point + point.__class__(40, 30)
    )
    moved = ws.graph.get_entity(entity_id)
    assert moved.pos_x != 120.0 or moved.pos_y != 120.0
    window.acts.undo.trigger()
    back = ws.graph.get_entity(entity_id)
    assert (back.pos_x, back.pos_y) == (120.0, 120.0)
    assert tuple(tab.model.xy[row]) == (120.0, 120.0)


def test_bulk_delete_and_undo_restore_everything_exactly(ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.commands import serial_pool

    case_id = _case(ws, 2000)
    before = {e.id: e for e in ws.graph.list_entities(case_id)}
    links_before = {link.id: link for link in ws.graph.list_links(case_id)}
    tab = _tab(ws, case_id, qtbot)
    removed: list[list[str]] = []
    tab.session.entitiesRemoved.connect(removed.append)
    tab.select_all()
    job = tab.actions_.edit.delete(tab.selected_entity_ids())
    assert job is not None
    qtbot.waitUntil(lambda: tab.job is None, timeout=60000)
    assert ws.graph.count_entities(case_id) == 0 and ws.graph.count_links(case_id) == 0
    assert len(removed) == 1 and len(removed[0]) == 2000
    assert tab.model.live_count() == 0 and tab.session.undo_stack.count() == 1
    tab.session.undo_stack.undo()
    qtbot.waitUntil(lambda: tab.model.live_count() == 2000, timeout=60000)
    assert serial_pool().waitForDone(30000)
    after = {e.id: e for e in ws.graph.list_entities(case_id)}
    assert after == before  # same ids, values, positions, provenance, timestamps
    assert {link.id: link for link in ws.graph.list_links(case_id)} == links_before
    assert tab.model.live_edge_count() == 2000
    tab.session.undo_stack.redo()
    qtbot.waitUntil(lambda: tab.model.live_count() == 0, timeout=60000)
    assert serial_pool().waitForDone(30000)
    assert ws.graph.count_entities(case_id) == 0


def test_bad_input_self_loops_parallel_links_missing_positions_and_empty() -> None:
    model = CanvasModel()
    rows = model.add_nodes(
        [
            NodeRow("a", "account", "A", "a", 0.0, 0.0),
            NodeRow("b", "account", "B", "b", 300.0, 0.0),
            NodeRow("c", "account", "C", "c"),  # no position
        ]
    )
    assert np.isnan(model.xy[rows[2]]).all()
    added = model.add_edges(
        [
            EdgeRow("l1", "a", "b", "related_to", "confirmed"),
            EdgeRow("l2", "a", "b", "related_to", "suspected"),
            EdgeRow("l3", "b", "a", "related_to", "confirmed"),
            EdgeRow("loop", "a", "a", "related_to", "confirmed"),
            EdgeRow("dangling", "a", "zzz", "related_to", "confirmed"),
        ]
    )
    assert len(added) == 4  # the dangling reference is skipped, not drawn to nowhere
    offsets = model.parallel_offsets()
    # in the a->b frame (the b->a link's own normal points the other way)
    parallel = sorted((offsets[:3] * np.array([1, 1, -1])).tolist())
    assert parallel == [-26.0, 0.0, 26.0]  # spread evenly around the straight line
    assert offsets[3] == 0.0
    assert 2 not in model.visible_nodes()  # unplaced: not drawn until placed
    assert model.edge_at(150.0, offsets[0] / 1.0, 8.0) is not None  # curves are clickable
    assert model.edge_at(0 + 24 * 0.9, -24 * 0.9 - 24 * 0.6, 3.0) == 3  # the loop
    empty = CanvasModel()
    assert (
        empty.bounds() is None and empty.node_at(0, 0) is None and len(empty.visible_edges()) == 0
    )


def test_empty_case_and_unplaced_nodes_are_laid_out_and_saved(ws: Workspace, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.views.graph import jobs

    empty = ws.cases.create("Empty", tags=[])
    tab = _tab(ws, empty.id, qtbot)
    assert len(tab.nodes) == 0 and "0 entities" in tab.status.text()
    tab.view.viewport().repaint()

    case_id = _case(ws, 50, positions=False)
    loaded = load(ws, case_id)
    assert loaded.placed == 50 and not np.isnan(loaded.model.xy).any()
    tab2 = _tab(ws, case_id, qtbot)
    qtbot.waitUntil(lambda: not jobs._LIVE, timeout=30000)
    saved = ws.graph.list_entities(case_id)
    assert all(e.pos_x is not None for e in saved)  # positions saved with the case
    assert len(tab2.nodes) == 50


def test_export_png_and_svg(ws: Workspace, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ui.views.graph.export import export_view
    from workbench.errors import ValidationError

    tab = _tab(ws, _case(ws, 200), qtbot)
    png = export_view(tab, tmp_path / "view.png", "png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = export_view(tab, tmp_path / "view", "svg")
    text = svg.read_text(encoding="utf-8")
    assert svg.suffix == ".svg" and "<svg" in text and "<image" not in text  # vectors only
    assert not list(tmp_path.glob("*.partial"))
    with pytest.raises(ValidationError):
        export_view(tab, tmp_path / "x.gif", "gif")


def _wheel(view, notches: int) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(view.viewport().rect().center())
    QApplication.sendEvent(
        view.viewport(),
        QWheelEvent(
            centre,
            centre,
            QPoint(0, 0),
            QPoint(0, 120 * notches),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        ),
    )


def _blocks(image, side: int = 8) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Grey levels averaged over side x side blocks (the overview map's corner left out)."""
    from PySide6.QtGui import QImage

    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    h, w = grey.height() * 2 // 3 // side * side, grey.width() * 2 // 3 // side * side
    rows = np.frombuffer(grey.constBits(), np.uint8).reshape(grey.height(), grey.bytesPerLine())
    pixels = rows[:h, :w].astype(float)
    return pixels.reshape(h // side, side, w // side, side).mean(axis=(1, 3))


def test_moving_view_reuses_the_kept_frame_then_redraws_sharp(
    ws: Workspace, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from ui.views.graph import frames

    monkeypatch.setattr(frames, "LIVE_BUDGET_MS", 0.0)  # every frame counts as expensive
    tab = _tab(ws, _case(ws, 2500), qtbot)
    view, layer = tab.view, tab.layer
    tab.zoom_fit()
    view.viewport().repaint()
    assert layer.frames.frame is not None and layer.frames.backdrop is layer.frames.frame
    # a wheel notch: the kept frame is drawn scaled, nothing is rasterised again
    _wheel(view, 1)
    assert layer.moving and view.settle_timer.isActive()
    view.viewport().repaint()
    assert layer.last_mode == "kept frame, moved"
    # a pan by the scroll bar (what dragging the background does)
    view.note_motion()
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() + 37)
    view.viewport().repaint()
    assert layer.last_mode == "kept frame, moved"
    moved = view.grab().toImage()
    # the movement stops: after SETTLE_MS the canvas is drawn sharp, and looks the same
    qtbot.waitUntil(lambda: not layer.moving, timeout=2000)
    view.viewport().repaint()
    assert layer.last_mode.endswith("nodes") and "kept" not in layer.last_mode
    sharp = view.grab().toImage()
    # rescaled, not redrawn: close to the sharp frame (far closer than a misplaced one)
    a, b = _blocks(moved), _blocks(sharp)
    assert np.abs(a - b).mean() < 0.25 * np.abs(a[:, 4:] - b[:, :-4]).mean()
    # a change of what is drawn drops the kept frames: a moving view then draws live
    tab.select_rows(np.array([0, 1, 2]))
    assert layer.frames.frame is None
    view.note_motion()
    view.viewport().repaint()
    assert "kept" not in layer.last_mode


def test_cheap_frames_are_drawn_live_even_while_moving(
    ws: Workspace, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from ui.views.graph import frames

    tab = _tab(ws, _case(ws, 40), qtbot)
    tab.zoom_fit()
    tab.view.viewport().repaint()
    monkeypatch.setattr(frames, "LIVE_BUDGET_MS", tab.layer.frames.last_cost_ms + 1000)
    _wheel(tab.view, -1)
    assert tab.layer.moving
    tab.view.viewport().repaint()
    assert "kept" not in tab.layer.last_mode  # under the budget: live, sharp


def test_banded_raster_draws_what_one_call_draws() -> None:
    from ui.views.graph import raster

    rng = np.random.default_rng(5)
    h, w, n = 300, 400, 30_000
    x = rng.uniform(-50, w + 50, n)
    y = rng.uniform(-50, h + 50, n)
    colours = rng.integers(0, 3, n).astype(np.int64)
    pal = raster.palette([raster.argb((200, 0, 0)), raster.argb((0, 200, 0), 120), 0xFF000000])
    one, banded = np.zeros((h, w), np.uint32), np.zeros((h, w), np.uint32)
    raster.draw_discs(one, x, y, 2.5, colours, pal, 1.0)
    raster.draw_discs_fast(banded, x, y, 2.5, colours, pal, 1.0)
    assert np.array_equal(one, banded)
    # horizontal lines: the same pixels whichever band draws them, none lost at band edges
    x2 = x + rng.uniform(-20, 20, n)
    one[:], banded[:] = 0, 0
    solid = np.zeros(3, np.bool_)
    raster.draw_lines(one, x, y, x2, y.copy(), colours, pal, solid)
    raster.draw_lines_fast(banded, x, y, x2, y.copy(), colours, pal, solid)
    assert np.array_equal(one, banded)
    # slanted lines crossing band edges: at most a pixel's shift where they are cut
    y2 = y + rng.uniform(-200, 200, n)
    one[:], banded[:] = 0, 0
    raster.draw_lines(one, x, y, x2, y2, colours, pal, solid)
    raster.draw_lines_fast(banded, x, y, x2, y2, colours, pal, solid)
    assert (one != banded).mean() < 0.05 and banded.any()
