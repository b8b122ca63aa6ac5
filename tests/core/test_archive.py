"""Case archive (unencrypted): round trip into another workspace, and every way a damaged,
tampered or hostile archive is refused with nothing kept."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest

from workbench.audit import iter_events, verify_chain
from workbench.demo import create_demo_case
from workbench.errors import NotFoundError, ValidationError, WorkbenchError
from workbench.exchange.archive import ArchiveError, create_archive, open_archive, verify_archive
from workbench.store.workspace import Workspace

RANDOM = os.urandom(300_000)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One source workspace and archive for the module (building the demo case is slow)."""
    root = tmp_path_factory.mktemp("source")
    workspace = Workspace.open(root / "ws", actor="analyst.source")
    case = create_demo_case(workspace)
    workspace.evidence.add_bytes(case.id, RANDOM, "random.bin", description="binary")
    report = create_archive(workspace, case.id, root / "case.wbcase")
    yield workspace, case.id, report.path
    workspace.close()


@pytest.fixture
def source(built: Any) -> Workspace:
    return built[0]  # type: ignore[no-any-return]


@pytest.fixture
def made(built: Any, tmp_path: Path) -> tuple[str, Path]:
    """A fresh copy of the archive that a test may damage."""
    copy = tmp_path / "case.wbcase"
    shutil.copyfile(built[2], copy)
    return built[1], copy


@pytest.fixture
def other(tmp_path: Path) -> Any:
    workspace = Workspace.open(tmp_path / "other")
    yield workspace
    workspace.close()


def _state(ws: Workspace) -> tuple[int, int, int]:
    with ws.read() as conn:
        events = verify_chain(conn).checked
    blobs = sum(1 for p in (ws.root / "blobs").rglob("*") if p.is_file())
    return len(ws.cases.list()), events, blobs


def test_round_trip_into_another_workspace(
    source: Workspace, made: tuple[str, Path], other: Workspace
) -> None:
    ws = source
    case_id, path = made
    report = verify_archive(path)
    assert report.members == 2 + len({e.sha256 for e in ws.evidence.list(case_id)})
    result = open_archive(other, path)
    assert result.case_id == case_id and not result.summary["ids_renewed"]
    source = ws.cases.get(case_id)
    assert other.cases.get(case_id).reference == source.reference
    assert other.graph.count_entities(case_id) == ws.graph.count_entities(case_id)
    assert other.graph.count_links(case_id) == ws.graph.count_links(case_id)
    assert sorted(k.grading for k in other.graph.list_links(case_id)) == sorted(
        k.grading for k in ws.graph.list_links(case_id)
    )
    for item in ws.evidence.list(case_id):
        assert other.evidence.read(item.id) == ws.evidence.read(item.id)
        actions = [c.action.value for c in other.evidence.custody(item.id)]
        assert actions[-1] == "transfer"
        assert [c.action.value for c in ws.evidence.custody(item.id)][-1] == "export"
    with other.read() as conn:
        assert verify_chain(conn).ok
        event = next(e for e in iter_events(conn, case_id) if e.action == "case.archive_import")
    assert event.summary["archive_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    with ws.read() as conn:
        assert any(e.action == "case.archive_create" for e in iter_events(conn, case_id))


def test_opening_twice_gives_new_ids_and_reference(
    made: tuple[str, Path], other: Workspace
) -> None:
    case_id, path = made
    first = open_archive(other, path)
    second = open_archive(other, path)
    assert second.summary["ids_renewed"] and second.case_id != case_id
    assert second.reference != first.reference
    ids_a = {e.id for e in other.graph.list_entities(first.case_id)}
    ids_b = {e.id for e in other.graph.list_entities(second.case_id)}
    assert len(ids_b) == len(ids_a) and not ids_a & ids_b


def test_tampered_blob_is_refused_and_nothing_kept(
    made: tuple[str, Path], other: Workspace
) -> None:
    _, path = made
    data = bytearray(path.read_bytes())
    data[data.index(RANDOM[:64]) + 150_000] ^= 0x01  # inside the random blob
    path.write_bytes(bytes(data))
    before = _state(other)
    with pytest.raises(ArchiveError, match="SHA-256"):
        open_archive(other, path)
    assert _state(other) == before
    with pytest.raises(ArchiveError):
        verify_archive(path)


@pytest.mark.parametrize("keep", [0.1, 0.3, 0.6, 0.9])
def test_truncated_archive_is_refused(
    made: tuple[str, Path], other: Workspace, keep: float
) -> None:
    _, path = made
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * keep)])
    before = _state(other)
    with pytest.raises(ArchiveError, match=r"truncated|damaged|declares|lacks"):
        open_archive(other, path)
    assert _state(other) == before


def test_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "x.wbcase"
    path.write_bytes(b"PK\x03\x04 a zip file, not a case archive" * 20)
    with pytest.raises(ValidationError, match="not an OSINT Workbench case archive"):
        verify_archive(path)


# ---- hostile archives, built by hand ----------------------------------------------------
def _member(name: str, data: bytes, **attrs: Any) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in attrs.items():
        setattr(info, key, value)
    return info, data


def _case_gz(data: dict[str, Any] | None = None) -> tuple[bytes, bytes]:
    raw = json.dumps(data or {"archive_data": "x", "evidence": []}).encode()
    return raw, gzip.compress(raw)


def _manifest(members: list[dict[str, Any]], version: int = 1) -> bytes:
    return json.dumps(
        {
            "format": "osint-workbench/case-archive",
            "format_version": version,
            "case": {"reference": "WB-X", "title": "crafted"},
            "members": members,
        }
    ).encode()


def _entry(name: str, data: bytes, raw: bytes | None = None) -> dict[str, Any]:
    entry = {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if raw is not None:
        entry.update(
            uncompressed_size=len(raw), uncompressed_sha256=hashlib.sha256(raw).hexdigest()
        )
    return entry


def _craft(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/passwd", "blobs/../../x", "case.json"])
def test_unsafe_member_names_are_refused(tmp_path: Path, name: str) -> None:
    raw, packed = _case_gz()
    manifest = _manifest([_entry("case.json.gz", packed, raw)])
    path = _craft(
        tmp_path / "evil.wbcase",
        [_member("manifest.json", manifest), _member("case.json.gz", packed), _member(name, b"x")],
    )
    with pytest.raises(ArchiveError, match="not in the manifest"):
        verify_archive(path)
    manifest = _manifest([_entry("case.json.gz", packed, raw), _entry(name, b"x")])
    path = _craft(tmp_path / "evil2.wbcase", [_member("manifest.json", manifest)])
    with pytest.raises(ArchiveError, match="unsafe member name"):
        verify_archive(path)
    assert not (tmp_path.parent / "escape.txt").exists()


@pytest.mark.parametrize(
    ("kind", "match"), [(tarfile.SYMTYPE, "symbolic link"), (tarfile.LNKTYPE, "hard link")]
)
def test_links_are_refused(tmp_path: Path, kind: bytes, match: str) -> None:
    raw, packed = _case_gz()
    manifest = _manifest([_entry("case.json.gz", packed, raw)])
    link = _member("case.json.gz", b"", type=kind, linkname="/etc/passwd")
    path = _craft(tmp_path / "link.wbcase", [_member("manifest.json", manifest), link])
    with pytest.raises(ArchiveError, match=match):
        verify_archive(path)


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    raw = b"0" * (64 * 1024 * 1024)
    packed = gzip.compress(raw, compresslevel=9)
    honest = _manifest([_entry("case.json.gz", packed, raw)])
    path = _craft(
        tmp_path / "bomb.wbcase",
        [_member("manifest.json", honest), _member("case.json.gz", packed)],
    )
    with pytest.raises(ArchiveError, match="decompression bomb"):
        verify_archive(path)
    entry = _entry("case.json.gz", packed, raw)
    entry["uncompressed_size"] = 1000  # lies low: inflating must stop at the declared size
    path = _craft(
        tmp_path / "liar.wbcase",
        [_member("manifest.json", _manifest([entry])), _member("case.json.gz", packed)],
    )
    with pytest.raises(ArchiveError, match="beyond its declared"):
        verify_archive(path)


def test_sizes_the_file_cannot_hold_are_refused(tmp_path: Path) -> None:
    raw, packed = _case_gz()
    entry = _entry("blobs/" + "a" * 64, b"")
    entry["size"] = 10**12
    manifest = _manifest([_entry("case.json.gz", packed, raw), entry])
    path = _craft(tmp_path / "big.wbcase", [_member("manifest.json", manifest)])
    with pytest.raises(ArchiveError, match="declares"):
        verify_archive(path)


def test_newer_format_is_refused_clearly(tmp_path: Path) -> None:
    raw, packed = _case_gz()
    manifest = _manifest([_entry("case.json.gz", packed, raw)], version=99)
    path = _craft(
        tmp_path / "new.wbcase",
        [_member("manifest.json", manifest), _member("case.json.gz", packed)],
    )
    with pytest.raises(ValidationError, match=r"newer OSINT Workbench.*format 99"):
        verify_archive(path)


def test_unwritable_destination_and_missing_blob(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Small case")
    ws.evidence.add_bytes(case.id, b"some evidence", "note.txt")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ValidationError, match="does not exist"):
        create_archive(ws, case.id, tmp_path / "a-file" / "a.wbcase")
    with pytest.raises(ValidationError, match="is a folder"):
        create_archive(ws, case.id, tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if not os.access(locked, os.W_OK):  # root may write anywhere
            with pytest.raises(ValidationError, match="permission denied"):
                create_archive(ws, case.id, locked / "a.wbcase")
    finally:
        locked.chmod(0o700)
    item = ws.evidence.list(case.id)[0]
    blob = ws.blobs.path_for(item.sha256)
    blob.chmod(0o644)
    blob.unlink()
    with pytest.raises(NotFoundError, match="missing"):
        create_archive(ws, case.id, tmp_path / "b.wbcase")
    assert not list(tmp_path.glob("*.wbcase*")) and not list(tmp_path.glob(".b.wbcase*"))


def test_changed_blob_stops_the_archive(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Small case")
    item = ws.evidence.add_bytes(case.id, b"original evidence bytes", "note.txt")
    blob = ws.blobs.path_for(item.sha256)
    blob.chmod(0o644)
    blob.write_bytes(b"altered evidence bytes!")
    with pytest.raises(WorkbenchError, match="changed on disk"):
        create_archive(ws, case.id, tmp_path / "c.wbcase")
    assert not list(tmp_path.glob("*c.wbcase*"))
