"""Full-text search over cases, entities, notes and evidence text (see docs/search.md).

The index is `search_fts` (FTS5, trigram tokenizer) over `search_docs` (migration 0006).
A query is planned per term:

* three or more characters: an FTS5 phrase of its trigrams (substring match);
* two characters (Japanese words often are: 自殺): trigram queries cannot express it, so the
  index's own term list is read for the trigrams that *start* with those two characters and
  the term becomes their OR. Every indexed text ends with a newline, so every occurrence is
  followed by some character and is found;
* one character: a LIKE scan of `search_docs`, newest first, stopping at the limit.

Within one case that holds little text (SCAN_CASE_MAX_CHARS) the case's documents are
scanned with LIKE directly, which beats intersecting a workspace-wide match list. Results are
ranked by relevance (BM25 over the matches, see ranking.py) when at most RANK_MAX_MATCHES
documents match, else newest first; `SearchResults.ranked` says which.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from workbench.errors import ValidationError, WorkbenchError
from workbench.search.query import Query, parse_query
from workbench.search.ranking import RANK_TEXT_CHARS, rank
from workbench.search.snippets import SNIPPET_CHARS, make_snippet, term_pattern

KINDS = ("case", "entity", "note", "evidence")
MAX_LIMIT = 500
RANK_MAX_MATCHES = 2000
SCAN_CASE_MAX_CHARS = 3_000_000
SCAN_CASE_MAX_DOCS = 30_000
MAX_EXPANSIONS = 3000
SNIPPET_FETCH_CHARS = 20_000
_TOP = "\U0010ffff"


@dataclass(frozen=True)
class SearchHit:
    kind: str  # case | entity | note | evidence
    ref_id: str  # the case, entity or evidence id to open
    case_id: str
    case_reference: str
    case_title: str
    title: str
    snippet: str  # matches between snippets.MARK_START and MARK_END
    score: float | None  # relevance (BM25 over the matches, higher is better) when ranked


@dataclass(frozen=True)
class SearchResults:
    query: Query
    hits: tuple[SearchHit, ...]
    more: bool  # there are more hits than the limit
    ranked: bool  # by relevance (BM25 over the matches); otherwise newest first
    method: str  # "index", "index+scan" or "scan"
    note: str  # a sentence for the user when something is worth knowing, else ""
    elapsed_ms: float


@dataclass
class _Plan:
    fts_groups: list[str]
    fts_excluded: list[str]
    like_groups: list[list[str]]
    like_excluded: list[str]
    impossible: bool = False


def fts_available(conn: Connection) -> bool:
    if conn.dialect.name != "sqlite":
        return False
    row = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_fts'"
    ).first()
    return row is not None


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _expand(conn: Connection, term: str) -> list[str]:
    """Indexed trigrams that start with a two-character term (case-folded like the index)."""
    folded = term.lower()
    rows = conn.exec_driver_sql(
        "SELECT term FROM search_fts_vocab WHERE term >= ? AND term < ? LIMIT ?",
        (folded, folded + _TOP, MAX_EXPANSIONS + 1),
    ).all()
    if len(rows) > MAX_EXPANSIONS:
        raise SearchQueryTooBroad(term)
    return [str(r[0]) for r in rows]


class SearchQueryTooBroad(ValidationError):
    def __init__(self, term: str):
        super().__init__(
            f"'{term}' is too short and too common to search for on its own here. Add a "
            "character or another word, or search within one case."
        )


def _fts_term(conn: Connection, term: str) -> str | None:
    """The FTS5 expression of a term of two or more characters; None if it cannot match."""
    if len(term) >= 3:
        return _quote(term)
    expansions = _expand(conn, term)
    if not expansions:
        return None
    return "(" + " OR ".join(_quote(t) for t in expansions) + ")"


def _plan(conn: Connection, query: Query, use_fts: bool) -> _Plan:
    plan = _Plan([], [], [], [])
    for group in query.groups:
        if not use_fts or any(len(term) < 2 for term in group):
            plan.like_groups.append(list(group))
            continue
        parts = [p for p in (_fts_term(conn, term) for term in group) if p is not None]
        if not parts:
            plan.impossible = True
            return plan
        plan.fts_groups.append(parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")")
    for term in query.excluded:
        if not use_fts or len(term) < 2:
            plan.like_excluded.append(term)
        elif (part := _fts_term(conn, term)) is not None:
            plan.fts_excluded.append(part)
    return plan


def _fts_expression(plan: _Plan) -> str:
    expression = " AND ".join(plan.fts_groups)
    if plan.fts_excluded:
        expression = f"({expression}) NOT ({' OR '.join(plan.fts_excluded)})"
    return expression


def _filters(
    case_id: str | None, kinds: Sequence[str], plan: _Plan, params: list[Any]
) -> list[str]:
    """SQL conditions on search_docs `d` for scope and the LIKE-only terms."""
    where: list[str] = []
    if case_id is not None:
        where.append("d.case_id = ?")
        params.append(case_id)
    if kinds and set(kinds) != set(KINDS):
        where.append(f"d.kind IN ({', '.join('?' for _ in kinds)})")
        params.extend(kinds)
    for group in plan.like_groups:
        where.append("(" + " OR ".join("d.text LIKE ? ESCAPE '\\'" for _ in group) + ")")
        params.extend(_like(t) for t in group)
    for term in plan.like_excluded:
        where.append("d.text NOT LIKE ? ESCAPE '\\'")
        params.append(_like(term))
    return where


def _case_is_small(conn: Connection, case_id: str, kinds: Sequence[str]) -> bool:
    params: list[Any] = [case_id]
    kind_sql = ""
    if kinds and set(kinds) != set(KINDS):
        kind_sql = f" AND kind IN ({', '.join('?' for _ in kinds)})"
        params.extend(kinds)
    row = conn.exec_driver_sql(
        f"SELECT count(*), total(size) FROM (SELECT size FROM search_docs "
        f"WHERE case_id = ?{kind_sql} LIMIT {SCAN_CASE_MAX_DOCS + 1})",
        tuple(params),
    ).one()
    return int(row[0]) <= SCAN_CASE_MAX_DOCS and float(row[1]) <= SCAN_CASE_MAX_CHARS


def _check(kinds: Iterable[str] | None, limit: int) -> list[str]:
    chosen = list(dict.fromkeys(kinds or ()))
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise ValidationError(f"Unknown kind {', '.join(unknown)}: choose from {', '.join(KINDS)}.")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"The result limit must be between 1 and {MAX_LIMIT}.")
    return chosen


def search(
    conn: Connection,
    text: str | Query,
    *,
    case_id: str | None = None,
    kinds: Iterable[str] | None = None,
    limit: int = 50,
) -> SearchResults:
    """Search the workspace (or one case); raises SearchQueryError on a malformed query."""
    started = time.perf_counter()
    query = parse_query(text) if isinstance(text, str) else text
    chosen = _check(kinds, limit)
    if conn.dialect.name != "sqlite":
        raise WorkbenchError(
            "Full-text search is available on SQLite workspaces only for now (docs/search.md)."
        )
    note = ""
    use_fts = fts_available(conn)
    if not use_fts:
        note = (
            "The full-text index is missing (this SQLite lacks FTS5 trigram support), so the "
            "texts were scanned; this is slow on big workspaces."
        )
    elif case_id is not None and _case_is_small(conn, case_id, chosen):
        use_fts = False
    plan = _plan(conn, query, use_fts)
    params: list[Any] = []
    ranked = False
    selected: list[tuple[int, float | None]] | None
    if plan.impossible:  # a two-character word that no indexed text contains
        method, selected = "index", []
    elif plan.fts_groups:
        method = "index+scan" if plan.like_groups or plan.like_excluded else "index"
        selected, ranked = _from_index(conn, _fts_expression(plan), query, case_id, chosen, plan)
        if selected is None:  # many matches and a filter: newest first, filtered in SQL
            params.append(_fts_expression(plan))
            where = ["search_fts MATCH ?", *_filters(case_id, chosen, plan, params)]
            sql = (
                "SELECT d.id, NULL FROM search_fts f JOIN search_docs d ON d.id = f.rowid "
                f"WHERE {' AND '.join(where)} ORDER BY f.rowid DESC LIMIT {limit + 1}"
            )
            selected = [(int(r[0]), None) for r in conn.exec_driver_sql(sql, tuple(params))]
    else:
        method = "scan"
        where = _filters(case_id, chosen, plan, params) or ["1"]
        sql = (
            "SELECT d.id, NULL FROM search_docs d WHERE " + " AND ".join(where) + " "
            f"ORDER BY d.id DESC LIMIT {limit + 1}"
        )
        selected = [(int(r[0]), None) for r in conn.exec_driver_sql(sql, tuple(params))]
    if method != "scan":
        selected = _pending(conn, query, case_id, chosen, limit) + selected
    hits = _hits(conn, selected[:limit], query.terms)
    return SearchResults(query, hits, len(selected) > limit, ranked, method, note, _ms(started))


def _pending(
    conn: Connection, query: Query, case_id: str | None, kinds: Sequence[str], limit: int
) -> list[tuple[int, float | None]]:
    """Documents written since the index last caught up (normally none: it catches up at
    every audited transaction), matched by scanning; they are the newest, so they go first."""
    params: list[Any] = []
    where = _filters(case_id, kinds, _plan(conn, query, False), params)
    rows = conn.exec_driver_sql(
        "SELECT d.id FROM search_docs d WHERE d.id > (SELECT indexed_upto FROM "
        "search_index_state WHERE name = 'search_fts') AND "
        + " AND ".join(where or ["1"])
        + f" ORDER BY d.id DESC LIMIT {limit + 1}",
        tuple(params),
    ).all()
    return [(int(r[0]), None) for r in rows]


def _from_index(
    conn: Connection,
    expression: str,
    query: Query,
    case_id: str | None,
    kinds: Sequence[str],
    plan: _Plan,
) -> tuple[list[tuple[int, float | None]] | None, bool]:
    """One pass over the index, newest first, stopping after RANK_MAX_MATCHES + 1 matches.
    Few matches: filter and rank them all. Many and no filter: the newest are the answer.
    Many and a filter: None (the caller runs the filtered query)."""
    ids = [
        int(r[0])
        for r in conn.exec_driver_sql(
            "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC "
            f"LIMIT {RANK_MAX_MATCHES + 1}",
            (expression,),
        )
    ]
    params: list[Any] = [json.dumps(ids)]
    where = _filters(case_id, kinds, plan, params)
    if len(ids) > RANK_MAX_MATCHES:
        return (None if where else [(i, None) for i in ids]), False
    rows = conn.exec_driver_sql(
        f"SELECT d.id, d.size, substr(d.text, 1, {RANK_TEXT_CHARS}) FROM search_docs d "
        "WHERE d.id IN (SELECT value FROM json_each(?))"
        + "".join(f" AND {condition}" for condition in where),
        tuple(params),
    ).all()
    scored = rank([(int(r[0]), int(r[1]), str(r[2])) for r in rows], query.terms)
    return [(doc_id, score) for doc_id, score in scored], True


def _hits(
    conn: Connection, ranked_ids: list[tuple[int, Any]], terms: Sequence[str]
) -> tuple[SearchHit, ...]:
    if not ranked_ids:
        return ()
    ids = [doc_id for doc_id, _ in ranked_ids]
    rows = conn.exec_driver_sql(
        "SELECT d.id, d.kind, d.ref_id, d.case_id, coalesce(c.reference, ''), "
        "coalesce(c.title, ''), d.title, d.size, "
        f"substr(d.text, 1, {SNIPPET_FETCH_CHARS}) FROM search_docs d "
        "LEFT JOIN cases c ON c.id = d.case_id "
        f"WHERE d.id IN ({', '.join('?' for _ in ids)})",
        tuple(ids),
    ).all()
    by_id = {int(r[0]): r for r in rows}
    hits: list[SearchHit] = []
    for doc_id, score in ranked_ids:
        row = by_id.get(doc_id)
        if row is None:
            continue
        text = str(row[8])
        if int(row[7]) > SNIPPET_FETCH_CHARS:
            text = _window(conn, doc_id, text, terms)
        hits.append(
            SearchHit(
                kind=str(row[1]),
                ref_id=str(row[2]),
                case_id=str(row[3]),
                case_reference=str(row[4]),
                case_title=str(row[5]),
                title=str(row[6]),
                snippet=_snippet(text, str(row[6]), terms),
                score=float(score) if score is not None else None,
            )
        )
    return tuple(hits)


def _snippet(text: str, title: str, terms: Sequence[str]) -> str:
    """The snippet leaves out the title (shown anyway) unless only the title matches."""
    if title and text.startswith(title + "\n"):
        rest = text[len(title) + 1 :]
        pattern = term_pattern(terms)
        if rest.strip() and pattern is not None and pattern.search(rest):
            return make_snippet(rest, terms)
    return make_snippet(text, terms)


def _window(conn: Connection, doc_id: int, head: str, terms: Sequence[str]) -> str:
    """For a long text: the part around the first occurrence of any term."""
    lowered = head.lower()
    if any(t.lower() in lowered for t in terms):
        return head
    positions = conn.exec_driver_sql(
        "SELECT "
        + ", ".join("instr(lower(text), ?)" for _ in terms)
        + " FROM search_docs WHERE id = ?",
        (*(t.lower() for t in terms), doc_id),
    ).one()
    found = [int(p) for p in positions if p]
    if not found:
        return head
    start = max(1, min(found) - SNIPPET_CHARS)
    window = conn.exec_driver_sql(
        "SELECT substr(text, ?, ?) FROM search_docs WHERE id = ?",
        (start, 3 * SNIPPET_CHARS, doc_id),
    ).scalar_one()
    return ("… " if start > 1 else "") + str(window)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
