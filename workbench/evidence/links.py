"""Evidence <-> graph: an item supports, contradicts or mentions an entity or a link.

Queries go both ways: the graph elements an item speaks to, and the items behind a graph
element. A link row outlives the deletion of its entity (undo restores the same id); such
rows are returned with an empty label.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError as DbIntegrityError

from workbench.audit import PendingEvent, append_event
from workbench.errors import NotFoundError, ValidationError
from workbench.evidence.model import EvidenceLink, EvidenceRelation
from workbench.model import Evidence
from workbench.store.rows import new_id
from workbench.store.schema import entities, evidence, evidence_links, links
from workbench.timeutil import utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace


class LinksMixin:
    _ws: Workspace

    def get(self, evidence_id: str) -> Evidence:
        raise NotImplementedError

    def link(
        self,
        evidence_id: str,
        target: str,
        relation: EvidenceRelation | str,
        note: str = "",
    ) -> EvidenceLink:
        """Link an item to an entity or link of its case. `target` is an entity id, a link
        id, or `type:value` of an entity (e.g. `account:nightowl_rin`)."""
        try:
            relation = EvidenceRelation(relation)
        except ValueError as exc:
            raise ValidationError(
                f"Relation {relation!r} is not one of "
                f"{', '.join(r.value for r in EvidenceRelation)}."
            ) from exc
        item = self.get(evidence_id)
        object_type, object_id = self._resolve_target(item.case_id, target)
        link_id = new_id()
        try:
            with self._ws.write() as conn:
                conn.execute(
                    insert(evidence_links).values(
                        id=link_id,
                        case_id=item.case_id,
                        evidence_id=item.id,
                        object_type=object_type,
                        object_id=object_id,
                        relation=relation.value,
                        note=note,
                        created_by=self._ws.actor,
                        created_at=utcnow(),
                    )
                )
                append_event(
                    conn,
                    self._ws.actor,
                    PendingEvent(
                        "evidence.link",
                        "evidence",
                        item.id,
                        item.case_id,
                        {
                            "link_id": link_id,
                            "object_type": object_type,
                            "object_id": object_id,
                            "relation": relation.value,
                            "note": note,
                        },
                    ),
                )
        except DbIntegrityError as exc:
            raise ValidationError(
                f"{item.filename} is already linked to that {object_type} as {relation.value!r}."
            ) from exc
        return next(x for x in self.links_of(item.id) if x.id == link_id)

    def unlink(self, link_id: str) -> None:
        with self._ws.write() as conn:
            row = conn.execute(select(evidence_links).where(evidence_links.c.id == link_id)).first()
            if row is None:
                raise NotFoundError(f"No evidence link with id {link_id!r}.")
            conn.execute(delete(evidence_links).where(evidence_links.c.id == link_id))
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "evidence.unlink",
                    "evidence",
                    row.evidence_id,
                    row.case_id,
                    {
                        "link_id": link_id,
                        "object_type": row.object_type,
                        "object_id": row.object_id,
                        "relation": row.relation,
                    },
                ),
            )

    def links_of(self, evidence_id: str) -> builtins.list[EvidenceLink]:
        """The graph elements this item speaks to."""
        with self._ws.read() as conn:
            rows = conn.execute(
                select(evidence_links, evidence.c.filename)
                .join(evidence, evidence.c.id == evidence_links.c.evidence_id)
                .where(evidence_links.c.evidence_id == evidence_id)
                .order_by(evidence_links.c.created_at)
            ).all()
            return [_link(row, _label(conn, row.object_type, row.object_id)) for row in rows]

    def evidence_for(self, object_id: str) -> builtins.list[EvidenceLink]:
        """The items behind an entity or a link (newest first)."""
        with self._ws.read() as conn:
            rows = conn.execute(
                select(evidence_links, evidence.c.filename)
                .join(evidence, evidence.c.id == evidence_links.c.evidence_id)
                .where(evidence_links.c.object_id == object_id)
                .order_by(evidence_links.c.created_at.desc())
            ).all()
            return [_link(row, _label(conn, row.object_type, row.object_id)) for row in rows]

    def _resolve_target(self, case_id: str, target: str) -> tuple[str, str]:
        target = target.strip()
        with self._ws.read() as conn:
            entity = conn.execute(
                select(entities.c.id).where(entities.c.id == target, entities.c.case_id == case_id)
            ).scalar_one_or_none()
            if entity is not None:
                return "entity", entity
            link = conn.execute(
                select(links.c.id).where(links.c.id == target, links.c.case_id == case_id)
            ).scalar_one_or_none()
            if link is not None:
                return "link", link
        if ":" in target:
            return "entity", self._ws.graph.resolve_entity(case_id, target).id
        raise NotFoundError(
            f"{target!r} is neither an entity nor a link of this evidence item's case. Give an "
            "id (see `workbench entity list`) or type:value, e.g. account:nightowl_rin."
        )


def _label(conn: Connection, object_type: str, object_id: str) -> str:
    if object_type == "entity":
        row = conn.execute(
            select(entities.c.type, entities.c.label, entities.c.value).where(
                entities.c.id == object_id
            )
        ).first()
        return f"{row.type}: {row.label or row.value}" if row else ""
    row = conn.execute(
        select(links.c.type, links.c.source_id, links.c.target_id).where(links.c.id == object_id)
    ).first()
    if row is None:
        return ""
    ends = {
        r.id: r.label or r.value
        for r in conn.execute(
            select(entities.c.id, entities.c.label, entities.c.value).where(
                entities.c.id.in_([row.source_id, row.target_id])
            )
        )
    }
    return f"{ends.get(row.source_id, '?')} -[{row.type}]-> {ends.get(row.target_id, '?')}"


def _link(row: Any, label: str) -> EvidenceLink:
    return EvidenceLink(
        id=row.id,
        case_id=row.case_id,
        evidence_id=row.evidence_id,
        object_type=row.object_type,
        object_id=row.object_id,
        relation=EvidenceRelation(row.relation),
        note=row.note,
        created_by=row.created_by,
        created_at=row.created_at,
        label=label,
        evidence_filename=row.filename,
    )
