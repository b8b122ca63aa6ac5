"""Errors of the evidence locker beyond the shared ones in `workbench.errors`."""

from __future__ import annotations

import errno

from workbench.errors import WorkbenchError

DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


class EvidenceStorageError(WorkbenchError):
    """The workspace could not store the item (disk full, quota, permissions)."""


def storage_error(exc: OSError, what: str) -> EvidenceStorageError:
    if exc.errno in DISK_FULL:
        return EvidenceStorageError(
            f"The disk holding the workspace is full, so {what} could not be stored. Nothing "
            "was kept; free some space (or move the workspace) and try again."
        )
    return EvidenceStorageError(
        f"{what} could not be written to the workspace ({exc.strerror or exc}). Nothing was "
        "kept; check that the workspace folder is writable and try again."
    )
