"""Evidence records: metadata in the database, content in the blob store, verified on read.

Collecting an item hashes it while streaming it into the content-addressed blob store (so
originals are immutable and size is no limit), reads what it is and says (MIME type from
the content, text for search, thumbnail, EXIF), then writes in ONE transaction the evidence
row, its details (kind, copy type, lineage, integrity), its text, and the custody event
"collect" with its audit twin. A failure at any step leaves no row and no new blob.

Integrity checks, exports and the custody actions live in `workbench.evidence.integrity`,
links to the graph in `workbench.evidence.links`; this class mixes them in so that the UI,
the CLI and the tests all use `ws.evidence`.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select

from workbench.errors import IntegrityError, NotFoundError, ValidationError
from workbench.evidence.custody import custody_of, record_custody
from workbench.evidence.errors import storage_error
from workbench.evidence.integrity import IntegrityMixin, VerifyResult
from workbench.evidence.links import LinksMixin
from workbench.evidence.model import (
    CopyType,
    CustodyAction,
    CustodyEvent,
    EvidenceDetails,
    EvidenceKind,
    Integrity,
)
from workbench.model import Evidence
from workbench.store.rows import evidence_from_row, new_id
from workbench.store.schema import cases, evidence, evidence_details, evidence_text
from workbench.timeutil import to_iso, utcnow

if TYPE_CHECKING:
    from workbench.evidence.analysis import Analysis
    from workbench.store.workspace import Workspace

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Lineage:
    """Where a derived item comes from (working copy / production -> original)."""

    parent_id: str
    copy_type: CopyType
    derivation: str
    purpose: str


class EvidenceRepository(IntegrityMixin, LinksMixin):
    def __init__(self, workspace: Workspace):
        self._ws = workspace

    # ---- collection ------------------------------------------------------------------
    def add_file(
        self,
        case_id: str,
        path: Path,
        *,
        description: str = "",
        source_url: str | None = None,
        sensitivity: str | None = None,
        metadata: dict[str, Any] | None = None,
        mime_type: str | None = None,
        kind: EvidenceKind = EvidenceKind.FILE,
        text: str | None = None,
        filename: str | None = None,
        purpose: str = "",
        progress: Progress | None = None,
        lineage: Lineage | None = None,
    ) -> Evidence:
        """Hash while copying into the blob store (streamed: size is no limit), then record.

        `progress(bytes_done)` is called per chunk; raising from it (e.g. RunCancelled)
        stops the import and leaves nothing behind."""
        path = Path(path)
        before = _source_stat(path)
        self._require_case(case_id)
        sha256, size = self._put(lambda: self._ws.blobs.put_file(path, progress), path.name)
        try:
            _check_unchanged(path, before, size)
            info = dict(metadata or {})
            if kind is EvidenceKind.FILE and lineage is None:
                info.setdefault(
                    "file",
                    {
                        "original_name": path.name,
                        "original_path": str(path.resolve()),
                        "modified_at": to_iso(_mtime(before.st_mtime)),
                    },
                )
            return self._collect(
                case_id,
                sha256,
                size,
                filename or path.name,
                description=description,
                source_url=source_url,
                sensitivity=sensitivity,
                metadata=info,
                mime_type=mime_type,
                kind=kind,
                text=text,
                purpose=purpose,
                lineage=lineage,
            )
        except BaseException:
            self._discard_blob(sha256)
            raise

    def add_bytes(
        self,
        case_id: str,
        data: bytes,
        filename: str,
        *,
        description: str = "",
        mime_type: str | None = None,
        source_url: str | None = None,
        sensitivity: str | None = None,
        metadata: dict[str, Any] | None = None,
        purpose: str = "",
    ) -> Evidence:
        if not data:
            raise ValidationError(f"{filename} is empty (0 bytes): there is nothing to keep.")
        self._require_case(case_id)
        sha256, size = self._put(lambda: self._ws.blobs.put_bytes(data), filename)
        try:
            return self._collect(
                case_id,
                sha256,
                size,
                filename,
                description=description,
                source_url=source_url,
                sensitivity=sensitivity,
                metadata=dict(metadata or {}),
                mime_type=mime_type,
                purpose=purpose,
            )
        except BaseException:
            self._discard_blob(sha256)
            raise

    def _put(self, put: Callable[[], tuple[str, int]], name: str) -> tuple[str, int]:
        try:
            return put()
        except FileNotFoundError as exc:
            raise ValidationError(
                f"{name} was deleted or moved before it could be read; nothing was kept."
            ) from exc
        except PermissionError as exc:
            raise ValidationError(
                f"{name} cannot be read (permission denied); nothing was kept. Copy it "
                "somewhere readable or fix its permissions, then add it again."
            ) from exc
        except OSError as exc:
            raise storage_error(exc, name) from exc

    def _require_case(self, case_id: str) -> None:
        with self._ws.read() as conn:
            if conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
                raise NotFoundError(f"No case with id {case_id!r}.")

    def _discard_blob(self, sha256: str) -> None:
        """Remove a blob this failed collection wrote, unless a committed item uses it."""
        with self._ws.write() as conn:
            used = conn.execute(
                select(evidence.c.id).where(evidence.c.sha256 == sha256).limit(1)
            ).first()
            if used is None:
                path = self._ws.blobs.path_for(sha256)
                if path.exists():
                    os.chmod(path, 0o644)
                    path.unlink()

    def _analyse(self, sha256: str, filename: str, mime_type: str | None) -> Analysis:
        from workbench.evidence.analysis import analyse

        return analyse(self._ws.blobs.path_for(sha256), filename, mime_type)

    def _collect(
        self,
        case_id: str,
        sha256: str,
        size: int,
        filename: str,
        *,
        description: str,
        source_url: str | None,
        sensitivity: str | None,
        metadata: dict[str, Any],
        mime_type: str | None = None,
        kind: EvidenceKind = EvidenceKind.FILE,
        text: str | None = None,
        purpose: str = "",
        lineage: Lineage | None = None,
    ) -> Evidence:
        from workbench.evidence.collector import collector_block

        analysis = self._analyse(sha256, filename, mime_type)
        metadata = {**analysis.metadata, **metadata}
        metadata.setdefault("collector", collector_block(self._ws.actor))
        if analysis.problems:
            metadata["analysis_problems"] = analysis.problems
        evidence_id = new_id()
        now = utcnow()
        values: dict[str, Any] = {
            "id": evidence_id,
            "case_id": case_id,
            "sha256": sha256,
            "size": size,
            "filename": filename[:500],
            "mime_type": analysis.mime_type,
            "description": description,
            "source_url": source_url,
            "sensitivity": sensitivity or None,
            "metadata": metadata,
            "collected_by": self._ws.actor,
            "collected_at": now,
        }
        body = analysis.text if text is None else text
        with self._ws.write() as conn:
            if conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
                raise NotFoundError(f"No case with id {case_id!r}.")
            if not self._ws.blobs.path_for(sha256).exists():
                raise IntegrityError(
                    f"The stored copy of {filename} vanished while it was being recorded "
                    "(another import of the same content failed at the same moment). Nothing "
                    "was kept; add it again."
                )
            conn.execute(insert(evidence).values(**values))
            conn.execute(
                insert(evidence_details).values(
                    evidence_id=evidence_id,
                    case_id=case_id,
                    kind=(EvidenceKind.DERIVED if lineage else kind).value,
                    copy_type=(lineage.copy_type if lineage else CopyType.ORIGINAL).value,
                    parent_id=lineage.parent_id if lineage else None,
                    derivation=lineage.derivation if lineage else None,
                    integrity=Integrity.OK.value,
                    integrity_detail="hashed at collection",
                    checked_at=now,
                    thumbnail_png=analysis.thumbnail_png,
                )
            )
            if body and body.strip():
                conn.execute(
                    insert(evidence_text).values(
                        evidence_id=evidence_id, case_id=case_id, text=body
                    )
                )
            summary = {
                "sha256": sha256,
                "size": size,
                "filename": values["filename"],
                "mime_type": analysis.mime_type,
                "source_url": source_url,
                "kind": kind.value,
            }
            if lineage is not None:
                summary["derived_from"] = lineage.parent_id
                summary["derivation"] = lineage.derivation
                parent_sha = conn.execute(
                    select(evidence.c.sha256).where(evidence.c.id == lineage.parent_id)
                ).scalar_one()
                record_custody(
                    conn,
                    self._ws.actor,
                    evidence_id=lineage.parent_id,
                    case_id=case_id,
                    action=CustodyAction.COPY,
                    purpose=lineage.purpose,
                    hash_before=parent_sha,
                    hash_after=sha256,
                    integrity=Integrity.OK,
                    detail={"copy_id": evidence_id, "derivation": lineage.derivation},
                )
            record_custody(
                conn,
                self._ws.actor,
                evidence_id=evidence_id,
                case_id=case_id,
                action=CustodyAction.COLLECT,
                purpose=purpose or ("derived copy" if lineage else "collected"),
                hash_after=sha256,
                integrity=Integrity.OK,
                detail=summary,
            )
        return self.get(evidence_id)

    # ---- items written by other writers (intake, data sources) ---------------------------
    def register_untracked(self, case_id: str) -> int:
        """Give items written directly by the intake or source writers their details, text and
        a custody entry; returns how many were registered."""
        with self._ws.read() as conn:
            rows = conn.execute(
                select(evidence)
                .outerjoin(evidence_details, evidence_details.c.evidence_id == evidence.c.id)
                .where(evidence.c.case_id == case_id, evidence_details.c.evidence_id.is_(None))
            ).all()
        for row in rows:
            item = evidence_from_row(row)
            path = self._ws.blobs.path_for(item.sha256)
            analysis = (
                self._analyse(item.sha256, item.filename, item.mime_type) if path.exists() else None
            )
            with self._ws.write() as conn:
                if conn.execute(
                    select(evidence_details.c.evidence_id).where(
                        evidence_details.c.evidence_id == item.id
                    )
                ).first():
                    continue
                _insert_late_details(conn, item, analysis)
                record_custody(
                    conn,
                    self._ws.actor,
                    evidence_id=item.id,
                    case_id=case_id,
                    action=CustodyAction.COLLECT,
                    purpose="registered in the evidence locker",
                    hash_after=item.sha256,
                    detail={
                        "collected_by": item.collected_by,
                        "collected_at": to_iso(item.collected_at),
                        "registered_late": True,
                    },
                )
        return len(rows)

    # ---- reading -----------------------------------------------------------------------
    def get(self, evidence_id: str) -> Evidence:
        with self._ws.read() as conn:
            row = conn.execute(select(evidence).where(evidence.c.id == evidence_id)).first()
        if row is None:
            raise NotFoundError(f"No evidence with id {evidence_id!r}.")
        return evidence_from_row(row)

    def resolve(self, ref: str, case_id: str | None = None) -> Evidence:
        """An item by full id or an unambiguous id prefix (at least 6 characters)."""
        ref = ref.strip()
        with self._ws.read() as conn:
            query = select(evidence).where(evidence.c.id.like(ref + "%"))
            if case_id is not None:
                query = query.where(evidence.c.case_id == case_id)
            rows = conn.execute(query.limit(3)).all() if len(ref) >= 6 else []
        exact = [r for r in rows if r.id == ref]
        if exact or len(rows) == 1:
            return evidence_from_row((exact or rows)[0])
        if len(rows) > 1:
            raise ValidationError(f"{ref!r} matches several evidence items; give more of the id.")
        raise NotFoundError(
            f"No evidence with id {ref!r}. See `workbench evidence list --case CASE`."
        )

    def list(self, case_id: str) -> builtins.list[Evidence]:
        with self._ws.read() as conn:
            rows = conn.execute(
                select(evidence)
                .where(evidence.c.case_id == case_id)
                .order_by(evidence.c.collected_at, evidence.c.id)
            )
            return [evidence_from_row(r) for r in rows]

    def count(self, case_id: str) -> int:
        with self._ws.read() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(evidence).where(evidence.c.case_id == case_id)
                ).scalar_one()
            )

    def page(
        self, case_id: str, offset: int, limit: int
    ) -> builtins.list[tuple[Evidence, EvidenceDetails | None]]:
        """Items with their details in collection order, one page (lazy tables)."""
        with self._ws.read() as conn:
            rows = conn.execute(
                select(evidence, *_detail_columns())
                .outerjoin(evidence_details, evidence_details.c.evidence_id == evidence.c.id)
                .where(evidence.c.case_id == case_id)
                .order_by(evidence.c.collected_at, evidence.c.id)
                .offset(offset)
                .limit(limit)
            ).all()
        return [(evidence_from_row(r), _details_from_row(r)) for r in rows]

    def details(self, evidence_id: str) -> EvidenceDetails | None:
        with self._ws.read() as conn:
            row = conn.execute(
                select(*_detail_columns()).where(evidence_details.c.evidence_id == evidence_id)
            ).first()
        return _details_from_row(row) if row is not None else None

    def derived_copies(self, evidence_id: str) -> builtins.list[Evidence]:
        with self._ws.read() as conn:
            rows = conn.execute(
                select(evidence)
                .join(evidence_details, evidence_details.c.evidence_id == evidence.c.id)
                .where(evidence_details.c.parent_id == evidence_id)
                .order_by(evidence.c.collected_at)
            )
            return [evidence_from_row(r) for r in rows]

    def thumbnail(self, evidence_id: str) -> bytes | None:
        with self._ws.read() as conn:
            value = conn.execute(
                select(evidence_details.c.thumbnail_png).where(
                    evidence_details.c.evidence_id == evidence_id
                )
            ).scalar_one_or_none()
        return bytes(value) if value is not None else None

    def text(self, evidence_id: str) -> str:
        with self._ws.read() as conn:
            value = conn.execute(
                select(evidence_text.c.text).where(evidence_text.c.evidence_id == evidence_id)
            ).scalar_one_or_none()
        return str(value or "")

    def custody(self, evidence_id: str) -> builtins.list[CustodyEvent]:
        with self._ws.read() as conn:
            return custody_of(conn, [evidence_id])

    def read(self, evidence_id: str) -> bytes:
        """The original bytes, checked against the hash taken at collection (a mismatch is
        recorded in the custody log and raised)."""
        item = self.get(evidence_id)
        try:
            return self._ws.blobs.read_verified(item.sha256)
        except (IntegrityError, NotFoundError) as exc:
            self._record_failure(item, exc)
            raise


def _source_stat(path: Path) -> os.stat_result:
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise ValidationError(f"{path} does not exist; nothing was added.") from exc
    except OSError as exc:
        raise ValidationError(f"{path} cannot be read ({exc.strerror}).") from exc
    if path.is_dir():
        raise ValidationError(f"{path} is a folder; add the files inside it one by one.")
    if not path.is_file():
        raise ValidationError(f"{path} is not a readable file.")
    if info.st_size == 0:
        raise ValidationError(
            f"{path.name} is empty (0 bytes): there is nothing to keep as evidence. If the "
            "empty file itself matters, describe it in a case note."
        )
    return info


def _check_unchanged(path: Path, before: os.stat_result, copied: int) -> None:
    try:
        after = path.stat()
    except FileNotFoundError as exc:
        raise ValidationError(
            f"{path.name} was deleted while it was being imported, so what was read cannot be "
            "tied to a file that still exists. Nothing was kept; import it again from a "
            "stable copy."
        ) from exc
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
        copied != before.st_size
    ):
        raise ValidationError(
            f"{path.name} changed while it was being imported ({before.st_size} bytes before, "
            f"{copied} read). Nothing was kept; import it again once nothing writes to it."
        )


def _mtime(timestamp: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC)


def _detail_columns() -> builtins.list[Any]:
    c = evidence_details.c
    return [
        c.evidence_id.label("d_evidence_id"),
        c.case_id.label("d_case_id"),
        c.kind,
        c.copy_type,
        c.parent_id,
        c.derivation,
        c.integrity,
        c.integrity_detail,
        c.checked_at,
        c.thumbnail_png.is_not(None).label("has_thumbnail"),
    ]


def _details_from_row(row: Any) -> EvidenceDetails | None:
    if row.d_evidence_id is None:
        return None
    return EvidenceDetails(
        evidence_id=row.d_evidence_id,
        case_id=row.d_case_id,
        kind=EvidenceKind(row.kind),
        copy_type=CopyType(row.copy_type),
        parent_id=row.parent_id,
        derivation=row.derivation,
        integrity=Integrity(row.integrity),
        integrity_detail=row.integrity_detail,
        checked_at=row.checked_at,
        has_thumbnail=bool(row.has_thumbnail),
    )


def _insert_late_details(conn: Connection, item: Evidence, analysis: Analysis | None) -> None:
    conn.execute(
        insert(evidence_details).values(
            evidence_id=item.id,
            case_id=item.case_id,
            kind=EvidenceKind.FILE.value,
            copy_type=CopyType.ORIGINAL.value,
            integrity=Integrity.UNVERIFIED.value,
            integrity_detail="not checked since it was registered",
            thumbnail_png=analysis.thumbnail_png if analysis else None,
        )
    )
    if analysis is not None and analysis.text.strip():
        conn.execute(
            insert(evidence_text).values(
                evidence_id=item.id, case_id=item.case_id, text=analysis.text
            )
        )


__all__ = ["EvidenceRepository", "IntegrityError", "Lineage", "VerifyResult"]
