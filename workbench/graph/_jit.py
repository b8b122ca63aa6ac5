"""Numba set-up: the compiled-code cache folder, and `jit`, which degrades to no caching.

Import this module (or the `_kernels` modules, which import it first) only from inside the layout
functions: importing numba costs about half a second and must not slow the app's start.
NUMBA_CACHE_DIR is read when numba is imported, so it is set here before that import.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


def _configure_cache_dir() -> None:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    try:
        from workbench.paths import cache_dir

        folder = cache_dir() / "numba"
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # unwritable cache folder: numba falls back to __pycache__ or no cache
    os.environ["NUMBA_CACHE_DIR"] = str(folder)


_configure_cache_dir()

import numba  # noqa: E402  (after the cache folder is set)

_config: Any = numba.config
if os.environ.get("NUMBA_CACHE_DIR") and not _config.CACHE_DIR:
    # numba was imported earlier by someone else: point its config at the folder anyway.
    _config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]

CACHING = True


def jit(fn: Callable[..., Any]) -> Any:
    """`njit(cache=True, nogil=True)`, or without the cache where numba cannot locate one
    (a frozen app shipping no source files)."""
    global CACHING
    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:
        CACHING = False
        return numba.njit(cache=False, nogil=True)(fn)
