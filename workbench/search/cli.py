"""`workbench search QUERY [--case CASE] [--kind KIND] [--limit N]`. Registered by workbench.cli."""

from __future__ import annotations

import argparse
from typing import Any, Protocol

COMMANDS = ("search",)
KIND_CHOICES = ("case", "entity", "note", "evidence")


class Output(Protocol):
    as_json: bool

    def emit(self, data: Any, human: str) -> None: ...


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "search",
        parents=[common],
        help="full-text search of cases, entities, notes and evidence text",
        description=(
            "Words must all occur (inside longer words too, any case); "
            '"a phrase" in quotes; a OR b; -word leaves out. Works for Japanese, '
            "including two-character words."
        ),
    )
    parser.add_argument("query", metavar="QUERY", help="what to look for (quote it in the shell)")
    parser.add_argument("--case", help="search one case (id or reference, e.g. WB-2026-0001)")
    parser.add_argument(
        "--kind",
        action="append",
        choices=KIND_CHOICES,
        dest="kinds",
        help="only this kind of item (repeatable)",
    )
    parser.add_argument("--limit", type=int, default=20, help="at most N results (default 20)")


def run(ws: Any, args: argparse.Namespace, out: Output) -> int:
    from workbench.search import search
    from workbench.search.snippets import plain, to_brackets

    case_id = ws.cases.resolve(args.case).id if args.case else None
    with ws.read() as conn:
        results = search(conn, args.query, case_id=case_id, kinds=args.kinds, limit=args.limit)
    data = {
        "query": args.query,
        "case": case_id,
        "ranked": results.ranked,
        "method": results.method,
        "more": results.more,
        "note": results.note,
        "elapsed_ms": round(results.elapsed_ms, 1),
        "hits": [
            {
                "kind": hit.kind,
                "id": hit.ref_id,
                "case_id": hit.case_id,
                "case_reference": hit.case_reference,
                "title": hit.title,
                "snippet": plain(hit.snippet),
                "snippet_marked": to_brackets(hit.snippet),
                "score": hit.score,
            }
            for hit in results.hits
        ],
    }
    lines = []
    for hit in results.hits:
        lines.append(f"{hit.case_reference}  {hit.kind:<8} {hit.title}  [{hit.ref_id}]")
        lines.append(f"    {to_brackets(hit.snippet)}")
    order = "by relevance" if results.ranked else "newest first"
    more = f"; more than {args.limit}, narrow the search or raise --limit" if results.more else ""
    summary = f"{len(results.hits)} result(s), {order}{more} ({results.elapsed_ms:.0f} ms)"
    if not results.hits:
        summary = f"No results for {args.query!r}" + (" in this case." if case_id else ".")
    lines.append(summary)
    if results.note:
        lines.append(results.note)
    out.emit(data, "\n".join(lines))
    return 0
