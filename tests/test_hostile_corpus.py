"""One bad file never stops a run. Every hostile case (tests/hostile.py) is made from a real
return and checked alone, for its status, code and cell; then all of them together with good
returns, through the command a coordinator types, for one complete report within a memory
budget; then with the size checks switched off, so that the readers really crash, to show that
a dying reader costs only its own file."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from rai_sheets import api
from rai_sheets.cli import cli
from rai_sheets.issues import render
from rai_sheets.returns import reader
from rai_sheets.returns import validate as validate_stage
from rai_sheets.returns.isolation import Limits

from . import hostile
from .factory import returned, unit_for

ROOT = Path(__file__).resolve().parent.parent
CASES = hostile.corpus()
MEMORY_BUDGET_MB = 500
SAME_ANSWERS = {
    "stray_xfd.xlsx",
    "stray_z.xlsx",
    "stray_h.xlsx",
    "cells_without_references.xlsx",
    "strict_ooxml.xlsx",
}

# The command, run in a fresh process that reports its own peak memory and its workers'.
MEASURED_RUN = """
import json, resource, sys
from rai_sheets.cli import main
sys.argv = ["rai-sheets", *sys.argv[1:]]
try:
    main()
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
# this process's own peak (ru_maxrss here would also count the test run that started it)
status = open("/proc/self/status").read()
me = int(status.split("VmHWM:")[1].split()[0])
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "main_kb": me, "worker_kb": workers}), file=sys.stderr)
"""


def _build(case: hostile.Case, good: Path, folder: Path, qn) -> Path:  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate part it is asked for
        return case.build(good, folder / case.name, qn)


@pytest.fixture(scope="module")
def good_risk(tmp_path_factory, questionnaires) -> Path:
    return returned(tmp_path_factory.mktemp("good"), questionnaires["risk"], name="good.xlsx")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_hostile_file_alone_gets_its_status_code_and_cell(
    case, good_risk, tmp_path, questionnaires
):
    qn = questionnaires["risk"]
    path = _build(case, good_risk, tmp_path, qn)
    f = api.validate([path], jobs=1).files[0]
    assert f.status == case.status, [i.message for i in f.issues]
    if case.code:
        assert f.issues[0].code == case.code, [i.message for i in f.issues]
    else:
        assert f.issues == []
    if case.answer is not None:
        sheet, _, a1 = hostile.name_cell(hostile.parts_of(good_risk), case.answer(qn))
        assert (f.issues[0].sheet, f.issues[0].cell) == (sheet, a1)
        assert [i.code for i in f.issues].count(case.code) == 1  # one error, at the cell
    if case.name in SAME_ANSWERS:  # read within budget: the answers are the good file's own
        assert f.answers == api.validate([good_risk], jobs=1).files[0].answers


def _corpus_folder(folder: Path, questionnaires) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every hostile case, a few classic bad files and good returns of all three
    questionnaires; what each must be."""
    folder.mkdir()
    expected: dict[str, str] = {}
    for i, qid in enumerate(("readiness", "risk", "action")):
        qn = questionnaires[qid]
        for seed in (1, 2):
            unit = unit_for(qid, 10 * i + seed)
            path = returned(folder, qn, unit, seed=seed, name=f"good_{qid}_{seed}.xlsx")
            expected[path.name] = "accepted"
    qn = questionnaires["risk"]
    source = returned(folder.parent, qn, unit_for("risk", 99), name="source.xlsx")
    for case in CASES:
        expected[_build(case, source, folder, qn).name] = case.status
    data = source.read_bytes()
    (folder / "empty.xlsx").write_bytes(b"")
    (folder / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    (folder / "renamed.xlsx").write_text("unit,score\nU01,3\n", encoding="utf-8")
    (folder / "\x1b[2Jescape.xlsx").write_bytes(data)  # a file name that is an escape sequence
    expected.update(
        {"empty.xlsx": "rejected", "truncated.xlsx": "rejected", "renamed.xlsx": "rejected"}
    )
    expected["\x1b[2Jescape.xlsx"] = "accepted"
    return expected


def test_a_folder_of_every_hostile_case_and_good_returns_gives_one_full_report(
    tmp_path, questionnaires
):
    """The coordinator's own command, in its own process: one report with every file, the
    good ones accepted, exit 1, no traceback or crash output, peak memory within budget;
    then `consolidate` on the same folder writes the summary from the good ones."""
    inbox = tmp_path / "inbox"
    expected = _corpus_folder(inbox, questionnaires)
    report = tmp_path / "issues.xlsx"
    done = subprocess.run(
        [sys.executable, "-c", MEASURED_RUN, "validate", str(inbox), "--jobs", "2"]
        + ["--report", str(report)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    *noise, last = done.stderr.strip().splitlines()
    run = json.loads(last)
    assert run["code"] == 1, done.stdout[-3000:]
    assert noise == [], noise  # no traceback, no reader's dying words
    assert (
        "Traceback" not in done.stdout and "\x1b" not in done.stdout and "\x07" not in done.stdout
    )
    assert "\\x1b[2J" in done.stdout  # the escape sequences are shown, not obeyed
    # main process plus each of its two workers at their largest: the tree never held more
    peak_mb = (run["main_kb"] + 2 * run["worker_kb"]) / 1024
    assert peak_mb < MEMORY_BUDGET_MB, run

    rows = list(openpyxl.load_workbook(report).active.iter_rows(min_row=2, values_only=True))
    # the report says statuses in words ("Accepted with warnings"): compare them as codes
    status = {Path(str(r[0])).name: str(r[1]).lower().replace(" ", "-") for r in rows}
    assert set(status) == {n.replace("\x1b", "\\x1b") for n in expected}
    for name, want in expected.items():
        assert status[name.replace("\x1b", "\\x1b")].startswith(want), name

    summary, data = tmp_path / "summary.xlsx", tmp_path / "data"
    result = CliRunner().invoke(
        cli, ["consolidate", str(inbox), "-o", str(summary), "--data", str(data), "--jobs", "2"]
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and summary.exists()
    with (data / "scores.csv").open(encoding="utf-8") as fh:
        consolidated = {Path(row["file"]).name for row in csv.DictReader(fh)}
    goods = {n for n in expected if n.startswith("good_")}
    copies = {n for n, want in expected.items() if want == "accepted"} - goods
    # every good return counts; the hostile copies read within budget are one unit's
    # returns of one system, so the one saved last counts for all of them
    assert goods <= consolidated and len(consolidated - goods) == 1
    assert consolidated - goods <= {n.replace("\x1b", "\\x1b") for n in copies} | copies


@pytest.fixture()
def without_size_checks(monkeypatch):
    """The checks that keep readers from allocating what a file claims, switched off, and every
    cell read by calamine (reading answers straight from the XML allocates no grid): what is
    left to protect the run is the isolation."""
    monkeypatch.setattr(reader, "MAX_STRINGS_OVERSTATED", 10**15)
    monkeypatch.setattr(reader, "MAX_GRID_CELLS", 10**15)
    monkeypatch.setattr(reader.WorkbookFile, "_read_direct", lambda self, sheet: None)


def test_a_reader_that_dies_costs_only_its_own_file(
    tmp_path, questionnaires, without_size_checks, capfd
):
    qn = questionnaires["risk"]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    goods = [
        returned(inbox, qn, unit_for("risk", n), seed=n, name=f"good_{n:02d}.xlsx")
        for n in range(1, 31)
    ]
    hostile.huge_string_count(goods[0], inbox / "asks_51GB.xlsx", qn)
    hostile.stray_cell("XFD")(goods[1], inbox / "asks_550GB.xlsx", qn)

    report = api.validate([inbox], jobs=2)

    by_name = {Path(f.name).name: f for f in report.files}
    assert len(by_name) == 32
    for name in ("asks_51GB.xlsx", "asks_550GB.xlsx"):
        f = by_name[name]
        assert (f.status, [i.code for i in f.issues]) == ("rejected", ["too-large-when-read"])
        assert "at once; the limit is 512 MB" in f.issues[0].message
        assert len(f.sha256) == 64  # a round can still recognise it
    assert all(by_name[g.name].status == "accepted" for g in goods)
    assert "memory allocation" not in capfd.readouterr().err  # its last words stay private


def test_a_single_crashing_file_does_not_kill_validate(
    tmp_path, questionnaires, without_size_checks
):
    qn = questionnaires["readiness"]
    good = returned(tmp_path, qn, name="good.xlsx")
    crash = hostile.huge_string_count(good, tmp_path / "crash.xlsx", qn)
    result = CliRunner().invoke(cli, ["validate", str(crash)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "would need more memory to read" in result.output
    assert "0 accepted, 0 accepted with warnings, 1 rejected" in result.output


def test_a_file_that_takes_too_long_is_stopped_and_the_others_are_read(
    tmp_path, questionnaires, monkeypatch
):
    monkeypatch.setattr(validate_stage, "READ_LIMITS", Limits(cpu_seconds=1))
    qn = questionnaires["readiness"]
    good = returned(tmp_path, qn, name="good.xlsx")
    slow = hostile.slow_to_read(good, tmp_path / "slow.xlsx", qn)
    report = api.validate([slow, good], jobs=1)
    (s, g) = report.files
    assert (s.status, [i.code for i in s.issues]) == ("rejected", ["too-slow-when-read"])
    assert s.issues[0].message == render("too-slow-when-read", seconds=1)
    assert g.status == "accepted"


def test_each_tier_of_the_sheet_scan_finds_the_same_formulas(questionnaires, tmp_path):
    """The fast reading of a sheet (regular expressions over canonical XML) and the careful one
    (a streaming XML parse) agree on every real sheet: no formula is missed by going fast."""
    from rai_sheets.returns import sheet_scan

    for qid, qn in questionnaires.items():
        path = returned(tmp_path, qn, name=f"{qid}.xlsx")
        with zipfile.ZipFile(path) as zf:
            sheets = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        for body in sheets:
            quick, careful = sheet_scan.scan(body), sheet_scan._streamed(body)
            measured = sheet_scan._measured(body)
            assert measured is not None
            assert (measured.rows, measured.cols) == (careful.rows, careful.cols)
            assert quick.area >= careful.area
            assert set(quick.formula_refs) == set(careful.formula_refs)
            refs = careful.formula_refs
            assert {r: quick.formula(r) for r in refs} == {r: careful.formula(r) for r in refs}


def test_control_characters_are_shown_escaped_in_console_report_and_feedback(
    tmp_path, good_risk, questionnaires
):
    qn = questionnaires["risk"]
    case = next(c for c in CASES if c.name == "control_choice.xlsx")
    path = _build(case, good_risk, tmp_path, qn)
    report, feedback = tmp_path / "issues.xlsx", tmp_path / "feedback"
    result = CliRunner().invoke(
        cli, ["validate", str(path), "--report", str(report), "--feedback", str(feedback)]
    )
    assert result.exit_code == 1, result.output
    shown = '"\\x1b[2J\\x1b[31mgone\\x07" is not a choice'
    assert shown in result.output and "\x1b" not in result.output
    rows = list(openpyxl.load_workbook(report).active.iter_rows(min_row=2, values_only=True))
    assert any(shown in str(r[-1]) for r in rows)
    copy = openpyxl.load_workbook(feedback / "control_choice_feedback.xlsx")
    messages = [str(v) for r in copy["Issues"].iter_rows(min_row=5, values_only=True) for v in r]
    assert any(shown in m for m in messages)
    assert "no feedback copy could be written" not in result.output


def test_migrate_also_survives_a_reader_that_dies(tmp_path, questionnaires, without_size_checks):
    """`migrate` reads untrusted returns too: the file that kills its reader is reported, the
    others are handled as usual."""
    qn = questionnaires["readiness"]
    folder = tmp_path / "in"
    folder.mkdir()
    good = returned(folder, qn, name="a_now.xlsx")
    hostile.huge_string_count(good, folder / "b_crash.xlsx", qn)
    result = CliRunner().invoke(cli, ["migrate", str(folder), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"{folder / 'a_now.xlsx'}: already made from the current version" in result.output
    assert f"error [{folder / 'b_crash.xlsx'}] The workbook would need more memory" in result.output
