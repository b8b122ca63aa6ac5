"""`workbench assess ...` and `workbench templates ...`, registered by workbench/cli.py.

Kept here so the main CLI module only wires the commands in; the output object is the main
CLI's (human text by default, --json for machines).
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from workbench.assess.errors import TemplateError
from workbench.atomicfile import atomic_text
from workbench.errors import WorkbenchError
from workbench.timeutil import to_iso

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace


class Output(Protocol):
    as_json: bool

    def emit(self, data: Any, human: str) -> None: ...


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    assess = commands.add_parser(
        "assess", help="threat assessment, tier, decision and sign-off"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    show = assess.add_parser("show", parents=[common], help="show a case's assessment and trace")
    show.add_argument("case", help="case id or reference (WB-2026-0001)")
    export = assess.add_parser(
        "export", parents=[common], help="export the assessment, every version and its audit"
    )
    export.add_argument("case")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    history = assess.add_parser("history", parents=[common], help="list the saved versions")
    history.add_argument("case")
    diff = assess.add_parser("diff", parents=[common], help="changes between two versions")
    diff.add_argument("case")
    diff.add_argument("from_version", type=int, help="older version (0 = before creation)")
    diff.add_argument("to_version", type=int)
    approve = assess.add_parser(
        "approve", parents=[common], help="approve the decision as the second person"
    )
    approve.add_argument("case")
    approve.add_argument("--comment", default="")
    assess.add_parser("due", parents=[common], help="open cases whose re-assessment is due")

    templates = commands.add_parser(
        "templates", help="check or list assessment templates"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    check = templates.add_parser(
        "check",
        parents=[common],
        help="validate a template, fragment, folder or legal-basis list (exit 1 on errors)",
    )
    check.add_argument("path", type=Path)
    templates.add_parser("list", parents=[common], help="list installed templates")


def _is_legal_list(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return "jurisdictions" in tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return False


def run_templates(args: argparse.Namespace, out: Output) -> int:
    """`templates check PATH` / `templates list`; needs no workspace."""
    from workbench.assess.loader import TemplateRegistry, check_path, user_template_dir

    if args.action == "list":
        registry = TemplateRegistry.load()
        items = [
            {
                "id": t.id,
                "version": t.version,
                "name": t.name,
                "path": str(t.path),
                "tracks": list(t.tracks),
            }
            for t in registry.templates.values()
        ]
        human = [f"{t['id']:<20} {t['version']:<8} {t['name']}  ({t['path']})" for t in items]
        for error in registry.errors:
            print(f"workbench: skipped broken template: {error}", file=sys.stderr)
        out.emit(
            {
                "templates": items,
                "user_folder": str(user_template_dir()),
                "errors": [str(e) for e in registry.errors],
            },
            "\n".join(human) or "No templates.",
        )
        return 0
    path: Path = args.path
    errors: list[TemplateError] = []
    summaries: list[str] = []
    if path.is_file() and _is_legal_list(path):
        from workbench.assess.legal import load_legal_bases

        try:
            bases = load_legal_bases(path)
            summaries.append(
                f"{path}: ok (legal-basis list: {len(bases.jurisdictions)} jurisdictions, "
                f"{len(bases.all())} bases)"
            )
        except TemplateError as exc:
            errors.append(exc)
    else:
        loaded, errors = check_path(path)
        for template in loaded:
            kind = f"template {template.id} {template.version}" if template.id else "fragment"
            summaries.append(
                f"{template.path}: ok ({kind}: {len(template.tracks)} tracks, "
                f"{len(template.factors)} factors, {len(template.rules)} tier rules, "
                f"{len(template.raises)} raise rules)"
            )
    if out.as_json:
        out.emit(
            {
                "ok": not errors,
                "checked": summaries,
                "errors": [
                    {"file": str(e.path), "line": e.line, "message": e.message} for e in errors
                ],
            },
            "",
        )
    else:
        if summaries:
            print("\n".join(summaries))
        for error in errors:
            print(str(error), file=sys.stderr)
    return 1 if errors else 0


def run_assess(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.assess.approvals import approve
    from workbench.assess.report import export_json, show_json, show_text
    from workbench.assess.repository import AssessmentRepository

    repo = AssessmentRepository(ws)
    action = args.action
    if action == "due":
        items = repo.due_reassessments()
        out.emit(
            [
                {
                    "case_id": i.case_id,
                    "reference": i.reference,
                    "title": i.title,
                    "due_at": to_iso(i.due_at),
                    "final_tier": i.final_tier.value,
                    "assessed_by": i.assessed_by,
                }
                for i in items
            ],
            "\n".join(
                f"{i.reference:<14} {i.final_tier.value}  due {to_iso(i.due_at)}  {i.title}"
                for i in items
            )
            or "No re-assessments due.",
        )
        return 0
    case = ws.cases.resolve(args.case)
    if action == "show":
        out.emit(show_json(repo, case), show_text(repo, case))
    elif action == "export":
        data = export_json(repo, case)
        if args.output:
            _write_json(data, args.output)
            out.emit({"written": str(args.output)}, f"Wrote {args.output}")
        else:
            print(json.dumps(data, ensure_ascii=False, indent=2))
    elif action == "history":
        infos = repo.history(case.id)
        out.emit(
            [
                {
                    "version": i.version,
                    "saved_by": i.saved_by,
                    "saved_at": to_iso(i.saved_at),
                    "suggested_tier": i.suggested_tier,
                    "final_tier": i.final_tier,
                    "summary": i.summary,
                    "snapshot_sha256": i.snapshot_sha256,
                    "intact": i.intact,
                }
                for i in infos
            ],
            "\n".join(
                f"v{i.version:<3} {to_iso(i.saved_at)} {i.saved_by:<14} "
                f"{i.suggested_tier}->{i.final_tier}  {i.summary}"
                + ("" if i.intact else "  [SNAPSHOT ALTERED]")
                for i in infos
            )
            or "No assessment saved yet.",
        )
    elif action == "diff":
        changes = repo.diff(case.id, args.from_version, args.to_version)
        out.emit(
            [
                {"field": c.field, "text": c.text, "before": c.before, "after": c.after}
                for c in changes
            ],
            "\n".join(c.text for c in changes) or "No differences.",
        )
    elif action == "approve":
        approval = approve(repo, case.id, args.comment)
        out.emit(
            {
                "approver": approval.approver,
                "approved_at": to_iso(approval.approved_at),
                "version": approval.version,
            },
            f"Approved the decision of {case.reference} (version {approval.version}) as "
            f"{approval.approver}",
        )
    return 0


def _write_json(data: Any, target: Path) -> None:
    """Atomic: a temporary file next to the target, renamed when complete."""
    try:
        with atomic_text(target) as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
    except OSError as exc:
        raise WorkbenchError(f"Cannot write {target}: {exc}") from exc
