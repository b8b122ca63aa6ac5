"""Encrypted case archives: AES-256-GCM chunks under a scrypt key; a wrong passphrase,
tampering, reordering, truncation and appended data are all refused."""

from __future__ import annotations

import io
import json
import os
import struct
from pathlib import Path

import pytest

from workbench.errors import IntegrityError, ValidationError
from workbench.exchange.archive import create_archive, open_archive, verify_archive
from workbench.exchange.crypto import (
    MAGIC,
    TAG,
    DecryptingReader,
    EncryptingWriter,
    WrongPassphrase,
)
from workbench.store.workspace import Workspace

FAST = 2**10  # scrypt cost for tests only; archives use 2**17
CHUNK = 4096


def _seal(plain: bytes, passphrase: str = "pass phrase") -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, passphrase, scrypt_n=FAST, chunk=CHUNK)
    for start in range(0, len(plain), 1000):  # odd write sizes cross chunk borders
        writer.write(plain[start : start + 1000])
    writer.close()
    return out.getvalue()


def _open(sealed: bytes, passphrase: str = "pass phrase") -> bytes:
    stream = io.BytesIO(sealed)
    assert stream.read(len(MAGIC)) == MAGIC
    reader = DecryptingReader(stream, passphrase)
    data = reader.read()
    reader.finish()
    return data


def _body_start(sealed: bytes) -> int:
    (size,) = struct.unpack(">I", sealed[len(MAGIC) : len(MAGIC) + 4])
    return len(MAGIC) + 4 + size


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, 3 * CHUNK, 3 * CHUNK + 17])
def test_round_trip_any_size(size: int) -> None:
    plain = os.urandom(size)
    sealed = _seal(plain)
    assert size < 16 or plain[:16] not in sealed
    assert _open(sealed) == plain


def test_wrong_passphrase() -> None:
    with pytest.raises(WrongPassphrase, match="Wrong passphrase"):
        _open(_seal(b"secret data"), "not it")


def test_flipped_bit_is_caught() -> None:
    sealed = bytearray(_seal(os.urandom(3 * CHUNK)))
    sealed[_body_start(bytes(sealed)) + CHUNK + 100] ^= 0x40
    with pytest.raises(IntegrityError, match="chunk 1"):
        _open(bytes(sealed))


def test_swapped_chunks_are_caught() -> None:
    sealed = _seal(os.urandom(3 * CHUNK))
    start, size = _body_start(sealed), CHUNK + TAG
    first, second = sealed[start : start + size], sealed[start + size : start + 2 * size]
    swapped = sealed[:start] + second + first + sealed[start + 2 * size :]
    with pytest.raises(IntegrityError, match="authentication"):
        _open(swapped)


@pytest.mark.parametrize("cut", ["boundary", "inside", "final"])
def test_truncation_is_caught(cut: str) -> None:
    sealed = _seal(os.urandom(3 * CHUNK + 500))
    start, size = _body_start(sealed), CHUNK + TAG
    end = {"boundary": start + 2 * size, "inside": start + size + 77, "final": len(sealed) - 1}
    with pytest.raises(IntegrityError, match=r"truncated|authentication"):
        _open(sealed[: end[cut]])


def test_appended_data_and_altered_header_are_caught() -> None:
    sealed = _seal(b"payload" * 100)
    with pytest.raises(IntegrityError, match=r"authentication|after its final chunk"):
        _open(sealed + b"extra")
    start = len(MAGIC) + 4
    (size,) = struct.unpack(">I", sealed[len(MAGIC) : start])
    header = json.loads(sealed[start : start + size])
    header["chunk_size"] = CHUNK * 2
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    forged = MAGIC + struct.pack(">I", len(raw)) + raw + sealed[start + size :]
    with pytest.raises(WrongPassphrase):
        _open(forged)


def test_newer_encryption_version_is_refused() -> None:
    sealed = _seal(b"x")
    start = len(MAGIC) + 4
    (size,) = struct.unpack(">I", sealed[len(MAGIC) : start])
    header = json.loads(sealed[start : start + size])
    header["version"] = 7
    raw = json.dumps(header).encode()
    forged = MAGIC + struct.pack(">I", len(raw)) + raw + sealed[start + size :]
    with pytest.raises(ValidationError, match=r"version 7.*Update"):
        _open(forged)


def test_encrypted_case_archive_end_to_end(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Encrypted hand-off", description="confidential narrative")
    secret = b"Sensitive evidence bytes " + os.urandom(5000)
    item = ws.evidence.add_bytes(case.id, secret, "evidence.bin")
    ws.graph.add_entity(case.id, "email", "subject@mailbox.example")
    path = create_archive(ws, case.id, tmp_path / "case.wbcase", passphrase="horse", scrypt_n=2**14)
    data = path.path.read_bytes()
    assert data.startswith(MAGIC)
    for leak in (b"confidential narrative", b"subject@mailbox.example", secret[:40], b"ustar"):
        assert leak not in data
    with pytest.raises(ValidationError, match="encrypted; give its passphrase"):
        verify_archive(path.path)
    with pytest.raises(WrongPassphrase):
        verify_archive(path.path, "battery")
    assert verify_archive(path.path, "horse").encrypted
    other = Workspace.open(tmp_path / "other")
    try:
        result = open_archive(other, path.path, "horse")
        assert other.evidence.read(item.id) == secret
        assert other.graph.count_entities(result.case_id) == 1
        (tmp_path / "cut.wbcase").write_bytes(data[: len(data) - 40])
        with pytest.raises(IntegrityError):
            open_archive(other, tmp_path / "cut.wbcase", "horse")
        assert len(other.cases.list()) == 1
    finally:
        other.close()
