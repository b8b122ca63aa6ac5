"""Export destinations: checked with a message the user can act on, then written through
`workbench.atomicfile` (a temporary name next to the target, renamed when complete), so a
failure or a cancel never leaves a half-written file behind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from workbench import atomicfile
from workbench.errors import ValidationError


def _check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise ValidationError(
            f"The folder {folder} does not exist; create it or choose another destination."
        )


def _check_target(target: Path) -> None:
    if target.is_dir():
        raise ValidationError(f"{target} is a folder; give a file name to write.")
    parent = target.parent
    _check_folder(parent)
    if not os.access(parent, os.W_OK):
        raise ValidationError(
            f"Cannot write to {parent} (permission denied); choose another destination."
        )


@contextmanager
def atomic_binary(target: Path) -> Iterator[BinaryIO]:
    """A binary file to write; it appears as `target` only if the block completes."""
    target = Path(target)
    _check_target(target)
    with atomicfile.atomic_binary(target) as out:
        yield out


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
    _check_folder(target.parent)
    with atomicfile.atomic_directory(target) as temp:
        yield temp
