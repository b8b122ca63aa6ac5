"""Case summary reports: one context for every format, manifest hash, redaction profiles,
honest empty sections, capped big cases, audited generation and clean failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.report import (
    ReportOptions,
    build_context,
    generate_report,
    render_report,
    set_pdf_renderer,
    verify_manifest,
)
from workbench.report.redact import Scrubber
from workbench.store.workspace import Workspace

from .test_report_case import (
    DISCLOSED_VALUES,
    REVIEWER,
    SECRET_APPROVAL,
    SECRET_FACTOR_NOTE,
    SECRET_RATIONALE,
    WITHHELD_VALUES,
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


def outputs(shared: Workspace, case_id: str, profile: str) -> dict[str, str]:
    context = build_context(shared, case_id, ReportOptions(profile=profile))
    return {fmt: str(render_report(context, fmt)) for fmt in TEXT_FORMATS}


def test_every_format_renders_the_same_context_with_its_manifest(
    shared: Workspace, case_id: str
) -> None:
    context = build_context(shared, case_id, ReportOptions())
    digest = context["manifest"]["sha256"]
    assert verify_manifest(context)
    for fmt in TEXT_FORMATS:
        assert digest in str(render_report(context, fmt))
    parsed = json.loads(str(render_report(context, "json")))
    assert parsed == context and verify_manifest(parsed)
    parsed["entities"][0]["value"] = "tampered"
    assert not verify_manifest(parsed)
    html = str(render_report(context, "html"))
    for heading in ("Escalation", "Requester verification", "Timeline of key events", "Case graph"):
        assert heading in html
    assert "<svg" in html and "Audit chain intact" in html
    assert context["cover"]["marking"] == "TLP:AMBER+STRICT"
    assert context["evidence"]["custody_available"] is True
    production = [i for i in context["evidence"]["items"] if i["copy_type"] == "production"]
    assert production and production[0]["custody"]["events"] >= 1
    assert context["assessment"]["trace"] and context["assessment"]["template"]["version"]
    assert context["decision"]["approval_satisfied"] and context["decision"]["approvals"]
    inbound = context["communications"][0]
    assert inbound["direction"] == "in" and "EMERGENCY DISCLOSURE REQUEST" in inbound["subject"]
    whats = [row["what"] for row in context["timeline"]]
    assert "Request received" in whats and "Decision approved (second approver)" in whats


def test_law_enforcement_profile_shows_only_the_approved_disclosure(
    shared: Workspace, case_id: str
) -> None:
    rendered = outputs(shared, case_id, "le")
    secrets = (
        *WITHHELD_VALUES,
        SECRET_RATIONALE,
        SECRET_FACTOR_NOTE,
        SECRET_APPROVAL,
        REVIEWER,
        "NARRATIVE:",
    )
    for fmt, text in rendered.items():
        for value in secrets:
            assert value not in text, (fmt, value)
        for value in DISCLOSED_VALUES:
            assert value in text, (fmt, value)
    context = json.loads(rendered["json"])
    assert context["verification"] is None and context["assessment"] is None
    assert context["audit"]["excerpt"] == [] and context["audit"]["chain"]["ok"]
    assert [i["copy_type"] for i in context["evidence"]["items"]] == ["production"]
    assert context["decision"]["legal_bases"][0]["citation"] == "18 U.S.C. 2702(c)(4)"


def test_law_enforcement_profile_discloses_nothing_before_the_second_approval(
    ws: Workspace, tmp_path: Path
) -> None:
    case = decided_case(ws, tmp_path, approved=False)
    context = build_context(ws, case.id, ReportOptions(profile="le"))
    assert context["entities"] == [] and context["links"] == []
    assert "second approval" in " ".join(context["redaction_notes"])


def test_quality_profile_keeps_the_process_without_personal_data(
    shared: Workspace, case_id: str
) -> None:
    rendered = outputs(shared, case_id, "qa")
    for fmt, text in rendered.items():
        for value in (*WITHHELD_VALUES, *DISCLOSED_VALUES, "Okafor", SECRET_FACTOR_NOTE):
            assert value.casefold() not in text.casefold(), (fmt, value)
    context = json.loads(rendered["json"])
    assert context["assessment"]["trace"] and context["verification"]["checks"]
    assert context["entities"][0]["value"] == "person #1"
    assert context["escalation"]["requester"]["agency"] == "Harbour Police"


def test_internal_profile_keeps_everything(shared: Workspace, case_id: str) -> None:
    text = outputs(shared, case_id, "internal")["json"]
    for value in (*WITHHELD_VALUES[:-2], SECRET_RATIONALE, SECRET_FACTOR_NOTE, REVIEWER):
        assert value in text


def test_scrubber_replaces_withheld_values_but_not_disclosed_ones() -> None:
    scrub = Scrubber(["mailbox.example", "+44 7700 900123"], ["rin@mailbox.example"])
    assert scrub.scrub("call +44 7700 900123 or mail rin@mailbox.example") == (
        "call [redacted] or mail rin@mailbox.example"
    )
    assert scrub.scrub("MAILBOX.EXAMPLE is down") == "[redacted] is down"


def test_empty_case_says_none_recorded(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Nothing yet")
    for profile in ("internal", "qa", "le"):
        context = build_context(ws, case.id, ReportOptions(profile=profile))
        assert context["counts"] == {"entities": 0, "links": 0, "evidence": 0}
        html = str(render_report(context, "html"))
        md = str(render_report(context, "md"))
        assert html.count("None recorded.") >= 6 and md.count("None recorded.") >= 6
    target = tmp_path / "empty.md"
    generate_report(ws, case.reference, "md", target, ReportOptions())
    assert "None recorded." in target.read_text(encoding="utf-8")
