"""One test per policy the host enforces on `ctx.http`, against real loopback servers."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from workbench.sdk.testing import loopback_router, make_host
from workbench.sources.cache import ResponseCache
from workbench.sources.cancel import CancelToken
from workbench.sources.errors import (
    EgressDenied,
    OfflineError,
    ResponseTooLarge,
    SourceDataError,
    SourceNetworkError,
)
from workbench.sources.http import HttpPolicy, PolicySession, ResponseInfo
from workbench.sources.ratelimit import HostRateLimiter
from workbench.sources.results import Query
from workbench.sources.runner import RunFinished
from workbench.sources.settings import SettingsStore

from .conftest import probe_plugin
from .netutil import RawServer, close_first, http_proxy, huge_body, read_request, socks5_proxy


def session(
    tmp_path: Path,
    server_url: str | None,
    *,
    limiter: HostRateLimiter | None = None,
    **policy: object,
) -> PolicySession:
    settings: dict[str, object] = {"plugin_id": "probe", "allowed_hosts": ("probe.test",)}
    settings.update(policy)
    return PolicySession(
        HttpPolicy(**settings),  # type: ignore[arg-type]
        limiter=limiter or HostRateLimiter(),
        cache=ResponseCache(tmp_path / "cache"),
        router=loopback_router(server_url) if server_url else None,
    )


def slow(seconds: float):
    def handler(request: Request) -> Response:
        time.sleep(seconds)
        return Response("late")

    return handler


def test_per_request_timeout(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/slow").respond_with_handler(slow(3))
    http = session(tmp_path, server.url_for("/"), request_timeout=0.3, max_retries=0)
    started = time.monotonic()
    with pytest.raises(SourceNetworkError, match="timed out"):
        http.get("http://probe.test/slow")
    assert time.monotonic() - started < 1.5


def test_per_run_timeout(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/slow").respond_with_handler(slow(3))
    info = probe_plugin(tmp_path / "plugins", run_timeout=0.6)
    host = make_host(
        [info],
        tmp_path=tmp_path,
        server_url=server.url_for("/"),
        settings={"probe": {"url": "http://probe.test/slow", "count": 5}},
    )
    summary = host.execute("probe", Query("domain", "probe.test"), confirmed=True)
    assert summary.status == "timeout" and "time limit of 0.6 s" in summary.error
    assert summary.duration < 1.5


def test_rate_limit_is_shared_by_concurrent_runs(server: HTTPServer, tmp_path: Path) -> None:
    arrivals: list[float] = []

    def record(request: Request) -> Response:
        arrivals.append(time.monotonic())
        return Response("ok")

    server.expect_request("/hello").respond_with_handler(record)
    info = probe_plugin(tmp_path / "plugins", rate=10)  # 10 per second per host
    host = make_host(
        [info], tmp_path=tmp_path, server_url=server.url_for("/"), settings={"probe": {"count": 4}}
    )
    summaries = []

    def one_run() -> None:
        summaries.append(host.execute("probe", Query("domain", "probe.test"), confirmed=True))

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [s.status for s in summaries] == ["ok", "ok"]
    assert len(arrivals) == 8
    gaps = [b - a for a, b in zip(sorted(arrivals), sorted(arrivals)[1:], strict=False)]
    assert min(gaps) >= 0.08, gaps  # 0.1 s apart although two runs asked at once


def test_retries_connection_errors_with_backoff(tmp_path: Path) -> None:
    with RawServer(close_first(2)) as raw:
        http = session(tmp_path, raw.url, max_retries=3, retry_backoff=0.05)
        started = time.monotonic()
        response = http.get("http://probe.test/")
        assert response.status == 200 and response.text == "ok"
        assert raw.connections == 3
        assert time.monotonic() - started >= 0.05 + 0.1  # 0.05, then 0.1


def test_connection_closed_after_retries_is_a_clear_error(tmp_path: Path) -> None:
    with RawServer(close_first(100)) as raw:
        http = session(tmp_path, raw.url, max_retries=1, retry_backoff=0.01)
        with pytest.raises(SourceNetworkError, match=r"after 2 attempt.*closed the connection"):
            http.get("http://probe.test/")


def test_429_honours_retry_after(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_oneshot_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    server.expect_request("/busy").respond_with_data("fine")
    http = session(tmp_path, server.url_for("/"), max_retries=2, retry_backoff=0.01)
    started = time.monotonic()
    response = http.get("http://probe.test/busy")
    assert response.text == "fine"
    assert time.monotonic() - started >= 0.95


def test_5xx_is_retried_with_exponential_backoff_then_given_to_the_plugin(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_oneshot_request("/flaky").respond_with_data("err", status=500)
    server.expect_oneshot_request("/flaky").respond_with_data("err", status=503)
    server.expect_request("/flaky").respond_with_data("recovered")
    server.expect_request("/down").respond_with_data("err", status=500)
    http = session(tmp_path, server.url_for("/"), max_retries=2, retry_backoff=0.1)
    started = time.monotonic()
    assert http.get("http://probe.test/flaky").text == "recovered"
    assert time.monotonic() - started >= 0.1 + 0.2
    final = http.get("http://probe.test/down")
    assert final.status == 500
    assert len([r for r, _ in server.log if r.path == "/down"]) == 3


def test_response_cache_with_ttl_and_bypass(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/cached").respond_with_data("payload")
    url = "http://probe.test/cached"
    http = session(tmp_path, server.url_for("/"), cache_ttl=0.5)
    assert not http.get(url).from_cache
    assert http.get(url).from_cache  # nothing sent
    bypass = session(tmp_path, server.url_for("/"), cache_ttl=0.5, bypass_cache=True)
    assert not bypass.get(url).from_cache
    time.sleep(0.6)
    assert not http.get(url).from_cache  # expired
    assert len(server.log) == 3


def test_undeclared_host_is_refused_before_sending(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/jump").respond_with_data(
        "", status=302, headers={"Location": "http://elsewhere.test/"}
    )
    http = session(tmp_path, server.url_for("/"))
    with pytest.raises(EgressDenied, match=r"elsewhere\.test.*not among the hosts it declared"):
        http.get("http://elsewhere.test/data")
    assert not server.log
    with pytest.raises(EgressDenied, match=r"elsewhere\.test"):
        http.get("http://probe.test/jump")  # the redirect hop is checked too
    assert [r.path for r, _ in server.log] == ["/jump"]


def test_offline_mode_sends_nothing(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/hello").respond_with_data("ok")
    http = session(tmp_path, server.url_for("/"), offline=True)
    with pytest.raises(OfflineError, match="Offline mode is on"):
        http.get("http://probe.test/hello")
    info = probe_plugin(tmp_path / "plugins")
    host = make_host([info], tmp_path=tmp_path, server_url=server.url_for("/"), offline=True)
    with pytest.raises(OfflineError, match="was not run"):
        host.execute("probe", Query("domain", "probe.test"), confirmed=True)
    assert not server.log


def test_http_proxy_setting(tmp_path: Path) -> None:
    with RawServer(http_proxy) as proxy:
        http = session(tmp_path, None, proxy=proxy.url)
        assert http.get("http://probe.test/via").text == "via proxy"
        assert proxy.requests[0].startswith(b"GET http://probe.test/via HTTP/1.1")


def test_socks_proxy_setting(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/hello").respond_with_data("through socks")
    with RawServer(socks5_proxy(server.port)) as proxy:
        http = session(tmp_path, None, proxy=f"socks5h://127.0.0.1:{proxy.port}")
        response = http.get(f"http://probe.test:{server.port}/hello")
        assert response.text == "through socks"
        assert proxy.requests == [f"probe.test:{server.port}".encode()]  # the proxy resolved it


def test_user_agent_setting(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/hello", headers={"User-Agent": "Analyst-Desk/2.0"}).respond_with_data(
        "hi"
    )
    info = probe_plugin(tmp_path / "plugins")
    host = make_host(
        [info], tmp_path=tmp_path, server_url=server.url_for("/"), user_agent="Analyst-Desk/2.0"
    )
    summary = host.execute("probe", Query("domain", "probe.test"), confirmed=True)
    assert summary.ok and "200 hi" in summary.results[0].text  # type: ignore[union-attr]
    assert host.settings.network.effective_user_agent == "Analyst-Desk/2.0"
    assert SettingsStore(tmp_path / "other.json").network.effective_user_agent.startswith(
        "OSINT-Workbench/"
    )


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "streamed"])
def test_maximum_response_size_stops_a_2gb_body(tmp_path: Path, announce: bool) -> None:
    with RawServer(huge_body(announce)) as raw:
        http = session(tmp_path, raw.url, max_response_bytes=1_048_576)
        started = time.monotonic()
        with pytest.raises(ResponseTooLarge, match=r"2\.0 GiB|more than 1\.0 MiB"):
            http.get("http://probe.test/huge")
        assert time.monotonic() - started < 3
        time.sleep(0.2)
        assert raw.bytes_sent < 64 * 1024**2  # a few socket buffers, never the 2 GiB


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "streamed"])
def test_maximum_response_size_stops_a_redirect_body_too(tmp_path: Path, announce: bool) -> None:
    total, chunk = 2 * 1024**3, b"x" * 65536

    def redirect_with_huge_body(conn: socket.socket, server: RawServer) -> None:
        read_request(conn)
        head = b"HTTP/1.1 302 Found\r\nLocation: /next\r\n"
        head += f"Content-Length: {total}\r\n".encode() if announce else b"Connection: close\r\n"
        conn.sendall(head + b"\r\n")
        while server.bytes_sent < total:
            conn.sendall(chunk)
            server.bytes_sent += len(chunk)

    with RawServer(redirect_with_huge_body) as raw:
        http = session(tmp_path, raw.url, max_response_bytes=1_048_576)
        started = time.monotonic()
        with pytest.raises(ResponseTooLarge, match=r"2\.0 GiB|more than 1\.0 MiB"):
            http.get("http://probe.test/huge", allow_redirects=False)
        assert time.monotonic() - started < 3
        time.sleep(0.2)
        assert raw.bytes_sent < 64 * 1024**2  # the redirect's body is capped like any other


def test_cancellation_stops_a_run_within_one_second(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/slow").respond_with_handler(slow(10))
    info = probe_plugin(tmp_path / "plugins", request_timeout=30)
    host = make_host(
        [info],
        tmp_path=tmp_path,
        server_url=server.url_for("/"),
        settings={"probe": {"url": "http://probe.test/slow"}},
    )
    cancel = CancelToken()
    cancelled_at: list[float] = []

    def press_cancel() -> None:
        cancelled_at.append(time.monotonic())
        cancel.cancel()

    threading.Timer(0.3, press_cancel).start()
    run = host.start_run("probe", Query("domain", "probe.test"), cancel=cancel, confirmed=True)
    events = list(run.events())
    finished_at = time.monotonic()
    assert isinstance(events[-1], RunFinished) and events[-1].summary.status == "cancelled"
    assert finished_at - cancelled_at[0] < 1.0


def test_malformed_json_is_a_clear_error(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/api").respond_with_data(
        '{"emails": [1, 2,', content_type="application/json"
    )
    http = session(tmp_path, server.url_for("/"))
    with pytest.raises(SourceDataError, match=r"probe.test/api returned malformed JSON .* line 1"):
        http.get("http://probe.test/api").json()


def test_secrets_in_query_strings_never_reach_messages(server: HTTPServer, tmp_path: Path) -> None:
    http = session(tmp_path, None, max_retries=0)
    with pytest.raises(EgressDenied) as caught:
        http.get("http://other.test/x", params={"key": "TOPSECRET"})
    assert "TOPSECRET" not in str(caught.value)


def _chain(conn: socket.socket, server: RawServer) -> None:
    """/start redirects to /page; /page is busy (503) once, then answers with two cookies."""
    request = read_request(conn)
    server.requests.append(request)
    if request.startswith(b"GET /start "):
        conn.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: /page?x=1\r\nContent-Length: 5\r\n"
            b"Connection: close\r\n\r\nmoved"
        )
    elif sum(r.startswith(b"GET /page") for r in server.requests) == 1:
        conn.sendall(
            b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 4\r\n"
            b"Connection: close\r\n\r\nbusy"
        )
    else:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
            b"Content-Length: 4\r\nConnection: close\r\n\r\ndone"
        )


def test_on_response_reports_every_response_with_its_peer_address(tmp_path: Path) -> None:
    seen: list[ResponseInfo] = []
    with RawServer(_chain) as raw:
        http = session(tmp_path, raw.url, max_retries=2, retry_backoff=0.01)
        response = http.get(
            "http://probe.test/start",
            headers={"Authorization": "Bearer TOPSECRET"},
            on_response=seen.append,
        )
    assert response.text == "done" and response.history == (302,)
    assert [(i.status, i.reason) for i in seen] == [
        (302, "Found"),
        (503, "Service Unavailable"),  # the attempt that was retried is reported too
        (200, "OK"),
    ]
    for info in seen:
        assert info.peer == ("127.0.0.1", raw.port)  # the server's end, not this machine's
        assert info.method == "GET" and info.http_version == "HTTP/1.1" and not info.tls
        assert ("Host", "probe.test") in info.request_headers
        assert ("Authorization", "[removed]") in info.request_headers
    assert [i.url for i in seen] == ["http://probe.test/start"] + ["http://probe.test/page?x=1"] * 2
    assert seen[-1].request_target == "/page?x=1"
    cookies = [v for k, v in seen[-1].response_headers if k.lower() == "set-cookie"]
    assert cookies == ["a=1", "b=2"]
    assert "TOPSECRET" not in repr(seen)
    assert all(b"Bearer TOPSECRET" in r for r in raw.requests)  # sent as given, only hidden


def test_on_response_sees_only_what_the_policies_let_through(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/jump").respond_with_data(
        "", status=302, headers={"Location": "http://elsewhere.test/"}
    )
    server.expect_request("/big").respond_with_data("x" * 5000)
    server.expect_request("/hello").respond_with_data("hi")
    seen: list[ResponseInfo] = []
    http = session(tmp_path, server.url_for("/"), cache_ttl=60)

    with pytest.raises(EgressDenied, match=r"elsewhere\.test"):
        http.get("http://probe.test/jump", on_response=seen.append)
    assert [i.status for i in seen] == [302]  # the hop to the undeclared host was not sent
    with pytest.raises(ResponseTooLarge):
        http.get("http://probe.test/big", max_bytes=1000, on_response=seen.append)
    assert len(seen) == 1  # a refused body is never reported
    with pytest.raises(OfflineError):
        session(tmp_path, server.url_for("/"), offline=True).get(
            "http://probe.test/hello", on_response=seen.append
        )
    assert http.get("http://probe.test/hello", on_response=seen.append).text == "hi"
    assert http.get("http://probe.test/hello", on_response=seen.append).from_cache
    assert [i.status for i in seen] == [302, 200]  # the cached answer sent nothing
    assert seen[-1].peer == ("127.0.0.1", server.port)


def test_on_response_waits_for_the_hosts_rate_limit(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/hello").respond_with_data("hi")
    called_at: list[float] = []
    http = session(tmp_path, server.url_for("/"), min_interval=0.3)
    for _ in range(2):
        http.get(
            "http://probe.test/hello", on_response=lambda _info: called_at.append(time.monotonic())
        )
    assert len(called_at) == 2 and called_at[1] - called_at[0] >= 0.25


def test_on_response_errors(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/hello").respond_with_data("hi", status=503)
    http = session(tmp_path, server.url_for("/"), max_retries=3, retry_backoff=0.01)
    with pytest.raises(TypeError, match="on_response must be a function taking a ResponseInfo"):
        http.get("http://probe.test/hello", on_response="print")  # type: ignore[arg-type]
    assert not server.log  # refused before anything was sent

    def refuse(info: ResponseInfo) -> None:
        raise RuntimeError(f"recorder full at {info.status}")

    with pytest.raises(RuntimeError, match="recorder full at 503"):
        http.get("http://probe.test/hello", on_response=refuse)
    assert len(server.log) == 1  # the callback's error ends the request: no retry
