"""The library's front door: what the CLI calls and what a notebook user can call.

Nothing here prints or exits. Long work reports progress through an optional callback
`progress(done, total)`. Each function lives in the stage that does the work; this module
gathers them under one name, so that `from rai_sheets import api` is all a script needs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .consolidate.pipeline import ConsolidationResult, consolidate
from .content.load import available_questionnaires, check_content, default_content_dir, load_all
from .content.tables import ContentProblem
from .errors import UsageError
from .returns import feedback
from .returns.report import ValidationReport
from .returns.validate import PARALLEL_THRESHOLD, validate, write_feedback
from .workbook.batch import PER_SYSTEM, GeneratedFile, generate, workbook_name

Progress = Callable[[int, int], None]

__all__ = [
    "PARALLEL_THRESHOLD",
    "PER_SYSTEM",
    "ConsolidationResult",
    "GeneratedFile",
    "Progress",
    "UsageError",
    "ValidationReport",
    "consolidate",
    "content_check",
    "generate",
    "load_all",
    "questionnaire_ids",
    "validate",
    "workbook_name",
    "write_feedback",
    "write_issue_report",
]


def content_check(content_dir: Path | None = None) -> list[ContentProblem]:
    return check_content(content_dir)


def write_issue_report(report: ValidationReport, path: Path) -> None:
    feedback.write_issue_report(report, path)


def questionnaire_ids(content_dir: Path | None = None) -> list[str]:
    return available_questionnaires(content_dir or default_content_dir())
