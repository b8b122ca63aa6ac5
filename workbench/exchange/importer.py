"""Write an import plan into a case: everything is validated first, then ONE transaction
inserts the entities and links (the fast executemany path of `store/bulk.py`), their
provenance (kind `import`, ref `<format>:<sha256>`), one audit event per batch (like the bulk
repository methods) and a closing `case.import` event with the counts and the source file's
SHA-256. A bad row, a cancel or a crash leaves the case as it was."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from workbench.audit import PendingEvent, append_event
from workbench.errors import NotFoundError, ValidationError
from workbench.exchange.model import (
    Cancelled,
    ImportCancelled,
    ImportPlan,
    ImportResult,
    Progress,
)
from workbench.model import ProvenanceKind
from workbench.store.bulk import bulk_insert
from workbench.store.graph import (
    BATCH,
    ENTITY_DIGEST_FIELDS,
    LINK_DIGEST_FIELDS,
    EntitySpec,
    LinkSpec,
    _digest,
)
from workbench.store.schema import cases, entities, links, provenance
from workbench.store.workspace import Workspace
from workbench.timeutil import utcnow

MAX_PROBLEMS = 8
SELF_LOOPS = ("refuse", "skip")


def _fail(problems: list[str], total: int, source_name: str) -> None:
    more = f" (and {total - len(problems)} more)" if total > len(problems) else ""
    raise ValidationError(
        f"{source_name} cannot be imported; nothing was written. " + " ".join(problems) + more
    )


def import_plan(
    ws: Workspace,
    case_id: str,
    plan: ImportPlan,
    *,
    dry_run: bool = False,
    self_loops: str = "refuse",
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ImportResult:
    if self_loops not in SELF_LOOPS:
        raise ValidationError(f"self_loops must be one of {', '.join(SELF_LOOPS)}.")
    ws.cases.get(case_id)  # a clear NotFoundError first
    now = utcnow()
    name = plan.source.name
    problems: list[str] = []
    n_problems = 0

    def problem(text: str) -> None:
        nonlocal n_problems
        n_problems += 1
        if len(problems) < MAX_PROBLEMS:
            problems.append(text)

    ids: dict[str, str] = {}
    entity_rows: list[dict[str, Any]] = []
    for node in plan.nodes:
        if node.key in ids:
            problem(f"Node id {node.key!r} appears twice.")
            continue
        try:
            row = ws.graph._entity_values(
                case_id, EntitySpec(node.type, node.value, node.label, node.properties), now
            )
        except ValidationError as exc:
            problem(f"Node {node.key!r}: {exc}")
            continue
        row["pos_x"], row["pos_y"] = node.pos if node.pos else (None, None)
        ids[node.key] = row["id"]
        entity_rows.append(row)
    link_rows: list[dict[str, Any]] = []
    link_keys: list[str] = []
    skipped = 0
    checked: dict[tuple[Any, ...], tuple[str, str | None, str | None]] = {}
    for edge in plan.edges:
        missing = [k for k in (edge.source, edge.target) if k not in ids]
        if missing:
            problem(
                f"Edge {edge.key!r} refers to node {missing[0]!r}, which the file does not "
                "declare (a dangling reference); add the node or remove the edge."
            )
            continue
        if edge.source == edge.target:
            if self_loops == "skip":
                skipped += 1
                continue
            problem(
                f"Edge {edge.key!r} links node {edge.source!r} to itself (a self-loop); a "
                "link needs two different entities. Remove it, or import with the option to "
                "skip self-loops."
            )
            continue
        spec = LinkSpec(
            ids[edge.source],
            ids[edge.target],
            edge.type,
            edge.confidence,
            edge.reliability,
            edge.credibility,
            edge.properties,
        )
        try:
            link_rows.append(ws.graph._link_values(case_id, spec, now, checked))
            link_keys.append(edge.key)
        except ValidationError as exc:
            problem(f"Edge {edge.key!r}: {exc}")
    if problems:
        _fail(problems, n_problems, name)
    already = _already_in_case(ws, case_id, entity_rows)
    result = ImportResult(
        case_id=case_id,
        format=plan.source.format,
        source_name=name,
        sha256=plan.source.sha256,
        entities=len(entity_rows),
        links=len(link_rows),
        skipped_self_loops=skipped,
        already_in_case=already,
        dry_run=dry_run,
        notes=tuple(plan.notes),
        entity_types=dict(Counter(row["type"] for row in entity_rows)),
    )
    if dry_run:
        return result
    _write(ws, case_id, plan, entity_rows, link_rows, link_keys, result, progress, cancelled)
    return result


def _already_in_case(ws: Workspace, case_id: str, rows: list[dict[str, Any]]) -> int:
    wanted: dict[str, set[str]] = {}
    for row in rows:
        wanted.setdefault(row["type"], set()).add(row["normalized"])
    found = 0
    with ws.read() as conn:
        for type_name, values in wanted.items():
            listed = list(values)
            for start in range(0, len(listed), 900):
                found += len(
                    conn.execute(
                        select(entities.c.normalized).where(
                            entities.c.case_id == case_id,
                            entities.c.type == type_name,
                            entities.c.normalized.in_(listed[start : start + 900]),
                        )
                    ).all()
                )
    return found


def _write(
    ws: Workspace,
    case_id: str,
    plan: ImportPlan,
    entity_rows: list[dict[str, Any]],
    link_rows: list[dict[str, Any]],
    link_keys: list[str],
    result: ImportResult,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> None:
    source = plan.source
    ref = f"{source.format}:{source.sha256}"
    total = len(entity_rows) + len(link_rows)
    done = 0
    node_keys = [n.key for n in plan.nodes]
    with ws.write() as conn:
        if conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
            raise NotFoundError(f"No case with id {case_id!r}.")
        for kind, rows, keys, table, fields in (
            ("entity", entity_rows, node_keys, entities, ENTITY_DIGEST_FIELDS),
            ("link", link_rows, link_keys, links, LINK_DIGEST_FIELDS),
        ):
            order = ws.graph._next_order(conn, table, case_id)
            for start in range(0, len(rows), BATCH):
                if cancelled is not None and cancelled():
                    raise ImportCancelled("Import cancelled; nothing was written.")
                batch = rows[start : start + BATCH]
                for offset, row in enumerate(batch):
                    row["row_order"] = order + start + offset
                bulk_insert(conn, table, batch)
                bulk_insert(
                    conn,
                    provenance,
                    [
                        {
                            "case_id": case_id,
                            "object_type": kind,
                            "object_id": row["id"],
                            "kind": ProvenanceKind.IMPORT.value,
                            "ref": ref,
                            "note": f"{source.name} {'node' if kind == 'entity' else 'edge'} {key}"[
                                :1000
                            ],
                            "actor": ws.actor,
                            "at": row["created_at"],
                        }
                        for row, key in zip(batch, keys[start : start + BATCH], strict=True)
                    ],
                )
                append_event(
                    conn,
                    ws.actor,
                    PendingEvent(
                        f"{kind}.bulk_add",
                        kind,
                        batch[0]["id"],
                        case_id,
                        {
                            "count": len(batch),
                            "first_id": batch[0]["id"],
                            "last_id": batch[-1]["id"],
                            "rows_sha256": _digest(batch, fields),
                            "source": ProvenanceKind.IMPORT.value,
                            "import_ref": ref,
                        },
                    ),
                )
                done += len(batch)
                if progress is not None:
                    progress(done, total)
        append_event(
            conn,
            ws.actor,
            PendingEvent(
                "case.import",
                "case",
                case_id,
                case_id,
                {
                    "format": source.format,
                    "file": source.name,
                    "file_size": source.size,
                    "file_sha256": source.sha256,
                    "entities": result.entities,
                    "links": result.links,
                    "skipped_self_loops": result.skipped_self_loops,
                    "entity_types": result.entity_types,
                    "other_files": [
                        {"file": f.name, "file_size": f.size, "file_sha256": f.sha256}
                        for f in plan.other_files
                    ],
                },
            ),
        )
