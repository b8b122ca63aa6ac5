"""Whole-case export as JSON: case, entities, links, provenance, evidence and audit trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.atomicfile import atomic_text
from workbench.audit import iter_events, verify_chain
from workbench.store.workspace import Workspace
from workbench.timeutil import to_iso, utcnow

FORMAT = "osint-workbench/case+json"
FORMAT_VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def export_case_json(ws: Workspace, case_id: str) -> dict[str, Any]:
    """The case as one JSON-ready dict. Entities and links carry their provenance."""
    case = ws.cases.get(case_id)
    entities = [ws.graph.get_entity(e.id) for e in ws.graph.list_entities(case_id)]
    links = [ws.graph.get_link(link.id) for link in ws.graph.list_links(case_id)]
    with ws.read() as conn:
        chain = verify_chain(conn)
        audit = [asdict(event) for event in iter_events(conn, case_id)]
    audit.reverse()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": to_iso(utcnow()),
        "generated_by": ws.actor,
        "tool": f"OSINT Workbench {__version__}",
        "case": _plain(asdict(case)),
        "entities": [_plain(asdict(e)) for e in entities],
        "links": [_plain(asdict(link)) for link in links],
        "evidence": [_plain(asdict(item)) for item in ws.evidence.list(case_id)],
        "audit": {
            "chain_intact": chain.ok,
            "chain_report": chain.describe(),
            "events": _plain(audit),
        },
    }


def write_case_json(ws: Workspace, case_id: str, target: Path) -> Path:
    """Write atomically: a temporary file next to the target, renamed when complete."""
    data = export_case_json(ws, case_id)
    with atomic_text(target) as handle:
        for chunk in _encode(data):
            handle.write(chunk)
    return target


def _encode(data: dict[str, Any]) -> Iterator[str]:
    yield from json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(data)
