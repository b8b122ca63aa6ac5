"""Case archive: one file holding a case's data, its evidence blobs and a SHA-256 manifest,
optionally encrypted (AES-256-GCM, scrypt key: see `crypto.py`).

Inside is an uncompressed POSIX tar stream, in this order:
  manifest.json   format + version, the case, and for every other member its size and
                  SHA-256 (case.json.gz also its uncompressed size and SHA-256)
  case.json.gz    the case data (`casedata.collect_case_data`), gzip
  blobs/<sha256>  each evidence blob once, stored (evidence is often compressed already)
An encrypted archive is the same tar stream, sealed chunk by chunk.

Making an archive streams every blob from the blob store, hashing it on the way (a blob that
changed on disk stops the archive), into a temporary file renamed at the end. Reading one
(verify or open) streams it once and refuses: a newer format version, a wrong passphrase, any
member whose name is not one of the expected shapes (no paths, `..`, absolute names), any
member that is not a regular file (symlinks, hard links, devices), a size that differs from
the manifest, a hash that differs, a member missing or extra, sizes the file cannot hold, and
a case.json.gz that inflates beyond its declared size or a sane ratio (decompression bombs).
Opening stages blobs in the blob store (re-hashed) and writes the case in one transaction;
on any failure the blobs it added are removed again.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import mmap
import os
import re
import tarfile
import zlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from workbench import __version__
from workbench.errors import IntegrityError, NotFoundError, ValidationError, WorkbenchError
from workbench.exchange.atomic import atomic_binary
from workbench.exchange.crypto import MAGIC, DecryptingReader, EncryptingWriter
from workbench.exchange.model import ImportCancelled
from workbench.store.workspace import Workspace
from workbench.timeutil import to_iso, utcnow

FORMAT = "osint-workbench/case-archive"
FORMAT_VERSION = 1
SUFFIX = ".wbcase"
CHUNK = 1024 * 1024
MAX_MANIFEST = 64 * 1024 * 1024
MAX_CASE_JSON = 4 * 1024 * 1024 * 1024  # inflated case.json cap
MAX_RATIO = 200  # inflated / stored, above 1 MiB
_BLOB = re.compile(r"^blobs/[0-9a-f]{64}$")
_TAR_MAGIC_OFFSET = 257

Progress = Callable[[int, int], None]  # (bytes done, bytes total)
Cancelled = Callable[[], bool]


class ArchiveError(IntegrityError):
    """An archive that is damaged, tampered with, or unsafe; nothing was kept from it."""


@dataclass
class ArchiveReport:
    path: Path
    sha256: str
    encrypted: bool
    manifest: dict[str, Any]
    members: int
    blob_bytes: int
    case: dict[str, Any] = field(default_factory=dict)
    manifest_sha256: str = ""
    file_size: int = 0

    def describe(self) -> str:
        case = self.manifest.get("case", {})
        verified = bool(self.sha256)  # set when the archive was read back, not when written
        state = "intact, every SHA-256 matches" if verified else "written"
        kind = "encrypted" if self.encrypted else "not encrypted"
        text = (
            f"{self.path.name}: {state} ({kind}, format {self.manifest.get('format_version')}, "
            f"{self.members} members, {self.blob_bytes:,} bytes of evidence). Case "
            f'{case.get("reference")} "{case.get("title")}", made by '
            f"{self.manifest.get('created_by')} at {self.manifest.get('created_at')}. "
            f"Manifest SHA-256 {self.manifest_sha256}"
        )
        return text + (f"; file SHA-256 {self.sha256}." if verified else ".")


# ---- writing ------------------------------------------------------------------------------
def _header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o444
    info.mtime = int(utcnow().timestamp())
    info.type = tarfile.REGTYPE
    return info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8", errors="strict")


def _pad(size: int) -> bytes:
    return b"\0" * ((-size) % tarfile.BLOCKSIZE)


class _Counter:
    """Wraps the output and counts the bytes written."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.out.write(data)
        self.size += len(data)
        return len(data)


class _FdSink:
    """The unencrypted path: writes straight to the file descriptor, and copies blobs from
    file to file inside the kernel (`copy_file_range`) where the platform has it."""

    def __init__(self, fd: int):
        self.fd = fd
        self.size = 0
        self._kernel_copy = hasattr(os, "copy_file_range")

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]
        self.size += len(data)
        return len(data)

    def copy_from(self, source_fd: int, count: int) -> int:
        if self._kernel_copy:
            try:
                copied = os.copy_file_range(source_fd, self.fd, count)
                self.size += copied
                return copied
            except OSError:
                self._kernel_copy = False  # e.g. across file systems on old kernels
        data = os.read(source_fd, min(count, CHUNK))
        self.write(data)
        return len(data)


def create_archive(
    ws: Workspace,
    case_id: str,
    target: Path,
    *,
    passphrase: str | None = None,
    scrypt_n: int | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ArchiveReport:
    """Write the case archive to `target` (temporary name, then rename); audited."""
    from workbench.exchange.casedata import collect_case_data

    case = ws.cases.get(case_id)
    data = collect_case_data(ws, case_id)
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    packed = gzip.compress(raw, compresslevel=6, mtime=0)
    blobs: dict[str, int] = {}
    for item in data["evidence"]:
        blobs[item["sha256"]] = int(item["size"])
    for sha in blobs:
        if not ws.blobs.path_for(sha).is_file():
            raise NotFoundError(
                f"Evidence blob {sha[:12]}... of this case is missing from the blob store, so "
                "the archive would be incomplete; nothing was written. Run `workbench "
                "evidence verify` and restore the blob from a backup."
            )
    members: list[dict[str, Any]] = [
        {
            "name": "case.json.gz",
            "size": len(packed),
            "sha256": hashlib.sha256(packed).hexdigest(),
            "uncompressed_size": len(raw),
            "uncompressed_sha256": hashlib.sha256(raw).hexdigest(),
        }
    ]
    members += [
        {"name": f"blobs/{sha}", "size": size, "sha256": sha} for sha, size in blobs.items()
    ]
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tool": f"OSINT Workbench {__version__}",
        "created_at": to_iso(utcnow()),
        "created_by": ws.actor,
        "encrypted": passphrase is not None,
        "case": {"id": case.id, "reference": case.reference, "title": case.title},
        "members": members,
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    total = sum(m["size"] for m in members)
    done = 0
    with atomic_binary(Path(target)) as handle:
        handle.flush()
        counter: Any = _FdSink(handle.fileno()) if passphrase is None else _Counter(handle)
        sink: Any = counter
        encrypter: EncryptingWriter | None = None
        if passphrase is not None:
            options = {"scrypt_n": scrypt_n} if scrypt_n else {}
            encrypter = EncryptingWriter(counter, passphrase, **options)
            sink = encrypter
        for name, payload in (("manifest.json", manifest_bytes), ("case.json.gz", packed)):
            sink.write(_header(name, len(payload)) + payload + _pad(len(payload)))
        done += len(packed)
        with ThreadPoolExecutor(2) as hasher:
            ahead = _HashAhead(ws, list(blobs), hasher, cancelled or (lambda: False))
            for sha, size in blobs.items():
                sink.write(_header(f"blobs/{sha}", size))
                done = _copy_blob(ws, sha, size, sink, ahead, done, total, progress, cancelled)
                sink.write(_pad(size))
                _start_writeback(handle)
        sink.write(b"\0" * (tarfile.BLOCKSIZE * 2))
        if encrypter is not None:
            encrypter.close()
    report = ArchiveReport(
        path=Path(target),
        sha256="",
        encrypted=passphrase is not None,
        manifest=manifest,
        members=len(members) + 1,
        blob_bytes=sum(blobs.values()),
    )
    report.manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
    report.file_size = counter.size
    _audit_created(ws, case_id, report, data)
    return report


def _start_writeback(handle: BinaryIO) -> None:
    """Ask the kernel to start writing what is written so far (POSIX_FADV_DONTNEED starts
    asynchronous write-back on Linux), so the fsync before the rename finds little left to
    do instead of the whole archive."""
    if hasattr(os, "posix_fadvise"):
        handle.flush()
        with contextlib.suppress(OSError):  # advice only
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


class _HashAhead:
    """Re-hashes evidence blobs on two threads while the main thread copies them (SHA-256
    releases the GIL). At most the blob being copied and the next one are hashed ahead, so
    the hashing reads what the copy reads, from the page cache, and never runs far ahead."""

    def __init__(
        self, ws: Workspace, shas: list[str], pool: ThreadPoolExecutor, stop: Callable[[], bool]
    ):
        self.ws, self.shas, self.pool, self.stop = ws, shas, pool, stop
        self.futures: dict[str, Future[tuple[str, int]]] = {}
        self.next = 0

    def digest(self, sha: str) -> Future[tuple[str, int]]:
        """The hash of `sha` (the blob about to be copied); queues the blob after it."""
        while self.next < len(self.shas) and (sha not in self.futures or len(self.futures) < 2):
            queued = self.shas[self.next]
            path = self.ws.blobs.path_for(queued)
            self.futures[queued] = self.pool.submit(_hash_file, path, self.stop)
            self.next += 1
        return self.futures.pop(sha)


def _copy_blob(
    ws: Workspace,
    sha: str,
    size: int,
    sink: Any,
    ahead: _HashAhead,
    done: int,
    total: int,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> int:
    """Copy one blob into the archive while other threads re-hash it, so checking the
    evidence costs little wall time. Unencrypted archives copy in the kernel and hash the
    page cache through mmap; encrypted ones read 1 MiB chunks and hash each beside the
    encryption."""
    path = ws.blobs.path_for(sha)
    stop = cancelled or (lambda: False)
    with path.open("rb") as source:
        if isinstance(sink, _FdSink):
            hashed = ahead.digest(sha)
            copied = 0
            while copied < size:
                if stop():
                    raise ImportCancelled("Archive cancelled; no file was written.")
                step = sink.copy_from(source.fileno(), min(size - copied, 16 * CHUNK))
                if step == 0:
                    break
                copied += step
                if progress is not None:
                    progress(done + copied, total)
            digest, _ = hashed.result()
        else:
            with ThreadPoolExecutor(1) as ordered:  # one thread: the updates stay in order
                digest, copied = _copy_chunks(source, sink, ordered, done, total, progress, stop)
    if copied != size or digest != sha:
        raise IntegrityError(
            f"Evidence blob {sha[:12]}... changed on disk (it now hashes to {digest[:12]}..., "
            f"{copied} bytes). The archive was not written; restore the blob from a backup."
        )
    return done + copied


def _hash_file(path: Path, stop: Callable[[], bool]) -> tuple[str, int]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            return digest.hexdigest(), 0
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            view = memoryview(mapped)
            try:
                for start in range(0, size, 8 * CHUNK):
                    if stop():
                        break
                    digest.update(view[start : start + 8 * CHUNK])
            finally:
                view.release()
    return digest.hexdigest(), size


def _copy_chunks(
    source: BinaryIO,
    sink: Any,
    hasher: ThreadPoolExecutor,
    done: int,
    total: int,
    progress: Progress | None,
    stop: Callable[[], bool],
) -> tuple[str, int]:
    digest = hashlib.sha256()
    copied = 0
    pending: deque[Future[None]] = deque()
    room = getattr(sink, "room", None)  # align reads with the cipher's chunks: no copies
    while chunk := source.read(room() if room is not None else CHUNK):
        if stop():
            raise ImportCancelled("Archive cancelled; no file was written.")
        pending.append(hasher.submit(digest.update, chunk))
        sink.write(chunk)
        copied += len(chunk)
        while len(pending) > 8:
            pending.popleft().result()
        if progress is not None:
            progress(done + copied, total)
    while pending:
        pending.popleft().result()
    return digest.hexdigest(), copied


def _audit_created(
    ws: Workspace, case_id: str, report: ArchiveReport, data: dict[str, Any]
) -> None:
    from workbench.audit import PendingEvent, append_event
    from workbench.evidence.custody import record_custody
    from workbench.evidence.model import CustodyAction, Integrity

    with ws.write() as conn:
        append_event(
            conn,
            ws.actor,
            PendingEvent(
                "case.archive_create",
                "case",
                case_id,
                case_id,
                {
                    "file": report.path.name,
                    "file_size": report.file_size,
                    "manifest_sha256": report.manifest_sha256,
                    "encrypted": report.encrypted,
                    "evidence": len(data["evidence"]),
                    "entities": len(data["entities"]),
                    "links": len(data["links"]),
                },
            ),
        )
        for item in data["evidence"]:
            record_custody(
                conn,
                ws.actor,
                evidence_id=item["id"],
                case_id=case_id,
                action=CustodyAction.EXPORT,
                purpose=f"included in case archive {report.path.name}",
                hash_before=item["sha256"],
                hash_after=item["sha256"],
                integrity=Integrity.OK,
                detail={"manifest_sha256": report.manifest_sha256, "encrypted": report.encrypted},
            )


# ---- reading ------------------------------------------------------------------------------
class _HashingFile:
    """Reads the archive file and hashes every byte read (the archive's own SHA-256)."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def is_encrypted(path: Path) -> bool:
    with Path(path).open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _open_stream(path: Path, passphrase: str | None) -> tuple[_HashingFile, Any, bool]:
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"{path} does not exist or is not a file.")
    handle = path.open("rb")
    try:
        hashing = _HashingFile(handle)
        head = hashing.read(len(MAGIC))
        if head == MAGIC:
            if passphrase is None:
                raise ValidationError(
                    f"{path.name} is encrypted; give its passphrase (--passphrase-env VAR, "
                    "--passphrase-file FILE, or type it when asked)."
                )
            return hashing, DecryptingReader(hashing, passphrase), True  # type: ignore[arg-type]
        rest = hashing.read(tarfile.BLOCKSIZE - len(head))
        block = head + rest
        if (
            len(block) < tarfile.BLOCKSIZE
            or block[_TAR_MAGIC_OFFSET : _TAR_MAGIC_OFFSET + 5] != b"ustar"
        ):
            raise ValidationError(
                f"{path.name} is not an OSINT Workbench case archive (neither an encrypted "
                "archive nor a tar stream). Choose a .wbcase file."
            )
        return hashing, _Prefixed(block, hashing), False
    except BaseException:
        handle.close()
        raise


class _Prefixed:
    def __init__(self, prefix: bytes, rest: Any):
        self.prefix = prefix
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        if self.prefix:
            if size < 0 or size >= len(self.prefix):
                head, self.prefix = self.prefix, b""
                more = self.rest.read(-1 if size < 0 else size - len(head))
                return bytes(head + more)
            head, self.prefix = self.prefix[:size], self.prefix[size:]
            return bytes(head)
        return bytes(self.rest.read(size))


BlobSink = Callable[[str, int, Any], None]  # (sha256, size, reader) -> None


def read_archive(
    path: Path,
    passphrase: str | None,
    *,
    blob_sink: BlobSink | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> tuple[ArchiveReport, dict[str, Any]]:
    """Stream the archive once, checking everything; returns the report and the case data.
    `blob_sink(sha, size, reader)` receives each blob (reader yields its verified bytes)."""
    path = Path(path)
    file_size = path.stat().st_size if path.is_file() else 0
    hashing, stream, encrypted = _open_stream(path, passphrase)
    try:
        with tarfile.open(fileobj=stream, mode="r|", bufsize=CHUNK) as tar:
            manifest, case_data, blob_bytes = _read_members(
                path, tar, file_size, blob_sink, progress, cancelled
            )
        if isinstance(stream, DecryptingReader):
            stream.finish()
        while hashing.read(CHUNK):
            pass
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, PermissionError):
            raise ValidationError(f"{path.name} cannot be read (permission denied).") from exc
        raise ArchiveError(
            f"{path.name} is damaged or truncated ({exc}); nothing from it was kept. Copy the "
            "whole file again."
        ) from exc
    finally:
        hashing.handle.close()
    report = ArchiveReport(
        path=path,
        sha256=hashing.digest.hexdigest(),
        encrypted=encrypted,
        manifest=manifest,
        members=len(manifest["members"]) + 1,
        blob_bytes=blob_bytes,
        case=manifest.get("case", {}),
        manifest_sha256=manifest.pop("_sha256"),
        file_size=file_size,
    )
    return report, case_data


def _check_manifest(path: Path, manifest: Any, file_size: int) -> dict[str, dict[str, Any]]:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{path.name}: manifest.json is not an OSINT Workbench manifest.")
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise ArchiveError(f"{path.name}: the manifest has no format version.")
    if version > FORMAT_VERSION:
        raise ValidationError(
            f"{path.name} was made by a newer OSINT Workbench (archive format {version}; this "
            f"version reads up to {FORMAT_VERSION}). Update the application to open it."
        )
    members: dict[str, dict[str, Any]] = {}
    for member in manifest.get("members") or []:
        name = member.get("name") if isinstance(member, dict) else None
        size, sha = (member.get("size"), member.get("sha256")) if name else (None, None)
        if not isinstance(name, str) or not (name == "case.json.gz" or _BLOB.match(name)):
            raise ArchiveError(f"{path.name}: the manifest lists an unsafe member name {name!r}.")
        if not isinstance(size, int) or size < 0 or not isinstance(sha, str) or name in members:
            raise ArchiveError(f"{path.name}: the manifest entry for {name} is damaged.")
        members[name] = member
    if "case.json.gz" not in members:
        raise ArchiveError(f"{path.name}: the manifest lists no case.json.gz.")
    declared = sum(m["size"] for m in members.values())
    if declared > file_size:
        raise ArchiveError(
            f"{path.name}: the manifest declares {declared:,} bytes of members but the file "
            f"holds only {file_size:,}; it is truncated or forged. Nothing was kept."
        )
    return members


def _read_members(
    path: Path,
    tar: tarfile.TarFile,
    file_size: int,
    blob_sink: BlobSink | None,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> tuple[dict[str, Any], dict[str, Any], int]:
    manifest: dict[str, Any] | None = None
    manifest_sha = ""
    expected: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    case_data: dict[str, Any] | None = None
    blob_bytes = done = 0
    total = 0
    for info in tar:
        if cancelled is not None and cancelled():
            raise ImportCancelled("Cancelled; nothing from the archive was kept.")
        name = info.name
        if not info.isreg():
            kind = (
                "a symbolic link"
                if info.issym()
                else "a hard link"
                if info.islnk()
                else "not a regular file"
            )
            raise ArchiveError(f"{path.name}: member {name!r} is {kind}; refused.")
        if manifest is None:
            if name != "manifest.json" or info.size > MAX_MANIFEST:
                raise ArchiveError(f"{path.name}: the first member must be manifest.json.")
            manifest_raw = _read_exact(tar, info, path)
            manifest_sha = hashlib.sha256(manifest_raw).hexdigest()
            try:
                manifest = json.loads(manifest_raw)
            except ValueError as exc:
                raise ArchiveError(f"{path.name}: manifest.json is not JSON ({exc}).") from exc
            expected = _check_manifest(path, manifest, file_size)
            total = sum(m["size"] for m in expected.values())
            continue
        entry = expected.get(name)
        if entry is None:
            raise ArchiveError(
                f"{path.name}: member {name!r} is not in the manifest (a path outside the "
                "archive layout, or an added file); refused."
            )
        if name in seen:
            raise ArchiveError(f"{path.name}: member {name!r} appears twice; refused.")
        seen.add(name)
        if info.size != entry["size"]:
            raise ArchiveError(
                f"{path.name}: member {name} is {info.size:,} bytes but the manifest says "
                f"{entry['size']:,}; the archive was altered."
            )
        if name == "case.json.gz":
            packed = _read_exact(tar, info, path)
            _check_hash(path, name, hashlib.sha256(packed).hexdigest(), entry["sha256"])
            case_data = _inflate(path, packed, entry)
            done += len(packed)
        else:
            reader = _MemberReader(tar.extractfile(info), info.size, name, path)
            if blob_sink is not None:
                blob_sink(entry["sha256"], info.size, reader)
            reader.drain()
            _check_hash(path, name, reader.digest.hexdigest(), entry["sha256"])
            _check_hash(path, name, reader.digest.hexdigest(), name.split("/", 1)[1])
            blob_bytes += info.size
            done += info.size
        if progress is not None:
            progress(done, total)
    if manifest is None:
        raise ArchiveError(f"{path.name} is empty or not a case archive.")
    missing = sorted(set(expected) - seen)
    if missing:
        raise ArchiveError(
            f"{path.name} lacks {len(missing)} member(s) the manifest lists (first: "
            f"{missing[0]}); it is truncated or was altered. Nothing was kept."
        )
    assert case_data is not None
    _check_evidence(path, case_data, expected)
    manifest["_sha256"] = manifest_sha
    return manifest, case_data, blob_bytes


def _read_exact(tar: tarfile.TarFile, info: tarfile.TarInfo, path: Path) -> bytes:
    handle = tar.extractfile(info)
    data = handle.read() if handle is not None else b""
    if len(data) != info.size:
        raise ArchiveError(f"{path.name} is truncated inside {info.name}.")
    return data


def _check_hash(path: Path, name: str, actual: str, expected: str) -> None:
    if actual != expected:
        raise ArchiveError(
            f"{path.name}: {name} does not match its SHA-256 (expected {expected[:16]}..., "
            f"got {actual[:16]}...); the archive was altered or damaged. Nothing was kept."
        )


def _inflate(path: Path, packed: bytes, entry: dict[str, Any]) -> dict[str, Any]:
    declared = entry.get("uncompressed_size")
    if not isinstance(declared, int) or declared < 0:
        raise ArchiveError(f"{path.name}: the manifest lacks case.json's uncompressed size.")
    limit = min(declared, MAX_CASE_JSON)
    if declared > MAX_CASE_JSON or (declared > CHUNK and declared > MAX_RATIO * len(packed)):
        raise ArchiveError(
            f"{path.name}: case.json.gz claims to inflate {len(packed):,} bytes to "
            f"{declared:,} (a decompression bomb); refused."
        )
    inflater = zlib.decompressobj(wbits=31)
    out = io.BytesIO()
    view = memoryview(packed)
    for start in range(0, len(packed), CHUNK):
        out.write(inflater.decompress(view[start : start + CHUNK], limit + 1 - out.tell()))
        if out.tell() > limit or inflater.unconsumed_tail:
            raise ArchiveError(
                f"{path.name}: case.json.gz inflates beyond its declared {declared:,} bytes "
                "(a decompression bomb or a forged manifest); refused."
            )
    raw = out.getvalue()
    if len(raw) != declared or not inflater.eof:
        raise ArchiveError(f"{path.name}: case.json.gz is damaged (wrong inflated size).")
    _check_hash(path, "case.json", hashlib.sha256(raw).hexdigest(), entry["uncompressed_sha256"])
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ArchiveError(f"{path.name}: case.json is not valid JSON ({exc}).") from exc
    if not isinstance(data, dict):
        raise ArchiveError(f"{path.name}: case.json is not an object.")
    return data


def _check_evidence(path: Path, data: dict[str, Any], expected: dict[str, dict[str, Any]]) -> None:
    for item in data.get("evidence") or []:
        name = f"blobs/{item.get('sha256')}"
        if name not in expected or expected[name]["size"] != item.get("size"):
            raise ArchiveError(
                f"{path.name}: evidence {item.get('filename')!r} has no matching blob in the "
                "archive; it is incomplete or was altered."
            )


class _MemberReader:
    """Bounded reader over one tar member that hashes what passes through."""

    def __init__(self, handle: Any, size: int, name: str, path: Path):
        self.handle = handle
        self.left = size
        self.name = name
        self.path = path
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        want = self.left if size < 0 else min(size, self.left)
        data = self.handle.read(want)
        if not data:
            raise ArchiveError(f"{self.path.name} is truncated inside {self.name}.")
        self.left -= len(data)
        self.digest.update(data)
        return bytes(data)

    def drain(self) -> None:
        while self.read(CHUNK):
            pass


def verify_archive(
    path: Path,
    passphrase: str | None = None,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ArchiveReport:
    """Read the whole archive and check every hash; writes nothing."""
    report, _ = read_archive(path, passphrase, progress=progress, cancelled=cancelled)
    return report


@dataclass(frozen=True)
class OpenResult:
    case_id: str
    reference: str
    report: ArchiveReport
    summary: dict[str, Any]

    def describe(self) -> str:
        renewed = " with new ids (its ids were taken here)" if self.summary["ids_renewed"] else ""
        return (
            f"Opened {self.report.path.name} as case {self.reference}{renewed}: "
            f"{self.summary['entities']} entities, {self.summary['links']} links, "
            f"{self.summary['evidence']} evidence items (every SHA-256 verified)."
        )


def open_archive(
    ws: Workspace,
    path: Path,
    passphrase: str | None = None,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> OpenResult:
    """Bring the archived case into `ws`; all or nothing."""
    from workbench.exchange.casedata import check_case_data, restore_case

    added: list[str] = []

    def sink(sha: str, size: int, reader: Any) -> None:
        existed = ws.blobs.path_for(sha).exists()
        stored, stored_size = ws.blobs.put_stream(reader)
        if not existed and ws.blobs.path_for(stored).exists():
            added.append(stored)
        if stored != sha or stored_size != size:
            raise ArchiveError(
                f"{Path(path).name}: blob {sha[:12]}... does not match its SHA-256 (it "
                f"hashes to {stored[:12]}...); the archive was altered. Nothing was kept."
            )

    try:
        report, data = read_archive(
            path, passphrase, blob_sink=sink, progress=progress, cancelled=cancelled
        )
        check_case_data(ws, data)
        case_id, summary = restore_case(
            ws, data, archive_name=report.path.name, archive_sha256=report.sha256
        )
    except BaseException:
        _discard(ws, added)
        raise
    return OpenResult(case_id, summary["reference"], report, summary)


def _discard(ws: Workspace, shas: list[str]) -> None:
    from sqlalchemy import select

    from workbench.store.schema import evidence

    if not shas:
        return
    try:
        with ws.read() as conn:
            used = set(
                conn.execute(select(evidence.c.sha256).where(evidence.c.sha256.in_(shas))).scalars()
            )
    except WorkbenchError:
        return
    for sha in shas:
        target = ws.blobs.path_for(sha)
        if sha not in used and target.exists():
            os.chmod(target, 0o644)
            target.unlink()
