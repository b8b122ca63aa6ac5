"""The triage queue: open cases with their urgency and deadline, sorted and filtered in SQL,
read a page at a time, and the saved views users keep in the workspace.

All of it reads the `escalations` table, whose `is_open` flag leads one index per sort column,
so ORDER BY ... LIMIT walks an index instead of sorting 100k rows. A text filter first counts
its matches through the covering search index; few matches are fetched by id and sorted, many
are found by walking the sort index (see docs/PERFORMANCE.md).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)

from workbench.audit import PendingEvent, append_event
from workbench.errors import NotFoundError, ValidationError
from workbench.intake.model import Channel, OverallResult
from workbench.model import CaseStatus, Category, Priority
from workbench.store.rows import new_id
from workbench.store.schema import UTCDateTime, escalations, saved_views
from workbench.timeutil import utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

E = escalations.c
SORTS: dict[str, tuple[Any, ...]] = {
    "urgency": (E.priority, E.deadline_at),
    "deadline": (E.deadline_at,),
    "received": (E.received_at,),
    "reference": (E.reference,),
    "title": (E.title,),
    "status": (E.status,),
    "assignee": (E.assignee,),
    "agency": (E.agency,),
    "country": (E.country,),
    "category": (E.category,),
    "verification": (E.verification_result,),
}
ME = "@me"
UNASSIGNED = "@none"
FEW_MATCHES = 2000
CACHE_SECONDS = 2.0
CLOCK_RUNNING = tuple(
    s.value for s in CaseStatus if s not in (CaseStatus.RESPONDED, CaseStatus.CLOSED)
)
SEARCH_IDS_SQLITE = (
    "SELECT case_id FROM escalations INDEXED BY ix_escalations_open_search "
    "WHERE is_open = 1 AND {conditions}"
)


@dataclass(frozen=True)
class QueueQuery:
    """A queue view: filters and sort. Stored as JSON in saved views."""

    text: str = ""
    include_closed: bool = False
    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    assignee: str = ""  # a user name, "@me" or "@none"; "" = anyone
    agency: str = ""
    country: str = ""
    verification: tuple[str, ...] = ()
    overdue_only: bool = False
    due_within_minutes: int | None = None
    sort: str = "urgency"
    descending: bool = False

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValidationError(
                f"Cannot sort the queue by {self.sort!r}; choose one of {', '.join(SORTS)}."
            )
        for name, enum_type, values in (
            ("status", CaseStatus, self.statuses),
            ("priority", Priority, self.priorities),
            ("category", Category, self.categories),
            ("verification", OverallResult, self.verification),
        ):
            valid = {m.value for m in enum_type}
            bad = [v for v in values if v not in valid]
            if bad:
                raise ValidationError(
                    f"Unknown {name} {', '.join(bad)} in the queue filter; valid: "
                    f"{', '.join(sorted(valid))}."
                )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueueQuery:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValidationError(f"Unknown queue view field(s): {', '.join(sorted(unknown))}.")
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.items()
        }
        return cls(**values)

    def with_changes(self, **changes: Any) -> QueueQuery:
        return replace(self, **changes)


@dataclass(frozen=True)
class QueueRow:
    case_id: str
    reference: str
    title: str
    status: CaseStatus
    priority: Priority
    category: Category
    assignee: str | None
    channel: Channel | None
    received_at: datetime
    deadline_at: datetime | None
    responded_at: datetime | None
    agency: str
    country: str
    requester_name: str
    verification: OverallResult
    merged_into: str | None = None

    def remaining(self, now: datetime) -> timedelta | None:
        """Time left to the deadline (negative when overdue); None when there is no deadline
        or the clock has stopped (responded or closed)."""
        if self.deadline_at is None or self.status in (CaseStatus.RESPONDED, CaseStatus.CLOSED):
            return None
        return self.deadline_at - now

    def overdue(self, now: datetime) -> bool:
        left = self.remaining(now)
        return left is not None and left.total_seconds() < 0


@dataclass(frozen=True)
class SavedView:
    id: str
    name: str
    owner: str
    shared: bool
    query: QueueQuery
    updated_at: datetime = field(compare=False)


BUILTIN_VIEWS: dict[str, QueueQuery] = {
    "All open": QueueQuery(),
    "Mine": QueueQuery(assignee=ME),
    "Unassigned": QueueQuery(assignee=UNASSIGNED),
    "Overdue": QueueQuery(overdue_only=True, sort="deadline"),
    "Verification failed": QueueQuery(verification=(OverallResult.FAILED.value,)),
    "Including closed": QueueQuery(include_closed=True, sort="received", descending=True),
}

COLUMNS = (
    E.case_id,
    E.reference,
    E.title,
    E.status,
    E.priority,
    E.category,
    E.assignee,
    E.channel,
    E.received_at,
    E.deadline_at,
    E.responded_at,
    E.agency,
    E.country,
    E.requester_name,
    E.verification_result,
    E.merged_into,
)


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _words(text_filter: str) -> list[str]:
    return [w for w in text_filter.casefold().split() if w]


class Queue:
    def __init__(self, workspace: Workspace):
        self._ws = workspace
        self._cache: dict[tuple[Any, ...], tuple[float, list[str]]] = {}

    # ---- the query ---------------------------------------------------------------------------
    def _conditions(
        self, query: QueueQuery, now: datetime, with_text: bool = True
    ) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if not query.include_closed:
            conditions.append(E.is_open == 1)
        if query.statuses:
            conditions.append(E.status.in_(query.statuses))
        if query.priorities:
            conditions.append(E.priority.in_(query.priorities))
        if query.categories:
            conditions.append(E.category.in_(query.categories))
        if query.verification:
            conditions.append(E.verification_result.in_(query.verification))
        if query.assignee == ME:
            conditions.append(E.assignee == self._ws.actor)
        elif query.assignee == UNASSIGNED:
            conditions.append(E.assignee.is_(None))
        elif query.assignee:
            conditions.append(E.assignee == query.assignee)
        if query.agency:
            conditions.append(E.agency == query.agency)
        if query.country:
            conditions.append(E.country == query.country)
        # Sorted by anything but the deadline, a deadline range must not pull SQLite onto the
        # deadline index (it would then sort every overdue case): SQLite's unary + hides it.
        deadline: Any = E.deadline_at
        if query.sort != "deadline" and self._ws.engine.dialect.name == "sqlite":
            deadline = literal_column("+escalations.deadline_at", UTCDateTime)
        if query.overdue_only:
            conditions.append(and_(deadline < now, E.status.in_(CLOCK_RUNNING)))
        if query.due_within_minutes is not None:
            conditions.append(
                and_(
                    deadline < now + timedelta(minutes=query.due_within_minutes),
                    E.status.in_(CLOCK_RUNNING),
                )
            )
        for index, word in enumerate(_words(query.text) if with_text else []):
            conditions.append(
                E.search_text.like(bindparam(f"word{index}", _like_pattern(word)), escape="\\")
            )
        return conditions

    def _text_ids(self, conn: Connection, query: QueueQuery, cap: int) -> list[str]:
        """Up to `cap` ids matching the text filter, read from the covering search index (a
        scan of one narrow index, no table rows). Cached briefly: the model asks for the count
        and the first page of the same view back to back."""
        words = tuple(_words(query.text))
        key = (words, query.include_closed, cap)
        cached = self._cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        patterns = {f"w{i}": _like_pattern(w) for i, w in enumerate(words)}
        if conn.dialect.name == "sqlite" and not query.include_closed:
            conditions = " AND ".join(
                f"search_text LIKE :w{i} ESCAPE '\\'" for i in range(len(words))
            )
            statement: Any = text(SEARCH_IDS_SQLITE.format(conditions=conditions) + " LIMIT :cap")
            ids = list(conn.execute(statement, {**patterns, "cap": cap}).scalars())
        else:
            statement = (
                select(E.case_id)
                .where(
                    *[E.search_text.like(p, escape="\\") for p in patterns.values()],
                    *([] if query.include_closed else [E.is_open == 1]),
                )
                .limit(cap)
            )
            ids = list(conn.execute(statement).scalars())
        self._cache[key] = (time.monotonic(), ids)
        if len(self._cache) > 32:
            self._cache.pop(next(iter(self._cache)))
        return ids

    def invalidate(self) -> None:
        """Forget cached text matches (after cases changed)."""
        self._cache.clear()

    def count(self, query: QueueQuery, now: datetime | None = None) -> int:
        now = now or utcnow()
        with self._ws.read() as conn:
            return self._count(conn, query, now)

    def _count(self, conn: Connection, query: QueueQuery, now: datetime) -> int:
        structured = self._conditions(query, now, with_text=False)
        if _words(query.text):
            ids = self._text_ids(conn, query, FEW_MATCHES + 1)
            if len(ids) <= FEW_MATCHES:
                if len(structured) == (0 if query.include_closed else 1):
                    return len(ids)
                statement = (
                    select(func.count())
                    .select_from(escalations)
                    .where(E.case_id.in_(ids), *self._without_open(structured, query))
                )
                return int(conn.execute(statement).scalar_one())
        conditions = self._conditions(query, now)
        statement = select(func.count()).select_from(escalations).where(*conditions)
        return int(conn.execute(statement).scalar_one())

    @staticmethod
    def _without_open(
        conditions: list[ColumnElement[bool]], query: QueueQuery
    ) -> list[ColumnElement[bool]]:
        """The structured filters with the leading is_open test made unindexable (`+ 0`), so
        SQLite looks the few rows up by id instead of walking an is_open index."""
        if query.include_closed:
            return conditions
        return [(E.is_open + 0) == 1, *conditions[1:]]

    def page(
        self,
        query: QueueQuery,
        offset: int = 0,
        limit: int = 200,
        *,
        matches: int | None = None,
        now: datetime | None = None,
    ) -> list[QueueRow]:
        """Rows `offset` .. `offset + limit` of the view, in SQL order. A text filter with few
        matches looks its rows up by id and sorts them; with many, the sort index is walked
        and the filter checked on the way (it finds a page of matches quickly)."""
        now = now or utcnow()
        sort_columns = SORTS[query.sort]
        with self._ws.read() as conn:
            total = matches if matches is not None else self._count(conn, query, now)
            if total == 0 or offset >= total:
                return []
            ids: list[str] | None = None
            if _words(query.text):
                found = self._text_ids(conn, query, FEW_MATCHES + 1)
                ids = found if len(found) <= FEW_MATCHES else None
            if ids is None and total <= FEW_MATCHES:
                # a selective filter: collect the few ids through whichever index filters best
                conditions = self._conditions(query, now)
                ids = list(
                    conn.execute(
                        select(E.case_id).where(*conditions).limit(FEW_MATCHES + 1)
                    ).scalars()
                )
            if ids is not None:
                structured = self._without_open(
                    self._conditions(query, now, with_text=False), query
                )
                # `col || ''` keeps SQLite from walking a sort index over the whole queue
                keys = [c.op("||")(literal("", String)) for c in sort_columns]
                order = [k.desc() if query.descending else k.asc() for k in keys]
                statement = (
                    select(*COLUMNS)
                    .where(E.case_id.in_(ids), *structured)
                    .order_by(*order, E.case_id)
                    .offset(offset)
                    .limit(limit)
                )
                return [_row(r) for r in conn.execute(statement).all()]
            conditions = self._conditions(query, now)
            order = [c.desc() if query.descending else c.asc() for c in sort_columns]
            statement = (
                select(*COLUMNS).where(*conditions).order_by(*order).offset(offset).limit(limit)
            )
            rows = conn.execute(statement).all()
        return [_row(r) for r in rows]

    def distinct(self, column: str, include_closed: bool = False) -> list[str]:
        """Values for the filter pickers (agencies, countries, assignees)."""
        if column not in ("agency", "country", "assignee"):
            raise ValidationError(f"No picker for {column!r}.")
        col = E[column]
        statement = select(col).distinct().where(col.is_not(None), col != "")
        if not include_closed:
            statement = statement.where(E.is_open == 1)
        with self._ws.read() as conn:
            return sorted(str(v) for v in conn.execute(statement).scalars())

    # ---- saved views -------------------------------------------------------------------------
    def views(self) -> list[SavedView]:
        """The user's own views and the shared ones of colleagues."""
        with self._ws.read() as conn:
            rows = conn.execute(
                select(saved_views)
                .where(or_(saved_views.c.owner == self._ws.actor, saved_views.c.shared == 1))
                .order_by(saved_views.c.name)
            ).all()
        return [
            SavedView(
                r.id,
                r.name,
                r.owner,
                bool(r.shared),
                QueueQuery.from_json(dict(r.definition)),
                r.updated_at,
            )
            for r in rows
        ]

    def save_view(self, name: str, query: QueueQuery, *, shared: bool = False) -> SavedView:
        name = name.strip()
        if not name:
            raise ValidationError("A saved view needs a name.")
        if name in BUILTIN_VIEWS:
            raise ValidationError(f"{name!r} is a built-in view; choose another name.")
        now = utcnow()
        definition = query.to_json()
        with self._ws.write() as conn:
            existing = conn.execute(
                select(saved_views).where(
                    saved_views.c.owner == self._ws.actor, saved_views.c.name == name
                )
            ).first()
            if existing is None:
                view_id = new_id()
                conn.execute(
                    insert(saved_views).values(
                        id=view_id,
                        name=name,
                        owner=self._ws.actor,
                        shared=int(shared),
                        definition=definition,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                view_id = existing.id
                conn.execute(
                    update(saved_views)
                    .where(saved_views.c.id == view_id)
                    .values(definition=definition, shared=int(shared), updated_at=now)
                )
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "view.save",
                    "view",
                    view_id,
                    None,
                    {
                        "name": name,
                        "shared": shared,
                        "definition": json.loads(json.dumps(definition)),
                    },
                ),
            )
        return SavedView(view_id, name, self._ws.actor, shared, query, now)

    def delete_view(self, name: str) -> None:
        with self._ws.write() as conn:
            row = conn.execute(
                select(saved_views).where(
                    saved_views.c.owner == self._ws.actor, saved_views.c.name == name
                )
            ).first()
            if row is None:
                raise NotFoundError(f"You have no saved view named {name!r}.")
            conn.execute(delete(saved_views).where(saved_views.c.id == row.id))
            append_event(
                conn,
                self._ws.actor,
                PendingEvent("view.delete", "view", row.id, None, {"name": name}),
            )

    def view_query(self, name: str) -> QueueQuery:
        if name in BUILTIN_VIEWS:
            return BUILTIN_VIEWS[name]
        for view in self.views():
            if view.name == name:
                return view.query
        raise NotFoundError(
            f"No queue view {name!r}. Built-in: {', '.join(BUILTIN_VIEWS)}; saved: "
            f"{', '.join(v.name for v in self.views()) or 'none'}."
        )


def _row(r: Any) -> QueueRow:
    return QueueRow(
        case_id=r.case_id,
        reference=r.reference,
        title=r.title,
        status=CaseStatus(r.status),
        priority=Priority(r.priority),
        category=Category(r.category),
        assignee=r.assignee,
        channel=Channel(r.channel) if r.channel else None,
        received_at=r.received_at,
        deadline_at=r.deadline_at,
        responded_at=r.responded_at,
        agency=r.agency or "",
        country=r.country or "",
        requester_name=r.requester_name or "",
        verification=OverallResult(r.verification_result),
        merged_into=r.merged_into,
    )
