"""The queue (SQL sort, filter, paging, saved views), the workflow's lifecycle stamps, deadlines,
claims, the migration back-fill and the shift digest."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update

from workbench.audit import iter_events
from workbench.errors import NotFoundError, ValidationError
from workbench.intake import deadlines
from workbench.intake.digest import build_digest, to_markdown
from workbench.intake.lifecycle import milestones_for
from workbench.intake.model import Channel, Escalation, Target, TargetKind
from workbench.intake.queue import BUILTIN_VIEWS, Queue, QueueQuery
from workbench.intake.repository import EscalationRepository
from workbench.model import CaseStatus, Category, Priority
from workbench.store import migrations
from workbench.store.schema import escalations
from workbench.store.workspace import Workspace


def _case(ws: Workspace, title: str, **kwargs: object) -> str:
    return ws.cases.create(title, **kwargs).id  # type: ignore[arg-type]


def test_every_case_gets_an_escalation_with_a_deadline(ws: Workspace) -> None:
    case_id = _case(ws, "Walk-in", priority=Priority.P1)
    record = EscalationRepository(ws).get(case_id)
    assert record.deadline_at == record.lifecycle.received_at + timedelta(hours=1)
    ws.cases.update(case_id, priority="P3")
    assert EscalationRepository(ws).get(case_id).deadline_at == (
        record.lifecycle.received_at + timedelta(hours=24)
    )
    manual = datetime.now(UTC) + timedelta(minutes=7)
    EscalationRepository(ws).set_deadline(case_id, manual)
    ws.cases.update(case_id, priority="P4")
    again = EscalationRepository(ws).get(case_id)
    assert again.deadline_at == manual and again.deadline_manual
    with pytest.raises(ValidationError, match="time zone"):
        EscalationRepository(ws).set_deadline(case_id, datetime(2026, 1, 1))


def test_deadline_override_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    override = tmp_path / "deadlines.toml"
    override.write_text("[targets]\nP1 = 15\n")
    monkeypatch.setenv("WORKBENCH_DEADLINES", str(override))
    policy = deadlines.load_policy()
    assert policy.targets[Priority.P1] == timedelta(minutes=15)
    assert policy.targets[Priority.P2] == timedelta(hours=4)  # untouched default
    override.write_text("[targets]\nP9 = 15\n")
    with pytest.raises(ValidationError, match="unknown priority 'P9'"):
        deadlines.load_policy()
    override.write_text("[targets]\nP1 = -3\n")
    with pytest.raises(ValidationError, match="positive number"):
        deadlines.load_policy()
    override.write_text("[targets\n")
    with pytest.raises(ValidationError, match="Cannot read deadline targets"):
        deadlines.load_policy()


def test_workflow_stamps_lifecycle_milestones_and_audits_them(ws: Workspace) -> None:
    repo = EscalationRepository(ws)
    case_id = _case(ws, "Flow")
    for status in ("triage", "verifying", "assessing", "decided", "responded", "closed"):
        repo.set_status(case_id, status)
    life = repo.get(case_id).lifecycle
    stamps = [life.triaged_at, life.verified_at, life.assessed_at, life.decided_at]
    assert all(stamps) and life.responded_at and life.closed_at
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    assert life.disclosed_at is None
    repo.set_status(case_id, "triage")  # reopened
    reopened = repo.get(case_id)
    assert reopened.lifecycle.closed_at is None and reopened.lifecycle.triaged_at == life.triaged_at
    with ws.read() as conn:
        updates = [e for e in iter_events(conn, case_id) if e.action == "case.update"]
    assert any("lifecycle" in e.summary for e in updates)
    assert repo.advance(case_id).status == CaseStatus.VERIFYING
    repo.record_disclosure(case_id, content=True)
    tagged = repo.get(case_id)
    assert tagged.lifecycle.disclosed_at and tagged.reporting.content_produced


def test_milestone_rules() -> None:
    assert milestones_for(CaseStatus.NEW, CaseStatus.TRIAGE) == (["triaged_at"], [])
    assert milestones_for(CaseStatus.VERIFYING, CaseStatus.ASSESSING) == (["verified_at"], [])
    assert milestones_for(CaseStatus.ASSESSING, CaseStatus.DECIDED) == (
        ["assessed_at", "decided_at"],
        [],
    )
    assert milestones_for(CaseStatus.NEW, CaseStatus.CLOSED) == (["triaged_at", "closed_at"], [])
    assert milestones_for(CaseStatus.CLOSED, CaseStatus.TRIAGE) == ([], ["closed_at"])
    assert milestones_for(CaseStatus.VERIFYING, CaseStatus.TRIAGE) == ([], [])  # backwards


def test_claim_records_who_and_refuses_to_steal(ws: Workspace, tmp_path: Path) -> None:
    case_id = _case(ws, "Claim me")
    record = EscalationRepository(ws).claim(case_id)
    assert record.assignee == "analyst.test" and record.claimed_at is not None
    other = Workspace.open(ws.root, actor="colleague")
    try:
        with pytest.raises(ValidationError, match=r"already claimed by analyst\.test"):
            EscalationRepository(other).claim(case_id)
        assert EscalationRepository(other).claim(case_id, force=True).assignee == "colleague"
    finally:
        other.close()
    with ws.read() as conn:
        claims = [
            e
            for e in iter_events(conn, case_id)
            if e.action == "case.update" and "assignee" in e.summary["after"]
        ]
    assert [e.actor for e in reversed(claims)] == ["analyst.test", "colleague"]
    with pytest.raises(NotFoundError):
        EscalationRepository(ws).claim("no-such-case")


def _fill(ws: Workspace, count: int) -> list[str]:
    ids = []
    for index in range(count):
        case_id = _case(
            ws,
            f"Request {index:02d} about user_{index}",
            priority=["P1", "P2", "P3", "P4"][index % 4],
            category=Category.SELF_HARM if index % 2 else Category.OTHER,
        )
        escalation = Escalation(
            channel=Channel.PORTAL,
            received_at=datetime.now(UTC) - timedelta(hours=index),
            requester_name=f"Officer {index}",
            agency="Harbour Police" if index % 3 else "Met Police",
            country="GB" if index % 3 else "JP",
            requester_email=f"o{index}@harbour-police.example",
            emergency_nature=Category.SELF_HARM if index % 2 else Category.OTHER,
            targets=(Target(TargetKind.USERNAME, f"target_{index}%"),),
        )
        EscalationRepository(ws).save(case_id, escalation, strict=False)
        ids.append(case_id)
    return ids


def test_queue_sorts_filters_and_pages_in_sql(ws: Workspace) -> None:
    ids = _fill(ws, 12)
    queue = Queue(ws)
    assert queue.count(QueueQuery()) == 12
    urgency = queue.page(QueueQuery())
    assert [r.priority.value for r in urgency][:3] == ["P1", "P1", "P1"]
    by_deadline = queue.page(QueueQuery(sort="deadline"))
    deadlines_in_order = [r.deadline_at for r in by_deadline]
    assert deadlines_in_order == sorted(deadlines_in_order)  # type: ignore[type-var]
    desc = queue.page(QueueQuery(sort="reference", descending=True))
    assert [r.reference for r in desc] == sorted((r.reference for r in desc), reverse=True)
    pages = (
        queue.page(QueueQuery(sort="reference"), 0, 5)
        + queue.page(QueueQuery(sort="reference"), 5, 5)
        + queue.page(QueueQuery(sort="reference"), 10, 5)
    )
    assert len({r.case_id for r in pages}) == 12
    assert queue.count(QueueQuery(country="JP")) == 4
    assert queue.count(QueueQuery(agency="Met Police", priorities=("P1",))) == 1
    assert queue.count(QueueQuery(categories=("self_harm",))) == 6
    # text: case-insensitive, several words, LIKE wildcards taken literally
    assert [r.case_id for r in queue.page(QueueQuery(text="USER_1"))] == [ids[1], ids[10], ids[11]]
    assert queue.count(QueueQuery(text="user_1 officer 10")) == 1
    assert queue.count(QueueQuery(text="target_3%")) == 1
    assert queue.count(QueueQuery(text="%")) == 12  # every target ends with a literal %
    assert (
        queue.count(QueueQuery(text="user_")) == 12 and queue.count(QueueQuery(text="usera")) == 0
    )
    assert queue.count(QueueQuery(text="user_1", country="JP")) == 0
    assert queue.count(QueueQuery(text="user_1", priorities=("P3", "P4"))) == 2
    assert len(queue.page(QueueQuery(text="user_1", priorities=("P3", "P4")))) == 2
    # assignee and status filters; closed cases leave the open queue
    EscalationRepository(ws).claim(ids[0])
    assert [r.case_id for r in queue.page(QueueQuery(assignee="@me"))] == [ids[0]]
    assert queue.count(QueueQuery(assignee="@none")) == 11
    ws.cases.update(ids[1], status="closed")
    assert queue.count(QueueQuery()) == 11
    assert queue.count(QueueQuery(include_closed=True)) == 12
    assert queue.count(QueueQuery(statuses=("closed",), include_closed=True)) == 1
    # overdue: received hours ago with a 1 h (P1) deadline
    overdue = queue.page(QueueQuery(overdue_only=True))
    assert overdue and all(r.overdue(datetime.now(UTC)) for r in overdue)
    assert queue.distinct("country") == ["GB", "JP"]


def test_queue_query_validation_and_saved_views(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match="Cannot sort the queue by 'colour'"):
        QueueQuery(sort="colour")
    with pytest.raises(ValidationError, match="Unknown status"):
        QueueQuery(statuses=("pending",))
    with pytest.raises(ValidationError, match="Unknown queue view field"):
        QueueQuery.from_json({"colour": "red"})
    queue = Queue(ws)
    view = queue.save_view("JP self-harm", QueueQuery(country="JP", categories=("self_harm",)))
    assert [v.name for v in queue.views()] == ["JP self-harm"]
    assert queue.view_query("JP self-harm") == view.query
    queue.save_view("JP self-harm", QueueQuery(country="JP"), shared=True)
    assert queue.views()[0].query == QueueQuery(country="JP") and queue.views()[0].shared
    assert queue.view_query("Overdue") == BUILTIN_VIEWS["Overdue"]
    with pytest.raises(ValidationError, match="built-in"):
        queue.save_view("Mine", QueueQuery())
    with pytest.raises(ValidationError, match="needs a name"):
        queue.save_view("  ", QueueQuery())
    other = Workspace.open(ws.root, actor="colleague")
    try:
        assert [v.name for v in Queue(other).views()] == ["JP self-harm"]  # shared
        with pytest.raises(NotFoundError):
            Queue(other).delete_view("JP self-harm")  # not theirs
    finally:
        other.close()
    queue.delete_view("JP self-harm")
    assert queue.views() == []
    with pytest.raises(NotFoundError, match="No queue view 'gone'"):
        queue.view_query("gone")


def test_older_workspace_gets_escalations_back_filled(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    engine = create_engine(f"sqlite:///{root / 'workspace.db'}")
    with engine.connect() as conn:
        migrations.upgrade(conn, "0003")
        conn.commit()
    engine.dispose()
    raw = sqlite3.connect(root / "workspace.db")
    raw.execute(
        "INSERT INTO cases VALUES ('c1', 'WB-2025-0001', 'Old case', '', 'triage', 'P2', "
        "'other', 'sam', '[]', 'sam', '2025-01-01 00:00:00.000000', '2025-01-01 00:00:00.000000')"
    )
    raw.commit()
    raw.close()
    with Workspace.open(root) as ws:
        record = EscalationRepository(ws).get("c1")
        assert record.status == CaseStatus.TRIAGE and record.assignee == "sam"
        assert Queue(ws).count(QueueQuery(text="old case")) == 1
        ws.cases.update("c1", status="verifying")  # the mirror keeps working
        assert EscalationRepository(ws).get("c1").status == CaseStatus.VERIFYING


def test_digest_lists_changes_risks_and_breaches(ws: Workspace) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    breached = _case(ws, "Late one", priority="P1")
    at_risk = _case(ws, "Nearly late", priority="P1")
    calm = _case(ws, "Calm", priority="P4")
    with ws.write() as conn:
        conn.execute(
            update(escalations)
            .where(escalations.c.case_id == breached)
            .values(deadline_at=datetime.now(UTC) - timedelta(minutes=5))
        )
        conn.execute(
            update(escalations)
            .where(escalations.c.case_id == at_risk)
            .values(deadline_at=datetime.now(UTC) + timedelta(minutes=10))
        )
    EscalationRepository(ws).set_status(calm, "triage")
    EscalationRepository(ws).claim(calm)
    digest = build_digest(ws, start)
    assert {c.case_id for c in digest.new_cases} == {breached, at_risk, calm}
    assert [c.case_id for c in digest.breached] == [breached]
    assert [c.case_id for c in digest.at_risk] == [at_risk]
    assert [(c.before, c.after) for c in digest.status_changes] == [("new", "triage")]
    assert [c.after for c in digest.claims] == ["analyst.test"]
    assert digest.reassessments == []
    text = to_markdown(digest)
    assert "## Deadlines breached" in text and "Late one" in text
    assert "new → triage" in text and "None due." in text
    later = build_digest(ws, datetime.now(UTC) + timedelta(hours=1))
    assert later.new_cases == [] and later.status_changes == []
    assert [c.case_id for c in later.breached] == [breached]  # still overdue: still listed


def test_digest_lists_reassessments_due(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.assess import DueItem, Tier
    from workbench.assess.repository import AssessmentRepository

    case_id = _case(ws, "Monitor this one")
    due = DueItem(case_id, "WB-2026-0001", "Monitor this one", datetime.now(UTC), Tier("T2"), "amy")
    monkeypatch.setattr(AssessmentRepository, "due_reassessments", lambda self, now=None: [due])
    digest = build_digest(ws, datetime.now(UTC) - timedelta(hours=1))
    assert digest.reassessments and digest.reassessments[0]["tier"] == "T2"
    assert "WB-2026-0001 (T2)" in to_markdown(digest) and "amy" in to_markdown(digest)
