"""A coordinator validates what came back: clean returns pass, mistakes are named at their
cell with the fix, in the respondent's language, and nothing is lost."""

from __future__ import annotations

import hashlib
import random
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from rai_sheets import api
from rai_sheets.cli import cli
from rai_sheets.content.load import load_questionnaire
from rai_sheets.issues import render
from rai_sheets.model import DATE, SELECT, Unit
from rai_sheets.returns.returned import question_ref
from rai_sheets.simulate import Profile, answers_for
from rai_sheets.workbook.layout import ISSUES_SHEET, plan

from .factory import returned, unit_for


def issues_of(report, name: str | None = None) -> list[tuple[str, str, str]]:
    f = report.files[0] if name is None else next(f for f in report.files if f.name.endswith(name))
    return [(i.code, i.sheet, i.cell) for i in f.issues]


def lo_cells(qn, answers, lang="en"):
    cells = []
    for name, value in answers.items():
        _q, f = qn.input_names[name]
        if value is None:
            continue
        if f.kind == SELECT and f.scale_id:
            cells.append((name, "text", qn.scales[f.scale_id].by_code(value).label.get(lang)))
        elif f.kind == DATE:
            cells.append((name, "date", value.isoformat()))
        else:
            cells.append((name, "text", str(value)))
    return cells


def test_a_workbook_filled_and_saved_by_libreoffice_validates_clean_and_its_mistakes_are_found(
    tmp_path, libreoffice, questionnaires
):
    qn = questionnaires["readiness"]
    roster = tmp_path / "units.csv"
    roster.write_text("unit_id,unit_name\nU07,Digital Forensics\n", encoding="utf-8")
    files = api.generate(["readiness"], units=roster, out_dir=tmp_path / "sent")
    answers = answers_for(qn, random.Random(7), Profile(0.6, 0.5, 1.0))
    answers.pop("in_unit_name")  # pre-filled and locked by the generator

    libreoffice.load(files[0].path)
    libreoffice.set(lo_cells(qn, answers))
    libreoffice.recalc()
    clean = tmp_path / "returned" / "clean.xlsx"
    clean.parent.mkdir()
    libreoffice.save(clean)
    # the usual mistakes: a paste past the dropdown, a cleared answer, a typed-over formula
    libreoffice.set(
        [
            ("in_lead_01", "text", "Probable"),
            ("in_gov_02", "blank", None),
            ("out_answered", "number", 99),
        ]
    )
    libreoffice.recalc()
    broken = tmp_path / "returned" / "broken.xlsx"
    libreoffice.save(broken)
    libreoffice.close_doc()

    report = api.validate([clean, broken], units=roster, jobs=1)

    assert issues_of(report, "clean.xlsx") == []
    assert report.files[0].status == "accepted"
    p = plan(qn)
    cell = {n: p.inputs[n].a1 for n in ("in_lead_01", "in_gov_02")}
    assert issues_of(report, "broken.xlsx") == [
        ("not-in-list", "Assessment", cell["in_lead_01"]),
        ("required-missing", "Assessment", cell["in_gov_02"]),
        ("formula-overwritten", "Results", p.outputs["answered"].a1),
    ]
    broken_issues = report.files[1].issues
    assert broken_issues[0].message == render(
        "not-in-list",
        found="Probable",
        question=question_ref(qn, "lead_01"),
        allowed=", ".join(qn.scales["maturity"].labels()),
    )
    assert broken_issues[1].message == render(
        "required-missing", question=question_ref(qn, "gov_02"), hint=" (choose from the dropdown)"
    )


def test_values_are_read_the_way_a_forgiving_human_would(tmp_path, questionnaires):
    qn = questionnaires["risk"]
    answers = answers_for(qn, random.Random(2), Profile(0.5, 0.9, 1.0))
    forgiving = {
        "in_legit_1_likelihood": "  almost CERTAIN ",  # case and spaces
        "in_legit_1_impact": qn.scales["impact"].by_code("severe").label.get("fr"),  # French
        "in_assessed_on": "31/10/2026",  # a date typed as text
        "in_app_core": "yes",  # the code
    }
    path = returned(tmp_path, qn, answers=answers, **forgiving)
    report = api.validate([path], jobs=1)
    f = report.files[0]
    assert [i.code for i in f.issues if i.severity == "error"] == []
    assert f.answers["in_legit_1_likelihood"] == "almost_certain"
    assert f.answers["in_legit_1_impact"] == "severe"
    assert f.answers["in_assessed_on"] == date(2026, 10, 31)
    assert f.scores["legit_1_inherent"] == "extreme"


def test_cross_field_rules_name_the_cell_to_fix(tmp_path, questionnaires):
    risk, action = questionnaires["risk"], questionnaires["action"]
    r = returned(
        tmp_path,
        risk,
        seed=3,
        in_legit_2_impact=None,
        in_necess_1_mitigation=None,
        in_necess_1_residual_likelihood="rare",
        in_necess_1_residual_impact="minor",
        in_propor_1_residual_likelihood="rare",
        in_propor_1_residual_impact=None,
        in_propor_1_mitigation="Limit retention to 30 days",
    )
    a = returned(
        tmp_path,
        action,
        seed=3,
        in_plan_1_status="done",
        in_plan_1_evidence=None,
        in_plan_2_due=date(1926, 5, 1),
    )
    report = api.validate([r, a], jobs=1)
    pr, pa_ = plan(risk), plan(action)
    assert sorted(issues_of(report, r.name)) == sorted(
        [
            ("required-missing", "Risks", pr.inputs["in_legit_2_impact"].a1),
            ("residual-without-mitigation", "Risks", pr.inputs["in_necess_1_mitigation"].a1),
            ("incomplete-rating", "Risks", pr.inputs["in_propor_1_residual_impact"].a1),
        ]
    )
    found = issues_of(report, a.name)
    assert ("done-without-evidence", "Checklist", pa_.inputs["in_plan_1_evidence"].a1) in found
    assert ("implausible-date", "Checklist", pa_.inputs["in_plan_2_due"].a1) in found
    assert report.files[1].status == "rejected"


def test_messages_use_the_respondents_language(tmp_path, questionnaires):
    qn = questionnaires["readiness"]
    path = returned(
        tmp_path, qn, Unit("U02", "Police routière", language="fr"), in_data_01="Souvent"
    )
    # the generator writes the language given in the spec; make a French workbook
    from rai_sheets.workbook.generator import WorkbookSpec, write_workbook

    answers = answers_for(qn, random.Random(1))
    answers["in_data_01"] = "Souvent"
    with path.open("wb") as fh:
        write_workbook(
            WorkbookSpec(qn, Unit("U02", "Police routière"), lang="fr", answers=answers), fh
        )
    f = api.validate([path], jobs=1).files[0]
    issue = next(i for i in f.issues if i.code == "not-in-list")
    said = render("not-in-list", "fr", found="Souvent", question="Q", allowed="A")
    assert issue.message.startswith(said.split("Q")[0])  # « Souvent » n'est pas un choix...
    assert "n'est pas un choix" in said
    two = next(c for c in qn.scales["maturity"].choices if c.points == 2)
    assert two.label.get("fr") in issue.message and two.label.get("fr") != two.label.get("en")


def test_an_old_template_and_edited_question_texts_are_flagged(
    tmp_path, content_dir, questionnaires
):
    old_content = tmp_path / "old_content"
    shutil.copytree(content_dir, old_content)
    (old_content / "risk" / "question_map.csv").unlink()  # no map from this year in last year's
    settings = old_content / "risk" / "settings.csv"
    current = questionnaires["risk"].version
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(f"version,{current},", "version,2025.2,"),
        encoding="utf-8",
    )
    old = returned(tmp_path, load_questionnaire("risk", old_content), name="last_year.xlsx")
    edited = returned(tmp_path, questionnaires["risk"], name="edited.xlsx")
    wb = openpyxl.load_workbook(edited)
    label = plan(questionnaires["risk"]).label_cells["privacy_1"]
    wb["Risks"][label.a1] = "The system keeps some data."
    wb.save(edited)

    report = api.validate([old, edited], jobs=1)
    old_f, edited_f = report.files
    assert [(i.code, i.message) for i in old_f.issues] == [
        ("old-template", render("old-template", found="2025.2", expected=current))
    ]
    assert ("question-text-edited", "Risks", label.a1) in issues_of(report, "edited.xlsx")
    assert edited_f.status == "accepted-with-warnings"


def test_with_a_roster_strangers_and_wrong_units_are_rejected_and_duplicates_named(
    tmp_path, questionnaires
):
    roster = tmp_path / "units.csv"
    roster.write_text(
        "unit_id,unit_name,system_id,system_name\n"
        "U01,Cyber,S01,Face search\nU02,Traffic,S02,ANPR\n",
        encoding="utf-8",
    )
    risk = questionnaires["risk"]
    ok = returned(
        tmp_path,
        risk,
        Unit("U01", "Cyber", system_id="S01", system_name="Face"),
        name="first.xlsx",
        saved_at=datetime(2026, 11, 1, 9, 0),
    )
    again = returned(
        tmp_path,
        risk,
        Unit("U01", "Cyber", system_id="S01", system_name="Face"),
        seed=2,
        name="second.xlsx",
        saved_at=datetime(2026, 11, 3, 9, 0),
    )
    stranger = returned(
        tmp_path,
        risk,
        Unit("U99", "Other force", system_id="S99", system_name="X"),
        name="stranger.xlsx",
    )
    misfiled = returned(
        tmp_path,
        risk,
        Unit("U01", "Cyber", system_id="S02", system_name="ANPR"),
        name="misfiled.xlsx",
    )
    report = api.validate([ok, again, stranger, misfiled], units=roster, jobs=1)
    by_name = {f.name.rsplit("/", 1)[-1]: f for f in report.files}
    assert [i.code for i in by_name["stranger.xlsx"].issues] == ["unknown-unit", "unknown-system"]
    assert [i.code for i in by_name["misfiled.xlsx"].issues] == ["wrong-unit"]
    dup = [i for i in by_name["first.xlsx"].issues if i.code == "duplicate-return"]
    assert len(dup) == 1 and "second.xlsx" in dup[0].message
    assert "The one saved last counts (" in dup[0].message
    assert dup[0].message.endswith("second.xlsx, saved 2026-11-03 09:00:00).")
    assert report.kept[("risk", "U01", "S01")].name.endswith("second.xlsx")


def test_report_and_feedback_workbooks_leave_the_original_untouched(tmp_path, questionnaires):
    qn = questionnaires["action"]
    path = returned(tmp_path, qn, in_plan_1_status="Finished", in_plan_2_owner='=HYPERLINK("x")')
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    report_path, fb = tmp_path / "issues.xlsx", tmp_path / "feedback"
    result = CliRunner().invoke(
        cli, ["validate", str(path), "--report", str(report_path), "--feedback", str(fb)]
    )
    assert result.exit_code == 1, result.output
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before

    rows = list(openpyxl.load_workbook(report_path)["Issues"].iter_rows(values_only=True))
    first = dict(zip(rows[0], rows[1], strict=True))
    cell = plan(qn).inputs["in_plan_1_status"].a1
    assert (first["Code"], first["Sheet"], first["Cell"]) == ("not-in-list", "Checklist", cell)
    assert (first["File"], first["Status"], first["Severity"]) == (path.name, "Rejected", "Error")

    copy = openpyxl.load_workbook(fb / f"{path.stem}_feedback.xlsx")
    assert copy.sheetnames[0] == ISSUES_SHEET
    assert "Finished" in copy["Checklist"][cell].comment.text
    assert copy["Checklist"][cell].fill.fgColor.rgb.endswith("F4CCCC")
    owner = copy["Checklist"][plan(qn).inputs["in_plan_2_owner"].a1]
    assert owner.value == '=HYPERLINK("x")' and owner.data_type == "s"


def test_console_table_shows_status_per_file_then_the_issues(tmp_path, questionnaires):
    good = returned(tmp_path, questionnaires["readiness"], name="good.xlsx")
    bad = returned(
        tmp_path,
        questionnaires["readiness"],
        unit_for("readiness", 2),
        name="bad.xlsx",
        in_lead_02="maybe",
    )
    result = CliRunner().invoke(cli, ["validate", str(good), str(bad)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["FILE", "STATUS", "QUESTIONNAIRE"]
    assert "accepted" in lines[1] and "rejected" in lines[2]
    assert any(line.startswith("error [") and "bad.xlsx] Assessment!" in line for line in lines)
    assert lines[-1].startswith("1 accepted, 0 accepted with warnings, 1 rejected")


def test_a_blank_workbook_sent_back_unanswered_is_rejected_for_every_required_answer(
    tmp_path, questionnaires
):
    qn = questionnaires["readiness"]
    files = api.generate(["readiness"], units=_roster(tmp_path), out_dir=tmp_path / "sent")
    report = api.validate([files[0].path], jobs=1)
    f = report.files[0]
    assert f.status == "rejected"
    missing = {i.cell for i in f.issues if i.code == "required-missing"}
    required = {
        plan(qn).inputs[q.input_name(fl)].a1
        for q in qn.questions
        for fl in q.fields
        if fl.required and not q.prefill
    }
    assert missing == required


def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "units.csv"
    path.write_text("unit_id,unit_name\nU01,Cyber\n", encoding="utf-8")
    return path


def test_a_respondent_fixes_the_feedback_copy_and_it_is_accepted(tmp_path, questionnaires):
    qn = questionnaires["readiness"]
    bad = returned(tmp_path, qn, in_lead_03="Often")
    fb = tmp_path / "feedback"
    assert CliRunner().invoke(cli, ["validate", str(bad), "--feedback", str(fb)]).exit_code == 1
    copy = fb / f"{bad.stem}_feedback.xlsx"
    wb = openpyxl.load_workbook(copy)
    rows = list(wb[ISSUES_SHEET].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "What to do")
    _what, sheet, cell, _question, _message = rows[header + 1][:5]
    wb[sheet][cell] = "3 - Established"  # the unit corrects the marked cell and saves
    wb.save(copy)
    result = CliRunner().invoke(cli, ["validate", str(copy)])
    assert result.exit_code == 0, result.output
    assert "1 accepted" in result.output


def test_an_implausible_date_message_states_the_bound_the_check_uses(tmp_path, questionnaires):
    from datetime import timedelta

    from rai_sheets.returns.validation import latest_date

    today = date.today()
    too_late = latest_date(today) + timedelta(days=1)
    path = returned(tmp_path, questionnaires["action"], in_plan_1_due=too_late)
    issue = next(
        i
        for i in api.validate([path], jobs=1, today=today).files[0].issues
        if i.code == "implausible-date"
    )
    assert f"to {latest_date(today).isoformat()}." in issue.message
