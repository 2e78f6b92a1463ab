"""The trusted Python computation of every metric in rules.csv.

`workbook/formulas.py` renders the same rules as Excel formulas; a LibreOffice-backed test
proves that the two agree on random answer sets. Keep the two parallel, rule by rule:
`items.py` holds the per-item facts (the workbook's helper columns), `rules.py` the rules.

Answers are keyed by input name (`in_<question>[_<field>]`). Select answers are choice *codes*;
blanks are None. Categorical results are codes too (a level id, a band id, "yes"/"no",
"incomplete"); use `metric_label` to show them in a language, as the workbook does.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from ..model import Metric, Questionnaire
from .items import (
    ACCEPT_LEVEL,
    ACCEPT_MISSING,
    ACCEPT_ROLE,
    ACCEPTED,
    APPLY_CORE,
    APPLY_FULL,
    APPLY_SCREENED,
    CHECK_ATTENTION,
    DONE,
    IN_PLACE,
    INCOMPLETE,
    NO,
    NOT_APPLICABLE,
    NOT_DUE,
    RISK_ATTENTION,
    YES,
    Answers,
    Items,
)
from .rules import RULES, Value, band_of, level_of_rank, score

# The Attention codes of a checklist item, by the names other stages know them by.
ATTENTION_EVIDENCE, ATTENTION_OVERDUE = "evidence", "overdue"
APPLY_INCOMPLETE = INCOMPLETE

__all__ = [
    "ACCEPTED",
    "APPLY_CORE",
    "APPLY_FULL",
    "APPLY_INCOMPLETE",
    "APPLY_SCREENED",
    "ATTENTION_EVIDENCE",
    "ATTENTION_OVERDUE",
    "NO",
    "YES",
    "CATEGORICAL_RULES",
    "GENERIC_LABELS",
    "DONE",
    "IN_PLACE",
    "INCOMPLETE",
    "NOT_APPLICABLE",
    "NOT_DUE",
    "RULES",
    "Value",
    "band_of",
    "helper_values",
    "label_keys",
    "level_of_rank",
    "metric_label",
    "score",
    "usable_answers",
]

CATEGORICAL_RULES = {
    "band",
    "band_cap",
    "mostly_na",
    "risk_level",
    "highest_level",
    "risk_at_or_above",
    "applicability",
    "acceptance",
    "item_attention",
}
# Codes any result may take, and the settings.csv key of the words shown for each.
GENERIC_LABELS = {
    INCOMPLETE: "result_incomplete",
    NOT_APPLICABLE: "result_na",
    NOT_DUE: "result_not_due",
}
# Codes of one rule, and their settings keys.
RULE_LABELS: dict[str, dict[str, str]] = {
    "applicability": {
        APPLY_FULL: "applicability_full",
        APPLY_CORE: "applicability_core",
        APPLY_SCREENED: "applicability_screened",
        INCOMPLETE: "applicability_incomplete",
    },
    "risk_at_or_above": {YES: "yes", NO: "no"},
    "mostly_na": {YES: "yes", NO: "no"},
    "acceptance": {
        code: f"accept_{code}" for code in (ACCEPTED, ACCEPT_MISSING, ACCEPT_ROLE, ACCEPT_LEVEL)
    },
    "item_attention": {code: f"attention_{code}" for code in (*RISK_ATTENTION, *CHECK_ATTENTION)},
}
# What each rule can produce beyond content ids, for `content check`.
RULE_CODES: dict[str, tuple[str, ...]] = {
    "percent": (INCOMPLETE,),
    "band": (INCOMPLETE,),
    "highest_level": (INCOMPLETE, NOT_APPLICABLE),
    "risk_level": (NOT_APPLICABLE,),
    "risk_at_or_above": (YES, NO, INCOMPLETE),
    "applicability": (APPLY_FULL, APPLY_CORE, APPLY_SCREENED, INCOMPLETE),
    "acceptance": (ACCEPTED, ACCEPT_MISSING, ACCEPT_ROLE, ACCEPT_LEVEL, INCOMPLETE),
    "completion": (INCOMPLETE, NOT_DUE),
    "mostly_na": (YES, NO),
}


def label_key(rule: str, code: str) -> str:
    """The settings key of the words shown for a result code of a rule."""
    return RULE_LABELS.get(rule, {}).get(code) or GENERIC_LABELS.get(code, code)


def label_keys(qn: Questionnaire) -> dict[str, str]:
    """Every settings key the questionnaire's results may show, with the rule that needs it."""
    out: dict[str, str] = {}
    for rule in {r.rule for r in qn.rules}:
        codes = RULE_CODES.get(rule, ())
        if rule == "item_attention":
            kinds = {q.type for q in qn.scored_questions()}
            codes = (
                *(RISK_ATTENTION if "risk" in kinds else ()),
                *CHECK_ATTENTION * ("check" in kinds),
            )
        for code in codes:
            out.setdefault(label_key(rule, code), rule)
    return out


def metric_label(qn: Questionnaire, m: Metric, value: Value, lang: str) -> Value:
    """The value as the workbook shows it: codes become labels in `lang`, blanks become ""."""
    if value is None:
        return ""
    rule = m.rule.rule
    if isinstance(value, str) and (value in GENERIC_LABELS or value in RULE_LABELS.get(rule, {})):
        return qn.setting(label_key(rule, value), lang, value)
    if rule not in CATEGORICAL_RULES:
        return value
    if rule in ("band", "band_cap"):
        return next(b.label.get(lang) for b in qn.bands if b.id == value)
    if rule in ("risk_level", "highest_level"):
        return qn.levels_by_id[str(value)].label.get(lang)
    return qn.setting(label_key(rule, str(value)), lang, str(value))


@lru_cache(maxsize=32)  # asked for each file read and each file kept
def reads_the_date(qn: Questionnaire) -> bool:
    """Whether its scores depend on the day they are worked out (an action item is overdue
    after its due date)."""
    return any(q.type == "check" for q in qn.scored_questions())


def usable_answers(qn: Questionnaire, answers: Answers) -> dict[str, Any]:
    """Answers as the workbook's formulas see them: a value outside a dropdown's list counts
    as blank (MATCH finds nothing), as it does in the spreadsheet."""
    out: dict[str, Any] = {}
    for name, value in answers.items():
        f = qn.input_names[name][1]
        if f.scale_id and value is not None:
            scale = qn.scales[f.scale_id]
            allowed = scale.rated_codes if f.rated_only else {c.code for c in scale.choices}
            if value not in allowed:
                value = None
        out[name] = value
    return out


def helper_values(
    qn: Questionnaire, answers: Answers, today: date | None = None
) -> dict[tuple[str, str], Value]:
    """The values of the hidden helper cells, as the workbook computes them.

    The generator writes them as cached results so that a fresh workbook is consistent even
    before a spreadsheet application recalculates it.
    """
    items = Items(qn, answers, today or date.today())
    out: dict[tuple[str, str], Value] = {}
    for q in qn.scored_questions():
        pending = int(items.required_now(q) and not items.answered(q))
        out[(q.id, "pending")] = pending
        out[(q.id, "na")] = int(items.is_na(q))
        if q.type == "scale":
            pts = items.points(q)
            out[(q.id, "weighted")] = None if pts is None else pts * q.weight
            out[(q.id, "attainable")] = items.attainable(q)
            out[(q.id, "critical_low")] = int(items.critical_low(q))
        elif q.type == "risk":
            for which in ("inherent", "residual", "in_place"):
                out[(q.id, f"rank_{which}")] = items.rank(q, which)
        elif q.type == "check":
            out[(q.id, "stage_due")] = int(items.due(q))
            out[(q.id, "done")] = items.done(q) if items.due(q) else None
            out[(q.id, "overdue")] = int(items.overdue(q))
            out[(q.id, "no_evidence")] = int(items.no_evidence(q))
    return out
