"""Phase 2 of an import: match the file's entities against the case and write, in the
caller's ONE transaction (or only count, for a dry run on a read connection).

Entities already in the case (same type and normalised value) are not added again: they
get a provenance record of this import. Aggregated links that already join the same two
entities with the same type are left as they are, with a provenance record; each-row links
are always added (each is an event). New rows use the executemany fast path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from workbench.model import ProvenanceKind
from workbench.store.bulk import bulk_insert
from workbench.store.rows import new_id
from workbench.store.schema import entities, links, provenance
from workbench.tabular.collect import Collector
from workbench.tabular.mapping import LinkMap
from workbench.timeutil import utcnow

INSERT_BATCH = 5_000
LOOKUP_BATCH = 500


@dataclass
class Written:
    entities_new: dict[str, int] = field(default_factory=dict)
    entities_existing: dict[str, int] = field(default_factory=dict)
    links_new: int = 0
    links_existing: int = 0
    first_entity_id: str | None = None
    last_entity_id: str | None = None
    rows_sha256: str = ""


def existing_entities(conn: Connection, case_id: str, collector: Collector) -> dict[str, str]:
    """file entity id -> id of the case entity with the same type and normalised value."""
    remap: dict[str, str] = {}
    for entity_type, used in collector.entities():
        by_value = {entity.normalized: entity for entity in used}
        values = list(by_value)
        for start in range(0, len(values), LOOKUP_BATCH):
            rows = conn.execute(
                select(entities.c.id, entities.c.normalized).where(
                    entities.c.case_id == case_id,
                    entities.c.type == entity_type,
                    entities.c.normalized.in_(values[start : start + LOOKUP_BATCH]),
                )
            )
            for row in rows:
                entity = by_value.get(row.normalized)
                if entity is not None and entity.id not in remap:
                    remap[entity.id] = row.id
    return remap


def existing_links(
    conn: Connection, case_id: str, link_types: set[str], existing_ids: set[str]
) -> dict[tuple[str, str, str], str]:
    """(source, target, type) -> link id, for links between entities the case already had."""
    if not existing_ids or not link_types:
        return {}
    found: dict[tuple[str, str, str], str] = {}
    rows = conn.execute(
        select(links.c.id, links.c.source_id, links.c.target_id, links.c.type).where(
            links.c.case_id == case_id, links.c.type.in_(sorted(link_types))
        )
    )
    for row in rows:
        if row.source_id in existing_ids and row.target_id in existing_ids:
            found[(row.source_id, row.target_id, row.type)] = row.id
    return found


def plan(conn: Connection, case_id: str, collector: Collector) -> Written:
    """What `write` would do, without writing (dry run)."""
    result = Written()
    remap = existing_entities(conn, case_id, collector)
    for entity_type, used in collector.entities():
        old = sum(1 for entity in used if entity.id in remap)
        result.entities_existing[entity_type] = old
        result.entities_new[entity_type] = len(used) - old
    types = {link.type for link in collector.mapping.links if link.mode == "aggregate"}
    old_links = existing_links(conn, case_id, types, set(remap.values()))
    for source, target, link, _properties in collector.aggregated_links():
        key = (remap.get(source.id, source.id), remap.get(target.id, target.id), link.type)
        if key in old_links:
            result.links_existing += 1
        else:
            result.links_new += 1
    result.links_new += collector.spooled_count
    return result


class _Batches:
    """Row buffers flushed every INSERT_BATCH rows (checking for a cancel in between)."""

    def __init__(self, conn: Connection, check: Callable[[], None]):
        self.conn = conn
        self.check = check
        self.rows: dict[Any, list[dict[str, Any]]] = {entities: [], links: [], provenance: []}

    def add(self, table: Any, row: dict[str, Any]) -> None:
        buffer = self.rows[table]
        buffer.append(row)
        if len(buffer) >= INSERT_BATCH:
            self.check()
            bulk_insert(self.conn, table, buffer)
            buffer.clear()

    def flush(self) -> None:
        for table in (entities, links, provenance):  # entities before the links naming them
            bulk_insert(self.conn, table, self.rows[table])
            self.rows[table].clear()


def write(
    conn: Connection,
    case_id: str,
    collector: Collector,
    *,
    actor: str,
    ref: str,
    note: str,
    check: Callable[[], None],
) -> Written:
    """Insert the import into the case inside the caller's transaction."""
    now = utcnow()
    result = Written()
    digest = hashlib.sha256()
    remap = existing_entities(conn, case_id, collector)
    batches = _Batches(conn, check)
    base_prov = {
        "case_id": case_id,
        "kind": ProvenanceKind.IMPORT.value,
        "ref": ref[:200],
        "note": note[:2000],
        "actor": actor,
        "at": now,
    }

    def prov(object_type: str, object_id: str) -> None:
        batches.add(provenance, {**base_prov, "object_type": object_type, "object_id": object_id})

    order = _next_order(conn, entities, case_id)
    for entity_type, used in collector.entities():
        new = 0
        for entity in used:
            if entity.id in remap:
                prov("entity", remap[entity.id])
                continue
            new += 1
            order += 1
            batches.add(
                entities,
                {
                    "id": entity.id,
                    "case_id": case_id,
                    "type": entity.type,
                    "value": entity.value,
                    "normalized": entity.normalized,
                    "label": entity.label or entity.value,
                    "properties": entity.properties,
                    "created_by": actor,
                    "created_at": now,
                    "updated_at": now,
                    "row_order": order,
                },
            )
            prov("entity", entity.id)
            digest.update(f"e\x1f{entity.id}\x1f{entity.type}\x1f{entity.normalized}\n".encode())
            result.first_entity_id = result.first_entity_id or entity.id
            result.last_entity_id = entity.id
        result.entities_new[entity_type] = new
        result.entities_existing[entity_type] = len(used) - new
    batches.flush()  # entities are in before any link names them

    types = {link.type for link in collector.mapping.links if link.mode == "aggregate"}
    old_links = existing_links(conn, case_id, types, set(remap.values()))
    order = _next_order(conn, links, case_id)

    def add_link(source: str, target: str, link: LinkMap, properties: dict[str, Any]) -> None:
        nonlocal order
        link_id = new_id()
        order += 1
        batches.add(
            links,
            {
                "id": link_id,
                "case_id": case_id,
                "source_id": source,
                "target_id": target,
                "type": link.type,
                "confidence": link.confidence,
                "reliability": None,
                "credibility": None,
                "properties": properties,
                "created_by": actor,
                "created_at": now,
                "updated_at": now,
                "row_order": order,
            },
        )
        prov("link", link_id)
        digest.update(f"l\x1f{link_id}\x1f{source}\x1f{target}\x1f{link.type}\n".encode())
        result.links_new += 1

    for source_entity, target_entity, link, properties in collector.aggregated_links():
        source = remap.get(source_entity.id, source_entity.id)
        target = remap.get(target_entity.id, target_entity.id)
        existing = old_links.get((source, target, link.type))
        if existing is not None:
            result.links_existing += 1
            prov("link", existing)
        else:
            add_link(source, target, link, properties)
    for source, target, link, properties in collector.spooled_links():
        add_link(remap.get(source, source), remap.get(target, target), link, properties)
    batches.flush()
    check()
    result.rows_sha256 = digest.hexdigest()
    return result


def _next_order(conn: Connection, table: Any, case_id: str) -> int:
    query = select(func.max(table.c.row_order)).where(table.c.case_id == case_id)
    return int(conn.execute(query).scalar_one() or 0)
