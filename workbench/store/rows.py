"""Conversions between table rows and domain records, shared by the repositories."""

from __future__ import annotations

import os
import time
from typing import Any

from workbench.model import (
    Case,
    CaseStatus,
    Category,
    Confidence,
    Entity,
    Evidence,
    Link,
    Priority,
    Provenance,
    ProvenanceKind,
)


def new_id() -> str:
    """A UUIDv7 (RFC 9562): time-ordered, so index inserts append instead of scattering."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a (12 bits)
    value |= 0b10 << 62  # RFC 4122 variant
    value |= rand & ((1 << 62) - 1)  # rand_b
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# new_ids: where the 18 random hex digits of rand_a and rand_b go in
# "tttttttt-tttt-7aaa-Vbbb-bbbbbbbbbbbb" (t: time, V: the variant digit 8, 9, a or b).
_RANDOM_DIGITS_AT = (15, 16, 17, 20, 21, 22, *range(24, 36))
_VARIANT_DIGIT = bytes.maketrans(b"0123456789abcdef", b"89ab89ab89ab89ab")


def new_ids(count: int) -> list[str]:
    """`count` UUIDv7s like `new_id`'s (the same millisecond time stamp, 74 random bits
    each), made together for bulk loads: one clock read, two `os.urandom` calls and a few
    whole-batch byte operations instead of the per-id integer work. Returned in ascending
    order, so rows inserted in list order also append to their primary-key index."""
    if count < 0:
        raise ValueError(f"new_ids needs a count of 0 or more, not {count}")
    if count == 0:
        return []
    millis = (time.time_ns() // 1_000_000) & ((1 << 48) - 1)
    stamp = f"{millis:012x}"
    # Every id as 36 characters and a newline, the random digits filled in column by
    # column (bytearray slices with a step of 37), then split into strings.
    text = bytearray(f"{stamp[:8]}-{stamp[8:]}-7000-8000-000000000000\n".encode() * count)
    digits = os.urandom(9 * count).hex().encode()
    for index, at in enumerate(_RANDOM_DIGITS_AT):
        text[at::37] = digits[index::18]
    # The variant digit carries the other 2 random bits of rand_b.
    variants = os.urandom((count + 1) // 2).hex().encode()[:count]
    text[19::37] = variants.translate(_VARIANT_DIGIT)
    ids = text.decode("ascii").split("\n")
    ids.pop()  # after the last newline
    ids.sort()
    return ids


def case_from_row(row: Any) -> Case:
    return Case(
        id=row.id,
        reference=row.reference,
        title=row.title,
        status=CaseStatus(row.status),
        priority=Priority(row.priority),
        category=Category(row.category),
        assignee=row.assignee,
        tags=tuple(row.tags or ()),
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        description=row.description,
    )


def provenance_from_row(row: Any) -> Provenance:
    return Provenance(
        kind=ProvenanceKind(row.kind), actor=row.actor, at=row.at, ref=row.ref, note=row.note
    )


def entity_from_row(row: Any, provenance: tuple[Provenance, ...] = ()) -> Entity:
    return Entity(
        id=row.id,
        case_id=row.case_id,
        type=row.type,
        value=row.value,
        normalized=row.normalized,
        label=row.label,
        properties=dict(row.properties or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        provenance=provenance,
        pos_x=row.pos_x,
        pos_y=row.pos_y,
    )


def link_from_row(row: Any, provenance: tuple[Provenance, ...] = ()) -> Link:
    return Link(
        id=row.id,
        case_id=row.case_id,
        source_id=row.source_id,
        target_id=row.target_id,
        type=row.type,
        confidence=Confidence(row.confidence),
        reliability=row.reliability,
        credibility=row.credibility,
        properties=dict(row.properties or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        provenance=provenance,
    )


def evidence_from_row(row: Any) -> Evidence:
    return Evidence(
        id=row.id,
        case_id=row.case_id,
        sha256=row.sha256,
        size=row.size,
        filename=row.filename,
        mime_type=row.mime_type,
        description=row.description,
        collected_by=row.collected_by,
        collected_at=row.collected_at,
        source_url=row.source_url,
        metadata=dict(row.metadata or {}),
        sensitivity=row.sensitivity,
    )
