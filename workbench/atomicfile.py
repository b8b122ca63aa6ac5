"""Replace a file in one step: readers see the old file or the whole new one, never a part.

Every file the application writes goes the same way: a temporary `.<target name>.<random>.partial`
file in the target's folder is written, flushed to disk (fsync) and renamed over the target;
on any failure (an error, a cancel, Ctrl+C) the temporary file is removed and an existing
target is left as it was.

- `atomic_binary(target)` / `atomic_text(target)`: a file handle to write.
- `atomic_path(target)`: the temporary file's path, for writers that need a file name (an
  image or PDF writer); `publish=` lets the caller run the rename inside its own transaction.
- `staged_file(folder, name)`: the temporary file without a target yet, for writers that
  learn the name from what they wrote (the content-addressed blob store); `commit(target)`.
- `atomic_directory(target)`: the same for a folder that is filled and then renamed.
- `atomic_write(path, data)`: bytes in one call (part of the plugin SDK).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, TextIO

PARTIAL_SUFFIX = ".partial"
# The target's name inside the temporary name is cut to this many UTF-8 bytes, so that a
# target whose name is near the file system's limit (255 bytes) can still be written.
NAME_IN_TEMP_MAX = 120

Publish = Callable[[Callable[[], None]], None]
"""Receives the rename as a function and must call it (e.g. inside a database transaction)."""


def partial_prefix(name: str) -> str:
    """`.<name>.` (the name cut to NAME_IN_TEMP_MAX bytes): the start of a temporary name."""
    short = name.encode("utf-8")[:NAME_IN_TEMP_MAX].decode("utf-8", errors="ignore")
    return f".{short}."


def _check_target(target: Path) -> Path:
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Cannot write {target}: the folder {folder} does not exist (create it first)."
        )
    if target.is_dir():
        raise IsADirectoryError(f"Cannot write {target}: it is a folder, not a file.")
    return folder


class StagedFile:
    """A new temporary file in `folder`, open for binary writing as `file`; `commit(target)`
    makes it `target`. Made by `staged_file`, which removes it unless it was committed."""

    def __init__(self, folder: Path, name: str) -> None:
        handle, temp = tempfile.mkstemp(
            prefix=partial_prefix(name), suffix=PARTIAL_SUFFIX, dir=folder
        )
        self.path = Path(temp)
        self.committed = False
        try:
            self._file: BinaryIO | None = os.fdopen(handle, "wb")
        except BaseException:
            os.close(handle)
            self.path.unlink(missing_ok=True)
            raise

    @property
    def file(self) -> BinaryIO:
        if self._file is None:
            raise ValueError(f"{self.path.name} was closed; write it through its path instead.")
        return self._file

    def close(self) -> None:
        """Close the handle, for a writer that opens the file by its `path`."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def _sync(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self.close()
        else:  # written by another writer through the path: open it again to flush it
            with self.path.open("r+b") as written:  # fsync needs write access on Windows
                os.fsync(written.fileno())

    def commit(
        self, target: Path, *, mode: int | None = None, publish: Publish | None = None
    ) -> None:
        """Flush the content to disk, give it the permissions `mode` when set, then rename it
        to `target` (through `publish(rename)` when given, which must call `rename()`)."""
        self._sync()
        if mode is not None:
            os.chmod(self.path, mode)

        def rename() -> None:
            os.replace(self.path, target)
            self.committed = True

        if publish is None:
            rename()
        else:
            publish(rename)
            if not self.committed:
                raise RuntimeError(f"Cannot write {target}: publish() did not call rename().")

    def discard(self) -> None:
        """Close and remove the temporary file (nothing happens after a commit)."""
        with suppress(OSError):
            self.close()
        if not self.committed:
            self.path.unlink(missing_ok=True)


@contextmanager
def staged_file(folder: Path, name: str) -> Iterator[StagedFile]:
    """A temporary `.<name>.<random>.partial` file in `folder`. It is removed when the block
    ends, by an error or normally, unless `commit(target)` renamed it."""
    staged = StagedFile(Path(folder), name)
    try:
        yield staged
    finally:
        staged.discard()


@contextmanager
def atomic_binary(target: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file to write; it replaces `target` only if the block completes. Raises
    FileNotFoundError when the folder does not exist and IsADirectoryError when `target` is a
    folder (before anything is written), OSError for what the disk says."""
    path = Path(target)
    with staged_file(_check_target(path), path.name) as staged:
        yield staged.file
        staged.commit(path)


@contextmanager
def atomic_text(target: str | os.PathLike[str], encoding: str = "utf-8") -> Iterator[TextIO]:
    """`atomic_binary` for text (universal newlines on write, like `open(target, "w")`)."""
    with atomic_binary(target) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding)
        try:
            yield text
            text.flush()
        finally:
            with suppress(ValueError, OSError):
                text.detach()


@contextmanager
def atomic_path(
    target: str | os.PathLike[str], *, publish: Publish | None = None
) -> Iterator[Path]:
    """The path of an empty temporary file for a writer that needs a file name; when the block
    completes the file is flushed to disk and renamed to `target` (through `publish(rename)`
    when given). Errors as `atomic_binary`."""
    path = Path(target)
    with staged_file(_check_target(path), path.name) as staged:
        staged.close()
        yield staged.path
        staged.commit(path, publish=publish)


@contextmanager
def atomic_directory(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary folder to fill, renamed to `target` when the block completes; `target`
    must not exist or be an empty folder. On failure the temporary folder is removed."""
    path = Path(target)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Cannot write {path}: the folder {folder} does not exist (create it first)."
        )
    if path.exists() and not (path.is_dir() and not any(path.iterdir())):
        raise FileExistsError(f"Cannot write {path}: it exists and is not an empty folder.")
    temp = Path(
        tempfile.mkdtemp(prefix=partial_prefix(path.name), suffix=PARTIAL_SUFFIX, dir=folder)
    )
    try:
        yield temp
        if path.exists():
            path.rmdir()
        os.replace(temp, path)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder: written, flushed
    to disk (fsync), then renamed over `path`. If anything fails the temporary file is
    removed, an existing `path` is left as it was, and the error propagates.

    Raises TypeError when `data` is not bytes, FileNotFoundError when the folder does not
    exist, IsADirectoryError when `path` is a folder, and OSError for what the disk says.
    """
    target = Path(path)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(
            f"atomic_write needs bytes to write to {target.name}, not "
            f"{type(data).__name__}; encode text first (text.encode('utf-8'))."
        )
    with atomic_binary(target) as out:
        out.write(data)


__all__ = [
    "PARTIAL_SUFFIX",
    "Publish",
    "StagedFile",
    "atomic_binary",
    "atomic_directory",
    "atomic_path",
    "atomic_text",
    "atomic_write",
    "partial_prefix",
    "staged_file",
]
