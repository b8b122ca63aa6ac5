"""Loading assessment templates from TOML: includes, schema checks, errors with file and line.

A template is a top-level `*.toml` in a template folder with a `[template]` table. It may
`include = [...]` other files (paths relative to the including file, else to the shipped
template folder); included files are read first, a file included twice is read once, and a
file that includes itself through any chain is an error. Fragments live in sub-folders.

Template folders, in order: the shipped `resources/assessments/`, then the organisation's
folder ($WORKBENCH_ASSESSMENT_DIR, else `user_config_dir("osint-workbench")/assessments`).
A user template with the same id as a shipped one replaces it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from workbench.assess.errors import TemplateError
from workbench.assess.template_builder import (
    CONTEXT_KEYS,
    DECISION_KEYS,
    FACTOR_KEYS,
    LEVEL_KEYS,
    RAISE_KEYS,
    RULE_ID_PATTERN,
    RULE_KEYS,
    SECTION_KEYS,
    TEMPLATE_ID_PATTERN,
    TEMPLATE_KEYS,
    TIERS_KEYS,
    TOP_KEYS,
    TRACK_KEYS,
    TemplateBuilder,
)
from workbench.assess.templates import Template
from workbench.assess.tomlfile import read_toml
from workbench.errors import NotFoundError
from workbench.paths import resources_dir

# Reading one file is `template_builder.py`; its schema constants are importable from here too.
__all__ = [
    "CONTEXT_KEYS",
    "DECISION_KEYS",
    "DEFAULT_TEMPLATE_ID",
    "FACTOR_KEYS",
    "LEVEL_KEYS",
    "RAISE_KEYS",
    "RULE_ID_PATTERN",
    "RULE_KEYS",
    "SECTION_KEYS",
    "TEMPLATE_ID_PATTERN",
    "TEMPLATE_KEYS",
    "TIERS_KEYS",
    "TOP_KEYS",
    "TRACK_KEYS",
    "USER_DIR_ENV",
    "TemplateRegistry",
    "builtin_template_dir",
    "check_path",
    "is_template_file",
    "load_template",
    "user_template_dir",
]

USER_DIR_ENV = "WORKBENCH_ASSESSMENT_DIR"
DEFAULT_TEMPLATE_ID = "threat-spj"


def builtin_template_dir() -> Path:
    return resources_dir() / "assessments"


def user_template_dir() -> Path:
    """$WORKBENCH_ASSESSMENT_DIR, else the organisation folder in the user config dir."""
    from_env = os.environ.get(USER_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("osint-workbench", appauthor=False)) / "assessments"


def load_template(path: Path | str, *, require_template: bool = True) -> Template:
    """Load and check one template file (with its includes). Raises TemplateError."""
    path = Path(path)
    builder = TemplateBuilder(search_dirs=(builtin_template_dir(),))
    builder.load(path)
    return builder.finish(path, require_template)


def is_template_file(path: Path) -> bool:
    """A top-level file with a [template] table (fragments have none)."""
    try:
        data, _ = read_toml(path)
    except TemplateError:
        return True  # let loading report the syntax error
    return "template" in data


@dataclass
class TemplateRegistry:
    """The templates a user can pick, and the user templates that failed to load."""

    templates: dict[str, Template]
    errors: list[TemplateError]

    @classmethod
    def load(
        cls, builtin_dir: Path | None = None, user_dir: Path | None = None
    ) -> TemplateRegistry:
        """Shipped templates must load (a broken one is an installation error and raises);
        a broken organisation template is reported in `errors` and skipped."""
        templates: dict[str, Template] = {}
        errors: list[TemplateError] = []
        for file in sorted((builtin_dir or builtin_template_dir()).glob("*.toml")):
            template = load_template(file)
            templates[template.id] = template
        folder = user_dir or user_template_dir()
        if folder.is_dir():
            for file in sorted(folder.glob("*.toml")):
                try:
                    template = load_template(file)
                except TemplateError as exc:
                    errors.append(exc)
                    continue
                templates[template.id] = template
        return cls(templates, errors)

    def get(self, template_id: str) -> Template:
        try:
            return self.templates[template_id]
        except KeyError:
            known = ", ".join(sorted(self.templates)) or "none"
            raise NotFoundError(
                f"No assessment template {template_id!r} is installed (available: {known}). "
                f"Put its file in {user_template_dir()} or ask for the template to be restored."
            ) from None

    def default(self) -> Template:
        if DEFAULT_TEMPLATE_ID in self.templates:
            return self.templates[DEFAULT_TEMPLATE_ID]
        if not self.templates:
            raise NotFoundError(f"No assessment templates found in {builtin_template_dir()}.")
        return next(iter(self.templates.values()))


def check_path(path: Path | str) -> tuple[list[Template], list[TemplateError]]:
    """`workbench templates check`: a file (template or fragment) or every template in a folder."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.toml"))
        if not files:
            return [], [TemplateError(path, None, "no *.toml template files in this folder")]
    elif path.is_file():
        files = [path]
    else:
        return [], [TemplateError(path, None, "no such file or folder")]
    loaded: list[Template] = []
    errors: list[TemplateError] = []
    for file in files:
        # In a folder every top-level file is a template (as the registry reads it); a single
        # file without [template] is checked as a fragment.
        require = path.is_dir() or is_template_file(file)
        try:
            loaded.append(load_template(file, require_template=require))
        except TemplateError as exc:
            errors.append(exc)
    return loaded, errors
