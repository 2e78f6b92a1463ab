"""The validation of many returned files: read each (in worker processes when there are
enough), validate all files of a questionnaire together, check the roster, round and
duplicates, and account for every input in one report."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from ..content.load import load_all
from ..issues import REJECTED, SKIPPED
from ..model import Questionnaire
from ..roster import Roster, read_roster
from . import feedback
from .discover import Candidate, discover
from .judgement import judge
from .report import ValidationReport
from .returned import ReturnedFile, read_return
from .validation import check_roster, mark_duplicates, validate_answers

Progress = Callable[[int, int], None]
# For a file rejected before its identity could be read: the (questionnaire, unit, system)
# that evidence from outside the file gives (a round knows the sender and the file name).
Identify = Callable[[ReturnedFile], tuple[str, str, str] | None]
PARALLEL_THRESHOLD = 24  # below this, starting worker processes costs more than it saves
_WORKER_CONTENTS: dict[str, Questionnaire] = {}


def _read_one(candidate: Candidate) -> ReturnedFile:
    try:
        return read_return(candidate.path, candidate.name, _WORKER_CONTENTS)
    except Exception as exc:  # one file's surprise must not stop the run
        rf = ReturnedFile(str(candidate.path), candidate.name)
        rf.add("internal-error", detail=f"{type(exc).__name__}: {exc}")
        return rf.finish()


def validate(
    paths: Sequence[Path | Candidate],
    *,
    units: Path | Roster | None = None,
    content_dir: Path | None = None,
    jobs: int | None = None,
    today: date | None = None,
    round_id: str = "",
    progress: Progress | None = None,
    known: Mapping[str, ReturnedFile] | None = None,
    identify: Identify | None = None,
) -> ValidationReport:
    """Preflight, read and validate returned workbooks; every input is accounted for.

    `known` holds verdicts reached earlier, by candidate name, for files not to read again;
    `identify` is asked about each file rejected before its identity could be read.
    """
    contents = {qn.id: qn for qn in load_all(None, content_dir)}
    roster = units if isinstance(units, Roster) or units is None else read_roster(units)
    candidates = [p for p in paths if isinstance(p, Candidate)]
    candidates += discover([p for p in paths if not isinstance(p, Candidate)])
    known = known or {}
    to_read = [c for c in candidates if not c.skip_reason and c.name not in known]
    results = {**_read_all(to_read, contents, jobs, progress), **known}
    files: list[ReturnedFile] = []
    for c in candidates:
        if c.skip_reason:
            rf = ReturnedFile(str(c.path), c.name, status=SKIPPED, skipped_reason=c.skip_reason)
            files.append(rf)
        else:
            files.append(results[c.name])
    readable = [f for f in files if f.status != SKIPPED and f.cells]
    for qid, qn in contents.items():
        validate_answers(qn, [f for f in readable if f.questionnaire == qid], today or date.today())
        judge(qn, [f for f in readable if f.questionnaire == qid])
    for f in files:
        f.raw = {}  # only the messages needed what was typed, and they have it now
        key = identify(f) if identify and unidentified(f) else None
        if key:
            f.questionnaire, f.unit_id, f.system_id = key
    if roster is not None:
        check_roster(files, roster)
    if round_id:
        for f in files:
            if f.round_id and f.round_id != round_id:
                f.add("wrong-round", found=f.round_id, expected=round_id)
    kept = mark_duplicates(files)  # judged from the issues so far; adds its own warnings
    for f in files:
        if f.status != SKIPPED:
            f.finish()
    return ValidationReport(files, kept, roster)


def unidentified(f: ReturnedFile) -> bool:
    """Rejected before its questionnaire and unit could be read (damaged, not a workbook...)."""
    return f.status == REJECTED and not f.questionnaire and not f.cells


def _read_all(
    to_read: list[Candidate],
    contents: dict[str, Questionnaire],
    jobs: int | None,
    progress: Progress | None,
) -> dict[str, ReturnedFile]:
    """Read files in worker processes (one per core) when there are enough to be worth it."""
    _WORKER_CONTENTS.clear()
    _WORKER_CONTENTS.update(contents)  # inherited by the forked workers, not pickled
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    results: dict[str, ReturnedFile] = {}
    if workers > 1 and len(to_read) >= PARALLEL_THRESHOLD:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            for i, rf in enumerate(pool.map(_read_one, to_read, chunksize=16)):
                results[rf.name] = rf
                if progress:
                    progress(i + 1, len(to_read))
    else:
        for i, c in enumerate(to_read):
            results[c.name] = _read_one(c)
            if progress:
                progress(i + 1, len(to_read))
    return results


def write_feedback(
    report: ValidationReport, out_dir: Path, content_dir: Path | None = None
) -> list[Path]:
    """A marked-up copy of each file that has issues and could be opened as a workbook (for
    one made from an older content version, the migrated current workbook)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for f in report.files:
        if f.status == SKIPPED or not f.issues:
            continue
        try:
            path = feedback.write_feedback(f, out_dir, content_dir)
        except Exception as exc:  # the copy is a courtesy; the report already has the issues
            f.add("internal-error", detail=f"no feedback copy could be written ({exc})")
            continue
        if path:
            written.append(path)
    return written
