"""The question map of a questionnaire: which question ids of older content versions became
which ids of the current one (`source_content/<questionnaire>/question_map.csv`).

One row per old id and new id: `from_version,old_id,new_id,note`. A renamed question has one
row; a split one a row per new id; a removed one an empty `new_id`; a question kept under its id
whose meaning changed maps to itself with a note, so that its answer is asked again. An id that
no row names kept its id. A missing file means that nothing was renamed. Rows chain: a workbook
of version 2024.1 goes through the rows of 2024.1, then of every later version up to the current.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Questionnaire
from .tables import ContentProblem, Table

FILE = "question_map.csv"
COLUMNS = ("from_version", "old_id", "new_id", "note")


@dataclass(frozen=True)
class MapRow:
    from_version: str
    old_id: str
    new_id: str  # "" when the question was removed
    note: str


@dataclass(frozen=True)
class Fate:
    """What became of one old question id in the current content."""

    new_ids: tuple[str, ...]  # () when removed
    note: str = ""
    changed: bool = False  # split, or kept with a changed meaning: ask again

    @property
    def removed(self) -> bool:
        return not self.new_ids


@dataclass(frozen=True, eq=False)
class QuestionMap:
    rows: tuple[MapRow, ...] = ()
    _by_version: dict[str, dict[str, list[MapRow]]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for r in self.rows:
            self._by_version.setdefault(r.from_version, {}).setdefault(r.old_id, []).append(r)

    def fate(self, from_version: str, old_id: str) -> Fate:
        """Follow one old id from `from_version` through every later version's rows."""
        ids, notes, changed = [old_id], [], False
        for version in sorted(self._by_version, key=version_key):
            if version_key(version) < version_key(from_version):
                continue
            step: list[str] = []
            for qid in ids:
                rows = self._by_version[version].get(qid)
                if rows is None:
                    step.append(qid)
                    continue
                notes += [r.note for r in rows if r.note]
                targets = [r.new_id for r in rows if r.new_id]
                changed |= len(targets) > 1 or any(r.new_id == r.old_id for r in rows)
                step += targets
            ids = step
        return Fate(tuple(dict.fromkeys(ids)), "; ".join(dict.fromkeys(notes)), changed)

    def renamed_from(self, new_id: str) -> list[str]:
        return [r.old_id for r in self.rows if r.new_id == new_id and r.old_id != new_id]


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Versions compare part by part, numbers as numbers: 2025.10 comes after 2025.9."""
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"[.\-]", version) if p)


def load_question_map(
    qn: Questionnaire, root: Path, problems: list[ContentProblem] | None = None
) -> QuestionMap:
    """The map beside the questionnaire's tables; problems found go to `problems`."""
    problems = problems if problems is not None else []
    path = root / qn.id / FILE
    if not path.exists():
        return QuestionMap()
    t = Table(path, f"{qn.id}/{FILE}", problems)
    if not t.require_columns(*COLUMNS[:3]):
        return QuestionMap()
    rows: list[tuple[int, MapRow]] = []
    for i, r in enumerate(t.rows):
        row = MapRow(r["from_version"], r["old_id"], r.get("new_id", ""), r.get("note", ""))
        if not row.from_version or not row.old_id:
            t.problem(i, "from_version" if not row.from_version else "old_id", "is empty.")
            continue
        if version_key(row.from_version) >= version_key(qn.version):
            t.problem(
                i,
                "from_version",
                f'"{row.from_version}" is not older than the current version {qn.version}.',
            )
        rows.append((i, row))
    qmap = QuestionMap(tuple(row for _, row in rows))
    for i, row in rows:  # where each row leads, after the later versions' rows
        lost = [
            n
            for n in qmap.fate(row.from_version, row.old_id).new_ids
            if n not in qn.questions_by_id
        ]
        if row.new_id and lost:
            t.problem(
                i,
                "new_id",
                f'"{row.new_id}" leads to {", ".join(lost)}, which is not a question of the '
                f"current {qn.id} content.",
            )
    return qmap
