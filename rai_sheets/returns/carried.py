"""Answers a workbook carried over from an earlier round, as the validator sees them.

A pre-filled workbook records in `_meta` the round its answers came from and each carried
answer as it was written. The validator reads them back, so that it can tell an answer the
respondent changed from one left as carried; where the content asks for it (setting
`review_carried` = yes), a return whose carried answers all came back unchanged is flagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Questionnaire
from ..workbook.layout import META, META_CARRIED, META_NAMES_HEADER
from ..workbook.spec import carried_text
from .reader import WorkbookFile


def read_carried(wb: WorkbookFile) -> dict[str, str]:
    """in_ name -> the answer as carried over, from the 4th column of _meta's names table."""
    rows = wb.sheet_rows(META) if META in wb.sheet_paths else []
    header = (*META_NAMES_HEADER, META_CARRIED)
    out: dict[str, str] = {}
    inside = False
    for row in rows:
        cells = tuple("" if v is None else str(v) for v in row[:4])
        if not inside:
            inside = cells == header
            continue
        name, carried = cells[0], cells[3] if len(cells) > 3 else ""
        if name.startswith("in_") and carried:
            out[name] = carried
    return out


def unchanged(carried: Mapping[str, str], answers: Mapping[str, Any]) -> list[str]:
    """The carried answers that came back as they were carried."""
    return [n for n, text in carried.items() if carried_text(answers.get(n)) == text]


def wants_review(qn: Questionnaire) -> bool:
    return qn.setting("review_carried").strip().lower() in ("yes", "true", "1")
