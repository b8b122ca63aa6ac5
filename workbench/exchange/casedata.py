"""The case data of an archive (`case.json`) and its restore into another workspace.

`case.json` is the whole-case JSON export (`workbench.export.export_case_json`: case,
entities and links with provenance, evidence, the case's audit trail) plus what a receiving
workspace needs to rebuild the case: the escalation record and its targets, the requester
verification results, evidence details, links between evidence and the graph, extracted
evidence text, the chain of custody (kept as history), the threat assessment with every
saved version and its approvals, the graph's merge history and its pinned nodes. Per-user
assessment drafts stay behind: they are private scratch, not part of the record.

Restoring writes the case in ONE transaction. Ids are kept when none of them exists in the
target workspace; if any collides (the same archive opened twice, or the case already
there), every id of the case gets a new one, consistently, also where ids sit inside JSON
(the escalation's targets, assessment snapshots, merge snapshots and the `merged_from` /
`merge_conflicts` properties a merge leaves). A snapshot whose ids changed gets a new
SHA-256 only if its stored one matched before (an altered snapshot stays visibly altered);
the import event maps each old digest to the new one. The reference is kept unless it is
taken. Evidence gets a custody "transfer" event naming the archive, and the import is one
audit event with the counts, the archive's SHA-256 and a digest of the entity and link rows.
Archives written before a part was carried simply lack its key: it restores as empty.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Connection, Integer, Table, insert, select, update

from workbench.audit import PendingEvent, append_event, canonical_json
from workbench.errors import ValidationError
from workbench.evidence.custody import record_custody
from workbench.evidence.model import CustodyAction, Integrity
from workbench.export import export_case_json
from workbench.graph.merge import CONFLICTS, MERGED_FROM
from workbench.graph.pins import read_pinned, write_pinned
from workbench.model import Confidence, ProvenanceKind
from workbench.store.bulk import bulk_insert
from workbench.store.graph import ENTITY_DIGEST_FIELDS, LINK_DIGEST_FIELDS, _digest
from workbench.store.rows import new_id
from workbench.store.schema import (
    UTCDateTime,
    assessment_approvals,
    assessment_versions,
    assessments,
    cases,
    custody_events,
    entities,
    escalation_targets,
    escalation_texts,
    escalations,
    evidence,
    evidence_details,
    evidence_links,
    evidence_text,
    graph_merges,
    links,
    provenance,
    verification_checks,
)
from workbench.store.workspace import Workspace
from workbench.timeutil import from_iso, to_iso, utcnow

CASE_DATA_FORMAT = "osint-workbench/case-archive-data"


def _row_json(table: Table, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        value = getattr(row, column.name)
        if isinstance(value, datetime):
            value = to_iso(value)
        elif isinstance(value, bytes | memoryview):
            continue  # thumbnails are regenerated, not carried
        out[column.name] = value
    return out


def _rows(
    conn: Connection, table: Table, column: Any, case_id: str, order: Iterable[str] = ()
) -> list[dict[str, Any]]:
    query = select(table).where(column == case_id).order_by(*(table.c[name] for name in order))
    return [_row_json(table, r) for r in conn.execute(query)]


class _Ids:
    def __init__(self, remap: bool):
        self.remap = remap
        self.map: dict[str, str] = {}

    def __call__(self, old: str | None) -> str | None:
        if old is None:
            return None
        if not self.remap:
            return old
        if old not in self.map:
            self.map[old] = new_id()
        return self.map[old]

    def must(self, old: str) -> str:
        new = self(old)
        assert new is not None
        return new

    def keys(self, item: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
        """`item` (a JSON object) with the ids under `names` renewed, in place."""
        for name in names:
            if isinstance(item.get(name), str):
                item[name] = self.must(item[name])
        return item

    def each(self, values: Any) -> Any:
        """A JSON list of ids, renewed (anything else is returned as it is)."""
        if not isinstance(values, list):
            return values
        return [self.must(v) if isinstance(v, str) else v for v in values]


@dataclass
class _Renewal:
    """What renewing the ids inside JSON columns needs: the case's ids, the new case id,
    provenance row ids (old -> new: the receiving workspace numbers them afresh), and the
    snapshot digests that changed (old -> new, for the import event)."""

    ids: _Ids
    case_id: str
    provenance: dict[int, int] = field(default_factory=dict)
    rehashed: dict[str, str] = field(default_factory=dict)

    def snapshot(self, values: dict[str, Any], renew: Callable[[dict[str, Any]], None]) -> None:
        """Renew the ids in `values["snapshot"]` with `renew` (on a copy). A new SHA-256 is
        recorded only for a snapshot that was intact: an altered one stays visibly altered."""
        before = values["snapshot"]
        after = copy.deepcopy(before)
        renew(after)
        values["snapshot"] = after
        digest = values["snapshot_sha256"]
        if after != before and _sha256(before) == digest:
            values["snapshot_sha256"] = self.rehashed[digest] = _sha256(after)


def _sha256(value: Any) -> str:
    """The digest assessment and merge snapshots are stored with (canonical JSON)."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def _renew_properties(properties: Any, ids: _Ids) -> Any:
    """Entity properties with the ids a merge wrote into them renewed (`merged_from`:
    duplicate and merge ids; `merge_conflicts`: where each value came from, and the merge)."""
    if not isinstance(properties, dict) or not (
        MERGED_FROM in properties or CONFLICTS in properties
    ):
        return properties
    out = dict(properties)
    if isinstance(out.get(MERGED_FROM), list):
        out[MERGED_FROM] = [
            ids.keys(dict(e), ("id", "merge_id")) if isinstance(e, dict) else e
            for e in out[MERGED_FROM]
        ]
    if isinstance(out.get(CONFLICTS), dict):
        out[CONFLICTS] = {
            key: [ids.keys(dict(e), ("from", "merge_id")) if isinstance(e, dict) else e for e in v]
            if isinstance(v, list)
            else v
            for key, v in out[CONFLICTS].items()
        }
    return out


def _renew_version(values: dict[str, Any], renewal: _Renewal) -> None:
    """An assessment snapshot names entities and evidence of the case (subjects, potential
    targets, evidence and per-factor links); its rule trace and decision hold no ids."""
    ids = renewal.ids

    def renew(snapshot: dict[str, Any]) -> None:
        record = snapshot.get("record")
        if not isinstance(record, dict):
            return
        holders: list[tuple[Any, tuple[str, ...]]] = [
            (record.get("context"), ("subject_ids", "target_ids", "evidence_ids"))
        ]
        answers = record.get("answers")
        if isinstance(answers, dict):
            holders.extend((answer, ("evidence_ids", "entity_ids")) for answer in answers.values())
        for holder, names in holders:
            if isinstance(holder, dict):
                for name in names:
                    if name in holder:
                        holder[name] = ids.each(holder[name])

    renewal.snapshot(values, renew)


def _renew_merge(values: dict[str, Any], renewal: _Renewal) -> None:
    """A merge names the duplicates (gone from the graph, back on unmerge) and keeps a
    snapshot of every row it changed: entity rows, link ends, provenance rows (by their
    workspace-local number) and evidence links."""
    ids = renewal.ids
    values["duplicate_ids"] = ids.each(values["duplicate_ids"])

    def renew(snapshot: dict[str, Any]) -> None:
        for row in [snapshot.get("keep_before"), *(snapshot.get("duplicates") or [])]:
            if isinstance(row, dict):
                ids.keys(row, ("id",)).update(case_id=renewal.case_id)
                row["properties"] = _renew_properties(row.get("properties"), ids)
        after = snapshot.get("keep_after")
        if isinstance(after, dict):
            after["properties"] = _renew_properties(after.get("properties"), ids)
        for name, keys in (
            ("links", ("id", "source_id", "target_id")),
            ("provenance", ("object_id",)),
            ("evidence_links_moved", ("id", "object_id")),
            ("evidence_links_removed", ("id", "evidence_id", "object_id")),
        ):
            for item in snapshot.get(name) or []:
                if isinstance(item, dict):
                    ids.keys(item, keys)
                    if name == "provenance":
                        number = item.get("id")
                        # a row gone since the merge matches nothing on unmerge (None)
                        item["id"] = (
                            renewal.provenance.get(number) if isinstance(number, int) else None
                        )
                    elif name == "evidence_links_removed":
                        item["case_id"] = renewal.case_id

    renewal.snapshot(values, renew)


def _renew_none(values: dict[str, Any], renewal: _Renewal) -> None:
    """Rows whose JSON holds no ids of the case."""


@dataclass(frozen=True)
class _Part:
    """A table of the case carried row for row: its key in case.json, the order rows are
    written in, the columns holding ids of the case, and how ids inside its JSON renew."""

    key: str
    table: Table
    order: tuple[str, ...]
    id_columns: tuple[str, ...] = ()
    renew: Callable[[dict[str, Any], _Renewal], None] = _renew_none


# In restore order: a row's references come before it.
_PARTS = (
    _Part("escalation_targets", escalation_targets, ("id",)),
    _Part("verification_checks", verification_checks, ("at", "id"), ("id", "evidence_id")),
    _Part("assessments", assessments, ("id",), ("id",)),
    _Part(
        "assessment_versions",
        assessment_versions,
        ("version",),
        ("assessment_id",),
        _renew_version,
    ),
    _Part(
        "assessment_approvals",
        assessment_approvals,
        ("approved_at", "id"),
        ("id", "assessment_id"),
    ),
    _Part("graph_merges", graph_merges, ("merged_at", "id"), ("id", "keep_id"), _renew_merge),
)


def _serial(column: Column[Any]) -> bool:
    """A workspace-local row number: the receiving workspace numbers these afresh."""
    return bool(column.primary_key) and isinstance(column.type, Integer)


def collect_case_data(ws: Workspace, case_id: str) -> dict[str, Any]:
    data = export_case_json(ws, case_id)
    data["archive_data"] = CASE_DATA_FORMAT
    with ws.read() as conn:
        data["escalation"] = _rows(conn, escalations, escalations.c.case_id, case_id)
        data["escalation_text"] = _rows(conn, escalation_texts, escalation_texts.c.case_id, case_id)
        data["evidence_details"] = _rows(
            conn, evidence_details, evidence_details.c.case_id, case_id
        )
        data["evidence_links"] = _rows(conn, evidence_links, evidence_links.c.case_id, case_id)
        data["evidence_text"] = _rows(conn, evidence_text, evidence_text.c.case_id, case_id)
        data["custody"] = _rows(conn, custody_events, custody_events.c.case_id, case_id)
        for part in _PARTS:
            data[part.key] = _rows(conn, part.table, part.table.c.case_id, case_id, part.order)
        data["graph_pinned"] = read_pinned(conn, case_id)
        # Provenance rows by object, in the order the export lists them: merge snapshots
        # name provenance rows by number, which the receiving workspace gives afresh.
        data["provenance_ids"] = _provenance_by_object(conn, case_id)
    return data


def _provenance_by_object(conn: Connection, case_id: str) -> dict[str, list[int]]:
    """The case's provenance row numbers per object id, in row order."""
    numbers: dict[str, list[int]] = {}
    for row in conn.execute(
        select(provenance.c.id, provenance.c.object_id)
        .where(provenance.c.case_id == case_id)
        .order_by(provenance.c.id)
    ):
        numbers.setdefault(row.object_id, []).append(row.id)
    return numbers


def _typed(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """Archive JSON back to column values (ISO text -> aware datetimes); unknown keys dropped."""
    out: dict[str, Any] = {}
    for column in table.columns:
        if column.name not in values:
            continue
        value = values[column.name]
        if isinstance(column.type, UTCDateTime) and isinstance(value, str):
            value = from_iso(value)
        out[column.name] = value
    return out


def _collides(conn: Connection, data: dict[str, Any]) -> bool:
    merged_away = [d for m in data.get("graph_merges") or [] for d in m["duplicate_ids"]]
    checks: list[tuple[Any, list[str]]] = [
        (cases.c.id, [data["case"]["id"]]),
        (entities.c.id, [e["id"] for e in data["entities"]] + merged_away),
        (links.c.id, [link["id"] for link in data["links"]]),
        (evidence.c.id, [e["id"] for e in data["evidence"]]),
        (evidence_links.c.id, [k["id"] for k in data.get("evidence_links") or []]),
    ]
    checks.extend(
        (part.table.c.id, [row["id"] for row in data.get(part.key) or []])
        for part in _PARTS
        if "id" in part.id_columns
    )
    for column, ids in checks:
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            if chunk and conn.execute(select(column).where(column.in_(chunk)).limit(1)).first():
                return True
    return False


def _damaged(what: str) -> ValidationError:
    return ValidationError(
        f"The archive's case.json is damaged: {what}. Nothing was written; make the archive "
        "again from the source workspace."
    )


def _check_parts(data: dict[str, Any]) -> None:
    """Every carried table is a list of rows holding the columns the table requires."""
    for part in _PARTS:
        rows = data.get(part.key)
        if rows is None:
            continue  # an archive made before this part was carried
        if not isinstance(rows, list):
            raise _damaged(f"{part.key} is not a list of rows")
        required = [
            c
            for c in part.table.columns
            if not c.nullable and not _serial(c) and c.name != "case_id"
        ]
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise _damaged(f"{part.key} row {number} is not an object")
            missing = [c.name for c in required if row.get(c.name) is None]
            if missing:
                raise _damaged(f"{part.key} row {number} lacks {', '.join(missing)}")
            shapeless = [
                c.name
                for c in required
                if isinstance(c.type, JSON) and not isinstance(row[c.name], dict | list)
            ]
            if shapeless:
                raise _damaged(f"{part.key} row {number}: {', '.join(shapeless)} is not JSON data")
    if len(data.get("assessments") or []) > 1:
        raise _damaged("a case has one assessment, the archive holds several")
    held = {row["id"] for row in data.get("assessments") or []}
    for key in ("assessment_versions", "assessment_approvals"):
        for number, row in enumerate(data.get(key) or [], start=1):
            if row["assessment_id"] not in held:
                raise _damaged(f"{key} row {number} belongs to an assessment it does not hold")
    for number, row in enumerate(data.get("graph_merges") or [], start=1):
        if not isinstance(row["duplicate_ids"], list) or not all(
            isinstance(d, str) for d in row["duplicate_ids"]
        ):
            raise _damaged(f"graph_merges row {number}: duplicate_ids is not a list of ids")
    pins = data.get("graph_pinned")
    if pins is not None and (
        not isinstance(pins, list) or not all(isinstance(p, str) for p in pins)
    ):
        raise _damaged("graph_pinned is not a list of entity ids")


def check_case_data(ws: Workspace, data: dict[str, Any]) -> None:
    """Refuse data this workspace cannot hold, before anything is written."""
    if data.get("archive_data") != CASE_DATA_FORMAT or not isinstance(data.get("case"), dict):
        raise ValidationError("The archive's case.json is not OSINT Workbench case data.")
    vocab = ws.graph.vocabulary
    unknown = sorted({e["type"] for e in data["entities"]} - set(vocab.entity_types))
    unknown_links = sorted({k["type"] for k in data["links"]} - set(vocab.link_types))
    if unknown or unknown_links:
        raise ValidationError(
            "The archive uses types this workspace does not know (entity types: "
            f"{', '.join(unknown) or '-'}; link types: {', '.join(unknown_links) or '-'}). "
            "Install the plugin that defines them, then open the archive again."
        )
    for link in data["links"]:
        Confidence(link["confidence"])
    _check_parts(data)


def restore_case(
    ws: Workspace, data: dict[str, Any], *, archive_name: str, archive_sha256: str
) -> tuple[str, dict[str, Any]]:
    """Write the case into `ws` in one transaction; returns (new case id, audit summary)."""
    check_case_data(ws, data)
    now = utcnow()
    case = data["case"]
    with ws.write() as conn:
        ids = _Ids(_collides(conn, data))
        case_id = ids.must(case["id"])
        reference = case["reference"]
        if conn.execute(select(cases.c.id).where(cases.c.reference == reference)).first():
            reference = ws.cases._next_reference(conn, now.year)
        case_values = _typed(cases, {**case, "id": case_id, "reference": reference})
        case_values["tags"] = list(case.get("tags") or [])
        conn.execute(insert(cases).values(**case_values))
        _restore_escalation(conn, data, case_values, ids)
        entity_rows = _graph_rows(conn, data["entities"], entities, case_id, ids, ws)
        link_rows = _graph_rows(conn, data["links"], links, case_id, ids, ws)
        _restore_evidence(conn, ws, data, case_id, ids, archive_name, archive_sha256)
        renewal = _Renewal(ids, case_id)
        if data.get("graph_merges"):
            renewal.provenance = _provenance_numbers(conn, data, case_id, ids)
        counts = {part.key: _restore_part(conn, part, data, renewal) for part in _PARTS}
        counts["graph_pins"] = _restore_pins(
            conn, data, case_id, ids, {row["id"] for row in entity_rows}
        )
        summary = {
            "archive": archive_name,
            "archive_sha256": archive_sha256,
            "original_case_id": case["id"],
            "original_reference": case["reference"],
            "reference": reference,
            "ids_renewed": ids.remap,
            "entities": len(entity_rows),
            "links": len(link_rows),
            "evidence": len(data["evidence"]),
            **counts,
            "snapshots_rehashed": renewal.rehashed,
            "entities_sha256": _digest(entity_rows, ENTITY_DIGEST_FIELDS),
            "links_sha256": _digest(link_rows, LINK_DIGEST_FIELDS),
            "source_audit_chain_intact": data.get("audit", {}).get("chain_intact"),
        }
        append_event(
            conn, ws.actor, PendingEvent("case.archive_import", "case", case_id, case_id, summary)
        )
    return case_id, summary


def _restore_part(conn: Connection, part: _Part, data: dict[str, Any], renewal: _Renewal) -> int:
    """The archive's rows of `part.table`, written with the new case id, the id columns
    renewed and the ids inside JSON renewed; workspace-local row numbers are given afresh."""
    columns = [c.name for c in part.table.columns if not _serial(c)]
    rows = []
    for item in data.get(part.key) or []:
        values = _typed(part.table, item)
        values["case_id"] = renewal.case_id
        for name in part.id_columns:
            values[name] = renewal.ids(values.get(name))
        part.renew(values, renewal)
        rows.append({name: values.get(name) for name in columns})
    if rows:
        conn.execute(insert(part.table), rows)
    return len(rows)


def _provenance_numbers(
    conn: Connection, data: dict[str, Any], case_id: str, ids: _Ids
) -> dict[int, int]:
    """Old provenance row number -> new, matched per object in order (the export lists each
    object's provenance by number, and `_graph_rows` inserts it in that order)."""
    fresh = _provenance_by_object(conn, case_id)
    numbers: dict[int, int] = {}
    for old_object, old_numbers in (data.get("provenance_ids") or {}).items():
        numbers.update(zip(sorted(old_numbers), fresh.get(ids.must(old_object), []), strict=False))
    return numbers


def _restore_pins(
    conn: Connection, data: dict[str, Any], case_id: str, ids: _Ids, restored: set[str]
) -> int:
    pins = {ids.must(p) for p in data.get("graph_pinned") or []} & restored
    return write_pinned(conn, case_id, pins)


def _restore_escalation(
    conn: Connection, data: dict[str, Any], case_values: dict[str, Any], ids: _Ids
) -> None:
    from workbench.intake.lifecycle import on_case_created

    on_case_created(conn, case_values)
    case_id = case_values["id"]
    for table, rows in (
        (escalations, data.get("escalation")),
        (escalation_texts, data.get("escalation_text")),
    ):
        if not rows:
            continue
        values = _typed(table, rows[0])
        values.pop("case_id", None)
        if table is escalations:
            values["reference"] = case_values["reference"]
            values["merged_into"] = None
            for key in ("source_evidence_id", "legal_process_evidence_id"):
                values[key] = ids(values.get(key))
            if isinstance(values.get("targets"), list):  # each target's graph entity
                values["targets"] = [
                    ids.keys(dict(t), ("entity_id",)) if isinstance(t, dict) else t
                    for t in values["targets"]
                ]
        conn.execute(update(table).where(table.c.case_id == case_id).values(**values))


def _graph_rows(
    conn: Connection,
    items: list[dict[str, Any]],
    table: Table,
    case_id: str,
    ids: _Ids,
    ws: Workspace,
) -> list[dict[str, Any]]:
    kind = "entity" if table is entities else "link"
    rows: list[dict[str, Any]] = []
    origins: list[dict[str, Any]] = []
    for order, item in enumerate(items, start=1):
        row = _typed(table, item)
        row.update(id=ids.must(item["id"]), case_id=case_id, row_order=order)
        if kind == "link":
            row["source_id"] = ids.must(item["source_id"])
            row["target_id"] = ids.must(item["target_id"])
        else:  # positions are entity columns: they travel with the row
            row.setdefault("pos_x", None)
            row.setdefault("pos_y", None)
            row["properties"] = _renew_properties(row.get("properties"), ids)
        rows.append(row)
        for record in item.get("provenance") or []:
            origins.append(
                {
                    "case_id": case_id,
                    "object_type": kind,
                    "object_id": row["id"],
                    "kind": ProvenanceKind(record["kind"]).value,
                    "ref": record.get("ref"),
                    "note": record.get("note"),
                    "actor": record["actor"],
                    "at": from_iso(record["at"]),
                }
            )
    columns = [c.name for c in table.columns]
    rows = [{name: row.get(name) for name in columns} for row in rows]
    bulk_insert(conn, table, rows)
    if origins:
        bulk_insert(conn, provenance, origins)
    return rows


def _restore_evidence(
    conn: Connection,
    ws: Workspace,
    data: dict[str, Any],
    case_id: str,
    ids: _Ids,
    archive_name: str,
    archive_sha256: str,
) -> None:
    now = utcnow()
    details = {d["evidence_id"]: d for d in data.get("evidence_details") or []}
    items = data["evidence"]
    for item in items:
        values = _typed(evidence, item)
        values.update(id=ids.must(item["id"]), case_id=case_id)
        conn.execute(insert(evidence).values(**values))
    for item in items:  # details after all rows: parent_id may point at a later item
        detail = details.get(item["id"], {})
        conn.execute(
            insert(evidence_details).values(
                evidence_id=ids.must(item["id"]),
                case_id=case_id,
                kind=detail.get("kind", "file"),
                copy_type=detail.get("copy_type", "original"),
                parent_id=ids(detail.get("parent_id")),
                derivation=detail.get("derivation"),
                integrity=Integrity.OK.value,
                integrity_detail=f"re-hashed when opened from case archive {archive_name}",
                checked_at=now,
            )
        )
    for text in data.get("evidence_text") or []:
        conn.execute(
            insert(evidence_text).values(
                evidence_id=ids.must(text["evidence_id"]), case_id=case_id, text=text["text"]
            )
        )
    for link in data.get("evidence_links") or []:
        values = _typed(evidence_links, link)
        values.update(
            id=ids.must(link["id"]),
            case_id=case_id,
            evidence_id=ids.must(link["evidence_id"]),
            object_id=ids.must(link["object_id"]),
        )
        conn.execute(insert(evidence_links).values(**values))
    history: dict[str, int] = {}
    for event in data.get("custody") or []:
        history[event["evidence_id"]] = history.get(event["evidence_id"], 0) + 1
    for item in items:
        record_custody(
            conn,
            ws.actor,
            evidence_id=ids.must(item["id"]),
            case_id=case_id,
            action=CustodyAction.TRANSFER,
            purpose=f"received in case archive {archive_name}",
            hash_before=item["sha256"],
            hash_after=item["sha256"],
            integrity=Integrity.OK,
            detail={
                "archive_sha256": archive_sha256,
                "original_evidence_id": item["id"],
                "custody_events_in_archive": history.get(item["id"], 0),
            },
        )
