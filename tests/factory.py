"""Real returned workbooks for the tests, made the way units make them."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from rai_sheets.model import Questionnaire, Unit
from rai_sheets.simulate import Profile, answers_for
from rai_sheets.workbook.generator import WorkbookSpec, write_workbook


def unit_for(qid: str, n: int = 1) -> Unit:
    if qid == "readiness":
        return Unit(f"U{n:02d}", f"Unit {n}")
    return Unit(f"U{n:02d}", f"Unit {n}", system_id=f"S{n:02d}", system_name=f"System {n}")


def returned(
    folder: Path,
    qn: Questionnaire,
    unit: Unit | None = None,
    *,
    seed: int = 1,
    answers: dict[str, Any] | None = None,
    name: str | None = None,
    saved_at: datetime | None = None,
    round_id: str = "R1",
    **overrides: Any,
) -> Path:
    """A workbook as a unit returns it: answered, with the results Excel would have cached."""
    unit = unit or unit_for(qn.id)
    full = (
        answers_for(qn, random.Random(seed), Profile(0.6, 0.5, 1.0)) if answers is None else answers
    )
    full = {**full, **overrides}
    path = folder / (name or f"{qn.id}_{unit.unit_id}_{unit.system_id or 'x'}_{seed}.xlsx")
    spec = WorkbookSpec(qn, unit, round_id, answers=full)
    if saved_at:  # saved that day: its results are as of that day, as TODAY() gave them
        spec.generated_at, spec.today = saved_at, saved_at.date()
    with path.open("wb") as fh:
        write_workbook(spec, fh)
    return path


def rewrite_zip(src: Path, dst: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    """Copy an xlsx, passing each part through edit(name, data) -> data or None to drop it."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
    dst.write_bytes(out.getvalue())
    return dst


def blank_return(
    folder: Path, qn: Questionnaire, name: str, *, seed: int = 1, **identity: str
) -> Path:
    """A blank workbook (made without a roster) as a unit fills it in: answered, with the
    questions a roster would have pre-filled answered by hand, e.g. system_name="Face search"
    (keyword: the roster column of the content's `prefill`; omitted ones are left empty)."""
    full = answers_for(qn, random.Random(seed), Profile(0.6, 0.5, 1.0))
    for q in qn.questions:
        if q.prefill:
            full[q.input_name(q.fields[0])] = identity.get(q.prefill) or None
    path = folder / name
    with path.open("wb") as fh:
        write_workbook(WorkbookSpec(qn, None, "", answers=full), fh)
    return path
