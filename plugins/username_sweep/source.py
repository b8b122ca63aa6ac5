"""username-sweep: one username against every site of the WhatsMyName list.

A site says "exists" when the status is `e_code` and the body contains `e_string`, and
"missing" when the status is `m_code` and the body contains `m_string` (WhatsMyName's own
rules; redirects are not followed, since many rules are about 301/302). Anything else is
"unknown" (captcha, changed page). Every check goes into a JSON-lines log kept as evidence;
the full response of each account found is kept too.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from workbench.sdk import (
    Context,
    EntityResult,
    EvidenceResult,
    HttpResponse,
    Query,
    Result,
    RunCancelled,
    Source,
    SourceDataError,
    SourceError,
    resource,
)

REQUIRED = {
    "name": str,
    "uri_check": str,
    "e_code": int,
    "e_string": str,
    "m_string": str,
    "m_code": int,
    "cat": str,
}
NSFW = "xx NSFW xx"
_HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


@dataclass(frozen=True)
class Site:
    name: str
    uri_check: str
    uri_pretty: str
    e_code: int
    e_string: str
    m_code: int
    m_string: str
    category: str
    post_body: str | None
    headers: Mapping[str, str]
    strip_bad_char: str
    protection: tuple[str, ...]

    def account(self, username: str) -> str:
        return "".join(c for c in username if c not in self.strip_bad_char)

    def check_url(self, username: str) -> str:
        return self.uri_check.replace("{account}", quote(self.account(username), safe="@._-~+"))

    def profile_url(self, username: str) -> str:
        return (self.uri_pretty or self.uri_check).replace(
            "{account}", quote(self.account(username), safe="@._-~+")
        )

    def host(self, username: str) -> str:
        return (urlsplit(self.check_url(username)).hostname or "").lower()


@dataclass(frozen=True)
class SiteList:
    sites: tuple[Site, ...]
    skipped: int
    path: Path


_CACHE: dict[tuple[str, float], SiteList] = {}
_CACHE_LOCK = threading.Lock()


def load_sites(path: Path) -> SiteList:
    """Parse a wmn-data.json; malformed sites are skipped and counted, a bad file raises."""
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError as exc:
        raise SourceDataError(f"The site list {path} cannot be read: {exc}.") from exc
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceDataError(
            f"The site list {path} is not valid JSON ({exc}). Use a wmn-data.json from "
            "WhatsMyName, or clear the sites_file setting to use the shipped list."
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("sites"), list):
        raise SourceDataError(
            f"The site list {path} has no 'sites' array; it is not a WhatsMyName data file."
        )
    sites: list[Site] = []
    skipped = 0
    for raw in data["sites"]:
        if not isinstance(raw, dict) or raw.get("valid", True) is False:
            skipped += 1
            continue
        if any(
            not isinstance(raw.get(k), t) or isinstance(raw.get(k), bool)
            for k, t in REQUIRED.items()
        ):
            skipped += 1
            continue
        headers = raw.get("headers") or {}
        if not isinstance(headers, dict):
            skipped += 1
            continue
        sites.append(
            Site(
                name=raw["name"],
                uri_check=raw["uri_check"],
                uri_pretty=str(raw.get("uri_pretty") or ""),
                e_code=raw["e_code"],
                e_string=raw["e_string"],
                m_code=raw["m_code"],
                m_string=raw["m_string"],
                category=raw["cat"],
                post_body=raw["post_body"] if isinstance(raw.get("post_body"), str) else None,
                headers={str(k): str(v) for k, v in headers.items()},
                strip_bad_char=str(raw.get("strip_bad_char") or ""),
                protection=tuple(str(p) for p in raw.get("protection") or ()),
            )
        )
    result = SiteList(tuple(sites), skipped, path)
    with _CACHE_LOCK:
        _CACHE[key] = result
    return result


def verdict(site: Site, status: int, body: str) -> tuple[str, str]:
    """('found' | 'not found' | 'unknown', why) by the site's WhatsMyName rules."""
    if status == site.e_code and site.e_string in body:
        return "found", f"status {status} and the page contains the 'exists' text"
    if status == site.m_code and site.m_string in body:
        return "not found", f"status {status} and the page matches the 'missing' rule"
    return "unknown", f"status {status} matches neither rule"


def spread_by_host(sites: list[Site], username: str) -> list[Site]:
    """Order checks so that sites sharing a host are spread evenly over the sweep (the
    others keep their place): the per-host rate limit then rarely makes a worker wait."""
    by_host: dict[str, list[int]] = {}
    for position, site in enumerate(sites):
        by_host.setdefault(site.host(username), []).append(position)
    slots: list[tuple[float, int]] = []
    for positions in by_host.values():
        count = len(positions)
        for index, position in enumerate(positions):
            slot = (index + 0.5) * len(sites) / count if count > 1 else float(position)
            slots.append((slot, position))
    slots.sort()
    return [sites[position] for _, position in slots]


def _username(query: Query) -> str:
    return query.value.strip().lstrip("@")


def raw_http(response: HttpResponse) -> bytes:
    head = [f"HTTP {response.status}", f"X-Requested-URL: {response.url}"]
    head += [f"{name}: {value}" for name, value in response.headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("utf-8", "replace") + response.content


class UsernameSweep(Source):
    def _sites(self, settings: Mapping[str, Any]) -> SiteList:
        custom = str(settings.get("sites_file") or "").strip()
        path = Path(custom).expanduser() if custom else resource("sites", "wmn-data.json")
        return load_sites(path)

    def _selected(self, query: Query, settings: Mapping[str, Any]) -> list[Site]:
        wanted = {c.strip() for c in str(settings.get("categories") or "").split(",") if c.strip()}
        include_nsfw = bool(settings.get("include_nsfw"))
        selected = []
        for site in self._sites(settings).sites:
            if wanted and site.category not in wanted:
                continue
            if site.category == NSFW and not include_nsfw:
                continue
            if not _HOST.match(site.host(_username(query))):
                continue  # e.g. {account}.blogspot.com with a username that is no host label
            selected.append(site)
        return selected

    def plan_hosts(self, query: Query, settings: Mapping[str, Any]) -> list[str]:
        username = _username(query)
        return sorted({site.host(username) for site in self._selected(query, settings)})

    def run(self, query: Query, ctx: Context) -> Iterator[Result]:
        username = _username(query)
        sites = spread_by_host(self._selected(query, ctx.settings), username)
        keep = ctx.settings["keep_bodies"]
        total = len(sites)
        ctx.log.info("checking %s on %d sites", username, total)
        ctx.progress(0, total, "starting")
        checks: list[dict[str, Any]] = []
        found = 0

        def check(site: Site) -> tuple[dict[str, Any], HttpResponse | None]:
            record: dict[str, Any] = {
                "site": site.name,
                "category": site.category,
                "method": "POST" if site.post_body is not None else "GET",
                "url": site.check_url(username),
            }
            try:
                if site.post_body is not None:
                    body = site.post_body.replace("{account}", site.account(username))
                    response = ctx.http.post(
                        record["url"],
                        data=body,
                        headers=site.headers,
                        allow_redirects=False,
                        expected_statuses=(site.e_code, site.m_code),
                    )
                else:
                    response = ctx.http.get(
                        record["url"],
                        headers=site.headers,
                        allow_redirects=False,
                        expected_statuses=(site.e_code, site.m_code),
                    )
            except RunCancelled:
                raise
            except SourceError as exc:
                record.update(verdict="error", reason=str(exc))
                return record, None
            result, reason = verdict(site, response.status, response.text)
            record.update(
                status=response.status,
                verdict=result,
                reason=reason,
                body_sha256=hashlib.sha256(response.content).hexdigest(),
                body_bytes=len(response.content),
                elapsed_ms=round(response.elapsed * 1000),
                from_cache=response.from_cache,
            )
            return record, response

        site_by_name = {site.name: site for site in sites}
        for site, outcome, error in ctx.map(check, sites):
            if error is not None or outcome is None:
                checks.append({"site": site.name, "verdict": "error", "reason": repr(error)})
                continue
            record, response = outcome
            checks.append(record)
            if record["verdict"] == "found":
                found += 1
                current = site_by_name[record["site"]]
                account = EntityResult(
                    "account",
                    current.profile_url(username),
                    label=f"{username} ({current.name})",
                    properties={
                        "platform": current.name,
                        "handle": username,
                        "profile_url": current.profile_url(username),
                        "category": current.category,
                        "check": record["reason"],
                    },
                    link="same_as",
                    link_properties={"found_by": "WhatsMyName rule", "site": current.name},
                )
                yield account
                if response is not None and keep in ("found", "all"):
                    yield self._evidence(response, current, username, record, (account,))
            elif response is not None and keep == "all":
                yield self._evidence(response, site, username, record, ())
            ctx.progress(len(checks), total, f"{found} found")
        log = "\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in checks)
        yield EvidenceResult(
            (log + "\n").encode("utf-8"),
            filename=f"username-sweep-{username}-checks.jsonl",
            description=(
                f"WhatsMyName checks of {username!r}: {len(checks)} sites, {found} found "
                f"({sum(r.get('verdict') == 'unknown' for r in checks)} inconclusive, "
                f"{sum(r.get('verdict') == 'error' for r in checks)} errors)."
            ),
            mime_type="application/x-ndjson",
            metadata={"username": username, "sites": len(checks), "found": found},
            about=(query,),
        )

    @staticmethod
    def _evidence(
        response: HttpResponse,
        site: Site,
        username: str,
        record: Mapping[str, Any],
        about: tuple[EntityResult, ...],
    ) -> EvidenceResult:
        safe_site = re.sub(r"[^A-Za-z0-9._-]+", "_", site.name)
        return EvidenceResult(
            raw_http(response),
            filename=f"wmn-{safe_site}-{username}.http",
            description=f"{site.name}: {record['verdict']} ({record['reason']})",
            mime_type="message/http",
            source_url=record["url"],
            metadata={
                "site": site.name,
                "status": response.status,
                "verdict": record["verdict"],
                "body_sha256": record.get("body_sha256"),
            },
            about=about,
        )
