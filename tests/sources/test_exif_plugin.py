"""Built-in `exif`: real photos collected as evidence -> location, device and links in the
case; images without GPS, truncated or modified files and inputs without a file."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from workbench.audit import iter_events
from workbench.model import Case
from workbench.sdk.testing import run_source
from workbench.sources.results import Query
from workbench.store.workspace import Workspace

from .conftest import BUILTIN_PLUGINS, SHARED_DATA

PLUGIN = BUILTIN_PLUGINS / "exif"
PHOTOS = SHARED_DATA / "exif_gps"
EXPECTED = json.loads((PHOTOS / "expected_gps.json").read_text(encoding="utf-8"))["files"]


def _collect(ws: Workspace, case: Case, path: Path) -> tuple[str, str, str]:
    """(evidence id, sha256, document entity id) for a file collected into the case."""
    item = ws.evidence.add_file(case.id, path, description="photo from the reporter")
    document = ws.graph.add_entity(
        case.id,
        "document",
        f"{path.name} ({item.sha256[:8]})",
        properties={"evidence_id": item.id, "mime_type": item.mime_type},
    )
    return item.id, item.sha256, document.id


def _run(ws: Workspace, case: Case, query: Query, tmp_path: Path):  # type: ignore[no-untyped-def]
    return run_source(PLUGIN, query, ws=ws, case_id=case.id, tmp_path=tmp_path / "host")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_photo_location_and_camera_land_in_the_case(
    ws: Workspace, case: Case, tmp_path: Path, name: str
) -> None:
    expected = EXPECTED[name]
    evidence_id, sha256, document_id = _collect(ws, case, PHOTOS / name)
    query = Query("document", ws.graph.get_entity(document_id).value, entity_id=document_id)
    result = _run(ws, case, query, tmp_path).assert_ok()
    assert result.summary.evidence_read == [{"id": evidence_id, "sha256": sha256}]

    by_type = {}
    for entity in ws.graph.list_entities(case.id):
        by_type.setdefault(entity.type, []).append(entity)
    (location,) = by_type["location"]
    assert abs(location.properties["latitude"] - expected["decimal_lat"]) < 1e-6
    assert abs(location.properties["longitude"] - expected["decimal_lon"]) < 1e-6
    assert location.value == f"{expected['decimal_lat']:.6f}, {expected['decimal_lon']:.6f}"
    (device,) = by_type["device"]
    assert device.properties == {
        "make": expected["dump_Image_Make"],
        "model": expected["dump_Image_Model"],
    }
    links = {link.type: link for link in ws.graph.links_of(document_id)}
    assert links["located_at"].target_id == location.id
    assert links["taken_with"].target_id == device.id
    assert links["located_at"].confidence == "suspected"
    date, time = expected["dump_EXIF_DateTimeOriginal"].split(" ")
    assert links["located_at"].properties["taken_at"] == date.replace(":", "-") + "T" + time
    assert links["located_at"].properties["evidence_sha256"] == sha256
    assert links["taken_with"].properties["software"]
    # The run's audit event names the evidence file it read.
    with ws.read() as conn:
        finish = next(e for e in iter_events(conn, case.id) if e.action == "source.run_finish")
    assert finish.summary["evidence_read"] == [{"id": evidence_id, "sha256": sha256}]


def test_hash_input_finds_the_item_and_photos_at_one_spot_share_a_location(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    _, sha256, _ = _collect(ws, case, PHOTOS / "DSCN0010.jpg")
    result = _run(ws, case, Query("hash", sha256), tmp_path).assert_ok()
    assert result.summary.counts["links"] >= 2
    hash_entity = next(e for e in ws.graph.list_entities(case.id) if e.type == "hash")
    assert hash_entity.value == sha256
    assert {link.type for link in ws.graph.links_of(hash_entity.id)} >= {"located_at"}
    # Same photo again (as its evidence id): nothing new.
    again = _run(ws, case, Query("hash", sha256), tmp_path).assert_ok()
    assert again.summary.counts["entities_new"] == 0


def test_image_without_gps_is_a_clear_no_location_note(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    path = tmp_path / "no_gps.jpg"
    exif = Image.Exif()
    exif[271], exif[272] = "Apple", "iPhone 12"
    Image.new("RGB", (32, 32), "orange").save(path, "JPEG", exif=exif)
    _, _, document_id = _collect(ws, case, path)
    query = Query("document", ws.graph.get_entity(document_id).value, entity_id=document_id)
    result = _run(ws, case, query, tmp_path).assert_ok()
    types = {e.type for e in ws.graph.list_entities(case.id)}
    assert "location" not in types and "device" in types
    (note,) = [e for e in ws.graph.list_entities(case.id) if e.type == "note"]
    assert "no location: no GPS position" in note.value
    assert any("no location" in getattr(e, "message", "") for e in result.events)


def test_truncated_photo_gives_no_location_not_an_error(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    path = tmp_path / "cut.jpg"
    path.write_bytes((PHOTOS / "DSCN0021.jpg").read_bytes()[:960])  # inside the GPS IFD
    _, _, document_id = _collect(ws, case, path)
    query = Query("document", ws.graph.get_entity(document_id).value, entity_id=document_id)
    _run(ws, case, query, tmp_path).assert_ok()
    (note,) = [e for e in ws.graph.list_entities(case.id) if e.type == "note"]
    assert "no location: broken EXIF" in note.value


def test_not_an_image_gives_a_note(ws: Workspace, case: Case, tmp_path: Path) -> None:
    path = tmp_path / "statement.txt"
    path.write_text("witness statement", encoding="utf-8")
    _, sha256, _ = _collect(ws, case, path)
    _run(ws, case, Query("hash", sha256), tmp_path).assert_ok()
    (note,) = [e for e in ws.graph.list_entities(case.id) if e.type == "note"]
    assert "no location: not an image" in note.value


def test_input_without_an_evidence_file_says_what_to_do(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    result = _run(ws, case, Query("hash", "ab" * 32), tmp_path)
    assert result.summary.status == "error"
    assert "No evidence file of this case belongs to hash" in result.summary.error
    assert "Collect the file as evidence first" in result.summary.error
    outside = run_source(PLUGIN, Query("hash", "ab" * 32), tmp_path=tmp_path / "nocase")
    assert outside.summary.status == "error"
    assert "runs only on an entity of an open case" in outside.summary.error


def test_a_dangling_evidence_id_is_named(ws: Workspace, case: Case, tmp_path: Path) -> None:
    document = ws.graph.add_entity(case.id, "document", "ghost", properties={"evidence_id": "x1"})
    query = Query("document", "ghost", entity_id=document.id)
    result = _run(ws, case, query, tmp_path)
    assert result.summary.status == "error"
    assert "evidence_id 'x1' names no evidence item of this case" in result.summary.error


def test_modified_blob_is_refused_and_nothing_is_written(
    ws: Workspace, case: Case, tmp_path: Path
) -> None:
    _, sha256, document_id = _collect(ws, case, PHOTOS / "DSCN0010.jpg")
    blob = ws.blobs.path_for(sha256)
    os.chmod(blob, 0o644)
    data = bytearray(blob.read_bytes())
    data[-100] ^= 0xFF
    blob.write_bytes(bytes(data))
    before = {e.type for e in ws.graph.list_entities(case.id)}
    query = Query("document", ws.graph.get_entity(document_id).value, entity_id=document_id)
    result = _run(ws, case, query, tmp_path)
    assert result.summary.status == "error"
    assert "no longer matches its SHA-256" in result.summary.error
    assert {e.type for e in ws.graph.list_entities(case.id)} == before


def test_evidence_linked_to_an_entity_is_found(ws: Workspace, case: Case, tmp_path: Path) -> None:
    item = ws.evidence.add_file(case.id, PHOTOS / "Kodak_CX7530.jpg")
    post = ws.graph.add_entity(case.id, "document", "attachment of the threat e-mail")
    ws.evidence.link(item.id, post.id, "supports")
    query = Query("document", post.value, entity_id=post.id)
    _run(ws, case, query, tmp_path).assert_ok()
    (location,) = [e for e in ws.graph.list_entities(case.id) if e.type == "location"]
    assert location.properties["latitude"] < 0  # south of the equator


def test_stream_api_reads_what_was_verified(ws: Workspace, case: Case) -> None:
    from workbench.sources.evidence_access import resolve_evidence

    _, sha256, _ = _collect(ws, case, PHOTOS / "DSCN0010.jpg")
    found = resolve_evidence(ws, case.id, Query("hash", sha256.upper()))
    with found.open() as handle:
        assert Image.open(io.BytesIO(handle.read())).size == (640, 480)
    assert not os.access(found.path, os.W_OK) or os.geteuid() == 0
