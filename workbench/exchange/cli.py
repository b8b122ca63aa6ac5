"""`workbench export|import|archive ...`: hand-off formats and the case archive.

Passphrases never go on the command line (shell history, `ps`): give the name of an
environment variable (`--passphrase-env VAR`) or a file (`--passphrase-file F`), or type it
when asked (interactive terminals only)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Protocol

from workbench.errors import ValidationError
from workbench.store.workspace import Workspace

COMMANDS = ("export", "import", "archive")
EXPORT_FORMATS = ("stix", "graphml", "gexf", "csv")
IMPORT_FORMATS = ("graphml", "gexf", "csv", "stix")
SUFFIXES = {".graphml": "graphml", ".gexf": "gexf", ".csv": "csv", ".json": "stix", ".stix": "stix"}


class Output(Protocol):
    as_json: bool

    def emit(self, data: Any, human: str) -> None: ...


def _passphrase_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--passphrase-env", metavar="VAR", help="environment variable to read")
    group.add_argument("--passphrase-file", type=Path, metavar="FILE", help="file to read")


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    export = commands.add_parser(
        "export", parents=[common], help="export a case as STIX 2.1, GraphML, GEXF or CSV"
    )
    export.add_argument("case", help="case id or reference")
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export.add_argument("-o", "--output", type=Path, required=True, help="file (csv: a new folder)")
    export.add_argument(
        "--tlp", default="amber", choices=["clear", "green", "amber", "red", "none"],
        help="TLP marking of a STIX bundle (default amber)",
    )  # fmt: skip
    imp = commands.add_parser(
        "import",
        parents=[common],
        help="import GraphML, GEXF, CSV or a STIX 2.1 bundle into a case",
    )
    imp.add_argument("case", help="case id or reference")
    imp.add_argument("file", type=Path, help="the file (csv: entities.csv or a folder)")
    imp.add_argument(
        "--format", choices=IMPORT_FORMATS, help="default: from the file name (.json: stix)"
    )
    imp.add_argument("--links", type=Path, help="csv: the links CSV (default: links.csv beside)")
    imp.add_argument(
        "--default-type", default="note", help="graphml/gexf/csv: entity type for unknown types"
    )
    imp.add_argument("--skip-self-loops", action="store_true", help="drop edges to self")
    imp.add_argument("--dry-run", action="store_true", help="validate and count; write nothing")
    archive = commands.add_parser(
        "archive", help="case archive: create, open, verify"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    create = archive.add_parser("create", parents=[common], help="write a case archive")
    create.add_argument("case", help="case id or reference")
    create.add_argument("-o", "--output", type=Path, required=True, help="archive file")
    create.add_argument("--encrypt", action="store_true", help="ask for a passphrase")
    _passphrase_options(create)
    opener = archive.add_parser("open", parents=[common], help="bring an archive's case in")
    opener.add_argument("file", type=Path)
    _passphrase_options(opener)
    verify = archive.add_parser("verify", parents=[common], help="check every hash")
    verify.add_argument("file", type=Path)
    _passphrase_options(verify)


def read_passphrase(args: argparse.Namespace, *, confirm: bool, required: bool) -> str | None:
    if getattr(args, "passphrase_env", None):
        value = os.environ.get(args.passphrase_env)
        if not value:
            raise ValidationError(
                f"The environment variable {args.passphrase_env} is not set or is empty."
            )
        return value
    if getattr(args, "passphrase_file", None):
        path = Path(args.passphrase_file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValidationError(f"Cannot read the passphrase file {path}: {exc}") from exc
        if not lines or not lines[0]:
            raise ValidationError(f"The passphrase file {path} is empty.")
        return lines[0]
    if not required:
        return None
    if not sys.stdin.isatty():
        raise ValidationError(
            "A passphrase is needed but there is no terminal to type it: use "
            "--passphrase-env VAR or --passphrase-file FILE."
        )
    import getpass

    first = getpass.getpass("Archive passphrase: ")
    if confirm and getpass.getpass("Repeat the passphrase: ") != first:
        raise ValidationError("The two passphrases differ; nothing was written.")
    if not first:
        raise ValidationError("The passphrase is empty.")
    return first


def _import_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if Path(args.file).is_dir():
        return "csv"
    guessed = SUFFIXES.get(Path(args.file).suffix.lower())
    if guessed is None:
        raise ValidationError(
            f"Cannot tell the format of {args.file} from its name; give --format "
            f"{'|'.join(IMPORT_FORMATS)}."
        )
    return guessed


def run(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.exchange import service

    if args.command == "export":
        case = ws.cases.resolve(args.case)
        written = service.export_case(ws, case.id, args.format, args.output, tlp=args.tlp)
        out.emit(
            {"format": args.format, "written": str(written.path), "counts": written.counts},
            written.describe(),
        )
        return 0
    if args.command == "import":
        case = ws.cases.resolve(args.case)
        result = service.import_file(
            ws,
            case.id,
            args.file,
            _import_format(args),
            links=args.links,
            default_type=args.default_type,
            self_loops="skip" if args.skip_self_loops else "refuse",
            dry_run=args.dry_run,
        )
        out.emit(
            {
                "case": case.reference,
                "format": result.format,
                "file_sha256": result.sha256,
                "entities": result.entities,
                "links": result.links,
                "skipped_self_loops": result.skipped_self_loops,
                "already_in_case": result.already_in_case,
                "entity_types": result.entity_types,
                "dry_run": result.dry_run,
                "notes": list(result.notes),
            },
            "\n".join([result.describe(), *result.notes]),
        )
        return 0
    return _archive(ws, args, out)


def _archive(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.exchange.archive import (
        create_archive,
        is_encrypted,
        open_archive,
        verify_archive,
    )

    if args.action == "create":
        case = ws.cases.resolve(args.case)
        wants = bool(args.encrypt or args.passphrase_env or args.passphrase_file)
        passphrase = read_passphrase(args, confirm=True, required=wants) if wants else None
        report = create_archive(ws, case.id, args.output, passphrase=passphrase)
        out.emit(
            {
                "written": str(report.path),
                "encrypted": report.encrypted,
                "members": report.members,
                "evidence_bytes": report.blob_bytes,
                "manifest_sha256": report.manifest_sha256,
            },
            report.describe(),
        )
        return 0
    path = Path(args.file)
    needs = path.is_file() and is_encrypted(path)
    passphrase = read_passphrase(args, confirm=False, required=needs)
    if args.action == "verify":
        report = verify_archive(path, passphrase)
        out.emit(
            {
                "ok": True,
                "encrypted": report.encrypted,
                "members": report.members,
                "evidence_bytes": report.blob_bytes,
                "manifest_sha256": report.manifest_sha256,
                "sha256": report.sha256,
                "case": report.case,
            },
            report.describe(),
        )
        return 0
    result = open_archive(ws, path, passphrase)
    out.emit(
        {"case_id": result.case_id, "reference": result.reference, **result.summary},
        f"{result.case_id}\n{result.describe()}",
    )
    return 0
