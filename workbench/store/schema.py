"""Tables of a workspace, in SQLAlchemy Core with portable types only (SQLite now, PostgreSQL next).

The Alembic migrations in `workbench/store/migrations/versions` create exactly these tables;
`tests/store/test_migrations.py` checks that the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, PostgreSQL would shift it."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use workbench.timeutil.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 36  # uuid4 text

workspace_meta = Table(
    "workspace_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("title", String(500), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(20), nullable=False),
    Column("priority", String(4), nullable=False),
    Column("category", String(40), nullable=False),
    Column("assignee", String(200)),
    Column("tags", JSON, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

entities = Table(
    "entities",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("type", String(40), nullable=False),
    Column("value", Text, nullable=False),
    Column("normalized", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("properties", JSON, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("pos_x", Float),
    Column("pos_y", Float),
    Column("row_order", BigInteger, nullable=False),
    Index("ix_entities_case_order", "case_id", "row_order"),
    Index("ix_entities_case_type_norm", "case_id", "type", "normalized"),
)

links = Table(
    "links",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("source_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("target_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("type", String(40), nullable=False),
    Column("confidence", String(12), nullable=False),
    Column("reliability", String(1)),
    Column("credibility", String(1)),
    Column("properties", JSON, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("row_order", BigInteger, nullable=False),
    Index("ix_links_case_order", "case_id", "row_order"),
    Index("ix_links_source", "source_id"),
    Index("ix_links_target", "target_id"),
)

provenance = Table(
    "provenance",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("object_type", String(12), nullable=False),  # entity | link
    Column("object_id", String(ID), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("ref", String(200)),
    Column("note", Text),
    Column("actor", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_provenance_object", "object_id"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("filename", String(500), nullable=False),
    Column("mime_type", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("source_url", Text),
    Column("sensitivity", String(40)),
    Column("metadata", JSON, nullable=False),
    Column("collected_by", String(200), nullable=False),
    Column("collected_at", UTCDateTime, nullable=False),
    Index("ix_evidence_case", "case_id"),
    Index("ix_evidence_sha256", "sha256"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", String(32), nullable=False),  # canonical ISO text: hashed byte for byte
    Column("actor", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("object_type", String(30), nullable=False),
    Column("object_id", String(ID), nullable=False),
    Column("case_id", String(ID)),
    Column("summary", Text, nullable=False),  # canonical JSON text: hashed byte for byte
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Index("ix_audit_case", "case_id"),
)

# ---- threat assessment and decision (workbench/assess) -------------------------------------
# One assessment per case; every save appends a full JSON snapshot to assessment_versions.
# The columns on `assessments` repeat what the queue filters on (tiers, re-assessment time,
# preservation expiry) so those queries need not read snapshots.

assessments = Table(
    "assessments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False, unique=True),
    Column("template_id", String(100), nullable=False),
    Column("template_version", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("suggested_tier", String(2), nullable=False),
    Column("final_tier", String(2), nullable=False),
    Column("decision_digest", String(64), nullable=False),
    Column("reassess_at", UTCDateTime),
    Column("preservation_expires_at", UTCDateTime),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_assessments_reassess_at", "reassess_at"),
)

assessment_versions = Table(
    "assessment_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("assessment_id", String(ID), ForeignKey("assessments.id"), nullable=False),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("saved_by", String(200), nullable=False),
    Column("saved_at", UTCDateTime, nullable=False),
    Column("summary", Text, nullable=False),
    Column("decision_digest", String(64), nullable=False),
    Column("snapshot", JSON, nullable=False),
    Column("snapshot_sha256", String(64), nullable=False),
    Index("ix_assessment_versions_assessment_version", "assessment_id", "version", unique=True),
)

assessment_approvals = Table(
    "assessment_approvals",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("assessment_id", String(ID), ForeignKey("assessments.id"), nullable=False),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("decision_digest", String(64), nullable=False),
    Column("approver", String(200), nullable=False),
    Column("approved_at", UTCDateTime, nullable=False),
    Column("comment", Text, nullable=False),
    Index(
        "ix_assessment_approvals_once",
        "assessment_id",
        "decision_digest",
        "approver",
        unique=True,
    ),
)

assessment_drafts = Table(
    "assessment_drafts",
    metadata,
    Column("case_id", String(ID), ForeignKey("cases.id"), primary_key=True),
    Column("actor", String(200), primary_key=True),
    Column("base_version", Integer, nullable=False),
    Column("saved_at", UTCDateTime, nullable=False),
    Column("body", JSON, nullable=False),
)

# ---- emergency intake and triage queue (workbench/intake) ----------------------------------
# One escalation per case. The first columns repeat what the queue shows and sorts on
# (reference, title, status, priority, category, assignee: kept in step by CaseRepository in
# the same transaction), so that sorting and filtering 100k cases reads one table through one
# index per sort column; `is_open` leads every queue index. Long free text lives in
# escalation_texts so the queue table stays narrow.

escalations = Table(
    "escalations",
    metadata,
    Column("case_id", String(ID), ForeignKey("cases.id"), primary_key=True),
    Column("reference", String(32), nullable=False),
    Column("title", String(500), nullable=False),
    Column("status", String(20), nullable=False),
    Column("is_open", Integer, nullable=False),
    Column("priority", String(4), nullable=False),
    Column("category", String(40), nullable=False),
    Column("assignee", String(200)),
    Column("claimed_at", UTCDateTime),
    Column("channel", String(20)),
    Column("received_at", UTCDateTime, nullable=False),
    Column("deadline_at", UTCDateTime),
    Column("deadline_manual", Integer, nullable=False),
    Column("requester_name", String(200)),
    Column("requester_rank", String(100)),
    Column("requester_badge", String(100)),
    Column("agency", String(300)),
    Column("unit", String(200)),
    Column("country", String(80)),
    Column("requester_email", String(320)),
    Column("requester_domain", String(253)),
    Column("requester_phone", String(64)),
    Column("supervisor_name", String(200)),
    Column("supervisor_contact", String(320)),
    Column("targets", JSON, nullable=False),
    Column("data_categories", JSON, nullable=False),
    Column("data_from", UTCDateTime),
    Column("data_to", UTCDateTime),
    Column("legal_basis", String(300)),
    Column("jurisdiction_requester", String(100)),
    Column("jurisdiction_user", String(100)),
    Column("legal_process_evidence_id", String(ID)),
    Column("confidentiality_requested", Integer, nullable=False),
    Column("portal_account_verified", Integer),
    Column("message_id", String(998)),
    Column("source_evidence_id", String(ID)),
    Column("source_ref", String(500)),
    Column("triaged_at", UTCDateTime),
    Column("verified_at", UTCDateTime),
    Column("assessed_at", UTCDateTime),
    Column("decided_at", UTCDateTime),
    Column("disclosed_at", UTCDateTime),
    Column("responded_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("report_emergency", Integer, nullable=False),
    Column("report_accounts_specified", Integer, nullable=False),
    Column("report_data_produced", Integer, nullable=False),
    Column("report_content_produced", Integer, nullable=False),
    Column("verification_result", String(24), nullable=False),
    Column("merged_into", String(ID)),
    Column("search_text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Index("ix_escalations_open_deadline", "is_open", "deadline_at", "status"),
    Index("ix_escalations_open_priority", "is_open", "priority", "deadline_at"),
    Index("ix_escalations_open_received", "is_open", "received_at"),
    Index("ix_escalations_open_reference", "is_open", "reference"),
    Index("ix_escalations_open_title", "is_open", "title"),
    Index("ix_escalations_open_status", "is_open", "status"),
    Index("ix_escalations_open_assignee", "is_open", "assignee"),
    Index("ix_escalations_open_agency", "is_open", "agency"),
    Index("ix_escalations_open_country", "is_open", "country"),
    Index("ix_escalations_open_category", "is_open", "category"),
    Index("ix_escalations_open_verification", "is_open", "verification_result"),
    Index("ix_escalations_open_search", "is_open", "search_text", "case_id"),
    Index("ix_escalations_received", "received_at"),
    Index("ix_escalations_message_id", "message_id"),
    Index("ix_escalations_requester_domain", "requester_domain"),
)

escalation_texts = Table(
    "escalation_texts",
    metadata,
    Column("case_id", String(ID), ForeignKey("cases.id"), primary_key=True),
    Column("narrative", Text, nullable=False),
    Column("at_risk", Text, nullable=False),
    Column("info_recency", Text, nullable=False),
    Column("why_urgent", Text, nullable=False),
    Column("how_data_helps", Text, nullable=False),
    Column("legal_process", Text, nullable=False),
)

# Targets as given, one row each, for "same target within 24 hours" duplicate detection.
escalation_targets = Table(
    "escalation_targets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("normalized", String(1000), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Index("ix_escalation_targets_value", "normalized", "received_at"),
    Index("ix_escalation_targets_case", "case_id"),
)

# Requester verification results; a new row per run or recording, the newest per check counts.
verification_checks = Table(
    "verification_checks",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("check_id", String(60), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("result", String(24), nullable=False),
    Column("detail", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Column("evidence_id", String(ID)),
    Column("actor", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_verification_checks_case", "case_id", "check_id"),
)

# Queue views users saved (filters + sort), per owner, optionally shared with the team.
saved_views = Table(
    "saved_views",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("shared", Integer, nullable=False),
    Column("definition", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_saved_views_owner_name", "owner", "name", unique=True),
)

# Agency directory entries users added: official domains, and known-compromised senders
# (a domain or a full address).
directory_entries = Table(
    "directory_entries",
    metadata,
    Column("value", String(320), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("agency", String(300), nullable=False),
    Column("country", String(80), nullable=False),
    Column("note", Text, nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

# ---- 0005 evidence locker (tables of migration 0005 go below this line) ----

# One row per evidence item written since 0005 (older rows are backfilled as unverified
# originals): what kind of item it is, its place in the original -> working copy ->
# production lineage, and the result of the last integrity check (a mismatch blocks export).
evidence_details = Table(
    "evidence_details",
    metadata,
    Column("evidence_id", String(ID), ForeignKey("evidence.id"), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # file | web_capture | derived
    Column("copy_type", String(12), nullable=False),  # original | working | production
    Column("parent_id", String(ID), ForeignKey("evidence.id")),
    Column("derivation", String(40)),
    Column("integrity", String(12), nullable=False),  # unverified | ok | mismatch | missing
    Column("integrity_detail", Text, nullable=False),
    Column("checked_at", UTCDateTime),
    Column("thumbnail_png", LargeBinary),
    Index("ix_evidence_details_parent", "parent_id"),
    Index("ix_evidence_details_case_integrity", "case_id", "integrity"),
)

# The chain of custody, append-only (SQLite triggers refuse UPDATE and DELETE); every row
# has its twin in audit_events (same transaction, `audit_seq`).
custody_events = Table(
    "custody_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("evidence_id", String(ID), ForeignKey("evidence.id"), nullable=False),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(20), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("hash_before", String(64)),
    Column("hash_after", String(64)),
    Column("integrity", String(12)),
    Column("detail", JSON, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_custody_events_evidence", "evidence_id", "id"),
)

# Evidence supports / contradicts / mentions an entity or a link.
evidence_links = Table(
    "evidence_links",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("evidence_id", String(ID), ForeignKey("evidence.id"), nullable=False),
    Column("object_type", String(12), nullable=False),  # entity | link
    Column("object_id", String(ID), nullable=False),
    Column("relation", String(20), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_evidence_links_evidence", "evidence_id"),
    Index("ix_evidence_links_object", "object_id"),
    Index("ix_evidence_links_unique", "evidence_id", "object_id", "relation", unique=True),
)

# Text extracted from each item (page text, document text, e-mail body) for full-text
# search; migration 0006 indexes it with triggers, so keep the name and the columns.
evidence_text = Table(
    "evidence_text",
    metadata,
    Column("evidence_id", String(ID), ForeignKey("evidence.id"), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("text", Text, nullable=False),
)

# ---- 0006 full-text search (tables of migration 0006 go below this line) ----

# One searchable document per case, entity (or note) and evidence item, kept in step by
# SQLite triggers (migration 0006); `search_fts` (FTS5 trigram, external content, not
# declared here because it is a virtual table) indexes `text`. `size` is len(text), so the
# search can tell from the covering case index how much text one case holds.
search_docs = Table(
    "search_docs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(ID), nullable=False),
    Column("kind", String(12), nullable=False),  # case | entity | note | evidence
    Column("source", String(20), nullable=False),  # cases | entities | evidence
    Column("ref_id", String(ID), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Index("ix_search_docs_source_ref", "source", "ref_id", unique=True),
    Index("ix_search_docs_case", "case_id", "kind", "size"),
    sqlite_autoincrement=True,  # ids are never reused: "id <= indexed_upto" means indexed
)

# Up to which search_docs id the FTS index is written (it catches up once per audited
# transaction; see migration 0006).
search_index_state = Table(
    "search_index_state",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("indexed_upto", BigInteger, nullable=False),
)

# ---- 0007 graph merges (tables of migration 0007 go below this line) ----

# Entity merges (workbench/graph/merge.py): what was merged into what, and a JSON snapshot of
# every row the merge changed or removed (the duplicates, the kept entity before and after,
# re-pointed link ends, moved provenance and evidence links), so unmerge restores them.
graph_merges = Table(
    "graph_merges",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.id"), nullable=False),
    Column("keep_id", String(ID), nullable=False),
    Column("duplicate_ids", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(12), nullable=False),  # merged | unmerged
    Column("merged_by", String(200), nullable=False),
    Column("merged_at", UTCDateTime, nullable=False),
    Column("unmerged_by", String(200)),
    Column("unmerged_at", UTCDateTime),
    Column("snapshot", JSON, nullable=False),
    Column("snapshot_sha256", String(64), nullable=False),
    Index("ix_graph_merges_case", "case_id", "merged_at"),
    Index("ix_graph_merges_keep", "keep_id"),
)

# ---- 0008 import mappings (tables of migration 0008 go below this line) ----

# Named column mappings of the tabular import (workbench/tabular/): a back-end export format
# is mapped once and reused across cases, so they belong to the workspace, not to a case.
import_mappings = Table(
    "import_mappings",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("spec", JSON, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_import_mappings_name", "name", unique=True),
)
