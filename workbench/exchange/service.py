"""One entry point per user action, shared by the CLI and the window: export a case in a
format, import a file (GraphML, GEXF, CSV, STIX 2.1 bundle) into a case."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import ValidationError
from workbench.exchange.model import Cancelled, ImportResult, Progress
from workbench.store.workspace import Workspace


@dataclass(frozen=True)
class Written:
    format: str
    path: Path
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in self.counts.items())
        return f"Wrote {self.path} ({self.format}{': ' + counts if counts else ''})."


def export_case(
    ws: Workspace, case_id: str, fmt: str, target: Path, *, tlp: str = "amber"
) -> Written:
    target = Path(target)
    if fmt == "stix":
        from workbench.exchange.stix import export_stix

        export_stix(ws, case_id, target, tlp=tlp)
        return Written(fmt, target, _graph_counts(ws, case_id))
    if fmt in ("graphml", "gexf"):
        from workbench.exchange.graphs import export_graph

        export_graph(ws, case_id, target, fmt)
        return Written(fmt, target, _graph_counts(ws, case_id))
    if fmt == "csv":
        from workbench.exchange.csvio import export_csv

        return Written(fmt, target, export_csv(ws, case_id, target))
    raise ValidationError(f"Unknown export format {fmt!r}; use stix, graphml, gexf or csv.")


def _graph_counts(ws: Workspace, case_id: str) -> dict[str, int]:
    return {"entities": ws.graph.count_entities(case_id), "links": ws.graph.count_links(case_id)}


def import_file(
    ws: Workspace,
    case_id: str,
    path: Path,
    fmt: str,
    *,
    links: Path | None = None,
    default_type: str = "note",
    self_loops: str = "refuse",
    dry_run: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ImportResult:
    from workbench.exchange.importer import import_plan

    ws.cases.get(case_id)
    vocabulary = ws.graph.vocabulary
    if fmt in ("graphml", "gexf"):
        from workbench.exchange.graphs import read_graph_plan

        plan = read_graph_plan(Path(path), fmt, vocabulary, default_type=default_type)
    elif fmt == "csv":
        from workbench.exchange.csvio import locate_csv, read_csv_plan

        entities_csv, links_csv = locate_csv(Path(path), links)
        plan = read_csv_plan(entities_csv, links_csv, vocabulary, default_type=default_type)
    elif fmt == "stix":
        from workbench.exchange.stix_import import read_stix_plan

        plan = read_stix_plan(Path(path), vocabulary)
    else:
        raise ValidationError(f"Unknown import format {fmt!r}; use graphml, gexf, csv or stix.")
    return import_plan(
        ws,
        case_id,
        plan,
        dry_run=dry_run,
        self_loops=self_loops,
        progress=progress,
        cancelled=cancelled,
    )
