"""What a source is asked (`Query`) and what it yields: entities, links, evidence and notes.

Results are plain frozen values: the host validates them, de-duplicates entities by type and
normalised value, and writes them into the case with provenance. A link names its ends by
the `EntityResult` objects (or the `Query`) themselves, so a plugin never handles store ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias


@dataclass(frozen=True)
class Query:
    """The input of a run: an entity of the case (or a bare value from the CLI)."""

    type: str
    value: str
    entity_id: str | None = None

    def describe(self) -> str:
        return f"{self.type}:{self.value}"


@dataclass(frozen=True)
class EntityResult:
    """An entity found by the source. `link` links it from the query entity (e.g. "mentions")."""

    type: str
    value: str
    label: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    link: str | None = None
    link_properties: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> tuple[str, str]:
        """Identity within a run before normalisation (the writer normalises)."""
        return (self.type, self.value)


@dataclass(frozen=True)
class LinkResult:
    """A relationship between two results (or a result and the query entity)."""

    source: EntityResult | Query
    target: EntityResult | Query
    type: str
    confidence: str = "suspected"
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EvidenceResult:
    """Bytes kept as evidence (a response, a screenshot...), hashed into the blob store.

    `about` names the entities this evidence supports: each gets an evidence provenance record.
    """

    data: bytes
    filename: str
    description: str = ""
    mime_type: str | None = None
    source_url: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    about: tuple[EntityResult | Query, ...] = ()


@dataclass(frozen=True)
class NoteResult:
    """A free-text finding; stored as a `note` entity linked from `about` (default: the query)."""

    text: str
    about: EntityResult | Query | None = None


Result: TypeAlias = EntityResult | LinkResult | EvidenceResult | NoteResult
RESULT_TYPES = (EntityResult, LinkResult, EvidenceResult, NoteResult)
