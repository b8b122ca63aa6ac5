"""Typed exceptions whose messages tell the user what went wrong and what to do."""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class: every message is meant to be shown to a user as is."""


class ValidationError(WorkbenchError):
    """Input that does not fit the domain (unknown type, bad grading, empty value...)."""


class NotFoundError(WorkbenchError):
    """A case, entity, link or evidence id that does not exist in this workspace."""


class WorkspaceError(WorkbenchError):
    """The workspace cannot be opened; the file on disk is left untouched."""


class WorkspaceLockedError(WorkspaceError):
    """Another process holds the workspace database locked."""


class WorkspaceCorruptError(WorkspaceError):
    """The workspace database is not a readable SQLite database."""


class WorkspaceTooNewError(WorkspaceError):
    """The workspace was written by a newer version of the application."""


class IntegrityError(WorkbenchError):
    """Stored evidence no longer matches the hash recorded at collection."""
