"""`workbench sources ...` through the same argparse shape as workbench/cli.py builds."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from workbench.cli import Output, _common
from workbench.errors import WorkbenchError
from workbench.sdk.testing import make_host
from workbench.sources import cli as sources_cli
from workbench.sources.host import SourceHost
from workbench.store.workspace import Workspace

from .conftest import BUILTIN_PLUGINS, loaded, write_plugin


def run_cli(
    capsys: pytest.CaptureFixture[str], *argv: str, host: SourceHost | None = None
) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="workbench")
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--json", action="store_true", default=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sources_cli.add_parsers(commands, _common())
    args = parser.parse_args(list(argv))
    assert args.command == "sources"
    try:
        code = sources_cli.dispatch(
            lambda: Workspace.open(args.workspace), args, Output(bool(args.json)), host=host
        )
    except WorkbenchError as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        code = 1
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_builtins_with_inputs_outputs_egress_and_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, "sources", "list")
    assert code == 0
    assert "text-extract" in out and "note, post, document, event -> email" in out
    assert "egress: none (runs locally)" in out and "egress: (depends on input)" in out
    code, out, _ = run_cli(capsys, "sources", "list", "--json")
    rows = {row["id"]: row for row in json.loads(out)}
    assert set(rows) >= {"text-extract", "username-sweep", "web-page"}
    assert rows["web-page"]["status"] == "enabled" and rows["web-page"]["version"] == "1.0.0"


def test_list_shows_a_broken_user_plugin(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_plugin(
        tmp_path / "user-plugins" / "broken",
        "raise ImportError('no such lib')\n",
        plugin_id="broken",
    )
    code, out, _ = run_cli(capsys, "sources", "list")
    assert code == 0 and "broken" in out and "BROKEN" in out and "no such lib" in out


def test_check_a_plugin_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_cli(capsys, "sources", "check", str(BUILTIN_PLUGINS / "web_page"))
    assert code == 0 and "OK — web-page 1.0.0" in out
    bad = write_plugin(tmp_path / "bad", "x = 1\n", manifest='id = "Bad Id"\n')
    code, out, _ = run_cli(capsys, "sources", "check", str(bad), "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"] and "field 'id'" in report["error"]


def test_run_locally_into_a_case(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    wsdir = str(tmp_path / "ws")
    with Workspace.open(wsdir) as ws:
        case = ws.cases.create("CLI case")
    code, out, err = run_cli(
        capsys,
        "sources",
        "run",
        "text-extract",
        "--type",
        "note",
        "--value",
        "mail rin@mailbox.example or call +44 20 7946 0958",
        "--case",
        case.reference,
        "--workspace",
        wsdir,
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["status"] == "ok" and summary["counts"]["entities_new"] >= 3
    with Workspace.open(wsdir) as ws:
        values = {e.value for e in ws.graph.list_entities(case.id)}
    assert {"rin@mailbox.example", "+442079460958"} <= values


def test_run_that_sends_data_needs_yes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, server: HTTPServer
) -> None:
    server.expect_request("/").respond_with_data(
        "<html><title>Shop</title></html>", content_type="text/html"
    )
    host = make_host(
        [loaded(BUILTIN_PLUGINS / "web_page")], tmp_path=tmp_path, server_url=server.url_for("/")
    )
    wsdir = str(tmp_path / "ws")
    argv = [
        "sources",
        "run",
        "web-page",
        "--type",
        "url",
        "--value",
        "https://shop.example/",
        "--workspace",
        wsdir,
    ]
    code, out, err = run_cli(capsys, *argv, host=host)  # stdin is not a terminal: no prompt
    assert (
        code == 1
        and "Nothing was sent" in err
        and "'https://shop.example/' will be sent to: shop.example" in err
    )
    assert not server.log
    code, out, err = run_cli(capsys, *argv, "--yes", host=host)
    assert code == 0, err
    assert "hosts contacted: shop.example" in out and "document   https://shop.example/" in out


def test_enable_disable_set_and_network(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "sources", "disable", "web-page")[0] == 0
    _, out, _ = run_cli(capsys, "sources", "list", "--json")
    assert {r["id"]: r["status"] for r in json.loads(out)}["web-page"] == "disabled"
    assert run_cli(capsys, "sources", "set", "web-page", "max_links", "5")[0] == 0
    code, _, err = run_cli(capsys, "sources", "set", "web-page", "max_links", "lots")
    assert code == 1 and "'lots' is not a valid integer" in err
    code, out, _ = run_cli(
        capsys, "sources", "network", "--offline", "on", "--proxy", "socks5h://127.0.0.1:9050"
    )
    assert code == 0 and "offline: on" in out and "socks5h://127.0.0.1:9050" in out
    code, _, err = run_cli(capsys, "sources", "network", "--proxy", "ftp://nope")
    assert code == 1 and "is not a proxy URL" in err
