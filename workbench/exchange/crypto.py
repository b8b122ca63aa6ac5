"""Streaming AES-256-GCM for case archives, keyed by scrypt from a passphrase.

File layout: MAGIC, a 4-byte big-endian header length, the header (canonical JSON: format
version, KDF parameters, salt, nonce prefix, chunk size, and an HMAC-SHA256 "key check"
over the rest of the header), then the chunks. The plaintext is cut into chunks of
`chunk_size` bytes; each is sealed with AES-256-GCM under the nonce (4-byte random prefix +
8-byte chunk index) and the associated data SHA-256(header) || index || final-flag. The last
chunk carries final-flag 1 and may be empty, so a file cut at a chunk boundary, a chunk moved
or swapped, or a changed header all fail authentication. A wrong passphrase fails the key
check before any chunk is read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from typing import Any, BinaryIO

from workbench.errors import IntegrityError, ValidationError

MAGIC = b"WBARCHIVE-AESGCM\n"
VERSION = 1
CHUNK = 1024 * 1024
TAG = 16
SCRYPT_N = 2**17  # 128 MiB of memory, about half a second: costly to guess at scale
SCRYPT_R = 8
SCRYPT_P = 1
MAX_SCRYPT_N = 2**20  # refuse archives that would make us spend more than 1 GiB
MAX_HEADER = 64 * 1024


class WrongPassphrase(ValidationError):
    """The passphrase does not open this archive."""


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    if not passphrase:
        raise ValidationError("The passphrase is empty; an encrypted archive needs one.")
    material = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return material[:32], material[32:]


def _canonical(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")


def _aad(header_digest: bytes, index: int, final: bool) -> bytes:
    return header_digest + struct.pack(">QB", index, 1 if final else 0)


class EncryptingWriter:
    """A write-only file object: plaintext in, the encrypted archive out."""

    def __init__(
        self, out: BinaryIO, passphrase: str, *, scrypt_n: int = SCRYPT_N, chunk: int = CHUNK
    ):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        salt, prefix = os.urandom(16), os.urandom(4)
        key, check_key = _derive(passphrase, salt, scrypt_n, SCRYPT_R, SCRYPT_P)
        header: dict[str, Any] = {
            "version": VERSION,
            "cipher": "AES-256-GCM",
            "kdf": {"name": "scrypt", "n": scrypt_n, "r": SCRYPT_R, "p": SCRYPT_P},
            "salt": base64.b64encode(salt).decode("ascii"),
            "nonce_prefix": base64.b64encode(prefix).decode("ascii"),
            "chunk_size": chunk,
        }
        header["key_check"] = hmac.new(check_key, _canonical(header), hashlib.sha256).hexdigest()
        raw = _canonical(header)
        out.write(MAGIC + struct.pack(">I", len(raw)) + raw)
        self._out = out
        self._aes = AESGCM(key)
        self._prefix = prefix
        self._digest = hashlib.sha256(raw).digest()
        self._chunk = chunk
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        self._written = len(MAGIC) + 4 + len(raw)

    def _seal(self, data: bytes | memoryview, final: bool) -> None:
        nonce = self._prefix + struct.pack(">Q", self._index)
        sealed = self._aes.encrypt(nonce, data, _aad(self._digest, self._index, final))
        self._out.write(sealed)
        self._written += len(sealed)
        self._index += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = memoryview(data).cast("B")
        size = len(view)
        start = 0
        if self._buffer:
            take = min(self._chunk - len(self._buffer), size)
            self._buffer += view[:take]
            start = take
            if len(self._buffer) < self._chunk:
                return size
            self._seal(bytes(self._buffer), False)
            self._buffer.clear()
        while size - start >= self._chunk:  # whole chunks straight from the caller's buffer
            self._seal(view[start : start + self._chunk], False)
            start += self._chunk
        self._buffer += view[start:]
        return size

    def close(self) -> None:
        """Seal what is left as the final chunk (possibly empty). Does not close `out`."""
        if not self._closed:
            self._seal(bytes(self._buffer), True)
            self._buffer.clear()
            self._closed = True

    @property
    def bytes_written(self) -> int:
        return self._written

    def room(self) -> int:
        """Bytes that complete the chunk being filled: a write of exactly this many, then
        whole chunks, is sealed straight from the caller's buffers without copying."""
        return self._chunk - len(self._buffer)


def read_header(stream: BinaryIO) -> tuple[dict[str, Any], bytes]:
    """The header of an encrypted archive (after MAGIC has been read) and its raw bytes."""
    size_raw = stream.read(4)
    if len(size_raw) < 4:
        raise IntegrityError("The encrypted archive is truncated inside its header.")
    (size,) = struct.unpack(">I", size_raw)
    if size > MAX_HEADER:
        raise IntegrityError("The encrypted archive header is implausibly large; refused.")
    raw = stream.read(size)
    if len(raw) < size:
        raise IntegrityError("The encrypted archive is truncated inside its header.")
    try:
        header = json.loads(raw)
    except ValueError as exc:
        raise IntegrityError("The encrypted archive header is damaged (not JSON).") from exc
    if not isinstance(header, dict):
        raise IntegrityError("The encrypted archive header is damaged.")
    return header, raw


class DecryptingReader:
    """A read-only file object over an encrypted archive: authenticated plaintext out."""

    def __init__(self, stream: BinaryIO, passphrase: str):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        header, raw = read_header(stream)
        version = header.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise ValidationError(
                f"This archive's encryption format is version {version}; this OSINT Workbench "
                f"reads up to version {VERSION}. Update the application to open it."
            )
        try:
            kdf = header["kdf"]
            n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
            salt = base64.b64decode(header["salt"])
            prefix = base64.b64decode(header["nonce_prefix"])
            chunk = int(header["chunk_size"])
            check = str(header["key_check"])
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(f"The encrypted archive header is damaged ({exc}).") from exc
        if kdf.get("name") != "scrypt" or header.get("cipher") != "AES-256-GCM":
            raise ValidationError("This archive uses a cipher or KDF this version does not know.")
        if not (2 <= n <= MAX_SCRYPT_N and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
            raise IntegrityError("The archive asks for scrypt parameters outside safe limits.")
        if not (4096 <= chunk <= 64 * 1024 * 1024) or len(prefix) != 4:
            raise IntegrityError("The encrypted archive header is damaged (chunk or nonce).")
        key, check_key = _derive(passphrase, salt, n, r, p)
        unsigned = {k: v for k, v in header.items() if k != "key_check"}
        expected = hmac.new(check_key, _canonical(unsigned), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, check):
            raise WrongPassphrase(
                "Wrong passphrase for this archive (or its header was altered). Nothing was "
                "read; check the passphrase with the person who made the archive."
            )
        self._stream = stream
        self._aes = AESGCM(key)
        self._prefix = prefix
        self._digest = hashlib.sha256(raw).digest()
        self._chunk = chunk
        self._index = 0
        self._plain = b""
        self._pos = 0
        self._done = False

    def _next(self) -> None:
        from cryptography.exceptions import InvalidTag

        want = self._chunk + TAG
        sealed = self._stream.read(want)
        while 0 < len(sealed) < want:
            more = self._stream.read(want - len(sealed))
            if not more:
                break
            sealed += more
        if not sealed:
            raise IntegrityError(
                f"The archive is truncated: it ends after chunk {self._index} without its "
                "final chunk. Copy the whole file again."
            )
        final = len(sealed) < want
        nonce = self._prefix + struct.pack(">Q", self._index)
        try:
            self._plain = self._aes.decrypt(nonce, sealed, _aad(self._digest, self._index, final))
        except InvalidTag:
            raise IntegrityError(
                f"The archive failed authentication at chunk {self._index}: it was altered, "
                "reordered or truncated after it was made. Nothing from it was kept."
            ) from None
        self._pos = 0
        self._index += 1
        self._done = final

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        wanted = size if size >= 0 else None
        while wanted is None or wanted > 0:
            if self._pos >= len(self._plain):
                if self._done:
                    break
                self._next()
                continue
            end = len(self._plain) if wanted is None else min(len(self._plain), self._pos + wanted)
            piece = self._plain[self._pos : end]
            self._pos = end
            parts.append(piece)
            if wanted is not None:
                wanted -= len(piece)
        return b"".join(parts)

    def finish(self) -> None:
        """Read to the authenticated end: proves nothing was cut off or appended."""
        while not self._done:
            self._next()
        if self._stream.read(1):
            raise IntegrityError("The archive has data after its final chunk; refused.")
