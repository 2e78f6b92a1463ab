"""A unit does not retype last round's answers: its next workbook comes pre-filled with its last
accepted answers, shaded for review, and the validator can tell what came back untouched."""

from __future__ import annotations

import email
import email.policy
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from rai_sheets import api
from rai_sheets.cli import cli
from rai_sheets.content.load import load_questionnaire
from rai_sheets.model import Unit
from rai_sheets.returns.returned import read_return
from rai_sheets.workbook.layout import META, plan
from rai_sheets.workbook.styles import CARRIED_FILL, INPUT_FILL

from .factory import returned

ROSTER = (
    "unit_id,unit_name,email,language,system_id,system_name\n"
    "U01,Unit 1,u01@police.example,,S01,System 1\n"
    "U02,Unit 2,u02@police.example,,,\n"
)


def first_round(tmp_path: Path, questionnaires, content: Path | None = None) -> tuple[Path, Path]:
    """Round R1: unit 1 returns all three workbooks, unit 2 nothing; consolidated."""
    roster = tmp_path / "units.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    folder = tmp_path / "R1"
    folder.mkdir()
    qs = (
        questionnaires
        if content is None
        else {q: load_questionnaire(q, content) for q in questionnaires}
    )
    returned(folder, qs["readiness"], Unit("U01", "Unit 1"), seed=3)
    system = Unit("U01", "Unit 1", system_id="S01", system_name="System 1")
    returned(folder, qs["risk"], system, seed=4)
    returned(folder, qs["action"], system, seed=5)
    history = tmp_path / "history.sqlite"
    args = ["consolidate", str(folder), "--units", str(roster), "--round", "R1"]
    args += ["--history", str(history), "-o", str(tmp_path / "summary_R1.xlsx")]
    args += ["--content", str(content)] if content else []
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output  # unit 2 sent nothing: missing, not rejected
    return roster, history


def generate_r2(roster: Path, history: Path, out: Path, *extra: str):
    return CliRunner().invoke(
        cli,
        [
            "generate",
            "--units",
            str(roster),
            "--round",
            "R2",
            "--prefill-from",
            "R1",
            "--history",
            str(history),
            "-o",
            str(out),
            *extra,
        ],
    )


def test_next_rounds_workbooks_carry_the_last_accepted_answers_marked_for_review(
    tmp_path, questionnaires
):
    roster, history = first_round(tmp_path, questionnaires)
    result = generate_r2(roster, history, tmp_path / "R2")
    assert result.exit_code == 0, result.output
    assert "3 pre-filled with their answers of round R1" in result.output
    assert "1 had no accepted return in that round." in result.output

    qn = questionnaires["readiness"]
    before = read_return(tmp_path / "R1" / "readiness_U01_x_3.xlsx", "r1", questionnaires)
    after = read_return(tmp_path / "R2" / "readiness_U01_R2.xlsx", "r2", questionnaires)
    assert after.round_id == "R2" and after.carried_from == "R1"
    expected = {n: v for n, v in before.answers.items() if n != "in_answered_on"}
    assert after.answers == expected  # the date of the assessment is asked afresh
    # _meta records each carried answer; the unit's name comes from the roster, not the past
    assert after.carried == {n: str(v) for n, v in expected.items() if n != "in_unit_name"}

    wb = openpyxl.load_workbook(tmp_path / "R2" / "readiness_U01_R2.xlsx")
    cells = plan(qn).inputs
    lead = cells["in_lead_01"]
    assert wb[lead.sheet][lead.a1].fill.fgColor.rgb.endswith(CARRIED_FILL.lstrip("#"))
    when = cells["in_answered_on"]
    assert wb[when.sheet][when.a1].fill.fgColor.rgb.endswith(INPUT_FILL.lstrip("#"))
    assert "carried over from round R1" in wb[lead.sheet]["A2"].value
    meta = {r[0]: r[1] for r in wb[META].iter_rows(values_only=True) if r[0]}
    assert meta["carried_from"] == "R1"

    for_r1 = read_return(tmp_path / "R2" / "risk_U01_S01_R2.xlsx", "risk", questionnaires)
    assert for_r1.answers["in_legit_1_likelihood"] is not None
    nothing = read_return(tmp_path / "R2" / "readiness_U02_R2.xlsx", "u2", questionnaires)
    assert nothing.carried_from == "" and set(nothing.answers) == {"in_unit_name"}


def test_the_validator_tells_carried_answers_left_as_they_were(
    tmp_path, questionnaires, content_dir, libreoffice
):
    content = tmp_path / "content"
    shutil.copytree(content_dir, content)
    settings = content / "readiness" / "settings.csv"
    settings.write_text(
        settings.read_text(encoding="utf-8") + "review_carried,yes,\n", encoding="utf-8"
    )
    roster, history = first_round(tmp_path, questionnaires, content)
    result = generate_r2(roster, history, tmp_path / "R2", "--content", str(content))
    assert result.exit_code == 0, result.output
    sent = tmp_path / "R2" / "readiness_U01_R2.xlsx"
    was = read_return(sent, "sent", {"readiness": questionnaires["readiness"]}).answers
    other = "0 - Not started" if was["in_data_01"] != "not_started" else "4 - Advanced"
    back = tmp_path / "back"
    back.mkdir()
    for name, changes in (
        ("untouched.xlsx", []),
        ("reviewed.xlsx", [("in_data_01", "text", other)]),
    ):
        libreoffice.load(sent)
        libreoffice.set([("in_answered_on", "date", "2026-06-30"), *changes])
        libreoffice.recalc()
        libreoffice.save(back / name)
    libreoffice.close_doc()

    (untouched,) = api.validate([back / "untouched.xlsx"], content_dir=content).files
    (reviewed,) = api.validate([back / "reviewed.xlsx"], content_dir=content).files
    assert untouched.carried_from == reviewed.carried_from == "R1"
    assert len(untouched.unchanged) == len(untouched.carried) > 30
    assert [i.code for i in untouched.issues] == ["carried-unreviewed"]
    assert str(len(untouched.carried)) in untouched.issues[0].message
    assert set(reviewed.carried) - set(reviewed.unchanged) == {"in_data_01"}
    assert reviewed.status == "accepted"


def test_distribute_pre_fills_the_rounds_workbooks(tmp_path, questionnaires):
    roster, history = first_round(tmp_path, questionnaires)
    rounds = tmp_path / "rounds"
    result = CliRunner().invoke(
        cli,
        [
            "distribute",
            "--units",
            str(roster),
            "--round",
            "R2",
            "--from",
            "ai@police.example",
            "--prefill-from",
            "R1",
            "--history",
            str(history),
            "--rounds-dir",
            str(rounds),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "4 new workbook(s)" in result.output
    assert "3 of them pre-filled with their answers of round R1" in result.output
    draft = rounds / "R2" / "outbox" / "invitation_U01_u01_police.example.eml"
    msg = email.message_from_bytes(draft.read_bytes(), policy=email.policy.default)
    attached = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
    (tmp_path / "att.xlsx").write_bytes(attached["readiness_U01_R2.xlsx"])
    rf = read_return(tmp_path / "att.xlsx", "att", questionnaires)
    assert rf.carried_from == "R1" and len(rf.answers) > 30


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--prefill-from", "R9"], 'round "R9" is not in the history store'),
        (["--prefill-from", "R1", "--history", "nowhere.sqlite"], "there is no history store"),
    ],
)
def test_carrying_from_a_round_not_held_is_a_usage_error(tmp_path, questionnaires, extra, message):
    roster, history = first_round(tmp_path, questionnaires)
    args = ["generate", "--units", str(roster), "--history", str(history), *extra]
    result = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "it holds: R1" in result.output or "there is no" in result.output
    blank = CliRunner().invoke(cli, ["generate", "--prefill-from", "R1", "--history", str(history)])
    assert blank.exit_code == 2 and "needs the roster (--units)" in blank.output
