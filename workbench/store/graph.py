"""Entities and links of a case, with their provenance; every change audited.

Single edits write one audit event each. Bulk loads (imports, sources) write one event per
batch holding the count and a SHA-256 digest of the rows, so the chain covers their content
without one event per row (see docs/DECISIONS.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update
from sqlalchemy import exc as sa_exc

from workbench.audit import PendingEvent, append_event, canonical_json
from workbench.errors import NotFoundError, ValidationError
from workbench.model import (
    CREDIBILITY_GRADES,
    RELIABILITY_GRADES,
    Confidence,
    Entity,
    Link,
    Provenance,
    ProvenanceKind,
)
from workbench.store.bulk import bulk_insert
from workbench.store.rows import entity_from_row, link_from_row, new_id, provenance_from_row
from workbench.store.schema import cases, entities, links, provenance
from workbench.timeutil import to_iso, utcnow
from workbench.vocabulary import Vocabulary, default_vocabulary

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

BATCH = 10_000
ENTITY_DIGEST_FIELDS = ("id", "type", "value", "label", "properties")
LINK_DIGEST_FIELDS = (
    "id",
    "source_id",
    "target_id",
    "type",
    "confidence",
    "reliability",
    "credibility",
    "properties",
)


@dataclass(frozen=True)
class Source:
    """Where a new entity or link comes from (the actor and time are filled in by the store)."""

    kind: ProvenanceKind = ProvenanceKind.MANUAL
    ref: str | None = None
    note: str | None = None


MANUAL = Source()


@dataclass(frozen=True)
class EntitySpec:
    type: str
    value: str
    label: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    id: str | None = None


@dataclass(frozen=True)
class LinkSpec:
    source_id: str
    target_id: str
    type: str
    confidence: Confidence | str = Confidence.SUSPECTED
    reliability: str | None = None
    credibility: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    id: str | None = None


@dataclass(frozen=True)
class DeletedEntity:
    """Everything `delete_entity` removed, so that `restore_entity` can put it back exactly."""

    entity: Entity
    links: tuple[Link, ...]


Progress = Callable[[int], None]
Cancelled = Callable[[], bool]


def _check_grading(
    reliability: str | None, credibility: str | None
) -> tuple[str | None, str | None]:
    rel = (reliability or "").strip().upper() or None
    cred = (credibility or "").strip() or None
    if rel is not None and rel not in RELIABILITY_GRADES:
        raise ValidationError(
            f"Source reliability {reliability!r} is not an Admiralty grade; use one of "
            f"{', '.join(RELIABILITY_GRADES)} (A reliable ... F cannot be judged)."
        )
    if cred is not None and cred not in CREDIBILITY_GRADES:
        raise ValidationError(
            f"Information credibility {credibility!r} is not an Admiralty grade; use one of "
            f"{', '.join(CREDIBILITY_GRADES)} (1 confirmed ... 6 cannot be judged)."
        )
    return rel, cred


def _confidence(value: Confidence | str) -> str:
    try:
        return Confidence(value).value
    except ValueError:
        valid = ", ".join(c.value for c in Confidence)
        raise ValidationError(f"Invalid confidence {value!r}. Valid values: {valid}.") from None


def _digest(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> str:
    """SHA-256 over the given fields of every row: unit separators between fields, a newline
    after each row, dict fields as canonical JSON. Recomputable by an auditor from the rows."""
    digest = hashlib.sha256()
    for row in rows:
        parts = [
            (canonical_json(row[f]) if row[f] else "{}")
            if isinstance(row[f], dict)
            else str(row[f] or "")
            for f in fields
        ]
        digest.update("\x1f".join(parts).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (to_iso(v) if hasattr(v, "tzinfo") else v) for k, v in values.items()}


class GraphRepository:
    def __init__(self, workspace: Workspace, vocabulary: Vocabulary | None = None):
        self._ws = workspace
        self.vocabulary = vocabulary or default_vocabulary()

    # ---- entities -------------------------------------------------------------------------
    def _entity_values(self, case_id: str, spec: EntitySpec, now: Any) -> dict[str, Any]:
        entity_type = self.vocabulary.entity_type(spec.type)
        value = spec.value.strip() if spec.value else ""
        normalized = entity_type.normalise_value(value)
        if not isinstance(spec.properties, dict):
            raise ValidationError("Entity properties must be a JSON object (key: value pairs).")
        return {
            "id": spec.id or new_id(),
            "case_id": case_id,
            "type": spec.type,
            "value": value,
            "normalized": normalized,
            "label": (spec.label or "").strip() or value,
            "properties": dict(spec.properties),
            "created_by": self._ws.actor,
            "created_at": now,
            "updated_at": now,
        }

    def _require_case(self, conn: Connection, case_id: str) -> None:
        if conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
            raise NotFoundError(f"No case with id {case_id!r}.")

    @staticmethod
    def _next_order(conn: Connection, table: Any, case_id: str) -> int:
        current = conn.execute(
            select(func.max(table.c.row_order)).where(table.c.case_id == case_id)
        ).scalar_one()
        return int(current or 0) + 1

    def _provenance_row(
        self, case_id: str, object_type: str, object_id: str, source: Source, now: Any
    ) -> dict[str, Any]:
        return {
            "case_id": case_id,
            "object_type": object_type,
            "object_id": object_id,
            "kind": ProvenanceKind(source.kind).value,
            "ref": source.ref,
            "note": source.note,
            "actor": self._ws.actor,
            "at": now,
        }

    def add_entity(
        self,
        case_id: str,
        type: str,
        value: str,
        *,
        label: str | None = None,
        properties: dict[str, Any] | None = None,
        source: Source = MANUAL,
        entity_id: str | None = None,
        allow_duplicate: bool = False,
    ) -> Entity:
        now = utcnow()
        values = self._entity_values(
            case_id, EntitySpec(type, value, label, properties or {}, entity_id), now
        )
        with self._ws.write() as conn:
            self._require_case(conn, case_id)
            if not allow_duplicate:
                existing = conn.execute(
                    select(entities.c.id).where(
                        entities.c.case_id == case_id,
                        entities.c.type == type,
                        entities.c.normalized == values["normalized"],
                    )
                ).first()
                if existing is not None:
                    raise ValidationError(
                        f"This case already has the {type} {values['normalized']!r} "
                        f"(entity {existing.id}); add a link to it instead."
                    )
            values["row_order"] = self._next_order(conn, entities, case_id)
            conn.execute(insert(entities).values(**values))
            conn.execute(
                insert(provenance).values(
                    **self._provenance_row(case_id, "entity", values["id"], source, now)
                )
            )
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "entity.add",
                    "entity",
                    values["id"],
                    case_id,
                    {
                        "after": _jsonable(
                            {k: values[k] for k in ("type", "value", "label", "properties")}
                        ),
                        "source": ProvenanceKind(source.kind).value,
                    },
                ),
            )
        return self.get_entity(values["id"])

    def add_entities_bulk(
        self,
        case_id: str,
        specs: Iterable[EntitySpec],
        *,
        source: Source = MANUAL,
        batch_size: int = BATCH,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> list[str]:
        """Insert many entities, one transaction per batch; returns their ids in order.

        Every batch that returned is committed; a cancel stops before the next batch.
        Duplicates are not checked here (bulk sources de-duplicate upstream).
        """
        ids: list[str] = []
        for chunk in _chunks(specs, batch_size):
            if cancelled is not None and cancelled():
                break
            ids.extend(self._insert_entity_batch(case_id, chunk, source))
            if progress is not None:
                progress(len(ids))
        return ids

    def _insert_entity_batch(
        self, case_id: str, specs: list[EntitySpec], source: Source
    ) -> list[str]:
        now = utcnow()
        rows = [self._entity_values(case_id, spec, now) for spec in specs]
        with self._ws.write() as conn:
            self._require_case(conn, case_id)
            order = self._next_order(conn, entities, case_id)
            for offset, row in enumerate(rows):
                row["row_order"] = order + offset
            bulk_insert(conn, entities, rows)
            base = self._provenance_row(case_id, "entity", "", source, now)
            bulk_insert(conn, provenance, [{**base, "object_id": row["id"]} for row in rows])
            digest = _digest(rows, ENTITY_DIGEST_FIELDS)
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "entity.bulk_add",
                    "entity",
                    rows[0]["id"],
                    case_id,
                    {
                        "count": len(rows),
                        "first_id": rows[0]["id"],
                        "last_id": rows[-1]["id"],
                        "rows_sha256": digest,
                        "source": ProvenanceKind(source.kind).value,
                    },
                ),
            )
        return [row["id"] for row in rows]

    def get_entity(self, entity_id: str) -> Entity:
        with self._ws.read() as conn:
            row = conn.execute(select(entities).where(entities.c.id == entity_id)).first()
            if row is None:
                raise NotFoundError(f"No entity with id {entity_id!r}.")
            return entity_from_row(row, self._provenance_of(conn, entity_id))

    @staticmethod
    def _provenance_of(conn: Connection, object_id: str) -> tuple[Provenance, ...]:
        rows = conn.execute(
            select(provenance).where(provenance.c.object_id == object_id).order_by(provenance.c.id)
        )
        return tuple(provenance_from_row(r) for r in rows)

    def resolve_entity(self, case_id: str, ref: str) -> Entity:
        """An entity of the case by id or by `type:value` (e.g. `account:streamer_x`)."""
        ref = ref.strip()
        with self._ws.read() as conn:
            row = conn.execute(
                select(entities).where(entities.c.case_id == case_id, entities.c.id == ref)
            ).first()
            if row is None and ":" in ref:
                type_name, _, value = ref.partition(":")
                if type_name in self.vocabulary.entity_types:
                    normalized = self.vocabulary.entity_type(type_name).normalise_value(value)
                    row = conn.execute(
                        select(entities).where(
                            entities.c.case_id == case_id,
                            entities.c.type == type_name,
                            entities.c.normalized == normalized,
                        )
                    ).first()
            if row is None:
                raise NotFoundError(self._unknown_endpoint_message(conn, case_id, ref))
            return entity_from_row(row, self._provenance_of(conn, row.id))

    def _unknown_endpoint_message(self, conn: Connection, case_id: str, ref: str) -> str:
        total = conn.execute(
            select(func.count()).select_from(entities).where(entities.c.case_id == case_id)
        ).scalar_one()
        sample = conn.execute(
            select(entities.c.id, entities.c.type, entities.c.value)
            .where(entities.c.case_id == case_id)
            .order_by(entities.c.row_order)
            .limit(10)
        ).all()
        if not sample:
            return f"No entity {ref!r}: this case has no entities yet. Add one first."
        listed = "; ".join(f"{r.type}:{r.value} ({r.id})" for r in sample)
        more = f" (and {total - len(sample)} more; `workbench entity list`)" if total > 10 else ""
        return (
            f"No entity {ref!r} in this case. Give an entity id or type:value. "
            f"Valid entities: {listed}{more}."
        )

    def update_entity(
        self,
        entity_id: str,
        *,
        value: str | None = None,
        label: str | None = None,
        properties: dict[str, Any] | None = None,
    ) -> Entity:
        with self._ws.write() as conn:
            row = conn.execute(select(entities).where(entities.c.id == entity_id)).first()
            if row is None:
                raise NotFoundError(f"No entity with id {entity_id!r}.")
            changes: dict[str, Any] = {}
            if value is not None and value.strip() != row.value:
                entity_type = self.vocabulary.entity_type(row.type)
                changes["value"] = value.strip()
                changes["normalized"] = entity_type.normalise_value(value)
            if label is not None and label.strip() != row.label:
                changes["label"] = label.strip() or (changes.get("value") or row.value)
            if properties is not None and properties != dict(row.properties or {}):
                changes["properties"] = dict(properties)
            if not changes:
                return entity_from_row(row, self._provenance_of(conn, entity_id))
            conn.execute(
                update(entities)
                .where(entities.c.id == entity_id)
                .values(**changes, updated_at=utcnow())
            )
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "entity.update",
                    "entity",
                    entity_id,
                    row.case_id,
                    {"before": {k: getattr(row, k) for k in changes}, "after": changes},
                ),
            )
        return self.get_entity(entity_id)

    def set_positions(self, case_id: str, positions: dict[str, tuple[float, float]]) -> None:
        """Save graph positions (layout state, audited as one event)."""
        if not positions:
            return
        with self._ws.write() as conn:
            for entity_id, (x, y) in positions.items():
                conn.execute(
                    update(entities)
                    .where(entities.c.id == entity_id, entities.c.case_id == case_id)
                    .values(pos_x=float(x), pos_y=float(y))
                )
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "graph.layout_save", "case", case_id, case_id, {"count": len(positions)}
                ),
            )

    def delete_entity(self, entity_id: str) -> DeletedEntity:
        """Delete an entity and the links that touch it; returns what is needed to undo."""
        entity = self.get_entity(entity_id)
        with self._ws.write() as conn:
            link_rows = conn.execute(
                select(links).where(
                    or_(links.c.source_id == entity_id, links.c.target_id == entity_id)
                )
            ).all()
            removed = tuple(link_from_row(r, self._provenance_of(conn, r.id)) for r in link_rows)
            link_ids = [link.id for link in removed]
            if link_ids:
                conn.execute(delete(provenance).where(provenance.c.object_id.in_(link_ids)))
                conn.execute(delete(links).where(links.c.id.in_(link_ids)))
            conn.execute(delete(provenance).where(provenance.c.object_id == entity_id))
            conn.execute(delete(entities).where(entities.c.id == entity_id))
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "entity.delete",
                    "entity",
                    entity_id,
                    entity.case_id,
                    {
                        "before": {
                            "type": entity.type,
                            "value": entity.value,
                            "label": entity.label,
                        },
                        "links_removed": link_ids,
                    },
                ),
            )
        return DeletedEntity(entity, removed)

    def restore_entity(self, deleted: DeletedEntity) -> Entity:
        """Undo of `delete_entity`: the same ids, values, provenance and links come back."""
        entity = deleted.entity
        with self._ws.write() as conn:
            self._require_case(conn, entity.case_id)
            conn.execute(
                insert(entities).values(
                    id=entity.id,
                    case_id=entity.case_id,
                    type=entity.type,
                    value=entity.value,
                    normalized=entity.normalized,
                    label=entity.label,
                    properties=entity.properties,
                    created_by=entity.created_by,
                    created_at=entity.created_at,
                    updated_at=entity.updated_at,
                    pos_x=entity.pos_x,
                    pos_y=entity.pos_y,
                    row_order=self._next_order(conn, entities, entity.case_id),
                )
            )
            self._insert_provenance(conn, entity.case_id, "entity", entity.id, entity.provenance)
            for link in deleted.links:
                self._insert_link_record(conn, link)
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "entity.restore",
                    "entity",
                    entity.id,
                    entity.case_id,
                    {
                        "after": {"type": entity.type, "value": entity.value},
                        "links_restored": [link.id for link in deleted.links],
                    },
                ),
            )
        return self.get_entity(entity.id)

    @staticmethod
    def _insert_provenance(
        conn: Connection,
        case_id: str,
        object_type: str,
        object_id: str,
        records: tuple[Provenance, ...],
    ) -> None:
        if records:
            conn.execute(
                insert(provenance),
                [
                    {
                        "case_id": case_id,
                        "object_type": object_type,
                        "object_id": object_id,
                        "kind": p.kind.value,
                        "ref": p.ref,
                        "note": p.note,
                        "actor": p.actor,
                        "at": p.at,
                    }
                    for p in records
                ],
            )

    def list_entities(
        self,
        case_id: str,
        *,
        offset: int = 0,
        limit: int | None = None,
        types: Iterable[str] | None = None,
    ) -> list[Entity]:
        """Entities in insertion order, without provenance (fast, for tables and graphs)."""
        query = select(entities).where(entities.c.case_id == case_id)
        if types is not None:
            query = query.where(entities.c.type.in_(list(types)))
        query = query.order_by(entities.c.row_order).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self._ws.read() as conn:
            return [entity_from_row(r) for r in conn.execute(query)]

    def count_entities(self, case_id: str) -> int:
        with self._ws.read() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(entities).where(entities.c.case_id == case_id)
                ).scalar_one()
            )

    # ---- links ----------------------------------------------------------------------------
    def _link_values(
        self,
        case_id: str,
        spec: LinkSpec,
        now: Any,
        checked: dict[tuple[Any, ...], tuple[str, str | None, str | None]] | None = None,
    ) -> dict[str, Any]:
        """Validated row values; `checked` caches validation of repeated type/grading combos."""
        key = (spec.type, spec.confidence, spec.reliability, spec.credibility)
        valid = checked.get(key) if checked is not None else None
        if valid is None:
            self.vocabulary.link_type(spec.type)
            valid = (
                _confidence(spec.confidence),
                *_check_grading(spec.reliability, spec.credibility),
            )
            if checked is not None:
                checked[key] = valid
        if not isinstance(spec.properties, dict):
            raise ValidationError("Link properties must be a JSON object (key: value pairs).")
        return {
            "id": spec.id or new_id(),
            "case_id": case_id,
            "source_id": spec.source_id,
            "target_id": spec.target_id,
            "type": spec.type,
            "confidence": valid[0],
            "reliability": valid[1],
            "credibility": valid[2],
            "properties": dict(spec.properties),
            "created_by": self._ws.actor,
            "created_at": now,
            "updated_at": now,
        }

    def _check_endpoints(self, conn: Connection, case_id: str, endpoint_ids: set[str]) -> None:
        found = conn.execute(
            select(func.count())
            .select_from(entities)
            .where(entities.c.case_id == case_id, entities.c.id.in_(list(endpoint_ids)))
        ).scalar_one()
        if found == len(endpoint_ids):
            return
        present = set(
            conn.execute(
                select(entities.c.id).where(
                    entities.c.case_id == case_id, entities.c.id.in_(list(endpoint_ids))
                )
            ).scalars()
        )
        missing = sorted(endpoint_ids - present)
        raise NotFoundError(self._unknown_endpoint_message(conn, case_id, missing[0]))

    def _check_inserted_endpoints(
        self, conn: Connection, case_id: str, first: int, last: int
    ) -> None:
        """Foreign keys prove the endpoints exist; this proves they belong to the same case."""
        source = entities.alias("source")
        target = entities.alias("target")
        stray = conn.execute(
            select(links.c.source_id, links.c.target_id, source.c.case_id, target.c.case_id)
            .join(source, source.c.id == links.c.source_id)
            .join(target, target.c.id == links.c.target_id)
            .where(
                links.c.case_id == case_id,
                links.c.row_order.between(first, last),
                (source.c.case_id != case_id) | (target.c.case_id != case_id),
            )
            .limit(1)
        ).first()
        if stray is not None:
            other = stray.source_id if stray[2] != case_id else stray.target_id
            raise NotFoundError(self._unknown_endpoint_message(conn, case_id, other))

    def add_link(
        self,
        case_id: str,
        source_id: str,
        target_id: str,
        type: str,
        *,
        confidence: Confidence | str = Confidence.SUSPECTED,
        reliability: str | None = None,
        credibility: str | None = None,
        properties: dict[str, Any] | None = None,
        source: Source = MANUAL,
        link_id: str | None = None,
    ) -> Link:
        now = utcnow()
        values = self._link_values(
            case_id,
            LinkSpec(
                source_id,
                target_id,
                type,
                confidence,
                reliability,
                credibility,
                properties or {},
                link_id,
            ),
            now,
        )
        with self._ws.write() as conn:
            self._add_link_values_in(conn, case_id, values, source, now)
        return self.get_link(values["id"])

    def add_link_in(
        self, conn: Connection, case_id: str, spec: LinkSpec, *, source: Source = MANUAL
    ) -> str:
        """`add_link` inside the caller's transaction (for changes that add a link together
        with other rows, e.g. a same-as hypothesis with its evidence); returns the link id."""
        now = utcnow()
        values = self._link_values(case_id, spec, now)
        self._add_link_values_in(conn, case_id, values, source, now)
        return str(values["id"])

    def _add_link_values_in(
        self, conn: Connection, case_id: str, values: dict[str, Any], source: Source, now: Any
    ) -> None:
        self._require_case(conn, case_id)
        self._check_endpoints(conn, case_id, {values["source_id"], values["target_id"]})
        values["row_order"] = self._next_order(conn, links, case_id)
        conn.execute(insert(links).values(**values))
        conn.execute(
            insert(provenance).values(
                **self._provenance_row(case_id, "link", values["id"], source, now)
            )
        )
        append_event(
            conn,
            self._ws.actor,
            PendingEvent(
                "link.add",
                "link",
                values["id"],
                case_id,
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
                    "source": ProvenanceKind(source.kind).value,
                },
            ),
        )

    def add_links_bulk(
        self,
        case_id: str,
        specs: Iterable[LinkSpec],
        *,
        source: Source = MANUAL,
        batch_size: int = BATCH,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> list[str]:
        ids: list[str] = []
        checked: dict[tuple[Any, ...], tuple[str, str | None, str | None]] = {}
        for chunk in _chunks(specs, batch_size):
            if cancelled is not None and cancelled():
                break
            now = utcnow()
            rows = [self._link_values(case_id, spec, now, checked) for spec in chunk]
            with self._ws.write() as conn:
                self._require_case(conn, case_id)
                order = self._next_order(conn, links, case_id)
                for offset, row in enumerate(rows):
                    row["row_order"] = order + offset
                try:
                    bulk_insert(conn, links, rows)
                except sa_exc.IntegrityError:
                    with self._ws.read() as check:
                        self._check_endpoints(
                            check,
                            case_id,
                            {r["source_id"] for r in rows} | {r["target_id"] for r in rows},
                        )
                    raise
                self._check_inserted_endpoints(conn, case_id, order, order + len(rows) - 1)
                base = self._provenance_row(case_id, "link", "", source, now)
                bulk_insert(conn, provenance, [{**base, "object_id": row["id"]} for row in rows])
                digest = _digest(rows, LINK_DIGEST_FIELDS)
                append_event(
                    conn,
                    self._ws.actor,
                    PendingEvent(
                        "link.bulk_add",
                        "link",
                        rows[0]["id"],
                        case_id,
                        {
                            "count": len(rows),
                            "first_id": rows[0]["id"],
                            "last_id": rows[-1]["id"],
                            "rows_sha256": digest,
                            "source": ProvenanceKind(source.kind).value,
                        },
                    ),
                )
            ids.extend(row["id"] for row in rows)
            if progress is not None:
                progress(len(ids))
        return ids

    def get_link(self, link_id: str) -> Link:
        with self._ws.read() as conn:
            row = conn.execute(select(links).where(links.c.id == link_id)).first()
            if row is None:
                raise NotFoundError(f"No link with id {link_id!r}.")
            return link_from_row(row, self._provenance_of(conn, link_id))

    def update_link(self, link_id: str, **changes: Any) -> Link:
        allowed = {"type", "confidence", "reliability", "credibility", "properties"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationError(
                f"Cannot change {', '.join(sorted(unknown))} of a link; "
                f"editable: {', '.join(sorted(allowed))}."
            )
        with self._ws.write() as conn:
            row = conn.execute(select(links).where(links.c.id == link_id)).first()
            if row is None:
                raise NotFoundError(f"No link with id {link_id!r}.")
            clean = dict(changes)
            if "type" in clean:
                self.vocabulary.link_type(clean["type"])
            if "confidence" in clean:
                clean["confidence"] = _confidence(clean["confidence"])
            if "reliability" in clean or "credibility" in clean:
                clean["reliability"], clean["credibility"] = _check_grading(
                    clean.get("reliability", row.reliability),
                    clean.get("credibility", row.credibility),
                )
            changed = {k: v for k, v in clean.items() if getattr(row, k) != v}
            if not changed:
                return link_from_row(row, self._provenance_of(conn, link_id))
            conn.execute(
                update(links).where(links.c.id == link_id).values(**changed, updated_at=utcnow())
            )
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "link.update",
                    "link",
                    link_id,
                    row.case_id,
                    {"before": {k: getattr(row, k) for k in changed}, "after": changed},
                ),
            )
        return self.get_link(link_id)

    def delete_link(self, link_id: str) -> Link:
        link = self.get_link(link_id)
        with self._ws.write() as conn:
            conn.execute(delete(provenance).where(provenance.c.object_id == link_id))
            conn.execute(delete(links).where(links.c.id == link_id))
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "link.delete",
                    "link",
                    link_id,
                    link.case_id,
                    {
                        "before": {
                            "source_id": link.source_id,
                            "target_id": link.target_id,
                            "type": link.type,
                            "confidence": link.confidence.value,
                        }
                    },
                ),
            )
        return link

    def restore_link(self, link: Link) -> Link:
        with self._ws.write() as conn:
            self._check_endpoints(conn, link.case_id, {link.source_id, link.target_id})
            self._insert_link_record(conn, link)
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "link.restore",
                    "link",
                    link.id,
                    link.case_id,
                    {
                        "after": {
                            "source_id": link.source_id,
                            "target_id": link.target_id,
                            "type": link.type,
                        }
                    },
                ),
            )
        return self.get_link(link.id)

    def _insert_link_record(self, conn: Connection, link: Link) -> None:
        conn.execute(
            insert(links).values(
                id=link.id,
                case_id=link.case_id,
                source_id=link.source_id,
                target_id=link.target_id,
                type=link.type,
                confidence=link.confidence.value,
                reliability=link.reliability,
                credibility=link.credibility,
                properties=link.properties,
                created_by=link.created_by,
                created_at=link.created_at,
                updated_at=link.updated_at,
                row_order=self._next_order(conn, links, link.case_id),
            )
        )
        self._insert_provenance(conn, link.case_id, "link", link.id, link.provenance)

    def list_links(self, case_id: str, *, offset: int = 0, limit: int | None = None) -> list[Link]:
        query = (
            select(links)
            .where(links.c.case_id == case_id)
            .order_by(links.c.row_order)
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        with self._ws.read() as conn:
            return [link_from_row(r) for r in conn.execute(query)]

    def links_of(self, entity_id: str) -> list[Link]:
        with self._ws.read() as conn:
            rows = conn.execute(
                select(links)
                .where(or_(links.c.source_id == entity_id, links.c.target_id == entity_id))
                .order_by(links.c.row_order)
            )
            return [link_from_row(r) for r in rows]

    def links_among(self, case_id: str, entity_ids: Iterable[str]) -> list[Link]:
        """Links whose both ends are in `entity_ids` (for drawing a subset of a big case)."""
        wanted = list(dict.fromkeys(entity_ids))
        chosen = set(wanted)
        found: dict[str, Link] = {}
        with self._ws.read() as conn:
            for start in range(0, len(wanted), 2000):
                chunk = wanted[start : start + 2000]
                rows = conn.execute(
                    select(links)
                    .where(links.c.case_id == case_id, links.c.source_id.in_(chunk))
                    .order_by(links.c.row_order)
                )
                for row in rows:
                    if row.target_id in chosen:
                        found[row.id] = link_from_row(row)
        return list(found.values())

    def count_links(self, case_id: str) -> int:
        with self._ws.read() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(links).where(links.c.case_id == case_id)
                ).scalar_one()
            )


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


__all__ = ["MANUAL", "DeletedEntity", "EntitySpec", "GraphRepository", "LinkSpec", "Source"]
