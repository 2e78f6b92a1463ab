"""Where a round stands: per unit and questionnaire, sent, returned, accepted, rejected,
missing, late, each with its reason; the files that could not be matched, on their own; and
whether the round is complete (every expected return accepted). Read from the round folder
alone."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import i18n
from ..files import uninert
from ..issues import REJECTED
from .deadline import Deadline, parse_time
from .folder import ManifestRow, open_round

UNMATCHED_FIELDS = ("file", "original_name", "sender", "received_at", "status", "note", "issues")


@dataclass
class StatusRow:
    unit_id: str
    unit_name: str
    system_id: str
    system_name: str
    questionnaire: str
    recipient: str
    sent: bool
    returned: bool
    status: str  # accepted, accepted-with-warnings, rejected, missing
    late: bool
    returned_at: str
    returns: int
    matched_by: str
    why: str


@dataclass
class RoundStatus:
    round_id: str
    deadline: Deadline | None
    rows: list[StatusRow]
    unmatched: list[dict[str, str]]

    @property
    def complete(self) -> bool:
        """Every expected return is accepted, whatever happened on the way."""
        return bool(self.rows) and all(r.status.startswith("accepted") for r in self.rows)

    def totals(self) -> dict[str, int]:
        r = self.rows
        return {
            "workbooks": len(r),
            "units": len({x.unit_id for x in r}),
            "sent": sum(x.sent for x in r),
            "returned": sum(x.returned for x in r),
            "accepted": sum(x.status.startswith("accepted") for x in r),
            "rejected": sum(x.status == REJECTED for x in r),
            "missing": sum(x.status == "missing" for x in r),
            "late": sum(x.late for x in r),
            "unmatched_files": len(self.unmatched),
        }

    def verdict(self, lang: str = "en") -> str:
        """One sentence: complete, or what is still needed."""
        t = self.totals()
        if self.complete:
            return i18n.text("round.complete", lang, round=self.round_id, workbooks=t["workbooks"])
        needed = [i18n.text("round.n_missing", lang, n=t["missing"])] if t["missing"] else []
        needed += [i18n.text("round.n_rejected", lang, n=t["rejected"])] if t["rejected"] else []
        return i18n.text(
            "round.incomplete",
            lang,
            round=self.round_id,
            accepted=t["accepted"],
            workbooks=t["workbooks"],
            needed=", ".join(needed) or i18n.text("round.none_expected", lang),
        )

    def as_dict(self) -> dict[str, Any]:
        d = self.deadline
        return {
            "round": self.round_id,
            "deadline": d.given if d else None,
            "timezone": d.timezone if d else None,
            "on_time_until": d.on_time_until.isoformat() if d else None,
            "complete": self.complete,
            "rows": [vars(x) for x in self.rows],
            "unmatched": self.unmatched,
            "totals": self.totals(),
        }


def status(
    round_id: str, *, rounds_dir: Path | None = None, now: datetime | None = None
) -> RoundStatus:
    rnd = open_round(round_id, rounds_dir)
    now = now or datetime.now().astimezone()
    deadline = rnd.deadline
    rows = [_row(r, deadline, now) for r in rnd.read_manifest()]
    unmatched = []
    index = rnd.folder / "received" / "index.csv"
    if index.exists():
        with index.open(encoding="utf-8", newline="") as fh:
            unmatched = [
                {k: uninert(rec.get(k) or "") for k in UNMATCHED_FIELDS}
                for rec in csv.DictReader(fh)
                if rec.get("matched") == "no"
            ]
    return RoundStatus(round_id, deadline, rows, unmatched)


def _row(r: ManifestRow, deadline: Deadline | None, now: datetime) -> StatusRow:
    returned = r.status != "missing"
    when = parse_time(r.returned_at)
    if deadline is None:
        late = False
    elif returned:
        late = when is not None and deadline.is_late(when)
    else:
        late = deadline.is_late(now)
    why = r.issues or ("no return received yet" if not returned else r.status)
    if late and deadline is not None:
        why += (
            f" | received after the deadline ({deadline.phrase()})"
            if returned
            else f"; the deadline ({deadline.phrase()}) has passed"
        )
    return StatusRow(
        r.unit_id,
        r.unit_name,
        r.system_id,
        r.system_name,
        r.questionnaire,
        r.recipient,
        r.send_status == "sent",
        returned,
        r.status,
        late,
        r.returned_at,
        r.returns,
        r.matched_by,
        why,
    )
