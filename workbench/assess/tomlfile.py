"""Reading TOML data files with errors that name the file and the line.

`read_toml` turns a syntax error into a TemplateError with its line and column; `TomlFile`
offers typed accessors whose schema errors point at the line of the offending key (via
`tomlpos.KeyLines`). Used for assessment templates and the legal-basis list.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from workbench.assess.errors import TemplateError
from workbench.assess.templates import Origin
from workbench.assess.tomlpos import KeyLines, KeyPath

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
RESERVED_IDS = frozenset({"and", "or", "not", "in", "within", "count", "unknown"})
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)")


def read_toml(path: Path) -> tuple[dict[str, Any], KeyLines]:
    """Parse a TOML file; a syntax error becomes a TemplateError with its line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(path, None, f"cannot read the file: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        line: int | None = None
        if match:
            line = int(match.group(1))
            message = (
                message[: match.start()] + message[match.end() :] + f" (column {match.group(2)})"
            )
        elif "end of document" in message:
            line = max(1, len(text.splitlines()))
        raise TemplateError(path, line, f"TOML syntax error: {message.strip()}") from exc
    return data, KeyLines(text)


class TomlFile:
    """One parsed file with typed accessors whose errors name the file and the line."""

    def __init__(self, path: Path, data: dict[str, Any], lines: KeyLines):
        self.path = path
        self.data = data
        self.lines = lines

    def error(self, key_path: KeyPath, message: str) -> TemplateError:
        return TemplateError(self.path, self.lines.line(*key_path), message)

    def origin(self, key_path: KeyPath) -> Origin:
        return Origin(self.path, self.lines.line(*key_path))

    def table(self, value: Any, key_path: KeyPath, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(key_path, f"{what} must be a table, not {type(value).__name__}")
        return value

    def keys(
        self, table: dict[str, Any], key_path: KeyPath, allowed: tuple[str, ...], what: str
    ) -> None:
        for key in table:
            if key not in allowed:
                raise self.error(
                    (*key_path, key),
                    f"unknown key {key!r} in {what}; valid keys: {', '.join(allowed)}",
                )

    def text(
        self, table: dict[str, Any], key: str, key_path: KeyPath, what: str, required: bool = False
    ) -> str:
        if key not in table:
            if required:
                raise self.error(key_path, f'{what} needs {key} = "..."')
            return ""
        value = table[key]
        if not isinstance(value, str):
            raise self.error((*key_path, key), f"{what}: {key} must be text, not {value!r}")
        if required and not value.strip():
            raise self.error((*key_path, key), f"{what}: {key} is empty")
        return value

    def flag(self, table: dict[str, Any], key: str, key_path: KeyPath, what: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise self.error((*key_path, key), f"{what}: {key} must be true or false")
        return value

    def number(
        self, table: dict[str, Any], key: str, key_path: KeyPath, what: str, minimum: float
    ) -> float | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self.error(
                (*key_path, key), f"{what}: {key} must be a number >= {minimum:g}, not {value!r}"
            )
        return float(value)

    def texts(
        self, table: dict[str, Any], key: str, key_path: KeyPath, what: str
    ) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error((*key_path, key), f"{what}: {key} must be a list of text")
        return tuple(value)

    def check_id(self, value: str, key_path: KeyPath, what: str) -> None:
        if not ID_PATTERN.match(value) or value in RESERVED_IDS:
            raise self.error(
                key_path,
                f"{what} id {value!r} must be lower-case letters, digits and _ (starting with a "
                f"letter) and not one of {', '.join(sorted(RESERVED_IDS))}",
            )
