"""What a unit head sees while answering, tried in LibreOffice and read back from the files:
how many required answers are still missing, what still needs an answer, text questions laid
out for text, guidance that fits Excel's limits, nothing cut off, no misleading zeros."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from rai_sheets.model import Unit
from rai_sheets.workbook.generator import WorkbookSpec, write_workbook
from rai_sheets.workbook.layout import HEADER_ROW, INSTRUCTIONS, NOTE_ROW, PROGRESS_ROW, plan


def workbook(tmp_path: Path, qn, lang: str = "en", unit: Unit | None = None) -> Path:
    path = tmp_path / f"{qn.id}_{lang}.xlsx"
    with path.open("wb") as fh:
        write_workbook(WorkbookSpec(qn, unit, lang=lang), fh)
    return path


def progress_cell(sheet: str) -> tuple[str, str]:
    return (sheet, f"A{PROGRESS_ROW + 1}")


def test_each_sheet_counts_the_required_answers_still_missing_as_the_respondent_answers(
    tmp_path, libreoffice, questionnaires
):
    qn = questionnaires["readiness"]
    statements = qn.scored_questions()
    libreoffice.load(workbook(tmp_path, qn))
    say = qn.setting("progress")
    expected = say.format(answered=0, total=len(statements))
    assert libreoffice.text([progress_cell("Assessment")]) == [expected]
    libreoffice.set([(q.input_name(q.fields[0]), "text", "2 - Developing") for q in statements[:3]])
    libreoffice.recalc()
    assert libreoffice.text([progress_cell("Assessment")]) == [
        say.format(answered=3, total=len(statements))
    ]
    libreoffice.set([(q.input_name(q.fields[0]), "text", "Not applicable") for q in statements])
    libreoffice.recalc()
    done = qn.setting("progress_done").format(total=len(statements))
    assert libreoffice.text([progress_cell("Assessment")]) == [done]
    libreoffice.close_doc()


def test_a_text_answer_counts_towards_its_sheets_progress(tmp_path, libreoffice, questionnaires):
    """A sheet of text questions (the risk assessment's context) counts each one answered:
    spaces alone do not count, and the count never shows an error."""
    qn = questionnaires["risk"]
    p = plan(qn)
    sheet = next(
        sp
        for sp in p.sheets
        if any(
            kind == "question"
            and qn.questions_by_id[i].required
            and qn.questions_by_id[i].type == "text"
            for kind, i in sp.rows
        )
    )
    texts = [
        qn.questions_by_id[i]
        for kind, i in sheet.rows
        if kind == "question" and qn.questions_by_id[i].type == "text"
    ]
    required = [q for q in texts if q.required]
    libreoffice.load(workbook(tmp_path, qn))
    before = libreoffice.text([progress_cell(sheet.name)])[0]
    assert "#" not in before and "Err" not in before
    libreoffice.set([(required[0].input_name(required[0].fields[0]), "text", "Triage")])
    libreoffice.set([(required[1].input_name(required[1].fields[0]), "text", "   ")])
    libreoffice.recalc()
    after = libreoffice.text([progress_cell(sheet.name)])[0]
    numbers = [int(n) for n in re.findall(r"[0-9]+", before)]
    assert [int(n) for n in re.findall(r"[0-9]+", after)] == [numbers[0] + 1, *numbers[1:]]
    libreoffice.close_doc()


def test_the_risks_sheet_says_no_rating_is_needed_once_the_screening_says_general_purpose(
    tmp_path, libreoffice, questionnaires
):
    qn = questionnaires["risk"]
    libreoffice.load(workbook(tmp_path, qn))
    libreoffice.set(
        [
            ("in_app_general", "text", "Yes"),
            ("in_app_core", "text", "No"),
            ("in_app_other", "text", "No"),
        ]
    )
    libreoffice.recalc()
    assert libreoffice.text([progress_cell("Risks")]) == [qn.setting("progress_none")]
    libreoffice.close_doc()


def test_required_blanks_and_half_ratings_are_shaded_once_the_sheet_is_started(
    tmp_path, questionnaires
):
    qn = questionnaires["risk"]
    wb = openpyxl.load_workbook(workbook(tmp_path, qn))
    p = plan(qn)
    rules: dict[str, list[str]] = {}
    for cf in wb["Risks"].conditional_formatting:
        for rule in cf.rules:
            if rule.type == "expression":
                rules.setdefault(str(cf.sqref), []).extend(rule.formula)
    item = qn.scored_questions()[0]
    started = p.sheets[2].name  # the Risks sheet counts its own answers
    assert started == "Risks"
    for key in (
        "likelihood",
        "impact",
        "note",
        "mitigation",
        "residual_likelihood",
        "residual_impact",
    ):
        cell = p.inputs[item.input_name(item.field(key))].a1
        assert cell in rules, f"{key} ({cell}) is never shaded"
    likelihood = rules[p.inputs[item.input_name(item.field("likelihood"))].a1][0]
    assert "$R$3>0" in likelihood  # only once the respondent has started the sheet


def test_text_questions_have_a_layout_of_their_own(tmp_path, questionnaires):
    for qid, sheet in (("risk", "Context"), ("risk", "Applicability"), ("action", "System")):
        ws = openpyxl.load_workbook(workbook(tmp_path, questionnaires[qid]))[sheet]
        header = [c.value for c in ws[HEADER_ROW + 1] if c.value]
        assert header == ["Ref", "Question", "Answer", "Guidance"], (qid, sheet)
        assert ws.column_dimensions["C"].width >= 60  # a wide answer column
    ws = openpyxl.load_workbook(workbook(tmp_path, questionnaires["readiness"]))["About"]
    assert [c.value for c in ws[HEADER_ROW + 1] if c.value] == [
        "Ref",
        "Question",
        "Answer",
        "Guidance",
    ]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_input_message_fits_excel_and_says_what_the_scale_means(
    tmp_path, questionnaires, lang
):
    for qid, qn in questionnaires.items():
        wb = openpyxl.load_workbook(workbook(tmp_path, qn, lang))
        for ws in wb:
            for dv in ws.data_validations.dataValidation:
                assert len(dv.promptTitle or "") <= 32, (qid, ws.title, dv.promptTitle)
                assert len(dv.prompt or "") <= 255, (qid, ws.title, dv.sqref)
    p = plan(questionnaires["risk"])
    ws = openpyxl.load_workbook(workbook(tmp_path, questionnaires["risk"]))["Risks"]
    prompts = {str(dv.sqref): dv.prompt for dv in ws.data_validations.dataValidation}
    assert "12 months" in prompts[p.inputs["in_legit_1_likelihood"].a1]
    p = plan(questionnaires["readiness"])
    ws = openpyxl.load_workbook(workbook(tmp_path, questionnaires["readiness"]))["Assessment"]
    prompts = {str(dv.sqref): dv.prompt for dv in ws.data_validations.dataValidation}
    answer = prompts[p.inputs["in_lead_01"].a1]
    assert all(f"{n} " in answer for n in range(5))  # the maturity levels 0 to 4


def test_the_risks_sheet_keeps_the_risk_in_view_with_a_legend_above_the_header(
    tmp_path, questionnaires
):
    qn = questionnaires["risk"]
    ws = openpyxl.load_workbook(workbook(tmp_path, qn))["Risks"]
    assert ws.freeze_panes == f"C{HEADER_ROW + 2}"
    assert ws[f"A{NOTE_ROW + 1}"].value == qn.setting("legend_risk")


def test_long_names_are_not_cut_in_the_footer(tmp_path, questionnaires):
    unit = Unit(
        "U01",
        "Serious and Organised Crime Directorate, Economic Crime",
        system_id="S1",
        system_name="Financial transaction anomaly detection platform",
    )
    ws = openpyxl.load_workbook(workbook(tmp_path, questionnaires["risk"], unit=unit))["Risks"]
    footer = ws.oddFooter.left.text
    assert unit.unit_name in footer and unit.system_name in footer


def test_an_unanswered_workbook_chart_labels_no_zeros(tmp_path, questionnaires):
    for qn in questionnaires.values():
        with zipfile.ZipFile(workbook(tmp_path, qn)) as zf:
            charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
            assert charts
            for name in charts:
                xml = zf.read(name).decode()
                assert 'formatCode="0%;-0%;;"' in xml or 'formatCode="0;-0;;"' in xml, name


def test_the_instructions_define_the_levels_inherent_risk_and_who_may_accept(
    tmp_path, questionnaires
):
    def text(qid: str) -> str:
        ws = openpyxl.load_workbook(workbook(tmp_path, questionnaires[qid]))[INSTRUCTIONS]
        return " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)

    readiness, risk = text("readiness"), text("risk")
    for choice in questionnaires["readiness"].scales["maturity"].choices:
        assert choice.label.get() in readiness and choice.description.get() in readiness
    assert questionnaires["risk"].setting("definitions") in risk
    for role in questionnaires["risk"].scales["acceptance_role"].choices:
        assert role.label.get() in risk
    assert all("Select a cell" in text(q) for q in ("readiness", "risk", "action"))


def test_a_long_conclusion_has_room_on_the_results_sheet(tmp_path, questionnaires):
    qn = questionnaires["risk"]
    ws = openpyxl.load_workbook(workbook(tmp_path, qn))["Results"]
    cell = plan(qn).outputs["applicability"]
    merged = [r for r in ws.merged_cells.ranges if cell.a1 in r]
    assert merged and merged[0].max_col - merged[0].min_col >= 3
    assert ws[cell.a1].alignment.wrap_text


def test_personalised_footers_match_direct_ones_for_long_names(questionnaires):
    from rai_sheets.workbook.personalise import PersonalisedWriter

    qn = questionnaires["risk"]
    unit = Unit("U9", "A" * 70 + " & Co", system_id="S9", system_name="B" * 95)
    spec = WorkbookSpec(qn, None, "R1", "en")
    fast = openpyxl.load_workbook(
        io.BytesIO(PersonalisedWriter(spec, with_system=True).render(unit))
    )
    direct = io.BytesIO()
    write_workbook(WorkbookSpec(qn, unit, "R1", "en", generated_at=spec.generated_at), direct)
    slow = openpyxl.load_workbook(io.BytesIO(direct.getvalue()))
    assert fast["Risks"].oddFooter.left.text == slow["Risks"].oddFooter.left.text
    assert "A" * 70 in fast["Risks"].oddFooter.left.text
