"""pandera schemas built from the content, and the checks that need all files at once.

The schema of a questionnaire has one column per `in_` name (a row per returned file):
allowed values, required answers, types and ranges, and cross-field rules (a likelihood needs
an impact; a residual rating needs a mitigation; "done" needs evidence). Validation is lazy and
every failure is mapped back to the file's own sheet and cell.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import pandas as pd
import pandera.pandas as pa

from .layout import TEXT_LIMIT
from .model import DATE, FREE_KINDS, INTEGER, LONGTEXT, NUMBER, SELECT, Question, Questionnaire
from .returns import ReturnedFile, question_ref
from .roster import Roster

EARLIEST_DATE = date(2000, 1, 1)
SEP = "|"  # separates a cross-field check's code from its target input name


def _is_date(v: Any) -> bool:
    return isinstance(v, date)


def _is_number(v: Any) -> bool:
    return isinstance(v, float) and math.isfinite(v)


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype(str).str.strip() == "")


@lru_cache(maxsize=16)
def build_schema(qn: Questionnaire, today: date) -> pa.DataFrameSchema:
    latest = today + timedelta(days=365 * 20)
    columns: dict[str, pa.Column] = {}
    for name, (_q, f) in qn.input_names.items():
        checks: list[pa.Check] = []
        if f.kind == SELECT and f.scale_id:
            codes = [c.code for c in qn.scales[f.scale_id].choices]
            checks.append(pa.Check(lambda s, codes=codes: s.isin(codes), name="not-in-list"))
        elif f.kind == DATE:
            checks.append(pa.Check(lambda s: s.map(_is_date), name="not-a-date"))
            checks.append(
                pa.Check(
                    lambda s, hi=latest: s.map(
                        lambda v: not _is_date(v) or EARLIEST_DATE <= v <= hi
                    ),
                    name="implausible-date",
                )
            )
        elif f.kind in (NUMBER, INTEGER):
            checks.append(pa.Check(lambda s: s.map(_is_number), name="not-a-number"))
        elif f.kind in FREE_KINDS:
            limit = TEXT_LIMIT[LONGTEXT if f.kind == LONGTEXT else "text"]
            checks.append(
                pa.Check(lambda s, n=limit: s.map(lambda v: len(str(v)) <= n), name="text-too-long")
            )
        columns[name] = pa.Column(None, checks, nullable=not f.required, required=True)
    frame_checks = [c for q in qn.questions for c in _cross_field_checks(q)]
    return pa.DataFrameSchema(columns, checks=frame_checks, coerce=False)


def _needs(given: str, other: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows pass when `given` is blank or `other` is filled."""
    return lambda df: _blank(df[given]) | ~_blank(df[other])


def _residual_needs_mitigation(lik: str, imp: str, mit: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda df: (_blank(df[lik]) & _blank(df[imp])) | ~_blank(df[mit])


def _done_needs_evidence(status: str, evidence: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda df: (df[status] != "done") | ~_blank(df[evidence])


def _cross_field_checks(q: Question) -> list[pa.Check]:
    def name(key: str) -> str:
        return q.input_name(q.field(key))

    checks: list[pa.Check] = []
    if q.type == "risk":
        for prefix in ("", "residual_"):
            lik, imp = name(prefix + "likelihood"), name(prefix + "impact")
            checks.append(
                _frame_check(
                    _needs(lik, imp),
                    "incomplete-rating",
                    imp,
                    given=prefix + "likelihood",
                    missing=prefix + "impact",
                )
            )
            checks.append(
                _frame_check(
                    _needs(imp, lik),
                    "incomplete-rating",
                    lik,
                    given=prefix + "impact",
                    missing=prefix + "likelihood",
                )
            )
        mit = name("mitigation")
        checks.append(
            _frame_check(
                _residual_needs_mitigation(
                    name("residual_likelihood"), name("residual_impact"), mit
                ),
                "residual-without-mitigation",
                mit,
            )
        )
    elif q.type == "check":
        ev = name("evidence")
        checks.append(
            _frame_check(_done_needs_evidence(name("status"), ev), "done-without-evidence", ev)
        )
    return checks


def _frame_check(
    fn: Callable[[pd.DataFrame], pd.Series], code: str, target: str, **params: str
) -> pa.Check:
    extra = SEP.join(f"{k}={v}" for k, v in params.items())
    return pa.Check(fn, name=SEP.join(filter(None, [code, target, extra])))


def validate_answers(qn: Questionnaire, files: list[ReturnedFile], today: date) -> None:
    """Validate the answers of many files of one questionnaire; add issues to each file."""
    if not files:
        return
    names = list(qn.input_names)
    frame = pd.DataFrame(
        [[rf.answers.get(n) for n in names] for rf in files], columns=names, dtype=object
    )
    try:
        build_schema(qn, today).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        _map_failures(qn, files, exc.failure_cases)


def _map_failures(qn: Questionnaire, files: list[ReturnedFile], cases: pd.DataFrame) -> None:
    reported: set[tuple[int, str]] = set()  # (file, input name) already given an error
    ordered = (
        cases.rename(columns={"index": "row"})
        .assign(_cross=cases["column"].isna())
        .sort_values("_cross", kind="stable")
    )
    for case in ordered.itertuples(index=False):
        idx: Any = case.row
        if idx is None or (isinstance(idx, float) and math.isnan(idx)):
            continue
        row = int(idx)
        rf = files[row]
        check = str(case.check)
        if isinstance(case.column, str) and case.column:
            target, code, params = case.column, _COLUMN_CODES.get(check, check), {}
        else:
            code, target, *rest = check.split(SEP)
            params = dict(p.split("=", 1) for p in rest)
        if target not in rf.cells or (row, target) in reported:
            continue
        q, f = qn.input_names[target]
        sheet, cell = rf.cells[target]
        lang = rf.lang
        found = rf.raw.get(target)
        args: dict[str, Any] = {"question": question_ref(qn, q.id, f.key, lang), "found": found}
        if code == "not-in-list" and f.scale_id:
            args["allowed"] = ", ".join(qn.scales[f.scale_id].labels(lang))
        elif code == "required-missing":
            args["hint"] = " (choose from the dropdown)" if f.kind == SELECT else ""
        elif code == "implausible-date":
            args.update(
                found=rf.answers[target].isoformat(),
                low=EARLIEST_DATE.isoformat(),
                high=f"{date.today().year + 20}-12-31",
            )
        elif code == "text-too-long":
            limit = TEXT_LIMIT[LONGTEXT if f.kind == LONGTEXT else "text"]
            args.update(length=len(str(rf.answers[target])), limit=limit)
        elif code in ("incomplete-rating", "residual-without-mitigation", "done-without-evidence"):
            args["question"] = question_ref(qn, q.id, "", lang)
            args.update(params)
        rf.add(code, sheet, cell, **args)
        if code != "done-without-evidence":
            reported.add((row, target))


_COLUMN_CODES = {"not_nullable": "required-missing"}


def check_roster(files: list[ReturnedFile], roster: Roster) -> None:
    """Each file's unit and AI system must be on the roster, the system owned by the unit."""
    roster_name = roster.path.rsplit("/", 1)[-1]
    for rf in files:
        if not rf.questionnaire or rf.status == "skipped":
            continue
        if rf.unit_id and roster.unit(rf.unit_id) is None:
            rf.add("unknown-unit", unit=rf.unit_id, roster=roster_name)
        elif not rf.unit_id:
            rf.add("unknown-unit", unit=rf.unit_name or "(none)", roster=roster_name)
        if rf.system_id:
            system = roster.system(rf.system_id)
            if system is None:
                rf.add("unknown-system", system=rf.system_id, roster=roster_name)
            elif rf.unit_id and system.unit_id != rf.unit_id:
                rf.add("wrong-unit", system=rf.system_id, owner=system.unit_id, unit=rf.unit_id)


def duplicate_key(rf: ReturnedFile) -> tuple[str, str, str]:
    return (rf.questionnaire, rf.unit_id or rf.unit_name, rf.system_id)


def mark_duplicates(files: list[ReturnedFile]) -> dict[tuple[str, str, str], ReturnedFile]:
    """Group returns of the same questionnaire, unit and system; the latest saved one counts.

    Returns the file kept for each key; every member of a group gets a warning naming the
    others and the kept one.
    """
    groups: dict[tuple[str, str, str], list[ReturnedFile]] = defaultdict(list)
    for rf in files:
        if rf.questionnaire and not rf.rejected:
            groups[duplicate_key(rf)].append(rf)
    kept: dict[tuple[str, str, str], ReturnedFile] = {}
    for key, group in groups.items():
        latest = max(group, key=lambda r: (r.saved_at or pd.Timestamp.min.to_pydatetime(), r.name))
        kept[key] = latest
        if len(group) < 2:
            continue
        for rf in group:
            others = ", ".join(o.name for o in group if o is not rf)
            saved = latest.saved_at.isoformat(sep=" ") if latest.saved_at else "unknown time"
            rf.add(
                "duplicate-return",
                unit=rf.unit_id or rf.unit_name,
                system=f" / {rf.system_id}" if rf.system_id else "",
                questionnaire=rf.questionnaire,
                others=others,
                kept=f"{latest.name}, saved {saved}",
            )
    return kept
