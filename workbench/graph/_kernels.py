"""Compiled kernels of the graph layouts (numba, `nogil` so a worker thread keeps the GUI free).

Force-directed layout: ForceAtlas2 (Jacomy et al. 2014, the Gephi implementation's adaptive
speed) with Barnes-Hut repulsion over a quadtree rebuilt every iteration, so one iteration
costs O(n log n + m). Typed, loop-style code on purpose: numba compiles it to machine code.
"""

from __future__ import annotations

import math

import numpy as np

from workbench.graph._jit import jit

MAX_DEPTH = 48
EXACT_LIMIT = 64  # up to this many points repulsion is summed exactly


@jit
def build_tree(x, y, mass, leaf_size):  # type: ignore[no-untyped-def]
    """Quadtree over the points with tight bounding boxes: every inner node has at least two
    non-empty children, so the tree has fewer than 2n nodes. A node's box, mass and centre
    of mass are gathered while its parent scatters the points, so each level reads the
    points twice. Returns flat arrays; `perm` lists the points leaf by leaf."""
    n = x.shape[0]
    cap = 2 * n + 8
    perm = np.empty(n, np.int64)
    for p in range(n):  # loops, not np.arange / np.full: each numpy call used adds compile time
        perm[p] = p
    scratch = np.empty(n, np.int64)
    quad = np.empty(n, np.int8)
    start = np.zeros(cap, np.int64)
    end = np.zeros(cap, np.int64)
    child = np.empty((cap, 4), np.int64)
    for c in range(cap):
        for q in range(4):
            child[c, q] = -1
    comx = np.zeros(cap)
    comy = np.zeros(cap)
    tmass = np.zeros(cap)
    box = np.zeros((cap, 4))  # min x, max x, min y, max y
    leaf = np.zeros(cap, np.bool_)
    depth = np.zeros(cap, np.int64)
    stack = np.empty(cap, np.int64)
    # the root's summary
    box[0, 0] = np.inf
    box[0, 1] = -np.inf
    box[0, 2] = np.inf
    box[0, 3] = -np.inf
    for p in range(n):
        box[0, 0] = min(box[0, 0], x[p])
        box[0, 1] = max(box[0, 1], x[p])
        box[0, 2] = min(box[0, 2], y[p])
        box[0, 3] = max(box[0, 3], y[p])
        tmass[0] += mass[p]
        comx[0] += mass[p] * x[p]
        comy[0] += mass[p] * y[p]
    comx[0] /= tmass[0]
    comy[0] /= tmass[0]
    end[0] = n
    count = 1
    sp = 1
    stack[0] = 0
    sub_box = np.empty((4, 4))
    sub_m = np.empty(4)
    sub_x = np.empty(4)
    sub_y = np.empty(4)
    counts = np.empty(4, np.int64)
    fill = np.empty(4, np.int64)
    while sp > 0:
        sp -= 1
        node = stack[sp]
        s = start[node]
        e = end[node]
        x0 = box[node, 0]
        x1 = box[node, 1]
        y0 = box[node, 2]
        y1 = box[node, 3]
        extent = max(x1 - x0, y1 - y0)
        if e - s <= leaf_size or extent <= 1e-9 or depth[node] >= MAX_DEPTH or count + 4 > cap:
            leaf[node] = True
            continue
        cx = 0.5 * (x0 + x1)
        cy = 0.5 * (y0 + y1)
        for q in range(4):
            counts[q] = 0
            sub_box[q, 0] = np.inf
            sub_box[q, 1] = -np.inf
            sub_box[q, 2] = np.inf
            sub_box[q, 3] = -np.inf
            sub_m[q] = 0.0
            sub_x[q] = 0.0
            sub_y[q] = 0.0
        for k in range(s, e):
            p = perm[k]
            px = x[p]
            py = y[p]
            q = (1 if px >= cx else 0) + (2 if py >= cy else 0)
            quad[k] = q
            counts[q] += 1
            sub_box[q, 0] = min(sub_box[q, 0], px)
            sub_box[q, 1] = max(sub_box[q, 1], px)
            sub_box[q, 2] = min(sub_box[q, 2], py)
            sub_box[q, 3] = max(sub_box[q, 3], py)
            sub_m[q] += mass[p]
            sub_x[q] += mass[p] * px
            sub_y[q] += mass[p] * py
        fill[0] = s
        for q in range(1, 4):
            fill[q] = fill[q - 1] + counts[q - 1]
        for q in range(4):
            if counts[q] == 0:
                continue
            c = count
            count += 1
            start[c] = fill[q]
            end[c] = fill[q] + counts[q]
            depth[c] = depth[node] + 1
            for b in range(4):
                box[c, b] = sub_box[q, b]
            tmass[c] = sub_m[q]
            comx[c] = sub_x[q] / sub_m[q]
            comy[c] = sub_y[q] / sub_m[q]
            child[node, q] = c
            stack[sp] = c
            sp += 1
        for k in range(s, e):
            q = quad[k]
            scratch[fill[q]] = perm[k]
            fill[q] += 1
        for k in range(s, e):
            perm[k] = scratch[k]
    return perm, start, end, child, comx, comy, tmass, box, leaf


@jit
def _grow(arr, used):  # type: ignore[no-untyped-def]
    bigger = np.empty(2 * arr.shape[0], arr.dtype)
    for k in range(used):  # a loop: array-to-array slice assignment costs seconds to compile
        bigger[k] = arr[k]
    return bigger


@jit
def add_repulsion(x, y, mass, kr, theta, leaf_size, fx, fy):  # type: ignore[no-untyped-def]
    """FA2 repulsion kr * m_i * m_j / d, Barnes-Hut approximated with one tree walk per leaf
    (cell size / distance to the leaf's box < theta; never for a cell overlapping the leaf),
    then exact sums over the neighbouring leaves' points, read in tree order."""
    perm, start, end, child, comx, comy, tmass, box, leaf = build_tree(x, y, mass, leaf_size)
    px = x[perm]
    py = y[perm]
    pm = mass[perm]
    theta2 = theta * theta
    stack = np.empty(4 * MAX_DEPTH + 8, np.int64)
    far = np.empty(1024, np.int64)
    far_x = np.empty(1024)
    far_y = np.empty(1024)
    far_m = np.empty(1024)
    near = np.empty(256, np.int64)
    nodes = start.shape[0]
    for lf in range(nodes):
        if not leaf[lf] or end[lf] <= start[lf]:
            continue
        lx0 = box[lf, 0]
        lx1 = box[lf, 1]
        ly0 = box[lf, 2]
        ly1 = box[lf, 3]
        nfar = 0
        nnear = 0
        sp = 1
        stack[0] = 0
        while sp > 0:
            sp -= 1
            node = stack[sp]
            overlap = (
                box[node, 0] <= lx1
                and lx0 <= box[node, 1]
                and box[node, 2] <= ly1
                and ly0 <= box[node, 3]
            )
            if not overlap:
                cx = comx[node]
                cy = comy[node]
                dx = max(lx0 - cx, 0.0, cx - lx1)
                dy = max(ly0 - cy, 0.0, cy - ly1)
                extent = max(box[node, 1] - box[node, 0], box[node, 3] - box[node, 2])
                if extent * extent < theta2 * (dx * dx + dy * dy):
                    if nfar == far.shape[0]:
                        far = _grow(far, nfar)
                    far[nfar] = node
                    nfar += 1
                    continue
            if leaf[node]:
                if nnear == near.shape[0]:
                    near = _grow(near, nnear)
                near[nnear] = node
                nnear += 1
                continue
            for q in range(4):
                c = child[node, q]
                if c >= 0:
                    stack[sp] = c
                    sp += 1
        if nfar > far_x.shape[0]:
            far_x = np.empty(far.shape[0])
            far_y = np.empty(far.shape[0])
            far_m = np.empty(far.shape[0])
        for f in range(nfar):
            node = far[f]
            far_x[f] = comx[node]
            far_y[f] = comy[node]
            far_m[f] = tmass[node]
        for k in range(start[lf], end[lf]):
            i = perm[k]
            xi = px[k]
            yi = py[k]
            mi = pm[k]
            ax = 0.0
            ay = 0.0
            for f in range(nfar):
                dx = xi - far_x[f]
                dy = yi - far_y[f]
                d2 = dx * dx + dy * dy
                g = far_m[f] / d2
                ax += dx * g
                ay += dy * g
            for b in range(nnear):
                node = near[b]
                for kk in range(start[node], end[node]):
                    if kk == k:
                        continue
                    dx = xi - px[kk]
                    dy = yi - py[kk]
                    d2 = dx * dx + dy * dy
                    if d2 < 1e-4:
                        # coincident points: a fixed pseudo-random direction per pair
                        j = perm[kk]
                        angle = ((i * 7919 + j * 104729) % 6283) * 0.001
                        sign = 1.0 if i < j else -1.0
                        dx = sign * math.cos(angle) * 0.01
                        dy = sign * math.sin(angle) * 0.01
                        d2 = 1e-4
                    g = pm[kk] / d2
                    ax += dx * g
                    ay += dy * g
            fx[i] += kr * mi * ax
            fy[i] += kr * mi * ay


@jit
def add_repulsion_exact(x, y, mass, kr, fx, fy):  # type: ignore[no-untyped-def]
    """The same repulsion summed over all pairs: cheaper than a tree for a few dozen points."""
    n = x.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            dx = x[i] - x[j]
            dy = y[i] - y[j]
            d2 = dx * dx + dy * dy
            if d2 < 1e-4:
                angle = ((i * 7919 + j * 104729) % 6283) * 0.001
                dx = math.cos(angle) * 0.01
                dy = math.sin(angle) * 0.01
                d2 = 1e-4
            f = kr * mass[i] * mass[j] / d2
            fx[i] += dx * f
            fy[i] += dy * f
            fx[j] -= dx * f
            fy[j] -= dy * f


@jit
def fa2_iterations(  # type: ignore[no-untyped-def]
    x,
    y,
    mass,
    src,
    dst,
    pinned,
    iterations,
    state,
    prev_fx,
    prev_fy,
    kr,
    kg,
    gx,
    gy,
    theta,
    max_step,
    jitter_tolerance,
    leaf_size,
):
    """Run `iterations` ForceAtlas2 steps in place. `state` holds [speed, speed efficiency]
    and `prev_fx/prev_fy` the last forces, so that batches continue where the last stopped."""
    n = x.shape[0]
    fx = np.zeros(n)
    fy = np.zeros(n)
    movable = 0
    for i in range(n):
        if not pinned[i]:
            movable += 1
    if movable == 0:
        return
    for _ in range(iterations):
        fx[:] = 0.0
        fy[:] = 0.0
        if n <= EXACT_LIMIT:
            add_repulsion_exact(x, y, mass, kr, fx, fy)
        else:
            add_repulsion(x, y, mass, kr, theta, leaf_size, fx, fy)
        for e in range(src.shape[0]):
            a = src[e]
            b = dst[e]
            dx = x[a] - x[b]
            dy = y[a] - y[b]
            fx[a] -= dx
            fy[a] -= dy
            fx[b] += dx
            fy[b] += dy
        if kg > 0.0:
            for i in range(n):
                dx = x[i] - gx
                dy = y[i] - gy
                d = math.sqrt(dx * dx + dy * dy)
                if d > 1e-9:
                    f = kg * mass[i] / d
                    fx[i] -= dx * f
                    fy[i] -= dy * f
        swing = 0.0
        traction = 0.0
        for i in range(n):
            if pinned[i]:
                continue
            sx = fx[i] - prev_fx[i]
            sy = fy[i] - prev_fy[i]
            tx = fx[i] + prev_fx[i]
            ty = fy[i] + prev_fy[i]
            swing += mass[i] * math.sqrt(sx * sx + sy * sy)
            traction += 0.5 * mass[i] * math.sqrt(tx * tx + ty * ty)
        speed = state[0]
        efficiency = state[1]
        estimated = 0.05 * math.sqrt(movable)
        jt = jitter_tolerance * max(
            math.sqrt(estimated), min(10.0, estimated * traction / (movable * movable))
        )
        if traction > 0.0 and swing / traction > 2.0:
            if efficiency > 0.05:
                efficiency *= 0.5
            jt = max(jt, jitter_tolerance)
        target = jt * efficiency * traction / swing if swing > 0.0 else speed * 1.5
        if swing > jt * traction:
            if efficiency > 0.05:
                efficiency *= 0.7
        elif speed < 1000.0:
            efficiency *= 1.3
        speed = speed + min(target - speed, 0.5 * speed)
        state[0] = speed
        state[1] = efficiency
        for i in range(n):
            if pinned[i]:
                prev_fx[i] = fx[i]
                prev_fy[i] = fy[i]
                continue
            sx = fx[i] - prev_fx[i]
            sy = fy[i] - prev_fy[i]
            node_swing = mass[i] * math.sqrt(sx * sx + sy * sy)
            factor = speed / (1.0 + math.sqrt(speed * node_swing))
            dx = fx[i] * factor
            dy = fy[i] * factor
            step = math.sqrt(dx * dx + dy * dy)
            if step > max_step:
                dx *= max_step / step
                dy *= max_step / step
            if math.isfinite(dx) and math.isfinite(dy):
                x[i] += dx
                y[i] += dy
            prev_fx[i] = fx[i]
            prev_fy[i] = fy[i]


@jit
def small_components(  # type: ignore[no-untyped-def]
    x, y, mass, node_off, src, dst, edge_off, iterations, kr, kg, theta, jitter, leaf_size
):
    """ForceAtlas2 on many small components in one call (a case with 10k separate pairs must
    not cost 10k Python round trips). Component c owns x[node_off[c]:node_off[c+1]] (updated
    in place) and the local edges src/dst[edge_off[c]:edge_off[c+1]]; each is pulled towards
    its own centre. Centring and scaling happen afterwards, in numpy (layout.py): np.median
    and array copies would add seconds to the first compile."""
    for c in range(node_off.shape[0] - 1):
        lo = node_off[c]
        hi = node_off[c + 1]
        size = hi - lo
        gx = 0.0
        gy = 0.0
        for i in range(lo, hi):
            gx += x[i]
            gy += y[i]
        fa2_iterations(
            x[lo:hi], y[lo:hi], mass[lo:hi], src[edge_off[c] : edge_off[c + 1]],
            dst[edge_off[c] : edge_off[c + 1]], np.zeros(size, np.bool_), iterations,
            np.ones(2), np.zeros(size), np.zeros(size), kr, kg, gx / size, gy / size, theta,
            1e9, jitter, leaf_size,
        )  # fmt: skip
