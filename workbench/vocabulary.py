"""Entity and link types, loaded from `resources/` so plugins can add types without code changes."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from workbench.errors import ValidationError
from workbench.normalize import NORMALISERS
from workbench.paths import resource


@dataclass(frozen=True)
class EntityType:
    name: str
    label: str
    icon: str
    colour: str
    normalise: str
    fields: dict[str, str] = field(default_factory=dict)

    def normalise_value(self, value: str) -> str:
        if not value or not value.strip():
            raise ValidationError(f"A {self.label.lower()} needs a value; it was empty.")
        return NORMALISERS[self.normalise](value)


@dataclass(frozen=True)
class LinkType:
    name: str
    label: str
    directed: bool = True


class Vocabulary:
    """The valid entity and link types, with errors that list what is valid."""

    def __init__(self, entity_types: dict[str, EntityType], link_types: dict[str, LinkType]):
        self.entity_types = dict(entity_types)
        self.link_types = dict(link_types)

    @classmethod
    def from_files(cls, entity_file: Path, link_file: Path) -> Vocabulary:
        entity_types = {
            name: _entity_type(name, spec, entity_file)
            for name, spec in _read_toml(entity_file).items()
        }
        link_types = {
            name: LinkType(name, str(spec.get("label", name)), bool(spec.get("directed", True)))
            for name, spec in _read_toml(link_file).items()
        }
        return cls(entity_types, link_types)

    def entity_type(self, name: str) -> EntityType:
        try:
            return self.entity_types[name]
        except KeyError:
            valid = ", ".join(sorted(self.entity_types))
            raise ValidationError(f"Unknown entity type {name!r}. Valid types: {valid}.") from None

    def link_type(self, name: str) -> LinkType:
        try:
            return self.link_types[name]
        except KeyError:
            valid = ", ".join(sorted(self.link_types))
            raise ValidationError(f"Unknown link type {name!r}. Valid types: {valid}.") from None

    def register_entity_type(self, entity_type: EntityType) -> None:
        if entity_type.normalise not in NORMALISERS:
            raise ValidationError(
                f"Entity type {entity_type.name!r} asks for normaliser "
                f"{entity_type.normalise!r}; valid: {', '.join(sorted(NORMALISERS))}."
            )
        self.entity_types.setdefault(entity_type.name, entity_type)


def _read_toml(path: Path) -> dict[str, dict[str, object]]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return {str(k): dict(v) for k, v in data.items()}


def _entity_type(name: str, spec: dict[str, object], source: Path) -> EntityType:
    normaliser = str(spec.get("normalise", "text"))
    if normaliser not in NORMALISERS:
        raise ValidationError(
            f"{source}: entity type {name!r} has normalise = {normaliser!r}; "
            f"use one of {', '.join(sorted(NORMALISERS))}."
        )
    fields = spec.get("fields", {})
    return EntityType(
        name=name,
        label=str(spec.get("label", name)),
        icon=str(spec.get("icon", "sticky-note")),
        colour=str(spec.get("colour", "#64748b")),
        normalise=normaliser,
        fields={str(k): str(v) for k, v in dict(fields).items()}
        if isinstance(fields, dict)
        else {},
    )


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return Vocabulary.from_files(resource("entity_types.toml"), resource("link_types.toml"))
