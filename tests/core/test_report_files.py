"""Writing report files: capped big cases, audited generation, and clean failures (broken
template, unwritable destination, no PDF renderer, renderer crash) that leave no file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.audit import iter_events
from workbench.cli import main as cli_main
from workbench.errors import NotFoundError
from workbench.report import (
    PdfUnavailableError,
    ReportOptions,
    ReportTemplateError,
    build_context,
    generate_report,
    render_report,
    set_pdf_renderer,
)
from workbench.report import render as render_module
from workbench.report.context import SECTIONS
from workbench.report.output import OutputError
from workbench.store.graph import EntitySpec
from workbench.store.workspace import Workspace

from .test_report_case import (
    decided_case,
)

TEXT_FORMATS = ("html", "md", "json")


@pytest.fixture(autouse=True)
def _no_pdf_renderer() -> None:
    set_pdf_renderer(None)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, str]]:
    """One worked case for the module (building it takes seconds); tests only add reports."""
    folder = tmp_path_factory.mktemp("report-case")
    workspace = Workspace.open(folder / "ws", actor="analyst.test")
    case = decided_case(workspace, folder)
    yield workspace, case.id
    workspace.close()


@pytest.fixture
def shared(built: tuple[Workspace, str]) -> Workspace:
    return built[0]


@pytest.fixture
def case_id(built: tuple[Workspace, str]) -> str:
    return built[1]


def test_long_tables_are_capped_in_documents_but_complete_in_json(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = ws.cases.create("Big")
    ws.graph.add_entities_bulk(
        case.id, [EntitySpec("ip", f"10.0.{i // 250}.{i % 250}") for i in range(40)]
    )
    monkeypatch.setattr(render_module, "TABLE_CAP", 15)
    context = build_context(ws, case.id, ReportOptions(sections=("entities", "graph")))
    html = str(render_report(context, "html"))
    assert "First 15 of 40 shown; the full list is in the JSON or CSV export." in html
    assert html.count("<td>ip</td>") == 15
    assert len(json.loads(str(render_report(context, "json")))["entities"]) == 40
    assert context["graph"]["shown"] == 40 and context["graph"]["positions"] == "computed"


def test_fifty_thousand_entities_give_a_bounded_document(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50,000 entities and 50,000 links through redaction, context and rendering. The rows
    are made in memory (the bulk insert of that many rows is the store's benchmark, not this
    test's subject); everything after reading them is the real path."""
    from workbench.report import context as context_module

    case = ws.cases.create("Huge")
    real_gather = context_module.gather

    def big_gather(workspace: Workspace, case_id: str) -> dict[str, object]:
        data = real_gather(workspace, case_id)
        row = {"properties": {}, "created_by": "x", "created_at": None, "x": None, "y": None}
        data["entities"] = [
            {**row, "id": f"e{i}", "type": "account", "value": f"user_{i:05d}",
             "label": f"user_{i:05d}", "provenance": []}
            for i in range(50_000)
        ]  # fmt: skip
        data["links"] = [
            {"id": f"l{i}", "source_id": f"e{i}", "target_id": f"e{(i * 7) % 50_000}",
             "type": "related_to", "confidence": "suspected", "grading": "", "properties": {},
             "created_by": "x", "created_at": None, "provenance": []}
            for i in range(50_000)
        ]  # fmt: skip
        return data

    monkeypatch.setattr(context_module, "gather", big_gather)
    target = tmp_path / "huge.html"
    done = generate_report(ws, case.reference, "html", target, ReportOptions(profile="qa"))
    html = target.read_text(encoding="utf-8")
    assert "First 500 of 50000 shown" in html
    assert len(html) < 3_000_000
    assert "user_00042" not in html  # qa profile: values withheld even at scale
    assert done.context["graph"]["shown"] == 120 and done.context["graph"]["total"] == 50_000


def test_generation_is_audited_with_manifest_and_profile(
    shared: Workspace, case_id: str, tmp_path: Path
) -> None:
    done = generate_report(
        shared, case_id, "json", tmp_path / "r.json", ReportOptions(profile="le")
    )
    assert json.loads(done.path.read_text(encoding="utf-8"))["manifest"]["sha256"] == (
        done.manifest_sha256
    )
    with shared.read() as conn:
        event = next(e for e in iter_events(conn, case_id) if e.action == "report.generate")
    assert event.summary["manifest_sha256"] == done.manifest_sha256
    assert event.summary["profile"] == "le" and event.summary["format"] == "json"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _report_events(shared: Workspace, case_id: str) -> int:
    with shared.read() as conn:
        return sum(1 for e in iter_events(conn, case_id) if e.action == "report.generate")


def test_broken_user_template_names_file_and_line_and_writes_nothing(
    shared: Workspace, case_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = tmp_path / "user-templates"
    (user / "report").mkdir(parents=True)
    (user / "report" / "case_summary.html.j2").write_text(
        "<h1>{{ r.cover.reference }}</h1>\n{% for x in r.entities %}\n{{ x.value\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("WORKBENCH_TEMPLATES", str(user))
    events = _report_events(shared, case_id)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ReportTemplateError, match=r"case_summary\.html\.j2, line \d"):
        generate_report(shared, case_id, "html", out / "r.html", ReportOptions())
    assert _leftovers(out) == [] and _report_events(shared, case_id) == events
    # a template that fails while rendering (not while parsing) is caught too
    (user / "report" / "case_summary.html.j2").write_text("{{ r.no_such_key.x }}", "utf-8")
    with pytest.raises(ReportTemplateError, match="no_such_key"):
        generate_report(shared, case_id, "html", out / "r.html", ReportOptions())
    assert _leftovers(out) == []


@pytest.mark.parametrize(
    "target",
    ["/proc/wb-report.html", "missing-folder/r.html", "."],
    ids=["read-only-filesystem", "missing-folder", "a-folder"],
)
def test_unwritable_destination_is_a_clear_error(
    shared: Workspace, case_id: str, tmp_path: Path, target: str
) -> None:
    path = Path(target) if target.startswith("/") else tmp_path / target
    before, events = _leftovers(tmp_path), _report_events(shared, case_id)
    with pytest.raises(OutputError, match="Cannot write"):
        generate_report(shared, case_id, "html", path, ReportOptions())
    assert _leftovers(tmp_path) == before and _report_events(shared, case_id) == events


def test_pdf_without_a_renderer_says_why_and_writes_nothing(
    shared: Workspace, case_id: str, tmp_path: Path
) -> None:
    with pytest.raises(PdfUnavailableError, match="choose --format html"):
        generate_report(shared, case_id, "pdf", tmp_path / "r.pdf", ReportOptions())
    assert not (tmp_path / "r.pdf").exists()


def test_renderer_failure_leaves_no_file(shared: Workspace, case_id: str, tmp_path: Path) -> None:
    def broken(document: object, path: Path) -> None:
        path.write_bytes(b"%PDF-1.4 half")
        raise RuntimeError("renderer crashed")

    set_pdf_renderer(broken)
    with pytest.raises(RuntimeError):
        generate_report(shared, case_id, "pdf", tmp_path / "out.pdf", ReportOptions())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith((".out", "out"))] == []


def test_bad_options_are_refused(shared: Workspace, case_id: str, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="Unknown report section"):
        build_context(shared, case_id, ReportOptions(sections=("entities", "gossip")))
    with pytest.raises(Exception, match="Unknown time zone"):
        build_context(shared, case_id, ReportOptions(zone="Mars/Olympus"))
    with pytest.raises(NotFoundError):
        generate_report(shared, "WB-1999-9999", "html", tmp_path / "x.html", ReportOptions())


def test_cli_report_and_sections(
    shared: Workspace, case_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = shared.cases.get(case_id).reference
    folder = str(shared.root)
    target = tmp_path / "r.json"
    code = cli_main(
        [
            "report",
            reference,
            "--workspace",
            folder,
            "--format",
            "json",
            "--profile",
            "qa",
            "--lang",
            "ja",
            "--sections",
            "timeline,audit",
            "-o",
            str(target),
        ]
    )
    assert code == 0, capsys.readouterr().err
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["sections"] == ["timeline", "audit"] and "entities" not in data
    assert data["cover"]["lang"] == "ja" and "Manifest SHA-256" in capsys.readouterr().out
    code = cli_main(["report", reference, "--workspace", folder, "-o", str(tmp_path / "r.pdf")])
    assert code == 1 and "PDF output needs" in capsys.readouterr().err
    assert set(SECTIONS) >= {"timeline", "audit"}
