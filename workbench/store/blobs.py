"""Content-addressed blob store: files named by SHA-256, written atomically, verified on read."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from workbench.atomicfile import staged_file
from workbench.errors import IntegrityError, NotFoundError

CHUNK = 1024 * 1024
READ_ONLY = 0o444  # a stored original is never written again


class BlobStore:
    def __init__(self, root: Path):
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put_stream(
        self, stream: BinaryIO, progress: Callable[[int], None] | None = None
    ) -> tuple[str, int]:
        """Hash while copying, never holding the whole file in memory; returns (sha256, size)."""
        os.makedirs(self.root, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with staged_file(self.root, "blob") as staged:
            out = staged.file
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
                if progress is not None:
                    progress(size)
            sha = digest.hexdigest()
            final = self.path_for(sha)
            if not final.exists():  # else the same content is stored already: drop the copy
                os.makedirs(final.parent, exist_ok=True)
                staged.commit(final, mode=READ_ONLY)
        return sha, size

    def put_file(
        self, path: Path, progress: Callable[[int], None] | None = None
    ) -> tuple[str, int]:
        with path.open("rb") as stream:
            return self.put_stream(stream, progress)

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        import io

        return self.put_stream(io.BytesIO(data))

    def hash_of_stored(self, sha256: str) -> str:
        path = self.path_for(sha256)
        if not path.exists():
            raise NotFoundError(f"Evidence blob {sha256} is missing from {self.root}.")
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def verify(self, sha256: str) -> bool:
        try:
            return self.hash_of_stored(sha256) == sha256
        except NotFoundError:
            return False

    def read_verified(self, sha256: str) -> bytes:
        """The blob's bytes, only if they still hash to the recorded value."""
        data = self.path_for(sha256).read_bytes() if self.path_for(sha256).exists() else None
        if data is None:
            raise NotFoundError(f"Evidence blob {sha256} is missing from {self.root}.")
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise IntegrityError(
                f"Evidence blob {sha256[:12]}... was modified on disk (it now hashes to "
                f"{actual[:12]}...). Do not use it; restore it from a backup or re-collect it."
            )
        return data
