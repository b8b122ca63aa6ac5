"""Writes inside one caller-owned transaction: evidence records, graph entities and links.

The repositories in `workbench.store` each open their own transaction; an import needs the
case, its escalation, its evidence and its entities to appear together or not at all, so
these helpers write the same rows and the same audit events as `EvidenceRepository` and
`GraphRepository`, on the caller's connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select

from workbench.audit import PendingEvent, append_event, append_events
from workbench.errors import ValidationError
from workbench.model import Confidence, ProvenanceKind
from workbench.store.rows import new_id
from workbench.store.schema import entities, evidence, links, provenance
from workbench.timeutil import utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace


@dataclass
class BlobJournal:
    """Blobs written for a transaction that may still roll back; `discard()` removes the ones
    that did not exist before and that no committed evidence row uses."""

    ws: Workspace
    created: list[str] = field(default_factory=list)

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        import hashlib

        sha = hashlib.sha256(data).hexdigest()
        existed = self.ws.blobs.path_for(sha).exists()
        stored = self.ws.blobs.put_bytes(data)
        if not existed:
            self.created.append(sha)
        return stored

    def discard(self) -> None:
        if not self.created:
            return
        with self.ws.read() as conn:
            used = set(
                conn.execute(
                    select(evidence.c.sha256).where(evidence.c.sha256.in_(self.created))
                ).scalars()
            )
        for sha in self.created:
            if sha in used:
                continue
            path = self.ws.blobs.path_for(sha)
            try:
                path.chmod(0o644)
                path.unlink()
            except OSError:
                pass
        self.created.clear()


def insert_evidence(
    conn: Connection,
    actor: str,
    case_id: str,
    sha256: str,
    size: int,
    filename: str,
    mime_type: str,
    description: str,
    metadata: dict[str, Any] | None = None,
    sensitivity: str | None = None,
    events: list[PendingEvent] | None = None,
) -> str:
    """Record an evidence item whose blob is stored; its audit event is appended now, or to
    `events` for the caller to append with the rest of its transaction."""
    evidence_id = new_id()
    conn.execute(
        insert(evidence),
        {
            "id": evidence_id,
            "case_id": case_id,
            "sha256": sha256,
            "size": size,
            "filename": filename,
            "mime_type": mime_type,
            "description": description,
            "source_url": None,
            "sensitivity": sensitivity,
            "metadata": metadata or {},
            "collected_by": actor,
            "collected_at": utcnow(),
        },
    )
    event = PendingEvent(
        "evidence.collect",
        "evidence",
        evidence_id,
        case_id,
        {
            "sha256": sha256,
            "size": size,
            "filename": filename,
            "mime_type": mime_type,
            "source_url": None,
        },
    )
    if events is None:
        append_event(conn, actor, event)
    else:
        events.append(event)
    return evidence_id


class GraphWriter:
    """Adds entities (re-using one the case already has with the same normalised value) and
    links, with provenance, in the caller's transaction. Provenance rows and audit events are
    collected and written by `flush()` (one executemany, one chain append): an import writes
    a dozen entities and links, and per-row round trips were most of its time."""

    def __init__(self, ws: Workspace, conn: Connection, case_id: str, source_ref: str | None):
        self.ws = ws
        self.conn = conn
        self.case_id = case_id
        self.source_ref = source_ref
        self.vocabulary = ws.graph.vocabulary
        self.created_entities = 0
        self.created_links = 0
        self.events: list[PendingEvent] = []
        self._provenance_rows: list[dict[str, Any]] = []
        self._orders: dict[str, int] = {}
        self._now = utcnow()

    def _next_order(self, table: Any) -> int:
        if table.name not in self._orders:
            current = self.conn.execute(
                select(func.max(table.c.row_order)).where(table.c.case_id == self.case_id)
            ).scalar_one()
            self._orders[table.name] = int(current or 0)
        self._orders[table.name] += 1
        return self._orders[table.name]

    def _provenance(self, object_type: str, object_id: str, note: str) -> None:
        self._provenance_rows.append(
            {
                "case_id": self.case_id,
                "object_type": object_type,
                "object_id": object_id,
                "kind": ProvenanceKind.IMPORT.value,
                "ref": self.source_ref,
                "note": note,
                "actor": self.ws.actor,
                "at": self._now,
            }
        )

    def flush(self) -> None:
        """Write the collected provenance rows and audit events (call before commit)."""
        if self._provenance_rows:
            self.conn.execute(insert(provenance), self._provenance_rows)
            self._provenance_rows = []
        if self.events:
            append_events(self.conn, self.ws.actor, self.events)
            self.events = []

    def normalise(self, type_name: str, value: str) -> str:
        return self.vocabulary.entity_type(type_name).normalise_value(value)

    def entity(
        self,
        type_name: str,
        value: str,
        *,
        label: str | None = None,
        properties: dict[str, Any] | None = None,
        note: str = "read from the request",
    ) -> str:
        """The id of the case's entity with this value, created if needed. Raises
        ValidationError for a value the type's normaliser rejects."""
        value = value.strip()
        normalized = self.normalise(type_name, value)
        existing = self.conn.execute(
            select(entities.c.id).where(
                entities.c.case_id == self.case_id,
                entities.c.type == type_name,
                entities.c.normalized == normalized,
            )
        ).first()
        if existing is not None:
            return str(existing.id)
        entity_id = new_id()
        values: dict[str, Any] = {
            "id": entity_id,
            "case_id": self.case_id,
            "type": type_name,
            "value": value,
            "normalized": normalized,
            "label": (label or "").strip() or value,
            "properties": dict(properties or {}),
            "created_by": self.ws.actor,
            "created_at": self._now,
            "updated_at": self._now,
            "row_order": self._next_order(entities),
        }
        self.conn.execute(insert(entities), values)
        self._provenance("entity", entity_id, note)
        self.events.append(
            PendingEvent(
                "entity.add",
                "entity",
                entity_id,
                self.case_id,
                {
                    "after": {k: values[k] for k in ("type", "value", "label", "properties")},
                    "source": ProvenanceKind.IMPORT.value,
                },
            )
        )
        self.created_entities += 1
        return entity_id

    def try_entity(
        self, type_name: str, value: str, warnings: list[str], **kwargs: Any
    ) -> str | None:
        try:
            return self.entity(type_name, value, **kwargs)
        except ValidationError as exc:
            warnings.append(f"Not added to the graph: {exc}")
            return None

    def link(
        self,
        source_id: str,
        target_id: str,
        type_name: str,
        confidence: Confidence = Confidence.SUSPECTED,
        note: str = "stated in the request",
    ) -> str | None:
        if source_id == target_id:
            return None
        existing = self.conn.execute(
            select(links.c.id).where(
                links.c.case_id == self.case_id,
                links.c.source_id == source_id,
                links.c.target_id == target_id,
                links.c.type == type_name,
            )
        ).first()
        if existing is not None:
            return str(existing.id)
        self.vocabulary.link_type(type_name)
        link_id = new_id()
        values: dict[str, Any] = {
            "id": link_id,
            "case_id": self.case_id,
            "source_id": source_id,
            "target_id": target_id,
            "type": type_name,
            "confidence": confidence.value,
            "reliability": None,
            "credibility": None,
            "properties": {},
            "created_by": self.ws.actor,
            "created_at": self._now,
            "updated_at": self._now,
            "row_order": self._next_order(links),
        }
        self.conn.execute(insert(links), values)
        self._provenance("link", link_id, note)
        self.events.append(
            PendingEvent(
                "link.add",
                "link",
                link_id,
                self.case_id,
                {
                    "after": {
                        k: values[k]
                        for k in (
                            "source_id",
                            "target_id",
                            "type",
                            "confidence",
                            "reliability",
                            "credibility",
                            "properties",
                        )
                    },
                    "source": ProvenanceKind.IMPORT.value,
                },
            )
        )
        self.created_links += 1
        return link_id
