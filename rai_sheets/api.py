"""The library's front door: what the CLI calls and what a notebook user can call.

Nothing here prints or exits. Long work reports progress through an optional callback
`progress(done, total)`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from . import aggregate, export, feedback
from .aggregate import Consolidation
from .content import (
    ContentProblem,
    available_questionnaires,
    check_content,
    default_content_dir,
    load_questionnaire,
)
from .discover import Candidate, discover
from .files import atomic_write_bytes, atomic_write_with, safe_filename
from .generator import WorkbookSpec, write_workbook
from .issues import ACCEPTED, ACCEPTED_WITH_WARNINGS, ERROR, REJECTED, SKIPPED
from .model import DEFAULT_LANGUAGE, Questionnaire, Unit
from .personalise import PersonalisedWriter
from .report import render_summary
from .returns import ReturnedFile, read_return
from .roster import Roster, read_roster
from .validation import check_roster, mark_duplicates, validate_answers

Progress = Callable[[int, int], None]
PER_SYSTEM = {"risk", "action"}


class UsageError(ValueError):
    """A request that cannot be carried out as asked (unknown questionnaire, language...)."""


@dataclass(frozen=True)
class GeneratedFile:
    path: Path
    questionnaire: str
    version: str
    unit_id: str = ""
    system_id: str = ""
    language: str = DEFAULT_LANGUAGE


def load_all(
    ids: Sequence[str] | None = None, content_dir: Path | None = None
) -> list[Questionnaire]:
    root = content_dir or default_content_dir()
    known = available_questionnaires(root)
    wanted = list(ids) if ids else known
    unknown = [q for q in wanted if q not in known]
    if unknown:
        raise UsageError(
            f"unknown questionnaire {', '.join(unknown)}; available: "
            f"{', '.join(known) or 'none (is the content folder right?)'}"
        )
    return [load_questionnaire(q, root) for q in wanted]


def content_check(content_dir: Path | None = None) -> list[ContentProblem]:
    return check_content(content_dir)


def workbook_name(qid: str, unit: Unit | None, round_id: str = "") -> str:
    parts = [qid]
    if unit:
        parts.append(unit.unit_id)
        if qid in PER_SYSTEM and unit.system_id:
            parts.append(unit.system_id)
    else:
        parts.append("blank")
    if round_id:
        parts.append(round_id)
    return safe_filename("_".join(parts), 150) + ".xlsx"


def generate(
    questionnaires: Sequence[str] | None = None,
    *,
    units: Path | Roster | None = None,
    round_id: str = "",
    lang: str = DEFAULT_LANGUAGE,
    out_dir: Path = Path("output"),
    content_dir: Path | None = None,
    password: str = "",
    progress: Progress | None = None,
) -> list[GeneratedFile]:
    """Write blank workbooks, or one per unit (readiness) / AI system (risk, action)."""
    qns = load_all(questionnaires, content_dir)
    for qn in qns:
        if lang not in qn.languages:
            raise UsageError(
                f'no "{lang}" translation in the {qn.id} content; available: '
                f"{', '.join(qn.languages)}"
            )
    roster = (
        units
        if isinstance(units, Roster) or units is None
        else read_roster(units, tuple(sorted({lg for qn in qns for lg in qn.languages})))
    )
    generated_at = datetime.now().replace(microsecond=0)
    jobs: list[tuple[Questionnaire, Unit | None]] = []
    for qn in qns:
        if roster is None:
            jobs.append((qn, None))
        elif qn.id in PER_SYSTEM:
            jobs += [(qn, s) for s in roster.systems]
        else:
            jobs += [(qn, u) for u in roster.units]
    out: list[GeneratedFile] = []
    writers: dict[tuple[str, str, bool], PersonalisedWriter] = {}
    for i, (qn, unit) in enumerate(jobs):
        unit_lang = unit.language if unit and unit.language else lang
        path = out_dir / workbook_name(qn.id, unit, round_id)
        spec = WorkbookSpec(qn, None, round_id, unit_lang, password, generated_at=generated_at)
        if unit is None:
            atomic_write_with(path, partial(write_workbook, spec))
        else:
            key = (qn.id, unit_lang, qn.id in PER_SYSTEM)
            if key not in writers:
                writers[key] = PersonalisedWriter(spec, with_system=key[2])
            atomic_write_bytes(path, writers[key].render(unit))
        out.append(
            GeneratedFile(
                path,
                qn.id,
                qn.version,
                unit.unit_id if unit else "",
                unit.system_id if unit and qn.id in PER_SYSTEM else "",
                unit_lang,
            )
        )
        if progress:
            progress(i + 1, len(jobs))
    if roster is not None and not jobs:
        raise UsageError(
            "the roster lists no AI systems (system_id), so there is no risk or "
            "action workbook to make"
        )
    return out


@dataclass
class ValidationReport:
    """What `validate` found: every input file exactly once, in input order."""

    files: list[ReturnedFile]
    kept: dict[tuple[str, str, str], ReturnedFile]
    roster: Roster | None = None

    @property
    def rejected(self) -> list[ReturnedFile]:
        return [f for f in self.files if f.status == REJECTED]

    def summary(self) -> dict[str, int]:
        counts = Counter(f.status for f in self.files)
        return {
            "files": len(self.files),
            **{s: counts.get(s, 0) for s in (ACCEPTED, ACCEPTED_WITH_WARNINGS, REJECTED, SKIPPED)},
            "errors": sum(i.severity == ERROR for f in self.files for i in f.issues),
            "warnings": sum(i.severity != ERROR for f in self.files for i in f.issues),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [
                {
                    "path": f.name,
                    "status": f.status,
                    "questionnaire": f.questionnaire or None,
                    "version": f.version or None,
                    "unit": f.unit_id or f.unit_name or None,
                    "system": f.system_id or None,
                    "issues": [i.as_dict() for i in f.issues],
                    **({"reason": f.skipped_reason} if f.status == SKIPPED else {}),
                }
                for f in self.files
            ],
            "summary": self.summary(),
        }


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
) -> ValidationReport:
    """Preflight, read and validate returned workbooks; every input is accounted for."""
    contents = {qn.id: qn for qn in load_all(None, content_dir)}
    roster = units if isinstance(units, Roster) or units is None else read_roster(units)
    candidates = [p for p in paths if isinstance(p, Candidate)]
    candidates += discover([p for p in paths if not isinstance(p, Candidate)])
    results = _read_all([c for c in candidates if not c.skip_reason], contents, jobs, progress)
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
    for f in files:
        f.raw = {}  # only the messages needed what was typed, and they have it now
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


def write_issue_report(report: ValidationReport, path: Path) -> None:
    feedback.write_issue_report(report, path)


def write_feedback(report: ValidationReport, out_dir: Path) -> list[Path]:
    """A marked-up copy of each file that has issues and could be opened as a workbook."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for f in report.files:
        if f.status == SKIPPED or not f.issues:
            continue
        try:
            path = feedback.write_feedback(f, out_dir)
        except Exception as exc:  # the copy is a courtesy; the report already has the issues
            f.add("internal-error", detail=f"no feedback copy could be written ({exc})")
            continue
        if path:
            written.append(path)
    return written


@dataclass
class ConsolidationResult:
    consolidation: Consolidation
    summary: Path
    data: list[Path]

    @property
    def report(self) -> ValidationReport:
        return self.consolidation.report


def consolidate(
    paths: Sequence[Path | Candidate],
    *,
    units: Path | Roster | None = None,
    output: Path = Path("output/summary.xlsx"),
    data_dir: Path | None = None,
    round_id: str = "",
    content_dir: Path | None = None,
    jobs: int | None = None,
    min_group: int = 0,
    below_band: str = "",
    questionnaires: Sequence[str] | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> ConsolidationResult:
    """Validate, keep the accepted (latest per unit), aggregate, write the summary atomically."""
    contents = {qn.id: qn for qn in load_all(None, content_dir)}
    readiness = contents.get("readiness")
    if below_band and readiness and below_band not in {b.id for b in readiness.bands}:
        raise UsageError(
            f'"{below_band}" is not a readiness band; use one of '
            f"{', '.join(b.id for b in readiness.bands)}"
        )
    report = validate(
        paths,
        units=units,
        content_dir=content_dir,
        jobs=jobs,
        today=today,
        round_id=round_id,
        progress=progress,
    )
    # Every file is validated against all the content; the summary covers the questionnaires
    # asked for (a round that sent only some of them expects only those).
    summarised = {q: qn for q, qn in contents.items() if not questionnaires or q in questionnaires}
    c = aggregate.consolidate(
        report,
        summarised,
        round_id=round_id,
        today=today,
        min_group=min_group,
        below_band=below_band,
    )
    atomic_write_bytes(output, render_summary(c))
    data = export.write_data(c, data_dir) if data_dir else []
    return ConsolidationResult(c, output, data)


def questionnaire_ids(content_dir: Path | None = None) -> list[str]:
    return available_questionnaires(content_dir or default_content_dir())
