"""What one workbook is for: the questionnaire, whom it is for, the round, the language, and
any answers to write into it (the demo's simulated returns, a carried-forward round)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .. import __version__
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
        }
