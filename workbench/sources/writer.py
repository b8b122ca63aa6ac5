"""Streams a run's results into a case: de-duplicated, with provenance, audited per batch.

Entities are matched by type and normalised value (index `ix_entities_case_type_norm`): a
value the case already has is not added again but gets one more provenance record, so the
case shows that this run found it too. Every batch is one transaction with one audit event
holding the counts and a SHA-256 over the rows it created. Secrets handed to the plugin in
this run are removed from every string and byte before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from workbench.audit import PendingEvent, append_event, canonical_json
from workbench.errors import NotFoundError, ValidationError
from workbench.model import Confidence, ProvenanceKind
from workbench.sources.api import Redactor
from workbench.sources.results import (
    EntityResult,
    EvidenceResult,
    LinkResult,
    NoteResult,
    Query,
    Result,
)
from workbench.store.bulk import bulk_insert
from workbench.store.rows import new_id
from workbench.store.schema import cases, entities, evidence, links, provenance
from workbench.timeutil import to_iso, utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

NOTE_LINK = "mentions"


@dataclass
class WriteReport:
    """What one batch did to the case."""

    new_entities: list[str] = field(default_factory=list)
    existing_entities: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def _json_ready(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


class CaseWriter:
    def __init__(
        self,
        ws: Workspace,
        case_id: str,
        *,
        run_ref: str,
        run_id: str,
        query: Query,
        redactor: Redactor,
    ):
        self.ws = ws
        self.case_id = case_id
        self.run_ref = run_ref
        self.run_id = run_id
        self.query = query
        self.redactor = redactor
        self.vocabulary = ws.graph.vocabulary
        self._ids: dict[tuple[str, str], str] = {}
        self._links: set[tuple[str, str, str]] = set()
        self.query_entity_id: str | None = None
        self.totals = WriteReport()
        self._new_rows: list[dict[str, Any]] = []

    @property
    def _note(self) -> str:
        return f"input {self.query.type}:{self.query.value}"[:2000]

    # ---- the input entity --------------------------------------------------------------
    def ensure_query_entity(self) -> str:
        """The case entity the run started from; found by value or added when run from the CLI."""
        if self.query_entity_id is not None:
            return self.query_entity_id
        query = self.query
        with self.ws.read() as conn:
            if conn.execute(select(cases.c.id).where(cases.c.id == self.case_id)).first() is None:
                raise NotFoundError(f"No case with id {self.case_id!r}.")
            if query.entity_id is not None:
                row = conn.execute(
                    select(entities.c.id).where(
                        entities.c.id == query.entity_id, entities.c.case_id == self.case_id
                    )
                ).first()
                if row is None:
                    raise NotFoundError(
                        f"Entity {query.entity_id} is not in case {self.case_id}; run the "
                        "source from an entity of the case."
                    )
                self.query_entity_id = query.entity_id
        if self.query_entity_id is None:
            report = self.write([EntityResult(query.type, query.value)])
            self.query_entity_id = (report.new_entities or report.existing_entities)[0]
        normalized = self.vocabulary.entity_type(query.type).normalise_value(query.value)
        self._ids[(query.type, normalized)] = self.query_entity_id
        return self.query_entity_id

    # ---- batches -----------------------------------------------------------------------
    def _key(self, result: EntityResult) -> tuple[str, str]:
        entity_type = self.vocabulary.entity_type(result.type)
        return result.type, entity_type.normalise_value(self.redactor.text(result.value))

    def _ref_key(self, ref: EntityResult | Query) -> tuple[str, str]:
        if isinstance(ref, Query):
            return ("__query__", "")
        return self._key(ref)

    def _entity_results(self, results: Sequence[Result]) -> list[EntityResult]:
        """Entities yielded, plus those only named by links, notes or evidence."""
        found: list[EntityResult] = []
        for result in results:
            if isinstance(result, EntityResult):
                found.append(result)
            elif isinstance(result, LinkResult):
                found += [r for r in (result.source, result.target) if isinstance(r, EntityResult)]
            elif isinstance(result, NoteResult):
                if isinstance(result.about, EntityResult):
                    found.append(result.about)
                found.append(EntityResult("note", result.text))
            elif isinstance(result, EvidenceResult):
                found += [r for r in result.about if isinstance(r, EntityResult)]
        return found

    def write(self, results: Sequence[Result]) -> WriteReport:
        report = WriteReport()
        now = utcnow()
        actor = self.ws.actor
        # 1. entities: normalise, drop the ones that fail, keep one spec per key
        specs: dict[tuple[str, str], EntityResult] = {}
        for found in self._entity_results(results):
            try:
                key = self._key(found)
            except ValidationError as exc:
                report.rejected.append(f"{found.type} {found.value[:80]!r}: {exc}")
                continue
            if key not in self._ids and key not in specs:
                specs[key] = found
        # 2. evidence blobs before the write transaction (keeps the write lock short)
        blobs: list[tuple[EvidenceResult, str, int, bytes]] = []
        for result in results:
            if isinstance(result, EvidenceResult):
                data = self.redactor.data(result.data) if self.redactor.active else result.data
                sha256, size = self.ws.blobs.put_bytes(data)
                blobs.append((result, sha256, size, data))
        with self.ws.write() as conn:
            self._write_entities(conn, specs, now, report)
            link_rows = self._link_rows(conn, results, now, report)
            evidence_rows, evidence_provenance = self._evidence_rows(blobs, now)
            bulk_insert(conn, links, link_rows)
            bulk_insert(conn, evidence, evidence_rows)
            prov = [
                self._prov("link", row["id"], ProvenanceKind.SOURCE_RUN, self.run_ref, now)
                for row in link_rows
            ]
            prov += evidence_provenance
            bulk_insert(conn, provenance, [{**p, "actor": actor} for p in prov])
            report.links = [row["id"] for row in link_rows]
            report.evidence = [row["id"] for row in evidence_rows]
            if report.new_entities or report.existing_entities or link_rows or evidence_rows:
                append_event(
                    conn,
                    actor,
                    PendingEvent(
                        "source.results",
                        "source_run",
                        self.run_id,
                        self.case_id,
                        {
                            "run": self.run_ref,
                            "entities_added": len(report.new_entities),
                            "entities_found_again": len(report.existing_entities),
                            "links_added": len(link_rows),
                            "evidence": [
                                {"id": r["id"], "sha256": r["sha256"], "filename": r["filename"]}
                                for r in evidence_rows
                            ],
                            "first_entity_id": report.new_entities[0]
                            if report.new_entities
                            else None,
                            "rows_sha256": self._digest(report, link_rows, evidence_rows),
                        },
                    ),
                )
        self._accumulate(report)
        return report

    def _accumulate(self, report: WriteReport) -> None:
        for name in ("new_entities", "existing_entities", "links", "evidence", "rejected"):
            getattr(self.totals, name).extend(getattr(report, name))

    def _prov(
        self, object_type: str, object_id: str, kind: ProvenanceKind, ref: str, now: Any
    ) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "object_type": object_type,
            "object_id": object_id,
            "kind": kind.value,
            "ref": ref[:200],
            "note": self._note,
            "at": now,
        }

    def _write_entities(
        self,
        conn: Connection,
        specs: dict[tuple[str, str], EntityResult],
        now: Any,
        report: WriteReport,
    ) -> None:
        by_type: dict[str, list[str]] = {}
        for entity_type, normalized in specs:
            by_type.setdefault(entity_type, []).append(normalized)
        existing: dict[tuple[str, str], str] = {}
        for entity_type, values in by_type.items():
            for start in range(0, len(values), 500):
                matches = conn.execute(
                    select(entities.c.id, entities.c.normalized).where(
                        entities.c.case_id == self.case_id,
                        entities.c.type == entity_type,
                        entities.c.normalized.in_(values[start : start + 500]),
                    )
                )
                existing.update({(entity_type, r.normalized): r.id for r in matches})
        order = int(
            conn.execute(
                select(func.max(entities.c.row_order)).where(entities.c.case_id == self.case_id)
            ).scalar_one()
            or 0
        )
        rows: list[dict[str, Any]] = []
        prov: list[dict[str, Any]] = []
        for key, result in specs.items():
            if key in existing:
                entity_id = existing[key]
                report.existing_entities.append(entity_id)
            else:
                entity_id = new_id()
                order += 1
                value = self.redactor.text(result.value.strip())
                rows.append(
                    {
                        "id": entity_id,
                        "case_id": self.case_id,
                        "type": result.type,
                        "value": value,
                        "normalized": key[1],
                        "label": self.redactor.text((result.label or "").strip()) or value,
                        "properties": self.redactor.any(_json_ready(dict(result.properties))),
                        "created_by": self.ws.actor,
                        "created_at": now,
                        "updated_at": now,
                        "row_order": order,
                    }
                )
                report.new_entities.append(entity_id)
            self._ids[key] = entity_id
            prov.append(
                self._prov("entity", entity_id, ProvenanceKind.SOURCE_RUN, self.run_ref, now)
            )
        bulk_insert(conn, entities, rows)
        bulk_insert(conn, provenance, [{**p, "actor": self.ws.actor} for p in prov])
        self._new_rows = rows

    def _endpoint(self, ref: EntityResult | Query | None) -> str | None:
        if ref is None or isinstance(ref, Query):
            return self.query_entity_id
        try:
            return self._ids.get(self._key(ref))
        except ValidationError:
            return None

    def _link_rows(
        self, conn: Connection, results: Sequence[Result], now: Any, report: WriteReport
    ) -> list[dict[str, Any]]:
        wanted: list[tuple[str | None, str | None, str, str, dict[str, Any]]] = []
        for result in results:
            if isinstance(result, EntityResult) and result.link:
                wanted.append(
                    (
                        self.query_entity_id,
                        self._endpoint(result),
                        result.link,
                        Confidence.SUSPECTED.value,
                        dict(result.link_properties),
                    )
                )
            elif isinstance(result, LinkResult):
                wanted.append(
                    (
                        self._endpoint(result.source),
                        self._endpoint(result.target),
                        result.type,
                        result.confidence,
                        dict(result.properties),
                    )
                )
            elif isinstance(result, NoteResult):
                note_id = self._endpoint(EntityResult("note", result.text))
                wanted.append((self._endpoint(result.about), note_id, NOTE_LINK, "suspected", {}))
        order = int(
            conn.execute(
                select(func.max(links.c.row_order)).where(links.c.case_id == self.case_id)
            ).scalar_one()
            or 0
        )
        rows: list[dict[str, Any]] = []
        for source_id, target_id, link_type, confidence, properties in wanted:
            if source_id is None or target_id is None or source_id == target_id:
                continue  # an end was rejected, or no case entity for the query
            key = (source_id, target_id, link_type)
            if key in self._links:
                continue
            self._links.add(key)
            try:
                self.vocabulary.link_type(link_type)
                confidence_value = Confidence(confidence).value
            except (ValidationError, ValueError) as exc:
                report.rejected.append(f"link {link_type}: {exc}")
                continue
            existing = conn.execute(
                select(links.c.id).where(
                    links.c.case_id == self.case_id,
                    links.c.source_id == source_id,
                    links.c.target_id == target_id,
                    links.c.type == link_type,
                )
            ).first()
            if existing is not None:
                bulk_insert(
                    conn,
                    provenance,
                    [
                        {
                            **self._prov(
                                "link", existing.id, ProvenanceKind.SOURCE_RUN, self.run_ref, now
                            ),
                            "actor": self.ws.actor,
                        }
                    ],
                )
                continue
            order += 1
            rows.append(
                {
                    "id": new_id(),
                    "case_id": self.case_id,
                    "source_id": source_id,
                    "target_id": target_id,
                    "type": link_type,
                    "confidence": confidence_value,
                    "reliability": None,
                    "credibility": None,
                    "properties": self.redactor.any(_json_ready(properties)),
                    "created_by": self.ws.actor,
                    "created_at": now,
                    "updated_at": now,
                    "row_order": order,
                }
            )
        return rows

    def _evidence_rows(
        self, blobs: Iterable[tuple[EvidenceResult, str, int, bytes]], now: Any
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rows: list[dict[str, Any]] = []
        prov: list[dict[str, Any]] = []
        for result, sha256, size, _data in blobs:
            evidence_id = new_id()
            about = [i for i in (self._endpoint(r) for r in result.about) if i is not None]
            filename = self.redactor.text(result.filename)[:500] or "evidence.bin"
            metadata = self.redactor.any(_json_ready(dict(result.metadata)))
            metadata.update({"source_run": self.run_ref, "about_entities": about})
            rows.append(
                {
                    "id": evidence_id,
                    "case_id": self.case_id,
                    "sha256": sha256,
                    "size": size,
                    "filename": filename,
                    "mime_type": result.mime_type
                    or mimetypes.guess_type(filename)[0]
                    or "application/octet-stream",
                    "description": self.redactor.text(result.description),
                    "source_url": self.redactor.text(result.source_url)
                    if result.source_url
                    else None,
                    "sensitivity": None,
                    "metadata": metadata,
                    "collected_by": self.ws.actor,
                    "collected_at": now,
                }
            )
            prov += [
                self._prov("entity", entity_id, ProvenanceKind.EVIDENCE, evidence_id, now)
                for entity_id in about
            ]
        return rows, prov

    def _digest(
        self,
        report: WriteReport,
        link_rows: list[dict[str, Any]],
        evidence_rows: list[dict[str, Any]],
    ) -> str:
        digest = hashlib.sha256()
        for row in [*self._new_rows, *link_rows, *evidence_rows]:
            plain = {k: (to_iso(v) if hasattr(v, "tzinfo") else v) for k, v in row.items()}
            digest.update(canonical_json(plain).encode("utf-8"))
            digest.update(b"\n")
        return digest.hexdigest()
