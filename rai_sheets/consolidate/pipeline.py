"""Validate, keep the accepted returns (the latest per unit or AI system), aggregate, find what
needs attention, and write the summary workbook atomically (and the tidy data if asked)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..content.load import load_all
from ..errors import UsageError
from ..files import atomic_write_bytes
from ..i18n import LANGUAGES
from ..returns.discover import Candidate
from ..returns.report import ValidationReport
from ..returns.returned import ReturnedFile
from ..returns.validate import Identify, validate
from ..roster import Roster
from . import aggregate, export
from .aggregate import Consolidation
from .findings import findings
from .history import HistoryStore
from .history_record import record
from .summary import render_summary
from .trend_data import read_trend_data
from .trends import compute_trends

Progress = Callable[[int, int], None]


@dataclass
class ConsolidationResult:
    consolidation: Consolidation
    summary: Path
    data: list[Path]
    history: Path | None = None  # the history store written, if any
    round_id: str = ""  # the round as the history store holds it
    rounds_held: int = 0

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
    history: Path | None = None,
    round_date: date | None = None,
    progress: Progress | None = None,
    known: Mapping[str, ReturnedFile] | None = None,
    identify: Identify | None = None,
    lang: str = "en",
) -> ConsolidationResult:
    """Validate, keep the accepted (latest per unit), aggregate, record the round in the
    history store (a scratch one when `history` is None), write the summary atomically.

    `known` and `identify` are passed to validation (a round's earlier verdicts, and what its
    mail says about files that cannot be read); `lang` is the summary's language."""
    contents = {qn.id: qn for qn in load_all(None, content_dir)}
    readiness = contents.get("readiness")
    if lang not in LANGUAGES:
        raise UsageError(
            f'"{lang}" is not a language of the summary; use one of {", ".join(LANGUAGES)}'
        )
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
        known=known,
        identify=identify,
    ).speak(lang)
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
        lang=lang,
    )
    held_as = history_round_id(round_id, c, today or date.today())
    with contextlib.ExitStack() as stack:
        # The tidy data is written beside the rest: its file writes and Parquet conversion,
        # like the history store's inserts, run outside the interpreter lock.
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=1))
        writing = pool.submit(export.write_data, c, data_dir) if data_dir else None
        if history is None:  # a scratch store on disk: trends need one, memory stays low
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        store = stack.enter_context(HistoryStore(history or scratch / "history.sqlite"))
        when = round_date or store.round_date(held_as) or today or date.today()
        record(store, c, held_as, when)
        trend_data = read_trend_data(store, summarised)
        c.trends = compute_trends(trend_data, summarised, held_as, c.lang)
        rounds_held = len(c.trends.rounds)
        c.findings = findings(c)
        atomic_write_bytes(output, render_summary(c))
        data = writing.result() if writing else []
    return ConsolidationResult(c, output, data, history, held_as, rounds_held)


def history_round_id(round_id: str, c: Consolidation, today: date) -> str:
    """The round as the history holds it: the one given, else the one every accepted return
    names, else the day of the consolidation."""
    if round_id:
        return round_id
    named = {f.round_id for f in c.kept}
    return named.pop() if len(named) == 1 and "" not in named else today.isoformat()
