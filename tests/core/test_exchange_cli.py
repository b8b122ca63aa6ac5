"""`workbench export|import|archive`: the CLI face of the exchange package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main

MISERABLES = Path(__file__).resolve().parents[2].parent / "shared/data/graphs/miserables.graphml"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_export_import_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = ["--workspace", str(tmp_path / "ws")]
    code, out, _ = _run(capsys, "case", "new", "Graph case", *ws)
    case = out.splitlines()[0]
    code, out, _ = _run(capsys, "import", case, str(MISERABLES), "--dry-run", "--json", *ws)
    assert code == 0 and json.loads(out)["entities"] == 77 and json.loads(out)["dry_run"]
    code, out, _ = _run(capsys, "import", case, str(MISERABLES), "--default-type", "person", *ws)
    assert code == 0 and "Imported 77 entities (77 person) and 254 links" in out
    for fmt, name in (("stix", "b.json"), ("graphml", "g.graphml"), ("gexf", "g.gexf")):
        code, out, _ = _run(
            capsys, "export", case, "--format", fmt, "-o", str(tmp_path / name), *ws
        )
        assert code == 0 and (tmp_path / name).stat().st_size > 1000
    code, out, _ = _run(capsys, "export", case, "--format", "csv", "-o", str(tmp_path / "csv"), *ws)
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "entities.csv", "evidence.csv", "links.csv",
    ]  # fmt: skip

    monkeypatch.setenv("ARCHIVE_PASS", "correct horse")
    archive = str(tmp_path / "case.wbcase")
    code, out, _ = _run(capsys, "archive", "create", case, "-o", archive,
                        "--passphrase-env", "ARCHIVE_PASS", *ws)  # fmt: skip
    assert code == 0 and "encrypted" in out
    secret = tmp_path / "pass.txt"
    secret.write_text("correct horse\n")
    code, out, _ = _run(capsys, "archive", "verify", archive, "--passphrase-file", str(secret),
                        "--json", *ws)  # fmt: skip
    assert code == 0 and json.loads(out)["ok"] and json.loads(out)["encrypted"]
    other = ["--workspace", str(tmp_path / "other")]
    code, out, _ = _run(capsys, "archive", "open", archive, "--passphrase-env", "ARCHIVE_PASS",
                        *other)  # fmt: skip
    assert code == 0 and "77 entities, 254 links" in out


def test_errors_are_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = ["--workspace", str(tmp_path / "ws")]
    _, out, _ = _run(capsys, "case", "new", "Case", *ws)
    case = out.splitlines()[0]
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><graph><node id='a'/>")
    code, _, err = _run(capsys, "import", case, str(bad), *ws)
    assert code == 1 and err.startswith("workbench: error:") and "not well-formed" in err
    code, _, err = _run(capsys, "import", case, str(tmp_path / "data.xyz"), *ws)
    assert code == 1 and "--format" in err
    archive = str(tmp_path / "a.wbcase")
    monkeypatch.setenv("PW", "one")
    assert (
        _run(capsys, "archive", "create", case, "-o", archive, "--passphrase-env", "PW", *ws)[0]
        == 0
    )
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = _run(capsys, "archive", "verify", archive, *ws)
    assert code == 1 and "--passphrase-env" in err
    monkeypatch.setenv("PW", "two")
    code, _, err = _run(capsys, "archive", "open", archive, "--passphrase-env", "PW", *ws)
    assert code == 1 and "Wrong passphrase" in err
    code, _, err = _run(
        capsys, "archive", "create", case, "-o", archive, "--passphrase-env", "UNSET_VAR", *ws
    )
    assert code == 1 and "UNSET_VAR" in err
