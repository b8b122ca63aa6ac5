"""Start-up time of the desktop window: launch `python -m ui --benchmark startup` five times
(offscreen) on a workspace holding the sample case, and print each run and the median.

Two figures per run: the wall clock of the whole process as seen from here (interpreter start
to the first paint of the main window, then exit), and the time the process itself measured
from the top of ui/__main__ to the first paint. Target: wall clock median under 1.5 s.

    python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare_workspace(folder: Path) -> Path:
    from workbench.demo import create_demo_case
    from workbench.store.workspace import Workspace

    path = folder / "workspace"
    with Workspace.open(path, actor="benchmark") as ws:
        create_demo_case(ws)
    return path


def run_once(workspace: Path, config_dir: Path, extra: list[str]) -> tuple[float, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(config_dir))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "ui", "--workspace", str(workspace), *extra],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"the window did not start:\n{result.stdout}\n{result.stderr}")
    match = re.search(r": ([0-9.]+) s", result.stdout)
    return wall, float(match.group(1)) if match else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wb-startup-") as tmp:
        workspace = prepare_workspace(Path(tmp))
        walls = []
        for run in range(1, args.runs + 1):
            wall, inside = run_once(workspace, Path(tmp) / "config", ["--benchmark", "startup"])
            walls.append(wall)
            print(f"run {run}: {wall:.3f} s wall clock (in-process to first paint {inside:.3f} s)")
    print(
        f"median start-up to first paint: {statistics.median(walls):.3f} s "
        f"(target < 1.5 s, {args.runs} runs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
