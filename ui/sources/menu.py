"""The "Run source" menu: the enabled sources that take the selected entities' types."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from ui.icons import icon
from workbench.errors import WorkbenchError
from workbench.model import Entity
from workbench.sources.discovery import PluginInfo

if TYPE_CHECKING:
    from ui.sources.controller import SourcesController


def type_label(controller: SourcesController, type_name: str) -> str:
    session = controller.window.session
    known = session.vocabulary.entity_types.get(type_name) if session else None
    return known.label.lower() if known else type_name


def sources_for(controller: SourcesController, entities: list[Entity]) -> list[PluginInfo]:
    """Enabled, working sources taking at least one of the entities' types, by name."""
    found: dict[str, PluginInfo] = {}
    for type_name in dict.fromkeys(entity.type for entity in entities):
        for info in controller.host.sources_for(type_name):
            found.setdefault(info.id, info)
    return sorted(found.values(), key=lambda info: info.manifest.name if info.manifest else info.id)


def where_text(info: PluginInfo) -> str:
    manifest = info.manifest
    assert manifest is not None
    if not manifest.uses_network:
        return "Runs on this machine only: nothing is sent."
    hosts = list(manifest.egress)
    if manifest.dynamic_egress:
        hosts.append("hosts that depend on the input")
    more = f" and {len(hosts) - 4} more" if len(hosts) > 4 else ""
    return f"Sends the value to {', '.join(hosts[:4])}{more}; you are asked first."


def build_run_menu(
    controller: SourcesController, entities: list[Entity], parent: QWidget | None = None
) -> QMenu:
    menu = QMenu("Run &source", parent)
    menu.setObjectName("runSourceMenu")
    menu.setIcon(icon("play"))
    menu.setToolTipsVisible(True)

    def note(text: str) -> None:
        action = menu.addAction(text)
        action.setEnabled(False)

    if controller.window.session is None:
        note("Open a case first")
    elif not entities:
        note("Select one or more entities first")
    else:
        try:
            infos = sources_for(controller, entities)
            offline = controller.host.settings.network.offline
        except WorkbenchError as exc:
            note("Sources are unavailable (see the tooltip)")
            menu.actions()[-1].setToolTip(str(exc))
            infos, offline = [], False
        else:
            if not infos:
                types = ", ".join(dict.fromkeys(type_label(controller, e.type) for e in entities))
                note(f"No enabled source takes a {types}")
        for info in infos:
            manifest = info.manifest
            assert manifest is not None
            takes = [entity for entity in entities if entity.type in manifest.inputs]
            text = manifest.name
            if len(entities) > 1:
                text += f"  ({len(takes)} of {len(entities)})"
            if offline and manifest.uses_network:
                text += "  — offline mode is on"
            action = QAction(text, menu)
            action.setObjectName(f"runSource_{info.id}")
            action.setData(info.id)
            action.setIcon(icon("wifi-off" if offline and manifest.uses_network else "play"))
            action.setToolTip(f"{manifest.description}\n\n{where_text(info)}")
            action.setStatusTip(where_text(info))
            action.triggered.connect(
                lambda _checked=False, i=info.id, t=takes: controller.run_source(i, t)
            )
            menu.addAction(action)
    menu.addSeparator()
    manager = menu.addAction(icon("plug"), "Plugin manager…")
    manager.triggered.connect(lambda _checked=False: controller.show_plugin_manager())
    return menu
