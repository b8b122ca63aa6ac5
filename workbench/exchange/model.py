"""What an import reads from a file before anything is written: nodes, edges, the file's
identity (name, size, SHA-256) and notes for the user; and what an import reports back."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import ValidationError, WorkbenchError

Progress = Callable[[int, int], None]  # (done, total)
Cancelled = Callable[[], bool]

# Imports read the whole graph into memory (networkx) before one transaction writes it, so
# they are capped; the message says what to do instead.
MAX_GRAPH_FILE_BYTES = 256 * 1024 * 1024
MAX_ITEMS = 2_000_000


class ImportCancelled(WorkbenchError):
    """The user cancelled; nothing was written."""


@dataclass(frozen=True)
class ImportNode:
    key: str  # the node's id in the file
    type: str
    value: str
    label: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] | None = None


@dataclass(frozen=True)
class ImportEdge:
    key: str  # the edge's id in the file (or its position)
    source: str
    target: str
    type: str
    confidence: str = "suspected"
    reliability: str | None = None
    credibility: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class SourceFile:
    path: Path
    format: str
    size: int
    sha256: str

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class ImportPlan:
    source: SourceFile
    nodes: list[ImportNode]
    edges: list[ImportEdge]
    notes: list[str] = field(default_factory=list)
    other_files: list[SourceFile] = field(default_factory=list)  # e.g. links.csv


@dataclass(frozen=True)
class ImportResult:
    case_id: str
    format: str
    source_name: str
    sha256: str
    entities: int
    links: int
    skipped_self_loops: int
    already_in_case: int
    dry_run: bool
    notes: tuple[str, ...] = ()
    entity_types: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        types = ", ".join(f"{n} {t}" for t, n in sorted(self.entity_types.items()))
        text = (
            f"{verb} {self.entities} entities ({types or 'none'}) and {self.links} links "
            f"from {self.source_name} ({self.format}, SHA-256 {self.sha256[:16]}...)"
        )
        if self.skipped_self_loops:
            text += f"; skipped {self.skipped_self_loops} self-loops"
        if self.already_in_case:
            text += (
                f"; {self.already_in_case} entities have the same type and value as ones "
                "already in the case (review them with the merge tool)"
            )
        return text + "."


def describe_source(path: Path, fmt: str, *, max_bytes: int | None = None) -> SourceFile:
    """Name, size and SHA-256 of an input file (hashed in chunks), with readable errors."""
    path = Path(path)
    if not path.exists():
        raise ValidationError(f"{path} does not exist; check the path and try again.")
    if path.is_dir():
        raise ValidationError(f"{path} is a folder; give the {fmt} file itself.")
    try:
        size = path.stat().st_size
        if size == 0:
            raise ValidationError(f"{path.name} is empty (0 bytes): there is nothing to import.")
        if max_bytes is not None and size > max_bytes:
            raise ValidationError(
                f"{path.name} is {size / 1e6:.0f} MB; a {fmt} import is limited to "
                f"{max_bytes / 1e6:.0f} MB because the whole graph is read into memory before "
                "one transaction writes it. Split the file, or convert it to CSV (entities.csv "
                "+ links.csv), which is read as a stream."
            )
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
    except PermissionError as exc:
        raise ValidationError(f"{path} cannot be read (permission denied).") from exc
    return SourceFile(path=path, format=fmt, size=size, sha256=digest.hexdigest())
