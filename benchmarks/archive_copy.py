"""Archive N MB of evidence and compare with a plain copy of the same bytes, in one run.

Target (issue 8): creating a case archive of 1 GB of evidence runs at 50% or more of a plain
file copy's speed. The baseline copies every evidence blob with shutil.copyfile and fsyncs
it (the archive is fsynced before its rename, so both are durable); the figure without the
fsync is printed too. Both ratios (plain archive, encrypted archive) are speed ratios:
baseline seconds / archive seconds. The CPU seconds are printed too: on a busy machine the
archive (hashing, encryption) waits for CPU while the kernel-side copy does not, so read
the ratio from a quiet run.

Usage: python benchmarks/archive_copy.py [--size-mb 1024] [--blob-mb 64]   (CI: --size-mb 32)
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

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


def _copy(blobs: list[Path], target: Path, fsync: bool) -> float:
    target.mkdir()
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
        copy_plain = _copy(blobs, root / "copy-nofsync", fsync=False)
        copy = _copy(blobs, root / "copy", fsync=True)
        results = {}
        for label, passphrase in (("plain", None), ("encrypted", "benchmark passphrase")):
            target = root / f"{label}.wbcase"
            start, cpu = time.perf_counter(), time.process_time()
            create_archive(ws, case.id, target, passphrase=passphrase)
            results[label] = time.perf_counter() - start
            cpu = time.process_time() - cpu
            start = time.perf_counter()
            verify_archive(target, passphrase)
            verify = time.perf_counter() - start
            print(
                f"{label:>9} archive: {results[label]:.2f} s "
                f"({total / 2**20 / results[label]:.0f} MiB/s, {cpu:.2f} s CPU in all threads); "
                f"verify {verify:.2f} s"
            )
            target.unlink()
        print(
            f"copy + fsync: {copy:.2f} s ({total / 2**20 / copy:.0f} MiB/s); "
            f"copy without fsync: {copy_plain:.2f} s ({total / 2**20 / copy_plain:.0f} MiB/s)"
        )
        for label, seconds in results.items():
            print(
                f"ratio {label} archive / copy+fsync: {copy / seconds:.2f} "
                f"(vs copy without fsync: {copy_plain / seconds:.2f}; target >= 0.50)"
            )
        ws.close()


if __name__ == "__main__":
    main()
