"""The validation of many returned files: read each in isolated worker processes (one bad
file costs only itself, see isolation.py), validate all files of a questionnaire together,
identify blank workbooks, check the roster, round and duplicates, and account for every input
in one report."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import partial
from pathlib import Path

from ..content.load import load_all
from ..issues import REJECTED, SKIPPED
from ..model import Questionnaire
from ..roster import Roster, read_roster
from . import feedback
from .discover import Candidate, discover
from .isolation import Failure, Limits, run_isolated
from .judgement import judge
from .preflight import MAX_FILE_BYTES
from .report import ValidationReport
from .returned import ReturnedFile, read_return
from .validation import check_roster, identify_blank_returns, mark_duplicates, validate_answers

Progress = Callable[[int, int], None]
# For a file rejected before its identity could be read: the (questionnaire, unit, system)
# that evidence from outside the file gives (a round knows the sender and the file name).
Identify = Callable[[ReturnedFile], tuple[str, str, str] | None]
PARALLEL_THRESHOLD = 24  # below this, one worker reads them all: starting more costs more
READ_LIMITS = Limits()


def _read_one(
    candidate: Candidate, contents: dict[str, Questionnaire], today: date
) -> ReturnedFile:
    try:
        rf = read_return(candidate.path, candidate.name, contents, today)
        return rf.packed(contents.get(rf.questionnaire))
    except MemoryError:
        raise  # the worker reports it as the file's verdict
    except Exception as exc:  # one file's surprise must not stop the run
        rf = ReturnedFile(str(candidate.path), candidate.name)
        rf.add("internal-error", detail=f"{type(exc).__name__}: {exc}")
        return rf.finish()


def _not_read(candidate: Candidate, why: Failure) -> ReturnedFile:
    """The verdict on a file whose reader died or blew its budget."""
    rf = ReturnedFile(str(candidate.path), candidate.name)
    try:
        if candidate.path.stat().st_size <= MAX_FILE_BYTES:
            rf.sha256 = hashlib.sha256(candidate.path.read_bytes()).hexdigest()
    except OSError:
        pass
    rf.add(why.code, **why.params)
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
    today = today or date.today()
    results = {**_read_all(to_read, contents, jobs, progress, today), **known}
    files: list[ReturnedFile] = []
    for c in candidates:
        if c.skip_reason:
            rf = ReturnedFile(
                str(c.path), c.name, status=SKIPPED, skipped=(c.skip_reason, c.suffix)
            )
            rf.skipped_reason = c.skip_words()
            files.append(rf)
        else:
            files.append(results[c.name])
    readable = [f for f in files if f.status != SKIPPED and f.cells]
    for qid, qn in contents.items():
        validate_answers(qn, [f for f in readable if f.questionnaire == qid], today)
        judge(qn, [f for f in readable if f.questionnaire == qid])
    for f in files:
        f.raw = {}  # only the messages needed what was typed, and they have it now
        key = identify(f) if identify and unidentified(f) else None
        if key:
            f.questionnaire, f.unit_id, f.system_id = key
    identify_blank_returns(files, roster)
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
    today: date,
) -> dict[str, ReturnedFile]:
    """Read every file in isolated worker processes: one per core when there are enough."""
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if len(to_read) < PARALLEL_THRESHOLD:
        workers = 1
    read = run_isolated(
        to_read,
        partial(_read_one, contents=contents, today=today),
        _not_read,
        workers=workers,
        limits=READ_LIMITS,
        progress=progress,
    )
    return {rf.name: rf for rf in read}


def write_feedback(
    report: ValidationReport,
    out_dir: Path,
    content_dir: Path | None = None,
    jobs: int | None = None,
) -> list[Path]:
    """A marked-up copy of each file that has issues and could be opened as a workbook (for
    one made from an older content version, the migrated current workbook)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    made = feedback.write_feedbacks(report.files, out_dir, jobs=workers, content_dir=content_dir)
    for f, outcome in zip(report.files, made, strict=True):
        if isinstance(outcome, str):
            f.add("internal-error", detail=f"no feedback copy could be written ({outcome})")
    return [p for p in made if isinstance(p, Path)]
