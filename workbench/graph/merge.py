"""Merge duplicate entities into one, keeping all provenance; unmerge puts everything back.

A merge, in one transaction with its audit event:
* links touching a duplicate are re-pointed to the kept entity (a link between the kept
  entity and a duplicate, or between two duplicates, becomes a self-loop and stays);
* provenance rows and evidence links of the duplicates move to the kept entity (an evidence
  link the kept entity already has with the same relation is set aside, not doubled);
* properties are merged: keys the kept entity lacks are added, differing values are kept
  under `merge_conflicts[key]`, and every duplicate's value and label under `merged_from`;
* the duplicates are deleted, and a JSON snapshot of every row changed or removed is stored
  in `graph_merges` with its SHA-256.

Unmerge restores the exact prior state when nothing changed since. Later changes are kept,
not lost: edits to the kept entity's value, label or properties made after the merge stay on
it (a three-way merge of before / after-merge / now), links added to it later stay on it,
and re-pointed links deleted later stay deleted (reported). Unmerge is refused when the kept
entity is gone (deleted, or merged into another entity: unmerge that merge first).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from workbench.audit import PendingEvent, append_event, canonical_json
from workbench.errors import IntegrityError, NotFoundError, ValidationError
from workbench.graph._merge_rows import (
    CONFLICTS,
    MERGED_FROM,
    from_json,
    merge_properties,
    to_json,
    without_merge,
)
from workbench.store.rows import new_id
from workbench.store.schema import (
    entities,
    evidence_links,
    graph_merges,
    links,
    provenance,
)
from workbench.timeutil import utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace


@dataclass(frozen=True)
class MergeRecord:
    id: str
    case_id: str
    keep_id: str
    duplicate_ids: tuple[str, ...]
    reason: str
    status: str  # merged | unmerged
    merged_by: str
    merged_at: datetime
    unmerged_by: str | None
    unmerged_at: datetime | None
    links_repointed: int
    conflicts: tuple[str, ...]  # property keys whose values differed


class MergeRepository:
    def __init__(self, workspace: Workspace):
        self._ws = workspace

    # ---- merge ----------------------------------------------------------------------------
    def merge(
        self,
        case_id: str,
        keep_id: str,
        duplicate_ids: list[str] | tuple[str, ...],
        *,
        actor: str | None = None,
        reason: str = "",
    ) -> MergeRecord:
        dup_ids = list(dict.fromkeys(duplicate_ids))
        if not dup_ids:
            raise ValidationError("Name at least one duplicate entity to merge into the kept one.")
        if keep_id in dup_ids:
            raise ValidationError(
                f"Entity {keep_id} is both the one kept and a duplicate; an entity cannot be "
                "merged into itself."
            )
        actor = actor or self._ws.actor
        merge_id = new_id()
        now = utcnow()
        with self._ws.write() as conn:
            keep, dups = self._load(conn, case_id, keep_id, dup_ids)
            link_rows = conn.execute(
                select(links.c.id, links.c.source_id, links.c.target_id).where(
                    links.c.source_id.in_(dup_ids) | links.c.target_id.in_(dup_ids)
                )
            ).all()
            prov_rows = conn.execute(
                select(provenance.c.id, provenance.c.object_id).where(
                    provenance.c.object_type == "entity", provenance.c.object_id.in_(dup_ids)
                )
            ).all()
            moved_evidence, removed_evidence = self._move_evidence(conn, keep_id, dup_ids)
            props, conflicts = merge_properties(dict(keep.properties or {}), dups, merge_id)
            conn.execute(
                update(entities)
                .where(entities.c.id == keep_id)
                .values(properties=props, updated_at=now)
            )
            ids = set(dup_ids)
            conn.execute(
                update(links).where(links.c.source_id.in_(dup_ids)).values(source_id=keep_id)
            )
            conn.execute(
                update(links).where(links.c.target_id.in_(dup_ids)).values(target_id=keep_id)
            )
            conn.execute(
                update(provenance)
                .where(provenance.c.object_type == "entity", provenance.c.object_id.in_(dup_ids))
                .values(object_id=keep_id)
            )
            conn.execute(delete(entities).where(entities.c.id.in_(dup_ids)))
            self_loops = sum(
                1
                for _, s, t in link_rows
                if (s in ids or s == keep_id) and (t in ids or t == keep_id)
            )
            snapshot = {
                "keep_before": to_json(entities, keep),
                "keep_after": {
                    "value": keep.value,
                    "label": keep.label,
                    "properties": props,
                    "updated_at": now.isoformat(),
                },
                "duplicates": [to_json(entities, d) for d in dups],
                "links": [{"id": r[0], "source_id": r[1], "target_id": r[2]} for r in link_rows],
                "provenance": [{"id": r[0], "object_id": r[1]} for r in prov_rows],
                "evidence_links_moved": moved_evidence,
                "evidence_links_removed": removed_evidence,
            }
            digest = hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()
            conn.execute(
                insert(graph_merges).values(
                    id=merge_id,
                    case_id=case_id,
                    keep_id=keep_id,
                    duplicate_ids=dup_ids,
                    reason=reason,
                    status="merged",
                    merged_by=actor,
                    merged_at=now,
                    snapshot=snapshot,
                    snapshot_sha256=digest,
                )
            )
            append_event(
                conn,
                actor,
                PendingEvent(
                    "entity.merge",
                    "entity",
                    keep_id,
                    case_id,
                    {
                        "merge_id": merge_id,
                        "keep": {"id": keep_id, "type": keep.type, "value": keep.value},
                        "duplicates": [{"id": d.id, "value": d.value} for d in dups],
                        "links_repointed": [r[0] for r in link_rows],
                        "self_loops": self_loops,
                        "provenance_moved": len(prov_rows),
                        "evidence_links_moved": len(moved_evidence) + len(removed_evidence),
                        "conflicts": conflicts,
                        "reason": reason,
                        "snapshot_sha256": digest,
                    },
                ),
            )
        return self.get(merge_id)

    @staticmethod
    def _load(
        conn: Connection, case_id: str, keep_id: str, dup_ids: list[str]
    ) -> tuple[Any, list[Any]]:
        rows = {
            r.id: r
            for r in conn.execute(select(entities).where(entities.c.id.in_([keep_id, *dup_ids])))
        }
        for eid in [keep_id, *dup_ids]:
            row = rows.get(eid)
            if row is None or row.case_id != case_id:
                raise NotFoundError(
                    f"No entity {eid!r} in this case; merge needs entity ids of the same case "
                    "(`workbench entity list`)."
                )
        keep = rows[keep_id]
        dups = [rows[d] for d in dup_ids]
        odd = [d for d in dups if d.type != keep.type]
        if odd:
            raise ValidationError(
                f"Only entities of one type can be merged: {keep.label} is a {keep.type}, "
                f"{odd[0].label} is a {odd[0].type}. Link them with a same_as hypothesis instead."
            )
        return keep, dups

    @staticmethod
    def _move_evidence(
        conn: Connection, keep_id: str, dup_ids: list[str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rows = conn.execute(
            select(evidence_links)
            .where(
                evidence_links.c.object_type == "entity", evidence_links.c.object_id.in_(dup_ids)
            )
            .order_by(evidence_links.c.id)
        ).all()
        taken = {
            (r.evidence_id, r.relation)
            for r in conn.execute(
                select(evidence_links.c.evidence_id, evidence_links.c.relation).where(
                    evidence_links.c.object_id == keep_id
                )
            )
        }
        moved, removed = [], []
        for row in rows:
            key = (row.evidence_id, row.relation)
            if key in taken:
                removed.append(to_json(evidence_links, row))
                conn.execute(delete(evidence_links).where(evidence_links.c.id == row.id))
            else:
                taken.add(key)
                moved.append({"id": row.id, "object_id": row.object_id})
                conn.execute(
                    update(evidence_links)
                    .where(evidence_links.c.id == row.id)
                    .values(object_id=keep_id)
                )
        return moved, removed

    # ---- unmerge --------------------------------------------------------------------------
    def unmerge(self, merge_id: str, *, actor: str | None = None) -> None:
        actor = actor or self._ws.actor
        with self._ws.write() as conn:
            record = conn.execute(select(graph_merges).where(graph_merges.c.id == merge_id)).first()
            if record is None:
                raise NotFoundError(
                    f"No merge with id {merge_id!r}; `workbench graph merges CASE` lists them."
                )
            if record.status != "merged":
                raise ValidationError(
                    f"Merge {merge_id} was already undone by {record.unmerged_by} at "
                    f"{record.unmerged_at:%Y-%m-%d %H:%M} UTC."
                )
            snapshot = record.snapshot
            digest = hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()
            if digest != record.snapshot_sha256:
                raise IntegrityError(
                    f"The stored snapshot of merge {merge_id} does not match its SHA-256; it was "
                    "altered outside the app, so it cannot be trusted to restore. Restore the "
                    "workspace from a backup."
                )
            keep_id = record.keep_id
            current = conn.execute(select(entities).where(entities.c.id == keep_id)).first()
            if current is None:
                raise ValidationError(self._gone_message(conn, record))
            clash = conn.execute(
                select(entities.c.id).where(entities.c.id.in_(record.duplicate_ids))
            ).first()
            if clash is not None:
                raise IntegrityError(
                    f"Entity {clash.id} exists again, so merge {merge_id} cannot be undone "
                    "without overwriting it."
                )
            later = self._restore_keep(conn, current, snapshot)
            for values in snapshot["duplicates"]:
                conn.execute(insert(entities).values(**from_json(entities, values)))
            wanted = [link["id"] for link in snapshot["links"]]
            present: set[str] = set()
            for start in range(0, len(wanted), 2000):
                present.update(
                    conn.execute(
                        select(links.c.id).where(links.c.id.in_(wanted[start : start + 2000]))
                    ).scalars()
                )
            missing = [lid for lid in wanted if lid not in present]
            restore = [
                {"lid": link["id"], "s": link["source_id"], "t": link["target_id"]}
                for link in snapshot["links"]
                if link["id"] in present
            ]
            if restore:
                conn.execute(
                    update(links)
                    .where(links.c.id == bindparam("lid"))
                    .values(source_id=bindparam("s"), target_id=bindparam("t")),
                    restore,
                )
            for prov in snapshot["provenance"]:
                conn.execute(
                    update(provenance)
                    .where(provenance.c.id == prov["id"], provenance.c.object_id == keep_id)
                    .values(object_id=prov["object_id"])
                )
            for moved in snapshot["evidence_links_moved"]:
                conn.execute(
                    update(evidence_links)
                    .where(
                        evidence_links.c.id == moved["id"], evidence_links.c.object_id == keep_id
                    )
                    .values(object_id=moved["object_id"])
                )
            for removed in snapshot["evidence_links_removed"]:
                conn.execute(insert(evidence_links).values(**from_json(evidence_links, removed)))
            conn.execute(
                update(graph_merges)
                .where(graph_merges.c.id == merge_id)
                .values(status="unmerged", unmerged_by=actor, unmerged_at=utcnow())
            )
            append_event(
                conn,
                actor,
                PendingEvent(
                    "entity.unmerge",
                    "entity",
                    keep_id,
                    record.case_id,
                    {
                        "merge_id": merge_id,
                        "restored": list(record.duplicate_ids),
                        "links_restored": len(snapshot["links"]) - len(missing),
                        "links_deleted_since": missing,
                        "later_edits_kept": later,
                    },
                ),
            )

    @staticmethod
    def _gone_message(conn: Connection, record: Any) -> str:
        for later in conn.execute(
            select(graph_merges).where(
                graph_merges.c.case_id == record.case_id, graph_merges.c.status == "merged"
            )
        ):
            if record.keep_id in later.duplicate_ids:
                return (
                    f"Entity {record.keep_id} was itself merged into {later.keep_id} later "
                    f"(merge {later.id}); unmerge that first, then this one."
                )
        return (
            f"Entity {record.keep_id}, which merge {record.id} kept, has been deleted since; "
            "undo the deletion first, then unmerge."
        )

    @staticmethod
    def _restore_keep(conn: Connection, current: Any, snapshot: dict[str, Any]) -> list[str]:
        """Put the kept entity back as it was before the merge, keeping edits made after it
        (fields whose current value differs from the value right after the merge)."""
        before = from_json(entities, snapshot["keep_before"])
        after = snapshot["keep_after"]
        values: dict[str, Any] = {}
        later: list[str] = []
        for name in ("value", "label"):
            if getattr(current, name) != after[name]:
                later.append(name)
            else:
                values[name] = before[name]
        if later and "value" in later:
            values["normalized"] = current.normalized
        elif "value" in values:
            values["normalized"] = before["normalized"]
        props = dict(before["properties"] or {})
        now_props = dict(current.properties or {})
        after_props = after["properties"]
        for key in set(after_props) | set(now_props):
            if key in (MERGED_FROM, CONFLICTS):
                if key in now_props:
                    rest = without_merge(
                        key, now_props[key], before["properties"].get(key), after_props.get(key)
                    )
                    if rest is None:
                        props.pop(key, None)
                    else:
                        props[key] = rest
                        if rest != before["properties"].get(key):
                            later.append(f"properties.{key}")
                continue
            if now_props.get(key) != after_props.get(key) or (key in now_props) != (
                key in after_props
            ):
                later.append(f"properties.{key}")
                if key in now_props:
                    props[key] = now_props[key]
                else:
                    props.pop(key, None)
        values["properties"] = props
        unchanged = not later and current.updated_at.isoformat() == after["updated_at"]
        values["updated_at"] = before["updated_at"] if unchanged else utcnow()
        conn.execute(update(entities).where(entities.c.id == current.id).values(**values))
        return sorted(later)

    # ---- reading --------------------------------------------------------------------------
    def get(self, merge_id: str) -> MergeRecord:
        with self._ws.read() as conn:
            row = conn.execute(select(graph_merges).where(graph_merges.c.id == merge_id)).first()
        if row is None:
            raise NotFoundError(f"No merge with id {merge_id!r}.")
        return _record(row)

    def list_merges(self, case_id: str) -> list[MergeRecord]:
        with self._ws.read() as conn:
            rows = conn.execute(
                select(graph_merges)
                .where(graph_merges.c.case_id == case_id)
                .order_by(graph_merges.c.merged_at, graph_merges.c.id)
            ).all()
        return [_record(r) for r in rows]


def _record(row: Any) -> MergeRecord:
    snapshot = row.snapshot
    conflicts = sorted(
        key
        for key, entries in snapshot["keep_after"]["properties"].get(CONFLICTS, {}).items()
        if any(e.get("merge_id") == row.id for e in entries)
    )
    return MergeRecord(
        id=row.id,
        case_id=row.case_id,
        keep_id=row.keep_id,
        duplicate_ids=tuple(row.duplicate_ids),
        reason=row.reason,
        status=row.status,
        merged_by=row.merged_by,
        merged_at=row.merged_at,
        unmerged_by=row.unmerged_by,
        unmerged_at=row.unmerged_at,
        links_repointed=len(snapshot["links"]),
        conflicts=tuple(conflicts),
    )


__all__ = ["CONFLICTS", "MERGED_FROM", "MergeRecord", "MergeRepository"]
