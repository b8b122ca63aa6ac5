"""Tabular import of a back-end login export: rows per second and peak memory.

Generates a realistic export (account, ip, login_time, user_agent, country; accounts log in
again and again from their usual addresses, so entities de-duplicate; about 0.1 % broken
rows), imports it into a fresh case with the mapping account -[logged_in_from]-> ip, and
prints rows/s and the peak resident memory (VmHWM) of a process that did only that. With
several sizes each runs in its own process, so the peaks compare: flat memory means the
peak at 1M rows is close to the peak at 250k.

Target (issue 4): 1M rows (about 100 MB) at >= 50k rows/s, memory flat as the file grows.
Usage: python benchmarks/tabular_import.py [--rows 1000000] [--sizes 250000,1000000]
                                           [--mode aggregate|each_row]
       python benchmarks/tabular_import.py --small        (CI: 20k rows)
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/122.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 Version/17.3 Safari",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/121.0 Mobile",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "okhttp/4.12.0",
    "StreamHubApp/5.2.1 (iOS 17.3; iPhone14,2)",
]
COUNTRIES = ["JP", "JP", "JP", "US", "GB", "DE", "BR", "ES", "KR", "SG"]
ACCOUNTS = 20_000
HOME_IPS = 40_000

MAPPING = {
    "name": "login-export",
    "format": "csv",
    "entities": [
        {"key": "account", "type": "account", "value": "account"},
        {"key": "ip", "type": "ip", "value": "ip", "properties": {"country": "country"}},
    ],
    "links": [
        {
            "source": "account",
            "target": "ip",
            "type": "logged_in_from",
            "timestamp": "login_time",
            "timestamp_format": "iso",
            "properties": {"user_agent": "user_agent"},
        }
    ],
}


def _ip(rng: random.Random, index: int) -> str:
    if index % 13 == 0:
        return f"2001:db8:{index % 65536:x}::{(index * 7) % 65536:x}"
    return f"{1 + index % 223}.{(index >> 8) % 256}.{(index >> 3) % 256}.{1 + index % 254}"


def generate(path: Path, rows: int, seed: int = 4) -> int:
    """Write the export; returns its size in bytes."""
    rng = random.Random(seed)
    homes = [[rng.randrange(HOME_IPS) for _ in range(1 + i % 3)] for i in range(ACCOUNTS)]
    agent_of = [rng.randrange(len(AGENTS)) for _ in range(ACCOUNTS)]
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    step = timedelta(seconds=3)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("account,ip,login_time,user_agent,country\n")
        for row in range(rows):
            account = rng.randrange(ACCOUNTS)
            if rng.random() < 0.01:
                ip = _ip(rng, HOME_IPS + rng.randrange(1_000_000))
            else:
                ip = _ip(rng, rng.choice(homes[account]))
            moment += step
            when = moment.isoformat().replace("+00:00", "Z")
            name = f"user{account:05d}"
            if row % 1000 == 999:  # a broken row: bad address, empty account or bad time
                kind = row // 1000 % 3
                ip = "300.1.2.3" if kind == 0 else ip
                name = "" if kind == 1 else name
                when = "31/02/2024 25:00" if kind == 2 else when
            agent = AGENTS[agent_of[account]]
            country = COUNTRIES[account % len(COUNTRIES)]
            out.write(f'{name},{ip},{when},"{agent}",{country}\n')
    return path.stat().st_size


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def child(rows: int, folder: Path, mode: str) -> dict[str, float]:
    from workbench.store.workspace import Workspace
    from workbench.tabular.importer import import_table
    from workbench.tabular.mapping import TableMapping

    export = folder / f"export_{rows}.csv"
    size = generate(export, rows)
    spec = json.loads(json.dumps(MAPPING))
    spec["links"][0]["mode"] = mode
    mapping = TableMapping.from_dict(spec)
    with Workspace.open(folder / f"ws_{rows}") as ws:
        case = ws.cases.create(f"Import benchmark {rows} rows")
        before = _status("VmRSS")
        start, cpu = time.perf_counter(), time.process_time()
        report = import_table(ws, case.id, export, mapping)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = _status("VmHWM")
    return {
        "rows": rows,
        "bytes": size,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "cpu_seconds": cpu,
        "rows_per_cpu_s": rows / cpu,
        "rss_before_mb": before / 2**20,
        "peak_rss_mb": peak / 2**20,
        "entities": sum(report.entities_new.values()),
        "links": report.links_new,
        "rejected": report.rows_rejected,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="the largest size")
    parser.add_argument("--sizes", help="comma-separated sizes (default: rows/4 and rows)")
    parser.add_argument("--small", action="store_true", help="CI size: 5k and 20k rows")
    parser.add_argument(
        "--mode",
        choices=("aggregate", "each_row"),
        default="aggregate",
        help="link mode: one link per pair with first/last seen and count (default), or one "
        "link per row",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.folder, args.mode)))
        return
    top = 20_000 if args.small else args.rows
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [top // 4, top]
    results = []
    with tempfile.TemporaryDirectory(prefix="wb-tabular-") as folder:
        for rows in sizes:
            done = subprocess.run(
                [
                    *(sys.executable, __file__, "--child", str(rows), "--folder", folder),
                    "--mode",
                    args.mode,
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    for r in results:
        print(
            f"{int(r['rows']):>9,} rows ({r['bytes'] / 2**20:6.1f} MB): {r['seconds']:6.2f} s, "
            f"{r['rows_per_s']:>9,.0f} rows/s ({r['rows_per_cpu_s']:,.0f} per CPU second), "
            f"peak RSS {r['peak_rss_mb']:6.1f} MB "
            f"(before import {r['rss_before_mb']:.1f} MB); {int(r['entities']):,} entities, "
            f"{int(r['links']):,} links, {int(r['rejected']):,} rejected"
        )
    if len(results) > 1:
        small, big = results[0], results[-1]
        ratio = big["peak_rss_mb"] / small["peak_rss_mb"]
        print(
            f"memory: peak at {int(big['rows']):,} rows / peak at {int(small['rows']):,} rows = "
            f"{ratio:.2f} (rows x{big['rows'] / small['rows']:.0f})"
        )
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    print(
        f"target: >= 50,000 rows/s; measured {results[-1]['rows_per_s']:,.0f} rows/s "
        f"(load average {load}: other processes share the CPUs when it exceeds the core count)"
    )


if __name__ == "__main__":
    main()
