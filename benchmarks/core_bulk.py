"""Insert N entities and 2N links through the core, then verify the audit chain.

Target (foundation issue): 100k entities + 200k links in under 20 s on the 2-core machine.
Usage: python benchmarks/core_bulk.py [--entities 100000] [--links-per-entity 2]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from workbench.audit import verify_chain
from workbench.store.graph import EntitySpec, LinkSpec
from workbench.store.workspace import Workspace

TYPES = ["account", "ip", "person", "email", "phone", "url"]


def value_for(entity_type: str, index: int) -> str:
    if entity_type == "ip":
        return f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"
    if entity_type == "email":
        return f"user{index}@example.org"
    if entity_type == "phone":
        return f"+4420794{index:05d}"
    if entity_type == "url":
        return f"https://example.org/p/{index}"
    return f"{entity_type}{index}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--links-per-entity", type=int, default=2)
    parser.add_argument("--workspace", type=Path, help="keep the workspace here")
    args = parser.parse_args()
    rng = random.Random(7)
    root = args.workspace or Path(tempfile.mkdtemp(prefix="wb-bench-")) / "ws"
    with Workspace.open(root) as ws:
        case = ws.cases.create(f"Benchmark {args.entities} entities")
        start = time.perf_counter()
        ids = ws.graph.add_entities_bulk(
            case.id,
            (
                EntitySpec(TYPES[i % len(TYPES)], value_for(TYPES[i % len(TYPES)], i))
                for i in range(args.entities)
            ),
        )
        entities_done = time.perf_counter()
        n_links = args.entities * args.links_per_entity
        ws.graph.add_links_bulk(
            case.id,
            (
                LinkSpec(ids[rng.randrange(len(ids))], ids[rng.randrange(len(ids))], "related_to")
                for _ in range(n_links)
            ),
        )
        links_done = time.perf_counter()
        with ws.read() as conn:
            report = verify_chain(conn)
        verified = time.perf_counter()
    total = links_done - start
    print(
        f"entities: {args.entities:>9,} in {entities_done - start:6.2f} s "
        f"({args.entities / (entities_done - start):,.0f}/s)"
    )
    print(
        f"links:    {n_links:>9,} in {links_done - entities_done:6.2f} s "
        f"({n_links / (links_done - entities_done):,.0f}/s)"
    )
    print(f"total insert: {total:.2f} s (target < 20 s at 100k + 200k)")
    print(f"audit verify: {verified - links_done:.2f} s, {report.describe()}")
    print(f"workspace: {root}")


if __name__ == "__main__":
    main()
