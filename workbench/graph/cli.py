"""`workbench graph ...`: layouts, link analysis, duplicates, merge/unmerge and same-as
hypotheses from the command line. Registered by `workbench.cli` (COMMAND_MODULES).

Entities are given as an id or `type:value` (e.g. `account:nightowl_rin`)."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from workbench.graph.hypotheses import Hypothesis
    from workbench.graph.merge import MergeRecord
    from workbench.graph.view import CaseGraph
    from workbench.store.workspace import Workspace

COMMANDS = ("graph",)
# the same as workbench.graph.layout.ALGORITHMS (not imported: it pulls in numpy at start-up)
ALGORITHMS = ("force", "hierarchical", "circular", "radial", "grouped")


class Output(Protocol):
    as_json: bool

    def emit(self, data: Any, human: str) -> None: ...


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    graph = commands.add_parser(
        "graph", help="layouts, link analysis, duplicates, merge and unmerge"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)

    def sub(name: str, text: str, *case_args: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = graph.add_parser(name, parents=[common], help=text)
        for arg in case_args:
            parser.add_argument(arg)
        return parser

    layout = sub("layout", "lay out a case's graph and save the positions", "case")
    layout.add_argument("--algorithm", choices=ALGORITHMS, default="force")
    layout.add_argument("--root", action="append", default=[], help="radial/hierarchical root")
    layout.add_argument("--iterations", type=int, help="force layout iterations")
    layout.add_argument("--seed", type=int, default=0)
    path = sub("path", "shortest path(s) between two entities", "case", "a", "b")
    path.add_argument("-k", type=int, default=1, help="how many paths (default 1)")
    near = sub("neighbours", "entities within DEPTH links", "case", "entity")
    near.add_argument("--depth", type=int, default=1)
    near.add_argument("--cap", type=int, default=5000)
    rank = sub("rank", "entities ranked by centrality", "case")
    rank.add_argument("--by", choices=["degree", "betweenness"], default="degree")
    rank.add_argument("--top", type=int, default=20)
    sub("components", "connected components, largest first", "case")
    sub("communities", "Louvain communities, largest first", "case")
    sub("common", "entities linked to both A and B", "case", "a", "b")
    dups = sub("duplicates", "likely duplicate entities", "case")
    dups.add_argument("--limit", type=int, default=50)
    merge = sub("merge", "merge duplicate entities into KEEP", "case", "keep")
    merge.add_argument("duplicates", nargs="+", metavar="DUP")
    merge.add_argument("--reason", default="")
    sub("unmerge", "undo a merge", "merge_id")
    sub("merges", "merges of a case", "case")
    same = sub("same-as", "propose that A and B are the same", "case", "a", "b")
    same.add_argument("--note", default="")
    same.add_argument("--for", dest="pro", action="append", default=[], metavar="EVIDENCE")
    same.add_argument("--against", action="append", default=[], metavar="EVIDENCE")
    argue = sub("argue", "add an argument to a same-as hypothesis", "link")
    stance = argue.add_mutually_exclusive_group(required=True)
    stance.add_argument("--for", dest="stance", action="store_const", const="for")
    stance.add_argument("--against", dest="stance", action="store_const", const="against")
    argue.add_argument("--evidence", help="evidence item id")
    argue.add_argument("--note", default="")
    sub("hypotheses", "same-as hypotheses of a case", "case")
    confirm = sub("confirm", "confirm a same-as hypothesis", "link")
    confirm.add_argument("--note", default="")
    confirm.add_argument("--merge", action="store_true", help="and merge the two at once")
    refute = sub("refute", "refute a same-as hypothesis", "link")
    refute.add_argument("--note", default="")


def run(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    action = args.action
    handler = _HANDLERS[action]
    return handler(ws, args, out)


def _graph(ws: Workspace, case_id: str) -> CaseGraph:
    from workbench.graph.view import load_case_graph

    with ws.read() as conn:
        return load_case_graph(conn, case_id)


def _entity(ws: Workspace, case_id: str, ref: str) -> str:
    return ws.graph.resolve_entity(case_id, ref).id


def _names(g: CaseGraph, ids: list[str]) -> str:
    return ", ".join(f"{g.labels[g.index[i]]} ({g.types[g.index[i]]})" for i in ids)


def _layout(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    import numpy as np

    from workbench.graph.layout import compute_layout

    case = ws.cases.resolve(args.case)
    g = _graph(ws, case.id)
    roots = [g.node(_entity(ws, case.id, r)) for r in args.root]
    groups = None
    if args.algorithm == "grouped":
        kinds = sorted(set(g.types))
        groups = np.array([kinds.index(t) for t in g.types])
    started = time.perf_counter()
    pos = compute_layout(
        g.n,
        g.edges,
        algorithm=args.algorithm,
        roots=roots,
        groups=groups,
        iterations=args.iterations,
        seed=args.seed,
    )
    took = time.perf_counter() - started
    placed = {eid: (float(x), float(y)) for eid, (x, y) in zip(g.ids, pos.tolist(), strict=True)}
    ws.graph.set_positions(case.id, placed)
    out.emit(
        {"case": case.reference, "algorithm": args.algorithm, "entities": g.n, "seconds": took},
        f"{args.algorithm} layout of {g.n} entities in {took:.2f} s; positions saved.",
    )
    return 0


def _path(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.graph.analysis import shortest_paths

    case = ws.cases.resolve(args.case)
    g = _graph(ws, case.id)
    paths = shortest_paths(g, _entity(ws, case.id, args.a), _entity(ws, case.id, args.b), args.k)
    human = "\n".join(
        f"{len(p) - 1} links: " + " -> ".join(g.labels[g.index[i]] for i in p) for p in paths
    )
    out.emit({"paths": paths}, human or "No path: the two are not connected.")
    return 0


def _neighbours(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.graph.analysis import neighbourhood

    case = ws.cases.resolve(args.case)
    g = _graph(ws, case.id)
    found, truncated = neighbourhood(g, [_entity(ws, case.id, args.entity)], args.depth, args.cap)
    ordered = sorted(found, key=g.index.__getitem__)
    note = f"\n(cut at {args.cap}; raise --cap to see more)" if truncated else ""
    out.emit(
        {"entities": ordered, "truncated": truncated},
        f"{len(ordered)} entities within {args.depth} links: {_names(g, ordered)}{note}",
    )
    return 0


def _rank(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.graph.analysis import centrality, centrality_note

    case = ws.cases.resolve(args.case)
    g = _graph(ws, case.id)
    ranked = centrality(g, args.by, args.top)
    note = centrality_note(g, args.by)
    lines = [f"{score:.4f}  {_names(g, [eid])}  {eid}" for eid, score in ranked]
    if note:
        lines.append(note)
    out.emit({"by": args.by, "ranking": ranked, "note": note}, "\n".join(lines))
    return 0


def _groups_cmd(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.graph import analysis

    case = ws.cases.resolve(args.case)
    g = _graph(ws, case.id)
    parts = analysis.components(g) if args.action == "components" else analysis.communities(g)
    lines = [f"{len(p):>6}  {_names(g, p[:5])}{' ...' if len(p) > 5 else ''}" for p in parts]
    out.emit({args.action: parts}, f"{len(parts)} {args.action}:\n" + "\n".join(lines))
    return 0


def _common(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.graph.analysis import common_neighbours

    case = ws.cases.resolve(args.case)
    g = _graph(ws, case.id)
    shared = common_neighbours(g, _entity(ws, case.id, args.a), _entity(ws, case.id, args.b))
    out.emit({"common": shared}, _names(g, shared) or "No entity is linked to both.")
    return 0


def _duplicates(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.graph.duplicates import suggest_duplicates

    case = ws.cases.resolve(args.case)
    found = suggest_duplicates(ws, case.id, limit=args.limit)
    lines = [
        f"{s.score:.2f}  {' = '.join(s.labels)}  ({s.reason})  {' '.join(s.ids)}" for s in found
    ]
    out.emit(
        [{"ids": list(s.ids), "reason": s.reason, "score": s.score} for s in found],
        "\n".join(lines) or "No likely duplicates.",
    )
    return 0


def _merge_json(record: MergeRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "keep": record.keep_id,
        "duplicates": list(record.duplicate_ids),
        "status": record.status,
        "links_repointed": record.links_repointed,
        "conflicts": list(record.conflicts),
        "merged_by": record.merged_by,
        "merged_at": record.merged_at.isoformat(),
        "reason": record.reason,
    }


def _merge(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.graph.merge import MergeRepository

    case = ws.cases.resolve(args.case)
    keep = _entity(ws, case.id, args.keep)
    dups = [_entity(ws, case.id, d) for d in args.duplicates]
    record = MergeRepository(ws).merge(case.id, keep, dups, reason=args.reason)
    conflicts = f"; conflicting values kept for {', '.join(record.conflicts)}" * bool(
        record.conflicts
    )
    out.emit(
        _merge_json(record),
        f"Merged {len(dups)} into {keep}: {record.links_repointed} links re-pointed{conflicts}. "
        f"Undo with `workbench graph unmerge {record.id}`.",
    )
    return 0


def _unmerge(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.graph.merge import MergeRepository

    repo = MergeRepository(ws)
    repo.unmerge(args.merge_id)
    record = repo.get(args.merge_id)
    out.emit(_merge_json(record), f"Unmerged: {', '.join(record.duplicate_ids)} restored.")
    return 0


def _merges(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.graph.merge import MergeRepository

    case = ws.cases.resolve(args.case)
    records = MergeRepository(ws).list_merges(case.id)
    lines = [
        f"{r.id}  {r.status:<9} {r.merged_at:%Y-%m-%d %H:%M}  {r.keep_id} <- "
        f"{', '.join(r.duplicate_ids)}  {r.reason}"
        for r in records
    ]
    out.emit([_merge_json(r) for r in records], "\n".join(lines) or "No merges in this case.")
    return 0


def _hyp_json(h: Hypothesis) -> dict[str, Any]:
    return {
        "link": h.link_id,
        "a": h.a_id,
        "b": h.b_id,
        "status": h.status,
        "arguments": [
            {"stance": a.stance, "note": a.note, "by": a.by, "evidence": a.evidence_id}
            for a in h.arguments
        ],
    }


def _hyp_text(h: Hypothesis) -> str:
    lines = [f"{h.link_id}  {h.a_label} = {h.b_label}?  {h.status}"]
    for a in h.arguments:
        item = f" [{a.evidence_filename}]" if a.evidence_filename else ""
        lines.append(f"    {a.stance:<7}{item} {a.note}  ({a.by})")
    return "\n".join(lines)


def _hypotheses(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.graph.hypotheses import HypothesisRepository

    repo = HypothesisRepository(ws)
    if args.action == "same-as":
        case = ws.cases.resolve(args.case)
        h = repo.propose(
            case.id,
            _entity(ws, case.id, args.a),
            _entity(ws, case.id, args.b),
            note=args.note,
            evidence_for=args.pro,
            evidence_against=args.against,
        )
    elif args.action == "argue":
        h = repo.argue(args.link, args.stance, evidence_id=args.evidence, note=args.note)
    elif args.action == "refute":
        h = repo.refute(args.link, note=args.note)
    else:
        case = ws.cases.resolve(args.case)
        found = repo.list_hypotheses(case.id)
        out.emit(
            [_hyp_json(h) for h in found],
            "\n".join(map(_hyp_text, found)) or "No same-as hypotheses in this case.",
        )
        return 0
    out.emit(_hyp_json(h), _hyp_text(h))
    return 0


def _confirm(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from workbench.graph.hypotheses import HypothesisRepository
    from workbench.graph.merge import MergeRepository

    offer = HypothesisRepository(ws).confirm(args.link, note=args.note)
    if args.merge and offer.mergeable:
        record = MergeRepository(ws).merge(
            offer.case_id, offer.keep_id, [offer.duplicate_id], reason=args.note or offer.reason
        )
        out.emit(_merge_json(record), f"Confirmed and merged; undo: graph unmerge {record.id}")
        return 0
    hint = (
        f"Merge with: workbench graph merge {offer.case_id} {offer.keep_id} {offer.duplicate_id}"
        if offer.mergeable
        else f"Not mergeable: {offer.reason}."
    )
    out.emit(
        {"keep": offer.keep_id, "duplicate": offer.duplicate_id, "mergeable": offer.mergeable},
        f"Confirmed. {hint}",
    )
    return 0


_HANDLERS = {
    "layout": _layout,
    "path": _path,
    "neighbours": _neighbours,
    "rank": _rank,
    "components": _groups_cmd,
    "communities": _groups_cmd,
    "common": _common,
    "duplicates": _duplicates,
    "merge": _merge,
    "unmerge": _unmerge,
    "merges": _merges,
    "same-as": _hypotheses,
    "argue": _hypotheses,
    "hypotheses": _hypotheses,
    "refute": _hypotheses,
    "confirm": _confirm,
}
