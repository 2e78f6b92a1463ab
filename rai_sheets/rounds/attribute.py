"""Which workbook of the round an unreadable return is, judged from the outside of the file.

A return that can be read is matched by the identifiers inside it, never by its name or its
sender. One that cannot be read (cut short by a mail gateway, encrypted, not a workbook) has
only its file name and the address it came from. It is matched to a manifest row when these
point to one row without doubt:

- its name contains the name of one workbook sent (`readiness_U02_R1 (1).xlsx` is
  `readiness_U02_R1.xlsx`), and it did not come from the address of another unit; or
- it came from an address that received one workbook only, or one workbook of the
  questionnaire its name mentions (`readiness.xlsx` from a unit sent readiness and risk).

Anything less certain is left unmatched, with the reason, and never put on a unit's row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .folder import ManifestRow

FILE_NAME, SENDER, BOTH = "file name", "sender", "file name and sender"


@dataclass(frozen=True)
class Attribution:
    key: tuple[str, str, str] | None  # (questionnaire, unit, system) of the row, or None
    how: str  # FILE_NAME, SENDER or BOTH when matched; why not, when not


def _words(text: str) -> str:
    """Lower case, every run of other characters one underscore, padded for whole-word search."""
    return "_" + re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") + "_"


def attribute(original_name: str, sender: str, rows: list[ManifestRow]) -> Attribution:
    name = _words(Path(original_name).stem)
    sender = sender.strip().lower()
    by_name = [r for r in rows if _words(Path(r.file).stem) in name]
    owners = {r.unit_id for r in rows if sender and r.recipient.lower() == sender}
    if len(by_name) > 1:
        return Attribution(None, f"its name fits {len(by_name)} workbooks of the round")
    if by_name:
        row = by_name[0]
        if owners and row.unit_id not in owners:
            return Attribution(
                None,
                f"its name is that of {Path(row.file).name} (unit {row.unit_id}), but it came "
                f"from {sender}, the address of unit {', '.join(sorted(owners))}",
            )
        return Attribution(row.key, BOTH if row.unit_id in owners else FILE_NAME)
    if not owners:
        who = f"its sender {sender} is not on the roster" if sender else "it has no sender"
        return Attribution(None, f"its name is not that of a workbook sent, and {who}")
    theirs = [r for r in rows if r.recipient.lower() == sender]
    # the questionnaire named in the file name may settle which of them it is
    named = [r for r in theirs if f"_{r.questionnaire.lower()}_" in name] or theirs
    if len(named) == 1:
        return Attribution(named[0].key, SENDER)
    return Attribution(
        None,
        f"its sender {sender} was sent {len(theirs)} workbooks and its name does not say which",
    )
