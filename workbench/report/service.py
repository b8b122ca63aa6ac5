"""Generating a report or a letter file: build, render, write atomically, audit.

The one entry point of the CLI, the window and the tests. The audit event (manifest hash,
profile, format, language) and the rename of the finished file happen in one transaction:
a file appears only with its event, and a failed render leaves neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.audit import PendingEvent, append_event
from workbench.errors import ValidationError
from workbench.report.context import ReportOptions, build_context
from workbench.report.letters import LETTER_FORMATS, build_letter, letter_title, render_letter
from workbench.report.output import write_atomic, write_text
from workbench.report.pdf import PdfDocument, pdf_renderer
from workbench.report.render import (
    GRAPH_IMAGE,
    graph_svg,
    render_html,
    render_json,
    render_markdown,
)
from workbench.report.templates import labels
from workbench.store.workspace import Workspace

REPORT_FORMATS = ("pdf", "html", "md", "json")


@dataclass(frozen=True)
class Generated:
    path: Path
    manifest_sha256: str
    format: str
    context: dict[str, Any]


def render_report(context: dict[str, Any], fmt: str) -> str | PdfDocument:
    """The report in one format: text, or the PdfDocument a PDF renderer lays out."""
    if fmt == "json":
        return render_json(context)
    if fmt == "md":
        return render_markdown(context)
    if fmt == "html":
        return render_html(context)
    if fmt == "pdf":
        cover = context["cover"]
        text = labels("report", cover["lang"])
        return PdfDocument(
            html=render_html(context, for_pdf=True),
            title=f"{text['title']} {cover['reference']}",
            author=cover["generated_by"],
            subject=f"{cover['marking']} · {cover['profile_text']}",
            footer=f"{cover['marking']} · {cover['reference']} · "
            f"SHA-256 {context['manifest']['sha256'][:16]}",
            lang=cover["lang"],
            graph_svg=graph_svg(context),
            graph_image=GRAPH_IMAGE,
        )
    raise ValidationError(f"Unknown format {fmt!r}; use one of {', '.join(REPORT_FORMATS)}.")


def _producer(rendered: str | PdfDocument) -> Callable[[Path], None]:
    if isinstance(rendered, PdfDocument):
        renderer = pdf_renderer()  # fails before any file is created
        return lambda temp: renderer(rendered, temp)
    return lambda temp: write_text(temp, rendered)


def _publish(ws: Workspace, event: PendingEvent) -> Callable[[Callable[[], None]], None]:
    def publish(rename: Callable[[], None]) -> None:
        with ws.write() as conn:
            append_event(conn, ws.actor, event)
            rename()

    return publish


def generate_report(
    ws: Workspace, case_ref: str, fmt: str, target: Path, options: ReportOptions
) -> Generated:
    if fmt not in REPORT_FORMATS:
        raise ValidationError(f"Unknown format {fmt!r}; use one of {', '.join(REPORT_FORMATS)}.")
    case = ws.cases.resolve(case_ref)
    context = build_context(ws, case.id, options)
    rendered = render_report(context, fmt)
    produce = _producer(rendered)
    digest = context["manifest"]["sha256"]
    event = PendingEvent(
        "report.generate",
        "case",
        case.id,
        case.id,
        {
            "format": fmt,
            "profile": options.profile,
            "lang": options.lang,
            "sections": list(options.sections),
            "manifest_sha256": digest,
            "file": Path(target).name,
        },
    )
    path = write_atomic(Path(target), produce, _publish(ws, event))
    return Generated(path, digest, fmt, context)


def generate_letter(
    ws: Workspace, case_ref: str, kind: str, lang: str, fmt: str, target: Path
) -> Generated:
    if fmt not in LETTER_FORMATS:
        raise ValidationError(
            f"Unknown letter format {fmt!r}; use one of {', '.join(LETTER_FORMATS)}."
        )
    case = ws.cases.resolve(case_ref)
    letter = build_letter(ws, case.id, kind, lang)
    html = render_letter(letter, "md" if fmt == "md" else "html")
    rendered: str | PdfDocument = html
    if fmt == "pdf":
        rendered = PdfDocument(
            html=html,
            title=letter_title(letter),
            author=letter["author"],
            subject=f"{letter['kind']} {letter['case']['reference']}",
            footer=f"{letter['case']['reference']} · {letter['team']}",
            lang=lang,
        )
    produce = _producer(rendered)
    event = PendingEvent(
        "letter.generate",
        "case",
        case.id,
        case.id,
        {
            "kind": kind,
            "lang": lang,
            "format": fmt,
            "profile": "le",
            "recipient": letter["recipient"]["agency"],
            "manifest_sha256": letter["manifest_sha256"],
            "file": Path(target).name,
        },
    )
    path = write_atomic(Path(target), produce, _publish(ws, event))
    return Generated(path, letter["manifest_sha256"], fmt, letter)
