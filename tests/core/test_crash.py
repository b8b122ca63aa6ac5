"""A process killed with SIGKILL mid-write: committed work survives, nothing half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from workbench.audit import iter_events, verify_chain
from workbench.store.schema import entities, provenance
from workbench.store.workspace import Workspace

WRITER = textwrap.dedent("""
    import sys
    from workbench.store.graph import EntitySpec
    from workbench.store.workspace import Workspace
    ws = Workspace.open(sys.argv[1])
    case_id = sys.argv[2]
    n = 0
    while True:
        ws.graph.add_entity(case_id, "account", f"single{n}")
        n += 1
        ws.graph.add_entities_bulk(case_id, (EntitySpec("account", f"bulk{n}-{i}")
                                             for i in range(400)), batch_size=100)
        print("committed", n, flush=True)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_during_writes_loses_nothing_committed(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    with Workspace.open(root) as ws:
        case_id = ws.cases.create("Crash test").id
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), case_id],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert proc.stdout is not None
    last = 0
    for line in proc.stdout:
        last = int(line.split()[1])
        if last >= 8:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    with Workspace.open(root) as ws, ws.read() as conn:
        assert verify_chain(conn).ok
        stored = conn.execute(select(func.count()).select_from(entities)).scalar_one()
        stored_prov = conn.execute(select(func.count()).select_from(provenance)).scalar_one()
        audited = 0
        for event in iter_events(conn, case_id):
            if event.action == "entity.add":
                audited += 1
            elif event.action == "entity.bulk_add":
                audited += event.summary["count"]
        values = set(conn.execute(select(entities.c.value)).scalars())
    assert stored >= last * 401
    assert stored == audited == stored_prov
    assert all(f"single{i}" in values for i in range(last))
    assert json.dumps(sorted(values))  # all rows readable
