"""What one workbook is for: the questionnaire, whom it is for, the round, the language, and
any answers to write into it (the demo's simulated returns, a carried-forward round)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .. import __version__
from ..i18n import text
from ..model import Questionnaire, Unit


@dataclass
class WorkbookSpec:
    """What one workbook is for: whom, which round, which language, and any answers."""

    questionnaire: Questionnaire
    unit: Unit | None = None
    round_id: str = ""
    lang: str = "en"
    password: str = ""
    answers: Mapping[str, Any] = field(default_factory=dict)  # in_ name -> code or raw value
    generated_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    today: date | None = None
    # Answers carried over from an earlier round or an older version's workbook: their names
    # are marked for review and recorded, with their values, in _meta.
    carried: frozenset[str] = frozenset()
    carried_from: str = ""  # the round they come from (written to _meta)
    migrated_from: str = ""  # the content version of the workbook they come from
    changes: Sequence[Change] = ()  # questions to answer, listed on a first sheet

    @property
    def carried_note(self) -> str:
        """The sentence that tells the respondent what the blue answers are."""
        if not self.carried:
            return ""
        if self.carried_from:
            return text("workbook.carried_from_round", self.lang, round=self.carried_from)
        return text("workbook.carried_from_version", self.lang, version=self.migrated_from)

    def meta(self) -> dict[str, str]:
        u = self.unit
        qn = self.questionnaire
        return {
            "questionnaire": qn.id,
            "version": qn.version,
            "content_hash": qn.content_hash,
            "unit_id": u.unit_id if u else "",
            "unit_name": u.unit_name if u else "",
            "system_id": u.system_id if u else "",
            "system_name": u.system_name if u else "",
            "round": self.round_id,
            "language": self.lang,
            "generated_at": self.generated_at.isoformat(),
            "generator": f"rai-sheets {__version__}",
            # only in workbooks that carry answers over, so that the others stay unchanged
            **({"carried_from": self.carried_from} if self.carried_from else {}),
            **({"migrated_from": self.migrated_from} if self.migrated_from else {}),
        }

    def carried_values(self) -> dict[str, str]:
        """in_ name -> the carried value as text, for _meta."""
        return {n: carried_text(self.answers[n]) for n in self.carried if n in self.answers}


ANSWER, CHECK, REMOVED = "answer", "check", "removed"


@dataclass(frozen=True)
class Change:
    """A question of a migrated workbook that needs an answer or a look, or an old one that
    is no longer asked, and why."""

    question_id: str  # a current question id (an old one for REMOVED)
    reason: str
    kind: str = ANSWER  # ANSWER, CHECK (the carried answer) or REMOVED
    text: str = ""  # the current question's text, for messages


def carried_text(value: Any) -> str:
    """An answer as _meta records it: codes and text as they are, dates in ISO, numbers
    without a trailing .0, so that the validator can compare a returned answer with it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
