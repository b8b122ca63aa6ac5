"""Evidence records: metadata in the database, content in the blob store, verified on read."""

from __future__ import annotations

import builtins
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from workbench.audit import PendingEvent, append_event
from workbench.errors import IntegrityError, NotFoundError, ValidationError
from workbench.model import Evidence
from workbench.store.rows import evidence_from_row, new_id
from workbench.store.schema import cases, evidence
from workbench.timeutil import utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace


@dataclass(frozen=True)
class VerifyResult:
    evidence: Evidence
    ok: bool
    detail: str


class EvidenceRepository:
    def __init__(self, workspace: Workspace):
        self._ws = workspace

    def add_file(
        self,
        case_id: str,
        path: Path,
        *,
        description: str = "",
        source_url: str | None = None,
        sensitivity: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Evidence:
        """Hash while copying into the blob store (streamed: size is no limit), then record."""
        path = Path(path)
        if not path.is_file():
            raise ValidationError(f"{path} is not a readable file.")
        sha256, size = self._ws.blobs.put_file(path)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return self._record(
            case_id,
            sha256,
            size,
            path.name,
            mime,
            description,
            source_url,
            sensitivity,
            metadata or {},
        )

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
    ) -> Evidence:
        sha256, size = self._ws.blobs.put_bytes(data)
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return self._record(
            case_id,
            sha256,
            size,
            filename,
            mime,
            description,
            source_url,
            sensitivity,
            metadata or {},
        )

    def _record(
        self,
        case_id: str,
        sha256: str,
        size: int,
        filename: str,
        mime: str,
        description: str,
        source_url: str | None,
        sensitivity: str | None,
        metadata: dict[str, Any],
    ) -> Evidence:
        evidence_id = new_id()
        values: dict[str, Any] = {
            "id": evidence_id,
            "case_id": case_id,
            "sha256": sha256,
            "size": size,
            "filename": filename,
            "mime_type": mime,
            "description": description,
            "source_url": source_url,
            "sensitivity": sensitivity,
            "metadata": metadata,
            "collected_by": self._ws.actor,
            "collected_at": utcnow(),
        }
        with self._ws.write() as conn:
            if conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
                raise NotFoundError(f"No case with id {case_id!r}.")
            conn.execute(insert(evidence).values(**values))
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "evidence.collect",
                    "evidence",
                    values["id"],
                    case_id,
                    {
                        "sha256": sha256,
                        "size": size,
                        "filename": filename,
                        "mime_type": mime,
                        "source_url": source_url,
                    },
                ),
            )
        return self.get(evidence_id)

    def get(self, evidence_id: str) -> Evidence:
        with self._ws.read() as conn:
            row = conn.execute(select(evidence).where(evidence.c.id == evidence_id)).first()
        if row is None:
            raise NotFoundError(f"No evidence with id {evidence_id!r}.")
        return evidence_from_row(row)

    def list(self, case_id: str) -> builtins.list[Evidence]:
        with self._ws.read() as conn:
            rows = conn.execute(
                select(evidence)
                .where(evidence.c.case_id == case_id)
                .order_by(evidence.c.collected_at)
            )
            return [evidence_from_row(r) for r in rows]

    def read(self, evidence_id: str) -> bytes:
        """The original bytes, checked against the hash taken at collection."""
        item = self.get(evidence_id)
        return self._ws.blobs.read_verified(item.sha256)

    def verify_case(self, case_id: str) -> builtins.list[VerifyResult]:
        results = []
        for item in self.list(case_id):
            try:
                actual = self._ws.blobs.hash_of_stored(item.sha256)
            except NotFoundError as exc:
                results.append(VerifyResult(item, False, str(exc)))
                continue
            if actual == item.sha256:
                results.append(VerifyResult(item, True, "hash matches"))
            else:
                results.append(VerifyResult(item, False, f"now hashes to {actual}"))
        return results


__all__ = ["EvidenceRepository", "IntegrityError", "VerifyResult"]
