"""Leadership's first read: a round of a dozen units goes end to end through real files, every
file is accounted for, the numbers match a real spreadsheet, and nothing hostile gets through."""

from __future__ import annotations

import csv
import math
import os
import random
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from rai_sheets import api
from rai_sheets.cli import cli
from rai_sheets.demo import ROUND
from rai_sheets.model import Unit
from rai_sheets.simulate import Profile, answers_for

from .factory import returned
from .test_validate import lo_cells


def sheet_rows(path: Path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))


def table_rows(path: Path, sheet: str, header_first: str) -> list[dict]:
    """The rows of the first table on a summary sheet whose header starts with `header_first`,
    as dicts keyed by the header."""
    rows = sheet_rows(path, sheet)
    at = next(i for i, r in enumerate(rows) if r and r[0] == header_first)
    out = []
    for r in rows[at + 1 :]:
        if not r or all(v is None for v in r):
            break
        out.append({k: v for k, v in zip(rows[at], r, strict=False) if k})
    return out


def find(rows: list[tuple], first: str) -> list[tuple]:
    return [r for r in rows if r and r[0] == first]


def test_a_round_of_a_dozen_units_goes_end_to_end(demo):
    report = demo.report.report
    names = {Path(f.name).name: f for f in report.files}
    # every input file appears once, with the status the story gives it
    assert names["cover-note.txt"].status == "skipped"
    truncated = names[f"readiness_U05_{ROUND}.xlsx"]
    assert [i.code for i in truncated.issues] == ["corrupt-archive"]
    assert [i.code for i in names[f"action_U12_S-DOCS_{ROUND}.xlsx"].issues] == ["old-template"]
    assert "not-in-list" in [i.code for i in names[f"readiness_U06_{ROUND}.xlsx"].issues]
    assert "required-missing" in [i.code for i in names[f"risk_U09_S-DARA_{ROUND}.xlsx"].issues]
    # an extremely high residual risk accepted by the system owner, whose role may not
    hotspot = names[f"risk_U06_S-HOTSPOT_{ROUND}.xlsx"]
    assert [(i.code, i.sheet) for i in hotspot.issues] == [("acceptance-missing", "Acceptance")]

    rows = table_rows(demo.summary, "Coverage", "Questionnaire")
    status = {(r["Questionnaire"], r["Unit id"], r["System id"] or "", r["Status"]) for r in rows}
    assert ("Readiness", "U13", "", "Missing") in status  # never answered
    assert ("Risk", "U08", "S-OSINT", "Missing") in status
    assert ("Readiness", "U05", "", "Missing") in status  # its only file was unreadable
    assert ("Action", "U12", "S-DOCS", "Rejected") in status
    # the duplicate: the earlier draft is superseded, the later one counts, and it says so
    face = [r for r in rows if r["Questionnaire"] == "Risk" and r["Unit id"] == "U03"]
    by_status = {r["Status"]: r for r in face}
    assert by_status["Superseded"]["File"] == f"risk_U03_S-FACE_{ROUND}_draft.xlsx"  # no folder
    assert "the workbook saved last is kept" in by_status["Superseded"]["Why"]
    kept = by_status["Accepted with warnings"]  # both copies carry the duplicate warning
    assert kept["File"] == f"risk_U03_S-FACE_{ROUND}.xlsx"
    assert kept["AI system"] == "Custody image search (facial recognition)"
    # every roster entry is on the coverage sheet, by id and name
    expected = {("Readiness", f"U{i:02d}") for i in range(1, 14)}
    assert expected <= {(r["Questionnaire"], r["Unit id"]) for r in rows}
    assert not any(str(demo.folder) in str(v) for r in rows for v in r.values())

    overview = sheet_rows(demo.summary, "Overview")
    titles = {"Organizational Readiness Assessment", "Risk Assessment Questionnaire"}
    counts = {r[0]: r[1:6] for r in overview if r and r[0] in titles}
    # expected, returned, accepted, rejected, missing
    assert counts["Organizational Readiness Assessment"] == (13, 11, 10, 1, 2)
    assert counts["Risk Assessment Questionnaire"] == (9, 8, 6, 2, 1)
    findings = [
        r[0]
        for r in overview
        if r and isinstance(r[0], str) and r[0][:2] in ("1.", "2.", "3.", "4.", "5.")
    ]
    assert len(findings) == 5
    assert any("missing" in f and "Custody and Detention" in f for f in findings)


def test_the_demo_agency_answers_with_reasons_plans_accepts_and_has_a_system_in_planning(demo):
    actions = sheet_rows(demo.summary, "Actions")
    header = next(r for r in actions if r and r[0] == "AI system")
    osint = dict(
        zip(
            header,
            next(r for r in actions if r and r[0] == "Open-source social-media monitoring"),
            strict=False,
        )
    )
    assert osint["Current stage"] == "Decision and planning"
    assert osint["Design and development or procurement"] == "Not yet due"
    register = sheet_rows(demo.summary, "Risk register")
    header = next(r for r in register if r and r[0] == "AI system")
    systems = [
        dict(zip(header, r, strict=False))
        for r in register[register.index(header) + 1 :]
        if r and r[0] and r[1]
    ]
    systems = [r for r in systems if r.get("Risk acceptance")]
    assert any(str(r["Risk acceptance"]).startswith("Accepted: ") for r in systems)
    assert any(r["Items N/A"] for r in systems)
    assert any(not str(r["Lowered only by planned mitigations"]).startswith("0") for r in systems)
    with (demo.folder / "data" / "responses.csv").open(encoding="utf-8") as fh:
        notes = [r for r in csv.DictReader(fh) if r["field"] in ("note", "comment", "notes")]
    assert notes  # "not applicable" answers come with their reasons


def test_hostile_free_text_stays_inert_in_the_summary_and_the_data(demo):
    hostile = '=HYPERLINK("http://attacker.example","click")'
    with (demo.folder / "data" / "responses.csv").open(encoding="utf-8") as fh:
        values = [row["answer_value"] for row in csv.DictReader(fh)]
    assert "'" + hostile in values and hostile not in values
    wb = openpyxl.load_workbook(demo.summary)
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"


def test_hostile_unit_names_and_mitigations_reach_the_summary_as_quoted_text(
    tmp_path, questionnaires
):
    evil_unit = Unit("U66", "=cmd|' /C calc'!A0", system_id="S66", system_name="@SUM(A1:A9)")
    qn = questionnaires["risk"]
    answers = answers_for(qn, random.Random(4), Profile(0.5, 1.0, 1.0))
    answers |= {
        "in_legit_1_likelihood": "almost_certain",
        "in_legit_1_impact": "severe",
        "in_legit_1_mitigation": '+HYPERLINK("http://x")',
    }
    returned(tmp_path, qn, evil_unit, answers=answers, name="evil.xlsx")
    out = tmp_path / "summary.xlsx"
    api.consolidate([tmp_path / "evil.xlsx"], output=out)
    wb = openpyxl.load_workbook(out)
    found = {}
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in ("=cmd|' /C calc'!A0", "@SUM(A1:A9)", '+HYPERLINK("http://x")'):
                    found[cell.value] = (cell.data_type, cell.quotePrefix)
    assert found == {
        v: ("s", True) for v in ("=cmd|' /C calc'!A0", "@SUM(A1:A9)", '+HYPERLINK("http://x")')
    }


def test_scores_csv_equals_what_libreoffice_computes_from_the_same_returns(
    tmp_path, libreoffice, questionnaires
):
    """Returns filled and saved by LibreOffice; scores.csv must match its own recalculation."""
    roster = tmp_path / "units.csv"
    roster.write_text(
        "unit_id,unit_name,system_id,system_name\nU01,Cyber,S01,Face search\n"
        "U02,Traffic,S02,ANPR\n",
        encoding="utf-8",
    )
    sent = api.generate(units=roster, out_dir=tmp_path / "sent", round_id="R9")
    returns = tmp_path / "returns"
    returns.mkdir()
    expected: dict[tuple[str, str], object] = {}
    rng = random.Random(5)
    for g in sent:
        qn = questionnaires[g.questionnaire]
        answers = answers_for(qn, rng, Profile(rng.random(), rng.random(), 0.9))
        for q in qn.questions:
            if q.prefill:
                answers.pop(q.input_name(q.fields[0]), None)
        libreoffice.load(g.path)
        libreoffice.set(lo_cells(qn, answers))
        libreoffice.recalc()
        target = returns / g.path.name
        libreoffice.save(target)
        values = libreoffice.get([m.name for m in qn.metrics])
        for m, v in zip(qn.metrics, values, strict=True):
            expected[(target.name, m.id)] = v
        libreoffice.close_doc()

    result = api.consolidate(
        [returns],
        units=roster,
        output=tmp_path / "summary.xlsx",
        data_dir=tmp_path / "data",
        round_id="R9",
    )
    assert not result.report.rejected
    with (tmp_path / "data" / "scores.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(expected)
    for row in rows:
        lo = expected[(Path(row["file"]).name, row["metric_id"])]
        if isinstance(lo, float):
            assert math.isclose(float(row["label"]), lo, rel_tol=1e-9, abs_tol=1e-9), row
        else:
            assert row["label"] == lo, row


def test_a_failure_while_writing_leaves_the_previous_summary_intact(
    tmp_path, questionnaires, monkeypatch
):
    returned(tmp_path, questionnaires["readiness"], name="r.xlsx")
    summary = tmp_path / "out" / "summary.xlsx"
    result = CliRunner().invoke(cli, ["consolidate", str(tmp_path / "r.xlsx"), "-o", str(summary)])
    assert result.exit_code == 0, result.output
    good = summary.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("rai_sheets.files.os.fsync", disk_full)
    result = CliRunner().invoke(cli, ["consolidate", str(tmp_path / "r.xlsx"), "-o", str(summary)])
    assert result.exit_code == 3
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert summary.read_bytes() == good
    assert sorted(p.name for p in summary.parent.iterdir()) == ["summary.xlsx"]


def test_small_groups_hide_unit_level_readiness(tmp_path, questionnaires):
    for n in (1, 2):
        returned(tmp_path, questionnaires["readiness"], Unit(f"U0{n}", f"Unit {n}"), seed=n)
    out = tmp_path / "summary.xlsx"
    api.consolidate([tmp_path], output=out, min_group=5)
    rows = sheet_rows(out, "Readiness")
    text = " ".join(str(v) for r in rows for v in r if v)
    assert "Unit-level results are hidden: fewer than 5 units answered" in text
    assert "Unit 1" not in text and "Unit 2" not in text
    api.consolidate([tmp_path], output=out)
    assert "Unit 1" in " ".join(str(v) for r in sheet_rows(out, "Readiness") for v in r if v)


def test_consolidate_cli_reports_where_things_are_and_exits_1_on_rejections(
    tmp_path, questionnaires
):
    returned(
        tmp_path, questionnaires["risk"], name="a.xlsx", saved_at=datetime.now() - timedelta(days=1)
    )
    (tmp_path / "b.xlsx").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    out = tmp_path / "s.xlsx"
    result = CliRunner().invoke(
        cli, ["consolidate", str(tmp_path), "-o", str(out), "--data", str(tmp_path / "data")]
    )
    assert result.exit_code == 1
    assert f"Summary workbook: {out}" in result.output
    assert "What needs attention:" in result.output
    assert (tmp_path / "data" / "responses.csv").exists()
    assert os.path.getsize(out) > 0


def test_the_data_export_has_parquet_copies_when_pyarrow_is_installed(demo):
    pq = pytest.importorskip("pyarrow.parquet")  # in the [test] extras, so CI runs this
    data = demo.folder / "data"
    for name in ("responses", "scores"):
        table = pq.read_table(data / f"{name}.parquet")
        with (data / f"{name}.csv").open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert table.num_rows == len(rows)
        assert table.column_names == list(rows[0])
        assert table.column(0).to_pylist()[:3] == [r["file"] for r in rows[:3]]


def test_an_action_falls_overdue_between_saving_and_consolidating(tmp_path, questionnaires):
    """The workbook's own results are as of the day it was saved (not flagged as wrong); the
    summary judges what is overdue as of the day it is consolidated."""
    qn = questionnaires["action"]
    saved = datetime(2026, 3, 1, 9, 0)
    answers = answers_for(qn, random.Random(3), Profile(0.6, 0.5, 1.0)) | {
        "in_current_stage": "design",
        "in_plan_1_status": "in_progress",
        "in_plan_1_due": saved + timedelta(days=10),
    }
    returned(tmp_path, qn, seed=3, answers=answers, name="action.xlsx", saved_at=saved)

    def plan_1(today: datetime) -> tuple[object, list[str]]:
        c = api.consolidate(
            [tmp_path / "action.xlsx"], output=tmp_path / "summary.xlsx", today=today.date()
        ).consolidation
        issues = [i.code for f in c.report.files for i in f.issues]
        return c.kept[0].scores.get("plan_1_attention"), issues

    before, issues = plan_1(saved + timedelta(days=5))
    after, issues_after = plan_1(saved + timedelta(days=40))
    assert before != after == "overdue"
    assert "result-mismatch" not in issues + issues_after  # as of its saving, it was right
