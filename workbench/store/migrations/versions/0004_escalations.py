"""Emergency intake: escalation records (1:1 with cases), their long texts and targets,
requester verification checks, saved queue views, user-added directory entries.

Existing cases get an escalation row (received = created, no deadline, channel unknown) so
that every case shows in the queue.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from workbench.store.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("is_open", sa.Integer, nullable=False),
        sa.Column("priority", sa.String(4), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("assignee", sa.String(200)),
        sa.Column("claimed_at", UTCDateTime),
        sa.Column("channel", sa.String(20)),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("deadline_at", UTCDateTime),
        sa.Column("deadline_manual", sa.Integer, nullable=False),
        sa.Column("requester_name", sa.String(200)),
        sa.Column("requester_rank", sa.String(100)),
        sa.Column("requester_badge", sa.String(100)),
        sa.Column("agency", sa.String(300)),
        sa.Column("unit", sa.String(200)),
        sa.Column("country", sa.String(80)),
        sa.Column("requester_email", sa.String(320)),
        sa.Column("requester_domain", sa.String(253)),
        sa.Column("requester_phone", sa.String(64)),
        sa.Column("supervisor_name", sa.String(200)),
        sa.Column("supervisor_contact", sa.String(320)),
        sa.Column("targets", sa.JSON, nullable=False),
        sa.Column("data_categories", sa.JSON, nullable=False),
        sa.Column("data_from", UTCDateTime),
        sa.Column("data_to", UTCDateTime),
        sa.Column("legal_basis", sa.String(300)),
        sa.Column("jurisdiction_requester", sa.String(100)),
        sa.Column("jurisdiction_user", sa.String(100)),
        sa.Column("legal_process_evidence_id", sa.String(36)),
        sa.Column("confidentiality_requested", sa.Integer, nullable=False),
        sa.Column("portal_account_verified", sa.Integer),
        sa.Column("message_id", sa.String(998)),
        sa.Column("source_evidence_id", sa.String(36)),
        sa.Column("source_ref", sa.String(500)),
        sa.Column("triaged_at", UTCDateTime),
        sa.Column("verified_at", UTCDateTime),
        sa.Column("assessed_at", UTCDateTime),
        sa.Column("decided_at", UTCDateTime),
        sa.Column("disclosed_at", UTCDateTime),
        sa.Column("responded_at", UTCDateTime),
        sa.Column("closed_at", UTCDateTime),
        sa.Column("report_emergency", sa.Integer, nullable=False),
        sa.Column("report_accounts_specified", sa.Integer, nullable=False),
        sa.Column("report_data_produced", sa.Integer, nullable=False),
        sa.Column("report_content_produced", sa.Integer, nullable=False),
        sa.Column("verification_result", sa.String(24), nullable=False),
        sa.Column("merged_into", sa.String(36)),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_escalations_message_id", "escalations", ["message_id"])
    op.create_index("ix_escalations_open_agency", "escalations", ["is_open", "agency"])
    op.create_index("ix_escalations_open_assignee", "escalations", ["is_open", "assignee"])
    op.create_index("ix_escalations_open_category", "escalations", ["is_open", "category"])
    op.create_index("ix_escalations_open_country", "escalations", ["is_open", "country"])
    op.create_index(
        "ix_escalations_open_deadline", "escalations", ["is_open", "deadline_at", "status"]
    )
    op.create_index(
        "ix_escalations_open_priority", "escalations", ["is_open", "priority", "deadline_at"]
    )
    op.create_index("ix_escalations_open_received", "escalations", ["is_open", "received_at"])
    op.create_index("ix_escalations_open_reference", "escalations", ["is_open", "reference"])
    op.create_index(
        "ix_escalations_open_search", "escalations", ["is_open", "search_text", "case_id"]
    )
    op.create_index("ix_escalations_open_status", "escalations", ["is_open", "status"])
    op.create_index("ix_escalations_open_title", "escalations", ["is_open", "title"])
    op.create_index(
        "ix_escalations_open_verification", "escalations", ["is_open", "verification_result"]
    )
    op.create_index("ix_escalations_received", "escalations", ["received_at"])
    op.create_index("ix_escalations_requester_domain", "escalations", ["requester_domain"])
    op.create_table(
        "escalation_texts",
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("narrative", sa.Text, nullable=False),
        sa.Column("at_risk", sa.Text, nullable=False),
        sa.Column("info_recency", sa.Text, nullable=False),
        sa.Column("why_urgent", sa.Text, nullable=False),
        sa.Column("how_data_helps", sa.Text, nullable=False),
        sa.Column("legal_process", sa.Text, nullable=False),
    )
    op.create_table(
        "escalation_targets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("normalized", sa.String(1000), nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_escalation_targets_case", "escalation_targets", ["case_id"])
    op.create_index(
        "ix_escalation_targets_value", "escalation_targets", ["normalized", "received_at"]
    )
    op.create_table(
        "verification_checks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("check_id", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("result", sa.String(24), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("evidence_id", sa.String(36)),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_verification_checks_case", "verification_checks", ["case_id", "check_id"])
    op.create_table(
        "saved_views",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("shared", sa.Integer, nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_saved_views_owner_name", "saved_views", ["owner", "name"], unique=True)
    op.create_table(
        "directory_entries",
        sa.Column("value", sa.String(320), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("agency", sa.String(300), nullable=False),
        sa.Column("country", sa.String(80), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", UTCDateTime, nullable=False),
    )
    op.execute(
        """
        INSERT INTO escalations (
            case_id, reference, title, status, is_open, priority, category, assignee,
            received_at, deadline_manual, targets, data_categories, confidentiality_requested,
            report_emergency, report_accounts_specified, report_data_produced,
            report_content_produced, verification_result, search_text, created_at,
            updated_at, updated_by
        )
        SELECT id, reference, title, status, CASE WHEN status = 'closed' THEN 0 ELSE 1 END,
            priority, category, assignee, created_at, 0, '[]', '[]', 0, 1, 0, 0, 0,
            'not_started', lower(reference || ' ' || title || ' ' || coalesce(assignee, '')),
            created_at, updated_at, created_by
        FROM cases
        """
    )
    op.execute(
        """
        INSERT INTO escalation_texts (
            case_id, narrative, at_risk, info_recency, why_urgent, how_data_helps, legal_process
        )
        SELECT id, '', '', '', '', '', '' FROM cases
        """
    )


def downgrade() -> None:
    for table in (
        "directory_entries",
        "saved_views",
        "verification_checks",
        "escalation_targets",
        "escalation_texts",
        "escalations",
    ):
        op.drop_table(table)
