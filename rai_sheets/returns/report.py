"""The validation report: every input file exactly once, in input order, with its issues."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from ..issues import ACCEPTED, ACCEPTED_WITH_WARNINGS, ERROR, REJECTED, SKIPPED
from ..roster import Roster
from .discover import skip_words
from .returned import ReturnedFile


@dataclass
class ValidationReport:
    """What `validate` found: every input file exactly once, in input order."""

    files: list[ReturnedFile]
    kept: dict[tuple[str, str, str], ReturnedFile]
    roster: Roster | None = None

    @property
    def rejected(self) -> list[ReturnedFile]:
        return [f for f in self.files if f.status == REJECTED]

    def summary(self) -> dict[str, int]:
        counts = Counter(f.status for f in self.files)
        return {
            "files": len(self.files),
            **{s: counts.get(s, 0) for s in (ACCEPTED, ACCEPTED_WITH_WARNINGS, REJECTED, SKIPPED)},
            "errors": sum(i.severity == ERROR for f in self.files for i in f.issues),
            "warnings": sum(i.severity != ERROR for f in self.files for i in f.issues),
        }

    def speak(self, lang: str) -> ValidationReport:
        """Say in `lang` the issues of the files that do not say their language (a PDF, a
        damaged archive), and why files were skipped: each other issue stays in the language
        of its workbook."""
        for f in self.files:
            if not f.lang_known:
                f.issues = [replace(i, lang=lang) for i in f.issues]
            if f.status == SKIPPED:
                f.skipped_reason = skip_words(*f.skipped, lang)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [
                {
                    "path": f.name,
                    "status": f.status,
                    "questionnaire": f.questionnaire or None,
                    "version": f.version or None,
                    "unit": f.unit_id or f.unit_name or None,
                    "system": f.system_id or None,
                    "issues": [i.as_dict() for i in f.issues],
                    **({"reason": f.skipped_reason} if f.status == SKIPPED else {}),
                }
                for f in self.files
            ],
            "summary": self.summary(),
        }
