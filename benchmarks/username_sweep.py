"""username-sweep over the WhatsMyName site list against a slow loopback server.

Every response takes `--delay` seconds (default 0.2). The sweep runs through the real host
(policy HTTP session, per-host rate limit, runner, case writes with evidence) at the
plugin's concurrency of 32. Ideal wall time = sites x delay / 32; target ratio <= 1.3.
The server runs in a separate process so the memory figure is the application's own.

Usage: python benchmarks/username_sweep.py [--sites N] [--delay 0.2] [--found-every 10]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SITES_FILE = ROOT / "resources" / "sites" / "wmn-data.json"
USERNAME = "nightowl"
CONCURRENCY = 32


def answers(sites: list[dict[str, Any]], found_every: int, pad: int) -> dict[str, Any]:
    """(host, path) -> (status, body): every `found_every`-th site says the account exists."""
    table: dict[str, Any] = {}
    filler = "x" * pad
    for index, site in enumerate(sites):
        url = site["uri_check"].replace("{account}", USERNAME)
        host, _, rest = url.split("://", 1)[1].partition("/")
        path = "/" + rest
        if index % found_every == 0:
            status, text = site["e_code"], site["e_string"]
        else:
            status, text = site["m_code"], site["m_string"]
        table[f"{host} {path}"] = (status, f"<html><body>{text}<!-- {filler} --></body></html>")
    return table


def serve(table: dict[str, Any], delay: float, ready: Any) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else headers and body wait ~40 ms for a delayed ACK

        def _answer(self) -> None:
            time.sleep(delay)
            status, text = table.get(f"{self.headers['Host']} {self.path}", (404, "unknown"))
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._answer()

        def log_message(self, *args: Any) -> None:
            pass

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.handle_error = lambda request, address: None  # type: ignore[method-assign]
    ready.put(server.server_address[1])
    server.serve_forever()


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=0, help="first N sites only (0 = all)")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds added to each answer")
    parser.add_argument("--found-every", type=int, default=10)
    parser.add_argument("--body-kb", type=int, default=16, help="size of each answer")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))  # the benchmark runs from a checkout
    from workbench.sdk.testing import load_plugin, make_host
    from workbench.sources.results import Query
    from workbench.store.workspace import Workspace

    data = json.loads(SITES_FILE.read_text(encoding="utf-8"))
    listed = len(data["sites"])
    sites = [s for s in data["sites"] if s.get("valid", True)]
    if args.sites:
        sites = sites[: args.sites]
    data["sites"] = sites
    table = answers(sites, args.found_every, args.body_kb * 1024)

    ready: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(table, args.delay, ready), daemon=True)
    server.start()
    port = ready.get(timeout=30)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        site_file = tmp / "wmn-data.json"
        site_file.write_text(json.dumps(data), encoding="utf-8")
        plugin = load_plugin(ROOT / "plugins" / "username_sweep")
        host = make_host(
            [plugin],
            tmp_path=tmp,
            server_url=f"http://127.0.0.1:{port}",
            settings={"username-sweep": {"sites_file": str(site_file), "include_nsfw": True}},
        )
        with Workspace.open(tmp / "ws") as ws:
            case = ws.cases.create("Benchmark: username sweep")
            rss_before = rss_mib()
            started = time.perf_counter()
            summary = host.execute(
                "username-sweep", Query("account", USERNAME), ws=ws, case_id=case.id, confirmed=True
            )
            wall = time.perf_counter() - started
            evidence = len(ws.evidence.list(case.id))
    server.terminate()
    checked = summary.requests_sent + summary.cache_hits  # same URL twice: served from cache
    ideal = len(sites) * args.delay / CONCURRENCY
    ratio = wall / ideal if ideal else float("nan")
    print(f"sites in list:       {listed} ({listed - len(sites)} skipped: valid=false or --sites)")
    print(
        f"sites checked:       {checked} ({summary.requests_sent} requests, {summary.cache_hits} "
        f"from the cache; run {summary.status}) {summary.error}"
    )
    accounts = summary.counts.get("entities_new", 0) - 1  # less the input account
    print(f"accounts found:      {accounts}, evidence items {evidence}")
    print(f"wall time:           {wall:.2f} s")
    print(f"ideal:               {ideal:.2f} s ({len(sites)} x {args.delay} s / {CONCURRENCY})")
    print(f"ratio to ideal:      {ratio:.2f} (target <= 1.3)")
    print(f"peak memory (RSS):   {rss_mib():.0f} MiB (before the run: {rss_before:.0f} MiB)")
    return 0 if summary.ok and checked >= len(sites) else 1


if __name__ == "__main__":
    sys.exit(main())
