"""OSINT Workbench core: domain, store, audit chain and CLI. Imports no Qt."""

__version__ = "0.1.0"
APP_NAME = "OSINT Workbench"
