"""Archive N MB of evidence and compare with a plain copy of the same bytes, in one run.

Target (issue 8): creating a case archive of 1 GB of evidence runs at 50% or more of a plain
file copy's speed. The baseline copies every evidence blob with shutil.copyfile and fsyncs
it (the archive is fsynced before its rename, so both are durable); the figure without the
fsync is printed too. Both ratios (plain archive, encrypted archive) are speed ratios:
baseline seconds / archive seconds. The CPU seconds are printed too: on a busy machine the
archive (hashing, encryption) waits for CPU while the kernel-side copy does not, so read
the ratio from a quiet run. The encrypted archive includes its scrypt key derivation (about
0.3 s, a fixed cost by design), so its ratio is lower on small sizes.

Usage: python benchmarks/archive_copy.py [--size-mb 1024] [--blob-mb 64] [--repeat 3]
       (CI: --size-mb 32)
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from statistics import median

from workbench.exchange.archive import create_archive, verify_archive
from workbench.store.workspace import Workspace


def _fill(ws: Workspace, case_id: str, size_mb: int, blob_mb: int, scratch: Path) -> list[Path]:
    remaining = size_mb * 1024 * 1024
    index = 0
    while remaining > 0:
        size = min(remaining, blob_mb * 1024 * 1024)
        source = scratch / f"evidence-{index:04d}.bin"
        with source.open("wb") as out:
            left = size
            while left:
                piece = os.urandom(min(left, 4 * 1024 * 1024))
                out.write(piece)
                left -= len(piece)
        ws.evidence.add_file(case_id, source, description="benchmark evidence")
        source.unlink()
        remaining -= size
        index += 1
    return [ws.blobs.path_for(item.sha256) for item in ws.evidence.list(case_id)]


def _quiesce() -> None:
    """Each timed step starts with nothing of the previous one still being written back."""
    if hasattr(os, "sync"):
        os.sync()


def _copy(blobs: list[Path], target: Path, fsync: bool) -> float:
    target.mkdir()
    _quiesce()
    start = time.perf_counter()
    for blob in blobs:
        dest = target / blob.name
        shutil.copyfile(blob, dest)
        if fsync:
            with dest.open("rb") as handle:
                os.fsync(handle.fileno())
    elapsed = time.perf_counter() - start
    shutil.rmtree(target)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--blob-mb", type=int, default=64, help="size of each evidence item")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are printed")
    parser.add_argument("--dir", type=Path, help="work here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as temp:
        root = Path(temp)
        ws = Workspace.open(root / "ws", actor="benchmark")
        case = ws.cases.create("Archive benchmark")
        started = time.perf_counter()
        blobs = _fill(ws, case.id, args.size_mb, args.blob_mb, root)
        total = sum(b.stat().st_size for b in blobs)
        print(
            f"evidence: {len(blobs)} items, {total / 2**20:.0f} MiB "
            f"(collected in {time.perf_counter() - started:.1f} s)"
        )
        copies: dict[str, list[float]] = {"copy+fsync": [], "copy": []}
        results: dict[str, list[float]] = {"plain": [], "encrypted": []}
        cpus: dict[str, list[float]] = {"plain": [], "encrypted": []}
        # Rounds interleave the baseline and the archives, so that page-cache write-back and
        # other load fall on all of them alike; the figures are the medians of the rounds.
        for _ in range(args.repeat):
            copies["copy"].append(_copy(blobs, root / "copy-nofsync", fsync=False))
            copies["copy+fsync"].append(_copy(blobs, root / "copy", fsync=True))
            for label, passphrase in (("plain", None), ("encrypted", "benchmark passphrase")):
                target = root / f"{label}.wbcase"
                _quiesce()
                start, cpu = time.perf_counter(), time.process_time()
                create_archive(ws, case.id, target, passphrase=passphrase)
                results[label].append(time.perf_counter() - start)
                cpus[label].append(time.process_time() - cpu)
                if len(results[label]) == 1:
                    start = time.perf_counter()
                    verify_archive(target, passphrase)
                    print(f"{label:>9} archive verified in {time.perf_counter() - start:.2f} s")
                target.unlink()
        mib = total / 2**20
        copy, copy_plain = median(copies["copy+fsync"]), median(copies["copy"])
        for label, runs in results.items():
            print(
                f"{label:>9} archive: median {median(runs):.2f} s ({mib / median(runs):.0f} MiB/s, "
                f"{median(cpus[label]):.2f} s CPU in all threads); runs "
                + ", ".join(f"{r:.2f}" for r in runs)
            )
        for label, runs in copies.items():
            print(
                f"{label:>12}: median {median(runs):.2f} s ({mib / median(runs):.0f} MiB/s); runs "
                + ", ".join(f"{r:.2f}" for r in runs)
            )
        for label, runs in results.items():
            print(
                f"ratio {label} archive / copy+fsync: {copy / median(runs):.2f} "
                f"(vs copy without fsync: {copy_plain / median(runs):.2f}; target >= 0.50; "
                f"median of {args.repeat})"
            )
        ws.close()


if __name__ == "__main__":
    main()
