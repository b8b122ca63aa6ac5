"""`plugin.toml`: the manifest every data-source plugin ships, validated before any import.

Validation collects every problem at once and names the file, the field and the fix, so a
plugin author fixes a manifest in one pass (`workbench sources check PATH`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.normalize import NORMALISERS
from workbench.sources.errors import ManifestError, SettingsError

MANIFEST_NAME = "plugin.toml"
API_VERSION = 1
SUPPORTED_API_VERSIONS = frozenset({1})
SETTING_TYPES = ("string", "integer", "number", "boolean", "path", "choice")
KINDS = ("passive", "active")

_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_VERSION = re.compile(r"^\d+\.\d+(?:\.\d+)?(?:[-+.][0-9A-Za-z.-]+)?$")
_ENTRY = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

FIELDS = {
    "id": "unique plugin id, lower-case words joined by '-', e.g. id = \"my-source\"",
    "name": "human name shown in menus",
    "version": 'the plugin\'s own version, e.g. version = "1.0.0"',
    "api_version": f"SDK API version the plugin is written for: api_version = {API_VERSION}",
    "description": "one or two sentences for the plugin manager",
    "entry": 'module and class of the Source, e.g. entry = "source:MySource"',
    "kind": "passive (does not touch the subject's systems) or active",
    "inputs": 'entity types the source accepts, e.g. inputs = ["domain"]',
    "outputs": "entity types the source may produce",
    "egress": 'hosts the source sends data to, e.g. egress = ["api.example.org"]',
    "dynamic_egress": "true if the hosts depend on the input (listed by Source.plan_hosts)",
    "dns_egress": "true if the source also sends DNS queries (UDP/TCP) to the egress or planned "
    "hosts (its resolvers), not only HTTP",
    "credentials": "names of secrets the source needs (kept in the keyring)",
    "settings": "typed settings with defaults",
    "rate_limit": "per-host limit: rate_limit = { requests = 1, per_seconds = 1.0 }",
    "timeout": "seconds: timeout = { run = 300, request = 20 }",
    "retries": "retries = { max = 3, backoff = 0.5 }",
    "cache_ttl": "seconds a response may be reused from the cache (0 = never)",
    "max_response_bytes": "largest response body the source may read",
    "max_results": "most results one run may produce",
    "concurrency": "most requests in flight at once for one run (1-64)",
    "bundled_data": "licence and attribution of data files shipped with the plugin",
    "entity_types": "new entity types the plugin adds to the vocabulary",
    "homepage": "where the plugin comes from",
    "author": "who wrote it",
    "licence": "the licence of the plugin's code",
}
REQUIRED = ("id", "name", "version", "api_version", "description", "entry", "kind", "inputs")


@dataclass(frozen=True)
class SettingSpec:
    name: str
    type: str
    default: Any
    description: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def coerce(self, value: Any, where: str) -> Any:
        """The value checked against this setting's type; raises SettingsError naming `where`."""
        problem = _setting_problem(self, value)
        if problem:
            raise SettingsError(f"{where}: setting '{self.name}' {problem}")
        if self.type == "number":
            return float(value)
        return value


@dataclass(frozen=True)
class CredentialSpec:
    name: str
    description: str = ""
    required: bool = True


@dataclass(frozen=True)
class BundledData:
    path: str
    licence: str
    attribution: str
    url: str = ""


@dataclass(frozen=True)
class EntityTypeSpec:
    name: str
    label: str
    icon: str
    colour: str
    normalise: str
    fields: Mapping[str, str]


@dataclass(frozen=True)
class Manifest:
    path: Path
    id: str
    name: str
    version: str
    api_version: int
    description: str
    entry: str
    kind: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...] = ()
    egress: tuple[str, ...] = ()
    dynamic_egress: bool = False
    dns_egress: bool = False  # also sends DNS queries (not HTTP) to the egress/planned hosts
    credentials: tuple[CredentialSpec, ...] = ()
    settings: tuple[SettingSpec, ...] = ()
    rate_limit_requests: int = 1
    rate_limit_seconds: float = 1.0
    run_timeout: float = 300.0
    request_timeout: float = 20.0
    max_retries: int = 3
    retry_backoff: float = 0.5
    cache_ttl: int = 0
    max_response_bytes: int = 10 * 1024 * 1024
    max_results: int = 10_000
    concurrency: int = 4
    bundled_data: tuple[BundledData, ...] = ()
    entity_types: tuple[EntityTypeSpec, ...] = ()
    homepage: str = ""
    author: str = ""
    licence: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def uses_network(self) -> bool:
        return bool(self.egress) or self.dynamic_egress

    @property
    def module_name(self) -> str:
        return self.entry.partition(":")[0]

    @property
    def class_name(self) -> str:
        return self.entry.partition(":")[2]

    @property
    def min_request_interval(self) -> float:
        return self.rate_limit_seconds / self.rate_limit_requests

    def setting(self, name: str) -> SettingSpec:
        for spec in self.settings:
            if spec.name == name:
                return spec
        valid = ", ".join(s.name for s in self.settings) or "none"
        raise SettingsError(f"{self.id} has no setting {name!r}; its settings: {valid}.")

    def credential(self, name: str) -> CredentialSpec | None:
        return next((c for c in self.credentials if c.name == name), None)


def load_manifest(path: Path, known_entity_types: Iterable[str] | None = None) -> Manifest:
    """Read and validate `plugin.toml` (or the folder holding it). Raises ManifestError."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(
            str(path),
            [("(file)", "not found.", f"create {MANIFEST_NAME} in the plugin folder.")],
        )
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(
            str(path), [("(syntax)", f"not valid TOML: {exc}.", "correct the TOML syntax.")]
        ) from exc
    except OSError as exc:
        raise ManifestError(
            str(path), [("(file)", f"cannot be read: {exc}.", "check it.")]
        ) from exc
    return parse_manifest(data, path, known_entity_types)


def parse_manifest(
    data: Mapping[str, Any], path: Path, known_entity_types: Iterable[str] | None = None
) -> Manifest:
    checker = _Checker(data)
    manifest = checker.build(path, known_entity_types)
    if checker.problems or manifest is None:
        raise ManifestError(str(path), checker.problems)
    return manifest


def _type_name(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}
    return names.get(type(value), "table" if isinstance(value, dict) else type(value).__name__)


def valid_host_pattern(pattern: str) -> bool:
    """`api.example.org`, `*.example.org`, `127.0.0.1`, `[::1]`, optionally with `:port`."""
    host = pattern.lower()
    if host.startswith("["):
        return host.endswith("]") or "]:" in host
    host, _, port = host.partition(":")
    if port and not port.isdigit():
        return False
    if host.startswith("*."):
        host = host[2:]
    labels = host.split(".")
    return len(labels) >= 1 and all(_HOST_LABEL.match(label) for label in labels)


def _setting_problem(spec: SettingSpec, value: Any) -> str:
    kind = spec.type
    ok = {
        "string": isinstance(value, str),
        "path": isinstance(value, str),
        "choice": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
    }[kind]
    if not ok:
        return f"must be of type {kind}, got {value!r} ({_type_name(value)})."
    if kind == "choice" and value not in spec.choices:
        return f"must be one of {', '.join(spec.choices)}, got {value!r}."
    if kind in ("integer", "number"):
        if spec.minimum is not None and value < spec.minimum:
            return f"must be at least {spec.minimum}, got {value}."
        if spec.maximum is not None and value > spec.maximum:
            return f"must be at most {spec.maximum}, got {value}."
    return ""


class _Checker:
    """Collects (field, problem, fix) triples while building a Manifest."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.problems: list[tuple[str, str, str]] = []

    def problem(self, field_name: str, problem: str, fix: str) -> None:
        self.problems.append((field_name, problem, fix))

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        if name not in self.data:
            if name in REQUIRED:
                self.problem(name, "is missing.", f"add {FIELDS[name]}.")
            return default
        value = self.data[name]
        bad_bool = isinstance(value, bool) and bool not in _as_tuple(kind)
        if not isinstance(value, kind) or bad_bool:
            wanted = " or ".join(_type_name(k()) for k in _as_tuple(kind))
            self.problem(
                name,
                f"must be {wanted}, got {value!r} ({_type_name(value)}).",
                f"write {FIELDS.get(name, name)}.",
            )
            return default
        return value

    def table(self, name: str) -> dict[str, Any]:
        value = self.get(name, dict, {})
        return dict(value)

    def number(
        self, table: dict[str, Any], where: str, key: str, default: float, integer: bool = False
    ) -> float:
        value = table.get(key, default)
        wrong_type = isinstance(value, bool) or not isinstance(value, int | float)
        if wrong_type or (integer and not isinstance(value, int)) or value <= 0:
            wanted = "a positive integer" if integer else "a positive number"
            self.problem(
                f"{where}.{key}",
                f"must be {wanted}, got {value!r}.",
                f"write {FIELDS.get(where, where)}.",
            )
            return default
        return float(value)

    def string_list(self, name: str) -> tuple[str, ...]:
        value = self.get(name, list, [])
        if not all(isinstance(item, str) and item for item in value):
            self.problem(
                name,
                f"must be a list of non-empty strings, got {value!r}.",
                f"write {FIELDS[name]}.",
            )
            return ()
        return tuple(value)

    def build(self, path: Path, known_entity_types: Iterable[str] | None) -> Manifest | None:
        for key in self.data:
            if key not in FIELDS:
                close = difflib.get_close_matches(key, FIELDS, n=1)
                hint = f"did you mean '{close[0]}'?" if close else "remove it."
                self.problem(key, "is not a manifest field.", hint)
        plugin_id = self.get("id", str, "")
        if plugin_id and not _ID.match(plugin_id):
            self.problem(
                "id",
                f"{plugin_id!r} is not a valid id.",
                "use lower-case letters, digits and single '-', starting with a letter.",
            )
        name = self.get("name", str, "")
        version = self.get("version", str, "")
        if version and not _VERSION.match(version):
            self.problem("version", f"{version!r} is not a version number.", 'use "1.0.0".')
        api_version = self.get("api_version", int, 0)
        if "api_version" in self.data and api_version not in SUPPORTED_API_VERSIONS:
            self.problem(
                "api_version",
                f"{api_version!r} is not supported by this OSINT Workbench (supports "
                f"{', '.join(map(str, sorted(SUPPORTED_API_VERSIONS)))}).",
                f"write api_version = {API_VERSION}, or use a Workbench that supports it.",
            )
        description = self.get("description", str, "")
        entry = self.get("entry", str, "")
        if entry and not _ENTRY.match(entry):
            self.problem(
                "entry",
                f"{entry!r} is not 'module:Class'.",
                'write entry = "source:MySource" (source.py next to plugin.toml).',
            )
        kind = self.get("kind", str, "passive")
        if kind not in KINDS:
            self.problem("kind", f"{kind!r} is not passive or active.", 'write kind = "passive".')
        new_types = self._entity_types()
        known = set(known_entity_types) if known_entity_types is not None else _known_types()
        known |= {t.name for t in new_types}
        inputs = self.string_list("inputs")
        if "inputs" in self.data and not inputs and not self.problems_for("inputs"):
            self.problem("inputs", "is empty.", "list at least one entity type.")
        outputs = self.string_list("outputs")
        for field_name, types in (("inputs", inputs), ("outputs", outputs)):
            for type_name in types:
                if type_name not in known:
                    close = difflib.get_close_matches(type_name, known, n=1)
                    self.problem(
                        field_name,
                        f"{type_name!r} is not an entity type.",
                        (f"did you mean '{close[0]}'? " if close else "")
                        + "Valid: "
                        + ", ".join(sorted(known))
                        + " (or declare it under [entity_types]).",
                    )
        egress = self.string_list("egress")
        for host in egress:
            if not valid_host_pattern(host):
                self.problem(
                    "egress",
                    f"{host!r} is not a host name.",
                    'list bare host names such as "api.example.org" or "*.example.org" '
                    "(no scheme, no path).",
                )
        dynamic = self.get("dynamic_egress", bool, False)
        dns_egress = self.get("dns_egress", bool, False)
        if dns_egress and not egress and not dynamic:
            self.problem(
                "dns_egress",
                "a source that sends DNS queries must say to which resolvers.",
                'list them in egress (e.g. "192.0.2.53:53"), or set dynamic_egress = true and '
                "return them from Source.plan_hosts.",
            )
        if kind == "active" and not egress and not dynamic:
            self.problem(
                "egress",
                "an active source must declare where it sends data.",
                "list the hosts in egress, or set dynamic_egress = true.",
            )
        rate = self.table("rate_limit")
        timeout = self.table("timeout")
        retries = self.table("retries")
        max_retries = retries.get("max", 3)
        if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
            self.problem(
                "retries.max", f"must be 0 or more, got {max_retries!r}.", "write max = 3."
            )
            max_retries = 3
        backoff = retries.get("backoff", 0.5)
        if not isinstance(backoff, int | float) or isinstance(backoff, bool) or backoff < 0:
            self.problem("retries.backoff", f"must be >= 0, got {backoff!r}.", "write 0.5.")
            backoff = 0.5
        cache_ttl = self.get("cache_ttl", int, 0)
        if cache_ttl < 0:
            self.problem("cache_ttl", "must not be negative.", "write cache_ttl = 0 (no cache).")
        concurrency = self.get("concurrency", int, 4)
        if not 1 <= concurrency <= 64:
            self.problem("concurrency", f"{concurrency} is not 1-64.", "write concurrency = 4.")
            concurrency = 4
        max_bytes = self.get("max_response_bytes", int, 10 * 1024 * 1024)
        if max_bytes <= 0:
            self.problem("max_response_bytes", "must be positive.", "write 10485760 (10 MiB).")
        max_results = self.get("max_results", int, 10_000)
        if max_results <= 0:
            self.problem("max_results", "must be positive.", "write max_results = 10000.")
        manifest = Manifest(
            path=path,
            id=plugin_id,
            name=name,
            version=version,
            api_version=api_version,
            description=description,
            entry=entry,
            kind=kind,
            inputs=inputs,
            outputs=outputs,
            egress=tuple(h.lower() for h in egress),
            dynamic_egress=dynamic,
            dns_egress=dns_egress,
            credentials=self._credentials(),
            settings=self._settings(),
            rate_limit_requests=int(self.number(rate, "rate_limit", "requests", 1, True)),
            rate_limit_seconds=float(self.number(rate, "rate_limit", "per_seconds", 1.0)),
            run_timeout=float(self.number(timeout, "timeout", "run", 300.0)),
            request_timeout=float(self.number(timeout, "timeout", "request", 20.0)),
            max_retries=max_retries,
            retry_backoff=float(backoff),
            cache_ttl=cache_ttl,
            max_response_bytes=max_bytes,
            max_results=max_results,
            concurrency=concurrency,
            bundled_data=self._bundled_data(path),
            entity_types=new_types,
            homepage=self.get("homepage", str, ""),
            author=self.get("author", str, ""),
            licence=self.get("licence", str, ""),
        )
        return None if self.problems else manifest

    def problems_for(self, field_name: str) -> bool:
        return any(p[0] == field_name for p in self.problems)

    def _credentials(self) -> tuple[CredentialSpec, ...]:
        value = self.data.get("credentials", [])
        specs: list[CredentialSpec] = []
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            specs = [CredentialSpec(v) for v in value]
        elif isinstance(value, dict):
            for cred_name, spec in value.items():
                if not isinstance(spec, dict):
                    self.problem(
                        f"credentials.{cred_name}",
                        "must be a table.",
                        'write [credentials.api_key] with description = "...".',
                    )
                    continue
                specs.append(
                    CredentialSpec(
                        cred_name, str(spec.get("description", "")), bool(spec.get("required", 1))
                    )
                )
        else:
            self.problem(
                "credentials",
                f"must be a list of names or a table, got {value!r}.",
                'write credentials = ["api_key"].',
            )
        for spec in specs:
            if not _NAME.match(spec.name):
                self.problem(
                    "credentials",
                    f"{spec.name!r} is not a valid name.",
                    "use lower-case letters, digits and '_'.",
                )
        return tuple(specs)

    def _settings(self) -> tuple[SettingSpec, ...]:
        specs: list[SettingSpec] = []
        for setting_name, raw in self.table("settings").items():
            where = f"settings.{setting_name}"
            if not isinstance(raw, dict):
                self.problem(where, "must be a table.", 'write type = "string", default = "".')
                continue
            if not _NAME.match(setting_name):
                self.problem(where, "is not a valid name.", "use lower-case letters, digits, '_'.")
            kind = raw.get("type")
            if kind not in SETTING_TYPES:
                self.problem(
                    f"{where}.type",
                    f"{kind!r} is not a setting type.",
                    f"use one of {', '.join(SETTING_TYPES)}.",
                )
                continue
            if "default" not in raw:
                self.problem(f"{where}.default", "is missing.", "give every setting a default.")
                continue
            choices = raw.get("choices", [])
            if kind == "choice" and (
                not isinstance(choices, list) or not all(isinstance(c, str) for c in choices)
            ):
                self.problem(f"{where}.choices", "must be a list of strings.", "list the choices.")
                choices = []
            spec = SettingSpec(
                name=setting_name,
                type=kind,
                default=raw["default"],
                description=str(raw.get("description", "")),
                choices=tuple(choices),
                minimum=raw.get("min"),
                maximum=raw.get("max"),
            )
            problem = _setting_problem(spec, spec.default)
            if problem:
                self.problem(f"{where}.default", problem, f"give a {kind} default.")
            specs.append(spec)
        return tuple(specs)

    def _bundled_data(self, path: Path) -> tuple[BundledData, ...]:
        value = self.data.get("bundled_data", [])
        if not isinstance(value, list):
            self.problem(
                "bundled_data", "must be an array of tables.", "write [[bundled_data]] entries."
            )
            return ()
        items: list[BundledData] = []
        for index, raw in enumerate(value):
            where = f"bundled_data[{index}]"
            if not isinstance(raw, dict):
                self.problem(where, "must be a table.", "write path, licence and attribution.")
                continue
            missing = [k for k in ("path", "licence", "attribution") if not raw.get(k)]
            if missing:
                self.problem(
                    where,
                    f"lacks {', '.join(missing)}.",
                    "bundled data must say where it is, its licence and whom to credit.",
                )
                continue
            items.append(
                BundledData(
                    str(raw["path"]),
                    str(raw["licence"]),
                    str(raw["attribution"]),
                    str(raw.get("url", "")),
                )
            )
        return tuple(items)

    def _entity_types(self) -> tuple[EntityTypeSpec, ...]:
        specs: list[EntityTypeSpec] = []
        for type_name, raw in self.table("entity_types").items():
            where = f"entity_types.{type_name}"
            if not isinstance(raw, dict) or not _NAME.match(type_name):
                self.problem(where, "must be a table with a lower-case name.", "see docs.")
                continue
            normaliser = raw.get("normalise", "text")
            if normaliser not in NORMALISERS:
                self.problem(
                    f"{where}.normalise",
                    f"{normaliser!r} is not a normaliser.",
                    f"use one of {', '.join(sorted(NORMALISERS))}.",
                )
                continue
            fields = raw.get("fields", {})
            specs.append(
                EntityTypeSpec(
                    name=type_name,
                    label=str(raw.get("label", type_name)),
                    icon=str(raw.get("icon", "sticky-note")),
                    colour=str(raw.get("colour", "#64748b")),
                    normalise=normaliser,
                    fields={str(k): str(v) for k, v in dict(fields).items()}
                    if isinstance(fields, dict)
                    else {},
                )
            )
        return tuple(specs)


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _known_types() -> set[str]:
    from workbench.vocabulary import default_vocabulary

    return set(default_vocabulary().entity_types)
