"""Compiled (numba) rasterisers for the zoomed-out canvas: tens of thousands of links and
nodes drawn straight into a premultiplied ARGB32 buffer in a few milliseconds, where one
QPainter call per line would take seconds. Used only when there is too much to draw as
vectors; zoomed in, the canvas draws anti-aliased vectors instead.

Kernels are compiled on first use (cached on disk by numba); `warm_up()` compiles them on a
worker thread while the graph is read.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

import workbench.graph._jit  # noqa: F401  (sets the numba cache folder before numba loads)
from workbench.graph._jit import jit


@jit
def _blend(buf, x, y, colour):  # type: ignore[no-untyped-def]
    """Premultiplied source-over of one pixel."""
    alpha = (colour >> 24) & 0xFF
    if alpha == 255:
        buf[y, x] = colour
        return
    dst = buf[y, x]
    inv = 256 - alpha
    a = alpha + ((((dst >> 24) & 0xFF) * inv) >> 8)
    r = ((colour >> 16) & 0xFF) + ((((dst >> 16) & 0xFF) * inv) >> 8)
    g = ((colour >> 8) & 0xFF) + ((((dst >> 8) & 0xFF) * inv) >> 8)
    b = (colour & 0xFF) + (((dst & 0xFF) * inv) >> 8)
    buf[y, x] = (a << 24) | (r << 16) | (g << 8) | b


@jit
def _clip(p, q, t0, t1):  # type: ignore[no-untyped-def]
    """One Liang-Barsky edge test; returns t0 > t1 when the line is outside."""
    if p == 0.0:
        return (t0, t1) if q >= 0.0 else (1.0, 0.0)
    r = q / p
    if p < 0.0:
        if r > t1:
            return 1.0, 0.0
        return (r if r > t0 else t0), t1
    if r < t0:
        return 1.0, 0.0
    return t0, (r if r < t1 else t1)


@jit
def draw_lines(buf, x1, y1, x2, y2, style, palette, dashed):  # type: ignore[no-untyped-def]
    """One-pixel lines, clipped to the buffer (Liang-Barsky); `style` picks the palette
    colour; styles with `dashed[style]` are drawn 4 pixels on, 4 off."""
    h, w = buf.shape
    # a point rounds to pixel int(v + 0.5): keep what rounds inside, [-0.5, size - 0.5)
    xmax, ymax = w - 0.5 - 1e-6, h - 0.5 - 1e-6
    for k in range(x1.shape[0]):
        ax, ay, bx, by = x1[k], y1[k], x2[k], y2[k]
        dx, dy = bx - ax, by - ay
        t0, t1 = 0.0, 1.0
        t0, t1 = _clip(-dx, ax + 0.5, t0, t1)
        t0, t1 = _clip(dx, xmax - ax, t0, t1)
        t0, t1 = _clip(-dy, ay + 0.5, t0, t1)
        t0, t1 = _clip(dy, ymax - ay, t0, t1)
        if t0 > t1:
            continue
        sx, sy = ax + t0 * dx, ay + t0 * dy
        ex, ey = ax + t1 * dx, ay + t1 * dy
        steps = int(max(abs(ex - sx), abs(ey - sy))) + 1
        colour = palette[style[k]]
        dash = dashed[style[k]]
        inc_x = (ex - sx) / steps
        inc_y = (ey - sy) / steps
        for s in range(steps + 1):
            if dash and (s >> 2) & 1:
                continue
            px = int(sx + inc_x * s + 0.5)
            py = int(sy + inc_y * s + 0.5)
            if 0 <= px < w and 0 <= py < h:
                _blend(buf, px, py, colour)


@jit
def draw_discs(buf, x, y, radius, colour_index, palette, ring):  # type: ignore[no-untyped-def]
    """Filled discs of `radius` pixels (at least one pixel); with `ring` > 0 the outer `ring`
    pixels take the palette colour and the inside the last palette entry (the base)."""
    h, w = buf.shape
    r2 = radius * radius
    inner = max(radius - ring, 0.0)
    inner2 = inner * inner
    base = palette[palette.shape[0] - 1]
    span = int(radius + 1.0)
    for k in range(x.shape[0]):
        cx, cy = x[k], y[k]
        colour = palette[colour_index[k]]
        ix, iy = int(cx), int(cy)
        if ix + span < 0 or iy + span < 0 or ix - span >= w or iy - span >= h:
            continue
        if radius < 1.0:
            if 0 <= ix < w and 0 <= iy < h:
                _blend(buf, ix, iy, colour)
            continue
        for py in range(max(iy - span, 0), min(iy + span + 1, h)):
            ddy = py + 0.5 - cy
            for px in range(max(ix - span, 0), min(ix + span + 1, w)):
                ddx = px + 0.5 - cx
                d2 = ddx * ddx + ddy * ddy
                if d2 <= r2:
                    if ring > 0.0 and d2 < inner2:
                        _blend(buf, px, py, base)
                    else:
                        _blend(buf, px, py, colour)


BAND_WORK = 20_000  # fewer lines or discs than this: one thread
_POOL: ThreadPoolExecutor | None = None


def _bands(h: int) -> list[tuple[int, int]]:
    count = max(1, min(4, os.cpu_count() or 1))
    edges = [h * i // count for i in range(count + 1)]
    return [(a, b) for a, b in itertools.pairwise(edges) if b > a]


def _banded(kernel, buf, y_args: tuple[int, ...], args: tuple, work: int) -> None:  # type: ignore[no-untyped-def,type-arg]
    """Run `kernel(buf, *args)` on horizontal bands of `buf` at once (the kernels release the
    GIL): each band clips to itself, so the picture is the one a single call draws (dash
    phases aside). `y_args` are the positions in `args` of y coordinates."""
    global _POOL
    bands = _bands(buf.shape[0])
    if work < BAND_WORK or len(bands) == 1:
        kernel(buf, *args)
        return
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=len(bands) - 1, thread_name_prefix="raster")

    def call(band: tuple[int, int]) -> None:
        top, bottom = band
        shifted = list(args)
        for i in y_args:
            shifted[i] = args[i] - float(top)
        kernel(buf[top:bottom], *shifted)

    futures = [_POOL.submit(call, band) for band in bands[1:]]
    call(bands[0])
    for future in futures:
        future.result()


def draw_lines_fast(buf, x1, y1, x2, y2, style, palette, dashed) -> None:  # type: ignore[no-untyped-def]
    """`draw_lines` on all cores (bands of the buffer)."""
    _banded(draw_lines, buf, (1, 3), (x1, y1, x2, y2, style, palette, dashed), len(x1))


def draw_discs_fast(buf, x, y, radius, colour_index, palette, ring) -> None:  # type: ignore[no-untyped-def]
    """`draw_discs` on all cores (bands of the buffer)."""
    _banded(draw_discs, buf, (1,), (x, y, radius, colour_index, palette, ring), len(x))


def argb(colour: tuple[int, int, int], alpha: int = 255) -> int:
    """A premultiplied ARGB32 value."""
    r, g, b = colour
    return (
        (alpha << 24) | ((r * alpha // 255) << 16) | ((g * alpha // 255) << 8) | (b * alpha // 255)
    )


def palette(values: list[int]) -> NDArray[np.uint32]:
    return np.array(values, np.uint32)


def warm_up() -> None:
    buf = np.zeros((4, 4), np.uint32)
    xs = np.array([0.5, 3.0])
    draw_lines(
        buf,
        xs,
        xs,
        xs[::-1].copy(),
        xs,
        np.zeros(2, np.int64),
        palette([argb((1, 2, 3), 128)]),
        np.zeros(1, np.bool_),
    )
    draw_discs(buf, xs, xs, 1.5, np.zeros(2, np.int64), palette([argb((1, 2, 3)), 0]), 0.0)
