"""Developer tool: `python -m ui.sources.screenshots [OUT_DIR]` saves pictures of data sources
in the window (sample case, runs in the Source runs dock, pre-flight, plugin manager, settings)
for the docs. Network sources talk to a loopback server only. Run under xvfb-run or offscreen.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>nightowl_rin on StreamHub</title>
<meta name="description" content="Live streams by nightowl_rin">
<meta property="og:title" content="nightowl_rin: last stream tonight">
<meta property="og:site_name" content="StreamHub">
</head>
<body><p>Business enquiries: rin.nightowl@mailbox.example</p>
<p><a href="https://photoshare.example/rin.nightowl">PhotoShare</a>
<a href="https://streamhub.example/nightowl_rin/schedule">Schedule</a></p></body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    delay = 0.0

    def do_GET(self) -> None:
        host = self.headers.get("Host", "")
        if host.startswith("streamhub.example"):
            body, status = PAGE, 200
        else:
            time.sleep(self.delay)  # the username sweep: slow "not found" answers
            body, status = b"<html><title>Not found</title></html>", 404
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


def main(out_dir: Path, width: int = 1366, height: int = 768) -> int:
    tmp = tempfile.mkdtemp(prefix="workbench-sources-shots-")
    for name, sub in (
        ("WORKBENCH_CONFIG_DIR", "config"),
        ("WORKBENCH_CACHE_DIR", "cache"),
        ("WORKBENCH_PLUGIN_DIR", "plugins"),
    ):
        os.environ[name] = str(Path(tmp) / sub)
    from PySide6.QtCore import QSettings

    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.screenshots import _settle
    from ui.session import ENTITY
    from ui.sources.plugin_manager import PluginManagerDialog
    from ui.sources.preflight import PreflightDialog
    from ui.sources.runs import RUNNING
    from ui.sources.settings_dialog import SourceSettingsDialog
    from ui.views.case_view import ENTITIES, GRAPH
    from workbench.sdk.testing import loopback_router
    from workbench.sources.host import SourceHost
    from workbench.sources.results import Query
    from workbench.store.workspace import Workspace

    _Handler.delay = 0.4
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app = make_application([])
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(Path(tmp) / "window.ini"), QSettings.Format.IniFormat)
    ws = Workspace.open(Path(tmp) / "ws", actor="analyst")
    window = MainWindow(ws, settings)
    window.resize(width, height)
    window.show()
    window.open_sample_case()
    session = window.session
    assert session is not None
    controller = window.sources
    controller.host = SourceHost(
        credentials=controller.access,
        router=loopback_router(f"http://127.0.0.1:{server.server_address[1]}/"),
    )
    entities = {e.value: e for e in ws.graph.list_entities(session.case_id)}
    graph = window.show_case_tab(GRAPH)
    deadline = time.monotonic() + 60
    while not graph.is_built and time.monotonic() < deadline:  # type: ignore[union-attr]
        _settle(0.1)

    def wait(records: list, status: str | None = None) -> None:  # type: ignore[type-arg]
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if status is None and all(r.finished for r in records):
                return
            if status is not None and all(r.status == status and r.done for r in records):
                return
            _settle(0.05)

    post = entities["streamhub:post:7733019"]
    session.selection.select(ENTITY, post.id)
    wait(controller.run_source("text-extract", [post]))
    for value in ("In-app helpline card shown to @nightowl_rin", "Login from new IP 198.51.100.23"):
        wait(controller.run_source("text-extract", [entities[value]]))

    stream_url = entities["https://streamhub.example/live/nightowl_rin"]
    host = controller.host
    preflight = host.preflight(
        "web-page", [Query("url", stream_url.value, stream_url.id)], session.case_id
    )
    dialog = PreflightDialog(preflight, host.settings.network, window)
    dialog.show()
    _settle()
    dialog.grab().save(str(out_dir / "sources-preflight.png"))
    dialog.close()
    host.confirm(preflight, dont_ask_again=True)
    session.selection.select(ENTITY, stream_url.id)
    wait(controller.run_source("web-page", [stream_url]))

    account = entities["nightowl_rin"]
    sweep_preflight = host.preflight(
        "username-sweep", [Query("account", account.value, account.id)], session.case_id
    )
    host.confirm(sweep_preflight, dont_ask_again=True)
    sweep = controller.run_source("username-sweep", [account])
    wait(sweep, RUNNING)
    _settle(1.5)
    panel = controller.panel
    panel.table.selectRow(panel.model.row_of(controller.panel.model.records[1].key))
    session.selection.select(ENTITY, stream_url.id)
    graph.view.zoom_fit()  # type: ignore[union-attr]
    _settle()
    window.grab().save(str(out_dir / "sources.png"))
    window.show_case_tab(ENTITIES)
    _settle()
    window.grab().save(str(out_dir / "sources-entities.png"))
    controller.cancel_all()
    wait(sweep)

    manager = PluginManagerDialog(controller, window)
    manager.select_plugin("web-page")
    manager.show()
    _settle()
    manager.grab().save(str(out_dir / "sources-plugin-manager.png"))
    manager.close()
    settings_dialog = SourceSettingsDialog(controller, parent=window)
    settings_dialog.show()
    _settle()
    settings_dialog.grab().save(str(out_dir / "sources-settings.png"))
    settings_dialog.tabs.setCurrentIndex(1)
    _settle()
    settings_dialog.grab().save(str(out_dir / "sources-credentials.png"))
    settings_dialog.close()
    window.close()
    app.processEvents()
    server.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"saved source screenshots to {out_dir}")
    return 0


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images")
    sys.exit(main(target))
