"""`workbench graph ...` end to end on the sample case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.graph import cli as graph_cli
from workbench.graph.layout import ALGORITHMS
from workbench.store.workspace import Workspace


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> tuple[str, str]:
    wsdir = str(tmp_path / "cli-ws")
    code, out, _ = run(capsys, "--workspace", wsdir, "demo")
    assert code == 0
    return wsdir, out.splitlines()[0]


def test_cli_algorithms_match_the_layout_module() -> None:
    assert graph_cli.ALGORITHMS == ALGORITHMS


@pytest.mark.parametrize("algorithm", ["force", "radial", "grouped"])
def test_layout_saves_positions(
    capsys: pytest.CaptureFixture[str], demo: tuple[str, str], algorithm: str
) -> None:
    wsdir, case_id = demo
    extra = ["--root", "account:nightowl_rin"] if algorithm == "radial" else []
    code, out, _ = run(
        capsys, "--workspace", wsdir, "graph", "layout", case_id, "--algorithm", algorithm, *extra
    )
    assert code == 0 and "positions saved" in out
    with Workspace.open(Path(wsdir)) as ws:
        placed = ws.graph.list_entities(case_id)
    assert placed and all(e.pos_x is not None and e.pos_y is not None for e in placed)


def test_analysis_commands(capsys: pytest.CaptureFixture[str], demo: tuple[str, str]) -> None:
    wsdir, case_id = demo
    base = ["--workspace", wsdir, "graph"]
    code, out, _ = run(capsys, *base, "rank", case_id, "--by", "betweenness", "--json")
    ranking = json.loads(out)["ranking"]
    assert code == 0 and len(ranking) == 20 and ranking[0][1] >= ranking[-1][1]
    top = ranking[0][0]
    code, out, _ = run(capsys, *base, "components", case_id, "--json")
    assert code == 0 and top in json.loads(out)["components"][0]
    code, out, _ = run(capsys, *base, "neighbours", case_id, top, "--depth", "1", "--json")
    assert code == 0 and top in json.loads(out)["entities"]
    second = ranking[1][0]
    code, out, _ = run(capsys, *base, "path", case_id, top, second, "-k", "2", "--json")
    paths = json.loads(out)["paths"]
    assert code == 0 and paths and paths[0][0] == top and paths[0][-1] == second
    code, out, _ = run(capsys, *base, "common", case_id, top, second)
    assert code == 0
    code, out, _ = run(capsys, *base, "communities", case_id)
    assert code == 0 and "communities" in out
    code, _, err = run(capsys, *base, "path", case_id, top, "account:nobody")
    assert code == 1 and "nobody" in err


def test_same_as_confirm_merge_unmerge(
    capsys: pytest.CaptureFixture[str], demo: tuple[str, str]
) -> None:
    wsdir, case_id = demo
    base = ["--workspace", wsdir, "graph"]
    code, out, _ = run(
        capsys, "--workspace", wsdir, "entity", "add", "--case", case_id, "account", "rin_alt"
    )
    assert code == 0
    code, out, _ = run(
        capsys,
        *base,
        "same-as",
        case_id,
        "account:nightowl_rin",
        "account:rin_alt",
        "--note",
        "same avatar",
        "--json",
    )
    link = json.loads(out)["link"]
    code, out, _ = run(capsys, *base, "argue", link, "--against", "--note", "other timezone")
    assert code == 0 and "against" in out
    code, out, _ = run(capsys, *base, "hypotheses", case_id)
    assert "same avatar" in out and "other timezone" in out
    code, out, _ = run(capsys, *base, "confirm", link, "--merge", "--json")
    merged = json.loads(out)
    assert code == 0 and merged["status"] == "merged"
    code, out, _ = run(capsys, *base, "merges", case_id)
    assert merged["id"] in out
    code, out, _ = run(capsys, *base, "unmerge", merged["id"])
    assert code == 0 and "restored" in out
    code, _, err = run(capsys, *base, "unmerge", merged["id"])
    assert code == 1 and "already undone" in err
    code, out, _ = run(capsys, *base, "duplicates", case_id)
    assert code == 0
