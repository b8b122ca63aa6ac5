""" "Same as" hypotheses: a `same_as` link (confidence suspected) between two entities that
may be one, with the arguments for and against, before anything is merged.

An argument is an evidence item (an `evidence_links` row on the link: relation `supports`
for, `contradicts` against, as the evidence locker records them) or a plain note (kept in
the link's `notes` property with its stance, author and time). Confirming sets the link to
confirmed and returns a MergeOffer (the caller asks the analyst, then calls
MergeRepository.merge); refuting sets it to refuted, and the pair is no longer suggested as
a duplicate. Every step is audited in the transaction that makes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, or_, select, update

from workbench.audit import PendingEvent, append_event
from workbench.errors import NotFoundError, ValidationError
from workbench.store.graph import LinkSpec
from workbench.store.rows import new_id
from workbench.store.schema import entities, evidence, evidence_links, links
from workbench.timeutil import from_iso, to_iso, utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

SAME_AS = "same_as"
RELATION = {"for": "supports", "against": "contradicts"}
STANCE = {v: k for k, v in RELATION.items()}


@dataclass(frozen=True)
class Argument:
    stance: str  # for | against
    note: str
    by: str
    at: datetime
    evidence_id: str | None = None
    evidence_filename: str | None = None


@dataclass(frozen=True)
class Hypothesis:
    link_id: str
    case_id: str
    a_id: str
    b_id: str
    a_label: str
    b_label: str
    status: str  # the link's confidence: suspected | confirmed | refuted
    arguments: tuple[Argument, ...]

    @property
    def for_count(self) -> int:
        return sum(1 for a in self.arguments if a.stance == "for")

    @property
    def against_count(self) -> int:
        return sum(1 for a in self.arguments if a.stance == "against")


@dataclass(frozen=True)
class MergeOffer:
    """What confirming a hypothesis proposes: merge `duplicate_id` into `keep_id`."""

    case_id: str
    keep_id: str
    duplicate_id: str
    link_id: str
    mergeable: bool  # False when the two are of different types (merge would refuse)
    reason: str


def _stance(stance: str) -> str:
    if stance not in RELATION:
        raise ValidationError(f"An argument is 'for' or 'against' a hypothesis, not {stance!r}.")
    return stance


class HypothesisRepository:
    def __init__(self, workspace: Workspace):
        self._ws = workspace

    def propose(
        self,
        case_id: str,
        a_id: str,
        b_id: str,
        *,
        note: str = "",
        evidence_for: Sequence[str] = (),
        evidence_against: Sequence[str] = (),
    ) -> Hypothesis:
        if a_id == b_id:
            raise ValidationError("A same-as hypothesis needs two different entities.")
        now = utcnow()
        with self._ws.write() as conn:
            existing = conn.execute(
                select(links.c.id).where(
                    links.c.type == SAME_AS,
                    links.c.confidence != "refuted",
                    or_(
                        (links.c.source_id == a_id) & (links.c.target_id == b_id),
                        (links.c.source_id == b_id) & (links.c.target_id == a_id),
                    ),
                )
            ).first()
            if existing is not None:
                raise ValidationError(
                    f"These two already have a same-as hypothesis (link {existing.id}); add "
                    "arguments to it instead."
                )
            notes = [self._note("for", note, now)] if note.strip() else []
            link_id = self._ws.graph.add_link_in(
                conn,
                case_id,
                LinkSpec(a_id, b_id, SAME_AS, "suspected", properties={"notes": notes}),
            )
            for stance, items in (("for", evidence_for), ("against", evidence_against)):
                for evidence_id in items:
                    self._link_evidence(conn, case_id, link_id, stance, evidence_id, "")
        return self.get(link_id)

    def argue(
        self, link_id: str, stance: str, *, evidence_id: str | None = None, note: str = ""
    ) -> Hypothesis:
        """Add an argument: an evidence item (with an optional note) or a note alone."""
        stance = _stance(stance)
        if evidence_id is None and not note.strip():
            raise ValidationError("Give an evidence item or a note (or both) as the argument.")
        with self._ws.write() as conn:
            row = self._link(conn, link_id)
            if evidence_id is not None:
                self._link_evidence(conn, row.case_id, link_id, stance, evidence_id, note)
            else:
                props = dict(row.properties or {})
                props["notes"] = [*props.get("notes", []), self._note(stance, note, utcnow())]
                conn.execute(
                    update(links)
                    .where(links.c.id == link_id)
                    .values(properties=props, updated_at=utcnow())
                )
                append_event(
                    conn,
                    self._ws.actor,
                    PendingEvent(
                        "hypothesis.argue",
                        "link",
                        link_id,
                        row.case_id,
                        {"stance": stance, "note": note.strip()},
                    ),
                )
        return self.get(link_id)

    def confirm(self, link_id: str, *, note: str = "") -> MergeOffer:
        """Set the hypothesis to confirmed and offer the merge (older entity kept)."""
        case_id, a, b = self._decide(link_id, "confirmed", note)
        with self._ws.read() as conn:
            rows = {
                r.id: r
                for r in conn.execute(
                    select(entities.c.id, entities.c.type, entities.c.row_order).where(
                        entities.c.id.in_([a, b])
                    )
                )
            }
        keep, dup = sorted((a, b), key=lambda e: rows[e].row_order)
        same_type = rows[a].type == rows[b].type
        reason = (
            "confirmed same-as hypothesis"
            if same_type
            else f"a {rows[a].type} and a {rows[b].type} cannot be merged; the link records it"
        )
        return MergeOffer(case_id, keep, dup, link_id, same_type, reason)

    def refute(self, link_id: str, *, note: str = "") -> Hypothesis:
        self._decide(link_id, "refuted", note)
        return self.get(link_id)

    def _decide(self, link_id: str, status: str, note: str) -> tuple[str, str, str]:
        with self._ws.write() as conn:
            row = self._link(conn, link_id)
            props = dict(row.properties or {})
            if note.strip():
                stance = "for" if status == "confirmed" else "against"
                props["notes"] = [*props.get("notes", []), self._note(stance, note, utcnow())]
            conn.execute(
                update(links)
                .where(links.c.id == link_id)
                .values(confidence=status, properties=props, updated_at=utcnow())
            )
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    f"hypothesis.{'confirm' if status == 'confirmed' else 'refute'}",
                    "link",
                    link_id,
                    row.case_id,
                    {"before": row.confidence, "after": status, "note": note.strip()},
                ),
            )
            return row.case_id, row.source_id, row.target_id

    # ---- reading --------------------------------------------------------------------------
    def get(self, link_id: str) -> Hypothesis:
        with self._ws.read() as conn:
            return self._hypothesis(conn, self._link(conn, link_id))

    def list_hypotheses(self, case_id: str) -> list[Hypothesis]:
        with self._ws.read() as conn:
            rows = conn.execute(
                select(links)
                .where(links.c.case_id == case_id, links.c.type == SAME_AS)
                .order_by(links.c.row_order)
            ).all()
            return [self._hypothesis(conn, r) for r in rows]

    def _hypothesis(self, conn: Connection, row: Any) -> Hypothesis:
        labels = dict(
            conn.execute(
                select(entities.c.id, entities.c.label).where(
                    entities.c.id.in_([row.source_id, row.target_id])
                )
            ).all()
        )
        arguments = [
            Argument(n["stance"], n["note"], n["by"], from_iso(n["at"]))
            for n in (row.properties or {}).get("notes", [])
        ]
        for ev in conn.execute(
            select(evidence_links, evidence.c.filename)
            .join(evidence, evidence.c.id == evidence_links.c.evidence_id)
            .where(
                evidence_links.c.object_id == row.id,
                evidence_links.c.relation.in_(list(STANCE)),
            )
        ):
            arguments.append(
                Argument(
                    STANCE[ev.relation],
                    ev.note,
                    ev.created_by,
                    ev.created_at,
                    ev.evidence_id,
                    ev.filename,
                )
            )
        arguments.sort(key=lambda arg: arg.at)
        return Hypothesis(
            row.id,
            row.case_id,
            row.source_id,
            row.target_id,
            labels.get(row.source_id, "?"),
            labels.get(row.target_id, "?"),
            row.confidence,
            tuple(arguments),
        )

    @staticmethod
    def _link(conn: Connection, link_id: str) -> Any:
        row = conn.execute(select(links).where(links.c.id == link_id)).first()
        if row is None:
            raise NotFoundError(f"No link with id {link_id!r}.")
        if row.type != SAME_AS:
            raise ValidationError(
                f"Link {link_id} is a {row.type} link, not a same-as hypothesis; propose one "
                "with `workbench graph same-as CASE A B`."
            )
        return row

    def _note(self, stance: str, note: str, at: datetime) -> dict[str, str]:
        return {"stance": stance, "note": note.strip(), "by": self._ws.actor, "at": to_iso(at)}

    def _link_evidence(
        self, conn: Connection, case_id: str, link_id: str, stance: str, evidence_id: str, note: str
    ) -> None:
        item = conn.execute(
            select(evidence.c.id, evidence.c.case_id, evidence.c.filename).where(
                evidence.c.id == evidence_id
            )
        ).first()
        if item is None or item.case_id != case_id:
            raise NotFoundError(
                f"No evidence item {evidence_id!r} in this case; `workbench evidence list` "
                "shows them."
            )
        relation = RELATION[stance]
        clash = conn.execute(
            select(evidence_links.c.id).where(
                evidence_links.c.evidence_id == evidence_id,
                evidence_links.c.object_id == link_id,
                evidence_links.c.relation == relation,
            )
        ).first()
        if clash is not None:
            raise ValidationError(f"{item.filename} is already an argument {stance} this.")
        row_id = new_id()
        conn.execute(
            insert(evidence_links).values(
                id=row_id,
                case_id=case_id,
                evidence_id=evidence_id,
                object_type="link",
                object_id=link_id,
                relation=relation,
                note=note.strip(),
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
                evidence_id,
                case_id,
                {
                    "link_id": row_id,
                    "object_type": "link",
                    "object_id": link_id,
                    "relation": relation,
                    "note": note.strip(),
                },
            ),
        )


__all__ = ["Argument", "Hypothesis", "HypothesisRepository", "MergeOffer"]
