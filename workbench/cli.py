"""`workbench ...`: the command-line face of the core. Human output by default, `--json` for
machines; a bad input prints one clear line on stderr and exits non-zero."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from workbench import APP_NAME, __version__
from workbench.assess import cli as assess_cli
from workbench.errors import WorkbenchError
from workbench.intake import cli as intake_cli  # intake (issue 6)
from workbench.model import CaseStatus, Category, Confidence, Priority
from workbench.paths import default_workspace_dir
from workbench.sources import cli as sources_cli
from workbench.store.workspace import Workspace
from workbench.timeutil import to_iso

GuiRunner = Callable[[Path | None, list[str]], int]
EXIT_ERROR = 1
EXIT_USAGE = 2


class CliError(WorkbenchError):
    """A usage problem found after parsing (e.g. a malformed key=value)."""


def _common() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--workspace",
        type=Path,
        default=argparse.SUPPRESS,
        help="workspace folder (default: $WORKBENCH_WORKSPACE or user data folder)",
    )
    parent.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="machine-readable JSON output",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="workbench", description=f"{APP_NAME}: emergency-response investigation workbench."
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--workspace", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", default=False, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    commands.add_parser("gui", parents=[common], help="open the main window")
    commands.add_parser("demo", parents=[common], help="create the fictional sample case")
    commands.add_parser("types", parents=[common], help="list entity and link types")

    case = commands.add_parser("case", help="create, list, show, export cases").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    new = case.add_parser("new", parents=[common], help="create a case")
    new.add_argument("title")
    new.add_argument("--priority", default=Priority.P2.value, choices=[p.value for p in Priority])
    new.add_argument(
        "--category", default=Category.OTHER.value, choices=[c.value for c in Category]
    )
    new.add_argument("--description", default="")
    new.add_argument("--assignee")
    new.add_argument("--tag", action="append", default=[], dest="tags")
    listing = case.add_parser("list", parents=[common], help="list cases")
    listing.add_argument("--open", action="store_true", help="hide closed cases")
    show = case.add_parser("show", parents=[common], help="show one case")
    show.add_argument("case", help="case id or reference (WB-2026-0001)")
    export = case.add_parser("export-json", parents=[common], help="export a case as JSON")
    export.add_argument("case")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    status = case.add_parser("set", parents=[common], help="change status, priority, assignee")
    status.add_argument("case")
    status.add_argument("--status", choices=[s.value for s in CaseStatus])
    status.add_argument("--priority", choices=[p.value for p in Priority])
    status.add_argument("--assignee")

    entity = commands.add_parser("entity", help="add or list entities").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    add = entity.add_parser("add", parents=[common], help="add an entity to a case")
    add.add_argument("--case", required=True)
    add.add_argument("type", help="entity type (see `workbench types`)")
    add.add_argument("value")
    add.add_argument("--label")
    add.add_argument("--prop", action="append", default=[], metavar="KEY=VALUE")
    elist = entity.add_parser("list", parents=[common], help="list a case's entities")
    elist.add_argument("--case", required=True)
    elist.add_argument("--type", action="append", dest="types")

    link = commands.add_parser("link", help="add links").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    ladd = link.add_parser("add", parents=[common], help="link two entities of a case")
    ladd.add_argument("--case", required=True)
    ladd.add_argument("source", help="entity id or type:value")
    ladd.add_argument("target", help="entity id or type:value")
    ladd.add_argument("type", help="link type (see `workbench types`)")
    ladd.add_argument(
        "--confidence", default=Confidence.SUSPECTED.value, choices=[c.value for c in Confidence]
    )
    ladd.add_argument("--grading", help="Admiralty code, e.g. B2")
    ladd.add_argument("--prop", action="append", default=[], metavar="KEY=VALUE")

    audit = commands.add_parser("audit", help="verify or read the audit chain").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    audit.add_parser("verify", parents=[common], help="exit 0 if the chain is intact, else 1")
    log = audit.add_parser("log", parents=[common], help="show recent audit events")
    log.add_argument("--case")
    log.add_argument("--limit", type=int, default=20)

    assess_cli.add_commands(commands, common)
    sources_cli.add_parsers(commands, common)
    intake_cli.add_commands(commands, common)  # intake (issue 6)
    for module in _command_modules():
        module.add_commands(commands, common)
    return parser


# Feature packages that bring their own sub-commands. Each module exposes
# `COMMANDS` (the top-level command names it owns), `add_commands(commands, common)` and
# `run(ws, args, out) -> int`. Keep these modules light at import time (start-up cost):
# heavy imports belong inside `run`.
COMMAND_MODULES: tuple[str, ...] = (
    "workbench.evidence.cli",
    "workbench.search.cli",
    "workbench.graph.cli",
    "workbench.tabular.cli",
    "workbench.exchange.cli",
    "workbench.report.cli",
)


def _command_modules() -> list[Any]:
    import importlib

    return [importlib.import_module(name) for name in COMMAND_MODULES]


def _props(pairs: Sequence[str]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--prop {pair!r} is not KEY=VALUE (e.g. --prop platform=StreamHub).")
        props[key.strip()] = value
    return props


def _grading(code: str | None) -> tuple[str | None, str | None]:
    if not code:
        return None, None
    code = code.strip().upper()
    if len(code) != 2:
        raise CliError(f"--grading {code!r} must be a letter A-F and a digit 1-6, e.g. B2.")
    return code[0], code[1]


class Output:
    def __init__(self, as_json: bool):
        self.as_json = as_json

    def emit(self, data: Any, human: str) -> None:
        if self.as_json:
            print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            print(human)


def _case_dict(case: Any) -> dict[str, Any]:
    return {
        "id": case.id,
        "reference": case.reference,
        "title": case.title,
        "status": case.status.value,
        "priority": case.priority.value,
        "category": case.category.value,
        "assignee": case.assignee,
        "tags": list(case.tags),
        "created_at": to_iso(case.created_at),
        "updated_at": to_iso(case.updated_at),
        "created_by": case.created_by,
        "description": case.description,
    }


def _run(args: argparse.Namespace, gui_runner: GuiRunner | None) -> int:
    out = Output(bool(args.json))
    if args.command == "gui":
        if gui_runner is None:
            raise CliError(
                "The window is not available here: PySide6 is not installed. "
                "Install the project with its dependencies, or use the CLI."
            )
        return gui_runner(args.workspace, [])
    if args.command == "types":
        from workbench.vocabulary import default_vocabulary

        vocab = default_vocabulary()
        out.emit(
            {"entity_types": sorted(vocab.entity_types), "link_types": sorted(vocab.link_types)},
            "Entity types: "
            + ", ".join(sorted(vocab.entity_types))
            + "\nLink types:   "
            + ", ".join(sorted(vocab.link_types)),
        )
        return 0
    if args.command == "templates":
        return assess_cli.run_templates(args, out)
    if args.command == "sources":
        return sources_cli.dispatch(
            lambda: Workspace.open(args.workspace or default_workspace_dir()), args, out
        )
    workspace = args.workspace or default_workspace_dir()
    with Workspace.open(workspace) as ws:
        return _dispatch(ws, args, out)


def _dispatch(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    command, action = args.command, getattr(args, "action", None)
    if command == "demo":
        from workbench.demo import create_demo_case

        case = create_demo_case(ws)
        out.emit(
            {"id": case.id, "reference": case.reference},
            f"{case.id}\nCreated sample case {case.reference}: {case.title}",
        )
    elif command == "case" and action == "new":
        case = ws.cases.create(
            args.title,
            priority=args.priority,
            category=args.category,
            description=args.description,
            assignee=args.assignee,
            tags=args.tags,
        )
        out.emit(_case_dict(case), f"{case.id}\nCreated case {case.reference}: {case.title}")
    elif command == "case" and action == "list":
        summaries = ws.cases.list(include_closed=not args.open)
        rows = [
            f"{s.case.reference:<14} {s.case.priority.value:<3} {s.case.status.value:<10} "
            f"{s.entity_count:>6} ent {s.link_count:>6} links  {s.case.title}"
            for s in summaries
        ]
        out.emit(
            [
                dict(_case_dict(s.case), entities=s.entity_count, links=s.link_count)
                for s in summaries
            ],
            "\n".join(rows) if rows else "No cases yet.",
        )
    elif command == "case" and action == "show":
        case = ws.cases.resolve(args.case)
        n_ent, n_links = ws.graph.count_entities(case.id), ws.graph.count_links(case.id)
        n_ev = len(ws.evidence.list(case.id))
        human = "\n".join(
            [
                f"{case.reference}  {case.title}",
                f"  id:        {case.id}",
                f"  status:    {case.status.value}   priority: {case.priority.value}   "
                f"category: {case.category.value}",
                f"  assignee:  {case.assignee or '-'}   tags: {', '.join(case.tags) or '-'}",
                f"  created:   {to_iso(case.created_at)} by {case.created_by}",
                f"  contents:  {n_ent} entities, {n_links} links, {n_ev} evidence items",
                f"  {case.description}" if case.description else "",
            ]
        ).rstrip()
        out.emit(dict(_case_dict(case), entities=n_ent, links=n_links, evidence=n_ev), human)
    elif command == "case" and action == "set":
        case = ws.cases.resolve(args.case)
        changes = {
            k: v for k in ("status", "priority", "assignee") if (v := getattr(args, k)) is not None
        }
        if not changes:
            raise CliError("Nothing to change: give --status, --priority or --assignee.")
        case = ws.cases.update(case.id, **changes)
        out.emit(
            _case_dict(case),
            f"Updated {case.reference}: " + ", ".join(f"{k}={v}" for k, v in changes.items()),
        )
    elif command == "case" and action == "export-json":
        from workbench.export import export_case_json, write_case_json

        case = ws.cases.resolve(args.case)
        if args.output:
            write_case_json(ws, case.id, args.output)
            out.emit({"written": str(args.output)}, f"Wrote {args.output}")
        else:
            print(json.dumps(export_case_json(ws, case.id), ensure_ascii=False, indent=2))
    elif command == "entity" and action == "add":
        case = ws.cases.resolve(args.case)
        entity = ws.graph.add_entity(
            case.id, args.type, args.value, label=args.label, properties=_props(args.prop)
        )
        out.emit(
            {
                "id": entity.id,
                "type": entity.type,
                "value": entity.value,
                "normalized": entity.normalized,
            },
            f"{entity.id}\nAdded {entity.type} {entity.value!r} to {case.reference}",
        )
    elif command == "entity" and action == "list":
        case = ws.cases.resolve(args.case)
        items = ws.graph.list_entities(case.id, types=args.types)
        out.emit(
            [
                {
                    "id": e.id,
                    "type": e.type,
                    "value": e.value,
                    "label": e.label,
                    "properties": e.properties,
                }
                for e in items
            ],
            "\n".join(f"{e.id}  {e.type:<12} {e.label}" for e in items) or "No entities.",
        )
    elif command == "link" and action == "add":
        case = ws.cases.resolve(args.case)
        source = ws.graph.resolve_entity(case.id, args.source)
        target = ws.graph.resolve_entity(case.id, args.target)
        reliability, credibility = _grading(args.grading)
        link = ws.graph.add_link(
            case.id,
            source.id,
            target.id,
            args.type,
            confidence=args.confidence,
            reliability=reliability,
            credibility=credibility,
            properties=_props(args.prop),
        )
        out.emit(
            {
                "id": link.id,
                "source_id": link.source_id,
                "target_id": link.target_id,
                "type": link.type,
                "confidence": link.confidence.value,
                "grading": link.grading,
            },
            f"{link.id}\nLinked {source.label} -[{link.type}]-> {target.label} "
            f"({link.confidence.value}{', ' + link.grading if link.grading else ''})",
        )
    elif command == "assess":
        return assess_cli.run_assess(ws, args, out)
    elif command == "intake":  # intake (issue 6)
        return intake_cli.run(ws, args, out)
    elif module := next((m for m in _command_modules() if command in m.COMMANDS), None):
        return int(module.run(ws, args, out))
    elif command == "audit" and action == "verify":
        from workbench.audit import verify_chain

        with ws.read() as conn:
            report = verify_chain(conn)
        out.emit(
            {
                "ok": report.ok,
                "checked": report.checked,
                "first_bad_seq": report.first_bad_seq,
                "reason": report.reason,
            },
            report.describe(),
        )
        return 0 if report.ok else 1
    elif command == "audit" and action == "log":
        from workbench.audit import iter_events

        case_id = ws.cases.resolve(args.case).id if args.case else None
        with ws.read() as conn:
            events = list(iter_events(conn, case_id, args.limit))
        out.emit(
            [
                {
                    "seq": e.seq,
                    "at": to_iso(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "object_type": e.object_type,
                    "object_id": e.object_id,
                    "case_id": e.case_id,
                    "summary": e.summary,
                    "hash": e.hash,
                }
                for e in events
            ],
            "\n".join(
                f"#{e.seq:<6} {to_iso(e.at)} {e.actor:<12} {e.action:<18} "
                f"{e.object_type} {e.object_id}"
                for e in events
            )
            or "No events.",
        )
    return 0


def main(argv: Sequence[str] | None = None, gui_runner: GuiRunner | None = None) -> int:
    """Entry point. `gui_runner` is supplied by the launcher that knows the UI (ui.launcher)."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        return _run(args, gui_runner)
    except WorkbenchError as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
