"""Compiled graph kernels besides the force layout: breadth-first layers, components,
barycentre ordering (hierarchical layout), Brandes betweenness and the sorted-neighbourhood
name comparison of duplicate detection. numba, `nogil`, cached (see `_jit`)."""

from __future__ import annotations

import numpy as np

from workbench.graph._jit import jit

# Small hand-written helpers instead of np.full / np.argsort(kind="mergesort"): every numpy
# function a kernel uses is compiled along with it, and these two cost seconds on a fresh
# machine (empty numba cache) against a fraction of a second for the loops.


@jit
def _minus_ones(n):  # type: ignore[no-untyped-def]
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = -1
    return out


@jit
def _stable_argsort(key):  # type: ignore[no-untyped-def]
    """Indices that sort `key` ascending, ties in index order (bottom-up merge sort)."""
    n = key.shape[0]
    order = np.empty(n, np.int64)
    for i in range(n):
        order[i] = i
    spare = np.empty(n, np.int64)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i = lo
            j = mid
            k = lo
            while i < mid and j < hi:
                if key[order[j]] < key[order[i]]:
                    spare[k] = order[j]
                    j += 1
                else:
                    spare[k] = order[i]
                    i += 1
                k += 1
            while i < mid:
                spare[k] = order[i]
                i += 1
                k += 1
            while j < hi:
                spare[k] = order[j]
                j += 1
                k += 1
        order, spare = spare, order
        width *= 2
    return order


@jit
def bfs_layers(indptr, indices, roots, n):  # type: ignore[no-untyped-def]
    """Breadth-first distance from any root (-1 unreached) and each node's BFS parent."""
    layer = _minus_ones(n)
    parent = _minus_ones(n)
    queue = np.empty(n, np.int64)
    head = 0
    tail = 0
    for r in roots:
        if layer[r] < 0:
            layer[r] = 0
            queue[tail] = r
            tail += 1
    while head < tail:
        v = queue[head]
        head += 1
        for k in range(indptr[v], indptr[v + 1]):
            w = indices[k]
            if layer[w] < 0:
                layer[w] = layer[v] + 1
                parent[w] = v
                queue[tail] = w
                tail += 1
    return layer, parent


@jit
def component_labels(indptr, indices, n):  # type: ignore[no-untyped-def]
    """Connected component id per node, numbered in order of their lowest node index."""
    label = _minus_ones(n)
    queue = np.empty(n, np.int64)
    current = 0
    for s in range(n):
        if label[s] >= 0:
            continue
        label[s] = current
        head = 0
        tail = 1
        queue[0] = s
        while head < tail:
            v = queue[head]
            head += 1
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                if label[w] < 0:
                    label[w] = current
                    queue[tail] = w
                    tail += 1
        current += 1
    return label


@jit
def barycentre_order(indptr, indices, layer, sweeps):  # type: ignore[no-untyped-def]
    """Rank of every node within its layer after `sweeps` barycentre passes (down, up, down
    ...): a node's key is the mean rank of its neighbours in the layer above (or below).
    Unreached nodes (layer -1) keep rank 0."""
    n = layer.shape[0]
    rank = np.zeros(n, np.int64)
    if n == 0:
        return rank
    depth = 0
    for v in range(n):
        depth = max(depth, layer[v] + 1)
    width = np.zeros(depth + 1, np.int64)
    for v in range(n):
        if layer[v] >= 0:
            width[layer[v]] += 1
    offset = np.zeros(depth + 1, np.int64)
    for d in range(depth):
        offset[d + 1] = offset[d] + width[d]
    members = np.empty(offset[depth], np.int64)
    fill = offset.copy()
    for v in range(n):
        if layer[v] >= 0:
            members[fill[layer[v]]] = v
            rank[v] = fill[layer[v]] - offset[layer[v]]
            fill[layer[v]] += 1
    for sweep in range(sweeps):
        down = sweep % 2 == 0
        for step in range(depth - 1):
            d = step + 1 if down else depth - 2 - step
            ref = d - 1 if down else d + 1
            count = width[d]
            key = np.empty(count)
            scale = width[ref] / count
            for k in range(count):
                v = members[offset[d] + k]
                total = 0.0
                seen = 0
                for j in range(indptr[v], indptr[v + 1]):
                    w = indices[j]
                    if layer[w] == ref:
                        total += rank[w]
                        seen += 1
                if seen > 0:
                    key[k] = total / seen
                else:
                    key[k] = (rank[v] + 0.5) * scale - 0.5
            order = _stable_argsort(key)
            placed = np.empty(count, np.int64)
            for k in range(count):
                placed[k] = members[offset[d] + order[k]]
            for k in range(count):
                members[offset[d] + k] = placed[k]
                rank[placed[k]] = k
    return rank


@jit
def betweenness(indptr, indices, sources):  # type: ignore[no-untyped-def]
    """Brandes' accumulation from each source over the unweighted graph (raw sums: every
    unordered pair counted from both ends when all nodes are sources)."""
    n = indptr.shape[0] - 1
    score = np.zeros(n)
    sigma = np.zeros(n)
    dist = np.full(n, -1, np.int64)
    delta = np.zeros(n)
    order = np.empty(n, np.int64)
    for s in sources:
        sigma[:] = 0.0
        dist[:] = -1
        delta[:] = 0.0
        sigma[s] = 1.0
        dist[s] = 0
        order[0] = s
        head = 0
        tail = 1
        while head < tail:
            v = order[head]
            head += 1
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                if dist[w] < 0:
                    dist[w] = dist[v] + 1
                    order[tail] = w
                    tail += 1
                if dist[w] == dist[v] + 1:
                    sigma[w] += sigma[v]
        for back in range(tail - 1, -1, -1):
            w = order[back]
            for k in range(indptr[w], indptr[w + 1]):
                v = indices[k]
                if dist[v] == dist[w] - 1:
                    delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w])
            if w != s:
                score[w] += delta[w]
    return score


@jit
def similar_neighbours(codes, offsets, order, kinds, window, threshold):  # type: ignore[no-untyped-def]
    """Sorted-neighbourhood comparison: each string (code points codes[offsets[i]:
    offsets[i+1]]) against the next `window` ones in `order` of the same kind. Similarity is
    2 * LCS / (len a + len b) (the indel ratio, close to difflib's). Returns the pairs at or
    above `threshold` as (first, second, score) arrays."""
    n = order.shape[0]
    out_a = np.empty(n * window, np.int64)
    out_b = np.empty(n * window, np.int64)
    out_s = np.empty(n * window)
    found = 0
    row = np.zeros(130, np.int64)
    for p in range(n):
        a = order[p]
        a0 = offsets[a]
        la = offsets[a + 1] - a0
        for q in range(p + 1, min(n, p + 1 + window)):
            b = order[q]
            if kinds[b] != kinds[a]:
                break
            b0 = offsets[b]
            lb = offsets[b + 1] - b0
            total = la + lb
            if total == 0 or 2.0 * min(la, lb) / total < threshold:
                continue
            # longest common subsequence, one row of the table
            for j in range(lb + 1):
                row[j] = 0
            for i in range(1, la + 1):
                diag = 0
                ca = codes[a0 + i - 1]
                for j in range(1, lb + 1):
                    above = row[j]
                    if ca == codes[b0 + j - 1]:
                        row[j] = diag + 1
                    elif row[j - 1] > above:
                        row[j] = row[j - 1]
                    diag = above
            score = 2.0 * row[lb] / total
            if score >= threshold:
                out_a[found] = a
                out_b[found] = b
                out_s[found] = score
                found += 1
    return out_a[:found], out_b[:found], out_s[:found]
