"""Response letters: four kinds in four languages, local dates, the legal basis of the
decision, refusals when the record does not support a letter, audited generation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from workbench.assess.model import DecisionOption
from workbench.audit import iter_events
from workbench.errors import ValidationError
from workbench.report import build_letter, generate_letter, render_letter
from workbench.report.templates import local_date
from workbench.store.workspace import Workspace

from .test_report_case import REVIEWER, SECRET_APPROVAL, SECRET_RATIONALE, decided_case

NOV_22 = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, str, str]]:
    """A case decided for disclosure, and one decided to redirect to legal process."""
    folder = tmp_path_factory.mktemp("letter-case")
    workspace = Workspace.open(folder / "ws", actor="analyst.test")
    disclosed = decided_case(workspace, folder)
    redirected = decided_case(
        workspace,
        folder,
        options=(DecisionOption.REDIRECT_LEGAL_PROCESS, DecisionOption.PRESERVE_DATA),
    )
    yield workspace, disclosed.id, redirected.id
    workspace.close()


@pytest.fixture
def built(cases: tuple[Workspace, str, str]) -> tuple[Workspace, str]:
    return cases[0], cases[1]


def test_local_date_formats() -> None:
    assert local_date(NOV_22, "en") == "22 November 2026"
    assert local_date(NOV_22, "ja") == "2026年11月22日"
    assert local_date(NOV_22, "es") == "22 de noviembre de 2026"
    assert local_date(NOV_22, "pt") == "22 de novembro de 2026"


@pytest.mark.parametrize("lang", ["en", "ja", "es", "pt"])
@pytest.mark.parametrize("kind", ["disclosure", "decline", "more-info", "preservation"])
def test_every_kind_in_every_language(
    cases: tuple[Workspace, str, str], kind: str, lang: str
) -> None:
    ws, disclosed, redirected = cases
    case_id = redirected if kind == "decline" else disclosed
    letter = build_letter(ws, case_id, kind, lang, now=NOV_22)
    html = render_letter(letter, "html")
    md = render_letter(letter, "md")
    date = {"en": "22 November 2026", "ja": "2026年11月22日", "es": "22 de noviembre de 2026"}
    expected_date = date.get(lang, "22 de novembro de 2026")
    for text in (html, md):
        assert expected_date in text
        assert letter["case"]["reference"] in text
        assert "18 U.S.C. 2702(c)(4)" in text  # legal basis of the decision record
        for secret in (SECRET_RATIONALE, SECRET_APPROVAL, REVIEWER):
            assert secret not in text
    if kind == "disclosure":
        scope = {
            "en": "basic subscriber information",
            "ja": "基本契約者情報",
            "es": "datos básicos del abonado",
            "pt": "dados cadastrais básicos",
        }[lang]
        assert scope in html
    if kind == "preservation":
        assert letter["preservation"]["expires_text"] in html
    if lang == "ja":
        assert "緊急" in html


def test_html_letters_escape_values(built: tuple[Workspace, str]) -> None:
    ws, case_id = built
    letter = build_letter(ws, case_id, "more-info", "en")
    letter["recipient"]["agency"] = "<script>alert(1)</script>"
    html = render_letter(letter, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_letters_the_record_does_not_support_are_refused(ws: Workspace, tmp_path: Path) -> None:
    bare = ws.cases.create("No requester yet")
    with pytest.raises(ValidationError, match="no requester on record"):
        build_letter(ws, bare.id, "decline", "en")
    pending = decided_case(ws, tmp_path, approved=False)
    with pytest.raises(ValidationError, match="second approver"):
        build_letter(ws, pending.id, "disclosure", "en")
    with pytest.raises(ValidationError, match="Unknown letter kind"):
        build_letter(ws, pending.id, "apology", "en")
    with pytest.raises(ValidationError, match="Unknown language"):
        build_letter(ws, pending.id, "decline", "fr")
    target = tmp_path / "letter.md"
    with pytest.raises(ValidationError):
        generate_letter(ws, pending.reference, "disclosure", "en", "md", target)
    assert not target.exists()


def test_generated_letter_is_audited(built: tuple[Workspace, str], tmp_path: Path) -> None:
    ws, case_id = built
    done = generate_letter(ws, case_id, "preservation", "es", "md", tmp_path / "carta.md")
    assert "Confirmamos que los datos" in done.path.read_text(encoding="utf-8")
    with ws.read() as conn:
        event = next(e for e in iter_events(conn, case_id) if e.action == "letter.generate")
    assert event.summary["manifest_sha256"] == done.manifest_sha256
    assert event.summary["kind"] == "preservation" and event.summary["lang"] == "es"


def test_a_decline_letter_that_contradicts_the_decision_is_refused(
    cases: tuple[Workspace, str, str],
) -> None:
    ws, disclosed, redirected = cases
    with pytest.raises(ValidationError, match="decline letter would contradict it"):
        build_letter(ws, disclosed, "decline", "en")
    assert build_letter(ws, redirected, "decline", "en")["kind"] == "decline"
