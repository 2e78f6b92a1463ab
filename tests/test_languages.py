"""INTERPOL's four languages: a unit answers in its own (sheet names, messages, alerts, emails),
an Arabic workbook reads right to left, a coordinator is told what a language still lacks, and
a round in four languages consolidates into one summary with the same scores as in English.

These tests run on a stand-in translation of the content (tests/translations.py), so that they
test the mechanics whatever the state of the real translations; the last ones ("Done when"),
on the real content, pass once the translations are applied.
"""

from __future__ import annotations

import ast
import csv
import random
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from rai_sheets import api, i18n
from rai_sheets.cli import cli
from rai_sheets.content.languages import translation_gaps
from rai_sheets.content.load import default_content_dir, load_questionnaire
from rai_sheets.issues import CATALOGUE, render
from rai_sheets.model import Unit
from rai_sheets.returns.normalise import to_date, to_number
from rai_sheets.returns.returned import field_word, question_ref
from rai_sheets.simulate import Profile, answers_for
from rai_sheets.workbook.generator import WorkbookSpec, write_workbook
from rai_sheets.workbook.layout import (
    INSTRUCTIONS,
    LISTS,
    META,
    RESULTS,
    fixed_sheet,
    plan,
)

from .visible import english_left

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("en", "fr", "es", "ar")
UNITS = {
    lang: Unit(f"U-{lang.upper()}", f"Unit {lang}", "", lang, f"S-{lang.upper()}", "Radar")
    for lang in LANGS
}


def copy_of(content: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(content, tmp_path / "content"))


def edit_csv(path: Path, row_id: str, column: str, value: str, key: str = "") -> int:
    """Set one cell of a content table (the row whose `key` column, by default the first,
    holds `row_id`); returns its line number."""
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    header = list(rows[0])
    if column not in header:
        header.append(column)
    line = next(i for i, r in enumerate(rows, start=2) if r[key or header[0]] == row_id)
    rows[line - 2][column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows({h: r.get(h) or "" for h in header} for r in rows)
    return line


# --- what the content still lacks ---------------------------------------------------------


def test_content_check_names_the_cell_a_translation_is_missing_from(translated_content, tmp_path):
    content = copy_of(translated_content, tmp_path)
    assert CliRunner().invoke(cli, ["content", "check", str(content)]).exit_code == 0
    line = edit_csv(content / "risk" / "questions.csv", "legit_1", "label::es", "")
    (content / "email" / "reminder.ar.txt").unlink()

    result = CliRunner().invoke(cli, ["content", "check", str(content)])
    assert result.exit_code == 1
    assert f"risk/questions.csv, line {line}, column label::es: has no es text" in result.output
    assert "email/reminder.ar.txt: is missing" in result.output
    assert "2 problem(s)" in result.output  # nothing else: ids and numbers need no translation


def test_one_translated_cell_declares_a_language_that_must_then_be_complete(tmp_path):
    content = copy_of(default_content_dir(), tmp_path)
    principles = content / "principles.csv"
    edit_csv(principles, "legitimacy", "label::de", "Rechtmäßigkeit", key="principle_id")
    result = CliRunner().invoke(cli, ["content", "check", str(content)])
    assert result.exit_code == 1
    assert "principles.csv, line 3, column label::de" in result.output  # the next principle
    assert "email/invitation.de.txt: is missing" in result.output
    # settings that are identifiers or numbers are not text
    for qid, key in (
        ("readiness", "version"),
        ("readiness", "critical_below"),
        ("readiness", "target"),
        ("risk", "applicability_general"),
        ("action", "current_stage"),
    ):
        line = _settings_line(content, qid, key)
        assert line and f"{qid}/settings.csv, line {line}, column value::de" not in result.output


def _settings_line(content: Path, qid: str, key: str) -> int:
    rows = list(csv.DictReader((content / qid / "settings.csv").open(encoding="utf-8")))
    return next((i for i, r in enumerate(rows, start=2) if r["key"] == key), 0)


def test_an_incomplete_language_is_refused_with_what_it_lacks_unless_english_may_stand_in(
    translated_content, tmp_path
):
    content = copy_of(translated_content, tmp_path)
    line = edit_csv(content / "risk" / "questions.csv", "legit_1", "guidance::es", "")
    out = tmp_path / "out"
    args = ["generate", "risk", "--lang", "es", "--content", str(content), "-o", str(out)]

    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1
    assert f"risk/questions.csv, line {line}, column guidance::es" in refused.output
    assert "--allow-fallback" in refused.output and not out.exists()

    gaps = translation_gaps(content, "es", ["risk"]).count  # and any of rai-sheets' own
    allowed = CliRunner().invoke(cli, [*args, "--allow-fallback"])
    assert allowed.exit_code == 0, allowed.output
    assert f"es: {gaps} string(s) have no es text and are shown in English" in allowed.output
    assert (out / "risk_blank.xlsx").exists()


def test_a_round_is_not_started_while_a_units_language_lacks_an_email(translated_content, tmp_path):
    content = copy_of(translated_content, tmp_path)
    (content / "email" / "invitation.ar.txt").unlink()
    roster = tmp_path / "units.csv"
    roster.write_text("unit_id,unit_name,email,language\nU1,Unit,u1@x.example,ar\n", "utf-8")
    rounds = tmp_path / "rounds"
    args = ["distribute", "readiness", "--units", str(roster), "--round", "R1"]
    args += ["--rounds-dir", str(rounds), "--content", str(content), "--from", "c@x.example"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "email/invitation.ar.txt: is missing" in result.output
    assert not (rounds / "R1").exists()


# --- a round in four languages ------------------------------------------------------------


def filled(qn, lang: str, unit: Unit, folder: Path, answers) -> Path:  # type: ignore[no-untyped-def]
    """A unit's return: its workbook in its language, the answers chosen from its dropdowns."""
    path = folder / f"{qn.id}_{unit.unit_id}.xlsx"
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_workbook(WorkbookSpec(qn, unit, "R1", lang, answers=answers), fh)
    return path


def test_a_round_in_four_languages_consolidates_into_one_summary_with_the_same_scores(
    translated_content, tmp_path
):
    roster = tmp_path / "units.csv"
    roster.write_text(
        "unit_id,unit_name,email,language,system_id,system_name\n"
        + "".join(
            f"{u.unit_id},{u.unit_name},,{u.language},{u.system_id},Radar\n" for u in UNITS.values()
        ),
        encoding="utf-8",
    )
    sent = api.generate(
        units=roster,
        round_id="R1",
        out_dir=tmp_path / "sent",
        content_dir=translated_content,
        allow_fallback=True,  # rai-sheets' own Spanish and Arabic, while they are written
    )
    for f in sent:  # each unit's workbooks are in its own language, sheet names included
        wb = openpyxl.load_workbook(f.path)
        lang = f.unit_id.split("-")[1].lower()
        meta = {r[0]: r[1] for r in wb[META].iter_rows(values_only=True)}
        assert meta["language"] == lang == f.language
        qn = load_questionnaire(f.questionnaire, translated_content)
        assert wb.sheetnames[0] == fixed_sheet(INSTRUCTIONS, lang)
        assert [s.name for s in plan(qn, lang).sheets] == wb.sheetnames[1:-3]
        assert wb.sheetnames[-3:] == [fixed_sheet(RESULTS, lang), LISTS, META]

    returns = tmp_path / "returns"
    for qid in ("readiness", "risk", "action"):
        qn = load_questionnaire(qid, translated_content)
        answers = answers_for(qn, random.Random(5), Profile(0.6, 0.6, 1.0))
        for lang, unit in UNITS.items():
            filled(qn, lang, unit, returns, answers)

    data = tmp_path / "data"
    result = api.consolidate(
        [returns],
        units=roster,
        round_id="R1",
        output=tmp_path / "summary.xlsx",
        data_dir=data,
        content_dir=translated_content,
        jobs=1,
    )
    assert result.report.summary()["accepted"] == 12, [
        (f.name, [i.message for i in f.issues]) for f in result.report.files if f.issues
    ]
    assert result.summary.exists()
    scores: dict[tuple[str, str], dict[str, str]] = {}
    with (data / "scores.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            lang = row["unit_id"].split("-")[1].lower()
            scores.setdefault((row["questionnaire"], lang), {})[row["metric_id"]] = row["value"]
    for qid in ("readiness", "risk", "action"):
        english = scores[(qid, "en")]
        assert english
        for lang in LANGS[1:]:
            assert scores[(qid, lang)] == english, (qid, lang)

    # the chief may read it in Arabic: right to left, every sheet
    arabic = api.consolidate(
        [returns],
        units=roster,
        round_id="R1",
        output=tmp_path / "summary_ar.xlsx",
        content_dir=translated_content,
        jobs=1,
        lang="ar",
    )
    summary = openpyxl.load_workbook(arabic.summary)
    assert summary.sheetnames[0] == i18n.text("sheet.overview", "ar")
    assert all(ws.sheet_view.rightToLeft for ws in summary.worksheets)


def test_each_issue_speaks_the_language_of_its_workbook_on_the_console_in_json_and_feedback(
    translated_content, tmp_path
):
    qn = load_questionnaire("risk", translated_content)
    answers = answers_for(qn, random.Random(3), Profile(0.5, 0.5, 1.0))
    q = next(q for q in qn.scored_questions() if q.type == "risk")
    answers.pop(q.input_name(q.field("likelihood")))
    answers.pop(q.input_name(q.field("impact")))
    answers.pop(q.input_name(q.field("note")), None)
    for lang, unit in UNITS.items():
        filled(qn, lang, unit, tmp_path / "returns", answers)

    report = api.validate([tmp_path / "returns"], content_dir=translated_content, jobs=1)
    for f in report.files:
        lang = f.unit_id.split("-")[1].lower()
        issue = next(i for i in f.issues if i.code == "required-missing")
        where = plan(qn, lang).inputs[q.input_name(q.field("likelihood"))]
        assert (issue.sheet, issue.cell) == (where.sheet, where.a1)  # the sheet as it is named
        assert issue.message == render(
            "required-missing",
            lang,
            question=question_ref(qn, q.id, "likelihood", lang),
            hint=i18n.text("issue.hint_dropdown", lang),
        )

    run = CliRunner().invoke
    base = ["validate", str(tmp_path / "returns"), "--content", str(translated_content)]
    console = run(cli, [*base, "--lang", "fr", "--feedback", str(tmp_path / "fb")])
    assert i18n.text("console.file", "fr") in console.output.splitlines()[0]
    as_json = run(cli, [*base, "--json"]).output
    for f in report.files:
        message = next(i.message for i in f.issues if i.code == "required-missing")
        assert f"{i18n.text('console.error', 'fr')} [{f.name}] " in console.output
        assert message in console.output and message.replace('"', '\\"') in as_json
        feedback = openpyxl.load_workbook(tmp_path / "fb" / f"{Path(f.name).stem}_feedback.xlsx")
        shown = {c.value for ws in feedback for row in ws.iter_rows() for c in row}
        assert message in shown


@pytest.mark.parametrize("lang", ["fr", "es", "ar"])
def test_a_file_that_says_no_language_is_explained_in_the_coordinators(lang, tmp_path):
    """A PDF renamed .xlsx has no workbook language: its message, down to the kind of file
    it turned out to be, is in the language the coordinator asked for."""
    (tmp_path / "returns").mkdir()
    (tmp_path / "returns" / "report.xlsx").write_bytes(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n")
    whole = filled(load_questionnaire("readiness"), "en", UNITS["en"], tmp_path, {}).read_bytes()
    (tmp_path / "returns" / "cut_by_the_mail.xlsx").write_bytes(whole[: len(whole) // 2])
    out = CliRunner().invoke(cli, ["validate", str(tmp_path / "returns"), "--lang", lang]).output
    told = render("not-xlsx", lang, kind="word.kind_pdf")
    assert i18n.text("word.kind_pdf", lang) in told
    assert told in out and "PDF document" not in out
    cut = render("corrupt-archive", lang, reason="word.zip_end_missing")
    assert i18n.text("word.zip_end_missing", lang) in cut
    assert cut in out and "end of the archive" not in out


def test_a_message_quotes_and_lists_as_its_language_does(tmp_path):
    """An Arabic unit's message lists the choices with the Arabic comma and quotes the
    question in guillemets; an English one keeps its commas and quotation marks."""
    qn = load_questionnaire("risk")
    q = next(q for q in qn.scored_questions() if q.type == "risk")
    answers = answers_for(qn, random.Random(3), Profile(0.5, 0.5, 1.0))
    answers[q.input_name(q.field("impact"))] = "Sometimes"
    for lang in ("en", "ar"):
        filled(qn, lang, UNITS[lang], tmp_path / "returns", answers)
    report = api.validate([tmp_path / "returns"], jobs=1)
    for f in report.files:
        lang = f.unit_id.split("-")[1].lower()
        message = next(i.message for i in f.issues if i.code == "not-in-list")
        labels = qn.scales[q.field("impact").scale_id].labels(lang)
        comma, (left, right) = {"en": (", ", '""'), "ar": ("، ", "«»")}[lang]
        assert comma.join(labels) in message
        assert f"{q.id} ({field_word(qn, q.type, 'impact', lang)}) {left}" in message
        assert f"...{right}" in message or f"{q.label.get(lang)}{right}" in message


# --- right to left ------------------------------------------------------------------------


def test_an_arabic_workbook_reads_right_to_left_in_a_font_with_arabic_letters(
    translated_content, tmp_path
):
    files = api.generate(
        ["risk"],
        units=None,
        lang="ar",
        out_dir=tmp_path,
        content_dir=translated_content,
        allow_fallback=True,
    )
    wb = openpyxl.load_workbook(files[0].path)
    shown = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert shown and all(ws.sheet_view.rightToLeft for ws in shown)
    risks = wb[plan(load_questionnaire("risk", translated_content), "ar").sheets[2].name]
    cell = risks["B7"]
    assert cell.font.name == "Arial" and cell.alignment.readingOrder == 2
    qn = load_questionnaire("risk", translated_content)
    footer = risks.oddFooter  # from the right: names, the questionnaire, the page
    assert qn.version in footer.center.text and footer.left.text == qn.say("footer_page", "ar")
    with zipfile.ZipFile(files[0].path) as zf:
        charts = [zf.read(n) for n in zf.namelist() if n.startswith("xl/charts/chart")]
    assert charts and all(b'<c:orientation val="maxMin"/>' in c for c in charts)


# --- forgiving reading --------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "31 March 2026",
        "31 mars 2026",
        "31 de marzo de 2026",
        "31 marzo 2026",
        "31 مارس 2026",
        "٣١/٠٣/٢٠٢٦",
        "٢٠٢٦-٠٣-٣١",
        "31 آذار 2026",
    ],
)
def test_a_date_typed_in_any_of_the_four_languages_is_read(typed):
    assert str(to_date(typed)) == "2026-03-31"


def test_arabic_indic_digits_are_numbers():
    assert to_number("١٢٫٥") == 12.5 and to_number("١٬٢٠٠") == 1200.0


# --- the catalogues -----------------------------------------------------------------------


def _catalogues() -> list[tuple[str, dict[str, str]]]:
    return [(f"interface.csv {k}", e) for k, e in i18n.catalogue().items()] + [
        (f"messages.csv {k}", e) for k, e in i18n.messages().items()
    ]


def test_translations_keep_the_placeholders_and_the_advice_marks_of_the_english():
    wrong = []
    for where, entry in _catalogues():
        for lang in LANGS[1:]:
            text = entry.get(lang) or ""
            if not text:
                continue
            if i18n.placeholders(text) != i18n.placeholders(entry["en"]):
                wrong.append(f"{where} [{lang}]: placeholders differ from the English")
            if (text.count("[["), text.count("]]")) != (
                entry["en"].count("[["),
                entry["en"].count("]]"),
            ):
                wrong.append(f"{where} [{lang}]: [[advice to the coordinator]] marks differ")
    assert not wrong, "\n".join(wrong)


def test_the_words_that_colour_a_change_are_in_the_words_that_say_it():
    """The Trends sheet colours a cell by the word it contains (up, down, rose, fell)."""
    pairs = [("trends.up", "up"), ("trends.up_one", "up"), ("trends.down", "down")]
    pairs += [("trends.down_one", "down"), ("trends.level_rose", "rose")]
    pairs += [("trends.level_fell", "fell")]
    catalogue = i18n.catalogue()
    for lang in LANGS:
        for key, word in pairs:
            said, colour = catalogue[key][lang], catalogue[f"trends.word_{word}"][lang]
            if said and colour:
                assert colour in said, (lang, key, colour)


def test_every_key_the_code_names_is_in_the_catalogue_and_the_fixed_sheets_agree():
    used = set()
    for path in (ROOT / "rai_sheets").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "text"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                used.add(node.args[0].value)
    assert used and sorted(used - set(i18n.catalogue())) == []
    assert fixed_sheet(INSTRUCTIONS) == INSTRUCTIONS and fixed_sheet(RESULTS) == RESULTS
    assert set(CATALOGUE) == set(i18n.messages())


def test_the_interface_and_the_messages_are_complete_in_all_four_languages():
    """Fails until the translator has filled the es and ar columns of rai_sheets/locale/."""
    missing = {lang: i18n.missing(lang) for lang in LANGS}
    assert {lang: keys for lang, keys in missing.items() if keys} == {}


# --- Done when (on the real content: passes once the translations are applied) --------------

PROPER = {"INTERPOL", "UNICRI", "rai-sheets", "Excel", "LibreOffice"}


@pytest.mark.parametrize("lang", ["fr", "es", "ar"])
def test_done_when_no_visible_string_of_a_workbook_in_another_language_is_english(lang, tmp_path):
    roster = tmp_path / "units.csv"
    roster.write_text(
        "unit_id,unit_name,email,language,system_id,system_name\n"
        f"U1,Traffic,,en,S1,Radar\nU2,Traffic,,{lang},S2,Radar\n",
        encoding="utf-8",
    )
    api.generate(units=roster, round_id="R1", out_dir=tmp_path)
    left = []
    for qid, who in (("readiness", ""), ("risk", "_S"), ("action", "_S")):
        english = tmp_path / f"{qid}_U1{who and who + '1'}_R1.xlsx"
        other = tmp_path / f"{qid}_U2{who and who + '2'}_R1.xlsx"
        ids = {q.id for q in load_questionnaire(qid).questions}
        left += english_left(english, other, PROPER | ids | {"Traffic / Radar"})
    assert left == []
