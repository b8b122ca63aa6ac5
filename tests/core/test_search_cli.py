"""`workbench search`: marked snippets, --case, --kind, --json, and a clear error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.store.workspace import Workspace


@pytest.fixture
def wsdir(tmp_path: Path) -> str:
    root = tmp_path / "cli-ws"
    with Workspace.open(root) as ws:
        first = ws.cases.create("Bridge threat")
        second = ws.cases.create("Other")
        ws.graph.add_entity(first.id, "note", "配信者は橋の上で自殺をほのめかした")
        ws.graph.add_entity(second.id, "person", "自殺 hotline volunteer")
    return str(root)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_search_prints_marked_snippets(capsys: pytest.CaptureFixture[str], wsdir: str) -> None:
    code, out, _ = run(capsys, "--workspace", wsdir, "search", "自殺")
    assert code == 0
    assert out.count("[自殺]") == 2 and "WB-" in out and "2 result(s)" in out


def test_case_kind_and_json(capsys: pytest.CaptureFixture[str], wsdir: str) -> None:
    code, out, _ = run(
        capsys, "search", "自殺", "--case", "WB-2026-0001", "--workspace", wsdir, "--json"
    )
    data = json.loads(out)
    assert code == 0 and [hit["kind"] for hit in data["hits"]] == ["note"]
    assert data["hits"][0]["snippet_marked"].count("[自殺]") == 1
    assert "[" not in data["hits"][0]["snippet"]
    code, out, _ = run(capsys, "search", "自殺", "--kind", "entity", "--workspace", wsdir)
    assert code == 0 and "hotline" in out and "配信者" not in out
    code, out, _ = run(capsys, "search", "nothing-like-this", "--workspace", wsdir)
    assert code == 0 and "No results" in out


def test_bad_query_is_one_clear_line(capsys: pytest.CaptureFixture[str], wsdir: str) -> None:
    code, out, err = run(capsys, "search", '"open', "--workspace", wsdir)
    assert code == 1 and out == ""
    assert err.startswith("workbench: error: The quote") and "Traceback" not in err
    code, _, err = run(capsys, "search", "x", "--limit", "0", "--workspace", wsdir)
    assert code == 1 and "between 1 and" in err
