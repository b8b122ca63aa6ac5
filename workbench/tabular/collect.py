"""Phase 1 of an import: map rows to distinct entities and links in memory, reject bad rows.

Built for speed on millions of rows: each column remembers what its raw values resolved to
(an entity, or why the value is refused), so a repeated account or address costs one dict
lookup; entities and link pairs are identity-hashed objects. A row is checked completely
before it counts: a rejected row adds nothing (an entity first seen in a rejected row is
not written unless an accepted row uses it too).
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from workbench.errors import ValidationError
from workbench.store.rows import new_id
from workbench.tabular.mapping import EntityMap, LinkMap, TableMapping
from workbench.vocabulary import Vocabulary

CACHE_LIMIT = 200_000  # raw values remembered per column before its cache is reset
SPOOL_BATCH = 20_000
MAX_DISTINCT_PROPERTY_VALUES = 10


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)
class Entity:
    """A distinct entity of the file (hashed by identity)."""

    id: str
    type: str
    value: str
    normalized: str
    label: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    used: bool = False


@dataclass
class Pair:
    """An aggregated link between two entities."""

    first: datetime | None
    last: datetime | None
    count: int
    properties: dict[str, list[str]]


class _Empty:
    pass


EMPTY = _Empty()


def timestamp_parser(link: LinkMap) -> Callable[[str], datetime]:
    zone = ZoneInfo(link.timezone)
    fmt = link.timestamp_format
    if fmt == "iso":
        parse_iso = datetime.fromisoformat

        def iso(text: str) -> datetime:
            try:
                moment = parse_iso(text)
            except ValueError:
                moment = parse_iso(text.strip())
            return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)

        return iso
    if fmt in ("epoch", "epoch_ms"):
        scale = 1000.0 if fmt == "epoch_ms" else 1.0
        return lambda text: datetime.fromtimestamp(float(text) / scale, UTC)

    def pattern(text: str) -> datetime:
        moment = datetime.strptime(text.strip(), fmt)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)

    return pattern


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def describe_format(fmt: str) -> str:
    return {
        "iso": "ISO 8601, e.g. 2024-03-01T10:11:12+09:00",
        "epoch": "seconds since 1970",
        "epoch_ms": "milliseconds since 1970",
    }.get(fmt, f"the pattern {fmt}")


class EntityColumn:
    """One EntityMap compiled against the row layout."""

    def __init__(
        self,
        spec: EntityMap,
        position: dict[str, int],
        normalise: Callable[[str], str],
        known: dict[str, Entity],
    ):
        self.spec = spec
        self.value_at = position[spec.value]
        self.label_at = position[spec.label] if spec.label else None
        self.props = [(name, position[column]) for name, column in spec.properties.items()]
        self.normalise = normalise
        self.known = known  # shared by every column of the same entity type
        self.cache: dict[str, Entity | str | _Empty] = {}

    def resolve(self, raw: str) -> Entity | str | _Empty:
        """The entity a raw value stands for, EMPTY, or why it is refused (cached)."""
        text = raw.strip()
        result: Entity | str | _Empty
        if not text:
            result = EMPTY
        else:
            try:
                normalized = self.normalise(text)
            except ValidationError as exc:
                result = f"{self.spec.key}: {exc}"
            else:
                entity = self.known.get(normalized)
                if entity is None:
                    entity = Entity(new_id(), self.spec.type, text, normalized)
                    self.known[normalized] = entity
                result = entity
        if len(self.cache) >= CACHE_LIMIT:
            self.cache.clear()
        self.cache[raw] = result
        return result

    def fill(self, entity: Entity, values: Sequence[str]) -> None:
        """Label and properties from an accepted row (the first non-empty value wins)."""
        if not entity.label and self.label_at is not None:
            entity.label = values[self.label_at].strip()
        for name, at in self.props:
            if name not in entity.properties:
                value = values[at].strip()
                if value:
                    entity.properties[name] = value


class LinkColumn:
    def __init__(self, spec: LinkMap, index: int, keys: dict[str, int], position: dict[str, int]):
        self.spec = spec
        self.index = index
        self.source = keys[spec.source]
        self.target = keys[spec.target]
        self.time_at = position[spec.timestamp] if spec.timestamp else None
        self.parse = timestamp_parser(spec) if spec.timestamp else None
        self.props = [(name, position[column]) for name, column in spec.properties.items()]
        self.each_row = spec.mode == "each_row"
        self.pairs: dict[tuple[Entity, Entity], Pair] = {}


class Collector:
    """Phase 1 state: distinct entities and links, rejects, spooled each-row links."""

    def __init__(
        self,
        mapping: TableMapping,
        vocabulary: Vocabulary,
        columns: Sequence[str],
        positions: Sequence[int],
    ):
        self.mapping = mapping
        self.columns = list(columns)
        self.positions = list(positions)
        position = dict(zip(columns, positions, strict=True))
        self.known: dict[str, dict[str, Entity]] = {}
        self.entity_columns = [
            EntityColumn(
                spec,
                position,
                vocabulary.entity_type(spec.type).normalise_value,
                self.known.setdefault(spec.type, {}),
            )
            for spec in mapping.entities
        ]
        keys = {spec.key: index for index, spec in enumerate(mapping.entities)}
        self.link_columns = [
            LinkColumn(spec, index, keys, position) for index, spec in enumerate(mapping.links)
        ]
        self.rows_imported = 0
        self.rows_rejected = 0
        self.rejected: list[RejectedRow] = []
        self.keep = 100
        self.rejects_out: Any = None  # a csv.writer, or None
        self._spool: IO[bytes] | None = None
        self._spooled: list[tuple[str, str, int, dict[str, Any]]] = []
        self.spooled_count = 0

    # ---- rejects -----------------------------------------------------------------------
    def named(self, values: Sequence[str] | None) -> dict[str, str]:
        if values is None:
            return {}
        width = len(values)
        return {
            c: values[p] for c, p in zip(self.columns, self.positions, strict=True) if p < width
        }

    def reject(self, line: int, reason: str, values: Sequence[str] | None) -> None:
        self.rows_rejected += 1
        if len(self.rejected) < self.keep or self.rejects_out is not None:
            named = self.named(values)
            if len(self.rejected) < self.keep:
                self.rejected.append(RejectedRow(line, reason, named))
            if self.rejects_out is not None:
                self.rejects_out.writerow([line, reason, *(named.get(c, "") for c in self.columns)])

    # ---- rows --------------------------------------------------------------------------
    def row(self, line: int, values: list[str]) -> None:
        """Map one row; every check comes before anything is recorded."""
        found: list[Entity | None] = []
        for column in self.entity_columns:
            raw = values[column.value_at]
            hit = column.cache.get(raw)
            if hit is None:
                hit = column.resolve(raw)
            if hit.__class__ is Entity:
                found.append(hit)
            elif hit is EMPTY:
                if column.spec.required:
                    spec = column.spec
                    self.reject(
                        line, f"missing {spec.key} (column {spec.value!r} is empty)", values
                    )
                    return
                found.append(None)
            else:
                self.reject(line, hit, values)  # type: ignore[arg-type]
                return
        moments: list[datetime | None] = []
        for link in self.link_columns:
            if link.parse is None or found[link.source] is None or found[link.target] is None:
                moments.append(None)
                continue
            text = values[link.time_at]  # type: ignore[index]
            try:
                moments.append(link.parse(text))
            except (ValueError, OverflowError, OSError):
                self.reject(line, _timestamp_problem(link.spec, text), values)
                return
        for column, entity in zip(self.entity_columns, found, strict=True):
            if entity is None:
                continue
            if not entity.used:
                column.fill(entity, values)
                entity.used = True
            elif column.props and len(entity.properties) < len(column.props):
                column.fill(entity, values)
        for link, moment in zip(self.link_columns, moments, strict=True):
            source, target = found[link.source], found[link.target]
            if source is None or target is None or source is target:
                continue
            if link.each_row:
                properties: dict[str, Any] = {}
                for name, at in link.props:
                    value = values[at].strip()
                    if value:
                        properties[name] = value
                if moment is not None:
                    properties["timestamp"] = iso_utc(moment)
                self._spooled.append((source.id, target.id, link.index, properties))
                if len(self._spooled) >= SPOOL_BATCH:
                    self.flush_spool()
                continue
            pair = link.pairs.get((source, target))
            if pair is None:
                first = {}
                for name, at in link.props:
                    value = values[at].strip()
                    if value:
                        first[name] = [value]
                link.pairs[(source, target)] = Pair(moment, moment, 1, first)
                continue
            pair.count += 1
            if moment is not None:
                if pair.first is None or moment < pair.first:
                    pair.first = moment
                if pair.last is None or moment > pair.last:
                    pair.last = moment
            for name, at in link.props:
                value = values[at].strip()
                if value:
                    seen = pair.properties.get(name)
                    if seen is None:
                        pair.properties[name] = [value]
                    elif len(seen) < MAX_DISTINCT_PROPERTY_VALUES and value not in seen:
                        seen.append(value)
        self.rows_imported += 1

    # ---- results -----------------------------------------------------------------------
    def entities(self) -> Iterator[tuple[str, list[Entity]]]:
        """(type, used entities) per entity type."""
        for entity_type, known in self.known.items():
            yield entity_type, [entity for entity in known.values() if entity.used]

    def aggregated_links(self) -> Iterator[tuple[Entity, Entity, LinkMap, dict[str, Any]]]:
        for link in self.link_columns:
            for (source, target), pair in link.pairs.items():
                properties: dict[str, Any] = {"count": pair.count}
                if pair.first is not None and pair.last is not None:
                    properties["first_seen"] = iso_utc(pair.first)
                    properties["last_seen"] = iso_utc(pair.last)
                for name, seen in pair.properties.items():
                    properties[name] = seen[0] if len(seen) == 1 else list(seen)
                yield source, target, link.spec, properties

    def flush_spool(self) -> None:
        if not self._spooled:
            return
        if self._spool is None:  # closed by close(), in import_table's finally
            self._spool = tempfile.TemporaryFile(prefix="workbench-import-")  # noqa: SIM115
        pickle.dump(self._spooled, self._spool, protocol=pickle.HIGHEST_PROTOCOL)
        self.spooled_count += len(self._spooled)
        self._spooled = []

    def spooled_links(self) -> Iterator[tuple[str, str, LinkMap, dict[str, Any]]]:
        """each_row links (source id, target id, link spec, properties), from the spool."""
        self.flush_spool()
        if self._spool is None:
            return
        self._spool.seek(0)
        specs = self.mapping.links
        while True:
            try:
                batch = pickle.load(self._spool)
            except EOFError:
                return
            for source, target, index, properties in batch:
                yield source, target, specs[index], properties

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None


def _timestamp_problem(spec: LinkMap, text: str) -> str:
    if not text.strip():
        return f"missing timestamp (column {spec.timestamp!r} is empty)"
    return (
        f"bad timestamp {text[:40]!r} in column {spec.timestamp!r} (expected "
        f"{describe_format(spec.timestamp_format)})"
    )
