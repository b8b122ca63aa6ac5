"""The Qt PDF writer: embedded IPA Gothic, an exact Japanese text layer (pdftotext), pages
that render (pdftoppm), redaction that holds in the text layer and the metadata, and a clear
error without the font."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from core.test_report_case import (
    DISCLOSED_VALUES,
    REVIEWER,
    SECRET_APPROVAL,
    SECRET_FACTOR_NOTE,
    SECRET_RATIONALE,
    WITHHELD_VALUES,
    decided_case,
)
from PIL import Image
from pypdf import PdfReader

from ui.report.pdf import PdfFontError, render_pdf
from workbench.report import ReportOptions, generate_letter, generate_report, set_pdf_renderer
from workbench.store.workspace import Workspace

KANGXI = range(0x2F00, 0x2FE0)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, str]]:
    folder = tmp_path_factory.mktemp("pdf-case")
    workspace = Workspace.open(folder / "ws", actor="analyst.test")
    case = decided_case(workspace, folder)
    workspace.graph.add_entity(case.id, "note", "配信で自殺をほのめかす投稿（緊急）")
    yield workspace, case.id
    workspace.close()


@pytest.fixture(autouse=True)
def _qt_renderer(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """pytest-qt's QApplication first: the writer would otherwise create a QGuiApplication,
    and later widget tests in this process could not create a QApplication."""
    set_pdf_renderer(render_pdf)
    yield
    set_pdf_renderer(None)


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_metadata(path: Path) -> str:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    reader = PdfReader(str(path))
    return info.stdout + repr(dict(reader.metadata or {}))


def rendered_pages(path: Path, folder: Path) -> list[Path]:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(path), str(folder / "page")],
        check=True,
        capture_output=True,
    )
    return sorted(folder.glob("page-*.png"))


def ink(png: Path) -> int:
    """Dark pixels on a page: a blank page (missing glyphs, failed layout) has almost none."""
    image = Image.open(png).convert("L")
    return sum(1 for value in image.get_flattened_data() if value < 128)


def test_japanese_text_layer_is_exact(built: tuple[Workspace, str], tmp_path: Path) -> None:
    ws, case_id = built
    target = tmp_path / "ja.pdf"
    generate_report(ws, case_id, "pdf", target, ReportOptions(lang="ja"))
    text = pdf_text(target)
    assert "事案概要報告書" in text and "自殺" in text and "緊急" in text
    assert not [ch for ch in text if ord(ch) in KANGXI]
    fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True).stdout
    assert "IPAPGothic" in fonts and all(
        line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip()
    )  # every font embedded
    pages = rendered_pages(target, tmp_path)
    assert len(pages) >= 3 and all(ink(page) > 20 for page in pages)
    assert ink(pages[0]) > 1000  # the cover


def test_law_enforcement_pdf_hides_withheld_values_in_text_and_metadata(
    built: tuple[Workspace, str], tmp_path: Path
) -> None:
    ws, case_id = built
    target = tmp_path / "le.pdf"
    generate_report(ws, case_id, "pdf", target, ReportOptions(profile="le"))
    text, meta = pdf_text(target), pdf_metadata(target)
    for value in (
        *WITHHELD_VALUES,
        SECRET_RATIONALE,
        SECRET_FACTOR_NOTE,
        SECRET_APPROVAL,
        REVIEWER,
    ):
        assert value not in text and value not in meta, value
    for value in DISCLOSED_VALUES:
        assert value in text, value
    assert "WB-" in meta and "analyst.test" in meta  # title and author are there


@pytest.mark.parametrize("lang", ["ja", "es", "pt", "en"])
def test_letters_render_with_local_dates(
    built: tuple[Workspace, str], tmp_path: Path, lang: str
) -> None:
    ws, case_id = built
    target = tmp_path / f"letter-{lang}.pdf"
    generate_letter(ws, case_id, "disclosure", lang, "pdf", target)
    text = pdf_text(target)
    expected = {"ja": "緊急開示", "es": "Base legal", "pt": "Base legal", "en": "Legal basis"}
    assert expected[lang] in text and "18 U.S.C. 2702(c)(4)" in text
    if lang == "ja":
        assert "年" in text and "月" in text and not [ch for ch in text if ord(ch) in KANGXI]
    assert ink(rendered_pages(target, tmp_path)[0]) > 500


def test_missing_font_is_a_clear_error_and_writes_nothing(
    built: tuple[Workspace, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, case_id = built
    monkeypatch.setenv("WORKBENCH_REPORT_FONT_DIR", str(tmp_path / "no-fonts"))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PdfFontError, match="fonts-ipafont-gothic"):
        generate_report(ws, case_id, "pdf", out / "r.pdf", ReportOptions())
    assert list(out.iterdir()) == []
