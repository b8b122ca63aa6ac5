"""Phase 1 of an import: map rows to distinct entities and links in memory, reject bad rows.

Built for speed on millions of rows: each column remembers what its raw values resolved to
(an entity, or why the value is refused), so a repeated account or address costs one dict
lookup; entities and link pairs are identity-hashed objects. A row is checked completely
before it counts: a rejected row adds nothing (an entity first seen in a rejected row is
not written unless an accepted row uses it too).

Rows come in chunks (`Collector.rows`). When every link is an each_row link, the rows of a
chunk whose entities are all known and complete and whose times are already ISO UTC are
mapped column by column in C loops; the others go through `row` in their place, so the
result is exactly that of `row` on each row in turn (tests/core/test_tabular_each_row.py).
each_row links leave here as the JSON text of their properties, spooled column by column.
"""

from __future__ import annotations

import pickle
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, compress, repeat
from json.encoder import encode_basestring_ascii
from operator import attrgetter, is_not, itemgetter
from typing import IO, Any, cast
from zoneinfo import ZoneInfo

from workbench.errors import ValidationError
from workbench.store.rows import new_id
from workbench.tabular.mapping import EntityMap, LinkMap, TableMapping
from workbench.tabular.reader import RowError
from workbench.vocabulary import Vocabulary

CACHE_LIMIT = 200_000  # raw values remembered per column before its cache is reset
PROPERTY_CACHE_LIMIT = 10_000  # the same for link property values (JSON-encoded)
SPOOL_BATCH = 20_000
MAX_DISTINCT_PROPERTY_VALUES = 10


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
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


@dataclass(frozen=True)
class SpooledLinks:
    """A batch of each_row links, column by column."""

    sources: Sequence[str]  # entity ids (of this file: remap to the case's)
    targets: Sequence[str]
    links: Sequence[int]  # index into mapping.links
    properties: Sequence[str]  # JSON text


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


# An ISO time that is already what iso_utc() writes for it: UTC, whole seconds, "Z".
_CANONICAL_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z").fullmatch


def describe_format(fmt: str) -> str:
    return {
        "iso": "ISO 8601, e.g. 2024-03-01T10:11:12+09:00",
        "epoch": "seconds since 1970",
        "epoch_ms": "milliseconds since 1970",
    }.get(fmt, f"the pattern {fmt}")


class EntityColumn:
    """One EntityMap compiled against the row layout."""

    __slots__ = (
        "cache",
        "known",
        "label_at",
        "normalise",
        "prop_count",
        "props",
        "ready",
        "spec",
        "value_at",
    )

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
        self.prop_count = len(self.props)
        self.normalise = normalise
        self.known = known  # shared by every column of the same entity type
        self.cache: dict[str, Entity | str | _Empty] = {}
        # Raw values whose entity needs nothing more from a row (used, properties complete):
        # rows made only of those take the column-wise path (Collector.rows).
        self.ready: dict[str, Entity] = {}

    def is_complete(self, entity: Entity) -> bool:
        """True when row() would not fill `entity` from this column again."""
        return entity.used and not (self.prop_count and len(entity.properties) < self.prop_count)

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
    """One LinkMap compiled against the row layout."""

    __slots__ = (
        "each_row",
        "index",
        "iso",
        "json_steps",
        "pairs",
        "parse",
        "props",
        "source",
        "spec",
        "target",
        "time_at",
    )

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
        # each_row: the properties go straight to their JSON text (the text json.dumps
        # writes for the dict {property: value, ..., "timestamp": time}): the encoded
        # '"key": value, ' of each raw value is cached like the entity columns' values.
        # ("timestamp" is never a property name: mapping validation reserves it.)
        self.iso = spec.timestamp_format == "iso"
        self.json_steps: list[tuple[int, Callable[[str], str | None], str, dict[str, str]]] = []
        for name, at in self.props:
            cache: dict[str, str] = {}
            self.json_steps.append((at, cache.get, encode_basestring_ascii(name) + ": ", cache))

    def properties_json(self, values: Sequence[str], stamp: str | None) -> str:
        """The JSON text of an each_row link's properties (`stamp`: its ISO UTC time)."""
        body = ""
        for at, cached, key, cache in self.json_steps:
            raw = values[at]
            encoded = cached(raw)
            if encoded is None:
                encoded = _fragment(key, raw, cache)
            body += encoded
        if stamp is not None:  # ISO text: digits and -:.+TZ, nothing to escape
            return "{" + body + '"timestamp": "' + stamp + '"}'
        return "{" + body[:-2] + "}"  # without the last ", "

    def properties_json_column(
        self, table: Sequence[list[str]], mask: Sequence[bool], stamps: Sequence[str] | None
    ) -> list[str]:
        """properties_json() for the rows of `table` where `mask` is true (C loops)."""
        columns: list[list[str]] = []
        for at, cached, key, cache in self.json_steps:
            raws = list(compress(map(itemgetter(at), table), mask))
            looked_up = list(map(cached, raws))
            if None in looked_up:  # values not seen before (or the cache was reset)
                fragments = [
                    _fragment(key, raw, cache) if fragment is None else fragment
                    for fragment, raw in zip(looked_up, raws, strict=True)
                ]
            else:
                fragments = cast("list[str]", looked_up)
            columns.append(fragments)
        count = mask.count(True)
        if len(columns) == 1:
            bodies: Iterator[str] | list[str] = columns[0]
        elif columns:
            bodies = map("".join, zip(*columns, strict=True))
        else:
            bodies = repeat("", count)
        if stamps is not None:
            return list(map(_WITH_STAMP, bodies, compress(stamps, mask)))
        return list(map(_BRACES, map(_WITHOUT_LAST_SEPARATOR, bodies)))


def _fragment(key: str, raw: str, cache: dict[str, str]) -> str:
    """'"name": "value", ' for a raw property value ("" when it is empty), cached."""
    value = raw.strip()
    encoded = key + encode_basestring_ascii(value) + ", " if value else ""
    if len(cache) >= PROPERTY_CACHE_LIMIT:
        cache.clear()
    cache[raw] = encoded
    return encoded


_WITH_STAMP = '{{{}"timestamp": "{}"}}'.format
_WITHOUT_LAST_SEPARATOR = itemgetter(slice(None, -2))
_BRACES = "{{{}}}".format
_ID = attrgetter("id")


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
        # What row() reads per column, unpacked once (attribute look-ups add up per row).
        self._entity_steps = [
            (column.value_at, column.cache.get, column) for column in self.entity_columns
        ]
        self._link_steps = [
            (
                link,
                link.source,
                link.target,
                link.time_at if link.time_at is not None else -1,
                link.parse,
                link.each_row and link.iso,
            )
            for link in self.link_columns
        ]
        # Rows of a chunk are mapped column by column (rows()) when every link is an each_row
        # link with an ISO or no time: then a row whose entities are all ready adds exactly
        # one spooled link per link and changes nothing else.
        self.columnar = all(
            link.each_row and (link.parse is None or link.iso) for link in self.link_columns
        )
        width = 1 + max(
            [c.value_at for c in self.entity_columns]
            + [link.time_at for link in self.link_columns if link.time_at is not None]
            + [at for link in self.link_columns for _name, at in link.props]
        )
        self._blank = [""] * width  # stands in for unreadable records in a chunk's columns
        self.rows_imported = 0
        self.rows_rejected = 0
        self.rejected: list[RejectedRow] = []
        self.keep = 100
        self.rejects_out: Any = None  # a csv.writer, or None
        self._spool: IO[bytes] | None = None
        # each_row links not yet spooled, column by column (no object per row for the garbage
        # collector to track): source ids, target ids, link indexes, properties JSON.
        self._spooled: tuple[list[str], list[str], list[int], list[str]] = ([], [], [], [])
        self._spooled_before = 0  # in the spool file

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
    def rows(self, lines: Sequence[int], records: Sequence[list[str] | RowError]) -> None:
        """Map a chunk of rows in file order: exactly what row() (or reject() for an
        unreadable record) on each in turn does, faster.

        With `columnar` mappings, the rows whose entity values are all `ready` and whose
        times are already ISO UTC are mapped column by column in C loops (`map`, `zip`,
        `compress`): such a row adds one spooled link per link and changes nothing else,
        so only its place in the spool matters. Every other row goes through row() in its
        turn, between the blocks of ready rows before and after it."""
        if not self.columnar:
            row = self.row
            for line, record in zip(lines, records, strict=True):
                if record.__class__ is list:
                    row(line, record)
                else:
                    self.reject(line, record.reason, None)  # type: ignore[union-attr]
            return
        table: Sequence[list[str]] = records  # type: ignore[assignment]
        if set(map(type, records)) != {list}:  # unreadable records: blank in the columns
            blank = self._blank
            table = [record if record.__class__ is list else blank for record in records]
        found = [
            list(map(column.ready.get, map(itemgetter(column.value_at), table)))
            for column in self.entity_columns
        ]
        checks: list[Iterator[Any]] = [iter(hits) for hits in found]  # None: not ready
        stamps: list[list[str] | None] = []
        for link in self.link_columns:
            checks.append(map(is_not, found[link.source], found[link.target]))
            if link.time_at is None:
                stamps.append(None)
                continue
            texts = list(map(itemgetter(link.time_at), table))
            checks.append(map(_CANONICAL_UTC, texts))  # None: needs iso_utc() or a reject
            stamps.append(texts)
        mask = list(map(all, zip(*checks, strict=True)))
        for link_texts in stamps:  # the shape is ISO UTC; the date must exist too
            if link_texts is not None:
                _valid_times(link_texts, mask)
        count = mask.count(True)
        if not count:
            for line, record in zip(lines, records, strict=True):
                self.one(line, record)
            return
        spooled = [
            (
                list(map(_ID, compress(found[link.source], mask))),
                list(map(_ID, compress(found[link.target], mask))),
                link.properties_json_column(table, mask, texts),
            )
            for link, texts in zip(self.link_columns, stamps, strict=True)
        ]
        kinds = [link.index for link in self.link_columns]
        done = 0  # ready rows spooled so far
        start = 0
        for position in _positions_of_false(mask):
            if position > start:
                self._spool_ready(spooled, kinds, done, done + position - start)
                done += position - start
            self.one(lines[position], records[position])
            start = position + 1
        self._spool_ready(spooled, kinds, done, count)
        self.rows_imported += count
        if len(self._spooled[0]) >= SPOOL_BATCH:
            self.flush_spool()

    def one(self, line: int, record: list[str] | RowError) -> None:
        if record.__class__ is list:
            self.row(line, record)
        else:
            self.reject(line, record.reason, None)  # type: ignore[union-attr]

    def _spool_ready(
        self,
        spooled: list[tuple[list[str], list[str], list[str]]],
        kinds: list[int],
        start: int,
        end: int,
    ) -> None:
        """Spool the links of ready rows start..end (row by row, links in mapping order)."""
        if start >= end:
            return
        sources, targets, indexes, texts = self._spooled
        if len(spooled) == 1:
            (link_sources, link_targets, link_texts), (kind,) = spooled[0], kinds
            sources.extend(link_sources[start:end])
            targets.extend(link_targets[start:end])
            texts.extend(link_texts[start:end])
            indexes.extend(repeat(kind, end - start))
            return
        for column, into in ((0, sources), (1, targets), (2, texts)):
            into.extend(
                chain.from_iterable(
                    zip(*(link[column][start:end] for link in spooled), strict=True)
                )
            )
        indexes.extend(chain.from_iterable(repeat(kinds, end - start)))

    def row(self, line: int, values: list[str]) -> None:
        """Map one row; every check comes before anything is recorded."""
        found: list[Entity | None] = []
        for at, cached, column in self._entity_steps:
            raw = values[at]
            hit = cached(raw)
            if hit.__class__ is not Entity:
                if hit is None:
                    hit = column.resolve(raw)
                if hit is EMPTY:
                    if column.spec.required:
                        spec = column.spec
                        self.reject(
                            line, f"missing {spec.key} (column {spec.value!r} is empty)", values
                        )
                        return
                    hit = None
                elif hit.__class__ is not Entity:
                    self.reject(line, hit, values)  # type: ignore[arg-type]
                    return
            found.append(hit)
        # Per link: its time (aggregate) or the ISO UTC text of it (each_row), or None.
        moments: list[Any] = []
        for link, source_at, target_at, time_at, parse, each_row_iso in self._link_steps:
            if parse is None or found[source_at] is None or found[target_at] is None:
                moments.append(None)
                continue
            text = values[time_at]
            try:
                moment = parse(text)
            except (ValueError, OverflowError, OSError):
                self.reject(line, _timestamp_problem(link.spec, text), values)
                return
            if not link.each_row:
                moments.append(moment)
            elif each_row_iso and _CANONICAL_UTC(text):
                moments.append(text)
            else:
                moments.append(iso_utc(moment))
        for entity, column in zip(found, self.entity_columns):  # noqa: B905 (same length)
            if entity is None:
                continue
            if not entity.used:
                column.fill(entity, values)
                entity.used = True
            elif column.prop_count and len(entity.properties) < column.prop_count:
                column.fill(entity, values)
            if self.columnar and column.is_complete(entity):
                ready = column.ready
                if len(ready) >= CACHE_LIMIT:
                    ready.clear()
                ready[values[column.value_at]] = entity
        for link, moment in zip(self.link_columns, moments):  # noqa: B905 (same length)
            source = found[link.source]
            target = found[link.target]
            if source is None or target is None or source is target:
                continue
            if link.each_row:
                sources, targets, kinds, texts = self._spooled
                sources.append(source.id)
                targets.append(target.id)
                kinds.append(link.index)
                texts.append(link.properties_json(values, moment))
                if len(sources) >= SPOOL_BATCH:
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

    @property
    def spooled_count(self) -> int:
        """each_row links so far (in the spool file or still in memory)."""
        return self._spooled_before + len(self._spooled[0])

    def flush_spool(self) -> None:
        count = len(self._spooled[0])
        if not count:
            return
        if self._spool is None:  # closed by close(), in import_table's finally
            self._spool = tempfile.TemporaryFile(prefix="workbench-import-")  # noqa: SIM115
        pickle.dump(self._spooled, self._spool, protocol=pickle.HIGHEST_PROTOCOL)
        self._spooled_before += count
        self._spooled = ([], [], [], [])

    def spooled_batches(self) -> Iterator[SpooledLinks]:
        """each_row links in file order, a batch at a time, from the spool."""
        self.flush_spool()
        if self._spool is None:
            return
        self._spool.seek(0)
        while True:
            try:
                sources, targets, links, properties = pickle.load(self._spool)
            except EOFError:
                return
            yield SpooledLinks(sources, targets, links, properties)

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


def _valid_times(texts: Sequence[str], mask: list[bool]) -> None:
    """Clear `mask` where an ISO UTC shaped time is no real time (2024-02-30...)."""
    parse = datetime.fromisoformat
    try:
        for _ in map(parse, compress(texts, mask)):
            pass
    except (ValueError, OverflowError):
        for position, (text, ready) in enumerate(zip(texts, mask, strict=True)):
            if ready:
                try:
                    parse(text)
                except (ValueError, OverflowError):
                    mask[position] = False


def _positions_of_false(mask: list[bool]) -> Iterator[int]:
    position = -1
    try:
        while True:
            position = mask.index(False, position + 1)
            yield position
    except ValueError:
        return
