from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def wsdir(tmp_path: Path) -> str:
    return str(tmp_path / "cli-ws")


def test_demo_then_show_list_export(capsys, wsdir: str, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--workspace", wsdir, "demo")
    assert code == 0
    case_id = out.splitlines()[0]
    code, out, _ = run(capsys, "case", "show", case_id, "--workspace", wsdir, "--json")
    shown = json.loads(out)
    assert shown["category"] == "self_harm" and shown["priority"] == "P1"
    assert 25 <= shown["entities"] <= 40 and shown["links"] >= 30 and shown["evidence"] >= 3
    code, out, _ = run(capsys, "--workspace", wsdir, "case", "list")
    assert "WB-" in out and "self-harm" in out.lower()
    target = tmp_path / "case.json"
    code, _, _ = run(
        capsys, "--workspace", wsdir, "case", "export-json", case_id, "-o", str(target)
    )
    exported = json.loads(target.read_text())
    assert exported["case"]["id"] == case_id and exported["audit"]["chain_intact"]
    assert {e["type"] for e in exported["entities"]} >= {
        "person",
        "account",
        "location",
        "phone",
        "email",
        "domain",
        "ip",
        "url",
        "organization",
        "device",
        "post",
        "event",
        "document",
    }
    assert all(link["provenance"] for link in exported["links"])
    assert not list(tmp_path.glob("*.partial"))


def test_case_entity_link_and_audit(capsys, wsdir: str) -> None:
    code, out, _ = run(
        capsys,
        "--workspace",
        wsdir,
        "case",
        "new",
        "Kidnapping report",
        "--priority",
        "P1",
        "--category",
        "kidnapping_missing",
        "--tag",
        "urgent",
    )
    assert code == 0
    ref = out.splitlines()[1].split()[2].rstrip(":")
    assert (
        run(
            capsys,
            "--workspace",
            wsdir,
            "entity",
            "add",
            "--case",
            ref,
            "account",
            "kid_99",
            "--prop",
            "platform=StreamHub",
        )[0]
        == 0
    )
    assert (
        run(capsys, "--workspace", wsdir, "entity", "add", "--case", ref, "ip", "192.0.2.7")[0] == 0
    )
    code, out, _ = run(
        capsys,
        "--workspace",
        wsdir,
        "--json",
        "link",
        "add",
        "--case",
        ref,
        "account:kid_99",
        "ip:192.0.2.7",
        "logged_in_from",
        "--grading",
        "b2",
        "--confidence",
        "confirmed",
    )
    assert code == 0 and json.loads(out)["grading"] == "B2"
    code, out, _ = run(capsys, "--workspace", wsdir, "audit", "verify")
    assert code == 0 and "intact" in out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["entity", "add", "--case", "{ref}", "spaceship", "x"], "Valid types: account"),
        (["entity", "add", "--case", "{ref}", "ip", "300.1.1.1"], "IPv4 or IPv6"),
        (["link", "add", "--case", "{ref}", "account:a", "account:zzz", "uses"], "Valid entities"),
        (["link", "add", "--case", "{ref}", "account:a", "account:a", "hugs"], "Valid types"),
        (
            ["link", "add", "--case", "{ref}", "account:a", "account:a", "uses", "--grading", "Z9"],
            "Admiralty",
        ),
        (["entity", "add", "--case", "{ref}", "person", "x", "--prop", "novalue"], "KEY=VALUE"),
        (["case", "show", "WB-1900-0001"], "No case"),
    ],
)
def test_bad_input_is_one_clear_line(capsys, wsdir: str, argv: list[str], fragment: str) -> None:
    code, out, _ = run(capsys, "--workspace", wsdir, "case", "new", "C")
    ref = out.splitlines()[1].split()[2].rstrip(":")
    run(capsys, "--workspace", wsdir, "entity", "add", "--case", ref, "account", "a")
    code, out, err = run(capsys, "--workspace", wsdir, *[a.format(ref=ref) for a in argv])
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err


def test_audit_verify_exits_1_and_names_event(capsys, wsdir: str) -> None:
    run(capsys, "--workspace", wsdir, "demo")
    conn = sqlite3.connect(Path(wsdir) / "workspace.db")
    conn.execute("UPDATE audit_events SET actor='mallory' WHERE seq=10")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, "--workspace", wsdir, "audit", "verify")
    assert code == 1 and "event 10" in out


def test_workspace_from_environment(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_WORKSPACE", str(tmp_path / "envws"))
    assert run(capsys, "case", "new", "Env case")[0] == 0
    assert (tmp_path / "envws" / "workspace.db").exists()


def test_corrupt_workspace_cli(capsys, tmp_path: Path) -> None:
    root = tmp_path / "bad"
    root.mkdir()
    (root / "workspace.db").write_text("garbage")
    code, _, err = run(capsys, "--workspace", str(root), "case", "list")
    assert code == 1 and "not SQLite" in err
    assert (root / "workspace.db").read_text() == "garbage"


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ui.launcher", "--workspace", str(tmp_path / "p"), "--json", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["reference"].startswith("WB-")
