"""`SourceHost`: the one object the UI and the CLI use for data sources.

It ties the plugin registry, the settings file, the credential store, the shared rate
limiter and the response cache together, and offers: the plugin list with status, the
sources that accept an entity type, the pre-flight description of a run (which values go
to which hosts) with its confirmation rule, and starting runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import ValidationError
from workbench.paths import cache_dir
from workbench.sources.cache import ResponseCache
from workbench.sources.cancel import CancelToken
from workbench.sources.credentials import CredentialStore
from workbench.sources.discovery import PluginInfo, PluginRegistry
from workbench.sources.errors import (
    ConfirmationRequired,
    CredentialError,
    OfflineError,
    PluginUnavailableError,
    SourceError,
)
from workbench.sources.http import HttpPolicy, PolicySession, Router
from workbench.sources.manifest import Manifest, valid_host_pattern
from workbench.sources.ratelimit import SHARED_LIMITER, HostRateLimiter
from workbench.sources.results import Query
from workbench.sources.runner import RunFinished, RunSummary, SourceRun
from workbench.sources.settings import SettingsStore

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

CredentialProvider = Callable[[], CredentialStore]


@dataclass(frozen=True)
class PluginStatus:
    """A row of the plugin manager / `workbench sources list`."""

    info: PluginInfo
    enabled: bool

    @property
    def status(self) -> str:
        if not self.info.ok:
            return "broken"
        return "enabled" if self.enabled else "disabled"


@dataclass(frozen=True)
class PreflightItem:
    query: Query
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class Preflight:
    """What a run would send where, shown before it starts (UI dialog, CLI prompt)."""

    plugin_id: str
    plugin_name: str
    version: str
    kind: str
    items: tuple[PreflightItem, ...]
    credentials: tuple[str, ...]
    offline: bool
    needs_confirmation: bool
    case_id: str | None

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(sorted({h for item in self.items for h in item.hosts}))

    @property
    def sends_data(self) -> bool:
        return bool(self.hosts)

    def describe(self, max_hosts: int = 12) -> str:
        lines = [f"{self.plugin_name} {self.version} ({self.plugin_id}, {self.kind} source)"]
        if not self.sends_data:
            lines.append("  Runs on this machine only: nothing is sent anywhere.")
            return "\n".join(lines)
        if self.offline:
            lines.append("  Offline mode is ON: this source cannot run until it is turned off.")
        for item in self.items:
            shown = ", ".join(item.hosts[:max_hosts])
            more = f" and {len(item.hosts) - max_hosts} more" if len(item.hosts) > max_hosts else ""
            lines.append(f"  {item.query.type} {item.query.value!r} will be sent to: {shown}{more}")
        if self.credentials:
            lines.append(f"  Uses your credentials: {', '.join(self.credentials)}")
        return "\n".join(lines)


class SourceHost:
    def __init__(
        self,
        *,
        registry: PluginRegistry | None = None,
        settings: SettingsStore | None = None,
        credentials: CredentialStore | CredentialProvider | None = None,
        limiter: HostRateLimiter | None = None,
        cache_root: Path | None = None,
        router: Router | None = None,
    ):
        self.registry = registry or PluginRegistry()
        self.settings = settings or SettingsStore()
        self._credentials = credentials
        self.limiter = limiter or SHARED_LIMITER
        self.cache_root = cache_root
        self.router = router  # loopback routing, for workbench.sdk.testing only

    # ---- plugins -----------------------------------------------------------------------
    def plugins(self) -> list[PluginStatus]:
        return [
            PluginStatus(info, self.settings.is_enabled(info.id)) for info in self.registry.all()
        ]

    def plugin(self, plugin_id: str) -> PluginInfo:
        return self.registry.get(plugin_id)

    def sources_for(self, entity_type: str) -> list[PluginInfo]:
        """Enabled, working sources that accept `entity_type` (the "Run source" submenu)."""
        return [
            info
            for info in self.registry.loaded()
            if info.manifest is not None
            and entity_type in info.manifest.inputs
            and self.settings.is_enabled(info.id)
        ]

    def set_enabled(self, plugin_id: str, enabled: bool) -> None:
        self.registry.get(plugin_id)
        self.settings.set_enabled(plugin_id, enabled)

    # ---- credentials -------------------------------------------------------------------
    @property
    def credentials(self) -> CredentialStore:
        if self._credentials is None:
            self._credentials = CredentialStore.open()
        if not isinstance(self._credentials, CredentialStore):
            self._credentials = self._credentials()
        return self._credentials

    def secret(self, plugin_id: str, name: str) -> str | None:
        return self.credentials.get(plugin_id, name)

    # ---- pre-flight --------------------------------------------------------------------
    def _usable(self, plugin_id: str) -> tuple[PluginInfo, Manifest]:
        info = self.registry.get(plugin_id)
        if info.manifest is None or not info.ok:
            raise PluginUnavailableError(f"Plugin {plugin_id} is broken: {info.error}")
        if not self.settings.is_enabled(plugin_id):
            raise PluginUnavailableError(
                f"{info.manifest.name} is disabled. Enable it in the plugin manager or with "
                f"`workbench sources enable {plugin_id}`."
            )
        return info, info.manifest

    def _check_query(self, manifest: Manifest, query: Query) -> None:
        if query.type not in manifest.inputs:
            raise ValidationError(
                f"{manifest.name} does not take a {query.type}; it takes "
                f"{', '.join(manifest.inputs)}."
            )
        from workbench.vocabulary import default_vocabulary

        default_vocabulary().entity_type(query.type).normalise_value(query.value)

    def preflight(
        self, plugin_id: str, queries: Sequence[Query], case_id: str | None = None
    ) -> Preflight:
        info, manifest = self._usable(plugin_id)
        source = info.create()
        settings = self.settings.plugin_settings(manifest)
        items = []
        for query in queries:
            self._check_query(manifest, query)
            hosts = tuple(dict.fromkeys(h.lower() for h in source.plan_hosts(query, settings)))
            self._check_planned(manifest, hosts)
            items.append(PreflightItem(query, hosts))
        sends = any(item.hosts for item in items)
        return Preflight(
            plugin_id=manifest.id,
            plugin_name=manifest.name,
            version=manifest.version,
            kind=manifest.kind,
            items=tuple(items),
            credentials=tuple(c.name for c in manifest.credentials),
            offline=self.settings.network.offline,
            needs_confirmation=sends and not self.settings.skips_confirmation(case_id, plugin_id),
            case_id=case_id,
        )

    @staticmethod
    def _check_planned(manifest: Manifest, hosts: tuple[str, ...]) -> None:
        from workbench.sources.http import host_matches

        for host in hosts:
            if not valid_host_pattern(host):
                raise SourceError(f"{manifest.name} planned an invalid host {host!r}.")
            if manifest.dynamic_egress:
                continue
            name, _, port = host.partition(":")
            if not any(host_matches(name, int(port) if port else None, p) for p in manifest.egress):
                raise SourceError(
                    f"{manifest.name} plans to contact {host}, which its plugin.toml does not "
                    "declare in `egress` (and dynamic_egress is off). Fix the plugin."
                )

    def confirm(self, preflight: Preflight, *, dont_ask_again: bool = False) -> None:
        """Record the user's "don't ask again for this source in this case" choice."""
        if dont_ask_again and preflight.case_id is not None:
            self.settings.set_skip_confirmation(preflight.case_id, preflight.plugin_id)

    # ---- runs --------------------------------------------------------------------------
    def make_session(
        self,
        policy: HttpPolicy,
        *,
        cancel: CancelToken,
        deadline: float | None,
        ws: Workspace | None,
    ) -> PolicySession:
        root = self.cache_root
        if root is None:
            root = (ws.root / "cache" / "sources") if ws is not None else cache_dir() / "sources"
        return PolicySession(
            policy,
            cancel=cancel,
            deadline=deadline,
            limiter=self.limiter,
            cache=ResponseCache(root),
            router=self.router,
        )

    def start_run(
        self,
        plugin_id: str,
        query: Query,
        *,
        ws: Workspace | None = None,
        case_id: str | None = None,
        cancel: CancelToken | None = None,
        confirmed: bool = False,
        bypass_cache: bool = False,
        run_timeout: float | None = None,
    ) -> SourceRun:
        """Check everything that can be checked before anything is sent, then build the run.

        Raises ConfirmationRequired when data would leave the machine and neither
        `confirmed` nor a "don't ask again" choice covers it; OfflineError in offline mode
        for a network source; CredentialError when a required secret is missing.
        """
        info, manifest = self._usable(plugin_id)
        preflight = self.preflight(plugin_id, [query], case_id)
        if preflight.sends_data and preflight.offline:
            raise OfflineError(
                f"Offline mode is on, so {manifest.name} (which sends data to "
                f"{', '.join(preflight.hosts[:5])}) was not run. Turn offline mode off first "
                "(Sources > Work offline, or Sources > Network settings…)."
            )
        if preflight.needs_confirmation and not confirmed:
            raise ConfirmationRequired(
                "This run sends data off the machine and needs your confirmation:\n"
                + preflight.describe()
            )
        for credential in manifest.credentials:
            if credential.required and not self.secret(manifest.id, credential.name):
                raise CredentialError(
                    f"{manifest.name} needs the credential {credential.name!r}"
                    + (f" ({credential.description})" if credential.description else "")
                    + f". Set it in Sources > Credentials…, or `workbench sources secret "
                    f"{manifest.id} {credential.name}`."
                )
        return SourceRun(
            self,
            manifest,
            info.create(),
            query,
            planned_hosts=preflight.hosts,
            settings=self.settings.plugin_settings(manifest),
            ws=ws,
            case_id=case_id,
            cancel=cancel,
            bypass_cache=bypass_cache,
            confirmed=confirmed or not preflight.needs_confirmation,
            run_timeout=run_timeout,
        )

    def execute(
        self,
        plugin_id: str,
        query: Query,
        *,
        ws: Workspace | None = None,
        case_id: str | None = None,
        cancel: CancelToken | None = None,
        confirmed: bool = False,
        bypass_cache: bool = False,
        run_timeout: float | None = None,
    ) -> RunSummary:
        """Run to the end and return the summary (CLI, tests, scripts)."""
        run = self.start_run(
            plugin_id,
            query,
            ws=ws,
            case_id=case_id,
            cancel=cancel,
            confirmed=confirmed,
            bypass_cache=bypass_cache,
            run_timeout=run_timeout,
        )
        summary = run.summary
        for event in run.events():
            if isinstance(event, RunFinished):
                summary = event.summary
        return summary
