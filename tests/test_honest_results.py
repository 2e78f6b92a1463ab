"""What a reviewer from a police AI-governance office tried, and what the results now say.

Each scenario of issue 9's "Why" is built as a real returned workbook and followed through
every place a result shows: the workbook recalculated by LibreOffice, `validate`, scores.csv
and the leadership summary. The answer to each is the honest one: a blank residual is not a
lower risk, "not applicable" needs a reason and never counts as low, a partial assessment says
Incomplete, a critical gap caps the band, and a system in planning is not behind on the stages
it has not reached.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from rai_sheets import api
from rai_sheets.issues import render
from rai_sheets.model import Question, Questionnaire
from rai_sheets.returns.returned import question_ref
from rai_sheets.simulate import Profile, answers_for
from rai_sheets.workbook.layout import plan

from .factory import returned


# ---- building the reviewer's workbooks ---------------------------------------------------------
def items(qn: Questionnaire) -> list[Question]:
    return qn.scored_questions()


def name(q: Question, key: str = "") -> str:
    return q.input_name(q.field(key))


def risk_answers(qn: Questionnaire, lik: str = "likely", imp: str = "severe") -> dict[str, Any]:
    """A team's risk assessment: the system described, the full toolkit applies, every risk
    rated `lik` x `imp`, nothing mitigated, no acceptance recorded."""
    base = answers_for(qn, random.Random(1), Profile(0.5, 0.9, 1.0))
    scored = {name(q, f.key) for q in items(qn) for f in q.fields}
    acceptance = {f"in_{qn.setting(f'acceptance_{k}')}" for k in ("by", "role", "date", "level")}
    out = {k: v for k, v in base.items() if k not in scored | acceptance}
    for q in items(qn):
        out[name(q, "likelihood")], out[name(q, "impact")] = lik, imp
    return out | {"in_app_general": "no", "in_app_core": "yes", "in_app_other": "yes"}


def mitigated(q: Question, lik: str, imp: str, status: str = "in_place") -> dict[str, Any]:
    return {
        name(q, "mitigation"): "Human review of every output before any action",
        name(q, "mitigation_status"): status,
        name(q, "residual_likelihood"): lik,
        name(q, "residual_impact"): imp,
    }


def accepted(qn: Questionnaire, role: str, level: str) -> dict[str, Any]:
    parts = {"by": "Chief Constable M. Reyes", "role": role, "date": date(2026, 11, 2)}
    out = {f"in_{qn.setting(f'acceptance_{k}')}": v for k, v in parts.items()}
    return out | {f"in_{qn.setting('acceptance_level')}": level}


def recalculated(libreoffice, path: Path, names: list[str]) -> dict[str, Any]:
    """The results as a real spreadsheet application computes them from the file."""
    libreoffice.load(path)
    libreoffice.recalc()
    values = dict(zip(names, libreoffice.get(names), strict=True))
    libreoffice.close_doc()
    return values


def scores_csv(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "scores.csv").open(encoding="utf-8") as fh:
        return {row["metric_id"]: row for row in csv.DictReader(fh)}


def summary_rows(path: Path, sheet: str, header_first: str, nth: int = 0) -> list[dict[str, Any]]:
    """The rows of the `nth` table on a summary sheet whose header starts with `header_first`."""
    rows = list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))
    at = [i for i, r in enumerate(rows) if r and r[0] == header_first][nth]
    header = rows[at]
    out = []
    for r in rows[at + 1 :]:
        if not r or r[0] is None:
            break
        out.append({k: v for k, v in zip(header, r, strict=False) if k})
    return out


def issues_of(report, path: Path) -> list[tuple[str, str, str]]:
    f = next(f for f in report.files if f.name.endswith(path.name))
    return [(i.code, i.sheet, i.cell) for i in f.issues]


# ---- risk --------------------------------------------------------------------------------------
def test_a_blank_residual_is_the_inherent_level_in_the_workbook_validate_scores_and_summary(
    tmp_path, libreoffice, questionnaires
):
    """Every risk Likely x Severe, one mitigated to Rare x Minor, the rest with no residual:
    the highest residual is Extremely high, not Low."""
    qn = questionnaires["risk"]
    first = items(qn)[0]
    answers = risk_answers(qn) | mitigated(first, "rare", "minor")
    answers |= accepted(qn, "chief_officer", "extreme")
    path = returned(tmp_path, qn, answers=answers, name="register.xlsx")

    shown = recalculated(
        libreoffice,
        path,
        ["out_highest_residual", f"out_{first.id}_residual", "out_residual_extreme", "out_reduced"],
    )
    assert shown == {
        "out_highest_residual": "Extremely high",
        f"out_{first.id}_residual": "Low",
        "out_residual_extreme": len(items(qn)) - 1,
        "out_reduced": 1,
    }

    result = api.consolidate([path], output=tmp_path / "summary.xlsx", data_dir=tmp_path / "data")
    f = result.report.files[0]
    assert f.status == "accepted", f.issues
    assert f.scores["highest_residual"] == "extreme"
    assert scores_csv(tmp_path / "data")["highest_residual"]["label"] == "Extremely high"
    (row,) = summary_rows(tmp_path / "summary.xlsx", "Risk register", "AI system")
    assert row["Highest residual"] == "Extremely high"


def test_a_residual_above_its_inherent_level_is_a_warning_at_the_residual_cell(
    tmp_path, libreoffice, questionnaires
):
    qn = questionnaires["risk"]
    q = items(qn)[3]
    answers = risk_answers(qn, "rare", "minor") | mitigated(q, "almost_certain", "severe")
    answers |= accepted(qn, "chief_officer", "extreme")
    path = returned(tmp_path, qn, answers=answers, name="worse.xlsx")

    shown = recalculated(libreoffice, path, [f"out_{q.id}_attention", f"out_{q.id}_residual"])
    assert shown == {
        f"out_{q.id}_attention": qn.setting("attention_above"),
        f"out_{q.id}_residual": "Extremely high",
    }
    report = api.validate([path], jobs=1)
    cell = plan(qn).inputs[name(q, "residual_likelihood")].a1
    assert issues_of(report, path) == [("residual-above-inherent", "Risks", cell)]
    assert report.files[0].issues[0].message == render(
        "residual-above-inherent",
        question=question_ref(qn, q.id),
        residual="Extremely high",
        inherent="Low",
    )


def test_a_high_residual_needs_an_acceptance_by_a_role_allowed_to_accept_it(
    tmp_path, libreoffice, questionnaires
):
    qn = questionnaires["risk"]
    p = plan(qn)
    cell = {k: p.inputs[f"in_{qn.setting(f'acceptance_{k}')}"].a1 for k in ("by", "role", "level")}
    nobody = returned(tmp_path, qn, answers=risk_answers(qn), name="nobody.xlsx")
    owner = returned(
        tmp_path,
        qn,
        answers=risk_answers(qn) | accepted(qn, "system_owner", "extreme"),
        name="owner.xlsx",
    )
    too_low = returned(
        tmp_path,
        qn,
        answers=risk_answers(qn) | accepted(qn, "chief_officer", "high"),
        name="level.xlsx",
    )
    chief = returned(
        tmp_path,
        qn,
        answers=risk_answers(qn) | accepted(qn, "chief_officer", "extreme"),
        name="chief.xlsx",
    )
    report = api.validate([nobody, owner, too_low, chief], jobs=1)
    assert issues_of(report, nobody) == [("acceptance-missing", "Acceptance", cell["by"])]
    assert issues_of(report, owner) == [("acceptance-missing", "Acceptance", cell["role"])]
    assert issues_of(report, too_low) == [("acceptance-missing", "Acceptance", cell["level"])]
    assert issues_of(report, chief) == []
    message = next(f for f in report.files if f.name.endswith("owner.xlsx")).issues[0].message
    assert message == render(
        "acceptance-missing",
        level="Extremely high",
        problem=qn.setting("accept_role_too_low"),
        record="Acceptance",
    )
    # live in the workbook: the Results line and the Attention column say so
    first = items(qn)[0]
    shown = recalculated(libreoffice, owner, ["out_acceptance", f"out_{first.id}_attention"])
    assert shown == {
        "out_acceptance": qn.setting("accept_role_too_low"),
        f"out_{first.id}_attention": qn.setting("attention_acceptance"),
    }


def test_a_risk_that_cannot_arise_is_not_applicable_with_a_reason_and_never_counts_as_low(
    tmp_path, libreoffice, questionnaires
):
    """Covert monitoring cannot arise for a transcription tool: it is marked N/A, not rated
    Rare x Minor, and is counted apart."""
    qn = questionnaires["risk"]
    covert = qn.questions_by_id["privacy_3"]
    base = risk_answers(qn, "rare", "minor") | {name(covert, "likelihood"): "na"}
    base[name(covert, "impact")] = None
    with_reason = returned(
        tmp_path,
        qn,
        answers=base | {name(covert, "note"): "Runs only on recorded interviews."},
        name="reason.xlsx",
    )
    without = returned(tmp_path, qn, answers=base, name="no_reason.xlsx")

    metrics = ["out_rated", "out_na", "out_inherent_low", f"out_{covert.id}_inherent"]
    shown = recalculated(libreoffice, with_reason, metrics)
    total = len(items(qn))
    assert shown == {
        "out_rated": total - 1,
        "out_na": 1,
        "out_inherent_low": total - 1,
        f"out_{covert.id}_inherent": qn.setting("result_na"),
    }
    report = api.validate([with_reason, without], jobs=1)
    assert issues_of(report, with_reason) == []
    note = plan(qn).inputs[name(covert, "note")].a1
    assert issues_of(report, without) == [("na-without-reason", "Risks", note)]


def test_a_partial_risk_assessment_says_incomplete_never_a_lower_level(
    tmp_path, libreoffice, questionnaires
):
    qn = questionnaires["risk"]
    answers = risk_answers(qn, "rare", "minor")
    half = items(qn)[5]
    answers[name(half, "impact")] = None  # a likelihood without its impact
    path = returned(tmp_path, qn, answers=answers, name="partial.xlsx")
    names = ["out_highest_inherent", "out_highest_residual", "out_applicability"]
    shown = recalculated(libreoffice, path, [*names, f"out_{half.id}_attention"])
    assert shown == {
        "out_highest_inherent": qn.setting("result_incomplete"),
        "out_highest_residual": qn.setting("result_incomplete"),
        "out_applicability": qn.setting("applicability_full"),  # app_core says Yes already
        f"out_{half.id}_attention": qn.setting("attention_impact"),
    }
    report = api.validate([path], jobs=1)
    assert ("required-missing", "Risks", plan(qn).inputs[name(half, "impact")].a1) in issues_of(
        report, path
    )


def test_a_general_purpose_tool_stops_at_the_applicability_screening(
    tmp_path, libreoffice, questionnaires
):
    """A spam filter used as any office uses it: the full toolkit is not required, the risks
    need not be rated, and the file is accepted without them."""
    qn = questionnaires["risk"]
    answers = {
        k: v
        for k, v in risk_answers(qn).items()
        if not any(k.startswith(f"in_{q.id}_") for q in items(qn))
    }
    answers |= {"in_app_general": "yes", "in_app_core": "no", "in_app_other": "no"}
    path = returned(tmp_path, qn, answers=answers, name="spam_filter.xlsx")
    shown = recalculated(libreoffice, path, ["out_applicability", "out_highest_inherent"])
    assert shown == {
        "out_applicability": qn.setting("applicability_screened"),
        "out_highest_inherent": "",
    }
    report = api.validate([path], jobs=1)
    assert issues_of(report, path) == []
    assert report.files[0].scores["applicability"] == "screened"


# ---- readiness ---------------------------------------------------------------------------------
def readiness_answers(qn: Questionnaire, level: str) -> dict[str, Any]:
    base = answers_for(qn, random.Random(2), Profile(0.6, 0.5, 1.0))
    out = {k: v for k, v in base.items() if not k.endswith("_comment")}
    for q in items(qn):
        out[name(q)] = level
    return out


def test_not_applicable_everywhere_needs_reasons_and_is_flagged_in_results_and_summary(
    tmp_path, libreoffice, questionnaires
):
    """All statements N/A but one "4 - Advanced": without reasons the return is rejected at
    each reason cell; with them, every dimension is flagged as mostly not applicable."""
    qn = questionnaires["readiness"]
    answers = readiness_answers(qn, "na")
    lone = items(qn)[0]
    answers[name(lone)] = "advanced"
    bare = returned(tmp_path, qn, answers=answers, name="bare.xlsx")
    reasons = {name(q, "comment"): "This unit buys no AI" for q in items(qn)[1:]}
    reasoned = returned(tmp_path, qn, answers=answers | reasons, name="reasoned.xlsx")

    report = api.validate([bare, reasoned], jobs=1)
    p = plan(qn)
    errors = [i for i in issues_of(report, bare) if i[0] == "na-without-reason"]
    assert errors == [
        ("na-without-reason", "Assessment", p.inputs[name(q, "comment")].a1) for q in items(qn)[1:]
    ]
    sections = qn.scope_ids("each:section")
    flags = [i for i in issues_of(report, reasoned) if i[0] == "mostly-not-applicable"]
    assert [cell for _c, _s, cell in flags] == [p.outputs[f"{s}_mostly_na"].a1 for s in sections]

    shown = recalculated(libreoffice, reasoned, [f"out_{s}_mostly_na" for s in sections])
    assert set(shown.values()) == {qn.setting("yes")}
    out = tmp_path / "summary.xlsx"
    api.consolidate([reasoned], output=out)
    (unit,) = summary_rows(out, "Readiness", "Unit")
    assert unit["N/A"] == len(items(qn)) - 1
    labels = [qn.scope_label("each:section", sid) for sid in sections]
    assert summary_rows(out, "Readiness", "Unit", nth=1) == [
        {"Unit": "Unit 1", "Dimensions": ", ".join(labels)}
    ]


def test_all_established_is_not_the_top_band_and_no_band_shares_a_level_name(
    tmp_path, libreoffice, questionnaires
):
    qn = questionnaires["readiness"]
    path = returned(tmp_path, qn, answers=readiness_answers(qn, "established"), name="three.xlsx")
    shown = recalculated(libreoffice, path, ["out_overall_percent", "out_overall_band"])
    top = qn.bands[-1].label.get()
    assert shown["out_overall_percent"] == 0.75
    assert shown["out_overall_band"] != top
    levels = {c.label.get().split(" - ")[-1] for c in qn.scales["maturity"].choices}
    assert not levels & {b.label.get() for b in qn.bands}


def test_a_critical_statement_at_zero_caps_the_band_an_average_would_hide(
    tmp_path, libreoffice, questionnaires
):
    """Everything advanced except the legal basis for the task, never started: the average
    is high, the band is held down, and the Results sheet says so."""
    qn = questionnaires["readiness"]
    answers = readiness_answers(qn, "advanced") | {"in_legal_01": "not_started"}
    path = returned(tmp_path, qn, answers=answers, name="capped.xlsx")
    cap = next(b for b in qn.bands if b.id == qn.setting("critical_cap")).label.get()
    shown = recalculated(
        libreoffice,
        path,
        ["out_overall_percent", "out_overall_band", "out_band_cap", "out_critical_low"],
    )
    assert shown["out_overall_percent"] > 0.9
    assert (shown["out_overall_band"], shown["out_band_cap"], shown["out_critical_low"]) == (
        cap,
        cap,
        1,
    )
    report = api.validate([path], jobs=1)
    assert report.files[0].scores["overall_band"] == qn.setting("critical_cap")
    assert report.files[0].status == "accepted"


def test_a_critical_statement_cannot_be_waived_by_marking_it_not_applicable(
    tmp_path, libreoffice, questionnaires
):
    """Everything advanced, and the legal basis for the task declared not applicable (with a
    reason): what a critical statement asks for is not shown to be in place, so the band is
    held down just as if it scored 0."""
    qn = questionnaires["readiness"]
    reason = {"in_legal_01_comment": "Our unit only uses tools bought by headquarters"}
    answers = readiness_answers(qn, "advanced") | {"in_legal_01": "na"} | reason
    path = returned(tmp_path, qn, answers=answers, name="waived.xlsx")
    cap = next(b for b in qn.bands if b.id == qn.setting("critical_cap")).label.get()
    shown = recalculated(libreoffice, path, ["out_overall_band", "out_critical_low"])
    assert shown == {"out_overall_band": cap, "out_critical_low": 1}
    report = api.validate([path], jobs=1)
    assert report.files[0].scores["overall_band"] == qn.setting("critical_cap")


def test_dont_know_scores_zero_and_is_counted(tmp_path, libreoffice, questionnaires):
    qn = questionnaires["readiness"]
    answers = readiness_answers(qn, "established") | {"in_lead_01": "dont_know"}
    path = returned(tmp_path, qn, answers=answers, name="dk.xlsx")
    shown = recalculated(
        libreoffice, path, ["out_dont_know", "out_lead_01_points", "out_lead_dont_know"]
    )
    assert shown == {"out_dont_know": 1, "out_lead_01_points": 0, "out_lead_dont_know": 1}


# ---- action ------------------------------------------------------------------------------------
def test_a_system_in_planning_is_complete_for_what_is_due_and_later_stages_are_not_yet_due(
    tmp_path, libreoffice, questionnaires
):
    qn = questionnaires["action"]
    base = answers_for(qn, random.Random(3), Profile(0.5, 0.5, 1.0, stage="planning"))
    answers = {
        k: v for k, v in base.items() if not any(k.startswith(f"in_{q.id}_") for q in items(qn))
    }
    for q in qn.scored_questions("each:section", "planning"):
        answers |= {name(q, "status"): "done", name(q, "evidence"): "DOC-2026/001"}
    path = returned(tmp_path, qn, answers=answers, name="planning.xlsx")
    shown = recalculated(
        libreoffice, path, ["out_completion", "out_planning_completion", "out_design_completion"]
    )
    assert shown == {
        "out_completion": 1.0,
        "out_planning_completion": 1.0,
        "out_design_completion": qn.setting("result_not_due"),
    }
    result = api.consolidate([path], output=tmp_path / "summary.xlsx", data_dir=tmp_path / "data")
    assert result.report.files[0].status == "accepted", result.report.files[0].issues
    scores = scores_csv(tmp_path / "data")
    assert scores["completion"]["value"] == "1.0"
    assert scores["design_completion"]["label"] == qn.setting("result_not_due")
