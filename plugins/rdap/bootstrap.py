"""IANA's RDAP bootstrap registries (RFC 9224): which RDAP server answers for a TLD or an IP.

A snapshot of IANA's `dns.json`, `ipv4.json` and `ipv6.json` ships in `resources/rdap/`
(see plugins/rdap/README.md for where it comes from). `refresh()` downloads fresh copies
from data.iana.org through the run's HTTP session (so with every host policy: offline
mode, proxy, egress list, timeouts) into the plugin's cache folder; they are used from then
on. The three files are validated before any is written, and written temp-then-rename, so
a failed or partial download never replaces a good copy.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workbench.sdk import HttpSession, SourceDataError, atomic_write, plugin_cache_dir, resource

PLUGIN_ID = "rdap"
KINDS = ("dns", "ipv4", "ipv6")
IANA_BASE = "https://data.iana.org/rdap/"
META = "meta.json"
DAY = 86400.0

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Bootstrap:
    """The parsed registries and where they came from."""

    domains: Mapping[str, tuple[str, ...]]  # lower-case label suffix ("com", "co.uk") -> URLs
    networks: tuple[tuple[Network, tuple[str, ...]], ...]  # most specific first
    publication: Mapping[str, str]  # kind -> IANA's publication time
    origin: str  # "bundled snapshot" or "downloaded from data.iana.org"
    fetched_at: float | None = None  # when downloaded (None for the bundled snapshot)

    def describe(self) -> str:
        when = self.publication.get("dns", "?")
        if self.fetched_at is None:
            return f"the bundled snapshot of IANA's bootstrap (dns.json published {when})"
        fetched = time.strftime("%Y-%m-%d", time.gmtime(self.fetched_at))
        return f"IANA's bootstrap downloaded on {fetched} (dns.json published {when})"

    def age_days(self, now: float | None = None) -> float:
        """Days since this copy was fetched; the bundled snapshot is always stale."""
        if self.fetched_at is None:
            return float("inf")
        return ((now or time.time()) - self.fetched_at) / DAY

    def domain_urls(self, domain: str) -> tuple[str, ...]:
        """RDAP base URLs for `domain` (longest matching label suffix), or () if none."""
        labels = domain.lower().rstrip(".").split(".")
        for start in range(len(labels)):
            urls = self.domains.get(".".join(labels[start:]))
            if urls:
                return urls
        return ()

    def ip_urls(self, address: str) -> tuple[str, ...]:
        """RDAP base URLs for an IPv4/IPv6 address (longest matching prefix), or ()."""
        ip = ipaddress.ip_address(address)
        for network, urls in self.networks:
            if network.version == ip.version and ip in network:
                return urls
        return ()


def preferred(urls: tuple[str, ...]) -> str:
    """The base URL to use: HTTPS when offered (RFC 9224 section 3), with a trailing slash."""
    chosen = next((u for u in urls if u.lower().startswith("https://")), urls[0])
    return chosen if chosen.endswith("/") else chosen + "/"


def host_of(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def parse_documents(
    documents: Mapping[str, Any], origin: str, fetched_at: float | None = None
) -> Bootstrap:
    """Validate and index the three registries; raises SourceDataError naming the problem."""
    domains: dict[str, tuple[str, ...]] = {}
    networks: list[tuple[Network, tuple[str, ...]]] = []
    publication: dict[str, str] = {}
    for kind in KINDS:
        doc = documents.get(kind)
        if not isinstance(doc, dict):
            doc = {}
        services = doc.get("services")
        if not isinstance(services, list) or not services:
            raise SourceDataError(
                f"{kind}.json ({origin}) is not an RDAP bootstrap registry: it has no "
                "'services' list."
            )
        publication[kind] = str(doc.get("publication", ""))
        for index, service in enumerate(services):
            if (
                not isinstance(service, list)
                or len(service) < 2
                or not all(isinstance(x, str) for x in service[0])
                or not service[1]
                or not all(isinstance(x, str) for x in service[1])
            ):
                raise SourceDataError(
                    f"{kind}.json ({origin}): service {index} is not [[entries], [urls]]."
                )
            urls = tuple(service[1])
            for entry in service[0]:
                if kind == "dns":
                    domains[entry.lower().rstrip(".")] = urls
                else:
                    try:
                        networks.append((ipaddress.ip_network(entry, strict=False), urls))
                    except ValueError as exc:
                        raise SourceDataError(
                            f"{kind}.json ({origin}): {entry!r} is not a network ({exc})."
                        ) from exc
    networks.sort(key=lambda item: item[0].prefixlen, reverse=True)
    return Bootstrap(domains, tuple(networks), publication, origin, fetched_at)


def bundled_folder() -> Path:
    return resource("rdap")


def cache_folder() -> Path:
    return plugin_cache_dir(PLUGIN_ID) / "bootstrap"


_LOCK = threading.Lock()
_LOADED: dict[tuple[str, float], Bootstrap] = {}


def _read_folder(folder: Path, origin: str, fetched_at: float | None) -> Bootstrap:
    documents = {}
    for kind in KINDS:
        path = folder / f"{kind}.json"
        try:
            documents[kind] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SourceDataError(f"{path} cannot be read as JSON: {exc}") from exc
    return parse_documents(documents, origin, fetched_at)


def load() -> Bootstrap:
    """The downloaded copy when there is a complete, valid one, else the bundled snapshot."""
    folder = cache_folder()
    meta_path = folder / META
    with _LOCK:
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            fetched_at = float(meta["fetched_at"])
            key = (str(folder), fetched_at)
            if key not in _LOADED:
                _LOADED[key] = _read_folder(folder, "downloaded from data.iana.org", fetched_at)
            return _LOADED[key]
        except (OSError, ValueError, KeyError, TypeError, SourceDataError):
            pass  # no usable download: the bundled snapshot
        key = (str(bundled_folder()), 0.0)
        if key not in _LOADED:
            _LOADED[key] = _read_folder(bundled_folder(), "bundled snapshot", None)
        return _LOADED[key]


def refresh_due(bootstrap: Bootstrap, max_age_days: int) -> bool:
    return max_age_days > 0 and bootstrap.age_days() > max_age_days


def refresh(http: HttpSession, base: str = IANA_BASE, folder: Path | None = None) -> Bootstrap:
    """Download dns.json, ipv4.json and ipv6.json through `http` (the host's policies apply),
    validate all three, then store them in the plugin's cache folder. Returns the new data.
    Raises the SDK's errors (OfflineError, SourceNetworkError, HttpStatusError,
    SourceDataError...) and leaves the previous copy untouched when anything fails."""
    folder = folder or cache_folder()
    bodies: dict[str, bytes] = {}
    documents: dict[str, Any] = {}
    for kind in KINDS:
        response = http.get(f"{base}{kind}.json", use_cache=False).raise_for_status()
        documents[kind] = response.json()
        bodies[kind] = response.content
    fetched_at = time.time()
    bootstrap = parse_documents(documents, "downloaded from data.iana.org", fetched_at)
    folder.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        atomic_write(folder / f"{kind}.json", bodies[kind])
    meta = {"fetched_at": fetched_at, "source": base, "publication": dict(bootstrap.publication)}
    atomic_write(folder / META, json.dumps(meta, indent=2).encode("utf-8"))  # written last
    with _LOCK:
        _LOADED[(str(folder), fetched_at)] = bootstrap
    return bootstrap
