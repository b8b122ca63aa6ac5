"""`workbench assess ...`: show, export, history, diff, approve, due."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from workbench.assess import AssessmentRepository, Context, FactorAnswer, Recency, Tier
from workbench.assess.loader import USER_DIR_ENV
from workbench.assess.model import Decision, DecisionOption, UserNotice
from workbench.cli import main
from workbench.store.workspace import Workspace


@pytest.fixture(autouse=True)
def _no_org_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_DIR_ENV, str(tmp_path / "no-org-templates"))


@pytest.fixture
def wsdir(tmp_path: Path) -> str:
    return str(tmp_path / "cli-ws")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assessed_case(wsdir: str) -> str:
    """A case with two saved versions and a T1 disclosure decision by analyst.test."""
    with Workspace.open(wsdir) as ws:
        case = ws.cases.create("Threat in a live stream", category="self_harm")
        repo = AssessmentRepository(ws)
        record = repo.new_record(case.id)
        answers = {
            "ctx_minor_at_risk": "no",
            "imm_timeframe": "within_24h",
            "imm_target_identified": "no",
            "imm_location_identified": "no",
            "imm_means_available": "yes",
            "imm_subject_locatable": "unknown",
        }
        for factor_id, value in answers.items():
            record = record.with_answer(factor_id, FactorAnswer(value))
        record = replace(
            record,
            context=Context(concern_source="proactive_detection"),
            final_tier=Tier.T3,
            tier_justification="Stream ended; family reached.",
        )
        saved = repo.save(case.id, record, base_version=0)
        record = saved.record.with_answer("sh_intent", FactorAnswer("yes", Recency.H24))
        record = replace(
            record,
            final_tier=Tier.T1,
            tier_justification="",
            decision=Decision(
                options=(DecisionOption.EMERGENCY_DISCLOSURE,),
                jurisdiction="US",
                legal_basis_ids=("us-2702c4",),
                user_notice=UserNotice.NOTIFY,
                rationale="Imminent risk.",
            ),
        )
        repo.save(case.id, record, base_version=1)
        return case.reference


def test_show_before_and_after_assessment(capsys: pytest.CaptureFixture[str], wsdir: str) -> None:
    code, out, _ = run(capsys, "--workspace", wsdir, "case", "new", "Empty case")
    reference = out.splitlines()[1].split()[2].rstrip(":")
    code, out, _ = run(capsys, "assess", "show", reference, "--workspace", wsdir)
    assert code == 0 and "No assessment saved yet." in out
    reference = assessed_case(wsdir)
    code, out, _ = run(capsys, "assess", "show", reference, "--workspace", wsdir)
    assert code == 0
    assert "template:   threat-spj 1.0.0   tracks: Self-harm" in out
    assert "suggested:  T1   final: T1" in out
    assert "- T1 because Self-harm indicators: Intent to act = yes and recency <= 24 h" in out
    assert "sign-off:   Needs a second approver: final tier T1" in out
    code, out, _ = run(capsys, "assess", "show", reference, "--workspace", wsdir, "--json")
    shown = json.loads(out)
    item = shown["assessment"]
    assert item["template"] == {
        "id": "threat-spj",
        "version": "1.0.0",
        "name": "Threat assessment (structured professional judgement)",
    }
    assert item["version"] == 2 and shown["versions"] == 2
    assert (item["suggested_tier"], item["final_tier"], item["override"]) == ("T1", "T1", False)
    assert item["approval"]["required"] and not item["approval"]["satisfied"]
    assert item["decision"]["disclosure_scope"] == ["basic_subscriber_info"]


def test_history_diff_export(
    capsys: pytest.CaptureFixture[str], wsdir: str, tmp_path: Path
) -> None:
    reference = assessed_case(wsdir)
    code, out, _ = run(capsys, "assess", "history", reference, "--workspace", wsdir)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].startswith("v1 ") and "T4->T3" in lines[0]
    assert lines[1].startswith("v2 ") and "T1->T1" in lines[1]
    code, out, _ = run(capsys, "assess", "diff", reference, "1", "2", "--workspace", wsdir)
    assert "Self-harm indicators: Intent to act set to yes" in out.splitlines()
    assert "Final tier changed from T3 to T1" in out.splitlines()
    code, out, _ = run(capsys, "assess", "export", reference, "--workspace", wsdir)
    exported = json.loads(out)
    assert exported["format"] == "osint-workbench/assessment+json"
    assert [v["version"] for v in exported["versions"]] == [1, 2]
    assert all(v["intact"] for v in exported["versions"])
    assert exported["versions"][0]["changes"][0] == (
        "Assessment created with template threat-spj 1.0.0"
    )
    assert [e["action"] for e in exported["audit"]] == ["assessment.save", "assessment.save"]
    target = tmp_path / "assessment.json"
    code, out, _ = run(
        capsys, "assess", "export", reference, "-o", str(target), "--workspace", wsdir
    )
    assert code == 0 and json.loads(target.read_text())["current"]["version"] == 2
    assert not list(tmp_path.glob("*.partial"))


def test_approve_from_the_cli(
    capsys: pytest.CaptureFixture[str], wsdir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = assessed_case(wsdir)
    code, out, err = run(capsys, "assess", "approve", reference, "--workspace", wsdir)
    assert code == 1 and out == ""
    assert err.strip() == (
        "workbench: error: analyst.test is the assessor of this case and cannot approve their "
        "own decision: the four-eyes rule needs a second person."
    )
    monkeypatch.setenv("WORKBENCH_USER", "supervisor")
    code, out, _ = run(
        capsys, "assess", "approve", reference, "--comment", "ok", "--workspace", wsdir
    )
    assert code == 0 and "as supervisor" in out
    code, _, err = run(capsys, "assess", "approve", reference, "--workspace", wsdir)
    assert code == 1 and "supervisor already approved this decision" in err
    code, out, _ = run(capsys, "assess", "show", reference, "--workspace", wsdir)
    assert "sign-off:   Approved by supervisor" in out
    code, out, _ = run(capsys, "audit", "verify", "--workspace", wsdir)
    assert code == 0


def test_due_and_missing_assessment(capsys: pytest.CaptureFixture[str], wsdir: str) -> None:
    assessed_case(wsdir)
    code, out, _ = run(capsys, "assess", "due", "--workspace", wsdir)
    assert code == 0 and out.strip() == "No re-assessments due."
    code, out, _ = run(capsys, "--workspace", wsdir, "case", "new", "Nothing yet")
    reference = out.splitlines()[1].split()[2].rstrip(":")
    code, _, err = run(capsys, "assess", "export", reference, "--workspace", wsdir)
    assert code == 1 and err.strip() == (
        f"workbench: error: Case {reference} has no saved assessment to export."
    )
    code, _, err = run(capsys, "assess", "show", "WB-1999-0001", "--workspace", wsdir)
    assert code == 1 and "No case 'WB-1999-0001'" in err
