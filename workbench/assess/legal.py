"""Legal bases per jurisdiction, from an editable TOML list (DOMAIN.md section 2).

The shipped list is `resources/legal_bases.toml`; a deployment replaces it with its own file
at $WORKBENCH_LEGAL_BASES or `user_config_dir("osint-workbench")/legal_bases.toml`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from workbench.assess.errors import TemplateError
from workbench.assess.model import DataCategory
from workbench.assess.tomlfile import TomlFile, read_toml
from workbench.errors import ValidationError
from workbench.paths import resource

LEGAL_BASES_ENV = "WORKBENCH_LEGAL_BASES"
JURISDICTION_KEYS = ("label", "bases")
BASIS_KEYS = ("id", "citation", "label", "categories", "note")


@dataclass(frozen=True)
class LegalBasis:
    id: str
    jurisdiction: str
    citation: str
    label: str
    categories: tuple[DataCategory, ...]
    note: str

    @property
    def title(self) -> str:
        return f"{self.citation}: {self.label}"


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    label: str
    bases: tuple[LegalBasis, ...]


@dataclass(frozen=True)
class LegalBases:
    path: Path
    jurisdictions: dict[str, Jurisdiction]

    def all(self) -> list[LegalBasis]:
        return [basis for j in self.jurisdictions.values() for basis in j.bases]

    def get(self, basis_id: str) -> LegalBasis:
        for basis in self.all():
            if basis.id == basis_id:
                return basis
        raise ValidationError(
            f"Unknown legal basis {basis_id!r}; the list in {self.path} has "
            f"{', '.join(b.id for b in self.all())}."
        )

    def find(self, basis_id: str) -> LegalBasis | None:
        return next((basis for basis in self.all() if basis.id == basis_id), None)


def legal_bases_path() -> Path:
    from_env = os.environ.get(LEGAL_BASES_ENV)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs

    user_file = (
        Path(platformdirs.user_config_dir("osint-workbench", appauthor=False)) / "legal_bases.toml"
    )
    if user_file.is_file():
        return user_file
    return resource("legal_bases.toml")


def load_legal_bases(path: Path | None = None) -> LegalBases:
    """Read and check a legal-basis list; errors name the file and the line."""
    path = path or legal_bases_path()
    data, lines = read_toml(path)
    file = TomlFile(path, data, lines)
    file.keys(data, (), ("jurisdictions",), "a legal-basis list")
    table = file.table(data.get("jurisdictions", {}), ("jurisdictions",), "[jurisdictions]")
    if not table:
        raise TemplateError(path, 1, "no [jurisdictions.<code>] defined")
    seen: dict[str, str] = {}
    jurisdictions: dict[str, Jurisdiction] = {}
    valid_categories = ", ".join(category.value for category in DataCategory)
    for code, body in table.items():
        key_path: tuple[str | int, ...] = ("jurisdictions", code)
        body = file.table(body, key_path, f"jurisdiction {code}")
        file.keys(body, key_path, JURISDICTION_KEYS, f"jurisdiction {code}")
        label = file.text(body, "label", key_path, f"jurisdiction {code}", required=True)
        entries = body.get("bases", [])
        if not isinstance(entries, list):
            raise file.error((*key_path, "bases"), f"write bases as [[jurisdictions.{code}.bases]]")
        bases = []
        for index, entry in enumerate(entries):
            entry_path = (*key_path, "bases", index)
            entry = file.table(entry, entry_path, "a legal basis")
            basis_id = file.text(entry, "id", entry_path, "a legal basis", required=True)
            what = f"legal basis {basis_id!r}"
            file.keys(entry, entry_path, BASIS_KEYS, what)
            if basis_id in seen:
                raise file.error(
                    (*entry_path, "id"), f"{what} is already listed under {seen[basis_id]}"
                )
            seen[basis_id] = code
            categories = []
            for value in file.texts(entry, "categories", entry_path, what):
                try:
                    categories.append(DataCategory(value))
                except ValueError:
                    raise file.error(
                        (*entry_path, "categories"),
                        f"{what}: {value!r} is not a data category; use {valid_categories}",
                    ) from None
            bases.append(
                LegalBasis(
                    id=basis_id,
                    jurisdiction=code,
                    citation=file.text(entry, "citation", entry_path, what, required=True),
                    label=file.text(entry, "label", entry_path, what, required=True),
                    categories=tuple(sorted(categories, key=lambda c: c.rank)),
                    note=file.text(entry, "note", entry_path, what),
                )
            )
        jurisdictions[code] = Jurisdiction(code, label, tuple(bases))
    return LegalBases(path, jurisdictions)
