"""Errors of the assessment feature, each with a message a user can act on."""

from __future__ import annotations

from pathlib import Path

from workbench.errors import ValidationError, WorkbenchError


class TemplateError(ValidationError):
    """A template (or legal-basis list) that cannot be used, located by file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else f"{self.path}"
        super().__init__(f"{where}: {message}")


class IncompleteAssessmentError(ValidationError):
    """Saving was refused because required fields are missing; `problems` names each one."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        lines = "; ".join(message for _field, message in problems)
        super().__init__(f"Cannot save the assessment: {lines}")


class AssessmentConflictError(WorkbenchError):
    """Someone saved a newer version since this editor loaded the record (no lost updates)."""


class FourEyesError(WorkbenchError):
    """An approval that the four-eyes rule refuses (the assessor, or a second approval)."""
