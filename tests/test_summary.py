"""A chief of police with five minutes, and the coordinator behind them, read the summary.

The demo's two rounds give the story: last year's round in the history, this year's sent
pre-filled and revised, with the usual mistakes. The chief must find every AI system that has
no valid risk assessment named on the Overview, see what changed since last year, work down a
list of risk items, read the decisions taken; the coordinator finds who sent what, in words,
at the end. Smaller rounds built here check each rule on its own.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from rai_sheets import api
from rai_sheets.cli import cli
from rai_sheets.demo import PREVIOUS, ROUND, STAGES
from rai_sheets.i18n import CATALOGUE_PATH, LANGUAGES, catalogue, text
from rai_sheets.model import Questionnaire, Unit
from rai_sheets.simulate import Profile, answers_for

from .factory import returned

CHIEF = ["Overview", "Readiness", "Risk register", "Risk items", "Actions", "Decisions", "Trends"]


def rows_of(path: Path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))


def table(rows: list[tuple], first: str, nth: int = 0) -> list[dict[str, Any]]:
    """The rows of the `nth` table whose header starts with `first`, keyed by the header."""
    at = [i for i, r in enumerate(rows) if r and r[0] == first][nth]
    out = []
    for r in rows[at + 1 :]:
        if not r or all(v is None for v in r):
            break
        out.append({k: v for k, v in zip(rows[at], r, strict=False) if k})
    return out


def grid(rows: list[tuple]) -> dict[str, tuple]:
    """The Overview's risk grid: row label -> the row's cells after the label."""
    at = next(i for i, r in enumerate(rows) if r and str(r[0]).startswith("Before mitigation"))
    out = {}
    for r in rows[at + 1 :]:
        if not r or r[0] is None:
            break
        out[str(r[0])] = r[1:]
    return out


# ---- the chief's Overview ------------------------------------------------------------------
def test_the_overview_names_every_ai_system_without_a_valid_risk_assessment(demo):
    roster = {r["system_id"]: r for r in csv.DictReader(demo.roster.open(encoding="utf-8"))}
    systems = {sid: r["system_name"] for sid, r in roster.items() if sid}
    # the demo's story: never assessed, rejected twice, and one gone live on last year's
    expected = {
        "S-OSINT": "none received",
        "S-HOTSPOT": "returned, but rejected",
        "S-DARA": "returned, but rejected",
        "S-TRIAGE": "), now at Use and monitoring",  # with the levels it had then
    }
    rows = rows_of(demo.summary, "Overview")
    g = grid(rows)
    none_row = g["No valid risk assessment"]
    listed = [line for line in str(none_row[0]).split("\n") if line]
    assert len(listed) == len(expected) and none_row[-1] == len(expected)
    for sid, why in expected.items():
        assert any(line.startswith(systems[sid] + " (") and why in line for line in listed)
    triage = next(line for line in listed if line.startswith(systems["S-TRIAGE"]))
    assert "assessed at Deployment (" in triage and " before mitigation, " in triage
    # the grid adds up to the roster: each system counted once, assessed or not
    levels = ["Extremely high", "High", "Medium", "Low"]
    assert sum(g[lv][-1] for lv in levels) + none_row[-1] == g["All AI systems"][-1]
    assert g["All AI systems"][-1] == len(systems)
    # and one of the five findings names them all, by name, never by id
    findings = [str(r[0]) for r in rows if r and re.match(r"^[1-5]\. ", str(r[0] or ""))]
    assert len(findings) == 5
    named = next(f for f in findings if "no valid risk assessment" in f)
    assert all(systems[sid] in named for sid in expected)
    assert not re.search(r"\b(S-[A-Z]+|[a-z]+_\d+)\b", " ".join(findings))


def test_the_risk_grid_puts_each_system_at_its_inherent_and_residual_level(demo):
    c = demo.report.consolidation
    reg = c.register[~c.register["system_id"].isin(c.unassessed["system_id"])]
    g = grid(rows_of(demo.summary, "Overview"))
    levels = ["Extremely high", "High", "Medium", "Low"]
    for r in reg.itertuples():
        cell = g[r.highest_inherent][levels.index(r.highest_residual)]
        assert r.system in str(cell).split("\n")
    for lv in levels:
        assert g[lv][-1] == int((reg["highest_inherent"] == lv).sum())


def test_every_overview_figure_says_what_it_means(demo):
    rows = rows_of(demo.summary, "Overview")
    figures = table(rows, "Figure")
    assert {f["Figure"] for f in figures} >= {
        "Median completion",
        "Overdue items",
        "Done without evidence",
        "Decisions logged",
    }
    assert all(len(str(f["What it means"])) > 20 for f in figures)
    ws = openpyxl.load_workbook(demo.summary)["Overview"]
    median = next(r[1] for r in ws.iter_rows() if r[0].value == "Median completion")
    assert 0 < median.value < 1 and median.number_format == "0%"  # a share, among counts
    notes = " ".join(str(r[0]) for r in rows if r and r[0])
    assert "Expected: on the roster." in notes and "Median: half the units" in notes
    legend = next(
        r for r in rows if r and r[0] == "Readiness bands (share of the points attainable)"
    )
    assert [v for v in legend[1:] if v] == [
        "Early stage: 0–34%",
        "Partly in place: 35–59%",
        "Largely in place: 60–87%",
        "Leading practice: 88% and over",
    ]


# ---- what changed since last year ----------------------------------------------------------
def test_the_demo_runs_two_rounds_and_the_summary_shows_change_per_dimension_and_system(demo):
    assert [r.round_id for r in api.history_rounds(demo.history)] == [PREVIOUS, ROUND]
    # this year's workbooks went out pre-filled with last year's answers
    sent = openpyxl.load_workbook(demo.sent / f"readiness_U01_{ROUND}.xlsx", read_only=True)
    meta = {r[0]: r[1] for r in sent["_meta"].iter_rows(values_only=True) if r and r[0]}
    assert meta["carried_from"] == PREVIOUS
    # per dimension, on the Overview
    dims = table(rows_of(demo.summary, "Overview"), "Dimension")
    change = f"Change since {PREVIOUS}"
    assert all(re.fullmatch(r"(up|down) \d+ pts?|same", str(d[change])) for d in dims)
    assert any(str(d[change]) != "same" for d in dims)
    # per system, on the register and the Trends sheet
    register = table(rows_of(demo.summary, "Risk register"), "AI system")
    assert all(r["Change since the previous assessment"] for r in register)
    trends = table(rows_of(demo.summary, "Trends"), "AI system", nth=1)
    draft = [
        (t["Round"], t["Life-cycle stage"]) for t in trends if t["AI system"].startswith("Report")
    ]
    assert draft == [(PREVIOUS, "Design and development or procurement"), (ROUND, "Deployment")]
    assert STAGES["S-DRAFT"] == ("design", "deployment")


# ---- the lists to act on -------------------------------------------------------------------
def test_risk_items_are_a_filterable_table_sorted_to_work_down(demo, questionnaires):
    wb = openpyxl.load_workbook(demo.summary)
    ws = wb["Risk items"]
    (name,) = ws.tables
    ref = ws.tables[name].ref
    header_row = int(re.match(r"[A-Z]+(\d+)", ref).group(1))
    header = [c.value for c in ws[header_row]]
    assert header[0] == "Risk" and header[-1] == "Ids (system / item)"
    assert ws.print_title_rows == f"${header_row}:${header_row}"  # repeated on every page
    rows = [
        dict(zip(header, r, strict=True))
        for r in ws.iter_rows(min_row=header_row + 1, values_only=True)
        if r[0]
    ]
    assert rows
    rank = {"Low": 1, "Medium": 2, "High": 3, "Extremely high": 4}
    none = "None: the residual stays at the inherent level"
    order = [(-rank[r["After mitigation (residual)"]], r["Mitigation"] != none) for r in rows]
    assert order == sorted(order)  # highest residual first, unmitigated first within a level
    assert any(r["Mitigation"] == none for r in rows) and any(r["Owner"] for r in rows)
    risk = questionnaires["risk"]
    labels = {q.label.get() for q in risk.scored_questions()}
    for r in rows:
        assert r["Risk"] in labels  # the item's words, not its id
        system, item = r["Ids (system / item)"].split(" / ")
        assert risk.questions_by_id[item].label.get() == r["Risk"]
        assert (
            max(rank[r["Before mitigation (inherent)"]], rank[r["After mitigation (residual)"]])
            >= 3
        )


def test_decisions_are_consolidated_from_the_logs_newest_first(demo):
    wb = openpyxl.load_workbook(demo.summary)
    ws = wb["Decisions"]
    assert list(ws.tables)
    rows = table([tuple(c.value for c in r) for r in ws.iter_rows()], "Date")
    logged = [
        (f.system_name, k)
        for f in demo.report.consolidation.kept_of("action")
        for k, v in f.answers.items()
        if re.fullmatch(r"in_log_\d\d_decision", k) and v
    ]
    assert len(rows) == len(logged) > 0
    dates = [r["Date"] for r in rows]
    assert dates == sorted(dates, reverse=True)
    assert all(r["Decided by"] and r["Decision"] and r["AI system"] for r in rows)


# ---- the coordinator's sheets --------------------------------------------------------------
def test_coverage_and_issues_come_last_with_grey_tabs_file_names_and_words(demo):
    wb = openpyxl.load_workbook(demo.summary)
    assert wb.sheetnames == [*CHIEF, "Coverage", "Issues"]
    for name in wb.sheetnames:
        colour = wb[name].sheet_properties.tabColor
        assert (colour is not None and colour.rgb.endswith("A6A6A6")) == (name not in CHIEF)
    codes = {"accepted", "accepted-with-warnings", "rejected", "skipped", "superseded", "missing"}
    for sheet, first in (("Coverage", "Questionnaire"), ("Issues", "File")):
        rows = table(rows_of(demo.summary, sheet), first)
        assert rows and not {r["Status"] for r in rows} & codes
        assert not any("/" in str(r["File"] or "") for r in rows)
    issues = table(rows_of(demo.summary, "Issues"), "File")
    hotspot = next(r for r in issues if r["File"] == f"risk_U06_S-HOTSPOT_{ROUND}.xlsx")
    assert (hotspot["Unit"], hotspot["AI system"]) == (
        "Neighbourhood Policing",
        "Burglary hot-spot forecasting",
    )
    assert issues[0]["Status"] == "Rejected"  # what must come back, first


# ---- smaller rounds, one rule each ---------------------------------------------------------
def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    lines = ["unit_id,unit_name,system_id,system_name"]
    lines += [f"U01,Unit 1,S{n:02d},System {n}" for n in range(1, 5)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_system_is_unassessed_when_missing_rejected_or_assessed_at_an_earlier_stage(
    tmp_path, questionnaires
):
    risk, action = questionnaires["risk"], questionnaires["action"]
    returns = tmp_path / "returns"
    returns.mkdir()

    def system(n: int) -> Unit:
        return Unit("U01", "Unit 1", system_id=f"S{n:02d}", system_name=f"System {n}")

    def at(qn: Questionnaire, stage: str) -> dict[str, Any]:
        return answers_for(qn, random.Random(1), Profile(0.6, 0.5, 1.0, stage=stage))

    returned(returns, risk, system(1), answers=at(risk, "planning"))  # assessed while planned
    returned(returns, action, system(1), answers=at(action, "use"))  # ... and in use now
    returned(returns, risk, system(2), in_legit_1_likelihood="Possible")  # rejected
    returned(returns, risk, system(4), answers=at(risk, "use"))  # assessed where it is: valid
    returned(returns, action, system(4), answers=at(action, "use"))
    result = api.consolidate(
        [returns], units=_roster(tmp_path), output=tmp_path / "summary.xlsx", jobs=1
    )
    why = dict(
        zip(
            result.consolidation.unassessed["system_id"],
            result.consolidation.unassessed["why"],
            strict=True,
        )
    )
    assert why == {"S01": "earlier-stage", "S02": "rejected", "S03": "missing"}
    listed = table(rows_of(tmp_path / "summary.xlsx", "Risk register"), "AI system", nth=2)
    assert [r["AI system"] for r in listed] == ["System 1", "System 2", "System 3"]
    planned, rejected, missing = (r["Why"] for r in listed)
    assert planned.startswith("assessed at Decision and planning (")
    assert planned.endswith("after), now at Use and monitoring")
    assert (rejected, missing) == ("returned, but rejected", "none received")


def test_the_summary_speaks_the_language_it_is_asked_for(tmp_path, questionnaires):
    returns = tmp_path / "returns"
    returns.mkdir()
    returned(returns, questionnaires["readiness"])
    returned(returns, questionnaires["risk"])
    out = tmp_path / "synthese.xlsx"
    args = ["consolidate", str(returns), "-o", str(out), "--lang", "fr"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames[:3] == ["Synthèse", "Préparation", "Registre des risques"]
    assert next(wb["Synthèse"].iter_rows(values_only=True))[0] == text("summary.title", "fr")
    refused = CliRunner().invoke(cli, ["consolidate", str(returns), "--lang", "xx"])
    assert refused.exit_code == 2


def test_every_interface_string_the_code_asks_for_is_in_the_catalogue_with_its_placeholders():
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in Path(api.__file__).parent.rglob("*.py")
    )
    asked = set(re.findall(r"""\b(?:t|text)\(\s*"([a-z_]+\.[a-z_.\-]+)"\s*[,)]""", source))
    known = catalogue()
    assert asked and not asked - set(known), sorted(asked - set(known))
    fields = re.compile(r"\{(\w+)")
    for key, entry in known.items():
        for lang in LANGUAGES:
            if entry[lang]:
                assert set(fields.findall(entry[lang])) == set(fields.findall(entry["en"])), (
                    key,
                    lang,
                )
    with CATALOGUE_PATH.open(encoding="utf-8") as fh:
        keys = [row["key"] for row in csv.DictReader(fh)]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("status", ["rejected", "accepted-with-warnings"])
def test_statuses_read_as_words_in_every_language(status):
    assert text(f"status.{status}", "en") in ("Rejected", "Accepted with warnings")
    assert text(f"status.{status}", "fr") != text(f"status.{status}", "en")


def test_a_round_without_risk_returns_still_has_a_grid_that_adds_up(tmp_path, questionnaires):
    returns = tmp_path / "returns"
    returns.mkdir()
    returned(returns, questionnaires["readiness"])
    api.consolidate([returns], units=_roster(tmp_path), output=tmp_path / "s.xlsx", jobs=1)
    g = grid(rows_of(tmp_path / "s.xlsx", "Overview"))
    assert g["No valid risk assessment"][-1] == 4 == g["All AI systems"][-1]


def test_a_header_of_long_words_gets_a_line_for_each_word_that_does_not_fit():
    from rai_sheets.consolidate.summary_book import height_of, wrapped_lines

    # "Community / engagement / and / transparency" in a column 13 characters wide
    assert wrapped_lines("Community engagement and transparency", 13) == 4
    assert wrapped_lines("up 6 pts", 13) == 1
    assert wrapped_lines("x" * 30, 10) == 3  # a word longer than the line is broken
    assert height_of(["Community engagement and transparency"], [11]) > height_of(["Data"], [11])


def test_a_long_list_of_unassessed_systems_names_a_dozen_and_where_all_are(tmp_path):
    """A chief reads a sentence, not a thousand names: past a dozen, the finding names the
    first and points to the Risk register, which lists every one."""
    roster = tmp_path / "roster.csv"
    lines = ["unit_id,unit_name,system_id,system_name"]
    lines += [f"U{n:02d},Unit {n},S{n:02d},System {n}" for n in range(1, 16)]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "returns").mkdir()
    result = api.consolidate([tmp_path / "returns"], units=roster, output=tmp_path / "summary.xlsx")
    finding = next(f for f in result.consolidation.findings if "no valid risk" in f)
    assert finding.startswith("15 AI systems on the roster have no valid risk assessment")
    assert "the Risk register sheet names every one" in finding
    assert finding.endswith("and 3 more.") and finding.count("none received") == 12
    # after the register (empty: nothing was assessed), the systems without an assessment
    listed = table(rows_of(tmp_path / "summary.xlsx", "Risk register"), "AI system", nth=1)
    assert [r["AI system"] for r in listed] == [f"System {n}" for n in range(1, 16)]
