"""Named mappings saved in the workspace (table `import_mappings`), audited like any change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Row, delete, insert, select, update

from workbench.audit import PendingEvent, append_event
from workbench.errors import NotFoundError, ValidationError
from workbench.store.rows import new_id
from workbench.store.schema import import_mappings
from workbench.store.workspace import Workspace
from workbench.tabular.mapping import TableMapping
from workbench.timeutil import utcnow


@dataclass(frozen=True)
class SavedMapping:
    id: str
    mapping: TableMapping
    updated_by: str
    updated_at: datetime


class MappingStore:
    def __init__(self, ws: Workspace):
        self._ws = ws

    def list(self) -> list[SavedMapping]:
        with self._ws.read() as conn:
            rows = conn.execute(select(import_mappings).order_by(import_mappings.c.name)).all()
        return [_saved(row) for row in rows]

    def get(self, name: str) -> TableMapping:
        with self._ws.read() as conn:
            row = conn.execute(
                select(import_mappings).where(import_mappings.c.name == name.strip())
            ).first()
        if row is None:
            names = ", ".join(s.mapping.name for s in self.list()) or "none saved yet"
            raise NotFoundError(
                f"No saved mapping named {name!r} ({names}). Save one with `workbench table "
                "mappings save FILE.json` or in File > Import > Back-end export."
            )
        return _saved(row).mapping

    def save(self, mapping: TableMapping, *, replace: bool = True) -> SavedMapping:
        """Validate and store under `mapping.name`; an existing one is replaced (audited with
        its previous version) unless `replace` is False."""
        mapping.validate(self._ws.graph.vocabulary)
        spec = mapping.to_dict()
        now = utcnow()
        actor = self._ws.actor
        with self._ws.write() as conn:
            row = conn.execute(
                select(import_mappings).where(import_mappings.c.name == mapping.name)
            ).first()
            if row is not None and not replace:
                raise ValidationError(
                    f"A mapping named {mapping.name!r} exists already; choose another name or "
                    "replace it."
                )
            if row is None:
                mapping_id = new_id()
                conn.execute(
                    insert(import_mappings).values(
                        id=mapping_id,
                        name=mapping.name,
                        description=mapping.description,
                        spec=spec,
                        created_by=actor,
                        created_at=now,
                        updated_by=actor,
                        updated_at=now,
                    )
                )
                summary = {"name": mapping.name, "after": spec}
            else:
                mapping_id = row.id
                conn.execute(
                    update(import_mappings)
                    .where(import_mappings.c.id == row.id)
                    .values(
                        description=mapping.description, spec=spec, updated_by=actor, updated_at=now
                    )
                )
                summary = {"name": mapping.name, "before": row.spec, "after": spec}
            append_event(
                conn,
                actor,
                PendingEvent("table.mapping_save", "import_mapping", mapping_id, None, summary),
            )
        return SavedMapping(mapping_id, mapping, actor, now)

    def delete(self, name: str) -> None:
        with self._ws.write() as conn:
            row = conn.execute(
                select(import_mappings).where(import_mappings.c.name == name.strip())
            ).first()
            if row is None:
                raise NotFoundError(f"No saved mapping named {name!r}; nothing was deleted.")
            conn.execute(delete(import_mappings).where(import_mappings.c.id == row.id))
            append_event(
                conn,
                self._ws.actor,
                PendingEvent(
                    "table.mapping_delete",
                    "import_mapping",
                    row.id,
                    None,
                    {"name": row.name, "before": row.spec},
                ),
            )


def _saved(row: Row[Any]) -> SavedMapping:
    return SavedMapping(row.id, TableMapping.from_dict(row.spec), row.updated_by, row.updated_at)


def load_mapping_file(path: Path) -> TableMapping:
    """A mapping from a .json or .toml file (clear errors for unreadable files)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValidationError(f"Cannot read the mapping file {path}: {exc.strerror}.") from exc
    if path.suffix.lower() == ".toml":
        return TableMapping.from_toml(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from exc
    return TableMapping.from_dict(data)
