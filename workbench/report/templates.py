"""Jinja2 templates of reports and letters: where they are found, the filters they use, the
labels per language, local date formats, and template errors a user can act on.

Templates are looked up first in the user template folder ($WORKBENCH_TEMPLATES, else
`templates/` in the user config folder), then in `resources/templates/`, so a team can
replace one template without touching the installation. HTML is autoescaped; Markdown is
not (it is plain text) but values are passed through `md`, which escapes Markdown syntax.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from workbench.errors import WorkbenchError
from workbench.paths import config_dir, resources_dir
from workbench.timeutil import from_iso

TEMPLATES_ENV = "WORKBENCH_TEMPLATES"
LANGS = ("en", "ja", "es", "pt")
MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    "pt": [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ],
}


class ReportTemplateError(WorkbenchError):
    """A report or letter template is missing or broken; nothing was written."""


def user_templates_dir() -> Path:
    from_env = os.environ.get(TEMPLATES_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return config_dir() / "templates"


def template_dirs() -> list[Path]:
    return [user_templates_dir(), resources_dir() / "templates"]


def template_path(*parts: str) -> Path:
    """A template-folder file, the user's copy first."""
    for folder in template_dirs():
        path = folder.joinpath(*parts)
        if path.is_file():
            return path
    raise ReportTemplateError(
        f"Missing template file {'/'.join(parts)} (looked in "
        f"{', '.join(str(d) for d in template_dirs())}); the installation is incomplete."
    )


def local_date(value: datetime | str, lang: str) -> str:
    """A date as a letter in that language writes it: 22 November 2026, 2026年11月22日,
    22 de noviembre de 2026, 22 de novembro de 2026."""
    moment = from_iso(value) if isinstance(value, str) else value
    if lang == "ja":
        return f"{moment.year}年{moment.month}月{moment.day}日"
    month = MONTHS[lang][moment.month - 1]
    if lang == "en":
        return f"{moment.day} {month} {moment.year}"
    return f"{moment.day} de {month} de {moment.year}"


def when(value: str | None) -> str:
    """An ISO time as `2026-11-22 05:24 UTC` (reports state their zone)."""
    if not value:
        return "—"
    return f"{from_iso(value):%Y-%m-%d %H:%M} UTC"


def size(value: int) -> str:
    amount = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{value} B"


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*[]<>|"})
_MD_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")
_MD_LINE_START = re.compile(r"^([#+\-=>]|\d+\.)")


def md(value: Any) -> str:
    """Escape Markdown syntax (and line breaks, for table cells). An underscore inside a
    word stays as it is (CommonMark never reads it as emphasis), so handles like
    nightowl_rin remain searchable in the file."""
    text = "" if value is None else str(value)
    text = text.translate(_MD_SPECIAL).replace("\r", " ").replace("\n", " ")
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    return _MD_LINE_START.sub(r"\\\1", text)


@lru_cache(maxsize=8)
def _labels(path: Path, mtime: float) -> dict[str, dict[str, str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {lang: {str(k): str(v) for k, v in table.items()} for lang, table in data.items()}


def labels(kind: str, lang: str) -> dict[str, str]:
    """Headings and fixed words of a report or letter, English where a language lacks one."""
    path = template_path(kind, "labels.toml")
    try:
        table = _labels(path, path.stat().st_mtime)
    except tomllib.TOMLDecodeError as exc:
        raise ReportTemplateError(f"{path}: {exc}. Fix the file or delete it.") from exc
    return {**table.get("en", {}), **table.get(lang, {})}


def _environment(autoescape: bool) -> jinja2.Environment:
    return _cached_environment(autoescape, tuple(str(d) for d in template_dirs()))


@lru_cache(maxsize=8)
def _cached_environment(autoescape: bool, folders: tuple[str, ...]) -> jinja2.Environment:
    """One environment per folder list: Jinja keeps compiled templates and recompiles a
    template whose file changed (auto_reload), so edits to user templates still apply."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(folders)),
        auto_reload=True,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        when=when, size=size, md=md, local_date=local_date, split_lines=lambda v: v.splitlines()
    )
    return env


def render_template(name: str, variables: dict[str, Any], *, autoescape: bool) -> str:
    """Render one template; any template problem becomes one error naming file and line."""
    env = _environment(autoescape)
    try:
        return env.get_template(name).render(**variables)
    except jinja2.TemplateNotFound as exc:
        raise ReportTemplateError(
            f"Missing template {exc.name} (looked in "
            f"{', '.join(str(d) for d in template_dirs())}); the installation is incomplete."
        ) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise ReportTemplateError(
            f"Template {exc.filename or exc.name}, line {exc.lineno}: {exc.message}. Fix the "
            f"template or remove your copy from {user_templates_dir()} to use the built-in one."
        ) from exc
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise ReportTemplateError(
            f"Template {name} failed: {type(exc).__name__}: {exc}. Fix the template or remove "
            f"your copy from {user_templates_dir()} to use the built-in one."
        ) from exc
