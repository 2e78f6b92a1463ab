"""Shared by the benchmarks: many realistic returned workbooks, made quickly.

A few distinct answer sets are rendered with xlsxwriter (with the cached results a spreadsheet
would have saved, or, with cached=False, without them, as a tool that does not calculate saves
a workbook), then personalised for each unit from that template, as `generate` does.
"""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path
from typing import Any

from rai_sheets.content.load import load_questionnaire
from rai_sheets.model import Unit
from rai_sheets.simulate import answers_for
from rai_sheets.workbook.generator import WorkbookSpec
from rai_sheets.workbook.personalise import _TOKENS, PersonalisedWriter

QUESTIONNAIRES = ("readiness", "risk", "action")


SAVED_RESULT = re.compile(rb"(</f>|<f [^>]*/>)<v>[^<]*</v>")


def templates(distinct: int = 12, seed: int = 1, cached: bool = True) -> dict[str, list[Any]]:
    """Per questionnaire, `distinct` answer sets rendered with placeholder tokens for the unit."""
    rng = random.Random(seed)
    writers: dict[str, list[PersonalisedWriter]] = {}
    for qid in QUESTIONNAIRES:
        qn = load_questionnaire(qid)
        writers[qid] = [
            PersonalisedWriter(
                WorkbookSpec(qn, None, "R1", answers=answers_for(qn, rng)),
                with_system=qid != "readiness",
            )
            for _ in range(distinct)
        ]
        if not cached:
            for writer in writers[qid]:
                writer.members = [
                    (info, SAVED_RESULT.sub(rb"\1<v></v>", data)) for info, data in writer.members
                ]
    return writers


def from_members(members: list[tuple[zipfile.ZipInfo, bytes]]) -> PersonalisedWriter:
    """A writer of per-unit copies of a workbook another program saved from a template."""
    writer = object.__new__(PersonalisedWriter)
    writer.members = members
    tokens = [t.encode() for t in _TOKENS.values()]
    writer.templated = {i.filename for i, data in members if any(t in data for t in tokens)}
    return writer


def make_returns(
    folder: Path,
    count: int,
    distinct: int = 12,
    seed: int = 1,
    cached: bool = True,
    members: dict[str, list[list[tuple[zipfile.ZipInfo, bytes]]]] | None = None,
) -> list[Path]:
    """`count` returns spread over the three questionnaires, one unit or system each; from
    the given saved templates' members if any."""
    folder.mkdir(parents=True, exist_ok=True)
    if members is None:
        writers = templates(distinct, seed, cached)
    else:
        writers = {qid: [from_members(m) for m in those] for qid, those in members.items()}
    paths = []
    for i in range(count):
        qid = QUESTIONNAIRES[i % 3]
        unit = Unit(
            f"U{i:05d}",
            f"Unit {i}",
            system_id=f"S{i:05d}" if qid != "readiness" else "",
            system_name=f"System {i}" if qid != "readiness" else "",
        )
        path = folder / f"{qid}_{unit.unit_id}.xlsx"
        those = writers[qid]
        path.write_bytes(those[i % len(those)].render(unit))
        paths.append(path)
    return paths
