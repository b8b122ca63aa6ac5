"""Small loopback servers that pytest-httpserver cannot play: a server that closes
connections, one that announces a 2 GB body, an HTTP forward proxy and a SOCKS5 proxy."""

from __future__ import annotations

import select
import socket
import struct
import threading
from collections.abc import Callable
from contextlib import suppress


class RawServer:
    """Accepts connections on 127.0.0.1 and hands each socket to `handler` on a thread."""

    def __init__(self, handler: Callable[[socket.socket, RawServer], None]):
        self.handler = handler
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.bytes_sent = 0
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with suppress(OSError):
            self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with suppress(OSError), conn:
            self.handler(conn, self)


def read_request(conn: socket.socket) -> bytes:
    data = b""
    conn.settimeout(5)
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def close_first(count: int) -> Callable[[socket.socket, RawServer], None]:
    """Close the first `count` connections without answering, then answer 200 'ok'."""

    def handler(conn: socket.socket, server: RawServer) -> None:
        read_request(conn)
        if server.connections <= count:
            return  # closed without a response
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    return handler


def huge_body(announce: bool) -> Callable[[socket.socket, RawServer], None]:
    """A 2 GiB response, streamed in 64 KiB chunks, with or without Content-Length."""
    total = 2 * 1024**3
    chunk = b"x" * 65536

    def handler(conn: socket.socket, server: RawServer) -> None:
        read_request(conn)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        head += f"Content-Length: {total}\r\n".encode() if announce else b"Connection: close\r\n"
        conn.sendall(head + b"\r\n")
        sent = 0
        while sent < total:
            conn.sendall(chunk)
            sent += len(chunk)
            server.bytes_sent += len(chunk)

    return handler


def http_proxy(conn: socket.socket, server: RawServer) -> None:
    """A forward proxy that answers itself: records the absolute-URI request line."""
    request = read_request(conn)
    server.requests.append(request)
    body = b"via proxy"
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    )


def socks5_proxy(target_port: int) -> Callable[[socket.socket, RawServer], None]:
    """SOCKS5 (no auth): records the requested host and relays to 127.0.0.1:`target_port`."""

    def handler(conn: socket.socket, server: RawServer) -> None:
        conn.settimeout(5)
        conn.recv(2 + 255)  # greeting: version, methods
        conn.sendall(b"\x05\x00")
        header = conn.recv(4)
        kind = header[3]
        if kind == 3:
            length = conn.recv(1)[0]
            host = conn.recv(length).decode()
        elif kind == 1:
            host = socket.inet_ntoa(conn.recv(4))
        else:
            return
        (port,) = struct.unpack(">H", conn.recv(2))
        server.requests.append(f"{host}:{port}".encode())
        upstream = socket.create_connection(("127.0.0.1", target_port))
        conn.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", port))
        with upstream:
            sockets = [conn, upstream]
            while True:
                readable, _, _ = select.select(sockets, [], [], 5)
                if not readable:
                    return
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (upstream if source is conn else conn).sendall(data)

    return handler
