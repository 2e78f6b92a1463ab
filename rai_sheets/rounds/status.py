"""Where a round stands: per unit and questionnaire, sent, returned, accepted, rejected (why),
missing, late; and the files that could not be matched. Read from the round folder alone."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..issues import REJECTED
from .folder import open_round


@dataclass
class StatusRow:
    unit_id: str
    unit_name: str
    system_id: str
    questionnaire: str
    recipient: str
    sent: bool
    returned: bool
    status: str  # accepted, accepted-with-warnings, rejected, missing
    late: bool
    returned_at: str
    why: str


@dataclass
class RoundStatus:
    round_id: str
    deadline: str
    rows: list[StatusRow]
    unmatched: list[dict[str, str]]

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

    def as_dict(self) -> dict[str, Any]:
        return {
            "round": self.round_id,
            "deadline": self.deadline,
            "rows": [vars(x) for x in self.rows],
            "unmatched": self.unmatched,
            "totals": self.totals(),
        }


def status(
    round_id: str, *, rounds_dir: Path | None = None, now: datetime | None = None
) -> RoundStatus:
    rnd = open_round(round_id, rounds_dir)
    now = now or datetime.now()
    deadline = rnd.deadline
    rows = []
    for r in rnd.read_manifest():
        returned = r.status != "missing"
        when = datetime.fromisoformat(r.returned_at) if r.returned_at else None
        late = deadline is not None and (
            (when is not None and when > deadline) or (when is None and now > deadline)
        )
        rows.append(
            StatusRow(
                r.unit_id,
                r.unit_name,
                r.system_id,
                r.questionnaire,
                r.recipient,
                r.send_status == "sent",
                returned,
                r.status,
                late,
                r.returned_at,
                r.issues,
            )
        )
    unmatched = []
    index = rnd.folder / "received" / "index.csv"
    if index.exists():
        with index.open(encoding="utf-8", newline="") as fh:
            unmatched = [
                {k: rec[k] for k in ("original_name", "sender", "status", "issues")}
                for rec in csv.DictReader(fh)
                if rec["matched"] == "no"
            ]
    return RoundStatus(round_id, deadline.isoformat() if deadline else "", rows, unmatched)
