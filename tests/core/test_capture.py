"""Web capture into WARC against loopback servers: the redirect chain, headers, server IP,
hashes and text; and every fault leaves nothing stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from warcio.archiveiterator import ArchiveIterator

from workbench.capture import CaptureOptions, capture_url
from workbench.capture.fetch import CaptureEgressDenied
from workbench.capture.warc import final_response
from workbench.errors import ValidationError
from workbench.evidence.model import EvidenceKind
from workbench.sources.cancel import CancelToken
from workbench.sources.errors import (
    OfflineError,
    ResponseTooLarge,
    RunCancelled,
    SourceNetworkError,
)
from workbench.sources.settings import NetworkSettings
from workbench.store.schema import evidence
from workbench.store.workspace import Workspace

PAGE = (
    "<html lang='ja'><head><title>最後の配信</title><meta name='description' content='last'>"
    "<script>track()</script></head><body><h1>Tonight 22:00</h1><p>最後の配信です</p>"
    "<img src='https://cdn.example/x.png' alt='banner'></body></html>"
).encode()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
DIRECT = NetworkSettings()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/start":
            self._send(301, b"moved", {"Location": "/hop"})
        elif self.path == "/hop":
            self._send(302, b"", {"Location": "/post/7733019", "Set-Cookie": "s=1"})
        elif self.path == "/post/7733019":
            self._send(200, PAGE, {"Content-Type": "text/html; charset=utf-8"})
        elif self.path == "/image":
            self._send(200, PNG, {"Content-Type": "image/png"})
        elif self.path == "/big":
            self._send(200, b"x" * 300_000, {"Content-Type": "text/plain"})
        elif self.path == "/away":
            self._send(302, b"", {"Location": "http://elsewhere.example/"})
        else:
            self._send(404, b"not here", {"Content-Type": "text/plain"})

    def log_message(self, *args: object) -> None:
        pass


def _serve(server: http.server.HTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if isinstance(server.socket, ssl.SSLSocket) else "http"
    yield f"{scheme}://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def site() -> Iterator[str]:
    yield from _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler))


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    yield from _serve(server)


def _nothing_stored(ws: Workspace) -> bool:
    with ws.read() as conn:
        rows = conn.execute(select(func.count()).select_from(evidence)).scalar_one()
    blobs = [p for p in ws.blobs.root.rglob("*") if p.is_file()] if ws.blobs.root.exists() else []
    temps = list((ws.root / "tmp").glob("*")) if (ws.root / "tmp").exists() else []
    return rows == 0 and not blobs and not temps


def test_capture_keeps_the_redirect_chain_headers_ip_and_text(ws: Workspace, site: str) -> None:
    case = ws.cases.create("Case")
    item = capture_url(
        ws, case.id, f"{site}/start", CaptureOptions(persona="Rin-watch"), network=DIRECT
    )
    assert item.mime_type == "application/warc" and item.source_url == f"{site}/start"
    stored = ws.blobs.path_for(item.sha256)
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == item.sha256
    details = ws.evidence.details(item.id)
    assert details is not None and details.kind is EvidenceKind.WEB_CAPTURE

    info = item.metadata["capture"]
    assert info["final_url"] == f"{site}/post/7733019" and info["status"] == 200
    assert [hop["status"] for hop in info["redirect_chain"]] == [301, 302, 200]
    assert info["server_ip"] == "127.0.0.1"
    assert info["server_port"] == int(site.rsplit(":", 1)[1])
    assert [hop["server_ip"] for hop in info["redirect_chain"]] == ["127.0.0.1"] * 3
    assert info["payload_sha256"] == hashlib.sha256(PAGE).hexdigest()
    assert info["captured_at"].endswith("Z")
    collector = item.metadata["collector"]
    assert collector["investigator"] == "analyst.test" and collector["persona"] == "Rin-watch"
    assert collector["tool_version"] and collector["machine"]
    assert item.metadata["page"]["title"] == "最後の配信"

    with stored.open("rb") as stream:
        records = [
            (record.rec_type, record.rec_headers.get_header("WARC-IP-Address"))
            for record in ArchiveIterator(stream)
        ]
    kinds = [kind for kind, _ in records]
    assert kinds == ["warcinfo"] + ["request", "response"] * 3 + ["metadata"]
    assert [ip for kind, ip in records if kind == "response"] == ["127.0.0.1"] * 3
    page = final_response(stored)
    assert page is not None and page.body == PAGE and page.status == 200
    assert ("Set-Cookie", "s=1") in _headers_of(stored, f"{site}/hop")

    text = ws.evidence.text(item.id)
    assert "最後の配信です" in text and "track()" not in text
    (collect,) = ws.evidence.custody(item.id)
    assert collect.purpose == "web capture" and collect.hash_after == item.sha256


def _headers_of(path: Path, url: str) -> list[tuple[str, str]]:
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if (
                record.rec_type == "response"
                and record.rec_headers.get_header("WARC-Target-URI") == url
            ):
                return list(record.http_headers.headers)
    return []


def test_binary_and_error_pages_are_kept_without_text(ws: Workspace, site: str) -> None:
    case = ws.cases.create("Case")
    image = capture_url(ws, case.id, f"{site}/image", network=DIRECT)
    assert ws.evidence.text(image.id) == ""
    assert "binary" in image.metadata["page"]["note"]
    missing = capture_url(ws, case.id, f"{site}/gone", network=DIRECT)
    assert missing.metadata["capture"]["status"] == 404  # absence is evidence too


def test_unreachable_host_is_a_clear_error(ws: Workspace) -> None:
    case = ws.cases.create("Case")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SourceNetworkError, match=r"Nothing was captured.*connection refused"):
        capture_url(ws, case.id, f"http://127.0.0.1:{port}/", network=DIRECT)
    assert _nothing_stored(ws)


def test_tls_failure_names_the_certificate_problem(ws: Workspace, tls_site: str) -> None:
    case = ws.cases.create("Case")
    with pytest.raises(SourceNetworkError, match=r"TLS.*self-signed"):
        capture_url(ws, case.id, f"{tls_site}/start", network=DIRECT)
    assert _nothing_stored(ws)


def test_size_cap_offline_egress_and_cancel_keep_nothing(ws: Workspace, site: str) -> None:
    case = ws.cases.create("Case")
    with pytest.raises(ResponseTooLarge, match="limit"):
        capture_url(ws, case.id, f"{site}/big", CaptureOptions(max_bytes=100_000), network=DIRECT)
    with pytest.raises(OfflineError, match="Offline mode is on"):
        capture_url(ws, case.id, f"{site}/start", network=NetworkSettings(offline=True))
    with pytest.raises(CaptureEgressDenied, match=r"elsewhere\.example") as denied:
        capture_url(ws, case.id, f"{site}/away", network=DIRECT)
    assert denied.value.host == "elsewhere.example"
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(RunCancelled):
        capture_url(ws, case.id, f"{site}/start", network=DIRECT, cancel=cancel)
    with pytest.raises(ValidationError, match="not a web address"):
        capture_url(ws, case.id, "ftp://example.org/file", network=DIRECT)
    assert _nothing_stored(ws)
