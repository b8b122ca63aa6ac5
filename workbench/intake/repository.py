"""Escalation records: read, save (validated by channel), claim, deadline, disclosure,
reporting tags. Every change is audited in the transaction that makes it.

`EscalationRepository(ws)` is the one entry point the CLI, the window and tests use.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, insert, select, update

from workbench.audit import PendingEvent, append_event
from workbench.errors import NotFoundError, ValidationError
from workbench.intake import rules as rules_mod
from workbench.intake.domains import domain_of
from workbench.intake.lifecycle import compose_search_text
from workbench.intake.model import (
    TARGET_ENTITY_TYPE,
    Channel,
    DataCategory,
    Escalation,
    EscalationRecord,
    FieldProblem,
    Lifecycle,
    OverallResult,
    ReportingTags,
    Target,
    TargetKind,
)
from workbench.intake.writer import GraphWriter
from workbench.model import CaseStatus, Category, Confidence, Priority
from workbench.store.schema import (
    cases,
    escalation_targets,
    escalation_texts,
    escalations,
    evidence,
)
from workbench.timeutil import to_iso, utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

TEXT_FIELDS = ("narrative", "at_risk", "info_recency", "why_urgent", "how_data_helps")
ROW_FIELDS = (
    "channel",
    "received_at",
    "requester_name",
    "requester_rank",
    "requester_badge",
    "agency",
    "unit",
    "country",
    "requester_email",
    "requester_phone",
    "supervisor_name",
    "supervisor_contact",
    "data_from",
    "data_to",
    "legal_basis",
    "jurisdiction_requester",
    "jurisdiction_user",
    "legal_process_evidence_id",
    "confidentiality_requested",
    "portal_account_verified",
    "message_id",
    "source_evidence_id",
    "source_ref",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Target):
        return value.to_json()
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value
    return value


def escalation_dict(escalation: Escalation) -> dict[str, Any]:
    return {f.name: _jsonable(getattr(escalation, f.name)) for f in fields(Escalation)}


def target_key(target: Target, normalized: str) -> str:
    return f"{TARGET_ENTITY_TYPE[target.kind]}:{normalized}"


class EscalationRepository:
    def __init__(self, workspace: Workspace):
        self._ws = workspace

    @property
    def ws(self) -> Workspace:
        return self._ws

    # ---- reading ---------------------------------------------------------------------------
    def get(self, case_id: str) -> EscalationRecord:
        with self._ws.read() as conn:
            return self.get_in(conn, case_id)

    def get_in(self, conn: Connection, case_id: str) -> EscalationRecord:
        row = conn.execute(
            select(
                escalations, *[escalation_texts.c[name] for name in (*TEXT_FIELDS, "legal_process")]
            )
            .join(
                escalation_texts, escalation_texts.c.case_id == escalations.c.case_id, isouter=True
            )
            .where(escalations.c.case_id == case_id)
        ).first()
        if row is None:
            exists = conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first()
            if exists is None:
                raise NotFoundError(f"No case with id {case_id!r}.")
            raise NotFoundError(f"Case {case_id} has no escalation record.")
        return record_from_row(row)

    # ---- saving ----------------------------------------------------------------------------
    def problems(self, escalation: Escalation) -> list[FieldProblem]:
        return rules_mod.problems(escalation)

    def save(
        self, case_id: str, escalation: Escalation, *, strict: bool = True
    ) -> tuple[EscalationRecord, list[str]]:
        """Validate and store; returns the record and warnings (recommended fields missing,
        targets that could not go into the graph). `strict` refuses missing required fields
        with one error that names them; imports pass `strict=False`."""
        if strict:
            rules_mod.require_valid(escalation)
        else:
            hard = [
                p for p in rules_mod.format_problems(escalation, utcnow()) if p.severity == "error"
            ]
            if hard:
                raise ValidationError("; ".join(str(p) for p in hard))
        with self._ws.write() as conn:
            warnings = self.write_in(conn, case_id, escalation, action="escalation.update")
        record = self.get(case_id)
        warnings.extend(
            p.message for p in rules_mod.problems(escalation) if p.severity == "warning"
        )
        return record, warnings

    def write_in(
        self,
        conn: Connection,
        case_id: str,
        escalation: Escalation,
        *,
        action: str,
        extra_audit: dict[str, Any] | None = None,
        graph: GraphWriter | None = None,
    ) -> list[str]:
        """Write the escalation in the caller's transaction: row, texts, targets (each also an
        entity of the case graph), the case's category; one audit event with what changed."""
        warnings: list[str] = []
        before_row = conn.execute(
            select(escalations).where(escalations.c.case_id == case_id)
        ).first()
        if before_row is None:
            raise NotFoundError(f"No case with id {case_id!r}.")
        before = record_from_row(
            conn.execute(
                select(
                    escalations, *[escalation_texts.c[n] for n in (*TEXT_FIELDS, "legal_process")]
                )
                .join(
                    escalation_texts,
                    escalation_texts.c.case_id == escalations.c.case_id,
                    isouter=True,
                )
                .where(escalations.c.case_id == case_id)
            ).one()
        ).escalation
        own_graph = graph is None
        if graph is None:
            graph = GraphWriter(self._ws, conn, case_id, escalation.source_evidence_id)
        targets = self._place_targets(graph, escalation.targets, warnings)
        if own_graph:
            graph.flush()
        escalation = escalation.with_changes(targets=tuple(targets))
        now = utcnow()
        values: dict[str, Any] = {name: getattr(escalation, name) for name in ROW_FIELDS}
        values["channel"] = escalation.channel.value
        values["confidentiality_requested"] = int(escalation.confidentiality_requested)
        if escalation.portal_account_verified is not None:
            values["portal_account_verified"] = int(escalation.portal_account_verified)
        values["requester_domain"] = domain_of(escalation.requester_email) or None
        values["targets"] = [t.to_json() for t in targets]
        values["data_categories"] = [c.value for c in escalation.data_categories]
        values["report_accounts_specified"] = int(bool(targets))
        for key in ("requester_email",):
            values[key] = values[key].strip()
        if not before_row.deadline_manual and values["received_at"] != before_row.received_at:
            from workbench.intake.deadlines import default_policy

            values["deadline_at"] = default_policy().deadline_for(
                before_row.priority, values["received_at"]
            )
        merged = {**before_row._mapping, **values}
        values["search_text"] = compose_search_text(merged, [t.normalized for t in targets])
        values["updated_at"] = now
        values["updated_by"] = self._ws.actor
        conn.execute(update(escalations).where(escalations.c.case_id == case_id).values(**values))
        texts = {name: getattr(escalation, name) or "" for name in TEXT_FIELDS}
        texts["legal_process"] = escalation.legal_process or ""
        conn.execute(
            update(escalation_texts).where(escalation_texts.c.case_id == case_id).values(**texts)
        )
        conn.execute(delete(escalation_targets).where(escalation_targets.c.case_id == case_id))
        if targets:
            conn.execute(
                insert(escalation_targets),
                [
                    {
                        "case_id": case_id,
                        "kind": t.kind.value,
                        "normalized": target_key(t, t.normalized),
                        "received_at": escalation.received_at,
                    }
                    for t in targets
                ],
            )
        changed_case: dict[str, Any] = {}
        if escalation.emergency_nature is not None:
            changed_case = self._ws.cases.update_in(
                conn, case_id, category=escalation.emergency_nature
            )
        old, new = escalation_dict(before), escalation_dict(escalation)
        diff = {k: (old[k], new[k]) for k in new if old.get(k) != new[k]}
        summary: dict[str, Any] = {
            "before": {k: v[0] for k, v in diff.items() if k != "narrative"},
            "after": {k: v[1] for k, v in diff.items() if k != "narrative"},
        }
        if "narrative" in diff:
            summary["narrative_changed"] = True
            summary["narrative_chars"] = len(escalation.narrative)
        if changed_case:
            summary["case"] = changed_case
        summary.update(extra_audit or {})
        append_event(
            conn, self._ws.actor, PendingEvent(action, "escalation", case_id, case_id, summary)
        )
        return warnings

    def _place_targets(
        self, graph: GraphWriter, targets: tuple[Target, ...], warnings: list[str]
    ) -> list[Target]:
        """Normalise each target and make sure it is an entity of the case graph."""
        placed: list[Target] = []
        seen: set[str] = set()
        for target in targets:
            entity_type = TARGET_ENTITY_TYPE[target.kind]
            value = target.value.strip()
            if target.kind == TargetKind.USERNAME:
                value = value.lstrip("@")
            if not value:
                continue
            try:
                normalized = graph.normalise(entity_type, value)
            except ValidationError as exc:
                warnings.append(f"Target {target.kind.value} {target.value!r} not usable: {exc}")
                continue
            key = f"{entity_type}:{normalized}"
            if key in seen:
                continue
            seen.add(key)
            properties: dict[str, Any] = {}
            label = None
            if target.kind == TargetKind.USERNAME:
                properties = {"handle": value}
                label = f"@{value}"
            elif target.kind == TargetKind.USER_ID:
                properties = {"user_id": value}
                label = f"user ID {value}"
            entity_id = target.entity_id
            if entity_id is None:
                entity_id = graph.try_entity(
                    entity_type,
                    value,
                    warnings,
                    label=label,
                    properties=properties,
                    note=f"target ({target.kind.value}) named in the request",
                )
            placed.append(Target(target.kind, value, normalized, entity_id, target.note))
        return placed

    # ---- small state changes -----------------------------------------------------------------
    def claim(self, case_id: str, *, force: bool = False) -> EscalationRecord:
        """Record that the current user has the case. Someone else's claim is only taken over
        with `force` (the audit shows who had it)."""
        with self._ws.write() as conn:
            row = conn.execute(
                select(cases.c.assignee, cases.c.reference).where(cases.c.id == case_id)
            ).first()
            if row is None:
                raise NotFoundError(f"No case with id {case_id!r}.")
            if row.assignee and row.assignee != self._ws.actor and not force:
                raise ValidationError(
                    f"{row.reference} is already claimed by {row.assignee}. Ask them, or take it "
                    "over explicitly (--force / 'Take over')."
                )
            self._ws.cases.update_in(conn, case_id, assignee=self._ws.actor)
        return self.get(case_id)

    def release(self, case_id: str) -> EscalationRecord:
        self._ws.cases.update(case_id, assignee=None)
        return self.get(case_id)

    def set_status(self, case_id: str, status: CaseStatus | str) -> EscalationRecord:
        """Move along the workflow (new -> triage -> ... -> closed); lifecycle milestones are
        stamped by the case update itself."""
        self._ws.cases.update(case_id, status=status)
        return self.get(case_id)

    def advance(self, case_id: str) -> EscalationRecord:
        current = self.get(case_id).status
        order = list(CaseStatus)
        if current == CaseStatus.CLOSED:
            raise ValidationError("The case is closed; reopen it by setting a status.")
        return self.set_status(case_id, order[order.index(current) + 1])

    def set_deadline(self, case_id: str, deadline: datetime | None) -> EscalationRecord:
        """A deadline set by hand (None: back to the priority's target)."""
        if deadline is not None and deadline.tzinfo is None:
            raise ValidationError("Give the deadline with its time zone (UTC).")
        with self._ws.write() as conn:
            row = conn.execute(select(escalations).where(escalations.c.case_id == case_id)).first()
            if row is None:
                raise NotFoundError(f"No case with id {case_id!r}.")
            if deadline is None:
                from workbench.intake.deadlines import default_policy

                new_deadline = default_policy().deadline_for(row.priority, row.received_at)
                manual = 0
            else:
                new_deadline, manual = deadline, 1
            conn.execute(
                update(escalations)
                .where(escalations.c.case_id == case_id)
                .values(deadline_at=new_deadline, deadline_manual=manual, updated_at=utcnow())
            )
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "escalation.deadline",
                    "escalation",
                    case_id,
                    case_id,
                    {
                        "before": to_iso(row.deadline_at) if row.deadline_at else None,
                        "after": to_iso(new_deadline),
                        "manual": bool(manual),
                    },
                ),
            )
        return self.get(case_id)

    def record_disclosure(
        self, case_id: str, *, content: bool = False, at: datetime | None = None
    ) -> EscalationRecord:
        """Data was disclosed: stamps `disclosed_at` and the transparency-report tags."""
        moment = at or utcnow()
        with self._ws.write() as conn:
            row = conn.execute(select(escalations).where(escalations.c.case_id == case_id)).first()
            if row is None:
                raise NotFoundError(f"No case with id {case_id!r}.")
            values: dict[str, Any] = {
                "report_data_produced": 1,
                "report_content_produced": int(bool(row.report_content_produced) or content),
                "updated_at": utcnow(),
            }
            if row.disclosed_at is None:
                values["disclosed_at"] = moment
            conn.execute(
                update(escalations).where(escalations.c.case_id == case_id).values(**values)
            )
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "escalation.disclosed",
                    "escalation",
                    case_id,
                    case_id,
                    {"at": to_iso(moment), "content": content},
                ),
            )
        return self.get(case_id)

    def set_reporting(self, case_id: str, **tags: bool) -> EscalationRecord:
        allowed = {f.name for f in fields(ReportingTags)}
        unknown = set(tags) - allowed
        if unknown:
            raise ValidationError(
                f"Unknown reporting tag(s) {', '.join(sorted(unknown))}; valid: "
                f"{', '.join(sorted(allowed))}."
            )
        with self._ws.write() as conn:
            row = conn.execute(select(escalations).where(escalations.c.case_id == case_id)).first()
            if row is None:
                raise NotFoundError(f"No case with id {case_id!r}.")
            values = {f"report_{k}": int(v) for k, v in tags.items()}
            before = {k: bool(getattr(row, f"report_{k}")) for k in tags}
            conn.execute(
                update(escalations)
                .where(escalations.c.case_id == case_id)
                .values(**values, updated_at=utcnow())
            )
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "escalation.reporting",
                    "escalation",
                    case_id,
                    case_id,
                    {"before": before, "after": {k: bool(v) for k, v in tags.items()}},
                ),
            )
        return self.get(case_id)

    def evidence_ids(self, case_id: str) -> list[str]:
        with self._ws.read() as conn:
            return list(
                conn.execute(select(evidence.c.id).where(evidence.c.case_id == case_id)).scalars()
            )

    def link_requester(
        self,
        graph: GraphWriter,
        escalation: Escalation,
        document_id: str | None,
        warnings: list[str],
    ) -> None:
        """Requester, agency and the request document as entities, linked as stated."""
        person = None
        if escalation.requester_name:
            props: dict[str, Any] = {"notes": "Requester"}
            if escalation.requester_badge:
                props["notes"] = f"Requester; badge {escalation.requester_badge}"
            label = " ".join(x for x in (escalation.requester_rank, escalation.requester_name) if x)
            person = graph.try_entity(
                "person", escalation.requester_name, warnings, label=label, properties=props
            )
        mail = (
            graph.try_entity("email", escalation.requester_email, warnings)
            if escalation.requester_email
            else None
        )
        phone = (
            graph.try_entity("phone", escalation.requester_phone, warnings)
            if escalation.requester_phone
            else None
        )
        org = (
            graph.try_entity(
                "organization",
                escalation.agency,
                warnings,
                properties={"kind": "law enforcement", "country": escalation.country},
            )
            if escalation.agency
            else None
        )
        owner = person
        for contact in (mail, phone):
            if owner and contact:
                graph.link(owner, contact, "uses")
        if owner and org:
            graph.link(owner, org, "member_of")
        if document_id:
            for target in escalation.targets:
                if target.entity_id:
                    graph.link(document_id, target.entity_id, "mentions", Confidence.CONFIRMED)
            if owner:
                graph.link(document_id, owner, "mentions", Confidence.CONFIRMED)


def record_from_row(row: Any) -> EscalationRecord:
    mapping = row._mapping
    targets = tuple(Target.from_json(t) for t in (row.targets or []))
    data = tuple(
        DataCategory(c) for c in (row.data_categories or []) if c in DataCategory._value2member_map_
    )
    escalation = Escalation(
        channel=Channel(row.channel) if row.channel else Channel.INTERNAL,
        received_at=row.received_at,
        requester_name=row.requester_name or "",
        requester_rank=row.requester_rank or "",
        requester_badge=row.requester_badge or "",
        agency=row.agency or "",
        unit=row.unit or "",
        country=row.country or "",
        requester_email=row.requester_email or "",
        requester_phone=row.requester_phone or "",
        supervisor_name=row.supervisor_name or "",
        supervisor_contact=row.supervisor_contact or "",
        emergency_nature=Category(row.category),
        at_risk=mapping.get("at_risk") or "",
        info_recency=mapping.get("info_recency") or "",
        why_urgent=mapping.get("why_urgent") or "",
        how_data_helps=mapping.get("how_data_helps") or "",
        narrative=mapping.get("narrative") or "",
        targets=targets,
        data_categories=data,
        data_from=row.data_from,
        data_to=row.data_to,
        legal_basis=row.legal_basis or "",
        jurisdiction_requester=row.jurisdiction_requester or "",
        jurisdiction_user=row.jurisdiction_user or "",
        legal_process=mapping.get("legal_process") or "",
        legal_process_evidence_id=row.legal_process_evidence_id,
        confidentiality_requested=bool(row.confidentiality_requested),
        portal_account_verified=(
            None if row.portal_account_verified is None else bool(row.portal_account_verified)
        ),
        message_id=row.message_id or "",
        source_evidence_id=row.source_evidence_id,
        source_ref=row.source_ref or "",
    )
    return EscalationRecord(
        case_id=row.case_id,
        reference=row.reference,
        title=row.title,
        status=CaseStatus(row.status),
        priority=Priority(row.priority),
        assignee=row.assignee,
        claimed_at=row.claimed_at,
        escalation=escalation,
        lifecycle=Lifecycle(
            received_at=row.received_at,
            triaged_at=row.triaged_at,
            verified_at=row.verified_at,
            assessed_at=row.assessed_at,
            decided_at=row.decided_at,
            disclosed_at=row.disclosed_at,
            responded_at=row.responded_at,
            closed_at=row.closed_at,
        ),
        deadline_at=row.deadline_at,
        deadline_manual=bool(row.deadline_manual),
        reporting=ReportingTags(
            emergency=bool(row.report_emergency),
            accounts_specified=bool(row.report_accounts_specified),
            data_produced=bool(row.report_data_produced),
            content_produced=bool(row.report_content_produced),
        ),
        verification_result=OverallResult(row.verification_result),
        merged_into=row.merged_into,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )
