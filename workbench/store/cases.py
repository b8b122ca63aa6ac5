"""Cases: create, change, list, find. Every change is audited in its own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select, update

from workbench.audit import PendingEvent, append_event
from workbench.errors import NotFoundError, ValidationError
from workbench.model import Case, CaseStatus, Category, Priority
from workbench.store.rows import case_from_row, new_id
from workbench.store.schema import cases, entities, links
from workbench.timeutil import utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

EDITABLE_FIELDS = ("title", "description", "status", "priority", "category", "assignee", "tags")


@dataclass(frozen=True)
class CaseSummary:
    """A case with its entity and link counts, for the case list."""

    case: Case
    entity_count: int
    link_count: int


def _enum_value(enum_type: type[Any], value: Any, field: str) -> str:
    try:
        return str(enum_type(value).value)
    except ValueError:
        valid = ", ".join(member.value for member in enum_type)
        raise ValidationError(f"Invalid {field} {value!r}. Valid values: {valid}.") from None


def _clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        text = str(tag).strip()
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned


class CaseRepository:
    def __init__(self, workspace: Workspace):
        self._ws = workspace

    def create(
        self,
        title: str,
        *,
        priority: Priority | str = Priority.P2,
        category: Category | str = Category.OTHER,
        description: str = "",
        assignee: str | None = None,
        tags: Iterable[str] = (),
        status: CaseStatus | str = CaseStatus.NEW,
    ) -> Case:
        with self._ws.write() as conn:
            case_id = self.create_in(
                conn,
                title,
                priority=priority,
                category=category,
                description=description,
                assignee=assignee,
                tags=tags,
                status=status,
            )
        return self.get(case_id)

    def create_in(
        self,
        conn: Connection,
        title: str,
        *,
        priority: Priority | str = Priority.P2,
        category: Category | str = Category.OTHER,
        description: str = "",
        assignee: str | None = None,
        tags: Iterable[str] = (),
        status: CaseStatus | str = CaseStatus.NEW,
    ) -> str:
        """Create a case inside the caller's write transaction (so an import can add the
        escalation, evidence and entities atomically); returns the new id."""
        title = title.strip()
        if not title:
            raise ValidationError("A case needs a title; it was empty.")
        now = utcnow()
        case_id = new_id()
        values: dict[str, Any] = {
            "id": case_id,
            "title": title,
            "description": description,
            "status": _enum_value(CaseStatus, status, "status"),
            "priority": _enum_value(Priority, priority, "priority"),
            "category": _enum_value(Category, category, "category"),
            "assignee": assignee or None,
            "tags": _clean_tags(tags),
            "created_by": self._ws.actor,
            "created_at": now,
            "updated_at": now,
        }
        values["reference"] = self._next_reference(conn, now.year)
        conn.execute(insert(cases).values(**values))
        # intake (issue 6): every case has its escalation row, written in this transaction.
        from workbench.intake.lifecycle import on_case_created

        on_case_created(conn, values)
        append_event(
            conn,
            self._ws.actor,
            PendingEvent(
                "case.create",
                "case",
                values["id"],
                values["id"],
                {"after": _audit_view(values)},
            ),
        )
        return case_id

    @staticmethod
    def _next_reference(conn: Any, year: int) -> str:
        """One more than the highest WB-<year>-<number> in the workspace (not the count of
        cases: a case restored from another workspace keeps its reference, and numbers go
        past 9999). The longest, then greatest, reference is the highest number."""
        prefix = f"WB-{year}-"
        rows = conn.execute(
            select(cases.c.reference)
            .where(cases.c.reference.like(prefix + "%"))
            .order_by(func.length(cases.c.reference).desc(), cases.c.reference.desc())
        )
        highest = 0
        for (reference,) in rows:
            number = reference[len(prefix) :]
            if number.isascii() and number.isdigit():
                highest = int(number)
                break
        return f"{prefix}{highest + 1:04d}"

    def update(self, case_id: str, **changes: Any) -> Case:
        with self._ws.write() as conn:
            self.update_in(conn, case_id, **changes)
        return self.get(case_id)

    def update_in(self, conn: Connection, case_id: str, **changes: Any) -> dict[str, Any]:
        """Change a case inside the caller's write transaction; returns what changed."""
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValidationError(
                f"Cannot change {', '.join(sorted(unknown))}; editable fields: "
                f"{', '.join(EDITABLE_FIELDS)}."
            )
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if key == "status":
                value = _enum_value(CaseStatus, value, "status")
            elif key == "priority":
                value = _enum_value(Priority, value, "priority")
            elif key == "category":
                value = _enum_value(Category, value, "category")
            elif key == "tags":
                value = _clean_tags(value)
            elif key == "title":
                value = str(value).strip()
                if not value:
                    raise ValidationError("A case needs a title; it was empty.")
            elif key == "assignee":
                value = (str(value).strip() or None) if value is not None else None
            clean[key] = value
        before = conn.execute(select(cases).where(cases.c.id == case_id)).first()
        if before is None:
            raise NotFoundError(f"No case with id {case_id!r}.")
        old = {key: getattr(before, key) for key in clean}
        changed = {key: value for key, value in clean.items() if old[key] != value}
        if not changed:
            return {}
        now = utcnow()
        conn.execute(update(cases).where(cases.c.id == case_id).values(**changed, updated_at=now))
        # intake (issue 6): mirror into the escalation row and stamp lifecycle milestones.
        from workbench.intake.lifecycle import on_case_updated

        extra = on_case_updated(conn, case_id, dict(before._mapping), changed, self._ws.actor, now)
        append_event(
            conn,
            self._ws.actor,
            PendingEvent(
                "case.update",
                "case",
                case_id,
                case_id,
                {"before": {k: old[k] for k in changed}, "after": changed, **extra},
            ),
        )
        return changed

    def get(self, case_id: str) -> Case:
        with self._ws.read() as conn:
            row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
        if row is None:
            raise NotFoundError(f"No case with id {case_id!r}.")
        return case_from_row(row)

    def resolve(self, ref: str) -> Case:
        """A case by full id, reference (WB-2026-0001) or an unambiguous id prefix."""
        ref = ref.strip()
        with self._ws.read() as conn:
            row = conn.execute(
                select(cases).where((cases.c.id == ref) | (cases.c.reference == ref.upper()))
            ).first()
            if row is None and len(ref) >= 4:
                rows = conn.execute(select(cases).where(cases.c.id.like(ref + "%"))).all()
                if len(rows) == 1:
                    row = rows[0]
                elif len(rows) > 1:
                    raise ValidationError(
                        f"{ref!r} matches {len(rows)} cases; give more of the id."
                    )
        if row is None:
            raise NotFoundError(
                f"No case {ref!r} in this workspace. `workbench case list` shows the cases."
            )
        return case_from_row(row)

    def list(self, *, include_closed: bool = True) -> list[CaseSummary]:
        entity_count = (
            select(func.count()).where(entities.c.case_id == cases.c.id).scalar_subquery()
        )
        link_count = select(func.count()).where(links.c.case_id == cases.c.id).scalar_subquery()
        query = select(cases, entity_count.label("n_entities"), link_count.label("n_links"))
        if not include_closed:
            query = query.where(cases.c.status != CaseStatus.CLOSED.value)
        query = query.order_by(cases.c.created_at.desc())
        with self._ws.read() as conn:
            rows = conn.execute(query).all()
        return [CaseSummary(case_from_row(r), r.n_entities, r.n_links) for r in rows]


def _audit_view(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in EDITABLE_FIELDS or k == "reference"}
