"""Cross-table checks: each scoring rule has what it needs elsewhere in the content."""

from __future__ import annotations

from ..model import Questionnaire, Scale
from .tables import Table

NEEDS_LEVELS = {"risk_level", "level_count", "highest_level", "risk_at_or_above", "applicability"}
_NO_SCALE = Scale("", ())


def check_rules(qn: Questionnaire, rules_t: Table, scales_t: Table) -> None:
    metric_patterns = {r.metric for r in qn.rules}
    for i, rule in enumerate(qn.rules):
        if rule.rule in NEEDS_LEVELS and (not qn.levels or not qn.matrix):
            rules_t.problem(i, "rule", f'"{rule.rule}" needs levels.csv and matrix.csv.')
        if rule.rule == "band":
            if not qn.bands:
                rules_t.problem(i, "rule", '"band" needs bands.csv.')
            if rule.source not in metric_patterns:
                rules_t.problem(
                    i,
                    "source",
                    f'"{rule.source}" is not a metric_id in rules.csv; a '
                    "band reads the percent metric named here.",
                )
        if rule.rule in ("risk_level", "level_count", "highest_level") and rule.param not in (
            "inherent",
            "residual",
        ):
            rules_t.problem(i, "param", f'"{rule.param}" must be inherent or residual.')
        if rule.rule in ("risk_at_or_above", "applicability") and rule.param not in qn.levels_by_id:
            rules_t.problem(i, "param", f'"{rule.param}" must be a level id from levels.csv.')
        if rule.rule == "applicability":
            _check_applicability(qn, rules_t, i)
        if rule.rule == "status_count" and rule.param not in {
            c.code for c in qn.scales.get("status", _NO_SCALE).choices
        }:
            rules_t.problem(i, "param", f'"{rule.param}" is not a code of the status scale.')
    _check_fixed_scales(qn, scales_t)


def _check_applicability(qn: Questionnaire, rules_t: Table, i: int) -> None:
    for key in ("core_function", "other_effects"):
        if qn.setting(f"applicability_{key}") not in qn.questions_by_id:
            rules_t.problem(
                i,
                "rule",
                f'"applicability" needs the setting applicability_{key} naming a yes/no question.',
            )


def _check_fixed_scales(qn: Questionnaire, scales_t: Table) -> None:
    """Scales whose codes the rules rely on."""
    if "yes_no" in qn.scales:
        codes = {c.code for c in qn.scales["yes_no"].choices}
        if not {"yes", "no"} <= codes:
            scales_t.problem(None, "code", 'the scale "yes_no" needs the codes yes and no.')
    if "status" in qn.scales:
        codes = {c.code for c in qn.scales["status"].choices}
        if "done" not in codes:
            scales_t.problem(None, "code", 'the scale "status" needs the code done.')


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
