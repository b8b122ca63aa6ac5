"""Import a mapped CSV / JSON-lines export into a case: streamed, de-duplicated, atomic.

Phase 1 reads the file without touching the workspace: every row is mapped, its values
normalised (cached: exports repeat the same accounts and addresses), rejected rows go to
the report (first N) and, on request, to a CSV file; distinct entities and links are kept
by normalised value (memory grows with the distinct values, not with the rows); `each_row`
links are spooled to a temporary file. Cancel or an error here writes nothing.

Phase 2 is ONE write transaction: entities are matched against the case's existing ones
(type + normalised value), new rows go in through the executemany fast path, existing ones
get a provenance record, and one audit event holds the counts, the mapping and the file's
SHA-256. A cancel or an error inside it rolls everything back: the case is unchanged.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from workbench.audit import PendingEvent, append_event
from workbench.errors import ValidationError, WorkbenchError
from workbench.store.rows import new_id
from workbench.store.schema import cases
from workbench.store.workspace import Workspace
from workbench.tabular.collect import Collector, RejectedRow
from workbench.tabular.mapping import DELIMITERS, TableMapping
from workbench.tabular.reader import Detected, TableFormatError, TableReader, detect
from workbench.tabular.write import Written, plan, write

Progress = Callable[[int, int, int], None]  # bytes read, total bytes, rows read
Cancelled = Callable[[], bool]

PROGRESS_EVERY = 4096  # rows (a multiple of READ_CHUNK)
# Rows mapped together (Collector.rows). Small enough that the rows of a chunk are gone
# before the garbage collector's first generation fills up (700 new objects): with larger
# chunks it would move every row to the older generations and walk them there again.
READ_CHUNK = 512


class ImportCancelled(WorkbenchError):
    """The user stopped the import; nothing was written."""


@dataclass
class ImportReport:
    file: str
    file_sha256: str
    size: int
    detected: str
    mapping: str
    dry_run: bool
    import_id: str = ""
    rows_read: int = 0
    rows_imported: int = 0
    rows_rejected: int = 0
    entities_new: dict[str, int] = field(default_factory=dict)
    entities_existing: dict[str, int] = field(default_factory=dict)
    links_new: int = 0
    links_existing: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)  # the first N
    rejects_file: str | None = None
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        new = sum(self.entities_new.values())
        old = sum(self.entities_existing.values())
        verb = "Would import" if self.dry_run else "Imported"
        text = (
            f"{verb} {self.rows_imported} of {self.rows_read} rows from {self.file}: "
            f"{new} new entities, {old} already in the case, {self.links_new} new links"
            + (f" ({self.links_existing} already there)" if self.links_existing else "")
            + f"; {self.rows_rejected} rows rejected."
        )
        if self.rejects_file:
            text += f" Rejected rows: {self.rejects_file}."
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "file_sha256": self.file_sha256,
            "size": self.size,
            "detected": self.detected,
            "mapping": self.mapping,
            "dry_run": self.dry_run,
            "import_id": self.import_id,
            "rows_read": self.rows_read,
            "rows_imported": self.rows_imported,
            "rows_rejected": self.rows_rejected,
            "entities_new": dict(self.entities_new),
            "entities_existing": dict(self.entities_existing),
            "links_new": self.links_new,
            "links_existing": self.links_existing,
            "rejected": [
                {"line": r.line, "reason": r.reason, "values": r.values} for r in self.rejected
            ],
            "rejects_file": self.rejects_file,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second),
        }


# ---- checks before reading -------------------------------------------------------------


def check_columns(detected: Detected, mapping: TableMapping) -> None:
    """A clear error when the file lacks columns the mapping reads (naming the detected
    delimiter when the wrong one split the header)."""
    missing = mapping.missing_columns(detected.columns)
    if not missing:
        return
    if detected.format == "jsonl":
        required = {e.value for e in mapping.entities if e.required}
        missing = [column for column in missing if column in required]
        if not missing:
            return  # optional keys may be absent from the first objects
    sniffed = detected.sniffed_delimiter
    if detected.format == "csv" and sniffed and sniffed != detected.delimiter:
        resplit = detected.head[0] if detected.head else ()
        raise TableFormatError(
            f"{detected.path.name}: the columns are separated by "
            f"{_delimiter_name(sniffed)} (detected), but the import splits them on "
            f"{_delimiter_name(detected.delimiter)}, so the header reads as "
            f"{list(detected.columns)[:3]}{'...' if len(detected.columns) > 3 else ''} "
            f"and lacks {', '.join(repr(m) for m in missing)}. Choose the delimiter "
            f"{_delimiter_name(sniffed)} (--delimiter '{_shell(sniffed)}', or the Delimiter "
            "box) or set it in the mapping."
            + (f" First row: {list(resplit)[:3]}." if resplit and len(resplit) < 2 else "")
        )
    raise TableFormatError(
        f"{detected.path.name} has no column {', '.join(repr(m) for m in missing)}, which "
        f"mapping {mapping.name!r} reads. Its columns are: "
        f"{', '.join(repr(c) for c in detected.columns[:30]) or '(none)'}. Edit the mapping or "
        "choose the right file."
    )


def _delimiter_name(delimiter: str | None) -> str:
    if delimiter is None:
        return "(none)"
    return f"{DELIMITERS.get(delimiter, 'character')} {delimiter!r}"


def _shell(delimiter: str) -> str:
    return "\\t" if delimiter == "\t" else delimiter


# ---- the import --------------------------------------------------------------------------


def import_table(
    ws: Workspace,
    case_id: str,
    path: Path,
    mapping: TableMapping,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    dry_run: bool = False,
    rejects_out: Path | None = None,
    keep_rejected: int = 100,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ImportReport:
    """Import `path` into `case_id` with `mapping` (see the module docstring).

    `encoding` is the declared fallback for files that are neither UTF-8 nor marked by a
    BOM; `delimiter` overrides the mapping's. `progress(bytes_read, total_bytes, rows)` is
    called every few thousand rows; `cancelled()` returning True stops the import with
    ImportCancelled and the case unchanged."""
    started = time.perf_counter()
    vocabulary = ws.graph.vocabulary
    mapping.validate(vocabulary)
    with ws.read() as conn:
        if conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
            raise ValidationError(f"No case with id {case_id!r}; choose an existing case.")
    detected = detect(
        Path(path),
        encoding=encoding or mapping.encoding,
        delimiter=delimiter or mapping.delimiter,
        format=mapping.format,
    )
    check_columns(detected, mapping)
    columns = mapping.columns()
    reader = TableReader(detected)
    collector = Collector(mapping, vocabulary, columns, reader.positions(columns))
    collector.keep = keep_rejected
    report = ImportReport(
        file=detected.path.name,
        file_sha256="",
        size=detected.size,
        detected=detected.describe(),
        mapping=mapping.name,
        dry_run=dry_run,
    )

    def check() -> None:
        if cancelled is not None and cancelled():
            raise ImportCancelled("The import was cancelled; the case was not changed.")

    rejects_tmp: Path | None = None
    try:
        with _rejects_writer(rejects_out, columns) as (rejects_csv, rejects_tmp):
            collector.rejects_out = rejects_csv
            report.rows_read = _read_all(reader, collector, progress, check)
        report.file_sha256 = reader.sha256
        report.rows_imported = collector.rows_imported
        report.rows_rejected = collector.rows_rejected
        report.rejected = collector.rejected
        if dry_run:
            with ws.read() as conn:
                written = plan(conn, case_id, collector)
        else:
            report.import_id = new_id()
            with ws.write() as conn:
                written = write(
                    conn,
                    case_id,
                    collector,
                    actor=ws.actor,
                    ref=f"import:{report.import_id}",
                    note=f"tabular import of {detected.path.name} (mapping {mapping.name})",
                    check=check,
                )
                _apply(report, written)
                append_event(
                    conn, ws.actor, _audit_event(report, written, mapping, detected, case_id)
                )
        _apply(report, written)
        if rejects_tmp is not None and rejects_out is not None:
            os.replace(rejects_tmp, rejects_out)
            rejects_tmp = None
            report.rejects_file = str(rejects_out)
    finally:
        collector.close()
        if rejects_tmp is not None and rejects_tmp.exists():
            rejects_tmp.unlink()
    report.seconds = time.perf_counter() - started
    return report


def _apply(report: ImportReport, written: Written) -> None:
    report.entities_new = dict(written.entities_new)
    report.entities_existing = dict(written.entities_existing)
    report.links_new = written.links_new
    report.links_existing = written.links_existing


def _audit_event(
    report: ImportReport,
    written: Written,
    mapping: TableMapping,
    detected: Detected,
    case_id: str,
) -> PendingEvent:
    return PendingEvent(
        "table.import",
        "import",
        report.import_id,
        case_id,
        {
            "file": detected.path.name,
            "file_sha256": report.file_sha256,
            "size": detected.size,
            "format": detected.describe(),
            "mapping": mapping.to_dict(),
            "rows_read": report.rows_read,
            "rows_imported": report.rows_imported,
            "rows_rejected": report.rows_rejected,
            "entities_new": dict(written.entities_new),
            "entities_existing": dict(written.entities_existing),
            "links_new": written.links_new,
            "links_existing": written.links_existing,
            "first_entity_id": written.first_entity_id,
            "last_entity_id": written.last_entity_id,
            "rows_sha256": written.rows_sha256,
        },
    )


@contextlib.contextmanager
def _rejects_writer(target: Path | None, columns: list[str]) -> Iterator[tuple[Any, Path | None]]:
    """A csv.writer on a temporary file beside `target` (renamed by the caller on success)."""
    if target is None:
        yield None, None
        return
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(f"Cannot write rejected rows to {target}: {folder} is not a folder.")
    handle, name = tempfile.mkstemp(prefix=".rejects-", suffix=".csv", dir=folder)
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "reason", *columns])
        yield writer, Path(name)


def _read_all(
    reader: TableReader,
    collector: Collector,
    progress: Progress | None,
    check: Callable[[], None],
) -> int:
    total = reader.total_bytes
    count = 0
    for lines, records in reader.chunks(collector.columns, READ_CHUNK):
        collector.rows(lines, records)
        count += len(lines)
        if count % PROGRESS_EVERY == 0:
            check()
            if progress is not None:
                progress(reader.bytes_read, total, count)
    if progress is not None:
        progress(total, total, count)
    return count
