"""A unit answered last year's workbook: `migrate` turns it into this year's, with every answer
whose question still exists carried over and the new or changed questions listed, and that
migrated workbook is what the unit gets back as feedback and in the round's reminder."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import random
import shutil
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from rai_sheets import api
from rai_sheets.cli import cli
from rai_sheets.content.load import load_questionnaire
from rai_sheets.issues import render
from rai_sheets.model import Unit
from rai_sheets.returns.returned import read_return
from rai_sheets.simulate import Profile, answers_for
from rai_sheets.workbook.generator import WorkbookSpec, write_workbook
from rai_sheets.workbook.layout import CHANGES, META

from .factory import returned

CURRENT = load_questionnaire("readiness").version  # this year's content version

MAP = """from_version,old_id,new_id,note
2025.2,lead_strategy,lead_01,
2025.2,lead_99,,merged into lead_02
2025.2,people_old,people_01,split in two
2025.2,people_old,people_02,split in two
"""


def edit_questions(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        columns = list(rows[0])
    rows = edit(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture()
def versions(tmp_path, content_dir) -> tuple[Path, Path]:
    """Last year's content (2025.2) and this year's with its question map.

    Between them lead_strategy was renamed lead_01, lead_99 was dropped, people_old was split
    into people_01 and people_02, monitor_04 is new and gov_01 was reworded.
    """
    old, new = tmp_path / "content_2025", tmp_path / "content_2026"
    shutil.copytree(content_dir, old)
    shutil.copytree(content_dir, new)
    for path in old.glob("*/question_map.csv"):  # last year's content had no map to this year
        path.unlink()
    (new / "readiness" / "question_map.csv").write_text(MAP, encoding="utf-8")
    settings = old / "readiness" / "settings.csv"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(f"version,{CURRENT},", "version,2025.2,"),
        encoding="utf-8",
    )

    def last_year(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        out = []
        for r in rows:
            qid = r["question_id"]
            if qid == "monitor_04":
                continue
            if qid == "people_02":
                continue
            if qid == "people_01":
                r = {**r, "question_id": "people_old", "label": "Staff are trained on AI."}
            if qid == "lead_01":
                r = {**r, "question_id": "lead_strategy"}
            if qid == "gov_01":
                r = {**r, "label": "A committee looks at AI projects."}
            out.append(r)
            if qid == "lead_02":
                out.append({**r, "question_id": "lead_99", "label": "An old statement."})
        return out

    edit_questions(old / "readiness" / "questions.csv", last_year)
    return old, new


def old_return(folder: Path, old_content: Path, name: str = "last_year.xlsx") -> Path:
    qn = load_questionnaire("readiness", old_content)
    assert qn.version == "2025.2"
    answers = answers_for(qn, random.Random(4), Profile(0.7, 0.5, 1.0))
    answers["in_lead_99"] = "established"
    return returned(folder, qn, Unit("U01", "Unit 1"), answers=answers, name=name)


def test_a_return_of_the_previous_version_validates_once_the_new_questions_are_answered(
    tmp_path, versions, libreoffice
):
    old_content, new_content = versions
    old = old_return(tmp_path, old_content)
    before = read_return(old, "old", {"readiness": load_questionnaire("readiness", old_content)})
    rejected = api.validate([old], content_dir=new_content).files[0]
    assert [i.code for i in rejected.issues] == ["old-template"]

    out = tmp_path / "migrated"
    result = CliRunner().invoke(
        cli, ["migrate", str(old), "-o", str(out), "--content", str(new_content)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    migrated = out / f"last_year_{CURRENT}.xlsx"
    assert lines[0].startswith(f"{old} (readiness 2025.2, U01) -> {migrated}: ")
    assert "  3 to answer:" in lines

    def listed_as(qid: str, why: str) -> bool:  # the id, the start of its text, the reason
        return any(ln.startswith(f"    {qid} ") and ln.endswith(f": {why}") for ln in lines)

    assert listed_as("monitor_04", "new question")
    assert listed_as("people_01", "split in two") and listed_as("people_02", "split in two")
    assert listed_as("gov_01", "the question was reworded")
    assert "    lead_99: merged into lead_02" in lines  # no longer a question: no text
    assert lines[-1] == f"1 workbook(s) migrated to {out}/."

    new_qn = load_questionnaire("readiness", new_content)
    wb = openpyxl.load_workbook(migrated)
    assert wb.sheetnames[0] == CHANGES
    listed = [r[2] for r in wb[CHANGES].iter_rows(min_row=5, values_only=True) if r[2]]
    assert listed == ["people_01", "people_02", "monitor_04", "gov_01", "lead_99"]
    link = wb[CHANGES]["B7"].hyperlink
    assert link is not None and "Assessment" in (link.location or "")
    meta = {r[0]: r[1] for r in wb[META].iter_rows(values_only=True) if r[0]}
    assert meta["version"] == CURRENT and meta["migrated_from"] == "2025.2"

    now = read_return(migrated, "migrated", {"readiness": new_qn})
    # each statement's evidence or comment goes where the statement goes
    renamed = {"in_lead_strategy": "in_lead_01", "in_lead_strategy_comment": "in_lead_01_comment"}
    gone = {"in_lead_99", "in_people_old", "in_lead_99_comment", "in_people_old_comment"}
    expected = {renamed.get(n, n): v for n, v in before.answers.items() if n not in gone}
    assert now.answers == expected  # the untouched answers are the old ones

    report = api.validate([migrated], content_dir=new_content)
    missing = {i.cell for i in report.files[0].issues if i.code == "required-missing"}
    assert len(missing) == 3 and report.files[0].status == "rejected"

    libreoffice.load(migrated)
    libreoffice.set(
        [(f"in_{q}", "text", "2 - Developing") for q in ("people_01", "people_02", "monitor_04")]
    )
    libreoffice.recalc()
    answered = tmp_path / "answered.xlsx"
    libreoffice.save(answered)
    libreoffice.close_doc()
    final = api.validate([answered], content_dir=new_content).files[0]
    assert final.status == "accepted", [str(i) for i in final.issues]
    assert {n: v for n, v in final.answers.items() if n in expected} == expected


def test_the_feedback_for_an_old_template_is_the_migrated_workbook(tmp_path, versions):
    old_content, new_content = versions
    old = old_return(tmp_path, old_content)
    feedback = tmp_path / "feedback"
    result = CliRunner().invoke(
        cli, ["validate", str(old), "--feedback", str(feedback), "--content", str(new_content)]
    )
    assert result.exit_code == 1
    assert "rai-sheets migrate" in result.output
    wb = openpyxl.load_workbook(feedback / "last_year_feedback.xlsx")
    assert wb.sheetnames[0] == CHANGES
    meta = {r[0]: r[1] for r in wb[META].iter_rows(values_only=True) if r[0]}
    assert meta["version"] == CURRENT


def test_the_old_template_message_points_to_migrate():
    for lang in ("en", "fr"):
        text = render("old-template", lang, found="2025.2", expected=CURRENT)
        assert "rai-sheets migrate" in text
        assert "copy" not in text.lower() and "recopiez" not in text.lower()


def test_one_bad_file_costs_only_itself(tmp_path, versions):
    old_content, new_content = versions
    folder = tmp_path / "in"
    folder.mkdir()
    old_return(folder, old_content, "a_old.xlsx")
    current = returned(folder, load_questionnaire("readiness", new_content), name="b_now.xlsx")
    (folder / "c_cut.xlsx").write_bytes(current.read_bytes()[:4000])
    (folder / "d_note.txt").write_text("see attached", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["migrate", str(folder), "-o", str(out), "--content", str(new_content)]
    )
    assert result.exit_code == 1, result.output
    assert (
        f"{folder / 'b_now.xlsx'}: already made from the current version {CURRENT}" in result.output
    )
    assert f"error [{folder / 'c_cut.xlsx'}] The file is damaged or incomplete" in result.output
    assert f"{folder / 'd_note.txt'}: skipped: not a spreadsheet (.txt)" in result.output
    assert sorted(p.name for p in out.iterdir()) == [f"a_old_{CURRENT}.xlsx"]
    assert "Traceback" not in result.output


def test_a_question_map_that_leads_nowhere_is_a_content_problem(tmp_path, content_dir):
    content = tmp_path / "content"
    shutil.copytree(content_dir, content)
    (content / "risk" / "question_map.csv").write_text(
        "from_version,old_id,new_id,note\n2025.2,legit_old,legit_one,\n2027.1,x,legit_1,\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["content", "check", str(content)])
    assert result.exit_code == 1
    assert (
        'risk/question_map.csv, line 2, column new_id: "legit_one" leads to legit_one, which '
        "is not a question of the current risk content." in result.output
    )
    assert 'line 3, column from_version: "2027.1" is not older than' in result.output


def test_answers_carry_forward_across_a_content_version_through_the_map(tmp_path, versions):
    old_content, new_content = versions
    roster = tmp_path / "units.csv"
    roster.write_text("unit_id,unit_name\nU01,Unit 1\n", encoding="utf-8")
    r1 = tmp_path / "R1"
    r1.mkdir()
    old = old_return(r1, old_content)
    before = read_return(old, "old", {"readiness": load_questionnaire("readiness", old_content)})
    history = tmp_path / "history.sqlite"
    args = ["consolidate", str(r1), "--units", str(roster), "--round", "R1"]
    args += ["--history", str(history), "--content", str(old_content)]
    result = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        cli,
        ["generate", "readiness", "--units", str(roster), "--round", "R2", "--prefill-from"]
        + ["R1", "--history", str(history), "--content", str(new_content), "-o", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    new_qn = load_questionnaire("readiness", new_content)
    carried = read_return(tmp_path / "readiness_U01_R2.xlsx", "r2", {"readiness": new_qn})
    assert carried.answers["in_lead_01"] == before.answers["in_lead_strategy"]
    assert "in_people_01" not in carried.answers and "in_monitor_04" not in carried.answers


def test_the_rounds_reminder_attaches_the_migrated_workbook(tmp_path, questionnaires):
    roster = tmp_path / "units.csv"
    roster.write_text("unit_id,unit_name,email\nU01,Unit 1,u01@police.example\n", "utf-8")
    rounds = tmp_path / "rounds"
    run = CliRunner().invoke
    args = ["--round", "R1", "--rounds-dir", str(rounds)]
    result = run(cli, ["distribute", "readiness", "--units", str(roster), "--from", "a@b.c", *args])
    assert result.exit_code == 0, result.output
    replies = tmp_path / "replies"
    replies.mkdir()
    last_year = replace(questionnaires["readiness"], version="2025.2")
    spec = WorkbookSpec(
        last_year,
        Unit("U01", "Unit 1"),
        "R1",
        answers=answers_for(last_year, random.Random(1), Profile(0.5, 0.5, 1.0)),
    )
    with (replies / "readiness_U01_R1.xlsx").open("wb") as fh:
        write_workbook(spec, fh)
    assert run(cli, ["collect", str(replies), *args]).exit_code == 1  # rejected: old template
    result = run(cli, ["remind", *args])
    assert result.exit_code == 0, result.output
    draft = next((rounds / "R1" / "outbox" / "reminders").glob("*.eml"))
    msg = email.message_from_bytes(draft.read_bytes(), policy=email.policy.default)
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == "readiness_U01_R1_feedback.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(attachment.get_content()))
    assert wb.sheetnames[0] == CHANGES
    meta = {r[0]: r[1] for r in wb[META].iter_rows(values_only=True) if r[0]}
    assert (meta["version"], meta["migrated_from"], meta["round"]) == (CURRENT, "2025.2", "R1")
