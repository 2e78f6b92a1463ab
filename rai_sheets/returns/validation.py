"""pandera schemas built from the content, and the checks that need all files at once.

The schema of a questionnaire has one column per `in_` name (a row per returned file):
allowed values, required answers, types and ranges, and cross-field rules (a likelihood needs
an impact; a residual rating needs a mitigation; "done" needs evidence). Validation is lazy and
every failure is mapped back to the file's own sheet and cell.

The checks across files live here too: who a blank workbook is (from its answers, and the
roster when there is one), the roster, and duplicates.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import pandas as pd
import pandera.pandas as pa

from .. import i18n
from ..model import DATE, FREE_KINDS, INTEGER, NUMBER, SELECT, Question, Questionnaire
from ..roster import Roster
from ..workbook.layout import text_limit
from .packed import Packed
from .returned import ReturnedFile, field_word, question_ref

EARLIEST_DATE = date(2000, 1, 1)


def latest_date(today: date) -> date:
    """The last plausible date in an answer (a due date twenty years ahead at most)."""
    return today + timedelta(days=365 * 20)


def _is_date(v: Any) -> bool:
    return isinstance(v, date)


def _is_number(v: Any) -> bool:
    return isinstance(v, float) and math.isfinite(v)


def _blank(s: pd.Series) -> pd.Series:
    # normalise() turns empty and whitespace-only answers into None
    return s.isna()


@dataclass(frozen=True)
class CrossFieldRule:
    """A rule over several answers of one item, evaluated as a derived boolean column."""

    key: str  # the derived column's name
    code: str  # issue code
    target: str  # the input the issue points at
    passes: Callable[[pd.DataFrame], pd.Series]
    params: tuple[tuple[str, str], ...] = ()


@lru_cache(maxsize=16)
def build_schema(qn: Questionnaire, today: date) -> pa.DataFrameSchema:
    """One column per input: allowed values, required answers, types and ranges."""
    latest = latest_date(today)
    columns: dict[str, pa.Column] = {}
    for name, (_q, f) in qn.input_names.items():
        checks: list[pa.Check] = []
        if f.kind == SELECT and f.scale_id:
            scale = qn.scales[f.scale_id]
            codes = list(scale.rated_codes if f.rated_only else scale.codes)
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
            limit = text_limit(f.kind)
            checks.append(
                pa.Check(lambda s, n=limit: s.map(lambda v: len(str(v)) <= n), name="text-too-long")
            )
        nullable = not f.required or name in _conditional(qn)
        columns[name] = pa.Column(None, checks, nullable=nullable, required=True)
    return pa.DataFrameSchema(columns, coerce=False)


@lru_cache(maxsize=16)
def cross_field_rules(qn: Questionnaire) -> tuple[CrossFieldRule, ...]:
    return tuple(
        r
        for q in qn.questions
        for r in (*_required_when(qn, q), *_rules_of(qn, q), *_needs_reason(qn, q))
    )


# Answers required only in some cases: a risk item unless the applicability screening takes
# the risks out (and its impact unless the risk is "not applicable"); a checklist status only
# for the stages up to the current one.
Condition = Callable[[pd.DataFrame], pd.Series]


@lru_cache(maxsize=16)
def _conditional(qn: Questionnaire) -> dict[str, Condition]:
    """Input name -> when it is required, for answers required only in some cases."""
    out: dict[str, Condition] = {}
    for q in qn.scored_questions():
        if not q.required:
            continue
        if q.type == "risk":
            lik, imp = (q.input_name(q.field(k)) for k in ("likelihood", "impact"))
            na = list(qn.scales[q.field("likelihood").scale_id or ""].na_codes)
            rated = _rated_wanted(qn)
            out[lik] = rated
            out[imp] = _and_rated(rated, lik, na)
        elif q.type == "check" and qn.setting("current_stage") and q.section_id in qn.stage_order:
            out[q.input_name(q.field("status"))] = _due(qn, qn.stage_order.index(q.section_id))
    return out


def _and_rated(rated: Condition, lik: str, na: list[str]) -> Condition:
    """An impact is wanted where the risks are rated and this one is not "not applicable"."""
    return lambda df: rated(df) & ~df[lik].isin(na)


def _given_when(when: Condition, name: str) -> Condition:
    return lambda df: ~when(df) | ~_blank(df[name])


def _rated_wanted(qn: Questionnaire) -> Condition:
    """Rows where the risks must be rated: all, unless the screening found a general-purpose
    tool outside core functions with no other effect on rights."""
    keys = ("applicability_general", "applicability_core_function", "applicability_other_effects")
    names = [qn.field_names.get((qn.setting(k), ""), "") for k in keys]
    if not all(names):
        return lambda df: pd.Series(True, index=df.index)
    general, core, other = names
    return lambda df: ~((df[general] == "yes") & (df[core] == "no") & (df[other] == "no"))


def _due(qn: Questionnaire, stage: int) -> Condition:
    current = qn.field_names[(qn.setting("current_stage"), "")]
    order = {code: i for i, code in enumerate(qn.stage_order)}
    return lambda df: df[current].map(lambda v: order.get(v, -1) >= stage).astype(bool)


def _required_when(qn: Questionnaire, q: Question) -> list[CrossFieldRule]:
    rules = []
    for f in q.fields:
        name = q.input_name(f)
        when = _conditional(qn).get(name)
        if when is not None:
            rules.append(
                CrossFieldRule(
                    f"{name}:required",
                    "required-missing",
                    name,
                    _given_when(when, name),
                )
            )
    return rules


def _needs_reason(qn: Questionnaire, q: Question) -> list[CrossFieldRule]:
    """A "not applicable" answer needs its reason (readiness comment, risk note, action notes)."""
    f, reason = q.na_field, q.reason_field
    if f is None or reason is None or not f.scale_id or not qn.scales[f.scale_id].na_codes:
        return []
    answer, why = q.input_name(f), q.input_name(reason)
    na = list(qn.scales[f.scale_id].na_codes)
    return [
        CrossFieldRule(
            f"{why}:reason",
            "na-without-reason",
            why,
            lambda df: ~df[answer].isin(na) | ~_blank(df[why]),
        )
    ]


@lru_cache(maxsize=16)
def build_cross_field_schema(qn: Questionnaire) -> pa.DataFrameSchema:
    """One boolean column per cross-field rule: it must hold on every row."""
    return pa.DataFrameSchema(
        {r.key: pa.Column(bool, pa.Check(lambda s: s, name=r.code)) for r in cross_field_rules(qn)}
    )


def _needs(given: str, other: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows pass when `given` is blank or `other` is filled."""
    return lambda df: _blank(df[given]) | ~_blank(df[other])


def _unless_na(rule: Condition, lik: str, na: tuple[str, ...]) -> Condition:
    return lambda df: rule(df) | df[lik].isin(list(na))


def _residual_needs_mitigation(lik: str, imp: str, mit: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda df: (_blank(df[lik]) & _blank(df[imp])) | ~_blank(df[mit])


def _done_needs_evidence(status: str, evidence: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda df: (df[status] != "done") | ~_blank(df[evidence])


def _rules_of(qn: Questionnaire, q: Question) -> list[CrossFieldRule]:
    def name(key: str) -> str:
        return q.input_name(q.field(key))

    rules: list[CrossFieldRule] = []
    if q.type == "risk":
        for prefix in ("", "residual_"):
            lik, imp = name(prefix + "likelihood"), name(prefix + "impact")
            for given, missing, g, m in (
                (lik, imp, "likelihood", "impact"),
                (imp, lik, "impact", "likelihood"),
            ):
                needs = _needs(given, missing)
                if not prefix and given == lik:  # "not applicable" needs no impact
                    na = qn.scales[q.field("likelihood").scale_id or ""].na_codes
                    needs = _unless_na(needs, lik, na)
                rules.append(
                    CrossFieldRule(
                        f"{missing}:needs",
                        "incomplete-rating",
                        missing,
                        needs,
                        (("given", prefix + g), ("missing", prefix + m)),
                    )
                )
        mit = name("mitigation")
        rules.append(
            CrossFieldRule(
                f"{mit}:residual",
                "residual-without-mitigation",
                mit,
                _residual_needs_mitigation(
                    name("residual_likelihood"), name("residual_impact"), mit
                ),
            )
        )
    elif q.type == "check":
        ev = name("evidence")
        rules.append(
            CrossFieldRule(
                f"{ev}:done", "done-without-evidence", ev, _done_needs_evidence(name("status"), ev)
            )
        )
    return rules


def validate_answers(qn: Questionnaire, files: list[ReturnedFile], today: date) -> None:
    """Validate the answers of many files of one questionnaire; add issues to each file."""
    if not files:
        return
    names = tuple(qn.input_names)
    frame = pd.DataFrame([_row(rf, names) for rf in files], columns=list(names), dtype=object)
    cases = []
    try:
        build_schema(qn, today).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases.append(exc.failure_cases)
    rules = cross_field_rules(qn)
    if rules:
        derived = pd.DataFrame({r.key: r.passes(frame).astype(bool) for r in rules})
        try:
            build_cross_field_schema(qn).validate(derived, lazy=True)
        except pa.errors.SchemaErrors as exc:
            cases.append(exc.failure_cases)
    if cases:
        _map_failures(qn, files, pd.concat(cases, ignore_index=True), today)


def _row(rf: ReturnedFile, names: tuple[str, ...]) -> list[Any]:
    answers = rf.answers
    return answers.row(names) if isinstance(answers, Packed) else [answers.get(n) for n in names]


def _map_failures(
    qn: Questionnaire, files: list[ReturnedFile], cases: pd.DataFrame, today: date
) -> None:
    rules = {r.key: r for r in cross_field_rules(qn)}
    reported: set[tuple[int, str]] = set()  # (file, input name) already given an error
    for row, rf in enumerate(files):  # a formula in an answer cell is its one error
        formulas = {(i.sheet, i.cell) for i in rf.issues if i.code == "formula-in-answer"}
        reported |= {(row, n) for n, at in rf.cells.items() if at in formulas}
    # Column checks first, so that a missing answer is not also reported as half a rating.
    ordered = (
        cases.rename(columns={"index": "row"})
        .assign(cross=cases["column"].isin(list(rules)))
        .sort_values("cross", kind="stable")
    )
    for case in ordered.itertuples(index=False):
        idx: Any = case.row
        if idx is None or (isinstance(idx, float) and math.isnan(idx)):
            continue
        row = int(idx)
        rf = files[row]
        if case.cross:
            rule = rules[str(case.column)]
            code, target, params = rule.code, rule.target, dict(rule.params)
        else:
            check = str(case.check)
            target, code, params = str(case.column), _COLUMN_CODES.get(check, check), {}
        if target not in rf.cells or (row, target) in reported:
            continue
        q, f = qn.input_names[target]
        sheet, cell = rf.cells[target]
        lang = rf.lang
        found = rf.raw.get(target, rf.answers.get(target))  # typed where it differs
        args: dict[str, Any] = {"question": question_ref(qn, q.id, f.key, lang), "found": found}
        if code == "not-in-list" and f.scale_id:
            args["allowed"] = i18n.joined(qn.scales[f.scale_id].labels(lang), lang)
        elif code == "required-missing":
            args["hint"] = i18n.text("issue.hint_dropdown", lang) if f.kind == SELECT else ""
        elif code == "implausible-date":
            args.update(
                found=rf.answers[target].isoformat(),
                low=EARLIEST_DATE.isoformat(),
                high=latest_date(today).isoformat(),
            )
        elif code == "text-too-long":
            limit = text_limit(f.kind)
            args.update(length=len(str(rf.answers[target])), limit=limit)
        elif code in (
            "incomplete-rating",
            "residual-without-mitigation",
            "done-without-evidence",
            "na-without-reason",
        ):
            args["question"] = question_ref(qn, q.id, "", lang)
            args.update({k: field_word(qn, q.type, v, lang) for k, v in params.items()})
        rf.add(code, sheet, cell, **args)
        if code != "done-without-evidence":
            reported.add((row, target))


_COLUMN_CODES = {"not_nullable": "required-missing"}


def name_key(name: str) -> str:
    """A unit or system name as compared: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


def identify_blank_returns(files: list[ReturnedFile], roster: Roster | None) -> None:
    """A blank workbook is who its answers say: the unit (and AI system) named there, found
    on the roster by name when there is one; without a roster, a warning says so."""
    units = {name_key(u.unit_name): u for u in roster.units} if roster else {}
    systems = {name_key(s.system_name): s for s in roster.systems} if roster else {}
    for rf in files:
        if not rf.blank or not rf.questionnaire or rf.status == "skipped":
            continue
        given = {column: answer for column, (_, answer) in rf.identity_answers.items()}
        rf.unit_id = rf.unit_id or given.get("unit_id", "")
        rf.unit_name = rf.unit_name or given.get("unit_name", "")
        rf.system_id = rf.system_id or given.get("system_id", "")
        rf.system_name = rf.system_name or given.get("system_name", "")
        if roster is not None:  # the roster's names, once matched; check_roster reports the rest
            system = systems.get(name_key(rf.system_name)) if rf.system_name else None
            if system is not None and not rf.system_id:
                rf.system_id, rf.system_name = system.system_id, system.system_name
            unit = units.get(name_key(rf.unit_name)) if rf.unit_name else None
            if unit is not None and not rf.unit_id:
                rf.unit_id, rf.unit_name = unit.unit_id, unit.unit_name
            if not rf.unit_id and system is not None:
                rf.unit_id, rf.unit_name = system.unit_id, system.unit_name
            continue
        found = [
            i18n.text(
                "issue.identity_answer",
                rf.lang,
                label=i18n.text(f"issue.identity.{column}", rf.lang),
                answer=answer,
                question=qid,
            )
            for column, (qid, answer) in rf.identity_answers.items()
            if answer
        ]
        if found:
            rf.add("unit-not-identified", found=", ".join(found))


def check_roster(files: list[ReturnedFile], roster: Roster) -> None:
    """Each file's unit and AI system must be on the roster, the system owned by the unit."""
    roster_name = roster.path.rsplit("/", 1)[-1]
    for rf in files:
        if not rf.questionnaire or rf.status == "skipped":
            continue
        if rf.unit_id and roster.unit(rf.unit_id) is None:
            rf.add("unknown-unit", unit=rf.unit_id, roster=roster_name)
        elif not rf.unit_id:
            rf.add("unknown-unit", unit=rf.unit_name or "word.none", roster=roster_name)
        if rf.system_id:
            system = roster.system(rf.system_id)
            if system is None:
                rf.add("unknown-system", system=rf.system_id, roster=roster_name)
            elif rf.unit_id and system.unit_id != rf.unit_id:
                rf.add("wrong-unit", system=rf.system_id, owner=system.unit_id, unit=rf.unit_id)
        elif rf.blank and rf.system_name:
            rf.add("unknown-system", system=rf.system_name, roster=roster_name)


def duplicate_key(rf: ReturnedFile) -> tuple[str, str, str]:
    """Returns with one key answer for the same thing: the same unit (and the same AI system,
    for a questionnaire answered per system). A return that says neither is its own key."""
    unit = rf.unit_id or name_key(rf.unit_name)
    system = rf.system_id or name_key(rf.system_name)
    per_system = bool(system) or any(c.startswith("system") for c in rf.identity_answers)
    if not unit and not system or (per_system and not system):
        return (rf.questionnaire, "", f"(unidentified) {rf.name}")
    return (rf.questionnaire, unit, system)


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
        latest = max(group, key=lambda r: (r.saved_at or datetime.min, r.name))
        kept[key] = latest
        if len(group) < 2:
            continue
        for rf in group:
            others = ", ".join(o.name for o in group if o is not rf)
            saved = (
                latest.saved_at.isoformat(sep=" ")
                if latest.saved_at
                else i18n.text("issue.unknown_time", rf.lang)
            )
            system = rf.system_id or rf.system_name
            rf.add(
                "duplicate-return",
                unit=rf.unit_id or rf.unit_name,
                system=f" / {system}" if system else "",
                questionnaire=rf.questionnaire,
                others=others,
                kept=latest.name,
                saved=saved,
            )
    return kept
