"""File evidence: streamed hashing, MIME from content, text, thumbnails, custody, integrity,
derived copies, links to the graph, and the faults that must leave nothing behind."""

from __future__ import annotations

import errno
import hashlib
import io
import sqlite3
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from workbench.audit import verify_chain
from workbench.errors import IntegrityError, NotFoundError, ValidationError
from workbench.evidence.derive import strip_metadata
from workbench.evidence.errors import EvidenceStorageError
from workbench.evidence.model import CopyType, CustodyAction, EvidenceKind, Integrity
from workbench.store.schema import audit_events, evidence, evidence_text
from workbench.store.workspace import Workspace


def _jpeg_with_gps(path: Path) -> Path:
    image = Image.new("RGB", (320, 200), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "FakeCam"  # Make
    exif[0x0110] = "Model 9"  # Model
    gps = {1: "N", 2: (35.0, 39.0, 0.0), 3: "E", 4: (139.0, 45.0, 0.0)}
    exif[0x8825] = gps
    image.save(path, "JPEG", exif=exif.tobytes())
    return path


def _blob_files(ws: Workspace) -> list[Path]:
    root = ws.blobs.root
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _rows(ws: Workspace, table) -> int:  # type: ignore[no-untyped-def]
    with ws.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_file_is_hashed_typed_from_content_and_indexed(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Case")
    image = tmp_path / "upload.bin"  # the name says nothing: the content does
    Image.new("RGB", (800, 600), (10, 120, 30)).save(image, "PNG")
    item = ws.evidence.add_file(case.id, image, sensitivity="gore")
    assert item.sha256 == hashlib.sha256(image.read_bytes()).hexdigest()
    assert item.mime_type == "image/png" and item.sensitivity == "gore"
    details = ws.evidence.details(item.id)
    assert details is not None and details.kind is EvidenceKind.FILE
    assert details.copy_type is CopyType.ORIGINAL and details.integrity is Integrity.OK
    thumb = Image.open(io.BytesIO(ws.evidence.thumbnail(item.id) or b""))
    assert max(thumb.size) == 256
    assert item.metadata["image"]["width"] == 800
    assert item.metadata["collector"]["investigator"] == "analyst.test"
    assert item.metadata["file"]["original_name"] == "upload.bin"

    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Post</title><script>steal()</script></head>"
        "<body><p>配信 is live tonight</p></body></html>",
        encoding="utf-8",
    )
    html_item = ws.evidence.add_file(case.id, page)
    assert html_item.mime_type == "text/html"
    text = ws.evidence.text(html_item.id)
    assert "配信 is live tonight" in text and "steal" not in text
    with ws.read() as conn:
        row = conn.execute(
            select(evidence_text).where(evidence_text.c.evidence_id == html_item.id)
        ).one()
    assert row.case_id == case.id

    (collect,) = ws.evidence.custody(item.id)
    assert collect.action is CustodyAction.COLLECT and collect.hash_after == item.sha256
    with ws.read() as conn:
        assert verify_chain(conn).ok
        seqs = conn.execute(
            select(audit_events.c.action).where(audit_events.c.seq == collect.audit_seq)
        ).scalar_one()
    assert seqs == "evidence.collect"


def test_custody_log_is_append_only(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Case")
    item = ws.evidence.add_bytes(case.id, b"chat log", "chat.txt")
    ws.evidence.record_action(item.id, CustodyAction.REVEAL, "reviewed for the report")
    db = sqlite3.connect(ws.db_path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE custody_events SET actor = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM custody_events")
    db.close()
    assert [e.action for e in ws.evidence.custody(item.id)] == [
        CustodyAction.COLLECT,
        CustodyAction.REVEAL,
    ]
    with pytest.raises(ValidationError, match="recorded by the operation"):
        ws.evidence.record_action(item.id, CustodyAction.EXPORT, "x")


def test_mismatch_is_recorded_blocks_export_until_restored(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Case")
    item = ws.evidence.add_bytes(case.id, b"original bytes", "note.txt")
    other = ws.evidence.add_bytes(case.id, b"another item", "other.txt")
    out = tmp_path / "out"
    out.mkdir()
    exported = ws.evidence.export(other.id, out, "disclosure to Harbour Police")
    assert exported.read_bytes() == b"another item"
    blob = ws.blobs.path_for(item.sha256)
    blob.chmod(0o644)
    blob.write_bytes(b"tampered bytes")

    results = {r.evidence.id: r for r in ws.evidence.verify_case(case.id)}
    assert results[other.id].ok and not results[item.id].ok
    assert results[item.id].integrity is Integrity.MISMATCH
    details = ws.evidence.details(item.id)
    assert details is not None and details.integrity is Integrity.MISMATCH
    with pytest.raises(IntegrityError, match="cannot be exported"):
        ws.evidence.export(item.id, out, "disclosure")
    with pytest.raises(IntegrityError, match="Export blocked: 1 evidence item"):
        ws.evidence.check_exportable([other.id, item.id])
    with pytest.raises(IntegrityError, match="cannot be opened"):
        ws.evidence.open(item.id)
    assert sorted(p.name for p in out.iterdir()) == ["other.txt"]  # no temp file left
    last = ws.evidence.custody(item.id)[-1]
    assert last.action is CustodyAction.VERIFY and last.integrity == "mismatch"
    assert last.hash_before == item.sha256 and last.hash_after != item.sha256

    blob.write_bytes(b"original bytes")  # restored from a backup
    assert [e.id for e in ws.evidence.check_exportable([item.id])] == [item.id]
    details = ws.evidence.details(item.id)
    assert details is not None and details.integrity is Integrity.OK
    assert ws.evidence.open(item.id).read_bytes() == b"original bytes"
    assert ws.evidence.custody(item.id)[-1].action is CustodyAction.VIEW
    with ws.read() as conn:
        assert verify_chain(conn).ok


def test_missing_blob_is_reported(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    item = ws.evidence.add_bytes(case.id, b"gone soon", "gone.txt")
    path = ws.blobs.path_for(item.sha256)
    path.chmod(0o644)
    path.unlink()
    (result,) = ws.evidence.verify_case(case.id)
    assert result.integrity is Integrity.MISSING
    with pytest.raises(NotFoundError):
        ws.evidence.read(item.id)


def test_strip_metadata_makes_a_working_copy_pointing_to_the_original(
    ws: Workspace, tmp_path: Path
) -> None:
    case = ws.cases.create("Case")
    photo = _jpeg_with_gps(tmp_path / "photo.jpg")
    original = ws.evidence.add_file(case.id, photo)
    exif = original.metadata["exif"]
    assert exif["make"] == "FakeCam" and exif["latitude"] == pytest.approx(35.65)
    assert exif["longitude"] == pytest.approx(139.75)
    assert Image.open(ws.evidence.open(original.id)).getexif().get(0x010F) == "FakeCam"
    copy = strip_metadata(ws, original.id)
    details = ws.evidence.details(copy.id)
    assert details is not None and details.parent_id == original.id
    assert details.copy_type is CopyType.WORKING and details.kind is EvidenceKind.DERIVED
    with Image.open(ws.blobs.path_for(copy.sha256)) as stripped:
        assert len(stripped.getexif()) == 0 and stripped.size == (320, 200)
        assert "icc_profile" not in stripped.info
    assert ws.blobs.path_for(original.sha256).read_bytes() == photo.read_bytes()
    assert [c.id for c in ws.evidence.derived_copies(original.id)] == [copy.id]
    copy_events = [e for e in ws.evidence.custody(original.id) if e.action is CustodyAction.COPY]
    assert copy_events and copy_events[0].hash_after == copy.sha256
    production = strip_metadata(ws, original.id, copy_type=CopyType.PRODUCTION)
    assert ws.evidence.details(production.id).copy_type is CopyType.PRODUCTION  # type: ignore[union-attr]

    text = ws.evidence.add_bytes(case.id, b"not an image", "note.txt")
    with pytest.raises(ValidationError, match="images only"):
        strip_metadata(ws, text.id)


def test_links_both_ways_and_deleted_entities(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    account = ws.graph.add_entity(case.id, "account", "nightowl_rin")
    ip = ws.graph.add_entity(case.id, "ip", "203.0.113.45")
    link = ws.graph.add_link(case.id, account.id, ip.id, "logged_in_from")
    item = ws.evidence.add_bytes(case.id, b"login export", "logins.csv")
    ws.evidence.link(item.id, "account:nightowl_rin", "supports")
    ws.evidence.link(item.id, link.id, "contradicts", note="time zone differs")
    with pytest.raises(ValidationError, match="already linked"):
        ws.evidence.link(item.id, account.id, "supports")
    with pytest.raises(ValidationError, match="not one of"):
        ws.evidence.link(item.id, account.id, "proves")
    other_case = ws.cases.create("Other")
    stranger = ws.graph.add_entity(other_case.id, "account", "someone")
    with pytest.raises(NotFoundError):
        ws.evidence.link(item.id, stranger.id, "mentions")

    found = {(x.object_type, x.relation.value) for x in ws.evidence.links_of(item.id)}
    assert found == {("entity", "supports"), ("link", "contradicts")}
    (behind,) = ws.evidence.evidence_for(account.id)
    assert behind.evidence_id == item.id and behind.evidence_filename == "logins.csv"
    assert "nightowl_rin" in behind.label
    deleted = ws.graph.delete_entity(account.id)
    labels = {x.object_id: x.label for x in ws.evidence.links_of(item.id)}
    assert labels[account.id] == ""
    ws.graph.restore_entity(deleted)
    assert ws.evidence.evidence_for(account.id)[0].label
    ws.evidence.unlink(behind.id)
    assert ws.evidence.evidence_for(account.id) == []


def test_zero_byte_missing_and_folder_are_refused(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Case")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ValidationError, match="empty"):
        ws.evidence.add_file(case.id, empty)
    with pytest.raises(ValidationError, match="does not exist"):
        ws.evidence.add_file(case.id, tmp_path / "nope.bin")
    with pytest.raises(ValidationError, match="folder"):
        ws.evidence.add_file(case.id, tmp_path)
    real = tmp_path / "real.txt"
    real.write_bytes(b"content")
    with pytest.raises(NotFoundError):
        ws.evidence.add_file("no-such-case", real)
    assert _rows(ws, evidence) == 0 and _blob_files(ws) == []


def test_file_deleted_during_import_leaves_nothing(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = ws.cases.create("Case")
    source = tmp_path / "video.mp4"
    source.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"v" * 3_000_000)
    deleted = False

    def delete_midway(done: int) -> None:
        nonlocal deleted
        if not deleted:
            source.unlink()
            deleted = True

    with pytest.raises(ValidationError, match="deleted while it was being imported"):
        ws.evidence.add_file(case.id, source, progress=delete_midway)
    assert _rows(ws, evidence) == 0 and _blob_files(ws) == []


def test_disk_full_leaves_no_row_and_no_temp_file(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = ws.cases.create("Case")
    source = tmp_path / "big.bin"
    source.write_bytes(b"z" * 2_500_000)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("workbench.store.blobs.os.fsync", full)
    with pytest.raises(EvidenceStorageError, match="disk holding the workspace is full"):
        ws.evidence.add_file(case.id, source)
    assert _rows(ws, evidence) == 0 and _blob_files(ws) == []


def test_failed_record_removes_the_new_blob_but_keeps_shared_ones(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = ws.cases.create("Case")
    kept = ws.evidence.add_bytes(case.id, b"shared content", "a.txt")
    fresh = tmp_path / "fresh.txt"
    fresh.write_bytes(b"new content")
    again = tmp_path / "again.txt"
    again.write_bytes(b"shared content")

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr("workbench.store.evidence.record_custody", boom)
    for path in (fresh, again):
        with pytest.raises(RuntimeError):
            ws.evidence.add_file(case.id, path)
    assert [p.name for p in _blob_files(ws)] == [kept.sha256]
    assert _rows(ws, evidence) == 1


def test_items_of_other_writers_are_registered(ws: Workspace) -> None:
    from workbench.store.rows import new_id
    from workbench.timeutil import utcnow

    case = ws.cases.create("Case")
    sha, size = ws.blobs.put_bytes(b"<html><body>raw page</body></html>")
    with ws.write() as conn:
        conn.execute(
            evidence.insert().values(
                id=new_id(), case_id=case.id, sha256=sha, size=size, filename="page.html",
                mime_type="text/html", description="", metadata={}, collected_by="plugin",
                collected_at=utcnow(),
            )
        )  # fmt: skip
    assert ws.evidence.register_untracked(case.id) == 1
    (item,) = ws.evidence.list(case.id)
    assert "raw page" in ws.evidence.text(item.id)
    assert ws.evidence.custody(item.id)[0].detail["registered_late"] is True
    assert ws.evidence.register_untracked(case.id) == 0
