"""The triage queue at scale: open time and sort/filter latency with N open cases.

Builds a workspace with N fictional cases (the bulk path), then measures
- open: a fresh `QueueView` (offscreen Qt) constructed and its first page painted;
- sort and filter: `Queue.count` + first `Queue.page` (what the view runs on a header click or
  a filter change) for a mix of sorts, text filters and structured filters, 20 runs each,
  reporting the median and p95.
Targets (issue 6): open < 1 s, sort/filter p95 < 100 ms at N = 100,000.

    python benchmarks/triage_queue.py [--cases 100000] [--closed-share 0.0] [--runs 20] [--small]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SCENARIOS = [
    ("sort: urgency (default)", {}),
    ("sort: deadline", {"sort": "deadline"}),
    ("sort: agency desc", {"sort": "agency", "descending": True}),
    ("sort: title", {"sort": "title"}),
    (
        "sort: received desc, incl. closed",
        {"sort": "received", "descending": True, "include_closed": True},
    ),
    ("filter text: 'user_4242' (few)", {"text": "user_4242"}),
    ("filter text: 'user_42' (~1k)", {"text": "user_42"}),
    ("filter text: 'police' (many)", {"text": "police"}),
    ("filter text: 'zzz' (none)", {"text": "zzz"}),
    ("filter: country JP", {"country": "JP"}),
    ("filter: assignee + country", {"assignee": "alice", "country": "JP"}),
    ("filter: overdue", {"overdue_only": True}),
    ("filter: text + country, sort title", {"text": "user_1", "country": "BR", "sort": "title"}),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--closed-share", type=float, default=0.0)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--small", action="store_true", help="CI size: 2,000 cases, 5 runs")
    parser.add_argument("--workspace", type=Path, help="keep the workspace here")
    args = parser.parse_args()
    if args.small:
        args.cases, args.runs = 2_000, 5

    from workbench.intake.queue import Queue, QueueQuery
    from workbench.intake.synthetic import add_cases
    from workbench.store.workspace import Workspace

    root = args.workspace or Path(tempfile.mkdtemp(prefix="wb-queue-")) / "ws"
    with Workspace.open(root, actor="benchmark") as ws:
        started = time.perf_counter()
        add_cases(ws, args.cases, closed_share=args.closed_share)
        print(f"built {args.cases:,} cases in {time.perf_counter() - started:.1f} s ({root})")

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from ui.views.queue import QueueView

    opens = []
    for _ in range(3):
        with Workspace.open(root, actor="benchmark") as ws:
            started = time.perf_counter()
            view = QueueView(ws)
            view.resize(1366, 700)
            view.show()
            app.processEvents()
            view.table.viewport().repaint()
            opens.append(time.perf_counter() - started)
            rows, total = view.model.rowCount(), view.model.total
            view.close()
            view.deleteLater()
            app.processEvents()
    print(
        f"open queue view: median {statistics.median(opens) * 1000:.0f} ms "
        f"(runs {', '.join(f'{t * 1000:.0f}' for t in opens)} ms; {rows} of {total:,} rows "
        "loaded; target < 1000 ms)"
    )

    worst = 0.0
    with Workspace.open(root, actor="benchmark") as ws:
        print(f"{'scenario':<40} {'matches':>8} {'median':>9} {'p95':>9}")
        for name, changes in SCENARIOS:
            query = QueueQuery(**changes)  # type: ignore[arg-type]
            times = []
            count = 0
            for _ in range(args.runs):
                queue = Queue(ws)  # no warm cache between runs
                started = time.perf_counter()
                count = queue.count(query)
                queue.page(query, 0, 200, matches=count)
                times.append(time.perf_counter() - started)
            p95 = percentile(times, 0.95)
            worst = max(worst, p95)
            print(
                f"{name:<40} {count:>8,} {statistics.median(times) * 1000:>7.1f}ms "
                f"{p95 * 1000:>7.1f}ms"
            )
    print(f"worst sort/filter p95: {worst * 1000:.1f} ms (target < 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
