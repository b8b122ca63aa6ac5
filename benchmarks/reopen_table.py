"""Re-open a big case: time from process start to the first painted entity table.

Builds a workspace with N entities and 2N links (bulk API), then launches, in fresh processes,
`python -m ui --workspace W --case REF --benchmark table` (offscreen), which opens the
workspace, opens the case, shows the Entities tab and exits on the table's first paint with
rows. Prints each run and the median. Target: under 2 s at N = 100,000.

    python benchmarks/reopen_table.py [--entities 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from startup import run_once  # noqa: E402


def build(path: Path, count: int) -> str:
    from workbench.store.graph import EntitySpec, LinkSpec
    from workbench.store.workspace import Workspace

    with Workspace.open(path, actor="benchmark") as ws:
        case = ws.cases.create(f"Bulk case with {count:,} entities")
        ids = ws.graph.add_entities_bulk(
            case.id, (EntitySpec("account", f"user_{i:07d}", f"User {i}") for i in range(count))
        )
        ws.graph.add_links_bulk(
            case.id,
            (
                LinkSpec(ids[i], ids[(i * 7 + j + 1) % count], "communicates_with")
                for i in range(count)
                for j in range(2)
            ),
        )
        return case.reference


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wb-reopen-") as tmp:
        started = time.perf_counter()
        reference = build(Path(tmp) / "workspace", args.entities)
        print(
            f"built {args.entities:,} entities and {2 * args.entities:,} links in "
            f"{time.perf_counter() - started:.1f} s"
        )
        walls = []
        for run in range(1, args.runs + 1):
            wall, inside = run_once(
                Path(tmp) / "workspace",
                Path(tmp) / "config",
                ["--case", reference, "--benchmark", "table"],
            )
            walls.append(wall)
            print(
                f"run {run}: {wall:.3f} s wall clock from process start to the first painted "
                f"entity table (in-process {inside:.3f} s)"
            )
    print(
        f"median re-open to first table paint at {args.entities:,} entities: "
        f"{statistics.median(walls):.3f} s (target < 2 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
