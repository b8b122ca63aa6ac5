"""Case summary reports and response letters (see docs/reports.md).

One report context (plain dicts) is built from the case and redacted for its profile; HTML,
Markdown, JSON and PDF all render that context. PDF layout needs Qt, which the core may not
import: the UI registers a renderer with `workbench.report.pdf.set_pdf_renderer`.
"""

from workbench.report.context import SECTIONS, ReportOptions, build_context, verify_manifest
from workbench.report.letters import KINDS, LETTER_FORMATS, build_letter, render_letter
from workbench.report.pdf import PdfDocument, PdfUnavailableError, set_pdf_renderer
from workbench.report.redact import PROFILES
from workbench.report.service import (
    REPORT_FORMATS,
    Generated,
    generate_letter,
    generate_report,
    render_report,
)
from workbench.report.templates import LANGS, ReportTemplateError

__all__ = [
    "KINDS",
    "LANGS",
    "LETTER_FORMATS",
    "PROFILES",
    "REPORT_FORMATS",
    "SECTIONS",
    "Generated",
    "PdfDocument",
    "PdfUnavailableError",
    "ReportOptions",
    "ReportTemplateError",
    "build_context",
    "build_letter",
    "generate_letter",
    "generate_report",
    "render_letter",
    "render_report",
    "set_pdf_renderer",
    "verify_manifest",
]
