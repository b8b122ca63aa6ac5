"""What an assessment template holds, once loaded: tracks, sections, factors, tier rules and
decision policy. Loading and validation live in `loader.py`; this module is plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.assess.expr import Expr
from workbench.assess.model import (
    UNKNOWN,
    AssessmentRecord,
    DataCategory,
    FactorType,
    Tier,
)


@dataclass(frozen=True)
class Origin:
    """Where an item was defined, for messages and for the form's "defined in" hint."""

    path: Path
    line: int | None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)


@dataclass(frozen=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True)
class Track:
    id: str
    label: str
    description: str
    categories: tuple[str, ...]  # case categories that select this track by default
    origin: Origin


@dataclass(frozen=True)
class Section:
    id: str
    label: str
    description: str
    tracks: tuple[str, ...]  # shown when any of these tracks is selected; empty = always
    origin: Origin

    def visible(self, selected: tuple[str, ...]) -> bool:
        return not self.tracks or any(track in selected for track in self.tracks)


@dataclass(frozen=True)
class Factor:
    id: str
    label: str
    type: FactorType
    section: str
    help: str
    recency: bool
    required: bool
    ordered: bool
    options: tuple[Option, ...]
    origin: Origin

    @property
    def values(self) -> tuple[str, ...]:
        """Valid answers, in display order; `unknown` is always possible."""
        fixed = self.type.fixed_values or tuple(option.id for option in self.options)
        return (*fixed, UNKNOWN)

    def value_label(self, value: str) -> str:
        for option in self.options:
            if option.id == value:
                return option.label
        return value or "not answered"

    def rank(self, value: str) -> int | None:
        """Position of an option in an ordered choice; None for unknown or unordered."""
        if not self.ordered:
            return None
        for index, option in enumerate(self.options):
            if option.id == value:
                return index
        return None


@dataclass(frozen=True)
class TierLevel:
    tier: Tier
    label: str
    description: str
    reassess_after_hours: float | None


@dataclass(frozen=True)
class TierRule:
    id: str
    tier: Tier
    when: str
    expr: Expr
    tracks: tuple[str, ...]
    because: str
    origin: Origin

    def applies(self, selected: tuple[str, ...]) -> bool:
        return not self.tracks or any(track in selected for track in self.tracks)


@dataclass(frozen=True)
class RaiseRule:
    """Raises the suggested tier by `steps` when `when` holds (e.g. a minor at risk)."""

    id: str
    steps: int
    when: str
    expr: Expr
    tracks: tuple[str, ...]
    because: str
    origin: Origin

    def applies(self, selected: tuple[str, ...]) -> bool:
        return not self.tracks or any(track in selected for track in self.tracks)


@dataclass(frozen=True)
class DecisionPolicy:
    approval_tiers: tuple[Tier, ...] = (Tier.T1, Tier.T2)
    approval_categories: tuple[DataCategory, ...] = (DataCategory.CONTENT,)
    preservation_days: int = 90
    extension_days: int = 90
    max_extensions: int = 1


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    version: str
    description: str
    path: Path
    tracks: dict[str, Track]
    sections: dict[str, Section]
    factors: dict[str, Factor]
    concern_sources: tuple[Option, ...]
    levels: dict[Tier, TierLevel]
    default_tier: Tier
    rules: tuple[TierRule, ...]
    raises: tuple[RaiseRule, ...]
    policy: DecisionPolicy = field(default_factory=DecisionPolicy)
    files: tuple[Path, ...] = ()

    def factor(self, factor_id: str) -> Factor:
        return self.factors[factor_id]

    def factor_title(self, factor_id: str) -> str:
        """`Section: Factor`, as the trace and the history show it."""
        factor = self.factors.get(factor_id)
        if factor is None:
            return factor_id
        section = self.sections.get(factor.section)
        return f"{section.label}: {factor.label}" if section else factor.label

    def factors_in(self, section_id: str) -> list[Factor]:
        return [factor for factor in self.factors.values() if factor.section == section_id]

    def visible_sections(self, selected: tuple[str, ...]) -> list[Section]:
        return [section for section in self.sections.values() if section.visible(selected)]

    def visible_factors(self, selected: tuple[str, ...]) -> list[Factor]:
        shown = {section.id for section in self.visible_sections(selected)}
        return [factor for factor in self.factors.values() if factor.section in shown]

    def tier_label(self, tier: Tier) -> str:
        level = self.levels.get(tier)
        return f"{tier.value} {level.label}" if level and level.label else tier.value

    def concern_source_label(self, source_id: str) -> str:
        for option in self.concern_sources:
            if option.id == source_id:
                return option.label
        return source_id

    def tracks_for_category(self, category: str) -> tuple[str, ...]:
        return tuple(track.id for track in self.tracks.values() if category in track.categories)

    def blank_record(self, tracks: tuple[str, ...] = ()) -> AssessmentRecord:
        return AssessmentRecord(template_id=self.id, template_version=self.version, tracks=tracks)
