"""A coordinator consolidates round after round: every consolidation lands in one history
store, a round consolidated again replaces its own rows and nothing else, a crash midway
leaves the store as it was, and the whole history comes out as tidy data."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rai_sheets.cli import cli
from rai_sheets.consolidate.history import unpack_answers, unpack_scores
from rai_sheets.content.load import load_questionnaire
from rai_sheets.model import Unit

from .factory import returned


def a_round(folder: Path, questionnaires, round_id: str, units=(1, 2, 3), **changes) -> Path:
    """The returns of one round: a readiness return per unit, a risk and an action return for
    each unit's system."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in units:
        unit = Unit(f"U{n:02d}", f"Unit {n}")
        system = Unit(f"U{n:02d}", f"Unit {n}", system_id=f"S{n:02d}", system_name=f"System {n}")
        returned(folder, questionnaires["readiness"], unit, seed=n, round_id=round_id, **changes)
        returned(folder, questionnaires["risk"], system, seed=10 + n, round_id=round_id)
        returned(folder, questionnaires["action"], system, seed=20 + n, round_id=round_id)
    return folder


def consolidate(tmp_path: Path, folder: Path, round_id: str, history: Path, *extra: str):
    return CliRunner().invoke(
        cli,
        [
            "consolidate",
            str(folder),
            "--round",
            round_id,
            "--history",
            str(history),
            "-o",
            str(tmp_path / f"summary_{round_id}.xlsx"),
            *extra,
        ],
    )


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of the store's data tables, in a stable order."""
    with sqlite3.connect(db) as con:
        return {
            t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr)  # noqa: S608
            for t in ("returns",)
        } | {"rounds": con.execute("SELECT round_id, round_date FROM rounds").fetchall()}


def test_each_consolidation_is_recorded_and_consolidating_again_gives_the_same_rows(
    tmp_path, questionnaires
):
    history = tmp_path / "history.sqlite"
    r1 = a_round(tmp_path / "r1", questionnaires, "2026Q4")
    result = consolidate(tmp_path, r1, "2026Q4", history, "--round-date", "2026-12-15")
    assert result.exit_code == 0, result.output
    assert f"History: round 2026Q4 recorded in {history} (1 round(s) held" in result.output
    first = dump(history)
    assert first["rounds"] == [("2026Q4", "2026-12-15")]
    assert {(r[1], r[2]) for r in first["returns"]} == {
        (q, f"U{n:02d}") for q in ("readiness", "risk", "action") for n in (1, 2, 3)
    }
    # a row per return, keyed by round, questionnaire, unit and system, with its content
    # version, its answers and its scores
    risk = next(r for r in first["returns"] if r[1] == "risk")
    assert risk[:5] == ("2026Q4", "risk", risk[2], risk[3], load_questionnaire("risk").version)
    assert any(q == "legit_1" for q, _field, _kind, _value in unpack_answers(risk[11]))
    readiness = next(r for r in first["returns"] if r[1] == "readiness")
    assert unpack_scores(readiness[12])["overall_percent"][0] > 0

    again = consolidate(tmp_path, r1, "2026Q4", history)
    assert again.exit_code == 0, again.output
    assert dump(history) == first  # same rows; and the date given once is kept


def test_consolidating_a_round_again_replaces_only_that_rounds_rows(tmp_path, questionnaires):
    history = tmp_path / "history.sqlite"
    r1 = a_round(tmp_path / "r1", questionnaires, "R1")
    r2 = a_round(tmp_path / "r2", questionnaires, "R2")
    assert consolidate(tmp_path, r1, "R1", history, "--round-date", "2026-01-10").exit_code == 0
    assert consolidate(tmp_path, r2, "R2", history, "--round-date", "2026-07-10").exit_code == 0
    before = dump(history)
    for path in r2.glob("*_U03_*"):  # unit 3's returns of round 2 turn out to be void
        path.unlink()
    assert consolidate(tmp_path, r2, "R2", history).exit_code == 0
    after = dump(history)
    returns = after["returns"]
    assert [r for r in returns if r[0] == "R1"] == [r for r in before["returns"] if r[0] == "R1"]
    assert {r[2] for r in returns if r[0] == "R2"} == {"U01", "U02"}


def test_rounds_are_listed_in_the_order_of_their_dates_with_their_counts(tmp_path, questionnaires):
    history = tmp_path / "history.sqlite"
    autumn = a_round(tmp_path / "a", questionnaires, "autumn", units=(1, 2))
    spring = a_round(tmp_path / "s", questionnaires, "spring", units=(1,))
    assert (
        consolidate(tmp_path, autumn, "autumn", history, "--round-date", "2026-10-01").exit_code
        == 0
    )
    assert (
        consolidate(tmp_path, spring, "spring", history, "--round-date", "2026-04-01").exit_code
        == 0
    )
    result = CliRunner().invoke(cli, ["history", "--history", str(history)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:5] == ["ROUND", "DATE", "READINESS", "RISK", "ACTION"]
    assert lines[1].split()[:5] == ["spring", "2026-04-01", "1", "1", "1"]
    assert lines[2].split()[:5] == ["autumn", "2026-10-01", "2", "2", "2"]
    assert lines[3] == f"2 round(s) in {history} (accepted returns per questionnaire)."


def test_the_history_exports_as_formula_safe_tidy_data_for_all_rounds(tmp_path, questionnaires):
    history = tmp_path / "history.sqlite"
    hostile = '=HYPERLINK("http://attacker.example","click")'
    r1 = a_round(tmp_path / "r1", questionnaires, "R1", units=(1,), in_respondents=hostile)
    r2 = a_round(tmp_path / "r2", questionnaires, "R2", units=(1, 2))
    assert consolidate(tmp_path, r1, "R1", history, "--round-date", "2026-01-10").exit_code == 0
    assert consolidate(tmp_path, r2, "R2", history, "--round-date", "2026-07-10").exit_code == 0
    out = tmp_path / "export"
    result = CliRunner().invoke(cli, ["history", "--history", str(history), "--export", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Data: {out / 'responses.csv'}" in result.output

    def rows(name: str) -> list[dict[str, str]]:
        with (out / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    assert {(r["round"], r["questionnaire"], r["returns"]) for r in rows("rounds")} == {
        ("R1", q, "1") for q in ("readiness", "risk", "action")
    } | {("R2", q, "2") for q in ("readiness", "risk", "action")}
    responses = rows("responses")
    assert {r["round"] for r in responses} == {"R1", "R2"}
    who = [r for r in responses if r["question_id"] == "respondents" and r["round"] == "R1"]
    assert who[0]["value"] == "'" + hostile  # never a formula when opened in a spreadsheet
    dated = [r for r in responses if r["question_id"] == "answered_on"]
    assert all(len(r["value"]) == 10 and r["value"][4] == "-" for r in dated)  # ISO dates
    scores = rows("scores")
    overall = [r for r in scores if r["metric_id"] == "overall_band"]
    assert {r["round"] for r in overall} == {"R1", "R2"}
    bands = {b.label.get() for b in questionnaires["readiness"].bands}
    assert all(r["label"] in bands for r in overall)


KILLED_WRITER = r"""
import sys, time
from datetime import date
from pathlib import Path
from rai_sheets.consolidate.history import HistoryStore

def rows():
    for i in range(100_000):
        if i == 2_000:
            print("inside the transaction", flush=True)
            time.sleep(120)  # killed here
        yield ("R2", "readiness", f"X{i}", "", "2026.1", "X", "", "en", "x.xlsx", "0", "",
               '[["q1","","text","rewritten"]]', "{}")

store = HistoryStore(Path(sys.argv[1]))
store.replace_round("R2", date(2026, 7, 10), rows())
"""


def test_a_write_killed_midway_leaves_the_previous_rounds_intact(tmp_path, questionnaires):
    history = tmp_path / "history.sqlite"
    r1 = a_round(tmp_path / "r1", questionnaires, "R1", units=(1, 2))
    r2 = a_round(tmp_path / "r2", questionnaires, "R2", units=(1, 2))
    assert consolidate(tmp_path, r1, "R1", history, "--round-date", "2026-01-10").exit_code == 0
    assert consolidate(tmp_path, r2, "R2", history, "--round-date", "2026-07-10").exit_code == 0
    before = dump(history)

    # Re-consolidating R2 in another process: killed after deleting R2's rows and inserting
    # thousands of new ones, inside the transaction.
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(history)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "inside the transaction"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL

    assert dump(history) == before  # both rounds as they were
    with sqlite3.connect(history) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # and the store is usable: the round can be consolidated again
    assert consolidate(tmp_path, r2, "R2", history).exit_code == 0
    assert dump(history) == before


def test_a_damaged_history_store_is_reported_without_a_traceback(tmp_path, questionnaires):
    history = tmp_path / "history.sqlite"
    history.write_bytes(b"this is not a database, it is a note" * 100)
    r1 = a_round(tmp_path / "r1", questionnaires, "R1", units=(1,))
    result = consolidate(tmp_path, r1, "R1", history)
    assert result.exit_code == 1
    assert f"the history store {history} cannot be used" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [[], ["--export", "x"]])
def test_history_of_an_absent_store_says_so(tmp_path, args):
    history = tmp_path / "none.sqlite"
    result = CliRunner().invoke(cli, ["history", "--history", str(history), *args])
    assert result.exit_code == 0, result.output
    assert "No round held yet" in result.output
    assert not history.exists()  # looking does not create it


def test_a_round_run_by_email_is_recorded_under_its_deadline(tmp_path, questionnaires):
    roster = tmp_path / "units.csv"
    roster.write_text("unit_id,unit_name,email\nU01,Unit 1,u01@police.example\n", "utf-8")
    rounds, history = tmp_path / "rounds", tmp_path / "history.sqlite"
    where = ["--round", "2026Q4", "--rounds-dir", str(rounds)]
    run = CliRunner().invoke
    result = run(
        cli,
        ["distribute", "readiness", "--units", str(roster), "--from", "a@b.c", *where]
        + ["--deadline", "2026-12-15"],
    )
    assert result.exit_code == 0, result.output
    replies = tmp_path / "replies"
    replies.mkdir()
    returned(replies, questionnaires["readiness"], Unit("U01", "Unit 1"), round_id="2026Q4")
    assert run(cli, ["collect", str(replies), *where]).exit_code == 0
    result = run(cli, ["consolidate", *where, "--history", str(history)])
    assert result.exit_code == 0, result.output
    assert dump(history)["rounds"] == [("2026Q4", "2026-12-15")]
    assert {r[2] for r in dump(history)["returns"]} == {"U01"}


SCHEMA_1 = """
CREATE TABLE store (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rounds (round_id TEXT PRIMARY KEY, round_date TEXT NOT NULL,
    consolidated_at TEXT NOT NULL);
CREATE TABLE returns (
    round_id TEXT NOT NULL, questionnaire TEXT NOT NULL, unit_id TEXT NOT NULL,
    system_id TEXT NOT NULL, version TEXT NOT NULL, unit_name TEXT NOT NULL,
    system_name TEXT NOT NULL, language TEXT NOT NULL, file TEXT NOT NULL,
    sha256 TEXT NOT NULL, saved_at TEXT NOT NULL,
    PRIMARY KEY (round_id, questionnaire, unit_id, system_id));
CREATE TABLE answers (
    round_id TEXT NOT NULL, questionnaire TEXT NOT NULL, unit_id TEXT NOT NULL,
    system_id TEXT NOT NULL, version TEXT NOT NULL, question_id TEXT NOT NULL,
    field TEXT NOT NULL, kind TEXT NOT NULL, value,
    PRIMARY KEY (round_id, questionnaire, unit_id, system_id, question_id, field)
) WITHOUT ROWID;
CREATE TABLE scores (
    round_id TEXT NOT NULL, questionnaire TEXT NOT NULL, unit_id TEXT NOT NULL,
    system_id TEXT NOT NULL, version TEXT NOT NULL, metric_id TEXT NOT NULL,
    value, label,
    PRIMARY KEY (round_id, questionnaire, unit_id, system_id, metric_id)
) WITHOUT ROWID;
INSERT INTO store VALUES ('schema', '1');
"""


def as_schema_1(store: Path, old: Path) -> None:
    """The store as rai-sheets wrote it before a return became one row: a row per answer and
    per score."""
    with sqlite3.connect(store) as new, sqlite3.connect(old) as con:
        con.executescript(SCHEMA_1)
        con.executemany("INSERT INTO rounds VALUES (?,?,?)", new.execute("SELECT * FROM rounds"))
        for *ret, answers, scores in new.execute("SELECT * FROM returns").fetchall():
            con.execute("INSERT INTO returns VALUES (?,?,?,?,?,?,?,?,?,?,?)", ret)
            key = ret[:5]
            con.executemany(
                "INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?)",
                [(*key, *a) for a in unpack_answers(answers)],
            )
            con.executemany(
                "INSERT INTO scores VALUES (?,?,?,?,?,?,?,?)",
                [(*key, m, v, label) for m, (v, label) in unpack_scores(scores).items()],
            )


def test_a_store_from_the_earlier_schema_is_converted_and_keeps_every_answer_and_score(
    tmp_path, questionnaires
):
    r1 = a_round(tmp_path / "r1", questionnaires, "R1", units=(1, 2))
    r2 = a_round(tmp_path / "r2", questionnaires, "R2", units=(1, 2), in_respondents="Changed")
    native, old = tmp_path / "native.sqlite", tmp_path / "old.sqlite"
    assert consolidate(tmp_path, r1, "R1", native, "--round-date", "2026-01-10").exit_code == 0
    as_schema_1(native, old)
    for history in (native, old):  # the next round, into each store
        result = consolidate(tmp_path, r2, "R2", history, "--round-date", "2026-07-10")
        assert result.exit_code == 0, result.output
        assert "2 round(s) held" in result.output

    with sqlite3.connect(old) as con:
        tables = {t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {"store", "rounds", "returns"}
        assert con.execute("SELECT value FROM store WHERE key = 'schema'").fetchone() == ("2",)
    exported = {}
    for history in (native, old):
        out = tmp_path / f"export_{history.stem}"
        result = CliRunner().invoke(
            cli, ["history", "--history", str(history), "--export", str(out)]
        )
        assert result.exit_code == 0, result.output
        exported[history] = {n: (out / f"{n}.csv").read_text() for n in ("responses", "scores")}
    assert exported[old] == exported[native]  # every answer and score of round 1, unchanged
    assert "R1" in exported[old]["responses"] and "R1" in exported[old]["scores"]
