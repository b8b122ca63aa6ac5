"""Requester verification (DOMAIN.md section 3): automatic checks computed from the message
and the directories, manual checks recorded with who, when and evidence, an overall result.

Automatic checks run on import and can be re-run (the original message is re-read from the
evidence store, hash-verified). Every run and every recording appends rows; the newest row
per check is the current result, so the history stays.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from workbench.audit import PendingEvent, append_event
from workbench.errors import NotFoundError, ValidationError
from workbench.intake import authresults
from workbench.intake.domains import (
    AgencyDirectory,
    domain_of,
    is_freemail,
    registrable,
    resource_directory,
    to_ascii,
)
from workbench.intake.model import (
    AUTH_WARNING,
    CHANNEL_TEXT,
    Channel,
    CheckOutcome,
    CheckResult,
    Escalation,
    OverallResult,
)
from workbench.intake.pdfmeta import PdfInfo, read_info
from workbench.paths import resource
from workbench.store.rows import new_id
from workbench.store.schema import directory_entries, escalations, evidence, verification_checks
from workbench.timeutil import to_iso, utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

AUTO = "auto"
MANUAL = "manual"


@dataclass(frozen=True)
class CheckDef:
    id: str
    kind: str
    label: str
    key: bool = False


@lru_cache(maxsize=1)
def check_defs() -> tuple[CheckDef, ...]:
    path = resource("intake", "verification_checks.toml")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    defs = []
    for item in data.get("check", []):
        kind = str(item.get("kind", MANUAL))
        if kind not in (AUTO, MANUAL):
            raise ValidationError(f"{path}: check {item.get('id')!r} has kind {kind!r}.")
        defs.append(CheckDef(str(item["id"]), kind, str(item["label"]), bool(item.get("key"))))
    return tuple(defs)


def check_def(check_id: str) -> CheckDef:
    for definition in check_defs():
        if definition.id == check_id:
            return definition
    valid = ", ".join(d.id for d in check_defs())
    raise ValidationError(f"Unknown verification check {check_id!r}; valid: {valid}.")


@dataclass(frozen=True)
class MessageFacts:
    """What the automatic checks read from the original message (empty for other channels)."""

    from_address: str = ""
    auth_results: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = ()
    return_path: str = ""
    envelope_from: str = ""
    pdfs: tuple[PdfInfo, ...] = ()
    has_message: bool = False


@dataclass(frozen=True)
class History:
    earlier_cases: int = 0
    failed_references: tuple[str, ...] = ()


@dataclass(frozen=True)
class VerificationStatus:
    case_id: str
    checks: tuple[CheckOutcome, ...]
    overall: OverallResult
    warning: str = AUTH_WARNING
    history: tuple[dict[str, Any], ...] = field(default=())

    def check(self, check_id: str) -> CheckOutcome:
        return next(c for c in self.checks if c.check_id == check_id)


def _outcome(check_id: str, result: CheckResult, detail: str, **data: Any) -> CheckOutcome:
    definition = check_def(check_id)
    return CheckOutcome(
        check_id, definition.label, definition.kind, result, detail, data, key=definition.key
    )


def automatic_checks(
    escalation: Escalation, facts: MessageFacts, directory: AgencyDirectory, history: History
) -> list[CheckOutcome]:
    """The automatic half of the checklist, as pure computation."""
    out: list[CheckOutcome] = []
    na = CheckResult.NOT_APPLICABLE
    sender = (facts.from_address or escalation.requester_email).strip()
    domain = domain_of(sender)
    # 1. channel
    if escalation.channel == Channel.PORTAL:
        if escalation.portal_account_verified:
            out.append(
                _outcome("channel", CheckResult.PASS, "Official portal, pre-verified account.")
            )
        else:
            out.append(
                _outcome(
                    "channel",
                    CheckResult.FAIL,
                    "Came through the portal, but the account is not marked pre-verified.",
                )
            )
    else:
        out.append(
            _outcome(
                "channel",
                na,
                f"Arrived by {CHANNEL_TEXT[escalation.channel].lower()}, not the portal: the "
                "checks below apply.",
            )
        )
    # 2. sender domain in the directory
    if not domain:
        out.append(
            _outcome("sender_domain", CheckResult.FAIL, "No sender e-mail address to check.")
        )
    else:
        match = directory.lookup(domain)
        out.append(
            _outcome(
                "sender_domain",
                CheckResult.PASS if match.official else CheckResult.FAIL,
                match.describe() + ("" if match.official else "; confirm the agency another way."),
                domain=domain,
            )
        )
    # free-mail
    if not domain:
        out.append(_outcome("freemail", na, "No sender address."))
    else:
        free = is_freemail(domain)
        reply_free = [a for a in facts.reply_to if is_freemail(domain_of(a))]
        if free or reply_free:
            which = domain if free else ", ".join(reply_free)
            out.append(
                _outcome(
                    "freemail",
                    CheckResult.FAIL,
                    f"{which} is a free-mail provider: not an agency mail system.",
                )
            )
        else:
            out.append(
                _outcome("freemail", CheckResult.PASS, f"{domain} is not a free-mail provider.")
            )
    # 3. look-alike
    if not domain:
        out.append(_outcome("lookalike", na, "No sender domain."))
    else:
        hits = directory.lookalikes(domain)
        for reply in facts.reply_to:
            hits.extend(directory.lookalikes(domain_of(reply)))
        if hits:
            text = "; ".join(f"{h.domain} resembles {h.resembles} ({h.how})" for h in hits)
            out.append(
                _outcome(
                    "lookalike",
                    CheckResult.FAIL,
                    text,
                    hits=[
                        {"domain": h.domain, "resembles": h.resembles, "how": h.how} for h in hits
                    ],
                )
            )
        else:
            shown = to_ascii(domain)
            out.append(
                _outcome("lookalike", CheckResult.PASS, f"{shown} imitates no known agency domain.")
            )
    # 4. e-mail authentication
    if not facts.has_message:
        out.append(_outcome("email_auth", na, "No e-mail message (other channel)."))
    else:
        verdict = authresults.evaluate(list(facts.auth_results), sender)
        if verdict is None:
            out.append(
                _outcome(
                    "email_auth",
                    CheckResult.FAIL,
                    "No Authentication-Results header: the receiving server's SPF/DKIM/DMARC "
                    "verdict is unknown (forwarded or re-saved message?).",
                )
            )
        else:
            detail = (
                f"SPF {verdict.spf} for {verdict.spf_domain or '?'}"
                f"{' (aligned)' if verdict.spf_aligned else ' (not aligned)'}; "
                f"DKIM {verdict.dkim}{' (aligned)' if verdict.dkim_aligned else ''}; "
                f"DMARC {verdict.dmarc}; From domain {verdict.from_domain or '?'}."
            )
            if verdict.notes:
                detail += " " + " ".join(verdict.notes)
            if verdict.passed:
                detail += " A pass does not prove the request is genuine."
            out.append(
                _outcome(
                    "email_auth",
                    CheckResult.PASS if verdict.passed else CheckResult.FAIL,
                    detail,
                    spf=verdict.spf,
                    dkim=verdict.dkim,
                    dmarc=verdict.dmarc,
                    spf_aligned=verdict.spf_aligned,
                    dkim_aligned=verdict.dkim_aligned,
                )
            )
    # 5. reply-to / return path
    if not facts.has_message or not domain:
        out.append(_outcome("reply_path", na, "No e-mail message or sender."))
    else:
        problems = []
        for reply in facts.reply_to:
            if registrable(domain_of(reply)) != registrable(domain):
                problems.append(f"Reply-To {reply} differs from From {sender}")
        for label, path in (
            ("return path", facts.return_path),
            ("envelope sender", facts.envelope_from),
        ):
            if path and domain_of(path) and registrable(domain_of(path)) != registrable(domain):
                problems.append(f"{label} {path} differs from From {sender}")
        problems = list(dict.fromkeys(problems))
        out.append(
            _outcome(
                "reply_path",
                CheckResult.FAIL if problems else CheckResult.PASS,
                "; ".join(problems) + "." if problems else "Reply-To and return path match From.",
            )
        )
    # 6. known-compromised list
    entry = directory.is_compromised(sender) if sender else None
    out.append(
        _outcome(
            "compromised",
            CheckResult.FAIL if entry else (CheckResult.PASS if sender else na),
            f"{sender} matches the known-compromised entry {entry}."
            if entry
            else ("Not on the known-compromised list." if sender else "No sender."),
        )
    )
    # 9 (part). PDF metadata
    if not facts.pdfs:
        out.append(_outcome("pdf_metadata", na, "No PDF attached."))
    else:
        flagged = [p for p in facts.pdfs if p.red_flags or p.error]
        lines = [
            p.describe() + (f" — {', '.join(p.red_flags)}" if p.red_flags else "")
            for p in facts.pdfs
        ]
        out.append(
            _outcome(
                "pdf_metadata",
                CheckResult.FAIL if any(p.red_flags for p in flagged) else CheckResult.PASS,
                " | ".join(lines),
                pdfs=[p.to_json() for p in facts.pdfs],
            )
        )
    # 11. requester history
    if history.failed_references:
        out.append(
            _outcome(
                "requester_history",
                CheckResult.FAIL,
                "Earlier requests from this sender or domain failed verification: "
                + ", ".join(history.failed_references),
            )
        )
    elif history.earlier_cases:
        out.append(
            _outcome(
                "requester_history",
                CheckResult.PASS,
                f"{history.earlier_cases} earlier request(s) from this sender or domain; "
                "none failed verification.",
            )
        )
    else:
        out.append(
            _outcome(
                "requester_history",
                CheckResult.PASS,
                "First request seen from this sender and domain (newly seen: no track record).",
            )
        )
    return out


def overall(checks: Iterable[CheckOutcome]) -> OverallResult:
    checks = list(checks)
    done = [c for c in checks if c.result is not None]
    if any(c.result == CheckResult.FAIL for c in done):
        return OverallResult.FAILED
    if not done:
        return OverallResult.NOT_STARTED
    keys = [c for c in checks if c.key]
    if keys and all(c.result == CheckResult.PASS for c in keys):
        return OverallResult.VERIFIED
    if keys and all(c.result in (CheckResult.PASS, CheckResult.SKIPPED_FOR_URGENCY) for c in keys):
        return OverallResult.SKIPPED_FOR_URGENCY
    return OverallResult.INCOMPLETE


class VerificationService:
    def __init__(self, workspace: Workspace):
        self._ws = workspace

    # ---- the directory ---------------------------------------------------------------------
    def directory(self, conn: Connection | None = None) -> AgencyDirectory:
        query = select(
            directory_entries.c.value,
            directory_entries.c.kind,
            directory_entries.c.agency,
            directory_entries.c.country,
        )
        if conn is not None:
            rows = conn.execute(query).all()
        else:
            with self._ws.read() as reader:
                rows = reader.execute(query).all()
        return resource_directory().with_entries((r[0], r[1], r[2], r[3]) for r in rows)

    def add_directory_entry(
        self,
        value: str,
        *,
        kind: str = "official",
        agency: str = "",
        country: str = "",
        note: str = "",
    ) -> None:
        """An official agency domain (kind "official") or a known-compromised sender address or
        domain (kind "compromised"), kept in the workspace and audited."""
        if kind not in ("official", "compromised"):
            raise ValidationError(f"Directory entry kind {kind!r}: use official or compromised.")
        value = value.strip().lower()
        if kind == "official":
            if "@" in value or "." not in value:
                raise ValidationError(f"{value!r} is not a domain (expected e.g. police.example).")
            if not agency.strip():
                raise ValidationError("Name the agency that owns the domain.")
            value = to_ascii(value)
        elif "." not in value:
            raise ValidationError(f"{value!r} is neither a domain nor an e-mail address.")
        with self._ws.write() as conn:
            existing = conn.execute(
                select(directory_entries).where(directory_entries.c.value == value)
            ).first()
            if existing is not None:
                conn.execute(delete(directory_entries).where(directory_entries.c.value == value))
            conn.execute(
                insert(directory_entries).values(
                    value=value,
                    kind=kind,
                    agency=agency.strip(),
                    country=country.strip().upper(),
                    note=note,
                    added_by=self._ws.actor,
                    added_at=utcnow(),
                )
            )
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "directory.add",
                    "directory",
                    value[:36],
                    None,
                    {
                        "value": value,
                        "kind": kind,
                        "agency": agency,
                        "country": country,
                        "replaced": existing is not None,
                    },
                ),
            )

    def remove_directory_entry(self, value: str) -> None:
        value = value.strip().lower()
        with self._ws.write() as conn:
            row = conn.execute(
                select(directory_entries).where(
                    or_(
                        directory_entries.c.value == value,
                        directory_entries.c.value == to_ascii(value),
                    )
                )
            ).first()
            if row is None:
                raise NotFoundError(f"{value!r} is not in the workspace's directory entries.")
            conn.execute(delete(directory_entries).where(directory_entries.c.value == row.value))
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "directory.remove",
                    "directory",
                    row.value[:36],
                    None,
                    {"value": row.value, "kind": row.kind, "agency": row.agency},
                ),
            )

    def directory_entries(self) -> list[dict[str, Any]]:
        with self._ws.read() as conn:
            rows = conn.execute(select(directory_entries).order_by(directory_entries.c.value)).all()
        return [
            {
                "value": r.value,
                "kind": r.kind,
                "agency": r.agency,
                "country": r.country,
                "note": r.note,
                "added_by": r.added_by,
                "added_at": to_iso(r.added_at),
            }
            for r in rows
        ]

    # ---- history ---------------------------------------------------------------------------
    def history(self, conn: Connection, case_id: str, sender: str) -> History:
        domain = domain_of(sender)
        if not sender and not domain:
            return History()
        condition = escalations.c.requester_email == sender
        if domain and not is_freemail(domain):
            condition = or_(condition, escalations.c.requester_domain == domain)
        rows = conn.execute(
            select(escalations.c.reference, escalations.c.verification_result).where(
                and_(condition, escalations.c.case_id != case_id)
            )
        ).all()
        failed = tuple(
            r.reference for r in rows if r.verification_result == OverallResult.FAILED.value
        )
        return History(len(rows), failed)

    # ---- running and recording ---------------------------------------------------------------
    def run_automatic_in(
        self, conn: Connection, case_id: str, escalation: Escalation, facts: MessageFacts
    ) -> list[CheckOutcome]:
        directory = self.directory(conn)
        sender = facts.from_address or escalation.requester_email
        outcomes = automatic_checks(
            escalation, facts, directory, self.history(conn, case_id, sender)
        )
        now = utcnow()
        conn.execute(
            insert(verification_checks),
            [
                {
                    "id": new_id(),
                    "case_id": case_id,
                    "check_id": o.check_id,
                    "kind": AUTO,
                    "result": o.result.value if o.result else "",
                    "detail": o.detail,
                    "data": o.data,
                    "evidence_id": escalation.source_evidence_id,
                    "actor": self._ws.actor,
                    "at": now,
                }
                for o in outcomes
            ],
        )
        result = self._update_overall(conn, case_id)
        append_event(
            conn,
            self._ws.actor,
            PendingEvent(
                "verification.auto",
                "case",
                case_id,
                case_id,
                {
                    "results": {o.check_id: o.result.value if o.result else None for o in outcomes},
                    "overall": result.value,
                },
            ),
        )
        return outcomes

    def run_automatic(self, case_id: str) -> VerificationStatus:
        """Re-run the automatic checks (after a directory change, say)."""
        from workbench.intake.repository import EscalationRepository

        record = EscalationRepository(self._ws).get(case_id)
        facts = self.facts_for(case_id, record.escalation)
        with self._ws.write() as conn:
            self.run_automatic_in(conn, case_id, record.escalation, facts)
        return self.status(case_id)

    def facts_for(self, case_id: str, escalation: Escalation) -> MessageFacts:
        """Re-read the original message and PDFs of the case from the evidence store."""
        from workbench.intake.eml import parse_message

        pdfs: list[PdfInfo] = []
        items = self._ws.evidence.list(case_id)
        message = None
        if escalation.source_evidence_id and escalation.channel == Channel.EMAIL:
            raw = self._ws.evidence.read(escalation.source_evidence_id)
            message = parse_message(raw, "original message")
        for item in items:
            if item.mime_type == "application/pdf" or item.filename.lower().endswith(".pdf"):
                pdfs.append(
                    read_info(
                        self._ws.blobs.read_verified(item.sha256),
                        item.filename,
                        escalation.received_at,
                    )
                )
        if message is None:
            return MessageFacts(from_address=escalation.requester_email, pdfs=tuple(pdfs))
        return MessageFacts(
            from_address=message.from_address,
            auth_results=tuple(message.auth_results),
            reply_to=tuple(message.reply_to),
            return_path=message.return_path,
            envelope_from=message.envelope_from,
            pdfs=tuple(pdfs),
            has_message=True,
        )

    def record_manual(
        self,
        case_id: str,
        check_id: str,
        result: CheckResult | str,
        note: str,
        *,
        evidence_id: str | None = None,
    ) -> VerificationStatus:
        """Record a manual check (call-back, supervisor confirmation ...) with who and when."""
        definition = check_def(check_id)
        if definition.kind != MANUAL:
            raise ValidationError(
                f"{definition.label!r} is automatic; re-run the automatic checks instead."
            )
        try:
            outcome = CheckResult(result)
        except ValueError:
            valid = ", ".join(r.value for r in CheckResult)
            raise ValidationError(f"Invalid result {result!r}; valid: {valid}.") from None
        note = note.strip()
        if not note:
            raise ValidationError(
                "Say what was done (e.g. 'called the force control room on the number from "
                "its public website; duty inspector confirmed DS Okafor and the request')."
            )
        with self._ws.write() as conn:
            if (
                conn.execute(
                    select(escalations.c.case_id).where(escalations.c.case_id == case_id)
                ).first()
                is None
            ):
                raise NotFoundError(f"No case with id {case_id!r}.")
            if evidence_id:
                owner = conn.execute(
                    select(evidence.c.case_id).where(evidence.c.id == evidence_id)
                ).scalar_one_or_none()
                if owner != case_id:
                    raise ValidationError(
                        f"Evidence {evidence_id!r} does not belong to this case; attach the "
                        "call note or e-mail as evidence of this case first."
                    )
            now = utcnow()
            conn.execute(
                insert(verification_checks).values(
                    id=new_id(),
                    case_id=case_id,
                    check_id=check_id,
                    kind=MANUAL,
                    result=outcome.value,
                    detail=note,
                    data={},
                    evidence_id=evidence_id,
                    actor=self._ws.actor,
                    at=now,
                )
            )
            overall_result = self._update_overall(conn, case_id)
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "verification.manual",
                    "case",
                    case_id,
                    case_id,
                    {
                        "check": check_id,
                        "result": outcome.value,
                        "note": note,
                        "evidence_id": evidence_id,
                        "overall": overall_result.value,
                    },
                ),
            )
        return self.status(case_id)

    def _latest(self, conn: Connection, case_id: str) -> dict[str, Any]:
        newest = (
            select(
                verification_checks.c.check_id,
                func.max(verification_checks.c.at).label("at"),
            )
            .where(verification_checks.c.case_id == case_id)
            .group_by(verification_checks.c.check_id)
            .subquery()
        )
        rows = conn.execute(
            select(verification_checks)
            .join(
                newest,
                and_(
                    newest.c.check_id == verification_checks.c.check_id,
                    newest.c.at == verification_checks.c.at,
                ),
            )
            .where(verification_checks.c.case_id == case_id)
        ).all()
        return {row.check_id: row for row in rows}

    def _outcomes(self, conn: Connection, case_id: str) -> list[CheckOutcome]:
        latest = self._latest(conn, case_id)
        outcomes = []
        for definition in check_defs():
            row = latest.get(definition.id)
            outcomes.append(
                CheckOutcome(
                    definition.id,
                    definition.label,
                    definition.kind,
                    CheckResult(row.result) if row is not None and row.result else None,
                    row.detail if row is not None else "",
                    dict(row.data or {}) if row is not None else {},
                    row.evidence_id if row is not None else None,
                    row.actor if row is not None else "",
                    row.at if row is not None else None,
                    definition.key,
                )
            )
        return outcomes

    def _update_overall(self, conn: Connection, case_id: str) -> OverallResult:
        result = overall(self._outcomes(conn, case_id))
        row = conn.execute(select(escalations).where(escalations.c.case_id == case_id)).one()
        values: dict[str, Any] = {"verification_result": result.value}
        if result == OverallResult.VERIFIED and row.verified_at is None:
            values["verified_at"] = utcnow()
        conn.execute(update(escalations).where(escalations.c.case_id == case_id).values(**values))
        return result

    def status(self, case_id: str) -> VerificationStatus:
        with self._ws.read() as conn:
            if (
                conn.execute(
                    select(escalations.c.case_id).where(escalations.c.case_id == case_id)
                ).first()
                is None
            ):
                raise NotFoundError(f"No case with id {case_id!r}.")
            outcomes = self._outcomes(conn, case_id)
            history_rows = conn.execute(
                select(verification_checks)
                .where(verification_checks.c.case_id == case_id)
                .order_by(verification_checks.c.at.desc())
            ).all()
        history = tuple(
            {
                "check_id": r.check_id,
                "kind": r.kind,
                "result": r.result,
                "detail": r.detail,
                "actor": r.actor,
                "at": to_iso(r.at),
                "evidence_id": r.evidence_id,
            }
            for r in history_rows
        )
        return VerificationStatus(
            case_id, tuple(outcomes), overall(outcomes), AUTH_WARNING, history
        )


__all__ = [
    "AUTH_WARNING",
    "CheckDef",
    "History",
    "MessageFacts",
    "VerificationService",
    "VerificationStatus",
    "automatic_checks",
    "check_defs",
    "overall",
]
