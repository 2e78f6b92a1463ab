"""The library's front door: what the CLI calls and what a notebook user can call.

Nothing here prints or exits. Long work reports progress through an optional callback
`progress(done, total)`. Each function lives in the stage that does the work; this module
gathers them under one name, so that `from rai_sheets import api` is all a script needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .consolidate.carry import carried_answers
from .consolidate.history import DEFAULT_HISTORY, HeldRound, HistoryError, HistoryStore
from .consolidate.history_export import export_history
from .consolidate.pipeline import ConsolidationResult, consolidate
from .content.load import available_questionnaires, check_content, default_content_dir, load_all
from .content.tables import ContentProblem
from .errors import UsageError
from .returns import issue_report
from .returns.migrate import Migration, migrate
from .returns.report import ValidationReport
from .returns.validate import PARALLEL_THRESHOLD, validate, write_feedback
from .workbook import batch
from .workbook.batch import PER_SYSTEM, GeneratedFile, workbook_name

Progress = Callable[[int, int], None]

__all__ = [
    "DEFAULT_HISTORY",
    "PARALLEL_THRESHOLD",
    "PER_SYSTEM",
    "ConsolidationResult",
    "GeneratedFile",
    "HeldRound",
    "HistoryError",
    "Migration",
    "Progress",
    "UsageError",
    "ValidationReport",
    "consolidate",
    "content_check",
    "generate",
    "history_export",
    "history_rounds",
    "load_all",
    "migrate",
    "questionnaire_ids",
    "validate",
    "workbook_name",
    "write_feedback",
    "write_issue_report",
]


def generate(
    questionnaires: Sequence[str] | None = None,
    *,
    prefill_from: str = "",
    history: Path = DEFAULT_HISTORY,
    content_dir: Path | None = None,
    **options: Any,
) -> list[GeneratedFile]:
    """Write workbooks (see `workbook.batch.generate`); with `prefill_from`, each unit's and
    AI system's workbook carries its last accepted answers of that round from `history`."""
    prefill = None
    if prefill_from:
        if options.get("units") is None:
            raise UsageError("carrying answers over needs the roster (--units)")
        contents = {qn.id: qn for qn in load_all(questionnaires, content_dir)}
        prefill = carried_answers(history, prefill_from, contents, content_dir)
    return batch.generate(
        questionnaires,
        content_dir=content_dir,
        prefill=prefill,
        prefill_from=prefill_from,
        **options,
    )


def history_rounds(history: Path = DEFAULT_HISTORY) -> list[HeldRound]:
    """The rounds held in a history store, oldest first (an absent store holds none)."""
    if not history.is_file():
        return []
    with HistoryStore(history) as store:
        return store.rounds()


def history_export(out_dir: Path, history: Path = DEFAULT_HISTORY) -> list[Path]:
    """Tidy CSVs of every round held: rounds.csv, responses.csv, scores.csv."""
    if not history.is_file():
        raise UsageError(f"there is no history store at {history}")
    with HistoryStore(history) as store:
        return export_history(store, out_dir)


def content_check(content_dir: Path | None = None) -> list[ContentProblem]:
    return check_content(content_dir)


def write_issue_report(report: ValidationReport, path: Path, lang: str = "en") -> None:
    """issues.xlsx: one row per issue; its own words in `lang`, each message in the language
    of the workbook it is about."""
    issue_report.write_issue_report(report, path, lang)


def questionnaire_ids(content_dir: Path | None = None) -> list[str]:
    return available_questionnaires(content_dir or default_content_dir())
