"""Full-text search index (FTS5 trigram on SQLite).

`search_docs` holds one searchable document per case, entity (or note) and evidence item:
the case it belongs to, its kind, where it came from (`source` table + `ref_id`), a title
and the text. `search_fts` is an FTS5 index over `search_docs.text` (external content, so
the text is stored once) with the trigram tokenizer, which finds any substring of three or
more characters and therefore works for Japanese, which has no spaces between words.

Triggers on the source tables keep `search_docs` in step inside the writing transaction;
the FTS index catches up once per audited transaction (see FTS_TRIGGERS). Every piece of
text ends with a newline, so that every occurrence of a two-character word is followed by
some character and sits at the start of at least one indexed trigram (workbench/search).
Existing rows are backfilled. Other dialects get the `search_docs` table only (no
triggers): the search falls back to scanning; see docs/search.md.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NL = "char(10)"

# -- text of one document, as SQL expressions over the source row aliases ---------------
ENTITY_TEXT = (
    "{e}.label || char(10)"
    " || CASE WHEN {e}.value <> {e}.label THEN {e}.value || char(10) ELSE '' END"
    " || coalesce((SELECT group_concat(j.value, char(10)) || char(10) FROM json_tree("
    "CASE WHEN json_valid({e}.properties) THEN {e}.properties ELSE '{{}}' END) AS j"
    " WHERE j.type = 'text'), '')"
)
ENTITY_KIND = "CASE WHEN {e}.type = 'note' THEN 'note' ELSE 'entity' END"

EVIDENCE_DOC = (
    "SELECT e.case_id, 'evidence', 'evidence', e.id, e.filename, t, length(t) FROM ("
    "SELECT e.case_id AS case_id, e.id AS id, e.filename AS filename,"
    " e.filename || char(10) || e.description || char(10)"
    " || coalesce(e.source_url || char(10), '') || coalesce(x.text || char(10), '') AS t"
    " FROM evidence e LEFT JOIN evidence_text x ON x.evidence_id = e.id{where}) AS e"
)

CASE_DOC = (
    "SELECT c.id, 'case', 'cases', c.id, c.title, t, length(t) FROM ("
    "SELECT c.id AS id, c.title AS title,"
    " c.reference || char(10) || c.title || char(10) || c.description || char(10)"
    " || coalesce(x.narrative || char(10) || x.at_risk || char(10) || x.info_recency"
    " || char(10) || x.why_urgent || char(10) || x.how_data_helps || char(10)"
    " || x.legal_process || char(10), '') AS t"
    " FROM cases c LEFT JOIN escalation_texts x ON x.case_id = c.id{where}) AS c"
)

DOC_COLUMNS = "(case_id, kind, source, ref_id, title, text, size)"


def _entity_doc(alias: str) -> str:
    """The document of the entity row `alias` (NEW in a trigger)."""
    text = ENTITY_TEXT.format(e=alias)
    kind = ENTITY_KIND.format(e=alias)
    return (
        f"SELECT {alias}.case_id, {kind}, 'entities', {alias}.id, {alias}.label, t, length(t)"
        f" FROM (SELECT {text} AS t)"
    )


def _all_entity_docs() -> str:
    text = ENTITY_TEXT.format(e="e")
    kind = ENTITY_KIND.format(e="e")
    return (
        f"SELECT e.case_id, {kind}, 'entities', e.id, e.label, e.t, length(e.t)"
        f" FROM (SELECT e.*, {text} AS t FROM entities e) AS e"
    )


def _refresh(source: str, ref: str, doc_select: str) -> str:
    return (
        f"DELETE FROM search_docs WHERE source = '{source}' AND ref_id = {ref}; "
        f"INSERT INTO search_docs {DOC_COLUMNS} {doc_select}; "
    )


def _evidence_refresh(ref: str) -> str:
    return _refresh("evidence", ref, EVIDENCE_DOC.format(where=f" WHERE e.id = {ref}"))


def _case_refresh(ref: str) -> str:
    return _refresh("cases", ref, CASE_DOC.format(where=f" WHERE c.id = {ref}"))


# name -> trigger body after CREATE TRIGGER name
SOURCE_TRIGGERS: dict[str, str] = {
    "search_entities_ai": (
        f"AFTER INSERT ON entities BEGIN INSERT INTO search_docs {DOC_COLUMNS} "
        f"{_entity_doc('NEW')}; END"
    ),
    "search_entities_au": (
        "AFTER UPDATE OF case_id, type, value, label, properties ON entities "
        "WHEN OLD.case_id IS NOT NEW.case_id OR OLD.type IS NOT NEW.type "
        "OR OLD.value IS NOT NEW.value OR OLD.label IS NOT NEW.label "
        "OR OLD.properties IS NOT NEW.properties BEGIN "
        "DELETE FROM search_docs WHERE source = 'entities' AND ref_id = OLD.id; "
        f"INSERT INTO search_docs {DOC_COLUMNS} {_entity_doc('NEW')}; END"
    ),
    "search_entities_ad": (
        "AFTER DELETE ON entities BEGIN "
        "DELETE FROM search_docs WHERE source = 'entities' AND ref_id = OLD.id; END"
    ),
    "search_evidence_ai": f"AFTER INSERT ON evidence BEGIN {_evidence_refresh('NEW.id')}END",
    "search_evidence_au": (
        "AFTER UPDATE OF case_id, filename, description, source_url ON evidence "
        f"BEGIN {_evidence_refresh('NEW.id')}END"
    ),
    "search_evidence_ad": (
        "AFTER DELETE ON evidence BEGIN "
        "DELETE FROM search_docs WHERE source = 'evidence' AND ref_id = OLD.id; END"
    ),
    "search_evidence_text_ai": (
        f"AFTER INSERT ON evidence_text BEGIN {_evidence_refresh('NEW.evidence_id')}END"
    ),
    "search_evidence_text_au": (
        f"AFTER UPDATE ON evidence_text BEGIN {_evidence_refresh('NEW.evidence_id')}END"
    ),
    "search_evidence_text_ad": (
        f"AFTER DELETE ON evidence_text BEGIN {_evidence_refresh('OLD.evidence_id')}END"
    ),
    "search_cases_ai": f"AFTER INSERT ON cases BEGIN {_case_refresh('NEW.id')}END",
    "search_cases_au": (
        "AFTER UPDATE OF reference, title, description ON cases "
        "WHEN OLD.reference IS NOT NEW.reference OR OLD.title IS NOT NEW.title "
        f"OR OLD.description IS NOT NEW.description BEGIN {_case_refresh('NEW.id')}END"
    ),
    "search_cases_ad": (
        "AFTER DELETE ON cases BEGIN DELETE FROM search_docs WHERE case_id = OLD.id; END"
    ),
    "search_escalation_texts_ai": (
        f"AFTER INSERT ON escalation_texts BEGIN {_case_refresh('NEW.case_id')}END"
    ),
    "search_escalation_texts_au": (
        f"AFTER UPDATE ON escalation_texts BEGIN {_case_refresh('NEW.case_id')}END"
    ),
    "search_escalation_texts_ad": (
        f"AFTER DELETE ON escalation_texts BEGIN {_case_refresh('OLD.case_id')}END"
    ),
}

# The FTS index is brought up to date once per audited transaction, not row by row: an FTS5
# write from a row trigger flushes FTS5's pending terms at every nested statement, which made
# a 100k-entity bulk load four times slower. Every change in the workspace appends an audit
# event in its own transaction (after its rows), so `search_index_catch_up` indexes in one
# INSERT ... SELECT the documents above the watermark in `search_index_state`. Documents not
# indexed yet are found by workbench.search with a scan of that (normally empty) tail.
# AUTOINCREMENT keeps ids from being reused, so "id <= watermark" always means "indexed".
WATERMARK = "(SELECT indexed_upto FROM search_index_state WHERE name = 'search_fts')"
FTS_TRIGGERS: dict[str, str] = {
    "search_index_catch_up": (
        f"AFTER INSERT ON audit_events WHEN (SELECT max(id) FROM search_docs) > {WATERMARK} "
        "BEGIN "
        f"INSERT INTO search_fts (rowid, text) SELECT id, text FROM search_docs WHERE id > "
        f"{WATERMARK}; "
        "UPDATE search_index_state SET indexed_upto = (SELECT max(id) FROM search_docs) "
        "WHERE name = 'search_fts'; END"
    ),
    "search_docs_ad": (
        f"AFTER DELETE ON search_docs WHEN OLD.id <= {WATERMARK} BEGIN "
        "INSERT INTO search_fts (search_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text); "
        "END"
    ),
    # Documents are replaced (delete + insert), never updated; should one be, it is re-indexed.
    "search_docs_au": (
        f"AFTER UPDATE OF id, text ON search_docs WHEN OLD.id <= {WATERMARK} BEGIN "
        "INSERT INTO search_fts (search_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text); "
        "INSERT INTO search_fts (rowid, text) VALUES (NEW.id, NEW.text); END"
    ),
}

FTS_DDL = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(text, content='search_docs', "
    "content_rowid='id', tokenize='trigram')"
)


# The index's terms (trigrams), read to widen two-character words; see workbench/search.
VOCAB_DDL = "CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab(search_fts, 'row')"


def _trigram_available() -> bool:
    """FTS5 with the trigram tokenizer needs SQLite >= 3.34 built with FTS5."""
    try:
        op.execute("CREATE VIRTUAL TABLE temp.search_probe USING fts5(x, tokenize='trigram')")
    except sa.exc.OperationalError:
        return False
    op.execute("DROP TABLE temp.search_probe")
    return True


def upgrade() -> None:
    op.create_table(
        "search_docs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("ref_id", sa.String(36), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "search_index_state",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("indexed_upto", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_search_docs_source_ref", "search_docs", ["source", "ref_id"], unique=True)
    op.create_index("ix_search_docs_case", "search_docs", ["case_id", "kind", "size"])
    if op.get_bind().dialect.name != "sqlite":
        # The triggers and the FTS5 table are SQLite DDL. On another database the table stays
        # empty and workbench.search reports that the index is not available there.
        return
    # Backfill first, then build the index in one pass ('rebuild'), then the triggers.
    op.execute(f"INSERT INTO search_docs {DOC_COLUMNS} {_all_entity_docs()}")
    op.execute(f"INSERT INTO search_docs {DOC_COLUMNS} {EVIDENCE_DOC.format(where='')}")
    op.execute(f"INSERT INTO search_docs {DOC_COLUMNS} {CASE_DOC.format(where='')}")
    for name, body in SOURCE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    if not _trigram_available():
        # Old SQLite: search_docs is kept in step and scanned; workbench.search explains.
        return
    op.execute(FTS_DDL)
    op.execute(VOCAB_DDL)
    op.execute("INSERT INTO search_fts (search_fts) VALUES ('rebuild')")
    op.execute(
        "INSERT INTO search_index_state (name, indexed_upto) "
        "SELECT 'search_fts', coalesce(max(id), 0) FROM search_docs"
    )
    for name, body in FTS_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in [*FTS_TRIGGERS, *SOURCE_TRIGGERS]:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts_vocab")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_docs_case", "search_docs")
    op.drop_index("ix_search_docs_source_ref", "search_docs")
    op.drop_table("search_index_state")
    op.drop_table("search_docs")
