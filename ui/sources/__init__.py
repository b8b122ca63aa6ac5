"""Data sources in the window: the Run source menu, pre-flight, the Source runs panel, the
plugin manager and the network/credential settings, over `workbench.sources.host.SourceHost`.

`SourcesController` (one per main window) owns the host and the runs; runs iterate
`SourceRun.events()` on worker threads (`bridge.RunWorker`) and come back through one signal.
"""

from __future__ import annotations

from ui.sources.controller import SourcesController

__all__ = ["SourcesController"]
