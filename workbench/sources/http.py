"""`ctx.http`: the HTTP session a plugin gets, with the host's policies built in.

Every request goes through `PolicySession.request`, which in order: refuses everything in
offline mode; refuses hosts outside the run's egress allow-list (each redirect hop too);
serves from the response cache when allowed; waits for the host's shared rate-limit slot;
sends through the configured proxy with the configured User-Agent and per-request timeouts
capped by the run's deadline; streams the body while checking the size cap, the deadline
and the cancel token; and retries connection errors, 429 and 5xx with exponential back-off
that honours `Retry-After`. Policies protect users from mistakes, not from malice: plugins
are trusted code (docs/plugins.md).

A caller that must record how each response arrived (web capture writes the server's IP
address, status line, headers as sent and received, and TLS details into a WARC) passes
`on_response=` to `request`: the session hands it a `ResponseInfo` for every response it
read in full, so what is recorded is exactly what went through the policies above.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from workbench.sources.cache import ResponseCache, cache_key
from workbench.sources.cancel import CancelToken
from workbench.sources.errors import (
    EgressDenied,
    HttpStatusError,
    OfflineError,
    ResponseTooLarge,
    RunCancelled,
    SourceDataError,
    SourceNetworkError,
)
from workbench.sources.ratelimit import SHARED_LIMITER, HostRateLimiter

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024
MAX_REDIRECTS = 10
CONNECT_TIMEOUT_CAP = 10.0
# Credentials a request may carry (`requests` adds Proxy-Authorization for a proxy URL with a
# user name); their values never leave the session in a `ResponseInfo`.
SECRET_REQUEST_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
REMOVED = "[removed]"
_VERSIONS = {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}

_QUERY = re.compile(r"\?[^\s\"']*")


class _NoQueryStrings(logging.Filter):
    """urllib3 logs each request line at DEBUG; query strings may hold API keys."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _QUERY.sub("?[query removed]", record.getMessage())
        record.args = ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_NoQueryStrings())

# Test routing (workbench.sdk.testing): given the scheme and host a plugin addressed,
# return a base URL such as "http://127.0.0.1:8123" to send the request to instead, or None.
Router = Callable[[str, str], str | None]


@dataclass(frozen=True)
class HttpPolicy:
    """Everything the host enforces on one run's requests."""

    plugin_id: str
    allowed_hosts: tuple[str, ...]
    offline: bool = False
    proxy: str = ""
    user_agent: str = "OSINT-Workbench"
    request_timeout: float = 20.0
    max_retries: int = 3
    retry_backoff: float = 0.5
    max_retry_after: float = 120.0
    min_interval: float = 0.0
    cache_ttl: float = 0.0
    bypass_cache: bool = False
    max_response_bytes: int = 10 * 1024 * 1024
    pool_size: int = 4


@dataclass(frozen=True)
class HttpResponse:
    """A response read in full (within the size cap)."""

    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    elapsed: float = 0.0
    from_cache: bool = False
    history: tuple[int, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def encoding(self) -> str:
        content_type = self.headers.get("content-type", "")
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"'")
        return "utf-8"

    @property
    def text(self) -> str:
        try:
            return self.content.decode(self.encoding, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; malformed JSON raises SourceDataError with where it broke."""
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise SourceDataError(
                f"{describe_url(self.url)} returned malformed JSON ({exc.msg} at line "
                f"{exc.lineno}, column {exc.colno}); status {self.status}."
            ) from exc

    def raise_for_status(self) -> HttpResponse:
        if self.status >= 400:
            raise HttpStatusError(
                f"{describe_url(self.url)} answered HTTP {self.status}.", self.status
            )
        return self


@dataclass(frozen=True)
class ResponseInfo:
    """How one response arrived, as seen on its connection: what `request(...,
    on_response=callback)` hands to `callback` for every response the session read in full.

    The values of `Authorization`, `Proxy-Authorization` and `Cookie` request headers are
    replaced by "[removed]". `peer` is the address the connection went to: the server's, or
    the proxy's when a proxy is set; it is None when the server had already closed the
    connection as its answer arrived (an empty body with `Connection: close`), as the
    address is read from the open socket, never looked up again. `tls` is empty for plain
    HTTP.
    """

    url: str  # as addressed, before any test routing
    method: str
    status: int
    reason: str  # e.g. "Found"
    http_version: str  # e.g. "HTTP/1.1"
    request_target: str  # path and query as sent
    request_headers: tuple[tuple[str, str], ...]  # as sent, Host included
    response_headers: tuple[tuple[str, str], ...]  # as received, in order, repeats kept
    peer: tuple[str, int] | None  # (IP address, port)
    tls: Mapping[str, Any] = field(default_factory=dict)  # version, cipher, certificate


ResponseCallback = Callable[[ResponseInfo], None]


def describe_url(url: str) -> str:
    """Host and path only: query strings may carry API keys and never reach a message."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"


def host_matches(host: str, port: int | None, pattern: str) -> bool:
    host = host.lower().strip("[]")
    pattern = pattern.lower()
    if pattern.startswith("["):
        bracket_host, _, rest = pattern[1:].partition("]")
        pattern_host, pattern_port = bracket_host, rest.lstrip(":")
    else:
        pattern_host, _, pattern_port = pattern.partition(":")
    if pattern_port and (port is None or str(port) != pattern_port):
        return False
    if pattern_host.startswith("*."):
        return host.endswith(pattern_host[1:])
    return host == pattern_host


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


class _NoRedirectSession(requests.Session):
    """`PolicySession` follows redirects itself, one egress-checked hop at a time, so this
    session never does. Even when told not to follow, `requests` reads a redirect's whole
    body (to prepare `Response.next`) before handing the response back, outside the size
    cap, the deadline and the cancel token; with no redirect target it leaves the body to
    `PolicySession`, like any other."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None


class PolicySession:
    """One run's HTTP session. Thread-safe for the plugin's own worker threads."""

    def __init__(
        self,
        policy: HttpPolicy,
        *,
        cancel: CancelToken | None = None,
        deadline: float | None = None,
        limiter: HostRateLimiter | None = None,
        cache: ResponseCache | None = None,
        router: Router | None = None,
    ):
        self.policy = policy
        self.cancel = cancel or CancelToken()
        self.deadline = deadline  # time.monotonic() value when the run must end
        self.limiter = limiter or SHARED_LIMITER
        self.cache = cache
        self.router = router
        self._lock = threading.Lock()
        self.hosts_contacted: set[str] = set()
        self.requests_sent = 0
        self.cache_hits = 0
        self._session = _NoRedirectSession()
        self._session.trust_env = policy.proxy == "system"
        if policy.proxy and policy.proxy != "system":
            self._session.proxies = {"http": policy.proxy, "https": policy.proxy}
        adapter = HTTPAdapter(
            pool_connections=max(10, policy.pool_size),
            pool_maxsize=max(1, policy.pool_size),
            max_retries=0,
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = policy.user_agent

    def close(self) -> None:
        self._session.close()

    # ---- helpers -----------------------------------------------------------------------
    def get(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("POST", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("HEAD", url, **kwargs)

    def _remaining(self) -> float | None:
        if self.deadline is None:
            return None
        return self.deadline - time.monotonic()

    def _check_time(self) -> None:
        self.cancel.raise_if_cancelled()
        remaining = self._remaining()
        if remaining is not None and remaining <= 0:
            self.cancel.cancel("the run's time limit was reached")
            self.cancel.raise_if_cancelled()

    def check_egress(self, url: str) -> tuple[str, int | None]:
        """(host, port) of `url` if the policy lets it out; raises OfflineError/EgressDenied."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EgressDenied(f"{url[:80]!r} is not an http(s) URL; nothing was sent.")
        host = parts.hostname.lower()
        if self.policy.offline:
            raise OfflineError(
                f"Offline mode is on, so nothing leaves this machine: the request to {host} "
                "was not sent. Turn offline mode off (Sources > Work offline, or Sources > Network "
                "settings…) to run this source."
            )
        if not any(host_matches(host, parts.port, p) for p in self.policy.allowed_hosts):
            declared = ", ".join(self.policy.allowed_hosts) or "no hosts"
            raise EgressDenied(
                f"Source {self.policy.plugin_id} tried to contact {host}, which is not among "
                f"the hosts it declared ({declared}). Nothing was sent. Fix: the plugin must "
                "list the host in `egress` in its plugin.toml (or plan it for this input) so "
                "users see it before the run."
            )
        return host, parts.port

    # ---- the request -------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        data: bytes | str | Mapping[str, Any] | None = None,
        json_body: Any = None,
        timeout: float | None = None,
        allow_redirects: bool = True,
        use_cache: bool = True,
        max_bytes: int | None = None,
        expected_statuses: Collection[int] = (),
        on_response: ResponseCallback | None = None,
    ) -> HttpResponse:
        """Send one request under the run's policies. `expected_statuses` are answers that
        mean something to the plugin (e.g. a site that says "no such user" with a 500) and
        are returned at once instead of being retried.

        `on_response`, when given, is called on this thread with a `ResponseInfo` for each
        response read in full, in order: every redirect hop and every attempt that is then
        retried. It is not called for an answer from the cache (nothing was sent) nor for a
        response a policy refused (too large, too slow, cancelled). An exception it raises
        ends the request and reaches the caller unchanged."""
        if on_response is not None and not callable(on_response):
            raise TypeError(
                "on_response must be a function taking a ResponseInfo, not "
                f"{type(on_response).__name__}."
            )
        method = method.upper()
        if params:
            parts = urlsplit(url)
            query = "&".join(q for q in (parts.query, urlencode(params, doseq=True)) if q)
            url = urlunsplit(parts._replace(query=query))
        body = _encode_body(data, json_body)
        send_headers = dict(headers or {})
        if json_body is not None and not any(k.lower() == "content-type" for k in send_headers):
            send_headers["Content-Type"] = "application/json"
        limit = min(max_bytes or self.policy.max_response_bytes, self.policy.max_response_bytes)
        self._check_time()
        self.check_egress(url)
        caching = (
            use_cache and self.cache is not None and self.policy.cache_ttl > 0 and method != "PUT"
        )
        key = cache_key(method, url, body or b"", send_headers) if caching else ""
        if caching and not self.policy.bypass_cache and self.cache is not None:
            hit = self.cache.get(self.policy.plugin_id, key, self.policy.cache_ttl)
            if hit is not None:
                with self._lock:
                    self.cache_hits += 1
                return HttpResponse(
                    url, hit.status, CaseInsensitiveDict(hit.headers), hit.content, 0.0, True
                )
        history: list[int] = []
        current_method, current_url, current_body = method, url, body
        for _hop in range(MAX_REDIRECTS + 1):
            response = self._send_with_retries(
                current_method,
                current_url,
                send_headers,
                current_body,
                timeout,
                limit,
                frozenset(expected_statuses),
                on_response,
            )
            location = response.headers.get("location")
            if not (allow_redirects and response.status in REDIRECT_STATUSES and location):
                break
            history.append(response.status)
            current_url = urljoin(current_url, location)
            self.check_egress(current_url)
            if response.status in (301, 302, 303) and current_method != "HEAD":
                current_method, current_body = "GET", None
        else:
            raise SourceNetworkError(f"{describe_url(url)} redirected more than {MAX_REDIRECTS}x.")
        response = HttpResponse(
            response.url,
            response.status,
            response.headers,
            response.content,
            response.elapsed,
            False,
            tuple(history),
        )
        if caching and self.cache is not None and response.status not in RETRY_STATUSES:
            self.cache.put(
                self.policy.plugin_id, key, response.status, response.headers, response.content
            )
        return response

    def _send_with_retries(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float | None,
        limit: int,
        expected: frozenset[int] = frozenset(),
        on_response: ResponseCallback | None = None,
    ) -> HttpResponse:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        attempt = 0
        while True:
            self._check_time()
            self.limiter.acquire(host, self.policy.min_interval, self.cancel)
            self._check_time()
            error: Exception | None = None
            response: HttpResponse | None = None
            try:
                response = self._send_once(method, url, headers, body, timeout, limit, on_response)
            except (requests.ConnectionError, requests.Timeout) as exc:
                error = exc
            except requests.exceptions.ChunkedEncodingError as exc:
                error = exc
            if response is not None and (
                response.status not in RETRY_STATUSES or response.status in expected
            ):
                return response
            delay = self.policy.retry_backoff * (2**attempt)
            if response is not None:
                after = _retry_after(response.headers)
                if after is not None:
                    delay = after
            remaining = self._remaining()
            give_up = (
                attempt >= self.policy.max_retries
                or delay > self.policy.max_retry_after
                or (remaining is not None and delay >= remaining)
            )
            if give_up:
                self._check_time()  # out of run time: a timeout of the run, not of the host
                if response is not None:
                    return response  # the plugin sees the final 429/5xx status
                raise SourceNetworkError(
                    f"{describe_url(url)} could not be reached after {attempt + 1} attempt(s): "
                    f"{_short_error(error)}"
                ) from error
            if self.cancel.wait(delay):
                self.cancel.raise_if_cancelled()
            attempt += 1

    def _send_once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float | None,
        limit: int,
        on_response: ResponseCallback | None = None,
    ) -> HttpResponse:
        parts = urlsplit(url)
        send_url = url
        send_headers = dict(headers)
        if self.router is not None:
            base = self.router(parts.scheme, parts.netloc)
            if base is not None:
                send_url = base.rstrip("/") + urlunsplit(("", "", parts.path, parts.query, ""))
                send_headers.setdefault("Host", parts.netloc)
        per_request = min(timeout or self.policy.request_timeout, self.policy.request_timeout)
        remaining = self._remaining()
        if remaining is not None:
            per_request = max(0.05, min(per_request, remaining))
        started = time.monotonic()
        with self._lock:
            self.hosts_contacted.add((parts.hostname or "").lower())
            self.requests_sent += 1
        raw = self._session.request(
            method,
            send_url,
            headers=send_headers,
            data=body,
            timeout=(min(per_request, CONNECT_TIMEOUT_CAP), per_request),
            allow_redirects=False,
            stream=True,
        )
        # The body is not read yet, so the connection is still open: its peer and TLS
        # session can be seen now and never after.
        info = _response_info(url, raw) if on_response is not None else None
        try:
            declared = raw.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise ResponseTooLarge(
                    f"{describe_url(url)} announced a {_size(int(declared))} response; the limit "
                    f"is {_size(limit)}. It was not downloaded."
                )
            content = bytearray()
            for chunk in _iter_chunks(raw):
                content += chunk
                if len(content) > limit:
                    raise ResponseTooLarge(
                        f"{describe_url(url)} sent more than {_size(limit)}; the download was "
                        "stopped at the limit."
                    )
                if self.cancel.cancelled:
                    self.cancel.raise_if_cancelled()
                if time.monotonic() - started > per_request:
                    raise SourceNetworkError(
                        f"{describe_url(url)} took longer than {per_request:.1f} s to send its "
                        "response; stopped."
                    )
        finally:
            raw.close()
        response = HttpResponse(
            url,
            raw.status_code,
            CaseInsensitiveDict(dict(raw.headers)),
            bytes(content),
            time.monotonic() - started,
        )
        if on_response is not None and info is not None:
            on_response(info)
        return response


def _response_info(url: str, raw: requests.Response) -> ResponseInfo:
    request = raw.request
    received = raw.raw
    sock = _socket_of(received)
    peer: tuple[str, int] | None = None
    tls: dict[str, Any] = {}
    if sock is not None:
        try:
            address = sock.getpeername()
            peer = (str(address[0]), int(address[1]))
        except (OSError, TypeError, ValueError, IndexError):
            peer = None
        if hasattr(sock, "version"):
            tls = _tls_info(sock)
    sent = [
        (str(k), REMOVED if str(k).lower() in SECRET_REQUEST_HEADERS else str(v))
        for k, v in request.headers.items()
    ]
    if not any(k.lower() == "host" for k, _ in sent):
        # http.client adds Host below `requests`; put it back where it was sent.
        sent.insert(0, ("Host", urlsplit(url).netloc))
    headers = list(received.headers.items()) if received is not None else []
    return ResponseInfo(
        url=url,
        method=request.method or "GET",
        status=raw.status_code,
        reason=raw.reason or "",
        http_version=_VERSIONS.get(getattr(received, "version", 11), "HTTP/1.1"),
        request_target=request.path_url or (urlsplit(url).path or "/"),
        request_headers=tuple(sent),
        response_headers=tuple((str(k), str(v)) for k, v in headers),
        peer=peer,
        tls=tls,
    )


def _socket_of(received: Any) -> Any:
    """The socket under a streamed urllib3 response (plain or TLS), or None."""
    try:
        return received._fp.fp.raw._sock
    except AttributeError:
        pass
    try:
        return received._connection.sock
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


def _iter_chunks(raw: requests.Response) -> Iterator[bytes]:
    yield from raw.iter_content(CHUNK)


def _encode_body(data: bytes | str | Mapping[str, Any] | None, json_body: Any) -> bytes | None:
    if json_body is not None:
        return json.dumps(json_body).encode("utf-8")
    if data is None:
        return None
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    return urlencode(dict(data), doseq=True).encode("ascii")


def _size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} bytes"


def _short_error(error: Exception | None) -> str:
    if error is None:
        return "no answer"
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "the connection was closed in the middle of the response"
    text = str(error)
    if "Connection refused" in text:
        return "connection refused"
    if "RemoteDisconnected" in text or "closed connection" in text:
        return "the server closed the connection without answering"
    if "Name or service not known" in text or "getaddrinfo" in text:
        return "the host name could not be resolved"
    return type(error).__name__


__all__ = [
    "HttpPolicy",
    "HttpResponse",
    "PolicySession",
    "ResponseCallback",
    "ResponseInfo",
    "RunCancelled",
    "describe_url",
    "host_matches",
]
