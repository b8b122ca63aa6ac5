"""Finding and loading plugins: built-in folder, user folder, entry points, through one loader.

Each manifest is validated before its module is imported. Folder plugins are imported under
a private package (`_workbench_plugins.<id>`) built with importlib, never by editing
`sys.path`, so a plugin's `source.py` cannot shadow or be shadowed by another module. A
plugin that fails to load is listed as broken with its error; nothing else is affected.
Built-ins are found by path, not entry points, because PyInstaller drops the metadata.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import traceback
import types
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path

from workbench.paths import builtin_plugins_dir, user_plugins_dir
from workbench.sources.api import Source
from workbench.sources.errors import ManifestError, PluginLoadError, PluginUnavailableError
from workbench.sources.manifest import MANIFEST_NAME, Manifest, load_manifest

ENTRY_POINT_GROUP = "workbench.sources"
PRIVATE_ROOT = "_workbench_plugins"
ORIGINS = ("built-in", "user", "entry point")


@dataclass(frozen=True)
class PluginInfo:
    """One discovered plugin: loaded (`source_class` set) or broken (`error` set)."""

    key: str  # the manifest id, or the folder / entry point name when it has none
    origin: str
    location: str
    manifest: Manifest | None = None
    source_class: type[Source] | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.source_class is not None and not self.error

    @property
    def id(self) -> str:
        return self.manifest.id if self.manifest else self.key

    def create(self) -> Source:
        if self.source_class is None or self.manifest is None:
            raise PluginUnavailableError(f"Plugin {self.key} is broken: {self.error}")
        return self.source_class(self.manifest)


def _private_root() -> types.ModuleType:
    root = sys.modules.get(PRIVATE_ROOT)
    if root is None:
        spec = importlib.machinery.ModuleSpec(PRIVATE_ROOT, None, is_package=True)
        spec.submodule_search_locations = []
        root = importlib.util.module_from_spec(spec)
        root.__doc__ = "Private namespace of folder plugins loaded by workbench.sources."
        sys.modules[PRIVATE_ROOT] = root
    return root


def _package_name(manifest: Manifest) -> str:
    return f"{PRIVATE_ROOT}.{manifest.id.replace('-', '_')}"


def import_folder_plugin(manifest: Manifest) -> type[Source]:
    """Import `entry` from the plugin's folder as `_workbench_plugins.<id>.<module>`."""
    _private_root()
    package_name = _package_name(manifest)
    for name in [m for m in sys.modules if m == package_name or m.startswith(package_name + ".")]:
        del sys.modules[name]  # a re-scan picks up edits to the plugin
    folder = manifest.folder
    init = folder / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(
            package_name, init, submodule_search_locations=[str(folder)]
        )
    else:
        spec = importlib.machinery.ModuleSpec(package_name, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
    if spec is None:
        raise PluginLoadError(f"{folder}: cannot build an import spec.")
    package = importlib.util.module_from_spec(spec)
    sys.modules[package_name] = package
    try:
        if spec.loader is not None:
            spec.loader.exec_module(package)
        module_path = folder / (manifest.module_name.replace(".", "/") + ".py")
        if not module_path.is_file() and not (folder / manifest.module_name).is_dir():
            raise PluginLoadError(
                f"{manifest.path}: field 'entry' names module {manifest.module_name!r}, but "
                f"{module_path.name} is not in {folder}. Fix: create it or correct `entry`."
            )
        module = importlib.import_module(f"{package_name}.{manifest.module_name}")
    except BaseException:
        for name in [m for m in sys.modules if m.startswith(package_name)]:
            del sys.modules[name]
        raise
    return _source_class(module, manifest)


def _source_class(module: types.ModuleType, manifest: Manifest) -> type[Source]:
    candidate = getattr(module, manifest.class_name, None)
    if candidate is None:
        raise PluginLoadError(
            f"{manifest.path}: field 'entry' names class {manifest.class_name!r}, but module "
            f"{manifest.module_name} has no such name. Fix: correct `entry`."
        )
    if not (isinstance(candidate, type) and issubclass(candidate, Source)):
        raise PluginLoadError(
            f"{manifest.path}: {manifest.entry} is not a subclass of workbench.sdk.Source. "
            "Fix: `class MySource(Source):` with a run(query, ctx) method."
        )
    return candidate


def _describe_exception(exc: BaseException, folder: Path) -> str:
    """The error and the plugin's own frame (file:line), without the loader's frames."""
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if str(folder) in (f.filename or "")
    ]
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f" ({Path(exc.filename).name}:{exc.lineno})"
    text = str(exc) if isinstance(exc, PluginLoadError) else f"{type(exc).__name__}: {exc}"
    return f"{text}{where}"


def _register_entity_types(manifest: Manifest) -> None:
    if not manifest.entity_types:
        return
    from workbench.vocabulary import EntityType, default_vocabulary

    vocabulary = default_vocabulary()
    for spec in manifest.entity_types:
        vocabulary.register_entity_type(
            EntityType(
                spec.name, spec.label, spec.icon, spec.colour, spec.normalise, dict(spec.fields)
            )
        )


class PluginRegistry:
    """Scans the three channels once (`reload()` to rescan) and keeps the result."""

    def __init__(
        self,
        *,
        builtin_dir: Path | None = None,
        user_dir: Path | None = None,
        extra_dirs: Iterable[Path] = (),
        use_entry_points: bool = True,
    ):
        self.builtin_dir = builtin_dir or builtin_plugins_dir()
        self.user_dir = user_dir or user_plugins_dir()
        self.extra_dirs = tuple(extra_dirs)
        self.use_entry_points = use_entry_points
        self._plugins: dict[str, PluginInfo] | None = None
        self._broken: list[PluginInfo] = []

    @classmethod
    def of(cls, plugins: Iterable[PluginInfo]) -> PluginRegistry:
        """A registry holding exactly these plugins (tests, `workbench.sdk.testing`)."""
        registry = cls(builtin_dir=Path("/nonexistent"), user_dir=Path("/nonexistent"))
        registry.use_entry_points = False
        registry._plugins = {p.id: p for p in plugins if p.ok}
        registry._broken = [p for p in plugins if not p.ok]
        return registry

    # ---- scanning ----------------------------------------------------------------------
    def reload(self) -> list[PluginInfo]:
        found: dict[str, PluginInfo] = {}
        broken: list[PluginInfo] = []
        candidates: list[PluginInfo] = []
        candidates += [self._load_folder(f, "built-in") for f in _plugin_folders(self.builtin_dir)]
        for folder in (self.user_dir, *self.extra_dirs):
            candidates += [self._load_folder(f, "user") for f in _plugin_folders(folder)]
        if self.use_entry_points:
            candidates += self._load_entry_points()
        for info in candidates:
            if not info.ok:
                broken.append(info)
            elif info.id in found:
                first = found[info.id]
                broken.append(
                    replace(
                        info,
                        source_class=None,
                        error=f"another plugin already has the id {info.id!r} ({first.origin}: "
                        f"{first.location}); this copy is ignored. Fix: remove one of them.",
                    )
                )
            else:
                found[info.id] = info
        self._plugins = found
        self._broken = broken
        return self.all()

    def _ensure(self) -> dict[str, PluginInfo]:
        if self._plugins is None:
            self.reload()
        assert self._plugins is not None
        return self._plugins

    def all(self) -> list[PluginInfo]:
        """Loaded plugins (sorted by id), then broken ones."""
        loaded = sorted(self._ensure().values(), key=lambda p: p.id)
        return loaded + list(self._broken)

    def loaded(self) -> list[PluginInfo]:
        return sorted(self._ensure().values(), key=lambda p: p.id)

    def broken(self) -> list[PluginInfo]:
        self._ensure()
        return list(self._broken)

    def get(self, plugin_id: str) -> PluginInfo:
        plugins = self._ensure()
        if plugin_id in plugins:
            return plugins[plugin_id]
        for info in self._broken:
            if info.id == plugin_id:
                raise PluginUnavailableError(f"Plugin {plugin_id} is broken: {info.error}")
        valid = ", ".join(sorted(plugins)) or "none"
        raise PluginUnavailableError(f"No data source {plugin_id!r}. Available: {valid}.")

    # ---- channels ----------------------------------------------------------------------
    @staticmethod
    def _load_folder(folder: Path, origin: str) -> PluginInfo:
        try:
            manifest = load_manifest(folder / MANIFEST_NAME)
        except ManifestError as exc:
            return PluginInfo(folder.name, origin, str(folder), error=str(exc))
        try:
            source_class = import_folder_plugin(manifest)
        except Exception as exc:
            return PluginInfo(
                manifest.id, origin, str(folder), manifest, error=_describe_exception(exc, folder)
            )
        _register_entity_types(manifest)
        return PluginInfo(manifest.id, origin, str(folder), manifest, source_class)

    def _load_entry_points(self) -> list[PluginInfo]:
        infos: list[PluginInfo] = []
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            location = f"{entry_point.name} = {entry_point.value}"
            try:
                spec = importlib.util.find_spec(entry_point.module)
            except (ImportError, ValueError) as exc:
                infos.append(PluginInfo(entry_point.name, "entry point", location, error=f"{exc}"))
                continue
            if spec is None:
                infos.append(
                    PluginInfo(
                        entry_point.name,
                        "entry point",
                        location,
                        error=f"package {entry_point.module} is not installed.",
                    )
                )
                continue
            if spec.submodule_search_locations:
                folder = Path(next(iter(spec.submodule_search_locations)))
            else:
                folder = Path(spec.origin or ".").parent
            try:
                manifest = load_manifest(folder / MANIFEST_NAME)
            except ManifestError as exc:
                infos.append(PluginInfo(entry_point.name, "entry point", location, error=str(exc)))
                continue
            try:
                module = importlib.import_module(f"{entry_point.module}.{manifest.module_name}")
                source_class = _source_class(module, manifest)
            except Exception as exc:
                infos.append(
                    PluginInfo(
                        manifest.id,
                        "entry point",
                        location,
                        manifest,
                        error=_describe_exception(exc, folder),
                    )
                )
                continue
            _register_entity_types(manifest)
            infos.append(PluginInfo(manifest.id, "entry point", location, manifest, source_class))
        return infos


def _plugin_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / MANIFEST_NAME).is_file())


def check_plugin_folder(folder: Path) -> PluginInfo:
    """`workbench sources check PATH`: validate the manifest, then import the module."""
    folder = Path(folder)
    if folder.name == MANIFEST_NAME:
        folder = folder.parent
    return PluginRegistry._load_folder(folder, "checked")
