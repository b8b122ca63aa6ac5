"""Row snapshots and property merging for `merge.py`: JSON forms of table rows that restore
exactly, and the reserved properties a merge writes (`merged_from`, `merge_conflicts`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workbench.store.schema import UTCDateTime

MERGED_FROM = "merged_from"
CONFLICTS = "merge_conflicts"


def to_json(table: Any, row: Any) -> dict[str, Any]:
    """All columns of a row as JSON values (datetimes as ISO text)."""
    out = {}
    for column in table.c:
        value = getattr(row, column.name)
        out[column.name] = value.isoformat() if isinstance(value, datetime) else value
    return out


def from_json(table: Any, values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for column in table.c:
        value = values.get(column.name)
        if isinstance(column.type, UTCDateTime) and isinstance(value, str):
            value = datetime.fromisoformat(value)
        out[column.name] = value
    return out


def merge_properties(
    keep: dict[str, Any], dups: list[Any], merge_id: str
) -> tuple[dict[str, Any], list[str]]:
    props = dict(keep)
    merged_from = list(props.get(MERGED_FROM, []))
    conflicts: dict[str, list[Any]] = {k: list(v) for k, v in props.get(CONFLICTS, {}).items()}
    for dup in dups:
        merged_from.append(
            {"id": dup.id, "value": dup.value, "label": dup.label, "merge_id": merge_id}
        )
        for key, value in (dup.properties or {}).items():
            if key == MERGED_FROM:
                merged_from.extend(value)
            elif key == CONFLICTS:
                for ckey, entries in value.items():
                    conflicts.setdefault(ckey, []).extend(entries)
            elif key not in props:
                props[key] = value
            elif props[key] != value:
                conflicts.setdefault(key, []).append(
                    {"value": value, "from": dup.id, "merge_id": merge_id}
                )
    props[MERGED_FROM] = merged_from
    if conflicts:
        props[CONFLICTS] = conflicts
    new_conflicts = sorted(
        k for k, entries in conflicts.items() for e in entries if e.get("merge_id") == merge_id
    )
    return props, sorted(set(new_conflicts))


def without_merge(key: str, now: Any, before: Any, after: Any) -> Any:
    """A reserved property (`merged_from` or `merge_conflicts`) with the entries this merge
    added taken out (`after` minus `before`), keeping entries later merges added; None when
    nothing is left."""
    if key == MERGED_FROM:
        added = [e for e in (after or []) if e not in (before or [])]
        kept = [e for e in now if e not in added]
        return kept or None
    kept_map = {}
    for ckey, entries in now.items():
        old = (before or {}).get(ckey, [])
        added = [e for e in (after or {}).get(ckey, []) if e not in old]
        rest = [e for e in entries if e not in added]
        if rest:
            kept_map[ckey] = rest
    return kept_map or None
