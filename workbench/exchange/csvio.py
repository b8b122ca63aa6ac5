"""CSV: export a case as entities.csv, links.csv and evidence.csv (UTF-8 with BOM so
spreadsheets read it); import entities.csv (+ links.csv) into a case.

Cells that a spreadsheet would run as a formula (starting with =, @, tab, CR, or +/- not
followed by a number) are written with a leading apostrophe, which the import strips again.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from workbench.errors import ValidationError
from workbench.exchange.atomic import atomic_binary, atomic_directory
from workbench.exchange.model import (
    MAX_ITEMS,
    ImportEdge,
    ImportNode,
    ImportPlan,
    SourceFile,
    describe_source,
)
from workbench.store.schema import evidence_details, provenance
from workbench.store.workspace import Workspace
from workbench.timeutil import to_iso
from workbench.vocabulary import Vocabulary

ENTITY_COLUMNS = [
    "id", "type", "value", "label", "normalized", "properties", "x", "y",
    "created_by", "created_at", "provenance",
]  # fmt: skip
LINK_COLUMNS = [
    "id", "source_id", "target_id", "source_label", "target_label", "type", "confidence",
    "reliability", "credibility", "grading", "properties", "created_by", "created_at",
]  # fmt: skip
EVIDENCE_COLUMNS = [
    "id", "sha256", "size", "filename", "mime_type", "description", "source_url",
    "sensitivity", "collected_by", "collected_at", "kind", "copy_type", "parent_id",
    "integrity", "integrity_detail", "checked_at",
]  # fmt: skip
_NUMBER = re.compile(r"^[+-][\d\s().]*$")
_DANGEROUS = ("=", "@", "\t", "\r")


def _safe(value: Any) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_DANGEROUS) or (text[:1] in "+-" and text and not _NUMBER.match(text)):
        return "'" + text
    return text


def _unsafe(text: str) -> str:
    if (
        text.startswith("'")
        and len(text) > 1
        and (text[1:].startswith(_DANGEROUS) or text[1] in "+-")
    ):
        return text[1:]
    return text


def _write_csv(target: Path, columns: list[str], rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    with atomic_binary(target) as raw:
        raw.write("\ufeff".encode())
        import io

        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_safe(row.get(c)) for c in columns])
            count += 1
        text.flush()
        text.detach()
    return count


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


def export_csv(ws: Workspace, case_id: str, folder: Path) -> dict[str, int]:
    """Write entities.csv, links.csv and evidence.csv into a new folder (atomically)."""
    ws.cases.get(case_id)
    with atomic_directory(Path(folder)) as temp:
        return write_csv_files(ws, case_id, temp)


def write_csv_files(ws: Workspace, case_id: str, folder: Path) -> dict[str, int]:
    entities = ws.graph.list_entities(case_id)
    labels = {e.id: e.label for e in entities}
    origins = _provenance_texts(ws, case_id)
    counts = {
        "entities": _write_csv(
            folder / "entities.csv",
            ENTITY_COLUMNS,
            (
                {
                    "id": e.id,
                    "type": e.type,
                    "value": e.value,
                    "label": e.label,
                    "normalized": e.normalized,
                    "properties": _json(e.properties),
                    "x": e.pos_x,
                    "y": e.pos_y,
                    "created_by": e.created_by,
                    "created_at": to_iso(e.created_at),
                    "provenance": origins.get(e.id, ""),
                }
                for e in entities
            ),
        ),
        "links": _write_csv(
            folder / "links.csv",
            LINK_COLUMNS,
            (
                {
                    "id": link.id,
                    "source_id": link.source_id,
                    "target_id": link.target_id,
                    "source_label": labels.get(link.source_id),
                    "target_label": labels.get(link.target_id),
                    "type": link.type,
                    "confidence": link.confidence.value,
                    "reliability": link.reliability,
                    "credibility": link.credibility,
                    "grading": link.grading,
                    "properties": _json(link.properties),
                    "created_by": link.created_by,
                    "created_at": to_iso(link.created_at),
                }
                for link in ws.graph.list_links(case_id)
            ),
        ),
        "evidence": _write_csv(
            folder / "evidence.csv", EVIDENCE_COLUMNS, _evidence_rows(ws, case_id)
        ),
    }
    return counts


def _provenance_texts(ws: Workspace, case_id: str) -> dict[str, str]:
    texts: dict[str, list[str]] = {}
    with ws.read() as conn:
        rows = conn.execute(
            select(provenance)
            .where(provenance.c.case_id == case_id, provenance.c.object_type == "entity")
            .order_by(provenance.c.id)
        )
        for row in rows:
            texts.setdefault(row.object_id, []).append(
                f"{row.kind} by {row.actor} at {to_iso(row.at)}"
                + (f" ({row.ref})" if row.ref else "")
            )
    return {key: "; ".join(parts) for key, parts in texts.items()}


def _evidence_rows(ws: Workspace, case_id: str) -> Iterator[dict[str, Any]]:
    with ws.read() as conn:
        details = {
            row.evidence_id: row
            for row in conn.execute(
                select(evidence_details).where(evidence_details.c.case_id == case_id)
            )
        }
    for item in ws.evidence.list(case_id):
        detail = details.get(item.id)
        yield {
            "id": item.id,
            "sha256": item.sha256,
            "size": item.size,
            "filename": item.filename,
            "mime_type": item.mime_type,
            "description": item.description,
            "source_url": item.source_url,
            "sensitivity": item.sensitivity,
            "collected_by": item.collected_by,
            "collected_at": to_iso(item.collected_at),
            "kind": detail.kind if detail else "",
            "copy_type": detail.copy_type if detail else "",
            "parent_id": detail.parent_id if detail else "",
            "integrity": detail.integrity if detail else "",
            "integrity_detail": detail.integrity_detail if detail else "",
            "checked_at": to_iso(detail.checked_at) if detail and detail.checked_at else "",
        }


# ---- import -------------------------------------------------------------------------------
def _rows(source: SourceFile, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        with source.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in required if c not in header]
            if missing:
                raise ValidationError(
                    f"{source.name} has no {' or '.join(missing)} column (its header is: "
                    f"{', '.join(header) or 'empty'}). Nothing was imported."
                )
            reader.fieldnames = header
            for number, row in enumerate(reader, start=2):
                if number > MAX_ITEMS:
                    raise ValidationError(
                        f"{source.name} has more than {MAX_ITEMS:,} rows; split it."
                    )
                if None in row:
                    raise ValidationError(
                        f"{source.name} line {reader.line_num}: more cells than header columns."
                    )
                yield reader.line_num, {k: _unsafe(v or "") for k, v in row.items()}
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{source.name} is not UTF-8 (byte {exc.start} of a chunk cannot be decoded); "
            "re-save it as UTF-8 CSV and import it again. Nothing was imported."
        ) from exc
    except csv.Error as exc:
        raise ValidationError(f"{source.name} is not valid CSV ({exc}).") from exc


def _props(text: str, where: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{where}: the properties cell is not JSON ({exc.msg}).") from exc
    if not isinstance(value, dict):
        raise ValidationError(f"{where}: the properties cell must be a JSON object.")
    return value


def _float(text: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return None


def read_csv_plan(
    entities_path: Path,
    links_path: Path | None,
    vocabulary: Vocabulary,
    *,
    default_type: str = "note",
) -> ImportPlan:
    vocabulary.entity_type(default_type)
    source = describe_source(Path(entities_path), "CSV")
    source.format = "csv"
    known_entity = set(ENTITY_COLUMNS) | {"name"}
    nodes: list[ImportNode] = []
    for line, row in _rows(source, ("value",)):
        where = f"{source.name} line {line}"
        type_name = row.get("type", "").strip() or default_type
        if type_name not in vocabulary.entity_types:
            raise ValidationError(
                f"{where}: unknown entity type {type_name!r}. Valid types: "
                f"{', '.join(sorted(vocabulary.entity_types))}. Nothing was imported."
            )
        key = row.get("id", "").strip() or f"line {line}"
        props = {k: v for k, v in row.items() if k not in known_entity and v != ""}
        props.update(_props(row.get("properties", ""), where))
        x, y = _float(row.get("x", "")), _float(row.get("y", ""))
        nodes.append(
            ImportNode(
                key=key,
                type=type_name,
                value=row["value"],
                label=row.get("label") or None,
                properties=props,
                pos=(x, y) if x is not None and y is not None else None,
            )
        )
    plan = ImportPlan(source=source, nodes=nodes, edges=[])
    if links_path is None:
        return plan
    links_source = describe_source(Path(links_path), "CSV")
    links_source.format = "csv"
    plan.other_files.append(links_source)
    known_link = set(LINK_COLUMNS) | {"source", "target"}
    for line, row in _rows(links_source, ()):
        where = f"{links_source.name} line {line}"
        source_key = (row.get("source_id") or row.get("source") or "").strip()
        target_key = (row.get("target_id") or row.get("target") or "").strip()
        if not source_key or not target_key:
            raise ValidationError(
                f"{where}: a link needs source_id and target_id (ids from the id column of "
                f"{source.name}). Nothing was imported."
            )
        grading = row.get("grading", "").strip()
        reliability = row.get("reliability", "").strip() or (grading[:1] if grading else "")
        credibility = row.get("credibility", "").strip() or (grading[1:2] if grading else "")
        props = {k: v for k, v in row.items() if k not in known_link and v != ""}
        props.update(_props(row.get("properties", ""), where))
        plan.edges.append(
            ImportEdge(
                key=row.get("id", "").strip() or f"line {line}",
                source=source_key,
                target=target_key,
                type=row.get("type", "").strip() or "related_to",
                confidence=row.get("confidence", "").strip() or "suspected",
                reliability=reliability or None,
                credibility=credibility or None,
                properties=props,
            )
        )
    return plan


def locate_csv(path: Path, links: Path | None = None) -> tuple[Path, Path | None]:
    """A folder with entities.csv (+ links.csv), or an entities file and an optional links file."""
    path = Path(path)
    if path.is_dir():
        entities = path / "entities.csv"
        if not entities.is_file():
            raise ValidationError(
                f"{path} has no entities.csv; give the entities CSV file or a folder with "
                "entities.csv and links.csv."
            )
        found = path / "links.csv"
        return entities, links or (found if found.is_file() else None)
    return path, links
