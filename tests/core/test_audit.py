from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.audit import iter_events, verify_chain
from workbench.errors import ValidationError
from workbench.store.workspace import Workspace


def _events(ws: Workspace) -> list:
    with ws.read() as conn:
        return list(reversed(list(iter_events(conn))))


def _verify(ws: Workspace):
    with ws.read() as conn:
        return verify_chain(conn)


def test_every_change_is_audited_with_before_and_after(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    entity = ws.graph.add_entity(case.id, "account", "alpha")
    ws.graph.update_entity(entity.id, label="Alpha!")
    ws.cases.update(case.id, status="triage")
    ws.graph.delete_entity(entity.id)
    events = _events(ws)
    assert [e.action for e in events] == [
        "case.create",
        "entity.add",
        "entity.update",
        "case.update",
        "entity.delete",
    ]
    assert all(e.actor == "analyst.test" and e.at.tzinfo is not None for e in events)
    assert events[2].summary == {"before": {"label": "alpha"}, "after": {"label": "Alpha!"}}
    assert events[3].summary["before"] == {"status": "new"}
    assert events[1].prev_hash == events[0].hash
    assert _verify(ws).ok and _verify(ws).checked == 5


def test_a_refused_change_leaves_no_event(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    with pytest.raises(ValidationError):
        ws.graph.add_entity(case.id, "ip", "not-an-ip")
    assert len(_events(ws)) == 1


def _tamper(db: Path, sql: str, *params: object) -> None:
    conn = sqlite3.connect(db)
    conn.execute(sql, params)
    conn.commit()
    conn.close()


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    with Workspace.open(tmp_path / "ws") as ws:
        case = ws.cases.create("Case")
        for i in range(6):
            ws.graph.add_entity(case.id, "account", f"user{i}")
    return tmp_path / "ws"


@pytest.mark.parametrize(
    "sql, params, first_bad",
    [
        ("UPDATE audit_events SET actor = ? WHERE seq = 3", ("mallory",), 3),
        ("UPDATE audit_events SET summary = ? WHERE seq = 5", ("{}",), 5),
        ("DELETE FROM audit_events WHERE seq = 4", (), 4),
        ("DELETE FROM audit_events WHERE seq = 7", (), 7),
        ("UPDATE audit_events SET seq = seq + 100 WHERE seq = 2", (), 2),
    ],
)
def test_tampering_is_detected_and_named(
    chain: Path, sql: str, params: tuple, first_bad: int
) -> None:
    _tamper(chain / "workspace.db", sql, *params)
    with Workspace.open(chain) as ws:
        report = _verify(ws)
    assert not report.ok
    assert report.first_bad_seq == first_bad
    assert f"event {first_bad}" in report.describe()


def test_swapping_two_events_is_detected(chain: Path) -> None:
    db = chain / "workspace.db"
    conn = sqlite3.connect(db)
    rows = {
        r[0]: r
        for r in conn.execute(
            "SELECT seq, at, actor, action, object_type, object_id,"
            " case_id, summary, prev_hash, hash FROM audit_events"
        )
    }
    conn.execute("DELETE FROM audit_events WHERE seq IN (3, 4)")
    for seq, source in ((3, rows[4]), (4, rows[3])):
        conn.execute("INSERT INTO audit_events VALUES (?,?,?,?,?,?,?,?,?,?)", (seq, *source[1:]))
    conn.commit()
    conn.close()
    with Workspace.open(chain) as ws:
        report = _verify(ws)
    assert not report.ok and report.first_bad_seq == 3


COLUMNS = [
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "case_id",
    "summary",
    "prev_hash",
    "hash",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_single_change_to_stored_events_is_detected(tmp_path_factory, data) -> None:
    """Property: one edit of one field, one deletion, or one reordering is always caught."""
    root = tmp_path_factory.mktemp("prop") / "ws"
    with Workspace.open(root) as ws:
        case = ws.cases.create("Case")
        for i in range(data.draw(st.integers(1, 5), label="entities")):
            ws.graph.add_entity(case.id, "person", f"P{i}")
        total = len(_events(ws))
    db = root / "workspace.db"
    seq = data.draw(st.integers(1, total), label="seq")
    kind = data.draw(st.sampled_from(["edit", "delete", "move"]), label="kind")
    conn = sqlite3.connect(db)
    if kind == "edit":
        column = data.draw(st.sampled_from(COLUMNS), label="column")
        old = conn.execute(f"SELECT {column} FROM audit_events WHERE seq=?", (seq,)).fetchone()[0]
        new = data.draw(
            st.text(min_size=0, max_size=20).filter(lambda v: v != (old or "")), label="value"
        )
        if column == "hash":
            new = new + "-forged"
        conn.execute(f"UPDATE audit_events SET {column}=? WHERE seq=?", (new, seq))
    elif kind == "delete":
        conn.execute("DELETE FROM audit_events WHERE seq=?", (seq,))
    else:
        target = data.draw(
            st.integers(total + 1, total + 50) | st.integers(-50, 0), label="new seq"
        )
        conn.execute("UPDATE audit_events SET seq=? WHERE seq=?", (target, seq))
    conn.commit()
    conn.close()
    with Workspace.open(root) as ws:
        assert not _verify(ws).ok
