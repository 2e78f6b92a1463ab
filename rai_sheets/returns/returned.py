"""One returned file, from bytes to a `ReturnedFile`: identity, answers, scores and issues.

This is the per-file half of validation, safe to run in a worker process: preflight, open,
identify the questionnaire and unit, read every `in_` answer with its cell (an answer cell that
holds a formula is an error, and its value is never used), normalise, score in Python and
compare with the results the respondent saw. The schema checks that need all files at once run
afterwards (validation.py).

A blank workbook (generated without a roster: no unit in `_meta`) says who it is through its
answers to the questions the roster would have pre-filled (the content's `prefill` column):
those answers are kept in `identity_answers` for validation.py to identify the return by.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import i18n
from ..content.question_map import version_key
from ..content.question_types import family_of
from ..issues import ERROR, Issue, status_of
from ..model import DATE, INTEGER, NUMBER, SELECT, Metric, Questionnaire
from ..scoring import Value, metric_label, reads_the_date, score, usable_answers
from ..workbook.layout import CARRIED_FROM, META, Cell, column_header, plan
from .carried import read_carried, unchanged, wants_review
from .isolation import shared
from .normalise import normalise
from .packed import Packed
from .per_object import Cache, once_per
from .preflight import preflight
from .reader import META_WANTED, UnreadableWorkbook, WorkbookFile, open_workbook
from .sheet_cells import Position, Wanted, wanted_cells
from .sheet_scan import FormulaCell

IDENTITY_KEYS = ("questionnaire", "version", "unit_id", "system_id")


@dataclass
class ReturnedFile:
    """Everything learnt about one input file; picklable (no open handles)."""

    path: str
    name: str
    status: str = ""
    questionnaire: str = ""
    version: str = ""
    content_hash: str = ""
    unit_id: str = ""
    unit_name: str = ""
    system_id: str = ""
    system_name: str = ""
    round_id: str = ""
    lang: str = "en"
    saved_at: datetime | None = None
    sha256: str = ""
    issues: list[Issue] = field(default_factory=list)
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)  # in_ name -> (sheet, A1)
    # in_ name -> value as found, where a message may quote it (see _quoted_kinds)
    raw: dict[str, Any] = field(default_factory=dict)
    answers: Mapping[str, Any] = field(default_factory=dict)  # in_ name -> normalised value
    scores: Mapping[str, Value] = field(default_factory=dict)
    skipped_reason: str = ""  # in words, in the report's language
    skipped: tuple[str, str] = ("", "")  # why, as a catalogue key, and the file's suffix
    carried_from: str = ""  # the round a pre-filled workbook's answers were carried from
    carried: dict[str, str] = field(default_factory=dict)  # in_ name -> answer as carried
    unchanged: list[str] = field(default_factory=list)  # carried answers returned as they were
    blank: bool = False  # made without a roster: identified by its answers, if at all
    # roster column that pre-fills a question -> (question id, the answer found there)
    identity_answers: dict[str, tuple[str, str]] = field(default_factory=dict)
    read: bool = False  # its answers were read: it is a workbook that can be opened again
    lang_known: bool = False  # the workbook says its language; else its issues speak the reader's
    scored_on: date | None = None  # the day its scores were worked out as of

    def add(self, code: str, sheet: str = "", cell: str = "", **params: Any) -> None:
        self.issues.append(Issue(code, self.name, sheet, cell, params, self.lang))

    @property
    def rejected(self) -> bool:
        return any(i.severity == ERROR for i in self.issues)

    def packed(self, qn: Questionnaire | None) -> ReturnedFile:
        """The file with its answers and scores in little memory (packed.py), to be sent to
        and kept by the process that consolidates ten thousand of them."""
        if qn is not None:
            names = _names(qn)
            self.answers = Packed.of(names[0], self.answers)
            self.scores = Packed.of(names[1], self.scores)
        return self

    def finish(self) -> ReturnedFile:
        """Settle the status, and order issues as a reader meets them: file, sheet, row."""
        sheets = list(dict.fromkeys(sheet for sheet, _ in self.cells.values()))
        self.issues.sort(key=lambda i: _position(i, sheets))
        self.status = status_of(self.issues)
        return self


@lru_cache(maxsize=32)
def _names(qn: Questionnaire) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names answers and scores are packed over: the inputs, and the metrics."""
    return tuple(qn.input_names), tuple(m.id for m in qn.metrics)


def _position(issue: Issue, sheets: list[str]) -> tuple[int, int, int, str]:
    if not issue.cell:
        return (0, 0, 0, "")
    letters = issue.cell.rstrip("0123456789")
    rank = sheets.index(issue.sheet) if issue.sheet in sheets else len(sheets)
    return (1, rank, int(issue.cell[len(letters) :] or 0), f"{len(letters)}{letters}")


def read_return(
    path: Path, name: str, contents: dict[str, Questionnaire], today: date | None = None
) -> ReturnedFile:
    """Everything learnt about one file. Its results are compared with the workbook's as of the
    day it was saved; its scores are then those of `today`, when given (what is overdue)."""
    rf = ReturnedFile(str(path), name)
    pf = preflight(path, name)
    rf.issues += pf.issues
    if pf.data:
        rf.sha256 = hashlib.sha256(pf.data).hexdigest()
    if not pf.ok:
        return rf.finish()
    try:
        wb = open_workbook(pf)
        rf.saved_at = wb.saved_at
        qn = _identify(rf, wb, contents)
        if qn is None or rf.rejected:
            return rf.finish()
        wb.wanted = _wanted(wb, qn)
        _read_answers(rf, wb, qn)
        _check_carried(rf, wb, qn)
        rf.read = True
        if not rf.rejected:
            _check_results(rf, wb, qn, today)
    except UnreadableWorkbook as exc:  # the archive was sane, the workbook inside is not
        rf.cells, rf.answers = {}, {}
        rf.issues.append(
            Issue(exc.code, rf.name, exc.params.get("sheet", ""), "", dict(exc.params), rf.lang)
        )
    return rf.finish()


def _identify(
    rf: ReturnedFile, wb: WorkbookFile, contents: dict[str, Questionnaire]
) -> Questionnaire | None:
    meta, props = wb.meta(), wb.props
    if not meta and "questionnaire" not in props:
        rf.add("unknown-workbook")
        return None
    info = {**props, **meta}
    rf.questionnaire = info.get("questionnaire", "")
    rf.version = info.get("version", "")
    rf.content_hash = info.get("content_hash", "")
    rf.unit_id, rf.unit_name = info.get("unit_id", ""), info.get("unit_name", "")
    rf.system_id, rf.system_name = info.get("system_id", ""), info.get("system_name", "")
    rf.round_id = info.get("round", "")
    rf.lang = info.get("language", "") or "en"
    rf.lang_known = bool(info.get("language"))
    rf.blank = not (rf.unit_id or rf.system_id)
    for key in IDENTITY_KEYS:
        if meta and key in props and props[key] != meta.get(key, ""):
            rf.add(
                "identity-mismatch", "_meta", "", key=key, meta=meta.get(key, ""), prop=props[key]
            )
    qn = contents.get(rf.questionnaire)
    if qn is None:
        rf.add("unknown-questionnaire", found=rf.questionnaire, known=", ".join(contents) or "none")
        return None
    if rf.lang not in qn.languages:
        rf.lang = "en"
    if rf.version != qn.version:
        newer = version_key(rf.version) > version_key(qn.version)
        code = "newer-template" if newer else "old-template"
        rf.add(code, found=rf.version or "word.none", expected=qn.version)
        return None
    rf.carried_from = info.get(CARRIED_FROM, "")
    return qn


def question_ref(qn: Questionnaire, qid: str, key: str = "", lang: str = "en") -> str:
    """How messages name a question: its id, the field, and the start of its text."""
    q = qn.questions_by_id[qid]
    text = q.label.get(lang)
    short = text if len(text) <= 60 else text[:57].rstrip() + "..."
    field_part = f" ({field_word(qn, q.type, key, lang)})" if key else ""
    return f"{qid}{field_part} " + i18n.text("issue.quoted", lang, text=short)


def field_word(qn: Questionnaire, qtype: str, key: str, lang: str) -> str:
    """A field of a question as a sentence names it: its column's header in `lang`."""
    if qtype == "log":
        n, column = key.split("_", 1)
        word = lower_first(column_header(qn, "log", column, lang))
        return i18n.text("issue.log_row", lang, row=int(n), field=word)
    return lower_first(column_header(qn, family_of(qtype), key, lang))


def lower_first(word: str) -> str:
    """A header inside a sentence: "Residual likelihood" -> "residual likelihood" ("AI" stays)."""
    return word[:1].lower() + word[1:] if word[1:2].islower() else word


_CELL_MAPS: Cache = {}


def _cell_map(wb: WorkbookFile) -> dict[str, tuple[str, str]]:
    """in_ name -> (sheet, A1), shared by every file of one template (their names are one
    cached object), so that ten thousand returns do not carry ten thousand copies, in the
    worker that reads them or in the parent they are sent to."""

    def cell_map() -> dict[str, tuple[str, str]]:
        return shared({n: (r.sheet, r.a1) for n, r in wb.names.items() if n.startswith("in_")})

    return once_per(_CELL_MAPS, (wb.names,), cell_map)


_WANTED: Cache = {}


def _wanted(wb: WorkbookFile, qn: Questionnaire) -> dict[str, tuple[Wanted, ...]]:
    """The cells read straight from each sheet's XML: every named cell, each question's text
    beside its answer and the key rows of _meta; worked out once per template."""

    def wanted() -> dict[str, tuple[Wanted, ...]]:
        cells: dict[str, set[Position]] = {META: {pos for pos, _ in META_WANTED}}
        for named in wb.names.values():
            cells.setdefault(named.sheet, set()).add((named.row, named.col))
        for qid, label_cell in plan(qn).label_cells.items():
            q = qn.questions_by_id[qid]
            answer = wb.names.get(q.input_name(q.fields[0]))
            if answer is not None:
                cells.setdefault(answer.sheet, set()).add((answer.row, label_cell.col))
        return {sheet: wanted_cells(found) for sheet, found in cells.items()}

    return once_per(_WANTED, (wb.names, qn), wanted)


_ANSWERS_BY_SHEET: Cache = {}


def _formulas_in(wb: WorkbookFile, cells: dict[str, tuple[str, str]]) -> dict[str, FormulaCell]:
    """The answer cells (by in_ name) that hold a formula: each sheet's formula cells looked
    up among the answer cells on it, grouped once per template."""

    def answers_by_sheet() -> dict[str, dict[Position, list[str]]]:
        by_sheet: dict[str, dict[Position, list[str]]] = {}
        for name, ref in wb.names.items():
            if name in cells:
                by_sheet.setdefault(ref.sheet, {}).setdefault((ref.row, ref.col), []).append(name)
        return by_sheet

    found: dict[str, FormulaCell] = {}
    for sheet, names in once_per(_ANSWERS_BY_SHEET, (cells,), answers_by_sheet).items():
        for at in wb.formula_cells(sheet):
            for answer in names.get(at, ()):
                formula = wb.formula(wb.names[answer])
                if formula is not None:
                    found[answer] = formula
    return found


@lru_cache(maxsize=32)
def _quoted_kinds(qn: Questionnaire) -> dict[str, Callable[[Any], bool]]:
    """Input name -> whether a value is valid for its kind, for the inputs whose messages
    quote what was typed when it is not (a choice, a date, a number): what was typed is kept
    only where it may be quoted. Free text is its own answer (trimmed): never kept twice."""
    out: dict[str, Callable[[Any], bool]] = {}
    for name, (_q, f) in qn.input_names.items():
        if f.kind == SELECT and f.scale_id:
            scale = qn.scales[f.scale_id]
            out[name] = frozenset(scale.rated_codes if f.rated_only else scale.codes).__contains__
        elif f.kind == DATE:
            out[name] = _is_date
        elif f.kind in (NUMBER, INTEGER):
            out[name] = _is_number
    return out


def _is_date(v: Any) -> bool:
    return isinstance(v, date)


def _is_number(v: Any) -> bool:
    return isinstance(v, float) and math.isfinite(v)


@lru_cache(maxsize=4096, typed=True)
def _choice(raw: Any, scale_id: str | None, qn: Questionnaire) -> Any:
    return normalise(raw, SELECT, scale_id, qn)


def _read_answers(rf: ReturnedFile, wb: WorkbookFile, qn: Questionnaire) -> None:
    p = plan(qn, rf.lang)
    hash_differs = bool(rf.content_hash) and rf.content_hash != qn.content_hash
    rf.cells = cells = _cell_map(wb)
    formulas = _formulas_in(wb, cells)
    rf.answers = answers = {}
    quoted = _quoted_kinds(qn)
    read: dict[str, Mapping[Position, Any] | None] = {}  # per sheet: its cells read from the XML
    for name, (q, f) in qn.input_names.items():
        ref = wb.names.get(name)
        if ref is None:
            rf.add("name-missing", name=name, question=question_ref(qn, q.id, f.key, rf.lang))
            continue
        if name in formulas:  # never evaluated, and its saved result is not an answer
            sheet, a1 = cells[name]
            rf.add(
                "formula-in-answer",
                sheet,
                a1,
                question=question_ref(qn, q.id, f.key, rf.lang),
                formula=_clip("=" + formulas[name].formula, 60),
            )
            continue
        values = (
            read[ref.sheet]
            if ref.sheet in read
            else read.setdefault(ref.sheet, wb.values_read(ref.sheet))
        )
        raw = values.get((ref.row, ref.col), ref) if values is not None else ref
        if raw is ref:  # not read from the XML
            raw = wb.value(ref)
        if raw is None:
            continue
        if f.kind == SELECT:  # few distinct choices: each normalised once
            value = _choice(raw, f.scale_id, qn)
        else:
            value = normalise(raw, f.kind, f.scale_id, qn)
        if value is None:
            continue  # blanks are absent: answers.get(name) is None
        if name in quoted and not quoted[name](value):
            rf.raw[name] = raw
        answers[name] = value
        if q.prefill:
            rf.identity_answers[q.prefill] = (q.id, str(value))
    # The question texts, compared where the file says the answers are: rows move with names.
    for qid, label_cell in p.label_cells.items():
        q = qn.questions_by_id[qid]
        ref = wb.names.get(q.input_name(q.fields[0]))
        if ref is None:
            continue
        label = Cell(ref.sheet, ref.row, label_cell.col)
        found = wb.value(label)
        expected = q.label.get(rf.lang)
        if found != expected and _squash(found) != _squash(expected):
            rf.add(
                "question-text-edited",
                ref.sheet,
                label.a1,
                question=qid,
                found=_clip(str(found or "")),
                expected=_clip(expected),
            )
    if hash_differs and not any(i.code == "question-text-edited" for i in rf.issues):
        rf.add(
            "content-changed", version=rf.version, found=rf.content_hash, expected=qn.content_hash
        )


def _check_carried(rf: ReturnedFile, wb: WorkbookFile, qn: Questionnaire) -> None:
    """Which answers carried over from an earlier round came back untouched."""
    if not rf.carried_from:
        return
    rf.carried = read_carried(wb)
    rf.unchanged = unchanged(rf.carried, rf.answers)
    if rf.carried and len(rf.unchanged) == len(rf.carried) and wants_review(qn):
        rf.add("carried-unreviewed", count=len(rf.carried), round=rf.carried_from)


def _squash(v: Any) -> str:
    return " ".join(str(v or "").split())


def _clip(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _check_results(
    rf: ReturnedFile, wb: WorkbookFile, qn: Questionnaire, today: date | None
) -> None:
    """Recompute every metric; warn where the workbook showed something else."""
    as_of = (rf.saved_at or datetime.now()).date()
    usable = usable_answers(qn, rf.answers)
    rf.scores = scores = score(qn, usable, as_of)
    rf.scored_on = as_of
    for m, ref in _metric_cells(wb.names, qn):
        value = scores[m.id]
        if isinstance(value, str) or value is None:  # a word: the same few again and again
            expected = _label(qn, m, value, rf.lang)
        else:
            expected = metric_label(qn, m, value, rf.lang)
        cached = wb.value(ref)
        if _same(cached, expected):
            continue
        formula = wb.formula(ref)
        if formula is not None and not formula.has_value:
            continue  # saved by a tool that does not calculate: nothing was shown
        code = "result-mismatch" if formula is not None else "formula-overwritten"
        rf.add(
            code,
            ref.sheet,
            ref.a1,
            metric=f"{m.name} ({m.rule.label.get(rf.lang)})",
            found=_show(cached),
            expected=_show(expected),
        )
    if today is not None and today != as_of and reads_the_date(qn):
        rf.scores, rf.scored_on = score(qn, usable, today), today


_METRIC_CELLS: Cache = {}


def _metric_cells(names: dict[str, Cell], qn: Questionnaire) -> list[tuple[Metric, Cell]]:
    """The metrics whose results the workbook shows, with their cells; once per template."""
    return once_per(
        _METRIC_CELLS,
        (names, qn),
        lambda: [(m, names[m.name]) for m in qn.metrics if m.name in names],
    )


_LABELS: dict[tuple[Questionnaire, str, str | None, str], Any] = {}


def _label(qn: Questionnaire, m: Metric, value: str | None, lang: str) -> Any:
    """`metric_label` of a result that is a word, worked out once (a handful per metric)."""
    key = (qn, m.id, value, lang)
    if key not in _LABELS:
        if len(_LABELS) > 100_000:  # a file's own words cannot fill the memory
            _LABELS.clear()
        _LABELS[key] = metric_label(qn, m, value, lang)
    return _LABELS[key]


def _same(cached: Any, expected: Any) -> bool:
    if cached in (None, "") and expected in (None, ""):
        return True
    if isinstance(expected, int | float) and isinstance(cached, int | float):
        return math.isclose(float(cached), float(expected), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(cached, date | datetime):
        return False
    return str(cached) == str(expected)


def _show(v: Any) -> str:
    if v in (None, ""):
        return "nothing"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, int):
        return str(v)
    return f'"{v}"'
