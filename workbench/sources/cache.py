"""A response cache on disk with a time to live, per plugin.

Kept in the workspace (`cache/sources/`) when a run belongs to one, else in the user cache
folder. Files are named by a SHA-256 over method, URL, body and headers, so no URL, query
string or header (which may hold an API key) is written in clear as a name or field.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from workbench.atomicfile import atomic_write


@dataclass(frozen=True)
class CachedResponse:
    status: int
    headers: dict[str, str]
    content: bytes
    stored_at: float


def cache_key(method: str, url: str, body: bytes, headers: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for part in (method.upper(), url, hashlib.sha256(body).hexdigest()):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    for name in sorted(headers, key=str.lower):
        digest.update(f"{name.lower()}:{headers[name]}\x1f".encode())
    return digest.hexdigest()


class ResponseCache:
    def __init__(self, root: Path):
        self.root = root

    def _paths(self, plugin_id: str, key: str) -> tuple[Path, Path]:
        folder = self.root / plugin_id / key[:2]
        return folder / f"{key}.json", folder / f"{key}.body"

    def get(self, plugin_id: str, key: str, ttl: float) -> CachedResponse | None:
        meta_path, body_path = self._paths(plugin_id, key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if time.time() - float(meta["stored_at"]) > ttl:
                return None
            content = body_path.read_bytes()
        except (OSError, ValueError, KeyError):
            return None
        if hashlib.sha256(content).hexdigest() != meta.get("sha256"):
            return None
        return CachedResponse(
            int(meta["status"]), dict(meta["headers"]), content, meta["stored_at"]
        )

    def put(
        self,
        plugin_id: str,
        key: str,
        status: int,
        headers: Mapping[str, str],
        content: bytes,
    ) -> None:
        meta_path, body_path = self._paths(plugin_id, key)
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(body_path, content)
        meta = {
            "status": status,
            "headers": dict(headers),
            "sha256": hashlib.sha256(content).hexdigest(),
            "stored_at": time.time(),
        }
        atomic_write(meta_path, json.dumps(meta).encode("utf-8"))

    def clear(self, plugin_id: str | None = None) -> int:
        """Remove cached responses (of one plugin, or all); returns the files removed."""
        base = self.root / plugin_id if plugin_id else self.root
        removed = 0
        if base.exists():
            for path in sorted(base.rglob("*"), reverse=True):
                if path.is_file():
                    path.unlink()
                    removed += 1
                elif path.is_dir():
                    path.rmdir()
        return removed
