"""Cross-table checks: each scoring rule has what it needs elsewhere in the content (levels,
bands, the questions a setting names, the words a result shows), and the settings that become
input messages fit Excel's limits."""

from __future__ import annotations

import re

from .. import i18n
from ..model import Questionnaire, Scale
from ..scoring import GENERIC_LABELS, label_keys
from .tables import Table

NEEDS_LEVELS = {
    "risk_level",
    "level_count",
    "highest_level",
    "risk_at_or_above",
    "applicability",
    "acceptance",
}
_NO_SCALE = Scale("", ())
MESSAGE_LIMIT = 255  # Excel's limit for an input message
# Settings that name a question, with the scale that question must use ("" for any answer).
NAMED_QUESTIONS = {
    "applicability": {
        "applicability_core_function": "yes_no",
        "applicability_other_effects": "yes_no",
    },
    "acceptance": {
        "acceptance_by": "",
        "acceptance_role": "acceptance_role",
        "acceptance_date": "",
        "acceptance_level": "risk_level",
    },
    "completion": {},
}


def check_rules(qn: Questionnaire, rules_t: Table, scales_t: Table, settings_t: Table) -> None:
    metric_patterns = {r.metric for r in qn.rules}
    for i, rule in enumerate(qn.rules):
        if rule.rule in NEEDS_LEVELS and (not qn.levels or not qn.matrix):
            rules_t.problem(i, "rule", f'"{rule.rule}" needs levels.csv and matrix.csv.')
        if rule.rule in ("band", "band_cap"):
            _check_band(qn, rules_t, i, metric_patterns)
        if rule.rule in ("risk_level", "level_count", "highest_level") and rule.param not in (
            "inherent",
            "residual",
            "in_place",
        ):
            rules_t.problem(i, "param", f'"{rule.param}" must be inherent, residual or in_place.')
        levelled = rule.rule in ("risk_at_or_above", "applicability", "acceptance")
        if levelled and rule.param not in qn.levels_by_id:
            rules_t.problem(i, "param", f'"{rule.param}" must be a level id from levels.csv.')
        for key, scale in NAMED_QUESTIONS.get(rule.rule, {}).items():
            _check_named(qn, rules_t, i, rule.rule, key, scale)
        if rule.rule == "status_count" and rule.param not in {
            c.code for c in qn.scales.get("status", _NO_SCALE).choices
        }:
            rules_t.problem(i, "param", f'"{rule.param}" is not a code of the status scale.')
        _check_param(qn, rules_t, i)
    _check_fixed_scales(qn, scales_t)
    _check_settings(qn, settings_t)


def _check_band(qn: Questionnaire, rules_t: Table, i: int, patterns: set[str]) -> None:
    rule = qn.rules[i]
    if not qn.bands:
        rules_t.problem(i, "rule", f'"{rule.rule}" needs bands.csv.')
    if rule.source not in patterns:
        rules_t.problem(
            i,
            "source",
            f'"{rule.source}" is not a metric_id in rules.csv; a '
            "band reads the percent metric named here.",
        )
    capped = rule.rule == "band_cap" or rule.param == "capped"
    if capped and qn.setting("critical_cap") not in {b.id for b in qn.bands}:
        rules_t.problem(
            i,
            "param",
            "a capped band needs the setting critical_cap naming a band in bands.csv "
            "(the highest band while a critical statement scores low).",
        )


def _check_param(qn: Questionnaire, rules_t: Table, i: int) -> None:
    rule = qn.rules[i]
    if rule.rule == "mostly_na":
        try:
            ok = 0 <= float(rule.param) < 1
        except ValueError:
            ok = False
        if not ok:
            rules_t.problem(i, "param", f'"{rule.param}" must be a share from 0 to 1, e.g. 0.2.')
    if rule.rule == "choice_count":
        codes = {
            c.code
            for q in qn.scored_questions()
            if q.na_field and q.na_field.scale_id
            for c in qn.scales[q.na_field.scale_id].choices
        }
        if rule.param not in codes:
            rules_t.problem(i, "param", f'"{rule.param}" is not a choice of the items\' scale.')
    if rule.rule == "completion" and qn.setting("current_stage"):
        _check_named(qn, rules_t, i, rule.rule, "current_stage", "lifecycle")


def _check_named(
    qn: Questionnaire, rules_t: Table, i: int, rule: str, key: str, scale: str
) -> None:
    q = qn.questions_by_id.get(qn.setting(key))
    if q is None:
        rules_t.problem(i, "rule", f'"{rule}" needs the setting {key} naming a question.')
    elif scale and q.scale_id != scale:
        rules_t.problem(
            i,
            "rule",
            f'the question {q.id} named by the setting {key} must use the scale "{scale}".',
        )


def _check_settings(qn: Questionnaire, settings_t: Table) -> None:
    """The words every result may show, and messages within Excel's limits."""
    rows = {r.get("key", ""): i for i, r in enumerate(settings_t.rows)}
    for key, rule in sorted(label_keys(qn).items()):
        if not qn.setting(key):
            settings_t.problem(
                None, "key", f'needs a "{key}" row: the words "{rule}" results show.'
            )
    for key, text in qn.settings.items():
        if key.startswith("message_"):
            for lang, value in text.by_lang.items():
                if len(value) > MESSAGE_LIMIT:
                    settings_t.problem(
                        rows.get(key),
                        "value" if lang == "en" else f"value::{lang}",
                        f"is {len(value)} characters; an input message holds {MESSAGE_LIMIT}.",
                    )
    if qn.setting("applicability_general") and qn.setting("applicability_general") not in (
        qn.questions_by_id
    ):
        settings_t.problem(rows.get("applicability_general"), "value", "is not a question id.")
    reserved = set(GENERIC_LABELS)
    for lv in qn.levels:
        if lv.id in reserved:
            settings_t.problem(None, None, f'level id "{lv.id}" is reserved for results.')
    for b in qn.bands:
        if b.id in reserved:
            settings_t.problem(None, None, f'band id "{b.id}" is reserved for results.')


def _check_fixed_scales(qn: Questionnaire, scales_t: Table) -> None:
    """Scales whose codes the rules rely on."""
    needs = {"yes_no": {"yes", "no"}, "status": {"done"}, "mitigation_status": {"in_place"}}
    for scale_id, codes in needs.items():
        if scale_id in qn.scales and not codes <= qn.scales[scale_id].codes:
            scales_t.problem(
                None,
                "code",
                f'the scale "{scale_id}" needs the code(s) {", ".join(sorted(codes))}.',
            )


def readiness_target(qn: Questionnaire, section_id: str) -> str:
    """The agency's target band for a dimension (`target_<section>`, else `target`), or ""."""
    return qn.setting(f"target_{section_id}") or qn.setting("target")


def check_targets(qn: Questionnaire, settings_t: Table) -> None:
    """Readiness targets name a band, and a dimension's target a scored section."""
    bands = [b.id for b in qn.bands]
    sections = set(qn.scope_ids("each:section"))
    for i, r in enumerate(settings_t.rows):
        key, value = r.get("key", ""), r.get("value", "")
        if key != "target" and not key.startswith("target_"):
            continue
        section = key.removeprefix("target_") if key != "target" else ""
        if section and section not in sections:
            settings_t.problem(
                i,
                "key",
                f'"{section}" is not a scored section: use one of {", ".join(sorted(sections))}.',
            )
        if value not in bands:
            settings_t.problem(
                i,
                "value",
                f'"{value}" is not a band in bands.csv: use one of {", ".join(bands)}.'
                if bands
                else "targets need bands.csv.",
            )


# Excel's rules for a sheet name (at most 31 characters, none of []:*?/\\, no apostrophe at
# either end), with room left for the " 2026.2" a migrated workbook's Changes sheet may take.
SHEET_NAME = re.compile(r"^[^\[\]:*?/\\']([^\[\]:*?/\\]{0,28}[^\[\]:*?/\\'])?$")
HIDDEN_SHEETS = ("_lists", "_meta")
FIXED_SHEETS = ("sheet.instructions", "sheet.results", "sheet.changes")


def check_sheet_names(qn: Questionnaire, sections_t: Table) -> None:
    """Translated sheet names (`sheet::<lang>`) are valid Excel names, one per sheet: the
    sections of one sheet agree on it, and no two sheets (nor a fixed one) share it."""
    langs = sorted({lang for s in qn.sections for lang in s.sheet_label.by_lang})
    for lang in langs:
        column = f"sheet::{lang}"
        chosen: dict[str, str] = {}  # English sheet -> its name in lang
        taken = {i18n.text(k, lang).casefold(): k for k in FIXED_SHEETS}
        taken |= {h: h for h in HIDDEN_SHEETS}
        for i, s in enumerate(qn.sections):
            name = s.sheet_label.by_lang.get(lang, "")
            if not name:
                continue
            if not SHEET_NAME.match(name):
                sections_t.problem(
                    i,
                    column,
                    f'"{name}" cannot name a sheet: at most 30 characters, none of '
                    "[ ] : * ? / \\, no apostrophe at either end.",
                )
            elif chosen.setdefault(s.sheet, name) != name:
                sections_t.problem(
                    i,
                    column,
                    f'"{name}": the sheet {s.sheet} is already called "{chosen[s.sheet]}" '
                    "in this language; its sections must agree.",
                )
            elif taken.setdefault(name.casefold(), s.sheet) != s.sheet:
                sections_t.problem(
                    i,
                    column,
                    f'"{name}" is already the name of another sheet in this language.',
                )
