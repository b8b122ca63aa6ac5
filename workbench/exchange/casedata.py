"""The case data of an archive (`case.json`) and its restore into another workspace.

`case.json` is the whole-case JSON export (`workbench.export.export_case_json`: case,
entities and links with provenance, evidence, the case's audit trail) plus what a receiving
workspace needs to rebuild the case: the escalation record, evidence details, links between
evidence and the graph, extracted evidence text, and the chain of custody (kept as history).

Restoring writes the case in ONE transaction. Ids are kept when none of them exists in the
target workspace; if any collides (the same archive opened twice, or the case already
there), every id of the case gets a new one, consistently. The reference is kept unless it
is taken. Evidence gets a custody "transfer" event naming the archive, and the import is one
audit event with the counts, the archive's SHA-256 and a digest of the entity and link rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from workbench.audit import PendingEvent, append_event
from workbench.errors import ValidationError
from workbench.evidence.custody import record_custody
from workbench.evidence.model import CustodyAction, Integrity
from workbench.export import export_case_json
from workbench.model import Confidence, ProvenanceKind
from workbench.store.bulk import bulk_insert
from workbench.store.graph import ENTITY_DIGEST_FIELDS, LINK_DIGEST_FIELDS, _digest
from workbench.store.rows import new_id
from workbench.store.schema import (
    UTCDateTime,
    cases,
    custody_events,
    entities,
    escalation_texts,
    escalations,
    evidence,
    evidence_details,
    evidence_links,
    evidence_text,
    links,
    provenance,
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


def _rows(conn: Connection, table: Table, column: Any, case_id: str) -> list[dict[str, Any]]:
    return [_row_json(table, r) for r in conn.execute(select(table).where(column == case_id))]


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
    return data


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


def _collides(conn: Connection, data: dict[str, Any]) -> bool:
    checks: list[tuple[Any, list[str]]] = [
        (cases.c.id, [data["case"]["id"]]),
        (entities.c.id, [e["id"] for e in data["entities"]]),
        (links.c.id, [link["id"] for link in data["links"]]),
        (evidence.c.id, [e["id"] for e in data["evidence"]]),
    ]
    for column, ids in checks:
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            if chunk and conn.execute(select(column).where(column.in_(chunk)).limit(1)).first():
                return True
    return False


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
            "entities_sha256": _digest(entity_rows, ENTITY_DIGEST_FIELDS),
            "links_sha256": _digest(link_rows, LINK_DIGEST_FIELDS),
            "source_audit_chain_intact": data.get("audit", {}).get("chain_intact"),
        }
        append_event(
            conn, ws.actor, PendingEvent("case.archive_import", "case", case_id, case_id, summary)
        )
    return case_id, summary


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
        else:
            row.setdefault("pos_x", None)
            row.setdefault("pos_y", None)
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
