"""`workbench capture URL` and `workbench evidence ...`: collect, list, show, verify, link and
derive evidence. Registered by `workbench.cli` (COMMAND_MODULES)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from workbench.timeutil import to_iso

if TYPE_CHECKING:
    from workbench.evidence.model import CustodyEvent, EvidenceDetails
    from workbench.model import Evidence
    from workbench.store.workspace import Workspace

COMMANDS = ("capture", "evidence")
RELATIONS = ("supports", "contradicts", "mentions")


class Output(Protocol):
    as_json: bool

    def emit(self, data: Any, human: str) -> None: ...


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    capture = commands.add_parser(
        "capture", parents=[common], help="capture a web page into a case as WARC evidence"
    )
    capture.add_argument("url")
    capture.add_argument("--case", required=True, help="case id or reference")
    capture.add_argument("--persona", default="", help="persona / account label used")
    capture.add_argument(
        "--allow-host", action="append", default=[], metavar="HOST", help="follow redirects here"
    )
    capture.add_argument("--sensitive", metavar="CLASS", help="sensitivity class (e.g. gore)")
    capture.add_argument("--max-mb", type=float, default=50.0, help="size cap (default 50 MB)")
    capture.add_argument("--description", default="")

    evidence = commands.add_parser("evidence", help="the evidence locker").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    add = evidence.add_parser("add", parents=[common], help="add a file as evidence")
    add.add_argument("file", type=Path)
    add.add_argument("--case", required=True)
    add.add_argument("--sensitive", metavar="CLASS", help="sensitivity class (e.g. gore)")
    add.add_argument("--description", default="")
    listing = evidence.add_parser("list", parents=[common], help="a case's evidence items")
    listing.add_argument("--case", required=True)
    show = evidence.add_parser("show", parents=[common], help="one item with its custody log")
    show.add_argument("id")
    verify = evidence.add_parser(
        "verify", parents=[common], help="re-hash every item of a case (exit 1 on a mismatch)"
    )
    verify.add_argument("--case", required=True)
    link = evidence.add_parser("link", parents=[common], help="link an item to the graph")
    link.add_argument("id")
    link.add_argument("target", help="entity id, link id or type:value")
    link.add_argument("--relation", required=True, choices=RELATIONS)
    link.add_argument("--note", default="")
    derive = evidence.add_parser("derive", parents=[common], help="make a derived copy")
    derive.add_argument("id")
    derive.add_argument(
        "--strip-metadata", action="store_true", required=True, help="image without metadata"
    )
    derive.add_argument(
        "--production", action="store_true", help="a production copy (default: working copy)"
    )
    export = evidence.add_parser("export", parents=[common], help="copy an original out")
    export.add_argument("id")
    export.add_argument("folder", type=Path)
    export.add_argument("--purpose", required=True, help="why it leaves the workspace")


def run(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    if args.command == "capture":
        return _capture(ws, args, out)
    action = args.action
    if action in ("add", "list", "verify"):
        case = ws.cases.resolve(args.case)
        if action == "add":
            item = ws.evidence.add_file(
                case.id, args.file, description=args.description, sensitivity=args.sensitive
            )
            out.emit(
                _item_dict(item, ws.evidence.details(item.id)), _describe(item, case.reference)
            )
            return 0
        if action == "list":
            return _list(ws, case.id, out)
        return _verify(ws, case.id, out)
    item = ws.evidence.resolve(args.id)
    if action == "show":
        return _show(ws, item, out)
    if action == "link":
        link = ws.evidence.link(item.id, args.target, args.relation, args.note)
        out.emit(
            {"id": link.id, "evidence_id": item.id, "object_type": link.object_type,
             "object_id": link.object_id, "relation": link.relation.value},
            f"{item.filename} {link.relation.value} {link.object_type} {link.label}",
        )  # fmt: skip
        return 0
    if action == "derive":
        from workbench.evidence.derive import strip_metadata
        from workbench.evidence.model import CopyType

        copy = strip_metadata(
            ws, item.id, copy_type=CopyType.PRODUCTION if args.production else CopyType.WORKING
        )
        out.emit(
            _item_dict(copy, ws.evidence.details(copy.id)),
            f"Derived copy {copy.id}: {copy.filename} (sha256 {copy.sha256}) from {item.id}",
        )
        return 0
    target = ws.evidence.export(item.id, args.folder, args.purpose)
    out.emit({"id": item.id, "path": str(target)}, f"Exported {item.filename} to {target}")
    return 0


def _capture(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.capture import CaptureOptions, capture_url

    case = ws.cases.resolve(args.case)
    options = CaptureOptions(
        persona=args.persona,
        allow_hosts=tuple(args.allow_host),
        max_bytes=int(args.max_mb * 1024 * 1024),
        sensitivity=args.sensitive,
        description=args.description,
    )
    item = capture_url(ws, case.id, args.url, options)
    info = item.metadata.get("capture", {})
    chain = " -> ".join(f"{hop['status']} {hop['url']}" for hop in info.get("redirect_chain", []))
    human = "\n".join(
        [
            _describe(item, case.reference),
            f"  final URL:  {info.get('final_url')} (HTTP {info.get('status')})",
            f"  server IP:  {info.get('server_ip') or 'unknown'}",
            f"  chain:      {chain}",
            f"  captured:   {info.get('captured_at')}",
            f"  payload:    sha256 {info.get('payload_sha256')}",
        ]
    )
    out.emit(_item_dict(item, ws.evidence.details(item.id)), human)
    return 0


def _describe(item: Evidence, reference: str) -> str:
    return (
        f"Evidence {item.id} in {reference}: {item.filename} ({item.mime_type}, {item.size:,} "
        f"bytes)\n  sha256:     {item.sha256}"
    )


def _item_dict(item: Evidence, details: EvidenceDetails | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.id,
        "case_id": item.case_id,
        "filename": item.filename,
        "mime_type": item.mime_type,
        "size": item.size,
        "sha256": item.sha256,
        "sensitivity": item.sensitivity,
        "source_url": item.source_url,
        "collected_by": item.collected_by,
        "collected_at": to_iso(item.collected_at),
        "description": item.description,
    }
    if details is not None:
        data.update(
            kind=details.kind.value,
            copy_type=details.copy_type.value,
            parent_id=details.parent_id,
            integrity=details.integrity.value,
            integrity_detail=details.integrity_detail,
        )
    return data


def _list(ws: Workspace, case_id: str, out: Output) -> int:
    ws.evidence.register_untracked(case_id)
    rows = ws.evidence.page(case_id, 0, 1_000_000)
    lines = [f"{'id':36}  {'integrity':10} {'copy':10} {'size':>12}  filename"]
    for item, details in rows:
        integrity = details.integrity.value if details else "unverified"
        copy = details.copy_type.value if details else "original"
        flag = "  [SENSITIVE: " + item.sensitivity + "]" if item.sensitivity else ""
        lines.append(
            f"{item.id:36}  {integrity:10} {copy:10} {item.size:>12,}  {item.filename}{flag}"
        )
    lines.append(f"{len(rows)} item(s).")
    out.emit([_item_dict(i, d) for i, d in rows], "\n".join(lines))
    return 0


def _verify(ws: Workspace, case_id: str, out: Output) -> int:
    results = ws.evidence.verify_case(case_id)
    bad = [r for r in results if not r.ok]
    lines = [
        f"{'OK      ' if r.ok else r.integrity.value.upper():8} {r.evidence.id}  "
        f"{r.evidence.filename}" + ("" if r.ok else f"\n         {r.detail}")
        for r in results
    ]
    lines.append(
        f"{len(results)} item(s) re-hashed: "
        + ("all match." if not bad else f"{len(bad)} DO NOT MATCH; their export is blocked.")
    )
    out.emit(
        [
            {"id": r.evidence.id, "ok": r.ok, "integrity": r.integrity.value, "detail": r.detail}
            for r in results
        ],
        "\n".join(lines),
    )
    return 1 if bad else 0


def _show(ws: Workspace, item: Evidence, out: Output) -> int:
    details = ws.evidence.details(item.id)
    custody = ws.evidence.custody(item.id)
    links = ws.evidence.links_of(item.id)
    data = _item_dict(item, details)
    data["metadata"] = item.metadata
    data["custody"] = [_custody_dict(e) for e in custody]
    data["links"] = [
        {"relation": x.relation.value, "object_type": x.object_type, "object_id": x.object_id,
         "label": x.label}
        for x in links
    ]  # fmt: skip
    lines = [_describe(item, ws.cases.get(item.case_id).reference)]
    for copy in ws.evidence.derived_copies(item.id):
        lines.append(f"  copy:       {copy.id} {copy.filename}")
    if details is not None:
        lines.append(
            f"  integrity:  {details.integrity.value.upper()} ({details.integrity_detail})"
        )
        lines.append(f"  copy:       {details.copy_type.value} ({details.kind.value})")
        if details.parent_id:
            lines.append(f"  derived from {details.parent_id} ({details.derivation})")
    if item.source_url:
        lines.append(f"  source:     {item.source_url}")
    lines.append(f"  collected:  {to_iso(item.collected_at)} by {item.collected_by}")
    if item.sensitivity:
        lines.append(f"  SENSITIVE:  {item.sensitivity}")
    for link in links:
        lines.append(f"  {link.relation.value:11} {link.object_type} {link.label or '(deleted)'}")
    lines.append("Custody log:")
    for event in custody:
        lines.append(
            f"  {to_iso(event.at)}  {event.actor:16} {event.action.value:14} "
            f"{event.integrity or '':9} {event.purpose}"
        )
    out.emit(data, "\n".join(lines))
    return 0


def _custody_dict(event: CustodyEvent) -> dict[str, Any]:
    return {
        "at": to_iso(event.at),
        "actor": event.actor,
        "action": event.action.value,
        "purpose": event.purpose,
        "hash_before": event.hash_before,
        "hash_after": event.hash_after,
        "integrity": event.integrity,
        "audit_seq": event.audit_seq,
        "detail": event.detail,
    }
