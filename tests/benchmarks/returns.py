"""Shared by the benchmarks: many realistic returned workbooks, made quickly.

A few distinct answer sets are rendered with xlsxwriter (with the cached results a spreadsheet
would have saved, or, with cached=False, without them, as a tool that does not calculate saves
a workbook), then personalised for each unit from that template, as `generate` does.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from rai_sheets.content.load import load_questionnaire
from rai_sheets.model import Unit
from rai_sheets.simulate import answers_for
from rai_sheets.workbook.generator import WorkbookSpec
from rai_sheets.workbook.personalise import PersonalisedWriter

QUESTIONNAIRES = ("readiness", "risk", "action")


SAVED_RESULT = re.compile(rb"(</f>|<f [^>]*/>)<v>[^<]*</v>")


def make_returns(
    folder: Path, count: int, distinct: int = 12, seed: int = 1, cached: bool = True
) -> list[Path]:
    """`count` returns spread over the three questionnaires, one unit or system each."""
    folder.mkdir(parents=True, exist_ok=True)
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
        path.write_bytes(writers[qid][i % distinct].render(unit))
        paths.append(path)
    return paths
