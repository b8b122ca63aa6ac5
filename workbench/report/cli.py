"""`workbench report` and `workbench letter`. Light at import time: the report package is
imported inside `run`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

COMMANDS = ("report", "letter")
_PROFILES = ("le", "internal", "qa")
_LANGS = ("en", "ja", "es", "pt")


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    report = commands.add_parser(
        "report",
        parents=[common],
        help="write a case summary (PDF, HTML, Markdown, JSON)",
        description="Write a case summary. Every generation is audited with its manifest hash.",
    )
    report.add_argument("case", help="case id or reference (WB-2026-0001)")
    report.add_argument("--format", default="pdf", choices=("pdf", "html", "md", "json"))
    report.add_argument(
        "--profile",
        default="internal",
        choices=_PROFILES,
        help="redaction: le = approved disclosure only, internal = everything, qa = no "
        "personal data",
    )
    report.add_argument("--lang", default="en", choices=_LANGS)
    report.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    report.add_argument(
        "--sections", help="comma-separated sections to include (default: all); see docs"
    )
    report.add_argument("--marking", help="handling marking, e.g. TLP:AMBER+STRICT")
    report.add_argument("--zone", help="time zone for 'generated at', e.g. Asia/Tokyo")
    letter = commands.add_parser(
        "letter",
        parents=[common],
        help="write a response letter to the requester",
        description="Write a response letter from the escalation and the decision record.",
    )
    letter.add_argument("case", help="case id or reference")
    letter.add_argument(
        "--kind", required=True, choices=("disclosure", "decline", "more-info", "preservation")
    )
    letter.add_argument("--lang", default="en", choices=_LANGS)
    letter.add_argument("--format", default="pdf", choices=("pdf", "html", "md"))
    letter.add_argument("-o", "--output", type=Path, required=True, help="file to write")


def run(ws: Any, args: argparse.Namespace, out: Any) -> int:
    from workbench.report import ReportOptions, generate_letter, generate_report
    from workbench.report.context import parse_sections

    if args.command == "report":
        done = generate_report(
            ws,
            args.case,
            args.format,
            args.output,
            ReportOptions(
                profile=args.profile,
                lang=args.lang,
                sections=parse_sections(args.sections),
                marking=args.marking,
                zone=args.zone,
            ),
        )
        what = f"{args.format} report ({args.profile}, {args.lang})"
    else:
        done = generate_letter(ws, args.case, args.kind, args.lang, args.format, args.output)
        what = f"{args.kind} letter ({args.lang}, {args.format})"
    out.emit(
        {"written": str(done.path), "format": done.format, "manifest_sha256": done.manifest_sha256},
        f"Wrote {what} to {done.path}\nManifest SHA-256: {done.manifest_sha256}",
    )
    return 0
