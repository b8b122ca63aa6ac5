"""Rendering the report context as HTML, Markdown and JSON (PDF is HTML through the renderer
the UI registers, see `workbench.report.pdf`).

JSON carries every row. HTML, Markdown and PDF cap long tables at TABLE_CAP rows and say so
("first N of M; the full list is in the JSON or CSV export"): a 50,000-entity case gives a
readable document of bounded size instead of a 2,000-page one.
"""

from __future__ import annotations

import json
from typing import Any

from workbench.report.graphsvg import render_svg
from workbench.report.templates import labels, render_template

TABLE_CAP = 500
GRAPH_IMAGE = "report-graph.png"  # resource name the PDF renderer fills with the raster
BODY_FONT = "IPAPGothic, IPAGothic, DejaVu Sans, sans-serif"


def _colours() -> dict[str, str]:
    from workbench.vocabulary import default_vocabulary

    return {name: t.colour for name, t in default_vocabulary().entity_types.items()}


def _table(rows: list[dict[str, Any]] | None) -> dict[str, Any]:
    rows = rows or []
    return {"rows": rows[:TABLE_CAP], "total": len(rows), "capped": len(rows) > TABLE_CAP}


def graph_svg(context: dict[str, Any]) -> str:
    """The case graph picture of a context as SVG text ('' when the section is off)."""
    pic = context.get("graph")
    if not pic or not pic["nodes"]:
        return ""
    return render_svg(pic, _colours(), BODY_FONT)


def _variables(context: dict[str, Any], *, for_pdf: bool) -> dict[str, Any]:
    text = labels("report", context["cover"]["lang"])
    evidence = context.get("evidence") or {"items": [], "custody_available": True}
    return {
        "r": context,
        "t": text,
        "sections": set(context["sections"]),
        "entities": _table(context.get("entities")),
        "links": _table(context.get("links")),
        "evidence": {
            **_table(evidence["items"]),
            "custody_available": evidence["custody_available"],
        },
        "timeline": _table(context.get("timeline")),
        "for_pdf": for_pdf,
        "graph_svg": "" if for_pdf else graph_svg(context),
        "graph_image": GRAPH_IMAGE,
        "body_font": BODY_FONT,
        # long tables as several tables of this many rows: Qt lays out and paints many
        # small tables much faster than one huge one (the PDF path)
        "chunk_rows": 50,
    }


def render_html(context: dict[str, Any], *, for_pdf: bool = False) -> str:
    """Standalone HTML (graph as inline SVG), or the variant the PDF renderer lays out (the
    graph as an image resource it rasterises at print resolution)."""
    from markupsafe import Markup

    variables = _variables(context, for_pdf=for_pdf)
    variables["graph_svg"] = Markup(variables["graph_svg"])  # built by render_svg, escaped there
    return render_template("report/case_summary.html.j2", variables, autoescape=True)


def render_markdown(context: dict[str, Any]) -> str:
    return render_template(
        "report/case_summary.md.j2", _variables(context, for_pdf=False), autoescape=False
    )


def render_json(context: dict[str, Any]) -> str:
    return json.dumps(context, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
