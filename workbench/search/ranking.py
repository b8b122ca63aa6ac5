"""Relevance of a short list of matching documents: BM25 computed over the matches.

FTS5's own bm25() first counts, for every phrase of the query, how many documents of the
whole index contain it: with trigram phrases that is a scan of every match of every word,
about 100 ms for a word in 6,000 of a million rows. Ranking only the documents that match
(at most RANK_MAX_MATCHES of them) in Python costs a few milliseconds: term frequencies are
counted in the first RANK_TEXT_CHARS characters, document frequencies among the matches.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

RANK_TEXT_CHARS = 4000
K1 = 1.2
B = 0.75


def rank(
    candidates: Sequence[tuple[int, int, str]], terms: Sequence[str]
) -> list[tuple[int, float]]:
    """(id, size, head of text) -> [(id, score)], best first (newer first on ties)."""
    if not candidates:
        return []
    patterns = [re.compile(re.escape(term), re.IGNORECASE) for term in dict.fromkeys(terms)]
    counts = [[len(p.findall(head)) for p in patterns] for _id, _size, head in candidates]
    total = len(candidates)
    average = max(1.0, sum(size for _id, size, _head in candidates) / total)
    idf = []
    for column in range(len(patterns)):
        df = sum(1 for row in counts if row[column])
        idf.append(math.log(1.0 + (total - df + 0.5) / (df + 0.5)))
    scored = []
    for (doc_id, size, _head), row in zip(candidates, counts, strict=True):
        norm = K1 * (1.0 - B + B * max(1, size) / average)
        score = sum(w * tf * (K1 + 1.0) / (tf + norm) for w, tf in zip(idf, row, strict=True))
        scored.append((doc_id, score))
    scored.sort(key=lambda item: (-item[1], -item[0]))
    return scored
