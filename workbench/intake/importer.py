"""Import of requests: .eml messages and portal exports (JSON / JSON Lines / CSV).

Each request becomes a case in one transaction: the case, its escalation, the original and
each attachment as hashed evidence, the requester and targets in the graph, the automatic
verification checks. If anything fails, nothing of that request is left behind (blobs written
for it are removed too). A dry run reads, validates and looks for duplicates, and writes
nothing.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.audit import PendingEvent
from workbench.errors import ValidationError, WorkbenchError
from workbench.intake.draft import draft_from_message
from workbench.intake.duplicates import DuplicateHit, find_duplicates
from workbench.intake.eml import ParsedMessage, parse_message
from workbench.intake.model import TARGET_ENTITY_TYPE, Escalation
from workbench.intake.pdfmeta import read_info
from workbench.intake.portal import ColumnMapping, ParsedRow, read_file, row_to_escalation
from workbench.intake.repository import EscalationRepository, target_key
from workbench.intake.rules import default_rules
from workbench.intake.verification import MessageFacts, VerificationService
from workbench.intake.writer import BlobJournal, GraphWriter, insert_evidence
from workbench.model import Category, Priority
from workbench.timeutil import to_iso, utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

EML_SUFFIXES = (".eml",)
PORTAL_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv")
CREATED, WOULD_CREATE, REJECTED, DUPLICATE = "created", "would_create", "rejected", "duplicate"


@dataclass
class ImportItem:
    source: str
    status: str
    title: str = ""
    case_id: str | None = None
    reference: str | None = None
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    duplicates: list[DuplicateHit] = field(default_factory=list)
    preview: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "title": self.title,
            "case_id": self.case_id,
            "reference": self.reference,
            "warnings": self.warnings,
            "errors": self.errors,
            "duplicates": [d.to_json() for d in self.duplicates],
            "preview": self.preview,
        }


@dataclass
class ImportReport:
    dry_run: bool
    items: list[ImportItem] = field(default_factory=list)
    unmapped_columns: dict[str, list[str]] = field(default_factory=dict)
    file_warnings: dict[str, list[str]] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def ok(self) -> bool:
        return self.count(REJECTED) == 0

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "counts": {s: self.count(s) for s in (CREATED, WOULD_CREATE, REJECTED, DUPLICATE)},
            "items": [item.to_json() for item in self.items],
            "unmapped_columns": self.unmapped_columns,
            "file_warnings": self.file_warnings,
        }

    def describe(self) -> str:
        lines = []
        for path, columns in self.unmapped_columns.items():
            if columns:
                lines.append(f"{path}: unmapped columns (ignored): {', '.join(columns)}")
        for path, warnings in self.file_warnings.items():
            lines.extend(f"{path}: {w}" for w in warnings)
        for item in self.items:
            head = {
                CREATED: f"created {item.reference}",
                WOULD_CREATE: "would create",
                REJECTED: "REJECTED",
                DUPLICATE: "skipped (duplicate)",
            }[item.status]
            lines.append(f"{item.source}: {head}  {item.title}".rstrip())
            lines.extend(f"    error: {e}" for e in item.errors)
            lines.extend(f"    duplicate: {d.describe()}" for d in item.duplicates)
            lines.extend(f"    warning: {w}" for w in item.warnings)
        verb = "would be created" if self.dry_run else "created"
        created = self.count(WOULD_CREATE if self.dry_run else CREATED)
        lines.append(
            f"{created} case(s) {verb}, {self.count(REJECTED)} rejected, "
            f"{self.count(DUPLICATE)} duplicate(s) skipped."
        )
        return "\n".join(lines)


Progress = Callable[[int, int], None]


class Importer:
    def __init__(
        self,
        ws: Workspace,
        *,
        mapping: ColumnMapping | None = None,
        allow_duplicates: bool = False,
        now: datetime | None = None,
    ):
        self.ws = ws
        self.mapping = mapping or ColumnMapping.load()
        self.allow_duplicates = allow_duplicates
        self.now = now
        self.repo = EscalationRepository(ws)
        self.verification = VerificationService(ws)
        self.rules = default_rules()

    # ---- entry points -----------------------------------------------------------------------
    def import_paths(
        self,
        paths: Iterable[Path | str],
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ImportReport:
        files = list(self._expand(paths))
        report = ImportReport(dry_run)
        for done, path in enumerate(files, 1):
            if cancelled is not None and cancelled():
                break
            if isinstance(path, str):  # a problem found while expanding
                report.items.append(
                    ImportItem(path.split("\0")[0], REJECTED, errors=[path.split("\0")[1]])
                )
            elif path.suffix.lower() in PORTAL_SUFFIXES:
                self._import_portal(path, report, dry_run)
            else:
                report.items.append(self.import_eml(path, dry_run=dry_run))
            if progress is not None:
                progress(done, len(files))
        return report

    def _expand(self, paths: Iterable[Path | str]) -> Iterable[Path | str]:
        for entry in paths:
            path = Path(entry)
            if path.is_dir():
                found = sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in EML_SUFFIXES + PORTAL_SUFFIXES
                )
                if not found:
                    yield f"{path}\0no .eml, .json or .csv files in this folder"
                yield from found
            elif not path.exists():
                yield f"{path}\0no such file"
            else:
                yield path

    # ---- e-mail -------------------------------------------------------------------------------
    def import_eml(self, path: Path, *, dry_run: bool = False) -> ImportItem:
        source = str(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return ImportItem(source, REJECTED, errors=[f"cannot read the file: {exc}"])
        return self.import_eml_bytes(raw, source, filename=path.name, dry_run=dry_run)

    def import_eml_bytes(
        self, raw: bytes, source: str, *, filename: str | None = None, dry_run: bool = False
    ) -> ImportItem:
        now = self.now or utcnow()
        filename = filename or Path(source).name or "message.eml"
        try:
            parsed = parse_message(raw, source)
        except ValidationError as exc:
            return ImportItem(source, REJECTED, errors=[str(exc)])
        draft = draft_from_message(parsed, self.rules, self.verification.directory(), now)
        item = ImportItem(source, WOULD_CREATE if dry_run else CREATED, draft.title)
        item.warnings.extend(parsed.warnings)
        item.warnings.extend(draft.warnings)
        escalation = draft.escalation
        item.duplicates = self._duplicates(escalation)
        item.preview = _preview(escalation, draft.priority, parsed)
        same_message = [d for d in item.duplicates if d.reason == "message_id"]
        if same_message and not self.allow_duplicates:
            item.status = DUPLICATE
            item.errors.append(
                f"Already imported as {same_message[0].reference} (same Message-ID); skipped. "
                "Use --allow-duplicates to import it again."
            )
            return item
        if dry_run:
            return item
        try:
            case_id, reference, warnings = self._write_eml(
                parsed, draft.title, draft.priority, draft.category, escalation, filename, source
            )
        except WorkbenchError as exc:
            return ImportItem(
                source,
                REJECTED,
                draft.title,
                errors=[f"not imported: {exc}"],
                warnings=item.warnings,
            )
        item.case_id, item.reference = case_id, reference
        item.warnings.extend(warnings)
        return item

    def _write_eml(
        self,
        parsed: ParsedMessage,
        title: str,
        priority: Priority,
        category: Category,
        escalation: Escalation,
        filename: str,
        source: str,
    ) -> tuple[str, str, list[str]]:
        journal = BlobJournal(self.ws)
        warnings: list[str] = []
        actor = self.ws.actor
        try:
            with self.ws.write() as conn:
                case_id = self.ws.cases.create_in(
                    conn,
                    title,
                    priority=priority,
                    category=category,
                    description=_summary(escalation),
                    tags=["imported", "e-mail"],
                )
                pending: list[PendingEvent] = []
                sha, size = journal.put_bytes(parsed.raw)
                original_id = insert_evidence(
                    conn,
                    actor,
                    case_id,
                    sha,
                    size,
                    filename if filename.lower().endswith(".eml") else f"{filename}.eml",
                    "message/rfc822",
                    "Original request e-mail, as received",
                    {"message_id": parsed.message_id, "imported_from": source},
                    events=pending,
                )
                pdfs = []
                for attachment in parsed.attachments:
                    a_sha, a_size = journal.put_bytes(attachment.data)
                    mime = attachment.content_type
                    if mime in ("application/octet-stream", "") or "/" not in mime:
                        mime = mimetypes.guess_type(attachment.filename)[0] or mime
                    insert_evidence(
                        conn,
                        actor,
                        case_id,
                        a_sha,
                        a_size,
                        attachment.filename,
                        mime,
                        f"Attachment of the request e-mail ({attachment.content_type})",
                        {"parent_evidence_id": original_id, "inline": attachment.inline},
                        events=pending,
                    )
                    if attachment.is_pdf:
                        pdfs.append(
                            read_info(attachment.data, attachment.filename, escalation.received_at)
                        )
                graph = GraphWriter(self.ws, conn, case_id, original_id)
                graph.events.extend(pending)
                document = graph.try_entity(
                    "document",
                    f"Request e-mail {parsed.message_id or filename}",
                    warnings,
                    label=f"Request e-mail: {title}"[:200],
                    properties={"evidence_id": original_id, "mime_type": "message/rfc822"},
                )
                escalation = escalation.with_changes(
                    source_evidence_id=original_id, source_ref=f"eml:{source}"
                )
                warnings.extend(
                    self.repo.write_in(
                        conn,
                        case_id,
                        escalation,
                        action="escalation.import",
                        extra_audit={"source": source, "warnings": len(parsed.warnings)},
                        graph=graph,
                    )
                )
                stored = self.repo.get_in(conn, case_id).escalation
                self.repo.link_requester(graph, stored, document, warnings)
                graph.flush()
                facts = MessageFacts(
                    from_address=parsed.from_address,
                    auth_results=tuple(parsed.auth_results),
                    reply_to=tuple(parsed.reply_to),
                    return_path=parsed.return_path,
                    envelope_from=parsed.envelope_from,
                    pdfs=tuple(pdfs),
                    has_message=True,
                )
                self.verification.run_automatic_in(conn, case_id, stored, facts)
                reference = self.repo.get_in(conn, case_id).reference
        except BaseException:
            journal.discard()
            raise
        return case_id, reference, warnings

    # ---- portal exports -----------------------------------------------------------------------
    def _import_portal(self, path: Path, report: ImportReport, dry_run: bool) -> None:
        source = str(path)
        try:
            export = read_file(path)
        except (ValidationError, OSError, UnicodeError) as exc:
            report.items.append(ImportItem(source, REJECTED, errors=[str(exc)]))
            return
        mapped, unmapped, notes = self.mapping.resolve(export.columns)
        report.unmapped_columns[source] = unmapped
        if export.warnings or notes:
            report.file_warnings[source] = export.warnings + notes
        if not mapped:
            report.items.append(
                ImportItem(
                    source,
                    REJECTED,
                    errors=[
                        "none of the columns maps to an escalation field "
                        f"({', '.join(export.columns[:12])}); give a mapping with --mapping FILE "
                        'or --map "Column=field".'
                    ],
                )
            )
            return
        now = self.now or utcnow()
        seen_keys: dict[str, str] = {}
        for row in export.rows:
            parsed = row_to_escalation(row, mapped, now, source)
            label = f"{source}:{row.line}"
            if parsed.escalation is None:
                report.items.append(
                    ImportItem(
                        label,
                        REJECTED,
                        parsed.title,
                        warnings=parsed.warnings,
                        errors=parsed.errors,
                    )
                )
                continue
            escalation = parsed.escalation
            priority = parsed.priority or self.rules.priority_for(escalation.emergency_nature)
            status = WOULD_CREATE if dry_run else CREATED
            item = ImportItem(label, status, parsed.title, warnings=parsed.warnings)
            item.duplicates = self._duplicates(escalation)
            item.preview = _preview(escalation, priority, None)
            in_file = seen_keys.get(escalation.message_id) if escalation.message_id else None
            same = [d for d in item.duplicates if d.reason == "message_id"]
            if (same or in_file) and not self.allow_duplicates:
                item.status = DUPLICATE
                where = same[0].reference if same else in_file
                item.errors.append(f"Same portal request id as {where}; skipped.")
                report.items.append(item)
                continue
            if escalation.message_id:
                seen_keys[escalation.message_id] = label
            if not dry_run:
                try:
                    item.case_id, item.reference = self._write_portal_row(
                        escalation, parsed, priority, path, item.warnings
                    )
                except WorkbenchError as exc:
                    item.status = REJECTED
                    item.errors.append(f"not imported: {exc}")
            report.items.append(item)

    def _write_portal_row(
        self,
        escalation: Escalation,
        parsed: ParsedRow,
        priority: Priority,
        path: Path,
        warnings: list[str],
    ) -> tuple[str, str]:
        journal = BlobJournal(self.ws)
        record = json.dumps(
            {"file": path.name, "line": parsed.line, "row": parsed.raw},
            ensure_ascii=False,
            indent=2,
            default=str,
        ).encode("utf-8")
        try:
            with self.ws.write() as conn:
                case_id = self.ws.cases.create_in(
                    conn,
                    parsed.title,
                    priority=priority,
                    category=escalation.emergency_nature or Category.OTHER,
                    description=_summary(escalation),
                    tags=["imported", "portal"],
                )
                pending: list[PendingEvent] = []
                sha, size = journal.put_bytes(record)
                original_id = insert_evidence(
                    conn,
                    self.ws.actor,
                    case_id,
                    sha,
                    size,
                    f"{path.stem}-line{parsed.line}.json",
                    "application/json",
                    f"Portal export row (file {path.name}, line {parsed.line}), as received",
                    {"external_id": parsed.external_id, "imported_from": str(path)},
                    events=pending,
                )
                graph = GraphWriter(self.ws, conn, case_id, original_id)
                graph.events.extend(pending)
                escalation = escalation.with_changes(source_evidence_id=original_id)
                warnings.extend(
                    self.repo.write_in(
                        conn,
                        case_id,
                        escalation,
                        action="escalation.import",
                        extra_audit={"source": f"{path}:{parsed.line}"},
                        graph=graph,
                    )
                )
                stored = self.repo.get_in(conn, case_id).escalation
                self.repo.link_requester(graph, stored, None, warnings)
                graph.flush()
                self.verification.run_automatic_in(conn, case_id, stored, MessageFacts())
                reference = self.repo.get_in(conn, case_id).reference
        except BaseException:
            journal.discard()
            raise
        return case_id, reference

    # ---- helpers --------------------------------------------------------------------------------
    def _duplicates(self, escalation: Escalation) -> list[DuplicateHit]:
        keys = []
        for target in escalation.targets:
            entity_type = TARGET_ENTITY_TYPE[target.kind]
            value = target.value.lstrip("@") if entity_type == "account" else target.value
            try:
                normalized = self.ws.graph.vocabulary.entity_type(entity_type).normalise_value(
                    value
                )
            except ValidationError:
                continue
            keys.append(target_key(target, normalized))
        with self.ws.read() as conn:
            return find_duplicates(
                conn,
                message_id=escalation.message_id,
                target_keys=keys,
                received_at=escalation.received_at,
            )


def _summary(escalation: Escalation) -> str:
    who = escalation.requester_name or escalation.requester_email or "unknown requester"
    agency = f" ({escalation.agency})" if escalation.agency else ""
    text = " ".join(escalation.narrative.split())
    return f"Request from {who}{agency}: {text[:400]}{'…' if len(text) > 400 else ''}"


def _preview(
    escalation: Escalation, priority: Priority, parsed: ParsedMessage | None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": escalation.channel.value,
        "received_at": to_iso(escalation.received_at),
        "priority": priority.value,
        "emergency_nature": escalation.emergency_nature.value
        if escalation.emergency_nature
        else None,
        "requester_name": escalation.requester_name,
        "requester_email": escalation.requester_email,
        "requester_phone": escalation.requester_phone,
        "agency": escalation.agency,
        "country": escalation.country,
        "targets": [f"{t.kind.value}:{t.value}" for t in escalation.targets],
        "data_categories": [c.value for c in escalation.data_categories],
        "message_id": escalation.message_id,
    }
    if parsed is not None:
        data["attachments"] = [
            {"filename": a.filename, "content_type": a.content_type, "size": len(a.data)}
            for a in parsed.attachments
        ]
    return data
