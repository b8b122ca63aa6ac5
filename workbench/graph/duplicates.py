"""Likely duplicate entities of a case, for the analyst to check before anything is merged.

Three signals, strongest first:
* the same normalised value (`workbench/normalize.py`) twice within one type (bulk imports
  do not de-duplicate): score 1.0;
* a shared strong identifier property (user id, profile URL, e-mail, phone, document or
  account numbers ...) within one type: score 0.9;
* similar names for people, organisations and accounts: the indel ratio 2 * LCS / (len a +
  len b) (what rapidfuzz calls `ratio`; close to difflib's) of the names with accents, case,
  punctuation and word order taken out (accounts: separators too), at least
  FUZZY_THRESHOLD. Blocking keeps this near-linear: sorted-neighbourhood over two orderings
  (the token-sorted name and its reverse), comparing each name with the next WINDOW ones,
  in a compiled kernel.
Pairs already joined by a refuted same_as link are not suggested again.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from workbench.store.schema import entities, links

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

FUZZY_TYPES = ("person", "organization", "account")
STRONG_KEYS = (
    "user_id",
    "account_id",
    "profile_url",
    "email",
    "phone",
    "national_id",
    "passport",
    "iban",
    "imei",
    "serial",
    "registration",
)
FUZZY_THRESHOLD = 0.88
WINDOW = 4
MAX_KEY = 128  # names are compared on their first 128 characters
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_ORG_SUFFIXES = {"ltd", "inc", "llc", "gmbh", "ag", "sa", "srl", "bv", "plc", "co", "corp"}


@dataclass(frozen=True)
class DuplicateSuggestion:
    ids: tuple[str, ...]
    reason: str
    score: float
    type: str = ""
    labels: tuple[str, ...] = ()


def name_key(entity_type: str, text: str) -> str:
    """Comparable form of a name: no accents, case, punctuation; words sorted. Accounts drop
    separators entirely (`Night.Owl_Rin` and `nightowlrin` are one handle)."""
    if text.isascii():
        plain = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = [w for w in _NON_WORD.split(plain) if w]
    if entity_type == "account":
        return "".join(words).lstrip("@")
    if entity_type == "organization":
        words = [w for w in words if w not in _ORG_SUFFIXES] or words
    return " ".join(sorted(words))


def _rows(conn: Connection, case_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(
                entities.c.id,
                entities.c.type,
                entities.c.normalized,
                entities.c.label,
                entities.c.value,
                entities.c.properties,
            )
            .where(entities.c.case_id == case_id)
            .order_by(entities.c.row_order)
        )
    )


def _refuted(conn: Connection, case_id: str) -> set[frozenset[str]]:
    rows = conn.execute(
        select(links.c.source_id, links.c.target_id).where(
            links.c.case_id == case_id, links.c.type == "same_as", links.c.confidence == "refuted"
        )
    )
    return {frozenset((s, t)) for s, t in rows}


def _groups(rows: list[Any]) -> Iterable[tuple[tuple[Any, ...], str, float]]:
    by_value: dict[tuple[str, str], list[Any]] = defaultdict(list)
    by_ident: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    strong = set(STRONG_KEYS)
    for row in rows:
        by_value[(row.type, row.normalized)].append(row)
        props = row.properties
        if not props:
            continue
        for key in strong.intersection(props):
            value = props[key]
            if isinstance(value, str | int) and str(value).strip():
                by_ident[(row.type, key, str(value).strip().casefold())].append(row)
    for (entity_type, normalized), members in by_value.items():
        if len(members) > 1:
            yield tuple(members), f"same normalised {entity_type} value {normalized!r}", 1.0
    for (_, key, value), members in by_ident.items():
        if len(members) > 1:
            yield tuple(members), f"same {key} {value!r}", 0.9


def _fuzzy(rows: list[Any]) -> tuple[Any, Any, Any]:
    """Similar-name pairs as arrays: row positions a < b, and the score (0.85 x ratio)."""
    import numpy as np

    from workbench.graph import _graph_kernels

    chosen, keys = [], []
    for position, row in enumerate(rows):
        if row.type in FUZZY_TYPES:
            key = name_key(row.type, row.label or row.value)[:MAX_KEY]
            if len(key) >= 3:
                chosen.append(position)
                keys.append(key)
    empty = np.zeros(0, np.int64)
    if len(keys) < 2:
        return empty, empty, np.zeros(0)
    at = np.array(chosen, dtype=np.int64)
    kinds = np.array([FUZZY_TYPES.index(rows[p].type) for p in chosen], dtype=np.int64)
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum([len(k) for k in keys], out=offsets[1:])
    codes = np.frombuffer("".join(keys).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    parts = []
    for reverse in (False, True):
        order = sorted(
            range(len(keys)), key=lambda i: (kinds[i], keys[i][::-1] if reverse else keys[i])
        )
        parts.append(
            _graph_kernels.similar_neighbours(
                codes, offsets, np.array(order, np.int64), kinds, WINDOW, FUZZY_THRESHOLD
            )
        )
    first = at[np.concatenate([p[0] for p in parts])]
    second = at[np.concatenate([p[1] for p in parts])]
    scores = np.concatenate([p[2] for p in parts])
    a, b = np.minimum(first, second), np.maximum(first, second)
    _, unique = np.unique(a * len(rows) + b, return_index=True)
    a, b, scores = a[unique], b[unique], scores[unique]
    # the same normalised value is reported by _groups already
    _, norm = np.unique([f"{r.type}\x1f{r.normalized}" for r in rows], return_inverse=True)
    keep = norm[a] != norm[b]
    return a[keep], b[keep], np.round(0.85 * scores[keep], 3)


def suggest_duplicates(
    conn_or_ws: Connection | Workspace, case_id: str, *, limit: int = 200
) -> list[DuplicateSuggestion]:
    """Suggestions, best first (score, then case order), at most `limit`."""
    if isinstance(conn_or_ws, Connection):
        return _suggest(conn_or_ws, case_id, limit)
    with conn_or_ws.read() as conn:
        return _suggest(conn, case_id, limit)


def _suggest(conn: Connection, case_id: str, limit: int) -> list[DuplicateSuggestion]:
    import numpy as np

    rows = _rows(conn, case_id)
    refuted = _refuted(conn, case_id)
    position = {r.id: i for i, r in enumerate(rows)}
    found: dict[tuple[str, ...], DuplicateSuggestion] = {}

    def add(members: tuple[Any, ...], reason: str, score: float) -> None:
        members = tuple(sorted(members, key=lambda m: position[m.id]))
        ids = tuple(m.id for m in members)
        if len(ids) == 2 and frozenset(ids) in refuted:
            return
        if ids not in found or found[ids].score < score:
            labels = tuple(m.label for m in members)
            found[ids] = DuplicateSuggestion(ids, reason, score, members[0].type, labels)

    for members, reason, score in _groups(rows):
        add(members, reason, score)
    a, b, scores = _fuzzy(rows)
    # every fuzzy score (at most 0.85) ranks below the value and identifier groups
    for k in np.lexsort((a, -scores)).tolist():
        if len(found) >= limit + len(refuted):
            break
        row_a, row_b = rows[int(a[k])], rows[int(b[k])]
        score = float(scores[k])
        reason = (
            f"{row_a.type} names differ only in case, accents, punctuation or word order"
            if score >= 0.85
            else f"similar {row_a.type} names ({score / 0.85:.0%} alike)"
        )
        add((row_a, row_b), reason, score)
    ranked = sorted(found.values(), key=lambda s: (-s.score, position[s.ids[0]]))
    return ranked[:limit]


__all__ = ["DuplicateSuggestion", "name_key", "suggest_duplicates"]
