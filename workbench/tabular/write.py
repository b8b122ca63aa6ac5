"""Phase 2 of an import: match the file's entities against the case and write, in the
caller's ONE transaction (or only count, for a dry run on a read connection).

Entities already in the case (same type and normalised value) are not added again: they
get a provenance record of this import. Aggregated links that already join the same two
entities with the same type are left as they are, with a provenance record; each-row links
are always added (each is an event). New rows go in as tuples through the executemany fast
path (`store/bulk.py` `insert_tuples`: what every row shares is written into the statement
once); each_row links a spooled batch at a time, with ids from `new_ids` and their
provenance records copied from them by one INSERT ... SELECT per batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, func, insert, literal, select

from workbench.model import ProvenanceKind
from workbench.store.bulk import insert_tuples, json_text
from workbench.store.rows import new_id, new_ids
from workbench.store.schema import entities, links, provenance
from workbench.tabular.collect import Collector, SpooledLinks
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
        if not used or not _case_has(conn, case_id, entity_type):
            continue  # a first import of this type into the case: nothing to look up
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


def _case_has(conn: Connection, case_id: str, entity_type: str) -> bool:
    query = select(entities.c.id).where(
        entities.c.case_id == case_id, entities.c.type == entity_type
    )
    return conn.execute(query.limit(1)).first() is not None


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


class _Buffer:
    """Rows of one table as tuples of `names`, inserted every INSERT_BATCH rows (checking for
    a cancel first) with the `constants` written into the statement once."""

    def __init__(
        self,
        conn: Connection,
        table: Table,
        names: tuple[str, ...],
        constants: dict[str, Any],
        check: Callable[[], None],
    ):
        self.conn = conn
        self.table = table
        self.names = names
        self.constants = constants
        self.check = check
        self.rows: list[tuple[Any, ...]] = []

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= INSERT_BATCH:
            self.check()
            self.flush()

    def flush(self) -> None:
        insert_tuples(self.conn, self.table, self.names, self.rows, constants=self.constants)
        self.rows = []


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
    base_prov = {
        "case_id": case_id,
        "kind": ProvenanceKind.IMPORT.value,
        "ref": ref[:200],
        "note": note[:2000],
        "actor": actor,
        "at": now,
    }
    stamps = {"created_by": actor, "created_at": now, "updated_at": now}

    # 1. entities (each with a provenance record; one the case had gets only that)
    new_entities = _Buffer(
        conn,
        entities,
        ("id", "type", "value", "normalized", "label", "properties", "row_order"),
        {"case_id": case_id, **stamps},
        check,
    )
    entity_prov = _Buffer(
        conn, provenance, ("object_id",), {**base_prov, "object_type": "entity"}, check
    )
    order = _next_order(conn, entities, case_id)
    for entity_type, used in collector.entities():
        new = 0
        lines = []
        for entity in used:
            existing = remap.get(entity.id)
            if existing is not None:
                entity_prov.add((existing,))
                continue
            new += 1
            order += 1
            new_entities.add(
                (
                    entity.id,
                    entity.type,
                    entity.value,
                    entity.normalized,
                    entity.label or entity.value,
                    json_text(entity.properties),
                    order,
                )
            )
            entity_prov.add((entity.id,))
            lines.append(f"e\x1f{entity.id}\x1f{entity.type}\x1f{entity.normalized}\n")
            if len(lines) >= INSERT_BATCH:
                digest.update("".join(lines).encode())
                lines.clear()
            result.first_entity_id = result.first_entity_id or entity.id
            result.last_entity_id = entity.id
        digest.update("".join(lines).encode())
        result.entities_new[entity_type] = new
        result.entities_existing[entity_type] = len(used) - new
    new_entities.flush()  # entities are in before any link names them
    entity_prov.flush()

    # 2. aggregated links (one the case had already gets a provenance record only)
    link_constants = {"case_id": case_id, "reliability": None, "credibility": None, **stamps}
    link_prov = {**base_prov, "object_type": "link"}
    types = {link.type for link in collector.mapping.links if link.mode == "aggregate"}
    old_links = existing_links(conn, case_id, types, set(remap.values()))
    new_links = _Buffer(
        conn,
        links,
        ("id", "source_id", "target_id", "type", "confidence", "properties", "row_order"),
        link_constants,
        check,
    )
    aggregated_prov = _Buffer(conn, provenance, ("object_id",), link_prov, check)
    order = _next_order(conn, links, case_id)
    lines = []
    for source_entity, target_entity, link, properties in collector.aggregated_links():
        source = remap.get(source_entity.id, source_entity.id)
        target = remap.get(target_entity.id, target_entity.id)
        existing = old_links.get((source, target, link.type))
        if existing is not None:
            result.links_existing += 1
            aggregated_prov.add((existing,))
            continue
        link_id = new_id()
        order += 1
        new_links.add(
            (link_id, source, target, link.type, link.confidence, json_text(properties), order)
        )
        aggregated_prov.add((link_id,))
        lines.append(f"l\x1f{link_id}\x1f{source}\x1f{target}\x1f{link.type}\n")
        if len(lines) >= INSERT_BATCH:
            digest.update("".join(lines).encode())
            lines.clear()
        result.links_new += 1
    digest.update("".join(lines).encode())
    new_links.flush()
    aggregated_prov.flush()  # before the each_row links' provenance

    # 3. each_row links, a spooled batch at a time
    for batch in collector.spooled_batches():
        check()
        order = _insert_each_row(
            conn, batch, collector, remap, order, link_constants, link_prov, digest
        )
        result.links_new += len(batch.sources)
    check()
    result.rows_sha256 = digest.hexdigest()
    return result


def _insert_each_row(
    conn: Connection,
    batch: SpooledLinks,
    collector: Collector,
    remap: dict[str, str],
    order: int,
    link_constants: dict[str, Any],
    link_prov: dict[str, Any],
    digest: Any,
) -> int:
    """Insert a batch of each_row links and their provenance; returns the last row_order.

    No per-link Python beyond building tuples in C (`zip`): the ids come from `new_ids`, the
    values shared by every link are written into the statement once, and the provenance
    records are copied from the inserted links by one INSERT ... SELECT in row order."""
    count = len(batch.sources)
    sources, targets = batch.sources, batch.targets
    if remap:  # entities the case had already
        sources = list(map(remap.get, sources, sources))
        targets = list(map(remap.get, targets, targets))
    ids = new_ids(count)
    orders = range(order + 1, order + count + 1)
    specs = collector.mapping.links
    first = batch.links[0]
    if batch.links.count(first) == count:  # one link type in the batch (the usual case)
        spec = specs[first]
        types: Sequence[str] = [spec.type] * count
        insert_tuples(
            conn,
            links,
            ("id", "source_id", "target_id", "properties", "row_order"),
            list(zip(ids, sources, targets, batch.properties, orders, strict=True)),
            constants={**link_constants, "type": spec.type, "confidence": spec.confidence},
        )
    else:
        types = [specs[index].type for index in batch.links]
        confidences = [specs[index].confidence for index in batch.links]
        columns = (ids, sources, targets, types, confidences, batch.properties, orders)
        insert_tuples(
            conn,
            links,
            ("id", "source_id", "target_id", "type", "confidence", "properties", "row_order"),
            list(zip(*columns, strict=True)),
            constants=link_constants,
        )
    names = list(link_prov)
    conn.execute(
        insert(provenance).from_select(
            [*names, "object_id"],
            select(*(literal(link_prov[n], provenance.c[n].type) for n in names), links.c.id)
            .where(
                links.c.case_id == link_constants["case_id"],
                links.c.row_order > order,
                links.c.row_order <= order + count,
            )
            .order_by(links.c.row_order),
        )
    )
    # The digest lines of aggregated links: "l<US>id<US>source<US>target<US>type\n".
    lines = "\nl\x1f".join(map("\x1f".join, zip(ids, sources, targets, types, strict=True)))
    digest.update(f"l\x1f{lines}\n".encode())
    return order + count


def _next_order(conn: Connection, table: Any, case_id: str) -> int:
    query = select(func.max(table.c.row_order)).where(table.c.case_id == case_id)
    return int(conn.execute(query).scalar_one() or 0)
