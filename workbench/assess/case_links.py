"""What an assessment links to in its case: every linked evidence item and entity must exist
there, and diffs name them by file name and label instead of by id."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, and_, select

from workbench.assess.decision import Problem
from workbench.assess.model import AssessmentRecord
from workbench.assess.templates import Template
from workbench.store.schema import entities, evidence


def link_problems(
    conn: Connection, case_id: str, record: AssessmentRecord, template: Template
) -> list[Problem]:
    """Every linked evidence item and entity must exist in this case."""
    wanted: list[tuple[str, str, str, str]] = []  # field, title, kind, id
    context = record.context
    for item_id in context.subject_ids:
        wanted.append(("context.subject_ids", "Context: subjects", "entity", item_id))
    for item_id in context.target_ids:
        wanted.append(("context.target_ids", "Context: potential targets", "entity", item_id))
    for item_id in context.evidence_ids:
        wanted.append(("context.evidence_ids", "Context: evidence", "evidence", item_id))
    for factor_id, answer in record.answers.items():
        title = template.factor_title(factor_id)
        for item_id in answer.evidence_ids:
            wanted.append((f"answers.{factor_id}", title, "evidence", item_id))
        for item_id in answer.entity_ids:
            wanted.append((f"answers.{factor_id}", title, "entity", item_id))
    if not wanted:
        return []
    entity_ids = {w[3] for w in wanted if w[2] == "entity"}
    evidence_ids = {w[3] for w in wanted if w[2] == "evidence"}
    found_entities = set(
        conn.execute(
            select(entities.c.id).where(
                and_(entities.c.case_id == case_id, entities.c.id.in_(entity_ids))
            )
        ).scalars()
    )
    found_evidence = set(
        conn.execute(
            select(evidence.c.id).where(
                and_(evidence.c.case_id == case_id, evidence.c.id.in_(evidence_ids))
            )
        ).scalars()
    )
    problems: list[Problem] = []
    for field, title, kind, item_id in wanted:
        known = found_entities if kind == "entity" else found_evidence
        if item_id not in known:
            problems.append((field, f"{title}: linked {kind} {item_id} is not in this case"))
    return problems


def item_namer(conn: Connection, case_id: str) -> Callable[[str], str]:
    """Readable names for evidence (file name) and entity (label) ids of the case. The names
    are looked up through `conn`, so use the namer while the connection is open."""
    names: dict[str, str] = {}
    for row in conn.execute(
        select(evidence.c.id, evidence.c.filename).where(evidence.c.case_id == case_id)
    ):
        names[row.id] = row.filename
    cache: dict[str, str] = {}

    def name(item_id: str) -> str:
        if item_id in names:
            return names[item_id]
        if item_id not in cache:
            label = conn.execute(
                select(entities.c.label).where(entities.c.id == item_id)
            ).scalar_one_or_none()
            cache[item_id] = str(label) if label is not None else item_id
        return cache[item_id]

    return name
