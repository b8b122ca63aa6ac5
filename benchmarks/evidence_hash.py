"""Hashing a large evidence file at collection vs `sha256sum` on the same file, one run.

Target (evidence locker issue): collecting a 2 GB file (`EvidenceRepository.add_file`: the
streamed SHA-256 while copying into the content-addressed blob store, fsync, rename, the
database row, the custody and audit events) runs at >= 80% of `sha256sum`'s throughput.
Both read the file from the page cache (it is read once before timing).
Usage: python benchmarks/evidence_hash.py [--size-mb 2048] [--small]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from workbench.store.workspace import Workspace

BLOCK = 16 * 1024 * 1024


def make_file(path: Path, size_mb: int) -> None:
    block = os.urandom(BLOCK)
    remaining = size_mb * 1024 * 1024
    with path.open("wb") as out:
        while remaining > 0:
            piece = block[: min(BLOCK, remaining)]
            out.write(piece)
            remaining -= len(piece)


def warm(path: Path) -> None:
    with path.open("rb") as stream:
        while stream.read(BLOCK):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=2048)
    parser.add_argument("--small", action="store_true", help="64 MB (CI)")
    parser.add_argument("--dir", type=Path, help="where to create the file (default: temp)")
    args = parser.parse_args()
    size_mb = 64 if args.small else args.size_mb
    if shutil.which("sha256sum") is None:
        raise SystemExit("sha256sum is not installed (coreutils); it is the baseline.")
    root = Path(tempfile.mkdtemp(prefix="evidence-hash-", dir=args.dir))
    try:
        source = root / "evidence.bin"
        make_file(source, size_mb)
        warm(source)
        size = source.stat().st_size

        started = time.perf_counter()
        output = subprocess.run(
            ["sha256sum", str(source)], check=True, capture_output=True, text=True
        ).stdout
        baseline = time.perf_counter() - started
        expected = output.split()[0]

        with Workspace.open(root / "ws") as ws:
            case = ws.cases.create("Hash benchmark")
            started = time.perf_counter()
            item = ws.evidence.add_file(case.id, source)
            collected = time.perf_counter() - started
        if item.sha256 != expected:
            raise SystemExit(f"hash differs from sha256sum: {item.sha256} != {expected}")

        mb = size / 1024 / 1024
        base_rate, ours_rate = mb / baseline, mb / collected
        print(f"file: {mb:,.0f} MiB")
        print(f"sha256sum:             {baseline:7.2f} s  {base_rate:8.1f} MiB/s")
        print(f"collection (add_file): {collected:7.2f} s  {ours_rate:8.1f} MiB/s")
        ratio = ours_rate / base_rate
        verdict = "meets" if ratio >= 0.8 else "BELOW"
        print(f"ratio collection / sha256sum: {ratio:.2f} ({verdict} the 0.80 target)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
