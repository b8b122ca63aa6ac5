"""Fetch a URL hop by hop through the data-source HTTP session (`PolicySession`: egress
allow-list, offline mode, proxy, size cap, timeouts, retries, cancel) and keep, for every hop
of the redirect chain, what a WARC record needs: the request line and headers as sent, the
status line and headers as received, the body, the server's IP address and the UTC time.

The session follows no redirect itself here (`allow_redirects=False`): each hop is a request
of its own, so each one passes the egress check and is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from workbench.sources.errors import EgressDenied, OfflineError, SourceNetworkError
from workbench.sources.http import (
    REDIRECT_STATUSES,
    PolicySession,
    ResponseInfo,
    describe_url,
)
from workbench.timeutil import utcnow

MAX_HOPS = 10


@dataclass
class Hop:
    url: str
    method: str
    started_at: datetime
    status: int = 0
    reason: str = ""
    http_version: str = "HTTP/1.1"
    request_target: str = "/"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    server_ip: str | None = None
    server_port: int | None = None
    tls: dict[str, Any] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def location(self) -> str | None:
        if self.status not in REDIRECT_STATUSES:
            return None
        for name, value in self.response_headers:
            if name.lower() == "location" and value.strip():
                return urljoin(self.url, value.strip())
        return None

    def header(self, name: str) -> str:
        for key, value in self.response_headers:
            if key.lower() == name.lower():
                return value
        return ""


class CaptureEgressDenied(EgressDenied):
    """A hop of the redirect chain leads to a host the user did not ask to capture."""

    def __init__(self, url: str, requested: str):
        self.host = (urlsplit(url).hostname or "").lower()
        self.url = url
        first = (urlsplit(requested).hostname or "").lower()
        if self.host == first:
            text = f"{describe_url(url)} is not an address that can be captured (http/https)."
        else:
            text = (
                f"{describe_url(requested)} redirected to {self.host}, a host you did not ask "
                f"to capture; nothing was sent to {self.host} and nothing was kept. To follow "
                f"the redirect, capture again allowing that host (`--allow-host {self.host}`)."
            )
        super().__init__(text)


def fetch_chain(session: PolicySession, url: str, headers: dict[str, str]) -> list[Hop]:
    """Every hop from `url` to the final answer (the last hop is the page itself)."""
    hops: list[Hop] = []
    current = url
    for _ in range(MAX_HOPS + 1):
        hop = Hop(url=current, method="GET", started_at=utcnow())
        seen: list[ResponseInfo] = []  # one per attempt; the last is the one returned
        try:
            response = session.request(
                "GET",
                current,
                headers=headers,
                allow_redirects=False,
                use_cache=False,
                on_response=seen.append,
            )
        except SourceNetworkError as exc:
            raise _explain(exc, current) from exc
        except EgressDenied as exc:
            raise CaptureEgressDenied(current, url) from exc
        except OfflineError as exc:
            raise OfflineError(
                "Offline mode is on, so nothing leaves this machine: the page was not "
                "captured. Turn offline mode off (Sources > Work offline, or Sources > "
                "Network settings…) and capture again."
            ) from exc
        hop.status = response.status
        hop.body = response.content
        hop.elapsed = response.elapsed
        info = seen[-1]  # the session reports every response it returns
        hop.method = info.method
        hop.reason = info.reason
        hop.http_version = info.http_version
        hop.request_target = info.request_target
        hop.request_headers = list(info.request_headers)
        hop.response_headers = list(info.response_headers)
        if info.peer is not None:
            hop.server_ip, hop.server_port = info.peer
        hop.tls = dict(info.tls)
        hops.append(hop)
        following = hop.location
        if following is None:
            return hops
        current = following
    raise SourceNetworkError(f"{describe_url(url)} redirected more than {MAX_HOPS} times.")


def _explain(exc: SourceNetworkError, url: str) -> SourceNetworkError:
    cause = exc.__cause__
    if isinstance(cause, requests.exceptions.SSLError):
        return SourceNetworkError(
            f"{describe_url(url)}: the secure connection (TLS) failed, so nothing was "
            f"captured. {_tls_reason(cause)} If you must capture this site anyway, capture "
            "its http:// address or save the page by hand and add it as a file."
        )
    return SourceNetworkError(f"Nothing was captured: {exc}")


def _tls_reason(exc: Exception) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        if "self-signed" in text or "self signed" in text:
            return "The server's certificate is self-signed (not issued by a trusted authority)."
        if "expired" in text:
            return "The server's certificate has expired."
        if "hostname" in text.lower() or "match" in text:
            return "The server's certificate is for a different host name."
        return "The server's certificate could not be verified."
    return "The TLS handshake did not complete."
