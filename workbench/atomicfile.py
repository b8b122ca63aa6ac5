"""Replace a file in one step: readers see the old file or the whole new one, never a part."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_PREFIX = ".part-"


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
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Cannot write {target}: the folder {folder} does not exist (create it first)."
        )
    if target.is_dir():
        raise IsADirectoryError(f"Cannot write {target}: it is a folder, not a file.")
    handle, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


__all__ = ["atomic_write"]
