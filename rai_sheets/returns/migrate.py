"""`rai-sheets migrate`: a return made from an older content version becomes a workbook of
the current version, with every answer whose question still exists carried over and a first
sheet listing the questions that are new or changed and need an answer.

The old workbook is untrusted like any return: it goes through preflight and the safe reader,
and one that cannot be read costs only itself. Its answers are read through its `in_` names,
whatever version made it; the question map says where renamed questions went.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..content.load import default_content_dir, load_all
from ..content.question_map import QuestionMap, load_question_map, version_key
from ..files import atomic_write_bytes, safe_filename
from ..issues import Issue
from ..model import Questionnaire, Unit
from ..workbook.generator import write_workbook
from ..workbook.layout import Cell, plan
from ..workbook.spec import ANSWER, REMOVED, Change, WorkbookSpec
from .carry_over import OldKey, carry_over, split_name
from .discover import Candidate, discover
from .isolation import Failure, run_isolated
from .preflight import preflight
from .reader import UnreadableWorkbook, WorkbookFile, open_workbook


@dataclass
class Migration:
    """What became of one old workbook."""

    source: str  # as given
    questionnaire: str = ""
    from_version: str = ""
    to_version: str = ""
    unit: str = ""
    system: str = ""
    path: Path | None = None  # the migrated workbook written
    carried: int = 0
    changes: list[Change] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)  # why it could not be migrated
    note: str = ""  # why nothing was written although nothing is wrong

    @property
    def to_answer(self) -> list[Change]:
        return [c for c in self.changes if c.kind == ANSWER]

    @property
    def removed(self) -> list[Change]:
        return [c for c in self.changes if c.kind == REMOVED]


def question_maps(
    contents: dict[str, Questionnaire], content_dir: Path | None
) -> dict[str, QuestionMap]:
    root = content_dir or default_content_dir()
    return {qid: load_question_map(qn, root) for qid, qn in contents.items()}


def migrate(
    paths: Sequence[Path], out_dir: Path, content_dir: Path | None = None
) -> list[Migration]:
    """Migrate every old workbook found in `paths` (files or folders) into `out_dir`."""
    contents = {qn.id: qn for qn in load_all(None, content_dir)}
    maps = question_maps(contents, content_dir)
    found = discover(list(paths))
    todo = [c for c in found if not c.skip_reason]
    work = partial(_migrate_one, contents=contents, maps=maps, out_dir=out_dir)
    # each file is read in an isolated worker (isolation.py): a reader that dies costs only it
    done = dict(zip(map(id, todo), run_isolated(todo, work, _not_migrated, workers=1), strict=True))
    return [
        done[id(c)] if id(c) in done else Migration(c.name, note=f"skipped: {c.skip_words()}")
        for c in found
    ]


def _migrate_one(
    c: Candidate, contents: dict[str, Questionnaire], maps: dict[str, QuestionMap], out_dir: Path
) -> Migration:
    m, data = migrated_workbook(c.path, c.name, contents, maps)
    if data is not None:
        m.path = out_dir / f"{safe_filename(c.path.stem, 120)}_{m.to_version}.xlsx"
        atomic_write_bytes(m.path, data)
    return m


def _not_migrated(c: Candidate, why: Failure) -> Migration:
    return Migration(c.name, issues=[Issue(why.code, c.name, params=dict(why.params))])


def migrated_workbook(
    path: Path, name: str, contents: dict[str, Questionnaire], maps: dict[str, QuestionMap]
) -> tuple[Migration, bytes | None]:
    """The migration of one file and the bytes of the migrated workbook (None if none)."""
    m = Migration(name)
    pf = preflight(path, name)
    if not pf.ok:
        m.issues = pf.issues
        return m, None
    try:
        wb = open_workbook(pf)
        info = {**wb.props, **wb.meta()}
        qn = _questionnaire(m, info, contents, name)
        if qn is None:
            return m, None
        spec = _spec(m, wb, info, qn, maps[qn.id])
    except UnreadableWorkbook as exc:
        m.issues.append(Issue(exc.code, name, "", "", dict(exc.params)))
        return m, None
    buf = io.BytesIO()
    write_workbook(spec, buf)
    return m, buf.getvalue()


def _questionnaire(
    m: Migration, info: dict[str, str], contents: dict[str, Questionnaire], name: str
) -> Questionnaire | None:
    m.questionnaire, m.from_version = info.get("questionnaire", ""), info.get("version", "")
    m.unit, m.system = info.get("unit_id", ""), info.get("system_id", "")
    if not info:
        m.issues.append(Issue("unknown-workbook", name))
        return None
    qn = contents.get(m.questionnaire)
    if qn is None:
        known = ", ".join(contents) or "none"
        m.issues.append(
            Issue("unknown-questionnaire", name, params={"found": m.questionnaire, "known": known})
        )
        return None
    m.to_version = qn.version
    if m.from_version == qn.version:
        m.note = f"already made from the current version {qn.version}: nothing to migrate"
        return None
    if version_key(m.from_version) > version_key(qn.version):
        m.issues.append(
            Issue("newer-template", name, params={"found": m.from_version, "expected": qn.version})
        )
        return None
    return qn


def _spec(
    m: Migration, wb: WorkbookFile, info: dict[str, str], qn: Questionnaire, qmap: QuestionMap
) -> WorkbookSpec:
    old, texts = _old_answers(wb, qn, qmap, m.from_version)
    unit = (
        Unit(
            info.get("unit_id", ""),
            info.get("unit_name", ""),
            system_id=info.get("system_id", ""),
            system_name=info.get("system_name", ""),
        )
        if info.get("unit_id")
        else None
    )
    lang = info.get("language", "") if info.get("language", "") in qn.languages else "en"
    carry = carry_over(
        qn,
        qmap,
        m.from_version,
        old,
        roster_filled=unit is not None,
        asked={old_id for old_id, _key in old},
        texts=texts,
        lang=lang,
    )
    m.carried, m.changes = len(carry.answers), carry.changes
    return WorkbookSpec(
        qn,
        unit,
        info.get("round", ""),
        lang,
        answers=carry.answers,
        carried=frozenset(carry.answers),
        migrated_from=m.from_version,
        changes=carry.changes,
    )


def _old_answers(
    wb: WorkbookFile, qn: Questionnaire, qmap: QuestionMap, version: str
) -> tuple[dict[OldKey, Any], dict[str, str]]:
    """Every old input (blank ones as None) by old id and field, and the old question texts
    of the questions that kept their id, read where the current layout keeps them."""
    labels = plan(qn).label_cells
    old: dict[OldKey, Any] = {}
    texts: dict[str, str] = {}
    for name, cell in wb.names.items():
        if not name.startswith("in_"):
            continue
        key = split_name(name, qn, qmap, version)
        if key is None:
            key = (name.removeprefix("in_"), "")  # not a question of this content: removed
        old[key] = wb.value(cell)
        label = labels.get(key[0])
        if label is not None and key[0] not in texts:
            found = wb.value(Cell(cell.sheet, cell.row, label.col))
            texts[key[0]] = "" if found is None else str(found)
    return old, texts
