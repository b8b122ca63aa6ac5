"""Reading one template file and its includes into a `Template`, checking it as it goes.

Each table (`[tracks]`, `[sections]`, `[factors]`, `[context]`, `[tiers]`, `[decision]`) is
checked against its schema as it is read, in include order; `finish` then checks what spans
files (factor sections, section and rule tracks, the factors a rule names) and builds the
template. Every error names the file and the line (`TemplateError`). Where templates are found
and which are offered is `loader.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbench.assess import rules
from workbench.assess.errors import TemplateError
from workbench.assess.expr import ExprError, parse
from workbench.assess.model import DataCategory, FactorType, Tier
from workbench.assess.templates import (
    DecisionPolicy,
    Factor,
    Option,
    Origin,
    RaiseRule,
    Section,
    Template,
    TierLevel,
    TierRule,
    Track,
)
from workbench.assess.tomlfile import TomlFile, read_toml
from workbench.assess.tomlpos import KeyPath
from workbench.model import Category

TEMPLATE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
RULE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

TOP_KEYS = ("include", "template", "tracks", "sections", "factors", "context", "tiers", "decision")
TEMPLATE_KEYS = ("id", "name", "version", "description")
TRACK_KEYS = ("label", "description", "categories")
SECTION_KEYS = ("label", "description", "tracks")
FACTOR_KEYS = ("label", "type", "section", "help", "recency", "required", "ordered", "options")
CONTEXT_KEYS = ("concern_sources",)
TIERS_KEYS = ("default", "levels", "rules", "raise")
LEVEL_KEYS = ("label", "description", "reassess_after_hours")
RULE_KEYS = ("id", "tier", "when", "tracks", "because")
RAISE_KEYS = ("id", "by", "when", "tracks", "because")
DECISION_KEYS = (
    "approval_tiers",
    "approval_categories",
    "preservation_days",
    "extension_days",
    "max_extensions",
)


def _tier(file: TomlFile, value: Any, key_path: KeyPath, what: str) -> Tier:
    try:
        return Tier(value)
    except ValueError:
        raise file.error(
            key_path, f"{what}: {value!r} is not a tier; use T1, T2, T3 or T4"
        ) from None


@dataclass
class _PendingRule:
    file: TomlFile
    key_path: KeyPath
    rule: TierRule | RaiseRule


@dataclass
class TemplateBuilder:
    """Accumulates what a template file and its includes define, in reading order."""

    search_dirs: tuple[Path, ...]
    files: list[Path] = field(default_factory=list)
    done: set[Path] = field(default_factory=set)
    meta: tuple[TomlFile, dict[str, Any]] | None = None
    tracks: dict[str, Track] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)
    factors: dict[str, Factor] = field(default_factory=dict)
    factor_files: dict[str, TomlFile] = field(default_factory=dict)
    section_files: dict[str, TomlFile] = field(default_factory=dict)
    concern_sources: dict[str, Option] = field(default_factory=dict)
    levels: dict[Tier, TierLevel] = field(default_factory=dict)
    default_tier: Tier = Tier.T4
    pending: list[_PendingRule] = field(default_factory=list)
    rule_ids: dict[str, Origin] = field(default_factory=dict)
    policy: dict[str, Any] = field(default_factory=dict)

    # ---- files and includes ----------------------------------------------------------------
    def load(self, path: Path, stack: tuple[Path, ...] = ()) -> None:
        resolved = path.resolve()
        if resolved in self.done:
            return
        data, lines = read_toml(path)
        file = TomlFile(path, data, lines)
        file.keys(data, (), TOP_KEYS, "a template file")
        includes = file.texts(data, "include", (), "include")
        chain = (*stack, resolved)
        for name in includes:
            target = self._resolve_include(file, name)
            if target.resolve() in chain:
                loop = " -> ".join(p.name for p in (*chain, target.resolve()))
                raise file.error(("include",), f"include loop: {loop}")
            self.load(target, chain)
        self.done.add(resolved)
        self.files.append(path)
        if "template" in data:
            if stack:
                raise file.error(
                    ("template",),
                    "[template] belongs in the top-level template file only; an included "
                    "file may define tracks, sections, factors and rules",
                )
            self.meta = (file, file.table(data["template"], ("template",), "[template]"))
        self._tracks(file)
        self._sections(file)
        self._factors(file)
        self._context(file)
        self._tiers(file)
        self._decision(file)

    def _resolve_include(self, file: TomlFile, name: str) -> Path:
        candidates = [file.path.parent / name, *(folder / name for folder in self.search_dirs)]
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        raise file.error(
            ("include",),
            f"included file {name!r} not found (looked in {file.path.parent}"
            + "".join(f", {folder}" for folder in self.search_dirs)
            + ")",
        )

    # ---- tables ------------------------------------------------------------------------------
    def _items(self, file: TomlFile, key: str, what: str) -> list[tuple[str, dict[str, Any]]]:
        table = file.table(file.data.get(key, {}), (key,), f"[{key}]")
        items = []
        for item_id, body in table.items():
            file.check_id(item_id, (key, item_id), what)
            items.append((item_id, file.table(body, (key, item_id), f"{what} {item_id!r}")))
        return items

    def _duplicate(self, file: TomlFile, key_path: KeyPath, what: str, first: Origin) -> None:
        raise file.error(key_path, f"{what} is already defined at {first}")

    def _tracks(self, file: TomlFile) -> None:
        valid_categories = [category.value for category in Category]
        for track_id, body in self._items(file, "tracks", "track"):
            path = ("tracks", track_id)
            what = f"track {track_id!r}"
            if track_id in self.tracks:
                self._duplicate(file, path, what, self.tracks[track_id].origin)
            file.keys(body, path, TRACK_KEYS, what)
            categories = file.texts(body, "categories", path, what)
            for category in categories:
                if category not in valid_categories:
                    raise file.error(
                        (*path, "categories"),
                        f"{what}: {category!r} is not a case category; use "
                        f"{', '.join(valid_categories)}",
                    )
            self.tracks[track_id] = Track(
                track_id,
                file.text(body, "label", path, what, required=True),
                file.text(body, "description", path, what),
                categories,
                file.origin(path),
            )

    def _sections(self, file: TomlFile) -> None:
        for section_id, body in self._items(file, "sections", "section"):
            path = ("sections", section_id)
            what = f"section {section_id!r}"
            if section_id in self.sections:
                self._duplicate(file, path, what, self.sections[section_id].origin)
            file.keys(body, path, SECTION_KEYS, what)
            self.sections[section_id] = Section(
                section_id,
                file.text(body, "label", path, what, required=True),
                file.text(body, "description", path, what),
                file.texts(body, "tracks", path, what),
                file.origin(path),
            )
            self.section_files[section_id] = file

    def _factors(self, file: TomlFile) -> None:
        valid_types = ", ".join(kind.value for kind in FactorType)
        for factor_id, body in self._items(file, "factors", "factor"):
            path = ("factors", factor_id)
            what = f"factor {factor_id!r}"
            if factor_id in self.factors:
                self._duplicate(file, path, what, self.factors[factor_id].origin)
            file.keys(body, path, FACTOR_KEYS, what)
            type_name = file.text(body, "type", path, what, required=True)
            try:
                factor_type = FactorType(type_name)
            except ValueError:
                raise file.error(
                    (*path, "type"),
                    f"{what}: unknown factor type {type_name!r}; use one of {valid_types}",
                ) from None
            options = self._options(file, body, path, what, factor_type)
            ordered = file.flag(body, "ordered", path, what)
            if ordered and factor_type is not FactorType.CHOICE:
                raise file.error((*path, "ordered"), f"{what}: only a choice factor can be ordered")
            self.factors[factor_id] = Factor(
                id=factor_id,
                label=file.text(body, "label", path, what, required=True),
                type=factor_type,
                section=file.text(body, "section", path, what, required=True),
                help=file.text(body, "help", path, what),
                recency=file.flag(body, "recency", path, what),
                required=file.flag(body, "required", path, what),
                ordered=ordered,
                options=options,
                origin=file.origin(path),
            )
            self.factor_files[factor_id] = file

    def _options(
        self,
        file: TomlFile,
        body: dict[str, Any],
        path: KeyPath,
        what: str,
        factor_type: FactorType,
    ) -> tuple[Option, ...]:
        if factor_type is not FactorType.CHOICE:
            if "options" in body:
                raise file.error(
                    (*path, "options"),
                    f'{what}: options are only for type = "choice"; {factor_type.value} '
                    f"answers are {', '.join(factor_type.fixed_values)} or unknown",
                )
            return ()
        if "options" not in body:
            raise file.error(
                path, f"{what}: a choice factor needs an [{'.'.join(map(str, path))}.options] table"
            )
        table = file.table(body["options"], (*path, "options"), f"{what} options")
        if not table:
            raise file.error((*path, "options"), f"{what}: options are empty")
        options = []
        for option_id, label in table.items():
            file.check_id(option_id, (*path, "options", option_id), f"{what} option")
            if not isinstance(label, str):
                raise file.error(
                    (*path, "options", option_id), f"{what}: option {option_id} needs a text label"
                )
            options.append(Option(option_id, label))
        return tuple(options)

    def _context(self, file: TomlFile) -> None:
        table = file.table(file.data.get("context", {}), ("context",), "[context]")
        file.keys(table, ("context",), CONTEXT_KEYS, "[context]")
        sources = file.table(
            table.get("concern_sources", {}), ("context", "concern_sources"), "concern_sources"
        )
        for source_id, label in sources.items():
            key_path = ("context", "concern_sources", source_id)
            file.check_id(source_id, key_path, "concern source")
            if not isinstance(label, str):
                raise file.error(key_path, f"concern source {source_id} needs a text label")
            self.concern_sources[source_id] = Option(source_id, label)

    def _tiers(self, file: TomlFile) -> None:
        table = file.table(file.data.get("tiers", {}), ("tiers",), "[tiers]")
        file.keys(table, ("tiers",), TIERS_KEYS, "[tiers]")
        if "default" in table:
            self.default_tier = _tier(file, table["default"], ("tiers", "default"), "default")
        levels = file.table(table.get("levels", {}), ("tiers", "levels"), "[tiers.levels]")
        for name, body in levels.items():
            path = ("tiers", "levels", name)
            tier = _tier(file, name, path, "[tiers.levels]")
            body = file.table(body, path, f"tier {name}")
            file.keys(body, path, LEVEL_KEYS, f"tier {name}")
            self.levels[tier] = TierLevel(
                tier,
                file.text(body, "label", path, f"tier {name}"),
                file.text(body, "description", path, f"tier {name}"),
                file.number(body, "reassess_after_hours", path, f"tier {name}", minimum=0.25),
            )
        for key in ("rules", "raise"):
            entries = table.get(key, [])
            if not isinstance(entries, list):
                raise file.error(("tiers", key), f"write tier rules as [[tiers.{key}]] tables")
            for index, body in enumerate(entries):
                self._rule(file, key, index, body)

    def _rule(self, file: TomlFile, key: str, index: int, body: Any) -> None:
        path: KeyPath = ("tiers", key, index)
        body = file.table(body, path, f"[[tiers.{key}]]")
        rule_id = file.text(body, "id", path, f"a [[tiers.{key}]] entry", required=True)
        what = f"rule {rule_id!r}"
        if not RULE_ID_PATTERN.match(rule_id):
            raise file.error((*path, "id"), f"{what}: ids are letters, digits, '-', '_' and '.'")
        if rule_id in self.rule_ids:
            self._duplicate(file, (*path, "id"), what, self.rule_ids[rule_id])
        file.keys(body, path, RULE_KEYS if key == "rules" else RAISE_KEYS, what)
        when = file.text(body, "when", path, what, required=True)
        try:
            expr = parse(when)
        except ExprError as exc:
            raise file.error(
                (*path, "when"), f"{what}: {exc.message} (column {exc.column} of the rule)"
            ) from None
        tracks = file.texts(body, "tracks", path, what)
        because = file.text(body, "because", path, what)
        origin = file.origin(path)
        self.rule_ids[rule_id] = origin
        rule: TierRule | RaiseRule
        if key == "rules":
            if "tier" not in body:
                raise file.error(path, f'{what} needs tier = "T1" .. "T4"')
            tier = _tier(file, body["tier"], (*path, "tier"), what)
            rule = TierRule(rule_id, tier, when, expr, tracks, because, origin)
        else:
            steps = body.get("by", 1)
            if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 3:
                raise file.error((*path, "by"), f"{what}: by must be 1, 2 or 3")
            rule = RaiseRule(rule_id, steps, when, expr, tracks, because, origin)
        self.pending.append(_PendingRule(file, path, rule))

    def _decision(self, file: TomlFile) -> None:
        table = file.table(file.data.get("decision", {}), ("decision",), "[decision]")
        file.keys(table, ("decision",), DECISION_KEYS, "[decision]")
        path: KeyPath = ("decision",)
        if "approval_tiers" in table:
            self.policy["approval_tiers"] = tuple(
                _tier(file, value, (*path, "approval_tiers"), "approval_tiers")
                for value in file.texts(table, "approval_tiers", path, "[decision]")
            )
        if "approval_categories" in table:
            categories = []
            for value in file.texts(table, "approval_categories", path, "[decision]"):
                try:
                    categories.append(DataCategory(value))
                except ValueError:
                    raise file.error(
                        (*path, "approval_categories"),
                        f"{value!r} is not a data category; use "
                        f"{', '.join(c.value for c in DataCategory)}",
                    ) from None
            self.policy["approval_categories"] = tuple(categories)
        for key, minimum in (
            ("preservation_days", 1),
            ("extension_days", 1),
            ("max_extensions", 0),
        ):
            amount = file.number(table, key, path, "[decision]", minimum=minimum)
            if amount is not None:
                if not amount.is_integer():
                    raise file.error((*path, key), f"[decision]: {key} must be a whole number")
                self.policy[key] = int(amount)

    # ---- whole-template checks ---------------------------------------------------------------
    def finish(self, path: Path, require_template: bool) -> Template:
        for factor in self.factors.values():
            if factor.section not in self.sections:
                file = self.factor_files[factor.id]
                raise file.error(
                    ("factors", factor.id, "section"),
                    f"factor {factor.id!r}: unknown section {factor.section!r}; defined sections: "
                    f"{', '.join(self.sections) or 'none'}",
                )
        for section in self.sections.values():
            for track in section.tracks:
                if track not in self.tracks:
                    raise self.section_files[section.id].error(
                        ("sections", section.id, "tracks"),
                        f"section {section.id!r}: unknown track {track!r}; defined tracks: "
                        f"{', '.join(self.tracks) or 'none'}",
                    )
        for pending in self.pending:
            rule = pending.rule
            for track in rule.tracks:
                if track not in self.tracks:
                    raise pending.file.error(
                        (*pending.key_path, "tracks"),
                        f"rule {rule.id!r}: unknown track {track!r}; defined tracks: "
                        f"{', '.join(self.tracks) or 'none'}",
                    )
            try:
                rules.check(rule.expr, self.factors)
            except ExprError as exc:
                raise pending.file.error(
                    (*pending.key_path, "when"),
                    f"rule {rule.id!r}: {exc.message} (column {exc.column} of the rule)",
                ) from None
        template_id, name, version, description = "", "", "", ""
        if self.meta is not None:
            file, table = self.meta
            file.keys(table, ("template",), TEMPLATE_KEYS, "[template]")
            template_id = file.text(table, "id", ("template",), "[template]", required=True)
            if not TEMPLATE_ID_PATTERN.match(template_id):
                raise file.error(
                    ("template", "id"),
                    f"template id {template_id!r}: use lower-case letters, digits, '.', '-', '_'",
                )
            name = file.text(table, "name", ("template",), "[template]", required=True)
            version = file.text(table, "version", ("template",), "[template]", required=True)
            description = file.text(table, "description", ("template",), "[template]")
        elif require_template:
            raise TemplateError(
                path, 1, "not a template: it has no [template] table with id, name and version"
            )
        if require_template:
            if not self.tracks:
                raise TemplateError(path, 1, "the template defines no [tracks.<id>]")
            if not self.factors:
                raise TemplateError(path, 1, "the template defines no [factors.<id>]")
        tier_rules = tuple(p.rule for p in self.pending if isinstance(p.rule, TierRule))
        raise_rules = tuple(p.rule for p in self.pending if isinstance(p.rule, RaiseRule))
        return Template(
            id=template_id,
            name=name,
            version=version,
            description=description,
            path=path,
            tracks=dict(self.tracks),
            sections=dict(self.sections),
            factors=dict(self.factors),
            concern_sources=tuple(self.concern_sources.values()),
            levels=dict(self.levels),
            default_tier=self.default_tier,
            rules=tier_rules,
            raises=raise_rules,
            policy=replace(DecisionPolicy(), **self.policy),
            files=tuple(self.files),
        )
