"""`workbench table preview|import|mappings ...`: back-end exports (CSV / JSON lines) into a
case through saved column mappings. Registered by `workbench.cli`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Protocol

COMMANDS = ("table",)


class Output(Protocol):
    as_json: bool

    def emit(self, data: Any, human: str) -> None: ...


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    table = commands.add_parser(
        "table", help="import CSV / JSON-lines exports of back-end systems into a case"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    preview = table.add_parser(
        "preview", parents=[common], help="detected encoding, delimiter, columns and first rows"
    )
    preview.add_argument("file", type=Path)
    preview.add_argument("--encoding", help="used if the file is not UTF-8 (e.g. cp932, latin-1)")
    preview.add_argument("--delimiter", help="force a delimiter: , ; | or \\t (tab)")
    preview.add_argument("--rows", type=int, default=5, help="rows to show (default 5)")
    imp = table.add_parser("import", parents=[common], help="import a file into a case")
    imp.add_argument("file", type=Path)
    imp.add_argument("--case", required=True, help="case id or reference (WB-2026-0001)")
    source = imp.add_mutually_exclusive_group(required=True)
    source.add_argument("--mapping", help="name of a mapping saved in the workspace")
    source.add_argument("--mapping-file", type=Path, help="a mapping in a .json or .toml file")
    imp.add_argument("--encoding", help="used if the file is not UTF-8 (e.g. cp932, latin-1)")
    imp.add_argument("--delimiter", help="force a delimiter: , ; | or \\t (tab)")
    imp.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
    imp.add_argument("--rejects-out", type=Path, help="write every rejected row to this CSV")
    mappings = table.add_parser("mappings", help="saved column mappings").add_subparsers(
        dest="op", metavar="OP", required=True
    )
    mappings.add_parser("list", parents=[common], help="list saved mappings")
    save = mappings.add_parser("save", parents=[common], help="save a mapping file (by its name)")
    save.add_argument("file", type=Path, help="a mapping in a .json or .toml file")
    save.add_argument("--name", help="save under this name instead of the file's")
    show = mappings.add_parser("show", parents=[common], help="print a saved mapping")
    show.add_argument("name")
    show.add_argument("--toml", action="store_true", help="as TOML (default JSON)")
    remove = mappings.add_parser("delete", parents=[common], help="delete a saved mapping")
    remove.add_argument("name")


def _delimiter(text: str | None) -> str | None:
    if text is None:
        return None
    return {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(text, text)


def run(ws: Any, args: argparse.Namespace, out: Output) -> int:
    if args.action == "preview":
        return _preview(args, out)
    if args.action == "import":
        return _import(ws, args, out)
    return _mappings(ws, args, out)


def _preview(args: argparse.Namespace, out: Output) -> int:
    from workbench.tabular.reader import detect

    found = detect(
        args.file,
        encoding=args.encoding,
        delimiter=_delimiter(args.delimiter),
        preview_rows=max(0, args.rows),
    )
    data = {
        "file": str(found.path),
        "size": found.size,
        "format": found.format,
        "encoding": found.encoding,
        "encoding_reason": found.encoding_reason,
        "delimiter": found.delimiter,
        "detected_delimiter": found.sniffed_delimiter,
        "columns": list(found.columns),
        "rows": [list(row) for row in found.head],
    }
    lines = [f"{found.path.name}: {found.describe()}", "columns: " + " | ".join(found.columns)]
    if found.delimiter and found.sniffed_delimiter and found.delimiter != found.sniffed_delimiter:
        lines.append(
            f"note: the head looks {found.sniffed_delimiter!r}-separated, not {found.delimiter!r}"
        )
    lines += ["  " + " | ".join(cell[:40] for cell in row) for row in found.head]
    out.emit(data, "\n".join(lines))
    return 0


def _import(ws: Any, args: argparse.Namespace, out: Output) -> int:
    from workbench.tabular.importer import import_table
    from workbench.tabular.store import MappingStore, load_mapping_file

    case = ws.cases.resolve(args.case)
    if args.mapping_file is not None:
        mapping = load_mapping_file(args.mapping_file)
    else:
        mapping = MappingStore(ws).get(args.mapping)
    show_progress = sys.stderr.isatty() and not out.as_json

    def progress(done: int, total: int, rows: int) -> None:
        if show_progress:
            percent = 100 * done // max(1, total)
            print(f"\r{percent:3d}%  {rows:,} rows", end="", file=sys.stderr, flush=True)

    report = import_table(
        ws,
        case.id,
        args.file,
        mapping,
        encoding=args.encoding,
        delimiter=_delimiter(args.delimiter),
        dry_run=args.dry_run,
        rejects_out=args.rejects_out,
        progress=progress,
    )
    if show_progress:
        print(file=sys.stderr)
    lines = [report.summary(), f"file SHA-256 {report.file_sha256} ({report.detected})"]
    for rejected in report.rejected[:20]:
        lines.append(f"  line {rejected.line}: {rejected.reason}")
    if report.rows_rejected > 20:
        more = report.rows_rejected - 20
        hint = "" if report.rejects_file else " (--rejects-out FILE.csv lists them all)"
        lines.append(f"  ... and {more} more{hint}")
    lines.append(f"{report.rows_per_second:,.0f} rows/s in {report.seconds:.1f} s")
    out.emit(report.to_dict(), "\n".join(lines))
    return 0


def _mappings(ws: Any, args: argparse.Namespace, out: Output) -> int:
    import dataclasses
    import json

    from workbench.tabular.store import MappingStore, load_mapping_file
    from workbench.timeutil import to_iso

    store = MappingStore(ws)
    if args.op == "list":
        saved = store.list()
        out.emit(
            [
                {
                    "name": s.mapping.name,
                    "description": s.mapping.description,
                    "entities": [e.type for e in s.mapping.entities],
                    "links": [link.type for link in s.mapping.links],
                    "updated_by": s.updated_by,
                    "updated_at": to_iso(s.updated_at),
                }
                for s in saved
            ],
            "\n".join(
                f"{s.mapping.name:<24} {_shape(s.mapping)}  ({s.updated_by}, "
                f"{to_iso(s.updated_at)[:16]})"
                for s in saved
            )
            or "No saved mappings. Save one with `workbench table mappings save FILE.json`.",
        )
    elif args.op == "save":
        mapping = load_mapping_file(args.file)
        if args.name:
            mapping = dataclasses.replace(mapping, name=args.name)
        record = store.save(mapping)
        out.emit({"name": mapping.name, "id": record.id}, f"Saved mapping {mapping.name!r}.")
    elif args.op == "show":
        mapping = store.get(args.name)
        text = mapping.to_toml() if args.toml else json.dumps(mapping.to_dict(), indent=2)
        out.emit(mapping.to_dict(), text)
    elif args.op == "delete":
        store.delete(args.name)
        out.emit({"deleted": args.name}, f"Deleted mapping {args.name!r}.")
    return 0


def _shape(mapping: Any) -> str:
    entities = ", ".join(e.type for e in mapping.entities)
    links = ", ".join(link.type for link in mapping.links)
    return f"{entities} -> {links}" if links else entities
