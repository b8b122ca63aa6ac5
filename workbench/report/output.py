"""Writing a report or letter file: to a temporary name in the destination folder, then
renamed over the target, so a failure (full disk, template error, missing font, a crash)
never leaves a half-written file under the real name."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from workbench.atomicfile import Publish, atomic_path
from workbench.errors import WorkbenchError


class OutputError(WorkbenchError):
    """The destination cannot be written."""


def _check_folder(target: Path) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"Cannot write {target}: the folder {folder} does not exist.")
    if target.is_dir():
        raise OutputError(f"Cannot write {target}: it is a folder; give a file name.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(
            f"Cannot write {target}: no permission to write in {folder}. Choose another folder."
        )


def write_atomic(
    target: Path,
    produce: Callable[[Path], None],
    publish: Publish | None = None,
) -> Path:
    """Call `produce(temp_path)` to write the content, then rename it to `target`. On any
    error the temporary file is removed and the error propagates. `publish(rename)`, when
    given, must call `rename()`: the caller wraps it, e.g. in the transaction that audits
    the file, so that the file appears only if its audit event is committed."""
    target = Path(target)
    _check_folder(target)
    try:
        with atomic_path(target, publish=publish) as temp:
            produce(temp)
    except OSError as exc:
        raise OutputError(f"Cannot write {target}: {exc.strerror or exc}.") from exc
    return target


def write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
