"""Fetch a URL hop by hop through the data-source HTTP session (`PolicySession`: egress
allow-list, offline mode, proxy, size cap, timeouts, retries, cancel) and keep, for every hop
of the redirect chain, what a WARC record needs: the request line and headers as sent, the
status line and headers as received, the body, the server's IP address and the UTC time.

The session follows no redirect itself here (`allow_redirects=False`): each hop is a request
of its own, so each one passes the egress check and is recorded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from workbench.sources.errors import EgressDenied, OfflineError, SourceNetworkError
from workbench.sources.http import REDIRECT_STATUSES, PolicySession, describe_url
from workbench.timeutil import utcnow

MAX_HOPS = 10
# Sent by `requests` for a proxy with credentials; a secret never reaches the evidence.
_SECRET_HEADERS = frozenset({"proxy-authorization", "authorization", "cookie"})
_VERSIONS = {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}


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


class _Recorder:
    """A `requests` response hook: sees each response before its body is read, while the
    socket is still open (peer address, TLS session)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def take(self) -> dict[str, Any] | None:
        seen: dict[str, Any] | None = getattr(self._local, "seen", None)
        self._local.seen = None
        return seen

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        raw = response.raw
        sock = _socket_of(raw)
        peer: tuple[Any, ...] | None = None
        tls: dict[str, Any] = {}
        if sock is not None:
            try:
                peer = sock.getpeername()
            except OSError:
                peer = None
            if hasattr(sock, "version"):
                tls = _tls_info(sock)
        headers = list(raw.headers.items()) if raw is not None else []
        self._local.seen = {
            "method": request.method or "GET",
            "target": request.path_url,
            "request_headers": [
                (str(k), "[removed]" if str(k).lower() in _SECRET_HEADERS else str(v))
                for k, v in request.headers.items()
            ],
            "response_headers": [(str(k), str(v)) for k, v in headers],
            "reason": response.reason or "",
            "version": _VERSIONS.get(getattr(raw, "version", 11), "HTTP/1.1"),
            "peer": peer,
            "tls": tls,
        }


def _socket_of(raw: Any) -> Any:
    try:
        return raw._fp.fp.raw._sock
    except AttributeError:
        pass
    try:
        return raw._connection.sock
    except AttributeError:
        return None


def _tls_info(sock: Any) -> dict[str, Any]:
    info: dict[str, Any] = {}
    try:
        info["version"] = sock.version()
        cipher = sock.cipher()
        info["cipher"] = cipher[0] if cipher else None
        cert = sock.getpeercert() or {}
        for key in ("subject", "issuer"):
            if key in cert:
                info[key] = ", ".join("=".join(pair) for rdn in cert[key] for pair in rdn)
        for key in ("notBefore", "notAfter", "serialNumber"):
            if key in cert:
                info[key] = cert[key]
    except (OSError, ValueError, AttributeError):
        pass
    return info


def fetch_chain(session: PolicySession, url: str, headers: dict[str, str]) -> list[Hop]:
    """Every hop from `url` to the final answer (the last hop is the page itself)."""
    recorder = _Recorder()
    hooks = session._session.hooks.setdefault("response", [])
    hooks.append(recorder)
    hops: list[Hop] = []
    try:
        current = url
        for _ in range(MAX_HOPS + 1):
            hop = Hop(url=current, method="GET", started_at=utcnow())
            try:
                response = session.request(
                    "GET", current, headers=headers, allow_redirects=False, use_cache=False
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
            seen = recorder.take() or {}
            hop.status = response.status
            hop.body = response.content
            hop.elapsed = response.elapsed
            hop.reason = seen.get("reason", "")
            hop.http_version = seen.get("version", "HTTP/1.1")
            hop.request_target = seen.get("target") or (urlsplit(current).path or "/")
            hop.request_headers = _with_host(seen.get("request_headers", []), current)
            hop.response_headers = seen.get("response_headers") or list(response.headers.items())
            peer = seen.get("peer")
            if peer:
                hop.server_ip, hop.server_port = str(peer[0]), int(peer[1])
            hop.tls = seen.get("tls", {})
            hops.append(hop)
            following = hop.location
            if following is None:
                return hops
            current = following
        raise SourceNetworkError(f"{describe_url(url)} redirected more than {MAX_HOPS} times.")
    finally:
        hooks.remove(recorder)


def _with_host(headers: list[tuple[str, str]], url: str) -> list[tuple[str, str]]:
    """http.client adds the Host header below `requests`; put it back where it was sent."""
    if any(k.lower() == "host" for k, _ in headers):
        return headers
    return [("Host", urlsplit(url).netloc), *headers]


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
