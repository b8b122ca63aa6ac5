"""Read access for plugins to the evidence file behind a run's input (no network involved).

A query carries an entity's type and value, not its properties or files. A local analyser
(EXIF, file metadata...) calls `ctx.evidence_file(query)`; the runner resolves the query to
ONE evidence item of the run's case and hands back an `EvidenceFile`: its record and a
read-only path into the blob store, checked against the SHA-256 recorded at collection.
`EvidenceFile.open()` re-hashes through the same file handle it returns, so what the plugin
reads is what was verified. The plugin never sees store ids or the database.

How a query finds its item, first match wins:
1. the query entity's `evidence_id` property (a `document` entity made for a collected file);
2. the query value is the id of an evidence item of the case;
3. the query value is a SHA-256 (e.g. a `hash` entity) of an evidence item of the case;
4. exactly one evidence item is linked to the query entity (Evidence > Link to entity).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import select

from workbench.sources.errors import SourceError
from workbench.sources.results import Query
from workbench.store.schema import entities, evidence, evidence_links

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_CHUNK = 1024 * 1024


class EvidenceUnavailable(SourceError):
    """The run's input has no evidence file, or the file no longer matches its hash."""


@dataclass(frozen=True)
class EvidenceFile:
    """One evidence item, for reading only."""

    evidence_id: str
    sha256: str
    filename: str
    mime_type: str
    size: int
    path: Path  # read-only blob; verified when the item was resolved

    def open(self) -> BinaryIO:
        """The file, opened for reading after its content was hashed again through the same
        handle (raises EvidenceUnavailable if it no longer matches)."""
        handle = self.path.open("rb")
        try:
            digest = hashlib.sha256()
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
            if digest.hexdigest() != self.sha256:
                raise EvidenceUnavailable(_modified(self.filename, self.sha256))
            handle.seek(0)
            return handle
        except BaseException:
            handle.close()
            raise

    def read_bytes(self) -> bytes:
        with self.open() as handle:
            return handle.read()


def resolve_evidence(ws: Workspace | None, case_id: str | None, query: Query) -> EvidenceFile:
    """The evidence item of `case_id` behind `query` (see the module docstring), verified."""
    if ws is None or case_id is None:
        raise EvidenceUnavailable(
            "This source reads an evidence file, so it runs only on an entity of an open case "
            "(or with --case on the command line)."
        )
    with ws.read() as conn:
        evidence_id: str | None = None
        if query.entity_id is not None:
            row = conn.execute(
                select(entities.c.properties).where(
                    entities.c.id == query.entity_id, entities.c.case_id == case_id
                )
            ).first()
            properties = row.properties if row is not None else None
            if isinstance(properties, dict) and properties.get("evidence_id"):
                evidence_id = str(properties["evidence_id"])
        candidates = select(evidence).where(evidence.c.case_id == case_id)
        found = None
        if evidence_id is not None:
            found = conn.execute(candidates.where(evidence.c.id == evidence_id)).first()
            if found is None:
                raise EvidenceUnavailable(
                    f"The entity's evidence_id {evidence_id!r} names no evidence item of this "
                    "case. Fix the entity's evidence_id property or collect the file again."
                )
        value = query.value.strip()
        if found is None:
            found = conn.execute(candidates.where(evidence.c.id == value)).first()
        if found is None and _SHA256.match(value):
            found = conn.execute(
                candidates.where(evidence.c.sha256 == value.lower()).order_by(
                    evidence.c.collected_at
                )
            ).first()
        if found is None and query.entity_id is not None:
            linked = conn.execute(
                candidates.where(
                    evidence.c.id.in_(
                        select(evidence_links.c.evidence_id).where(
                            evidence_links.c.case_id == case_id,
                            evidence_links.c.object_id == query.entity_id,
                        )
                    )
                )
            ).all()
            if len(linked) > 1:
                names = ", ".join(sorted(r.filename for r in linked)[:5])
                raise EvidenceUnavailable(
                    f"{len(linked)} evidence items are linked to this entity ({names}); run the "
                    "source on one item's document or hash entity instead."
                )
            found = linked[0] if linked else None
    if found is None:
        raise EvidenceUnavailable(
            f"No evidence file of this case belongs to {query.type} {query.value[:80]!r}. "
            "Collect the file as evidence first, then run the source on its document entity "
            "(evidence_id property), its SHA-256 (hash entity) or an entity it is linked to."
        )
    return _verified(ws, found.id, found.sha256, found.filename, found.mime_type, found.size)


def _verified(
    ws: Workspace, evidence_id: str, sha256: str, filename: str, mime_type: str, size: int
) -> EvidenceFile:
    path = ws.blobs.path_for(sha256)
    if not path.is_file():
        raise EvidenceUnavailable(
            f"The file of evidence {filename!r} (SHA-256 {sha256[:12]}...) is missing from the "
            "blob store; restore the workspace folder from a backup."
        )
    if ws.blobs.hash_of_stored(sha256) != sha256:
        raise EvidenceUnavailable(_modified(filename, sha256))
    return EvidenceFile(evidence_id, sha256, filename, mime_type, int(size), path)


def _modified(filename: str, sha256: str) -> str:
    return (
        f"The stored file of evidence {filename!r} no longer matches its SHA-256 "
        f"{sha256[:12]}... recorded at collection; it was not read. Run Evidence > Verify and "
        "restore it from a backup."
    )
