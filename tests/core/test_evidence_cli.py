"""`workbench capture` and `workbench evidence ...` end to end through the CLI entry point."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from workbench.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><title>Announcement</title><body>last stream tonight</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/post"
    server.shutdown()
    server.server_close()


def test_evidence_commands(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    site: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(tmp_path / "config"))
    ws = ["--workspace", str(tmp_path / "ws")]
    code, out, _ = run(capsys, *ws, "demo")
    case_id = out.splitlines()[0]
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (64, 48), "blue").save(photo)

    code, out, _ = run(capsys, *ws, "evidence", "add", str(photo), "--case", case_id,
                       "--sensitive", "gore", "--json")  # fmt: skip
    added = json.loads(out)
    assert code == 0 and added["mime_type"] == "image/jpeg" and added["sensitivity"] == "gore"

    code, out, _ = run(capsys, *ws, "capture", site, "--case", case_id, "--persona", "P1")
    assert code == 0 and "server IP:  127.0.0.1" in out and "200" in out

    code, out, _ = run(capsys, *ws, "evidence", "list", "--case", case_id)
    assert "photo.jpg" in out and ".warc" in out and "SENSITIVE: gore" in out

    code, out, _ = run(capsys, *ws, "evidence", "link", added["id"], "account:nightowl_rin",
                       "--relation", "supports")  # fmt: skip
    assert code == 0 and "supports" in out
    code, out, _ = run(capsys, *ws, "evidence", "derive", added["id"][:12], "--strip-metadata")
    assert code == 0 and "photo-no-metadata.jpg" in out
    code, out, _ = run(capsys, *ws, "evidence", "show", added["id"])
    assert "Custody log:" in out and "collect" in out and "copy" in out and "supports" in out

    code, out, _ = run(capsys, *ws, "evidence", "verify", "--case", case_id)
    assert code == 0 and "all match" in out
    blob = next((tmp_path / "ws" / "blobs").rglob(added["sha256"]))
    blob.chmod(0o644)
    blob.write_bytes(b"edited")
    code, out, _ = run(capsys, *ws, "evidence", "verify", "--case", case_id)
    assert code == 1 and "MISMATCH" in out and "DO NOT MATCH" in out
    code, _, err = run(capsys, *ws, "evidence", "export", added["id"], str(tmp_path),
                       "--purpose", "disclosure")  # fmt: skip
    assert code == 1 and "cannot be exported" in err

    code, _, err = run(capsys, *ws, "evidence", "add", str(tmp_path / "none.bin"), "--case",
                       case_id)  # fmt: skip
    assert code == 1 and "does not exist" in err
