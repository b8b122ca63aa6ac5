"""Write a file under a temporary name next to its target and rename it when complete, so a
failure or a cancel never leaves a half-written file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from workbench.errors import ValidationError


def _check_target(target: Path) -> None:
    if target.is_dir():
        raise ValidationError(f"{target} is a folder; give a file name to write.")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise ValidationError(
            f"The folder {parent} does not exist; create it or choose another destination."
        )
    if not os.access(parent, os.W_OK):
        raise ValidationError(
            f"Cannot write to {parent} (permission denied); choose another destination."
        )


@contextmanager
def atomic_binary(target: Path) -> Iterator[BinaryIO]:
    """A binary file to write; it appears as `target` only if the block completes."""
    target = Path(target)
    _check_target(target)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, target)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise


def write_text_atomic(target: Path, text: str) -> Path:
    with atomic_binary(target) as out:
        out.write(text.encode("utf-8"))
    return target


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """A folder to fill; renamed to `target` (which must not exist yet) when complete."""
    target = Path(target)
    if target.exists() and not (target.is_dir() and not any(target.iterdir())):
        raise ValidationError(
            f"{target} already exists and is not an empty folder; choose a new folder name."
        )
    parent = target.parent
    if not parent.is_dir():
        raise ValidationError(
            f"The folder {parent} does not exist; create it or choose another destination."
        )
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=parent))
    try:
        yield temp
        if target.exists():
            target.rmdir()
        os.replace(temp, target)
    except BaseException:
        for child in temp.glob("*"):
            child.unlink()
        if temp.exists():
            temp.rmdir()
        raise
