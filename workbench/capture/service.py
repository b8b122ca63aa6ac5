"""Capture a web page as evidence: fetch (under the data-source network policies), write a
WARC, store it as the original (content-addressed, hashed at collection), record who, when,
from where and with what, and keep the page text for search."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from workbench.capture.fetch import Hop, fetch_chain
from workbench.capture.page import decode, is_html, read_page
from workbench.capture.warc import WARC_MIME, write_warc
from workbench.errors import ValidationError
from workbench.evidence.collector import collector_block
from workbench.evidence.errors import storage_error
from workbench.evidence.model import EvidenceKind
from workbench.sources.cancel import CancelToken
from workbench.sources.http import HttpPolicy, PolicySession
from workbench.timeutil import to_iso, utcnow

if TYPE_CHECKING:
    from workbench.model import Evidence
    from workbench.sources.settings import NetworkSettings
    from workbench.store.workspace import Workspace

CAPTURE_ID = "web-capture"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
DEFAULT_RUN_TIMEOUT = 180.0
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TEXT_KINDS = ("text/", "application/json", "application/xml", "application/xhtml+xml")


@dataclass(frozen=True)
class CaptureOptions:
    persona: str = ""
    allow_hosts: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT
    run_timeout: float = DEFAULT_RUN_TIMEOUT
    sensitivity: str | None = None
    description: str = ""


def normalise_url(text: str) -> str:
    """What the user typed, as an absolute http(s) URL (no scheme means https)."""
    url = text.strip()
    if not url:
        raise ValidationError("Type the address of the page to capture.")
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            f"{text.strip()[:100]!r} is not a web address; give one such as "
            "https://example.org/page."
        )
    return url


def twin_host(host: str) -> str:
    return host[4:] if host.startswith("www.") else f"www.{host}"


def capture_url(
    ws: Workspace,
    case_id: str,
    url: str,
    options: CaptureOptions | None = None,
    *,
    network: NetworkSettings | None = None,
    cancel: CancelToken | None = None,
    progress: Callable[[str], None] | None = None,
) -> Evidence:
    """Capture `url` into the case; raises a clear WorkbenchError and keeps nothing on any
    failure (unreachable host, TLS failure, size cap, offline mode, egress, cancel)."""
    options = options or CaptureOptions()
    url = normalise_url(url)
    ws.cases.get(case_id)  # fail before any request for an unknown case
    if network is None:
        from workbench.sources.settings import SettingsStore

        network = SettingsStore().network
    host = (urlsplit(url).hostname or "").lower()
    allowed = tuple(
        dict.fromkeys([host, twin_host(host), *[h.lower() for h in options.allow_hosts]])
    )
    policy = HttpPolicy(
        plugin_id=CAPTURE_ID,
        allowed_hosts=allowed,
        offline=network.offline,
        proxy=network.proxy,
        user_agent=network.effective_user_agent,
        request_timeout=options.timeout,
        max_retries=1,
        max_response_bytes=options.max_bytes,
    )
    say = progress or (lambda _message: None)
    session = PolicySession(policy, cancel=cancel, deadline=time.monotonic() + options.run_timeout)
    try:
        say(f"Connecting to {host}…")
        hops = fetch_chain(session, url, {"Accept": ACCEPT, "Accept-Encoding": "identity"})
    finally:
        session.close()
    final = hops[-1]
    say(f"Received {len(final.body):,} bytes from {final.server_ip or host}; writing WARC…")
    page_text, page_info = _page(final)
    collector = collector_block(
        ws.actor,
        options.persona,
        offline=network.offline,
        proxy="direct"
        if not network.proxy
        else ("system" if network.proxy == "system" else "proxy"),
        user_agent=network.effective_user_agent,
        max_bytes=options.max_bytes,
        timeout=options.timeout,
    )
    capture = _capture_block(url, hops, page_info)
    warcinfo = {
        "software": f"{collector['tool']} {collector['tool_version']}",
        "format": "WARC File Format 1.1",
        "operator": ws.actor,
        "persona": options.persona,
        "hostname": collector["machine"],
        "isPartOf": case_id,
        "description": f"capture of {url}",
    }
    temp_dir = ws.root / "tmp"
    try:
        temp_dir.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix="capture-", suffix=".warc", dir=temp_dir)
    except OSError as exc:
        raise storage_error(exc, "the capture") from exc
    try:
        try:
            with os.fdopen(handle, "wb") as out:
                written = write_warc(
                    out, hops, warcinfo, {"capture": capture, "collector": collector}
                )
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise storage_error(exc, "the capture") from exc
        capture["warc_record_ids"] = written.record_ids
        capture["warc_payload_digest"] = written.payload_digest
        if cancel is not None:
            cancel.raise_if_cancelled()
        say("Storing the capture as evidence…")
        stamp = final.started_at.strftime("%Y%m%dT%H%M%SZ")
        return ws.evidence.add_file(
            case_id,
            Path(temp_name),
            filename=f"{(urlsplit(final.url).hostname or host)}-{stamp}.warc",
            description=options.description or page_info.get("title") or f"Capture of {url}",
            source_url=url,
            sensitivity=options.sensitivity,
            metadata={"capture": capture, "page": page_info, "collector": collector},
            mime_type=WARC_MIME,
            kind=EvidenceKind.WEB_CAPTURE,
            text=page_text,
            purpose="web capture",
            progress=(lambda _done: cancel.raise_if_cancelled()) if cancel else None,
        )
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)


def _content_type(hop: Hop) -> str:
    return hop.header("content-type")


def _page(final: Hop) -> tuple[str, dict[str, Any]]:
    content_type = _content_type(final)
    kind = content_type.split(";")[0].strip().lower()
    info: dict[str, Any] = {"content_type": content_type}
    if is_html(content_type, final.body[:2048]):
        page = read_page(final.body, content_type)
        info.update(
            title=page.title,
            language=page.language,
            metas=dict(list(page.metas.items())[:50]),
            links=len(page.links),
        )
        return "\n".join(x for x in (page.title, page.text) if x), info
    if kind.startswith(TEXT_KINDS):
        return decode(final.body, "utf-8"), info
    info["note"] = (
        f"the page is {kind or 'of no declared type'} (binary): kept in the WARC, no text "
        "was extracted for search"
    )
    return "", info


def _capture_block(url: str, hops: list[Hop], page_info: dict[str, Any]) -> dict[str, Any]:
    final = hops[-1]
    return {
        "requested_url": url,
        "final_url": final.url,
        "status": final.status,
        "captured_at": to_iso(final.started_at),
        "recorded_at": to_iso(utcnow()),
        "server_ip": final.server_ip,
        "server_port": final.server_port,
        "http_version": final.http_version,
        "tls": final.tls,
        "payload_sha256": hashlib.sha256(final.body).hexdigest(),
        "payload_size": len(final.body),
        "payload_mime": page_info.get("content_type", ""),
        "redirect_chain": [
            {
                "url": hop.url,
                "status": hop.status,
                "location": hop.location,
                "server_ip": hop.server_ip,
                "at": to_iso(hop.started_at),
            }
            for hop in hops
        ],
        "request_headers": [list(pair) for pair in final.request_headers],
        "response_headers": [list(pair) for pair in final.response_headers],
    }
