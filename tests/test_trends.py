"""Leadership sees change: after a second round, the summary's Trends sheet says per dimension
and unit what went up or down against the previous round and the agency's target, which AI
systems' risk rose, which actions stay overdue, and the findings say it in sentences."""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
from click.testing import CliRunner

from rai_sheets.cli import cli
from rai_sheets.consolidate.trend_data import OVERDUE_COLUMNS, SYSTEM_COLUMNS, TrendData
from rai_sheets.consolidate.trends import change_words, compute_trends
from rai_sheets.content.load import load_questionnaire
from rai_sheets.model import Unit

from .factory import returned

UNITS = [Unit(f"U0{n}", f"Unit {n}") for n in (1, 2, 3)]
SYSTEMS = [
    Unit(f"U0{n}", f"Unit {n}", system_id=f"S0{n}", system_name=f"System {n}") for n in (1, 2)
]


def every(qn, question_ids, **fields):
    """Overrides giving the same answer to many questions (field "" for single answers)."""
    out = {}
    for qid in question_ids:
        q = qn.questions_by_id[qid]
        for key, value in fields.items():
            out[q.input_name(q.field("" if key == "answer" else key))] = value
    return out


def low_risks(qn, **extra):
    """Every risk item rated rare and minor, nothing mitigated: a low-risk system."""
    items = [q.id for q in qn.scored_questions() if q.type == "risk"]
    out = every(qn, items, likelihood="rare", impact="minor")
    for q in qn.scored_questions():
        if q.type == "risk":
            for key in ("mitigation", "residual_likelihood", "residual_impact"):
                out[q.input_name(q.field(key))] = None
    return {**out, **extra}


def two_rounds(tmp_path: Path, questionnaires, content: Path | None = None) -> Path:
    """Round R1 and round R2 consolidated into one history; returns R2's summary."""
    qs = questionnaires
    data = [q.id for q in qs["readiness"].questions if q.section_id == "data"]
    strong = {"U01": "advanced", "U02": "established"}
    for rid, day in (("R1", "2026-01-15"), ("R2", "2026-07-15")):
        folder = tmp_path / rid
        folder.mkdir()
        for i, unit in enumerate(UNITS, start=1):
            level = strong.get(unit.unit_id) if rid == "R1" else "initial"
            changes = every(qs["readiness"], data, answer=level) if unit.unit_id in strong else {}
            returned(folder, qs["readiness"], unit, seed=i, round_id=rid, **changes)
        risen = {
            "in_legit_1_likelihood": "almost_certain",
            "in_legit_1_impact": "severe",
            # an extremely high residual risk must be accepted by someone allowed to (issue 9)
            "in_accepted_by": "Chief Constable M. Reyes",
            "in_accepted_role": "chief_officer",
            "in_accepted_on": date(2026, 7, 1),
            "in_accepted_level": "extreme",
        }
        returned(
            folder,
            qs["risk"],
            SYSTEMS[0],
            seed=11,
            round_id=rid,
            **low_risks(qs["risk"], **(risen if rid == "R2" else {})),
        )
        returned(folder, qs["risk"], SYSTEMS[1], seed=12, round_id=rid)
        returned(folder, qs["action"], SYSTEMS[0], seed=21, round_id=rid)
        late = (
            {"in_plan_1_status": "done", "in_plan_1_evidence": "DOC-1"}
            if rid == "R1"
            else {"in_plan_1_status": "in_progress", "in_plan_1_due": date(2020, 1, 31)}
        )
        returned(folder, qs["action"], SYSTEMS[1], seed=22, round_id=rid, **late)
        args = ["consolidate", str(folder), "--round", rid, "--round-date", day]
        args += ["--history", str(tmp_path / "history.sqlite")]
        args += ["-o", str(tmp_path / f"summary_{rid}.xlsx")]
        if content:
            args += ["--content", str(content)]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
    return tmp_path / "summary_R2.xlsx"


def rows_of(path: Path, sheet: str) -> list[tuple]:
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    return list(ws.iter_rows(values_only=True))


def table(rows: list[tuple], header: str) -> list[tuple]:
    """The rows of the table whose header row starts with `header`, up to the next blank."""
    start = next(i for i, r in enumerate(rows) if r and r[0] == header)
    out = []
    for r in rows[start + 1 :]:
        if not r or r[0] is None:
            break
        out.append(r)
    return out


def _overdue_rows(rows: list[tuple]) -> list[dict]:
    """The last table of the sheet: action items overdue in both rounds."""
    start = next(
        i for i, r in enumerate(rows) if r and r[0] == "AI system" and "Overdue since" in r
    )
    header = rows[start]
    return [dict(zip(header, r, strict=False)) for r in rows[start + 1 :] if r and r[0]]


def test_a_second_round_shows_what_changed_per_dimension_unit_and_system(tmp_path, questionnaires):
    summary = two_rounds(tmp_path, questionnaires)
    rows = rows_of(summary, "Trends")
    texts = [str(r[0]) for r in rows if r and r[0]]
    # Unit 1 fell from leading practice, Unit 2 from largely in place, both to early stage
    fell = "Data readiness fell by at least one band in 2 units since R1: Unit 1, Unit 2."
    assert f"- {fell}" in texts
    rose = next(t for t in texts if t.startswith("- The risk level of 1 AI system rose"))
    assert "System 1 (inherent low to extremely high since R1" in rose

    header = next(r for r in rows if r and r[0] == "Dimension")
    assert header[1:4] == ("R1", "R2", "Change against R1")
    dims = {r[0]: dict(zip(header, r, strict=False)) for r in table(rows, "Dimension")}
    assert dims["Data"]["Change against R1"].startswith("down ")
    assert dims["Data"]["R2"] < dims["Data"]["R1"]
    assert dims["Data"]["Target"] == "Largely in place"  # the default content's target
    assert dims["Leadership and strategy"]["Target"] == "Leading practice"  # its own target
    assert set(dims) >= {"Overall"}

    units_header = next(r for r in rows if r and r[0] == "Unit")
    units = {r[0]: dict(zip(units_header, r, strict=False)) for r in table(rows, "Unit")}
    assert units["Unit 1"]["Data"] == "25% (down 75 pts)"
    assert units["Unit 2"]["Data"] == "25% (down 50 pts)"
    assert units["Unit 3"]["Data"].endswith("(same)")

    risen = table(rows, "AI system")  # the first AI-system table: systems whose level rose
    assert [r[:6] for r in risen] == [  # unmitigated, the residual rose with the inherent
        ("System 1", "Unit 1", "inherent", "Low", "Extremely high", "R1"),
        ("System 1", "Unit 1", "residual", "Low", "Extremely high", "R1"),
    ]
    again = _overdue_rows(rows)
    assert again, "the unchanged action workbooks keep overdue items in both rounds"
    plan_1 = questionnaires["action"].questions_by_id["plan_1"].label.get()
    assert plan_1 not in {r["Action"] for r in again}  # overdue now, but done in R1
    assert {r["Overdue since"] for r in again} == {"R1"}
    assert {r["Rounds overdue"] for r in again} == {2}

    overview = [str(r[0]) for r in rows_of(summary, "Overview") if r and r[0]]
    assert any("The risk level of 1 AI system rose" in t for t in overview)


def test_the_readiness_chart_draws_one_line_per_dimension_over_the_rounds(tmp_path, questionnaires):
    summary = two_rounds(tmp_path, questionnaires)
    with zipfile.ZipFile(summary) as zf:
        charts = [zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/charts/chart")]
    line = [c for c in charts if "<c:lineChart>" in c]
    assert len(line) == 1
    dimensions = len(questionnaires["readiness"].scope_ids("each:section"))
    assert len(re.findall(r"<c:ser>", line[0])) == dimensions
    # each line reads one dimension's row across the R1 and R2 columns
    values = re.findall(r"<c:val><c:numRef><c:f>Trends!\$B\$(\d+):\$C\$(\d+)</c:f>", line[0])
    assert len(values) == dimensions and all(a == b for a, b in values)


def test_a_first_round_says_trends_start_with_the_next_one(tmp_path, questionnaires):
    folder = tmp_path / "R1"
    folder.mkdir()
    returned(folder, questionnaires["readiness"], UNITS[0], round_id="R1")
    summary = tmp_path / "summary.xlsx"
    result = CliRunner().invoke(
        cli, ["consolidate", str(folder), "--round", "R1", "-o", str(summary)]
    )
    assert result.exit_code == 0, result.output
    texts = [str(r[0]) for r in rows_of(summary, "Trends") if r and r[0]]
    assert any("This is the only round in the history store" in t for t in texts)


def test_targets_are_the_agencys_to_change_and_checked(tmp_path, questionnaires, content_dir):
    content = tmp_path / "content"
    shutil.copytree(content_dir, content)
    settings = content / "readiness" / "settings.csv"
    settings.write_text(
        settings.read_text(encoding="utf-8") + "target_data,leading,\n", encoding="utf-8"
    )
    summary = two_rounds(tmp_path, questionnaires, content)
    rows = rows_of(summary, "Trends")
    header = next(r for r in rows if r and r[0] == "Dimension")
    data = next(dict(zip(header, r, strict=False)) for r in rows if r and r[0] == "Data")
    leading = next(b for b in questionnaires["readiness"].bands if b.id == "leading")
    assert data["Target"] == leading.label.get()
    below = round((leading.min_fraction - data["R2"]) * 100)
    assert data["Against target"] == f"below by {below} pts"

    settings.write_text(
        settings.read_text(encoding="utf-8") + "target_dta,excellent,\n", encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["content", "check", str(content)])
    assert result.exit_code == 1
    line = len(settings.read_text(encoding="utf-8").splitlines())
    assert (
        f'readiness/settings.csv, line {line}, column key: "dta" is not a scored section'
        in result.output
    )
    assert (
        f'readiness/settings.csv, line {line}, column value: "excellent" is not a band'
        in result.output
    )


def test_previous_means_the_last_round_that_held_that_questionnaire(questionnaires):
    readiness = pd.DataFrame(
        [
            ("A", "U1", "Unit 1", "data", 0.50),
            ("A", "U1", "Unit 1", "overall", 0.50),
            ("C", "U1", "Unit 1", "data", 0.56),
            ("C", "U1", "Unit 1", "overall", 0.49),
        ],
        columns=["round_id", "unit_id", "unit_name", "dimension_id", "percent"],
    )
    data = TrendData(
        ["A", "B", "C"],
        {"A": date(2026, 1, 1), "B": date(2026, 4, 1), "C": date(2026, 7, 1)},
        {"A": {"readiness": 1}, "B": {"risk": 3}, "C": {"readiness": 1}},
        readiness,
        pd.DataFrame(columns=SYSTEM_COLUMNS),
        pd.DataFrame(columns=OVERDUE_COLUMNS),
    )
    t = compute_trends(data, {"readiness": questionnaires["readiness"]}, "C")
    assert t.previous == "A"  # B sent only risk workbooks
    assert list(t.medians.columns[2:]) == ["A", "C"]
    words = dict(zip(t.dimensions["dimension_id"], t.dimensions["change"], strict=True))
    assert words["data"] == "up 6 pts" and words["overall"] == "down 1 pt"
    assert words["lead"] == ""  # no score in either round
    assert change_words(None, 0.4) == "new" and change_words(0.4, 0.402) == "same"


def test_content_without_targets_shows_none(tmp_path, content_dir):
    content = tmp_path / "content"
    shutil.copytree(content_dir, content)
    settings = content / "readiness" / "settings.csv"
    kept = [
        ln
        for ln in settings.read_text(encoding="utf-8").splitlines()
        if not ln.startswith("target")
    ]
    settings.write_text("\n".join(kept) + "\n", encoding="utf-8")
    qn = load_questionnaire("readiness", content)
    readiness = pd.DataFrame(
        [("A", "U1", "Unit 1", "data", 0.5)],
        columns=["round_id", "unit_id", "unit_name", "dimension_id", "percent"],
    )
    data = TrendData(
        ["A"],
        {"A": date(2026, 1, 1)},
        {"A": {"readiness": 1}},
        readiness,
        pd.DataFrame(columns=SYSTEM_COLUMNS),
        pd.DataFrame(columns=OVERDUE_COLUMNS),
    )
    t = compute_trends(data, {"readiness": qn}, "A")
    assert set(t.dimensions["target"]) == {""} and set(t.dimensions["against_target"]) == {""}
    assert not t.findings
