"""Append-only, hash-chained audit log.

Each event stores the SHA-256 of its own canonical form, and that form includes the hash of
the previous event, so editing, deleting or reordering any stored event breaks the chain.
The newest sequence number and hash are also kept in `workspace_meta` (written in the same
transaction), so removing events from the end is caught too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from workbench.model import AuditEvent
from workbench.store.schema import audit_events, workspace_meta
from workbench.timeutil import from_iso, to_iso, utcnow

GENESIS_HASH = "0" * 64
HEAD_KEY = "audit_head"


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept, dates already as text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(
    *,
    seq: int,
    at: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    case_id: str | None,
    summary: str,
    prev_hash: str,
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "case_id": case_id,
            "summary": summary,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PendingEvent:
    """An event to append; the log fills in sequence number, time and hashes."""

    action: str
    object_type: str
    object_id: str
    case_id: str | None
    summary: dict[str, Any]


def _read_head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(
        select(workspace_meta.c.value).where(workspace_meta.c.key == HEAD_KEY)
    ).scalar_one_or_none()
    if row is None:
        return 0, GENESIS_HASH
    seq_text, _, head_hash = row.partition(":")
    return int(seq_text), head_hash


def append_events(conn: Connection, actor: str, events: Iterable[PendingEvent]) -> int:
    """Append events inside the caller's transaction; returns the new head sequence number."""
    seq, prev_hash = _read_head(conn)
    had_head = seq > 0 or prev_hash != GENESIS_HASH
    at = to_iso(utcnow())
    rows: list[dict[str, Any]] = []
    for pending in events:
        seq += 1
        summary = canonical_json(pending.summary)
        digest = event_hash(
            seq=seq,
            at=at,
            actor=actor,
            action=pending.action,
            object_type=pending.object_type,
            object_id=pending.object_id,
            case_id=pending.case_id,
            summary=summary,
            prev_hash=prev_hash,
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": pending.action,
                "object_type": pending.object_type,
                "object_id": pending.object_id,
                "case_id": pending.case_id,
                "summary": summary,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    if not rows:
        return seq
    conn.execute(insert(audit_events), rows)
    head_value = f"{seq}:{prev_hash}"
    if had_head:
        conn.execute(
            workspace_meta.update().where(workspace_meta.c.key == HEAD_KEY).values(value=head_value)
        )
    else:
        conn.execute(insert(workspace_meta).values(key=HEAD_KEY, value=head_value))
    return seq


def append_event(conn: Connection, actor: str, event: PendingEvent) -> int:
    return append_events(conn, actor, [event])


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"Audit chain intact: {self.checked} events verified."
        return f"Audit chain BROKEN at event {self.first_bad_seq}: {self.reason}"


def verify_chain(conn: Connection) -> ChainReport:
    """Re-hash every event in order; report the first one that does not fit."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    result = conn.execution_options(yield_per=5000).execute(
        select(audit_events).order_by(audit_events.c.seq)
    )
    for row in result:
        if row.seq != expected_seq:
            missing = "missing or reordered" if row.seq > expected_seq else "duplicated"
            return ChainReport(
                False,
                checked,
                expected_seq,
                f"expected sequence number {expected_seq}, found {row.seq} ({missing} event)",
            )
        if row.prev_hash != prev_hash:
            return ChainReport(
                False,
                checked,
                row.seq,
                "its link to the previous event does not match (an event before it was "
                "changed, removed or moved)",
            )
        digest = event_hash(
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            case_id=row.case_id,
            summary=row.summary,
            prev_hash=row.prev_hash,
        )
        if digest != row.hash:
            return ChainReport(
                False, checked, row.seq, "its content no longer matches its recorded hash"
            )
        prev_hash = row.hash
        expected_seq += 1
        checked += 1
    head_seq, head_hash = _read_head(conn)
    if head_seq != checked or (checked and head_hash != prev_hash):
        return ChainReport(
            False,
            checked,
            checked + 1 if head_seq > checked else head_seq,
            f"the recorded head is event {head_seq} but the log ends at event {checked} "
            "(events were removed from the end or the head was altered)",
        )
    return ChainReport(True, checked)


def row_to_event(row: Any) -> AuditEvent:
    return AuditEvent(
        seq=row.seq,
        at=from_iso(row.at),
        actor=row.actor,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        case_id=row.case_id,
        summary=json.loads(row.summary),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def iter_events(
    conn: Connection, case_id: str | None = None, limit: int | None = None
) -> Iterator[AuditEvent]:
    """Newest first, optionally for one case."""
    query = select(audit_events).order_by(audit_events.c.seq.desc())
    if case_id is not None:
        query = query.where(audit_events.c.case_id == case_id)
    if limit is not None:
        query = query.limit(limit)
    for row in conn.execute(query):
        yield row_to_event(row)
