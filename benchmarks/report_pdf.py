"""Case report to PDF at size: a case with N entities (and as many links) and M evidence
items, rendered as the internal-profile PDF. Target: 2,000 entities + 500 evidence < 5 s.

    .venv/bin/python benchmarks/report_pdf.py --entities 2000 --evidence 500
    .venv/bin/python benchmarks/report_pdf.py --small        # CI: seconds

The case is built with the bulk paths (entities, links) and evidence through the real
collection path; only the report is timed, split into context, HTML and PDF layout.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ui.report.pdf import render_pdf
from workbench.report import (
    ReportOptions,
    build_context,
    generate_report,
    set_pdf_renderer,
)
from workbench.report.render import render_html
from workbench.store.graph import EntitySpec, LinkSpec
from workbench.store.workspace import Workspace

TARGET_SECONDS = 5.0


def build_case(ws: Workspace, entities: int, evidence: int) -> str:
    case = ws.cases.create("Report benchmark", category="self_harm", tags=["benchmark"])
    kinds = ("account", "email", "ip", "phone", "url")
    specs = []
    for i in range(entities):
        kind = kinds[i % len(kinds)]
        value = {
            "account": f"user_{i}",
            "email": f"user{i}@mail.example",
            "ip": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
            "phone": f"+44 7700 {900000 + i % 100000:06d}",
            "url": f"https://site.example/p/{i}",
        }[kind]
        specs.append(EntitySpec(kind, value))
    ids = ws.graph.add_entities_bulk(case.id, specs)
    ws.graph.add_links_bulk(
        case.id,
        [
            LinkSpec(ids[i], ids[(i * 7 + 1) % len(ids)], "related_to", "suspected", "C", "3")
            for i in range(len(ids))
        ],
    )
    for i in range(evidence):
        ws.evidence.add_bytes(
            case.id,
            f"evidence item {i}\n".encode() * 20,
            f"capture_{i:04d}.txt",
            description=f"Benchmark item {i}",
            mime_type="text/plain",
        )
    return case.id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=2000)
    parser.add_argument("--evidence", type=int, default=500)
    parser.add_argument("--small", action="store_true", help="200 entities, 50 evidence (CI)")
    args = parser.parse_args()
    if args.small:
        args.entities, args.evidence = 200, 50
    set_pdf_renderer(render_pdf)
    with tempfile.TemporaryDirectory() as folder:
        ws = Workspace.open(Path(folder) / "ws", actor="bench")
        started = time.perf_counter()
        case_id = build_case(ws, args.entities, args.evidence)
        print(
            f"built case: {args.entities} entities, {args.entities} links, "
            f"{args.evidence} evidence items in {time.perf_counter() - started:.1f} s"
        )
        # warm-up: imports, templates, fonts (paid once per process, not per report)
        generate_report(ws, case_id, "pdf", Path(folder) / "warm.pdf", ReportOptions())
        started = time.perf_counter()
        context = build_context(ws, case_id, ReportOptions())
        built = time.perf_counter()
        render_html(context, for_pdf=True)
        html = time.perf_counter()
        target = Path(folder) / "report.pdf"
        cpu = time.process_time()
        wall = time.perf_counter()
        done = generate_report(ws, case_id, "pdf", target, ReportOptions())
        total = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        size = target.stat().st_size
        ws.close()
    print(f"context {built - started:.2f} s, html {html - built:.2f} s")
    print(
        f"report_pdf: {args.entities} entities + {args.evidence} evidence -> PDF in {total:.2f} s "
        f"(CPU {cpu:.2f} s; {size / 1e6:.1f} MB, manifest {done.manifest_sha256[:12]}); "
        f"target < {TARGET_SECONDS} s"
    )
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print(f"note: load average {os.getloadavg()[0]:.1f}: wall time includes waiting for CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
