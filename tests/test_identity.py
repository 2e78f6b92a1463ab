"""Blank workbooks say who they are through their answers. A coordinator who sends the blank
workbook (no roster) gets back returns identified by the unit's name, or by the AI system and
its owning unit; with a roster, those names find the unit and system whatever their case and
spacing; two returns are one unit's twice only when they name the same unit and system."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from click.testing import CliRunner

from rai_sheets import api
from rai_sheets.cli import cli
from rai_sheets.issues import render
from rai_sheets.model import DATE

from .factory import blank_return, returned, rewrite_zip
from .hostile import name_cell, parts_of


def _by_name(report) -> dict:  # type: ignore[no-untyped-def]
    return {Path(f.name).name: f for f in report.files}


def test_two_blank_risk_workbooks_for_two_systems_consolidate_as_two_systems(
    tmp_path, questionnaires
):
    risk = questionnaires["risk"]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    blank_return(inbox, risk, "a.xlsx", seed=1, unit_name="Cyber Crime", system_name="Face search")
    blank_return(inbox, risk, "b.xlsx", seed=2, unit_name="Cyber Crime", system_name="Plate reader")

    report = api.validate([inbox], jobs=1)
    for name, system in (("a.xlsx", "Face search"), ("b.xlsx", "Plate reader")):
        f = _by_name(report)[name]
        assert f.status == "accepted-with-warnings"
        assert [i.code for i in f.issues] == ["unit-not-identified"]
        assert f'AI system "{system}"' in f.issues[0].message
        assert 'unit "Cyber Crime"' in f.issues[0].message

    data = tmp_path / "data"
    result = CliRunner().invoke(
        cli, ["consolidate", str(inbox), "-o", str(tmp_path / "s.xlsx"), "--data", str(data)]
    )
    assert result.exit_code == 0, result.output
    with (data / "scores.csv").open(encoding="utf-8") as fh:
        systems = {(r["system_name"], Path(r["file"]).name) for r in csv.DictReader(fh)}
    assert systems == {("Face search", "a.xlsx"), ("Plate reader", "b.xlsx")}
    assert "superseded" not in result.output


def test_blank_returns_for_the_same_system_are_one_units_return_twice(tmp_path, questionnaires):
    risk = questionnaires["risk"]
    blank_return(
        tmp_path, risk, "a.xlsx", seed=1, unit_name="Cyber Crime", system_name="Face search"
    )
    blank_return(
        tmp_path, risk, "b.xlsx", seed=2, unit_name="cyber  crime", system_name=" FACE   search "
    )
    report = api.validate([tmp_path], jobs=1)
    codes = {n: [i.code for i in f.issues] for n, f in _by_name(report).items()}
    assert codes == {
        "a.xlsx": ["unit-not-identified", "duplicate-return"],
        "b.xlsx": ["unit-not-identified", "duplicate-return"],
    }
    assert len(report.kept) == 1


def test_blank_returns_that_name_no_unit_are_rejected_each_on_its_own(tmp_path, questionnaires):
    readiness = questionnaires["readiness"]
    blank_return(tmp_path, readiness, "a.xlsx", seed=1)
    blank_return(tmp_path, readiness, "b.xlsx", seed=2)
    unit_question = next(q for q in readiness.questions if q.prefill == "unit_name")
    report = api.validate([tmp_path], jobs=1)
    for f in report.files:
        assert f.status == "rejected"
        assert [i.code for i in f.issues] == ["required-missing"]
        assert f.issues[0].message.startswith(unit_question.id)


def test_with_a_roster_blank_returns_are_found_by_name_whatever_the_case_and_spacing(
    tmp_path, questionnaires
):
    roster = tmp_path / "units.csv"
    roster.write_text(
        "unit_id,unit_name,system_id,system_name\n"
        "U01,Cyber Crime Unit,S-FACE,Face search\n"
        "U02,Traffic Policing,,\n",
        encoding="utf-8",
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    readiness, risk = questionnaires["readiness"], questionnaires["risk"]
    blank_return(inbox, readiness, "traffic.xlsx", unit_name="  traffic   POLICING")
    blank_return(inbox, risk, "face.xlsx", unit_name="cyber crime unit", system_name=" face SEARCH")
    blank_return(inbox, readiness, "stranger.xlsx", unit_name="Unknown Squad")
    blank_return(inbox, risk, "drone.xlsx", unit_name="Cyber Crime Unit", system_name="Drone")

    found = _by_name(api.validate([inbox], units=roster, jobs=1))

    traffic, face = found["traffic.xlsx"], found["face.xlsx"]
    assert (traffic.status, traffic.unit_id, traffic.unit_name) == (
        "accepted",
        "U02",
        "Traffic Policing",
    )
    assert (face.status, face.unit_id, face.system_id, face.system_name) == (
        "accepted",
        "U01",
        "S-FACE",
        "Face search",
    )
    stranger = found["stranger.xlsx"]
    assert [i.message for i in stranger.issues] == [
        render("unknown-unit", unit="Unknown Squad", roster="units.csv")
    ]
    drone = found["drone.xlsx"]
    assert [i.message for i in drone.issues] == [
        render("unknown-system", system="Drone", roster="units.csv")
    ]


def test_a_date_cell_holding_nan_reads_as_no_answer_not_as_1899(tmp_path, questionnaires):
    action = questionnaires["action"]
    good = returned(tmp_path, action, name="good.xlsx")
    name = next(n for n, (_q, f) in action.input_names.items() if f.kind == DATE)
    _, sheet_part, a1 = name_cell(parts_of(good), name)

    def nan(part: str, body: bytes) -> bytes:  # the cell keeps its date style
        if part != sheet_part:
            return body
        return re.sub(
            rb'(<c r="' + a1.encode() + rb'"[^>]*?)(?:/>|>.*?</c>)',
            lambda m: m.group(1) + b"><v>NaN</v></c>",
            body,
            count=1,
            flags=re.S,
        )

    path = rewrite_zip(good, tmp_path / "nan.xlsx", nan)
    before, f = api.validate([good, path], jobs=1).files
    assert name in before.answers  # the date was answered before it was made NaN
    assert name not in f.answers
    assert not any("1899" in i.message for i in f.issues)
