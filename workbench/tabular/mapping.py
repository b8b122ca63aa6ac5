"""The declarative mapping from a back-end export's columns to entities and links.

    {"name": "vpn-logins", "format": "csv", "delimiter": ",",
     "entities": [{"key": "account", "type": "account", "value": "account"},
                  {"key": "ip", "type": "ip", "value": "ip",
                   "properties": {"country": "country"}}],
     "links": [{"source": "account", "target": "ip", "type": "logged_in_from",
                "timestamp": "login_time", "timestamp_format": "iso",
                "properties": {"user_agent": "user_agent"}}]}

Plain data (JSON or TOML, see `to_dict` / `from_dict`); validated against the vocabulary and,
before an import, against the file's columns, with every problem named by its field.
A link is `aggregate` by default: one link per (source, target) pair with `first_seen`,
`last_seen` and `count` (a million logins are not a million parallel edges); `each_row`
keeps one link per row with its own `timestamp`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workbench.errors import ValidationError
from workbench.vocabulary import Vocabulary

FORMATS = ("auto", "csv", "jsonl")
LINK_MODES = ("aggregate", "each_row")
CONFIDENCES = ("confirmed", "suspected", "refuted")
TIMESTAMP_FORMATS = ("iso", "epoch", "epoch_ms")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
_PROPERTY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")


@dataclass(frozen=True)
class EntityMap:
    """One entity per row: `type` with its value in column `value`."""

    key: str
    type: str
    value: str
    label: str | None = None
    properties: Mapping[str, str] = field(default_factory=dict)  # property -> column
    required: bool = True


@dataclass(frozen=True)
class LinkMap:
    source: str  # EntityMap.key
    target: str
    type: str
    confidence: str = "suspected"
    properties: Mapping[str, str] = field(default_factory=dict)  # property -> column
    timestamp: str | None = None  # column
    timestamp_format: str = "iso"  # iso | epoch | epoch_ms | a strptime pattern
    timezone: str = "UTC"  # for timestamps written without an offset
    mode: str = "aggregate"  # aggregate | each_row


@dataclass(frozen=True)
class TableMapping:
    name: str
    entities: tuple[EntityMap, ...]
    links: tuple[LinkMap, ...] = ()
    description: str = ""
    format: str = "auto"
    delimiter: str | None = None  # None: detected
    encoding: str | None = None  # used when the file is neither UTF-8 nor has a BOM

    # ---- columns -----------------------------------------------------------------------
    def columns(self) -> list[str]:
        """Every column the mapping reads, in a stable order (no duplicates)."""
        seen: dict[str, None] = {}
        for entity in self.entities:
            for column in (entity.value, entity.label, *entity.properties.values()):
                if column:
                    seen.setdefault(column, None)
        for link in self.links:
            for column in (link.timestamp, *link.properties.values()):
                if column:
                    seen.setdefault(column, None)
        return list(seen)

    def missing_columns(self, available: Iterable[str]) -> list[str]:
        have = set(available)
        return [column for column in self.columns() if column not in have]

    def entity(self, key: str) -> EntityMap:
        for entity in self.entities:
            if entity.key == key:
                return entity
        raise KeyError(key)

    # ---- validation --------------------------------------------------------------------
    def validate(self, vocabulary: Vocabulary) -> TableMapping:
        """Raise ValidationError listing every problem (field: problem); returns self."""
        problems: list[str] = []
        if not self.name.strip():
            problems.append("name: empty; give the mapping a name (e.g. vpn-logins)")
        if self.format not in FORMATS:
            problems.append(f"format: {self.format!r} is not one of {', '.join(FORMATS)}")
        if self.delimiter is not None and self.delimiter not in DELIMITERS:
            named = ", ".join(repr(d) for d in DELIMITERS)
            problems.append(f"delimiter: {self.delimiter!r} is not one of {named}")
        if self.encoding:
            try:
                "".encode(self.encoding)
            except LookupError:
                problems.append(f"encoding: {self.encoding!r} is not a known encoding")
        if not self.entities:
            problems.append("entities: none; map at least one column to an entity")
        keys: set[str] = set()
        for index, entity in enumerate(self.entities):
            where = f"entities[{index}]"
            if not _KEY.match(entity.key):
                problems.append(f"{where}.key: {entity.key!r} must be a short name (a-z, 0-9, _)")
            elif entity.key in keys:
                problems.append(f"{where}.key: {entity.key!r} is used twice")
            keys.add(entity.key)
            if entity.type not in vocabulary.entity_types:
                known = ", ".join(sorted(vocabulary.entity_types))
                problems.append(f"{where}.type: unknown entity type {entity.type!r} ({known})")
            if not entity.value:
                problems.append(f"{where}.value: name the column holding the value")
            problems += _property_problems(f"{where}.properties", entity.properties)
        for index, link in enumerate(self.links):
            where = f"links[{index}]"
            for end in ("source", "target"):
                if getattr(link, end) not in keys:
                    problems.append(
                        f"{where}.{end}: {getattr(link, end)!r} is not an entity key of this "
                        f"mapping ({', '.join(sorted(keys)) or 'none'})"
                    )
            if link.source == link.target:
                problems.append(f"{where}: a link needs two different entities")
            if link.type not in vocabulary.link_types:
                known = ", ".join(sorted(vocabulary.link_types))
                problems.append(f"{where}.type: unknown link type {link.type!r} ({known})")
            if link.confidence not in CONFIDENCES:
                known = ", ".join(CONFIDENCES)
                problems.append(f"{where}.confidence: {link.confidence!r} is not one of {known}")
            if link.mode not in LINK_MODES:
                problems.append(
                    f"{where}.mode: {link.mode!r} is not one of {', '.join(LINK_MODES)}"
                )
            if link.timestamp_format not in TIMESTAMP_FORMATS and "%" not in link.timestamp_format:
                problems.append(
                    f"{where}.timestamp_format: {link.timestamp_format!r} is not iso, epoch, "
                    "epoch_ms or a strptime pattern such as %d/%m/%Y %H:%M:%S"
                )
            try:
                ZoneInfo(link.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                problems.append(f"{where}.timezone: {link.timezone!r} is not a time zone name")
            reserved = {"first_seen", "last_seen", "count", "timestamp"} & set(link.properties)
            if reserved:
                problems.append(f"{where}.properties: {sorted(reserved)} are set by the import")
            problems += _property_problems(f"{where}.properties", link.properties)
        if problems:
            raise ValidationError(
                f"Mapping {self.name or '(unnamed)'!r} has {len(problems)} problem(s):\n  - "
                + "\n  - ".join(problems)
            )
        return self

    # ---- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.description:
            data["description"] = self.description
        data["format"] = self.format
        if self.delimiter is not None:
            data["delimiter"] = self.delimiter
        if self.encoding:
            data["encoding"] = self.encoding
        data["entities"] = [_entity_dict(entity) for entity in self.entities]
        data["links"] = [_link_dict(link) for link in self.links]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TableMapping:
        """Build from plain data; raises ValidationError naming the field for bad shapes."""
        if not isinstance(data, Mapping):
            raise ValidationError("A mapping is a JSON object / TOML table.")
        reader = _Reader(data, "")
        entities = tuple(
            _entity_from(_Reader(e, f"entities[{i}]"))
            for i, e in enumerate(reader.list("entities"))
        )
        links = tuple(
            _link_from(_Reader(e, f"links[{i}]")) for i, e in enumerate(reader.list("links"))
        )
        delimiter = reader.text("delimiter", None)
        mapping = cls(
            name=reader.text("name", "") or "",
            description=reader.text("description", "") or "",
            format=reader.text("format", "auto") or "auto",
            delimiter={"\\t": "\t", "tab": "\t"}.get(delimiter or "", delimiter),
            encoding=reader.text("encoding", None),
            entities=entities,
            links=links,
        )
        reader.finish()
        return mapping

    @classmethod
    def from_toml(cls, text: str) -> TableMapping:
        try:
            return cls.from_dict(tomllib.loads(text))
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(f"The mapping is not valid TOML: {exc}.") from exc

    def to_toml(self) -> str:
        return _toml(self.to_dict())


def _property_problems(where: str, properties: Mapping[str, str]) -> list[str]:
    problems = []
    for name, column in properties.items():
        if not _PROPERTY.match(name):
            problems.append(f"{where}: property name {name!r} must be a-z, 0-9, _")
        if not isinstance(column, str) or not column:
            problems.append(f"{where}.{name}: name the column holding the value")
    return problems


def _entity_dict(entity: EntityMap) -> dict[str, Any]:
    data: dict[str, Any] = {"key": entity.key, "type": entity.type, "value": entity.value}
    if entity.label:
        data["label"] = entity.label
    if entity.properties:
        data["properties"] = dict(entity.properties)
    if not entity.required:
        data["required"] = False
    return data


def _link_dict(link: LinkMap) -> dict[str, Any]:
    data: dict[str, Any] = {"source": link.source, "target": link.target, "type": link.type}
    data["confidence"] = link.confidence
    data["mode"] = link.mode
    if link.timestamp:
        data["timestamp"] = link.timestamp
        data["timestamp_format"] = link.timestamp_format
        data["timezone"] = link.timezone
    if link.properties:
        data["properties"] = dict(link.properties)
    return data


class _Reader:
    """Typed access to one table of plain data that reports unknown and mistyped fields."""

    def __init__(self, data: Any, where: str):
        if not isinstance(data, Mapping):
            raise ValidationError(f"{where or 'mapping'}: expected a table/object.")
        self.data = data
        self.where = where
        self.used: set[str] = set()

    def _name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def text(self, key: str, default: str | None) -> str | None:
        self.used.add(key)
        value = self.data.get(key, default)
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"Mapping field {self._name(key)}: expected text, got {value!r}.")
        return value

    def flag(self, key: str, default: bool) -> bool:
        self.used.add(key)
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise ValidationError(f"Mapping field {self._name(key)}: expected true or false.")
        return value

    def columns(self, key: str) -> dict[str, str]:
        self.used.add(key)
        value = self.data.get(key, {})
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ValidationError(
                f'Mapping field {self._name(key)}: expected property = "column" pairs.'
            )
        return dict(value)

    def list(self, key: str) -> Sequence[Any]:
        self.used.add(key)
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise ValidationError(f"Mapping field {self._name(key)}: expected a list.")
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise ValidationError(
                f"Mapping {self.where or 'top level'}: unknown field(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(self.used))}."
            )


def _entity_from(reader: _Reader) -> EntityMap:
    entity = EntityMap(
        key=reader.text("key", "") or "",
        type=reader.text("type", "") or "",
        value=reader.text("value", "") or "",
        label=reader.text("label", None) or None,
        properties=reader.columns("properties"),
        required=reader.flag("required", True),
    )
    reader.finish()
    return entity


def _link_from(reader: _Reader) -> LinkMap:
    link = LinkMap(
        source=reader.text("source", "") or "",
        target=reader.text("target", "") or "",
        type=reader.text("type", "") or "",
        confidence=reader.text("confidence", "suspected") or "suspected",
        properties=reader.columns("properties"),
        timestamp=reader.text("timestamp", None) or None,
        timestamp_format=reader.text("timestamp_format", "iso") or "iso",
        timezone=reader.text("timezone", "UTC") or "UTC",
        mode=reader.text("mode", "aggregate") or "aggregate",
    )
    reader.finish()
    return link


# ---- TOML writing (the standard library only reads TOML) ------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        escaped = escaped.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
        return f'"{escaped}"'
    if isinstance(value, Mapping):
        return (
            "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
        )
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def _toml(data: Mapping[str, Any]) -> str:
    lines = [
        f"{key} = {_toml_value(value)}"
        for key, value in data.items()
        if not isinstance(value, list)
    ]
    for key, value in data.items():
        if isinstance(value, list):
            for item in value:
                lines += ["", f"[[{key}]]"]
                lines += [f"{k} = {_toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"
