"""The PySide6 desktop UI of OSINT Workbench.

This package file imports nothing from Qt, so the CLI can find `ui.app.run_gui` cheaply and
tools that inspect the package do not need a display.
"""
