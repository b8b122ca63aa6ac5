"""Pre-flight: before a run sends anything off the machine, show which values go to which
hosts and ask. Never shown for sources that send nothing (e.g. text-extract)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from workbench.sources.host import Preflight
from workbench.sources.settings import NetworkSettings

MAX_VALUE_CHARS = 160
EXPAND_UP_TO = 12  # hosts: longer lists start collapsed

KIND_TEXT = {
    "passive": "A passive source: it asks third parties about the value, not the subject's own "
    "systems.",
    "active": "An active source: it contacts systems the subject may run or watch (for example "
    "their web server), which can log your request.",
}


def short(value: str, limit: int = MAX_VALUE_CHARS) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def route_text(network: NetworkSettings) -> str:
    if network.proxy == "system":
        route = "through the proxy of your system settings (environment variables)"
    elif network.proxy:
        route = f"through the proxy {network.proxy}"
    else:
        route = "directly from this machine: the hosts see your IP address"
    return f"Requests go {route}, with the User-Agent “{network.effective_user_agent}”."


class PreflightDialog(QDialog):
    def __init__(
        self, preflight: Preflight, network: NetworkSettings, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.preflight = preflight
        self.setObjectName("preflightDialog")
        self.setWindowTitle("Send data off this machine?")
        self.setMinimumWidth(560)
        count = len(preflight.items)
        values = "this value" if count == 1 else f"these {count} values"
        heading = QLabel(
            f"<b>{preflight.plugin_name}</b> {preflight.version} will send {values} to the "
            "hosts listed below. Nothing is sent unless you confirm.",
            objectName="preflightHeading",
        )
        heading.setWordWrap(True)
        kind = QLabel(KIND_TEXT.get(preflight.kind, preflight.kind), objectName="muted")
        kind.setWordWrap(True)

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("preflightTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Value sent", "To"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        total_hosts = len(preflight.hosts)
        for item in preflight.items:
            hosts = item.hosts
            top = QTreeWidgetItem(
                [
                    f"{item.query.type}: {short(item.query.value)}",
                    f"{len(hosts)} host{'s' if len(hosts) != 1 else ''}"
                    if hosts
                    else "nothing is sent",
                ]
            )
            top.setToolTip(0, item.query.value[:2000])
            for host in hosts:
                child = QTreeWidgetItem(["", host])
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setExpanded(len(hosts) <= EXPAND_UP_TO and count <= 5)
        self.tree.header().setStretchLastSection(True)
        self.tree.setColumnWidth(0, 320)
        rows = sum(
            1 + (len(i.hosts) if len(i.hosts) <= EXPAND_UP_TO else 0) for i in preflight.items
        )
        self.tree.setMinimumHeight(min(320, 40 + 24 * rows))

        summary = QLabel(
            f"In all: {total_hosts} host{'s' if total_hosts != 1 else ''}. " + route_text(network),
            objectName="preflightRoute",
        )
        summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(
            theme.MARGIN * 2, theme.MARGIN * 2, theme.MARGIN * 2, theme.MARGIN
        )
        layout.setSpacing(theme.SPACING)
        layout.addWidget(heading)
        layout.addWidget(kind)
        layout.addWidget(self.tree, 1)
        layout.addWidget(summary)
        if preflight.credentials:
            creds = QLabel(
                "It uses your stored credentials: "
                + ", ".join(preflight.credentials)
                + " (sent only to the hosts above, never written to the case).",
                objectName="muted",
            )
            creds.setWordWrap(True)
            layout.addWidget(creds)
        self.dont_ask = QCheckBox(
            "&Don't ask again for this source in this case", objectName="dontAskAgain"
        )
        self.dont_ask.setEnabled(preflight.case_id is not None)
        layout.addWidget(self.dont_ask)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.send_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.send_button.setText("&Send and run")
        self.send_button.setObjectName("sendAndRun")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.send_button.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def dont_ask_again(self) -> bool:
        return self.dont_ask.isChecked()
