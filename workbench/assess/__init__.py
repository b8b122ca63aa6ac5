"""Threat assessment and disclosure decision: templates as data, a small rule engine with a
readable trace, versioned records, four-eyes approval. See docs/assessment.md."""

from workbench.assess.approvals import Approval, ApprovalStatus, approval_status, approve
from workbench.assess.errors import (
    AssessmentConflictError,
    FourEyesError,
    IncompleteAssessmentError,
    TemplateError,
)
from workbench.assess.loader import TemplateRegistry, check_path, load_template
from workbench.assess.model import (
    AssessmentRecord,
    Context,
    DataCategory,
    Decision,
    DecisionOption,
    FactorAnswer,
    FactorType,
    Recency,
    Tier,
    UserNotice,
)
from workbench.assess.repository import AssessmentRepository, DueItem, SavedAssessment
from workbench.assess.rules import TierResult, suggest_tier

__all__ = [
    "Approval",
    "ApprovalStatus",
    "AssessmentConflictError",
    "AssessmentRecord",
    "AssessmentRepository",
    "Context",
    "DataCategory",
    "Decision",
    "DecisionOption",
    "DueItem",
    "FactorAnswer",
    "FactorType",
    "FourEyesError",
    "IncompleteAssessmentError",
    "Recency",
    "SavedAssessment",
    "TemplateError",
    "TemplateRegistry",
    "Tier",
    "TierResult",
    "UserNotice",
    "approval_status",
    "approve",
    "check_path",
    "load_template",
    "suggest_tier",
]
