"""`workbench intake ...`: import requests, read the queue, claim, verify, merge duplicates,
the shift digest, the agency directory. Registered by `workbench.cli`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from workbench.errors import ValidationError
from workbench.model import CaseStatus
from workbench.store.workspace import Workspace
from workbench.timeutil import to_iso, utcnow


class Output(Protocol):
    as_json: bool

    def emit(self, data: Any, human: str) -> None: ...


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    intake = commands.add_parser(
        "intake", help="emergency request intake, queue, verification, digest"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = intake.add_parser(
        "import", parents=[common], help="import .eml files and portal exports (JSON/CSV)"
    )
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    imp.add_argument("--dry-run", action="store_true", help="validate and preview; write nothing")
    imp.add_argument("--mapping", type=Path, help="column mapping TOML for JSON/CSV exports")
    imp.add_argument(
        "--map", action="append", default=[], metavar="COLUMN=FIELD", help="one column mapping"
    )
    imp.add_argument(
        "--allow-duplicates", action="store_true", help="import messages seen before again"
    )
    show = intake.add_parser("show", parents=[common], help="a case's escalation record")
    show.add_argument("case")
    queue = intake.add_parser("queue", parents=[common], help="the triage queue")
    queue.add_argument("--view", help="a built-in or saved view name")
    queue.add_argument("--text", default="", help="filter text")
    queue.add_argument("--sort", help="urgency, deadline, received, reference, agency, ...")
    queue.add_argument("--desc", action="store_true")
    queue.add_argument("--include-closed", action="store_true")
    queue.add_argument("--limit", type=int, default=50)
    claim = intake.add_parser("claim", parents=[common], help="take a case (records who has it)")
    claim.add_argument("case")
    claim.add_argument("--force", action="store_true", help="take over someone else's claim")
    status = intake.add_parser("status", parents=[common], help="move a case along the workflow")
    status.add_argument("case")
    status.add_argument("status", choices=[s.value for s in CaseStatus])
    verify = intake.add_parser("verify", parents=[common], help="requester verification status")
    verify.add_argument("case")
    verify.add_argument("--rerun", action="store_true", help="re-run the automatic checks")
    check = intake.add_parser("check", parents=[common], help="record a manual check")
    check.add_argument("case")
    check.add_argument("check_id", help="callback, supervisor, document, narrative")
    check.add_argument("result", choices=["pass", "fail", "not_applicable", "skipped_for_urgency"])
    check.add_argument("--note", required=True, help="what was done, with whom")
    check.add_argument("--evidence", help="evidence id (call note, e-mail) of this case")
    dup = intake.add_parser("duplicates", parents=[common], help="possible duplicates of a case")
    dup.add_argument("case")
    merge = intake.add_parser("merge", parents=[common], help="merge a duplicate into a case")
    merge.add_argument("duplicate")
    merge.add_argument("--into", required=True)
    digest = intake.add_parser("digest", parents=[common], help="shift hand-off digest")
    digest.add_argument("--since", help="ISO time (default: 12 hours ago)")
    directory = intake.add_parser("directory", parents=[common], help="agency directory entries")
    directory.add_argument("op", choices=["list", "add", "remove"])
    directory.add_argument("value", nargs="?", help="domain, or a compromised address")
    directory.add_argument("--kind", default="official", choices=["official", "compromised"])
    directory.add_argument("--agency", default="")
    directory.add_argument("--country", default="")
    directory.add_argument("--note", default="")


def _since(text: str | None) -> datetime:
    if not text:
        return utcnow() - timedelta(hours=12)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"--since {text!r} is not an ISO time (e.g. 2026-11-22T06:00:00Z)."
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _left(deadline: datetime | None, now: datetime) -> str:
    if deadline is None:
        return "—"
    seconds = int((deadline - now).total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}"


def run(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    action = args.action
    if action == "import":
        from workbench.intake.importer import Importer
        from workbench.intake.portal import ColumnMapping

        mapping = ColumnMapping.load(args.mapping, args.map)
        report = Importer(ws, mapping=mapping, allow_duplicates=args.allow_duplicates).import_paths(
            args.paths, dry_run=args.dry_run
        )
        out.emit(report.to_json(), report.describe())
        return 0 if report.ok else 1
    if action == "digest":
        from workbench.intake.digest import build_digest, to_markdown

        digest = build_digest(ws, _since(args.since))
        out.emit(digest.to_json(), to_markdown(digest))
        return 0
    if action == "queue":
        return _queue(ws, args, out)
    if action == "directory":
        return _directory(ws, args, out)
    case = ws.cases.resolve(args.case)
    if action == "show":
        from workbench.intake.repository import EscalationRepository, escalation_dict

        record = EscalationRepository(ws).get(case.id)
        data = {
            "case_id": record.case_id,
            "reference": record.reference,
            "status": record.status.value,
            "priority": record.priority.value,
            "assignee": record.assignee,
            "deadline_at": to_iso(record.deadline_at) if record.deadline_at else None,
            "breached": record.breached(utcnow()),
            "lifecycle": {k: to_iso(v) if v else None for k, v in record.lifecycle.items()},
            "verification": record.verification_result.value,
            "escalation": escalation_dict(record.escalation),
        }
        e = record.escalation
        human = "\n".join(
            [
                f"{record.reference}  {record.title}",
                f"  status {record.status.value}, {record.priority.value}, deadline "
                f"{to_iso(record.deadline_at) if record.deadline_at else '—'}"
                f"{' (BREACHED)' if record.breached(utcnow()) else ''}",
                f"  channel {e.channel.value}, received {to_iso(e.received_at)}",
                f"  requester {e.requester_rank} {e.requester_name} <{e.requester_email}> "
                f"{e.requester_phone}".rstrip(),
                f"  agency {e.agency or '—'} ({e.country or '—'})",
                f"  targets {', '.join(f'{t.kind.value}:{t.value}' for t in e.targets) or '—'}",
                f"  data {', '.join(c.value for c in e.data_categories) or '—'}",
                f"  verification {record.verification_result.value}",
            ]
        )
        out.emit(data, human)
    elif action == "claim":
        from workbench.intake.repository import EscalationRepository

        record = EscalationRepository(ws).claim(case.id, force=args.force)
        out.emit(
            {"case_id": case.id, "assignee": record.assignee},
            f"{record.reference} claimed by {record.assignee}",
        )
    elif action == "status":
        from workbench.intake.repository import EscalationRepository

        record = EscalationRepository(ws).set_status(case.id, args.status)
        out.emit(
            {
                "case_id": case.id,
                "status": record.status.value,
                "lifecycle": {k: to_iso(v) if v else None for k, v in record.lifecycle.items()},
            },
            f"{record.reference} is now {record.status.value}",
        )
    elif action in ("verify", "check"):
        from workbench.intake.verification import VerificationService

        service = VerificationService(ws)
        if action == "check":
            state = service.record_manual(
                case.id, args.check_id, args.result, args.note, evidence_id=args.evidence
            )
        elif args.rerun:
            state = service.run_automatic(case.id)
        else:
            state = service.status(case.id)
        rows = [
            f"  {(c.result.value if c.result else 'to do'):<20} {c.check_id:<18} {c.detail}"
            for c in state.checks
        ]
        out.emit(
            {
                "case_id": case.id,
                "overall": state.overall.value,
                "checks": [
                    {
                        "id": c.check_id,
                        "kind": c.kind,
                        "result": c.result.value if c.result else None,
                        "detail": c.detail,
                        "actor": c.actor,
                        "at": to_iso(c.at) if c.at else None,
                        "evidence_id": c.evidence_id,
                    }
                    for c in state.checks
                ],
                "warning": state.warning,
            },
            "\n".join(
                [f"{case.reference}: overall {state.overall.value}", *rows, "", state.warning]
            ),
        )
    elif action == "duplicates":
        from workbench.intake.duplicates import duplicates_of

        hits = duplicates_of(ws, case.id)
        out.emit(
            [h.to_json() for h in hits],
            "\n".join(h.describe() for h in hits) or f"No duplicates of {case.reference} found.",
        )
    elif action == "merge":
        from workbench.intake.duplicates import merge

        into = ws.cases.resolve(args.into)
        merge(ws, case.id, into.id)
        out.emit(
            {"merged": case.id, "into": into.id},
            f"Merged {case.reference} into {into.reference}; {case.reference} is closed.",
        )
    return 0


def _queue(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.intake.queue import Queue, QueueQuery

    queue = Queue(ws)
    query = queue.view_query(args.view) if args.view else QueueQuery()
    changes: dict[str, Any] = {}
    if args.text:
        changes["text"] = args.text
    if args.sort:
        changes["sort"] = args.sort
    if args.desc:
        changes["descending"] = True
    if args.include_closed:
        changes["include_closed"] = True
    query = QueueQuery.from_json({**query.to_json(), **changes})
    now = utcnow()
    total = queue.count(query, now)
    rows = queue.page(query, 0, max(1, args.limit), matches=total, now=now)
    lines = []
    for r in rows:
        left = _left(r.deadline_at if r.remaining(now) is not None else None, now)
        lines.append(
            f"{r.reference:<14} {r.priority.value:<3} {left:>9} {r.status.value:<10} "
            f"{(r.assignee or '-'):<14} {r.agency[:24]:<24} {r.title[:60]}"
        )
    lines.append(f"{len(rows)} of {total} case(s).")
    out.emit(
        {
            "total": total,
            "rows": [
                {
                    "case_id": r.case_id,
                    "reference": r.reference,
                    "title": r.title,
                    "status": r.status.value,
                    "priority": r.priority.value,
                    "assignee": r.assignee,
                    "agency": r.agency,
                    "country": r.country,
                    "deadline_at": to_iso(r.deadline_at) if r.deadline_at else None,
                    "overdue": r.overdue(now),
                    "verification": r.verification.value,
                }
                for r in rows
            ],
        },
        "\n".join(lines),
    )
    return 0


def _directory(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.intake.verification import VerificationService

    service = VerificationService(ws)
    if args.op == "list":
        entries = service.directory_entries()
        out.emit(
            entries,
            "\n".join(
                f"{e['kind']:<12} {e['value']:<40} {e['agency']} {e['country']}" for e in entries
            )
            or "No entries added in this workspace (the shipped directory still applies).",
        )
        return 0
    if not args.value:
        raise ValidationError(f"`intake directory {args.op}` needs a domain or address.")
    if args.op == "add":
        service.add_directory_entry(
            args.value, kind=args.kind, agency=args.agency, country=args.country, note=args.note
        )
        out.emit({"added": args.value, "kind": args.kind}, f"Added {args.kind} entry {args.value}.")
    else:
        service.remove_directory_entry(args.value)
        out.emit({"removed": args.value}, f"Removed {args.value}.")
    return 0
