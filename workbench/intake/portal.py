"""Portal exports (JSON, JSON Lines, CSV) to escalations, through a column mapping.

Structured data is held to the channel rules: a row that misses a required field or has a
value that does not parse is rejected with its line number and every reason; the rest of the
file still imports. Columns that map to no field are reported, never guessed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.errors import ValidationError
from workbench.intake import rules as rules_mod
from workbench.intake.identifiers import parse_target
from workbench.intake.model import Channel, DataCategory, Escalation, Target
from workbench.model import Category, Priority
from workbench.paths import resource

NATURE_SYNONYMS = {
    "suicide": Category.SELF_HARM,
    "self-harm": Category.SELF_HARM,
    "self harm": Category.SELF_HARM,
    "selfharm": Category.SELF_HARM,
    "suicidio": Category.SELF_HARM,
    "suicídio": Category.SELF_HARM,
    "自殺": Category.SELF_HARM,
    "threat": Category.THREAT_TO_OTHERS,
    "threat to others": Category.THREAT_TO_OTHERS,
    "violence": Category.THREAT_TO_OTHERS,
    "child": Category.CHILD_AT_RISK,
    "child at risk": Category.CHILD_AT_RISK,
    "child safety": Category.CHILD_AT_RISK,
    "kidnapping": Category.KIDNAPPING_MISSING,
    "missing person": Category.KIDNAPPING_MISSING,
    "missing": Category.KIDNAPPING_MISSING,
    "abduction": Category.KIDNAPPING_MISSING,
    "terrorism": Category.TERRORISM,
    "terror": Category.TERRORISM,
    "other": Category.OTHER,
}
DATA_SYNONYMS = {
    "bsi": DataCategory.BASIC_SUBSCRIBER_INFO,
    "subscriber": DataCategory.BASIC_SUBSCRIBER_INFO,
    "basic subscriber info": DataCategory.BASIC_SUBSCRIBER_INFO,
    "basic subscriber information": DataCategory.BASIC_SUBSCRIBER_INFO,
    "ip": DataCategory.IP_LOGIN_RECORDS,
    "login": DataCategory.IP_LOGIN_RECORDS,
    "ip / log-in records": DataCategory.IP_LOGIN_RECORDS,
    "ip login records": DataCategory.IP_LOGIN_RECORDS,
    "device": DataCategory.DEVICE,
    "location": DataCategory.LOCATION,
    "metadata": DataCategory.NON_CONTENT_METADATA,
    "non-content metadata": DataCategory.NON_CONTENT_METADATA,
    "content": DataCategory.CONTENT,
}
TRUE = {"1", "true", "yes", "y", "x", "sí", "si", "sim", "はい", "verified"}
FALSE = {"0", "false", "no", "n", "", "não", "nao", "いいえ", "unverified"}
SPECIAL_FIELDS = {"external_id", "priority", "title"}


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-./]+", "", name.strip().casefold())


@dataclass
class ColumnMapping:
    """Escalation field -> accepted column names (compared without case, spaces, _ and -)."""

    fields: dict[str, list[str]]

    @classmethod
    def load(cls, path: Path | None = None, extra: list[str] | None = None) -> ColumnMapping:
        data = _read_mapping(resource("intake", "portal_mapping.toml"))
        if path is not None:
            data.update(_read_mapping(path))
        for pair in extra or []:
            column, sep, field_name = pair.rpartition("=")
            if not sep or not column.strip() or not field_name.strip():
                raise ValidationError(
                    f'--map {pair!r} is not "Column name=field" '
                    '(e.g. --map "Officer=requester_name").'
                )
            field_name = field_name.strip()
            _check_field(field_name, "--map")
            data.setdefault(field_name, []).insert(0, column.strip())
        return cls(data)

    def resolve(self, columns: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
        """(column -> field, unmapped columns, notes about conflicts)."""
        lookup: dict[str, str] = {}
        for field_name, names in self.fields.items():
            for name in names:
                lookup.setdefault(_norm(name), field_name)
        mapped: dict[str, str] = {}
        taken: dict[str, str] = {}
        unmapped: list[str] = []
        notes: list[str] = []
        for column in columns:
            found = lookup.get(_norm(column))
            if found is None:
                unmapped.append(column)
                continue
            field_name = found
            if field_name in taken:
                notes.append(
                    f"Columns {taken[field_name]!r} and {column!r} both map to {field_name}; "
                    f"{taken[field_name]!r} is used."
                )
                unmapped.append(column)
            else:
                mapped[column] = field_name
                taken[field_name] = column
        return mapped, unmapped, notes


def _check_field(name: str, where: str) -> None:
    from dataclasses import fields as dc_fields

    known = {f.name for f in dc_fields(Escalation)} | SPECIAL_FIELDS
    if name not in known:
        raise ValidationError(
            f"{where}: unknown field {name!r}; valid fields: {', '.join(sorted(known))}."
        )


def _read_mapping(path: Path) -> dict[str, list[str]]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"Cannot read the column mapping {path}: {exc}") from exc
    fields = data.get("fields")
    if not isinstance(fields, dict):
        raise ValidationError(f'{path}: expected a [fields] table (field = ["Column", ...]).')
    out: dict[str, list[str]] = {}
    for name, columns in fields.items():
        _check_field(name, str(path))
        if isinstance(columns, str):
            columns = [columns]
        if not isinstance(columns, list):
            raise ValidationError(f"{path}: {name} must list column names.")
        out[name] = [str(c) for c in columns]
    return out


@dataclass
class PortalRow:
    line: int
    values: dict[str, Any]


@dataclass
class ParsedRow:
    line: int
    raw: dict[str, Any]
    escalation: Escalation | None = None
    title: str = ""
    priority: Priority | None = None
    external_id: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class PortalFile:
    path: Path
    rows: list[PortalRow]
    columns: list[str]
    warnings: list[str] = field(default_factory=list)


def read_file(path: Path) -> PortalFile:
    suffix = path.suffix.lower()
    data = path.read_bytes()
    warnings: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")
        warnings.append(f"{path.name} is not UTF-8; read as Windows-1252 (Latin-1).")
    if suffix == ".csv":
        rows, columns = _csv_rows(text, path)
    elif suffix in (".jsonl", ".ndjson"):
        rows, columns = _jsonl_rows(text, path)
    else:
        rows, columns = _json_rows(text, path)
    return PortalFile(path, rows, columns, warnings)


def _csv_rows(text: str, path: Path) -> tuple[list[PortalRow], list[str]]:
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError(f"{path.name} is empty: no header row.") from None
    except csv.Error as exc:
        raise ValidationError(f"{path.name} is not valid CSV: {exc}") from exc
    columns = [h.strip() for h in header]
    if not any(columns):
        raise ValidationError(f"{path.name}: the first row (the header) is empty.")
    rows: list[PortalRow] = []
    previous_end = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append(PortalRow(previous_end + 1, {"__error__": f"unreadable CSV: {exc}"}))
            previous_end = reader.line_num
            continue
        start = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        values: dict[str, Any] = {}
        if len(cells) > len(columns):
            values["__error__"] = (
                f"{len(cells)} cells but the header has {len(columns)} columns (a missing quote?)"
            )
        for index, column in enumerate(columns):
            values[column] = cells[index] if index < len(cells) else ""
        rows.append(PortalRow(start, values))
    return rows, columns


def _json_rows(text: str, path: Path) -> tuple[list[PortalRow], list[str]]:
    decoder = json.JSONDecoder()
    stripped = text.lstrip()
    if not stripped:
        raise ValidationError(f"{path.name} is empty.")
    start = len(text) - len(stripped)
    try:
        top, _ = decoder.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from exc
    array_at = start
    if isinstance(top, dict):
        key = next(
            (k for k in ("requests", "items", "data", "records") if isinstance(top.get(k), list)),
            None,
        )
        if key is None:
            raise ValidationError(
                f"{path.name}: expected a list of requests, or an object with a "
                '"requests" (or items/data/records) list.'
            )
        array_at = text.find("[", text.find(f'"{key}"'))
    elif not isinstance(top, list):
        raise ValidationError(f"{path.name}: expected a list of requests at the top level.")
    rows: list[PortalRow] = []
    columns: list[str] = []
    position = array_at + 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            break
        item, end = decoder.raw_decode(text, position)
        line = text.count("\n", 0, position) + 1
        if isinstance(item, dict):
            for key in item:
                if key not in columns:
                    columns.append(key)
            rows.append(PortalRow(line, item))
        else:
            rows.append(PortalRow(line, {"__error__": 'not an object (expected {"field": value})'}))
        position = end
    return rows, columns


def _jsonl_rows(text: str, path: Path) -> tuple[list[PortalRow], list[str]]:
    rows: list[PortalRow] = []
    columns: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append(PortalRow(number, {"__error__": f"not valid JSON ({exc.msg})"}))
            continue
        if not isinstance(item, dict):
            rows.append(PortalRow(number, {"__error__": "not an object"}))
            continue
        columns.extend(k for k in item if k not in columns)
        rows.append(PortalRow(number, item))
    return rows, columns


# ---- values ---------------------------------------------------------------------------------


def parse_time(value: Any) -> tuple[datetime | None, str | None]:
    """(UTC time, warning); raises ValueError for text that is not a time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), UTC), None
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        import email.utils

        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise ValueError(
                f"{text!r} is not a date and time (use ISO 8601, e.g. 2026-11-22T14:03:00Z)"
            ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC), f"{text!r} has no time zone; read as UTC"
    return moment.astimezone(UTC), None


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"{value!r} is not yes/no")


def parse_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in re.split(r"[;\n|]", str(value)) if part.strip()]


def parse_nature(value: Any) -> Category | None:
    text = str(value or "").strip().casefold()
    if not text:
        return None
    try:
        return Category(text.replace(" ", "_").replace("-", "_"))
    except ValueError:
        pass
    if text in NATURE_SYNONYMS:
        return NATURE_SYNONYMS[text]
    valid = ", ".join(c.value for c in Category)
    raise ValueError(f"unknown emergency nature {value!r} (valid: {valid})")


def parse_data_category(value: str) -> DataCategory:
    text = value.strip().casefold()
    try:
        return DataCategory(text.replace(" ", "_"))
    except ValueError:
        pass
    if text in DATA_SYNONYMS:
        return DATA_SYNONYMS[text]
    valid = ", ".join(c.value for c in DataCategory)
    raise ValueError(f"unknown data category {value!r} (valid: {valid})")


def row_to_escalation(
    row: PortalRow, mapping: dict[str, str], now: datetime, source: str
) -> ParsedRow:
    parsed = ParsedRow(row.line, row.values)
    if "__error__" in row.values:
        parsed.errors.append(str(row.values["__error__"]))
    values: dict[str, Any] = {}
    for column, field_name in mapping.items():
        if column in row.values:
            values[field_name] = row.values[column]
    kwargs: dict[str, Any] = {}

    def fail(field_name: str, message: str) -> None:
        parsed.errors.append(f"{rules_mod.label(field_name)} ({field_name}): {message}")

    channel_text = str(values.pop("channel", "") or "portal").strip().casefold()
    try:
        channel = Channel(channel_text)
    except ValueError:
        fail(
            "channel",
            f"unknown channel {channel_text!r}; valid: {', '.join(c.value for c in Channel)}",
        )
        channel = Channel.PORTAL
    received = None
    for time_field in ("received_at", "data_from", "data_to"):
        if time_field in values:
            try:
                moment, warning = parse_time(values.pop(time_field))
            except ValueError as exc:
                fail(time_field, str(exc))
                continue
            if warning:
                parsed.warnings.append(f"{rules_mod.label(time_field)}: {warning}")
            if time_field == "received_at":
                received = moment
            elif moment is not None:
                kwargs[time_field] = moment
    if "emergency_nature" in values:
        try:
            kwargs["emergency_nature"] = parse_nature(values.pop("emergency_nature"))
        except ValueError as exc:
            fail("emergency_nature", str(exc))
    if "targets" in values:
        targets: list[Target] = []
        for item in parse_list(values.pop("targets")):
            try:
                targets.append(parse_target(item))
            except (ValidationError, ValueError) as exc:
                fail("targets", str(exc))
        kwargs["targets"] = tuple(targets)
    if "data_categories" in values:
        categories: list[DataCategory] = []
        for item in parse_list(values.pop("data_categories")):
            try:
                categories.append(parse_data_category(item))
            except ValueError as exc:
                fail("data_categories", str(exc))
        kwargs["data_categories"] = tuple(dict.fromkeys(categories))
    for flag in ("confidentiality_requested", "portal_account_verified"):
        if flag in values:
            try:
                kwargs[flag] = parse_bool(values.pop(flag))
            except ValueError as exc:
                fail(flag, str(exc))
    if "priority" in values:
        text = str(values.pop("priority") or "").strip().upper()
        if text:
            try:
                parsed.priority = Priority(text)
            except ValueError:
                fail("priority", f"{text!r} is not P1-P4")
    parsed.external_id = str(values.pop("external_id", "") or "").strip()
    parsed.title = str(values.pop("title", "") or "").strip()
    for name, value in values.items():
        kwargs[name] = "" if value is None else str(value).strip()
    if received is None:
        fail("received_at", "missing; the export must say when the request was received")
        received = now
    if parsed.errors:
        return parsed
    escalation = Escalation(
        channel=channel,
        received_at=received,
        message_id=f"portal:{parsed.external_id}" if parsed.external_id else "",
        source_ref=f"{source}:{row.line}",
        **kwargs,
    )
    for problem in rules_mod.problems(escalation, now=now):
        if problem.severity == "error":
            parsed.errors.append(
                f"{rules_mod.label(problem.field)} ({problem.field}): {problem.message}"
            )
        else:
            parsed.warnings.append(problem.message)
    if not parsed.errors:
        parsed.escalation = escalation
        if not parsed.title:
            nature = escalation.emergency_nature.value if escalation.emergency_nature else "request"
            who = escalation.agency or escalation.requester_name or "portal"
            parsed.title = f"{nature.replace('_', ' ').capitalize()} request from {who}"
    return parsed
