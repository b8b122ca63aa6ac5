"""Delete N entities (select all) and their ~2N links in one go, then undo; prints both times.

Target (issue 9): 100k entities + 200k links deleted in a few seconds and restored in a few
seconds, the restore exact, the audit chain intact.
Usage: python benchmarks/graph_bulk_delete.py [--entities 100000] [--links-per-entity 2]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from core_bulk import TYPES, value_for  # the same synthetic case as the bulk-insert benchmark
from sqlalchemy import select

from workbench.audit import verify_chain
from workbench.store.graph import EntitySpec, LinkSpec
from workbench.store.graph_bulk import delete_entities, restore_entities
from workbench.store.schema import entities, links, provenance
from workbench.store.workspace import Workspace


def _dump(ws: Workspace, case_id: str) -> tuple[list[tuple[object, ...]], ...]:
    with ws.read() as conn:
        return tuple(
            [
                tuple(row)
                for row in conn.execute(select(t).where(t.c.case_id == case_id).order_by(t.c.id))
            ]
            for t in (entities, links, provenance)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--links-per-entity", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(7)
    root = Path(tempfile.mkdtemp(prefix="wb-bulk-delete-")) / "ws"
    with Workspace.open(root) as ws:
        case = ws.cases.create(f"Bulk delete {args.entities}")
        ids = ws.graph.add_entities_bulk(
            case.id,
            (
                EntitySpec(TYPES[i % len(TYPES)], value_for(TYPES[i % len(TYPES)], i))
                for i in range(args.entities)
            ),
        )
        ws.graph.add_links_bulk(
            case.id,
            (
                LinkSpec(ids[rng.randrange(len(ids))], ids[rng.randrange(len(ids))], "related_to")
                for _ in range(args.entities * args.links_per_entity)
            ),
        )
        ws.graph.set_positions(case.id, {i: (float(k), float(-k)) for k, i in enumerate(ids[::3])})
        before = _dump(ws, case.id)
        start = time.perf_counter()
        batch = delete_entities(ws, case.id, ids)
        deleted = time.perf_counter()
        restore_entities(ws, batch)
        restored = time.perf_counter()
        after = _dump(ws, case.id)
        with ws.read() as conn:
            report = verify_chain(conn)
    print(
        f"delete:  {len(batch.entities):,} entities + {len(batch.links):,} links "
        f"+ {len(batch.provenance):,} provenance rows in {deleted - start:.2f} s"
    )
    print(f"restore: {restored - deleted:.2f} s (target: a few seconds each at 100k + 200k)")
    print(f"restore exact: {before == after}; audit: {report.describe()}")
    if before != after or not report.ok:
        raise SystemExit("FAILED: the restore differs or the audit chain does not verify")


if __name__ == "__main__":
    main()
