"""A round that tells the truth: a coordinator runs a round through a real SMTP server and an
mbox of replies, one of which a mail gateway cut short, and reads what the round says at each
step: who is late (the deadline day counts in full), whose file arrived damaged (and only
theirs), what the reminders tell the units, and when the round is done."""

from __future__ import annotations

import csv
import email
import email.policy
import hashlib
import io
import json
import mailbox
import os
import random
import socket
import string
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from rai_sheets.cli import cli
from rai_sheets.content.load import load_questionnaire
from rai_sheets.issues import render
from rai_sheets.model import Unit
from rai_sheets.returns import validate as validate_module
from rai_sheets.rounds import verdicts
from rai_sheets.rounds.attribute import BOTH, FILE_NAME, SENDER, attribute
from rai_sheets.rounds.folder import ManifestRow
from rai_sheets.rounds.mail import compose, load_template
from rai_sheets.rounds.status import status
from rai_sheets.simulate import Profile, answers_for
from rai_sheets.workbook.generator import WorkbookSpec, write_workbook

from .test_rounds import coverage_of, reply, smtp_args

PARIS = ZoneInfo("Europe/Paris")
COORDINATOR_NAME = "Gouvernance de l’IA – Île-de-France"
COORDINATOR = f"{COORDINATOR_NAME} <ai-governance@police.example>"
FRENCH_UNIT = "Brigade d'intervention – Île-de-France"
FORMULA_UNIT = '=HYPERLINK("http://evil.example/","Unit 3")'
FORMULA_SYSTEM = "+cmd|' /C calc'!A0"
UNITS = {
    "U01": Unit("U01", "Cyber Crime Unit", "u01@police.example"),
    "U02": Unit("U02", FRENCH_UNIT, "u02@police.example", "fr"),
    "U03": Unit("U03", FORMULA_UNIT, "u03@police.example", "", "S03", FORMULA_SYSTEM),
    "U04": Unit("U04", "Roads Policing", "u04@police.example"),
    "U05": Unit("U05", "Custody", "u05@police.example"),
}


def write_roster(path: Path) -> Path:
    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    lines = ["unit_id,unit_name,email,language,system_id,system_name"]
    for u in UNITS.values():
        fields = (u.unit_id, u.unit_name, u.email, u.language, u.system_id, u.system_name)
        lines.append(",".join(cell(f) for f in fields))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def returned(qid: str, uid: str, seed: int = 1) -> tuple[str, bytes]:
    """What a unit sends back: its own workbook, filled in, under the name it was sent as."""
    qn = load_questionnaire(qid)
    u = UNITS[uid]
    unit = u if qid != "readiness" else Unit(u.unit_id, u.unit_name, u.email, u.language)
    answers = answers_for(qn, random.Random(seed), Profile(0.6, 0.5, 1.0))
    buf = io.BytesIO()
    write_workbook(WorkbookSpec(qn, unit, "R1", answers=answers), buf)
    system = f"_{unit.system_id}" if unit.system_id else ""
    return f"{qid}_{uid}{system}_R1.xlsx", buf.getvalue()


def zipped(name: str, data: bytes) -> tuple[str, bytes]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return name.replace(".xlsx", ".zip"), buf.getvalue()


class RawInbox:
    """An SMTP server's mailbox that keeps each message's bytes as they arrived."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.raw.append(envelope.content)
        return "250 OK"

    def strict(self) -> dict[str, email.message.EmailMessage]:
        """Every message parsed with the strict policy, by recipient address."""
        out = {}
        for raw in self.raw:
            msg = email.message_from_bytes(raw, policy=email.policy.strict)
            out[msg["To"].addresses[0].addr_spec] = msg
        return out


@pytest.fixture()
def smtp_inbox():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = RawInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), PARIS)


def reads_logged(monkeypatch, log: Path, crash_on: str = ""):  # type: ignore[no-untyped-def]
    """Record the name of every file read, in a file, since files are read in worker
    processes; a name starting with `crash_on` makes the reader abort, as calamine can."""
    real_read = validate_module.read_return

    def logging_read(path, shown, contents, today=None):  # type: ignore[no-untyped-def]
        with log.open("a", encoding="utf-8") as fh:
            fh.write(shown + "\n")
        if crash_on and shown.startswith(crash_on):
            os.abort()
        return real_read(path, shown, contents, today)

    monkeypatch.setattr(validate_module, "read_return", logging_read)

    def read() -> list[str]:
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    return read


def test_a_round_tells_the_truth_from_invitation_to_summary(tmp_path, smtp_inbox, monkeypatch):
    inbox, port = smtp_inbox
    roster = write_roster(tmp_path / "units.csv")
    rounds = tmp_path / "rounds"
    due = date.today() + timedelta(days=10)
    run = CliRunner().invoke
    base = ["--round", "R1", "--rounds-dir", str(rounds)]

    # 1. The invitations go out, the deadline stated for the round's time zone.
    result = run(
        cli,
        [
            "distribute",
            "--allow-fallback",  # the French unit's workbook, while French is being completed
            "readiness",
            "risk",
            "--units",
            str(roster),
            "--from",
            COORDINATOR,
            "--deadline",
            due.isoformat(),
            "--timezone",
            "Europe/Paris",
            *smtp_args(port),
            *base,
        ],
    )
    assert result.exit_code == 0, result.output
    folder = rounds / "R1"
    settings = json.loads((folder / "round.json").read_text())
    assert settings["deadline"] == due.isoformat() and settings["timezone"] == "Europe/Paris"
    end_of_day = datetime.combine(due, time(23, 59, 59), PARIS)
    assert settings["on_time_until"] == end_of_day.isoformat()
    # Every client shows the French unit's subject and the names as written.
    sent = inbox.strict()
    french = sent["u02@police.example"]
    subject, _body = load_template("invitation", "fr")
    readiness = load_questionnaire("readiness")
    titles = readiness.setting("short_title", "fr") or readiness.title.get("fr")
    assert str(french["Subject"]) == string.Template(subject).safe_substitute(
        round="R1", titles=titles, unit_name=FRENCH_UNIT, deadline=due.isoformat()
    )
    assert french["To"].addresses[0].display_name == FRENCH_UNIT
    assert french["From"].addresses[0].display_name == COORDINATOR_NAME
    assert all(raw.isascii() for raw in inbox.raw)  # every header encoded, none raw UTF-8

    # 2. Replies come in: one on the deadline day at 01:00, one cut short by a gateway, a
    # damaged file from outside the roster, a unit that answers twice, one a day late.
    name, good = returned("readiness", "U02")
    box = mailbox.mbox(tmp_path / "replies.mbox")
    box.add(reply("U01", at(due, 1), [returned("readiness", "U01")]))
    box.add(reply("U02", at(due, 9), [(name, good[: len(good) // 2])]))
    stranger = "someone@elsewhere.example"
    box.add(reply("U99", at(due, 10), [("scan0001.xlsx", good[:3000])], sender=stranger))
    box.add(reply("U04", at(due - timedelta(days=1), 8), [returned("readiness", "U04", 4)]))
    box.add(reply("U04", at(due, 8), [returned("readiness", "U04", 5)]))
    box.add(reply("U05", at(due + timedelta(days=1), 0, 30), [returned("readiness", "U05")]))
    box.close()
    result = run(cli, ["collect", str(tmp_path / "replies.mbox"), *base])
    assert result.exit_code == 1, result.output  # this run brought a damaged file
    assert "not matched to the round: scan0001.xlsx" in result.output

    result = run(cli, ["status", "--json", *base])
    assert result.exit_code == 1, result.output  # the round is not complete
    st = json.loads(result.output)
    rows = {(r["unit_id"], r["questionnaire"]): r for r in st["rows"]}
    assert st["complete"] is False
    assert all(r["why"] for r in st["rows"]), "every status comes with its reason"
    on_the_day = rows[("U01", "readiness")]
    assert on_the_day["status"] == "accepted" and not on_the_day["late"]
    assert rows[("U05", "readiness")]["late"] and rows[("U05", "readiness")]["status"] == "accepted"
    twice = rows[("U04", "readiness")]
    assert twice["returns"] == 2 and "2 usable returns received" in twice["why"]
    damaged = rows[("U02", "readiness")]
    assert damaged["status"] == "rejected" and damaged["matched_by"] == "file name and sender"
    damage = render("corrupt-archive", reason="").split("(")[0]
    assert damage in damaged["why"] and "u02@police.example" in damaged["why"]
    for key in (("U03", "readiness"), ("U03", "risk")):
        assert rows[key]["status"] == "missing" and "scan0001" not in rows[key]["why"]
    assert [(u["original_name"], u["sender"]) for u in st["unmatched"]] == [
        ("scan0001.xlsx", stranger)
    ]
    assert "not on the roster" in st["unmatched"][0]["note"]
    assert st["totals"] | {"units": 5} == {
        "workbooks": 6,
        "units": 5,
        "sent": 6,
        "returned": 4,
        "accepted": 3,
        "rejected": 1,
        "missing": 2,
        "late": 1,
        "unmatched_files": 1,
    }
    # Missing returns become late only once the deadline day is over, in Paris.
    by_day_end = status("R1", rounds_dir=rounds, now=at(due, 23, 59))
    next_day = status("R1", rounds_dir=rounds, now=at(due + timedelta(days=1), 0, 0))
    assert not any(r.late for r in by_day_end.rows if r.status == "missing")
    assert all(r.late for r in next_day.rows if r.status == "missing")
    # The damaged file is kept in rejected/, with where it came from and how it was matched.
    note = next((folder / "rejected").glob("readiness_U02_R1_*.txt")).read_text()
    assert "u02@police.example" in note and "by its file name and sender" in note
    assert len(list((folder / "rejected").glob("*.xlsx"))) == 2

    # 3. Reminders: the unit whose file arrived damaged is told so and how to send it again;
    # the unit that sent nothing gets its workbooks again; nobody else is written to.
    inbox.raw.clear()
    result = run(cli, ["remind", *smtp_args(port), *base])
    assert result.exit_code == 0, result.output
    sent = inbox.strict()
    assert sorted(sent) == ["u02@police.example", "u03@police.example"]
    to_u02 = sent["u02@police.example"]
    assert to_u02["To"].addresses[0].display_name == FRENCH_UNIT
    text = to_u02.get_body(("plain",)).get_content()
    _line, how_to_resend = load_template("reminder_damaged", "fr", head="Line")
    last_paragraph = how_to_resend.split("$lines\n")[1].strip()
    assert " ".join(last_paragraph.split()) in " ".join(text.split())
    assert name in text and "Ask the unit" not in text
    assert list(to_u02.iter_attachments()) == []  # nothing blank: they resend their own copy
    names = sorted(p.get_filename() for p in sent["u03@police.example"].iter_attachments())
    assert names == ["readiness_U03_R1.xlsx", "risk_U03_S03_R1.xlsx"]

    # 4. The unit sends its workbook again, zipped, and the last unit answers. The damaged
    # files already judged are not read again.
    box = mailbox.mbox(tmp_path / "more.mbox")
    box.add(reply("U02", at(due, 15), [zipped(name, good)]))
    box.add(reply("U03", at(due, 16), [returned("readiness", "U03"), returned("risk", "U03")]))
    box.close()
    read = reads_logged(monkeypatch, tmp_path / "reads.log")
    result = run(cli, ["collect", str(tmp_path / "more.mbox"), *base])
    assert result.exit_code == 0, result.output  # nothing wrong came in this time
    assert "Round R1 is complete" in result.output
    cut_short = hashlib.sha256(good[: len(good) // 2]).hexdigest()[:8]
    assert not [n for n in read() if n.startswith("scan0001") or cut_short in n], read()
    assert any(n.startswith("readiness_U03_R1.xlsx") for n in read())

    result = run(cli, ["status", *base])
    assert result.exit_code == 0, result.output
    assert "Round R1 is complete" in result.output
    st = json.loads(run(cli, ["status", "--json", *base]).output)
    assert st["complete"] is True
    assert {(r["unit_id"], r["status"]) for r in st["rows"] if r["unit_id"] == "U02"} == {
        ("U02", "accepted")
    }

    # 5. The summary: complete, and nobody blamed for the stranger's file.
    result = run(cli, ["consolidate", *base])
    assert result.exit_code == 0, result.output
    assert "Round R1 is complete" in result.output
    assert not [n for n in read() if n.startswith("scan0001")]
    coverage = coverage_of(folder / "summary.xlsx")
    table = [r for r in coverage if ".xlsx" in str(r["File"] or "")]
    blamed = [r for r in table if r["Unit id"] and "scan0001" in f"{r['File']} {r['Why']}"]
    own = [r for r in table if "scan0001" in str(r["File"])]
    assert not blamed and len(own) == 1 and not own[0]["Unit id"]
    assert own[0]["Status"] == "Rejected"
    assert not [r for r in coverage if r["Status"] == "Missing"]


def manifest_row(qid: str, uid: str, recipient: str, system: str = "") -> ManifestRow:
    stem = f"{qid}_{uid}{'_' + system if system else ''}_R1"
    return ManifestRow(uid, f"Unit {uid}", system, "", qid, recipient, f"sent/{stem}.xlsx", "")


ROWS = [
    manifest_row("readiness", "U01", "u01@police.example"),
    manifest_row("risk", "U01", "u01@police.example", "S1"),
    manifest_row("risk", "U01", "u01@police.example", "S10"),
    manifest_row("readiness", "U02", "u02@police.example"),
    manifest_row("readiness", "U05", "shared@police.example"),
    manifest_row("readiness", "U06", "shared@police.example"),
]


@pytest.mark.parametrize(
    ("name", "sender", "row", "how"),
    [
        ("readiness_U02_R1 (1).xlsx", "", ("readiness", "U02", ""), "file name"),
        ("Copy of readiness_U02_R1.xlsx", "U02@police.example", ("readiness", "U02", ""), "both"),
        ("readiness_U02_R1.xlsx", "friend@elsewhere.example", ("readiness", "U02", ""), "name"),
        ("risk_U01_S10_R1.xlsx", "", ("risk", "U01", "S10"), "file name"),
        ("scan0001.xlsx", "u02@police.example", ("readiness", "U02", ""), "sender"),
        ("Risk assessment.xlsx", "u01@police.example", None, "3 workbooks"),
        ("readiness.xlsx", "u01@police.example", ("readiness", "U01", ""), "sender"),
        # doubt: never put on a unit's row
        ("readiness_U02_R1.xlsx", "u01@police.example", None, "the address of unit U01"),
        ("scan0001.xlsx", "u01@police.example", None, "was sent 3 workbooks"),
        ("scan0001.xlsx", "shared@police.example", None, "was sent 2 workbooks"),
        ("scan0001.xlsx", "", None, "it has no sender"),
        ("scan0001.xlsx", "friend@elsewhere.example", None, "is not on the roster"),
    ],
)
def test_a_file_that_cannot_be_read_is_matched_only_without_doubt(name, sender, row, how):
    found = attribute(name, sender, ROWS)
    assert found.key == row
    expected_how = {"both": BOTH, "name": FILE_NAME, "file name": FILE_NAME, "sender": SENDER}
    if row is None:
        assert how in found.how
    else:
        assert found.how == expected_how[how]


def test_a_file_that_crashes_the_reader_is_judged_once_and_the_round_goes_on(tmp_path, monkeypatch):
    roster = write_roster(tmp_path / "units.csv")
    rounds = tmp_path / "rounds"
    base = ["--round", "R1", "--rounds-dir", str(rounds)]
    run = CliRunner().invoke
    assert (
        run(
            cli, ["distribute", "--allow-fallback", "readiness", "--units", str(roster), *base]
        ).exit_code
        == 0
    )
    drop = tmp_path / "drop"
    drop.mkdir()
    for uid in ("U01", "U04"):
        name, data = returned("readiness", uid)
        (drop / name).write_bytes(data)
    (drop / "boom.xlsx").write_bytes(returned("readiness", "U05")[1])
    log = tmp_path / "reads.log"
    read = reads_logged(monkeypatch, log, crash_on="boom")
    result = run(cli, ["collect", str(drop), *base])
    assert result.exit_code == 1 and "not matched to the round: boom.xlsx" in result.output
    assert "Traceback" not in result.output
    verdict = next((rounds / "R1" / "verdicts").glob("*.json"))
    assert json.loads(verdict.read_text())["issues"][0]["code"] == "reader-crashed"

    empty = tmp_path / "nothing-new"
    empty.mkdir()
    log.unlink()
    result = run(cli, ["collect", str(empty), *base])
    assert result.exit_code == 0, result.output  # nothing new, nothing wrong this time
    assert not [n for n in read() if n.startswith("boom")] and len(read()) == 2
    result = run(cli, ["consolidate", *base])
    assert result.exit_code == 1 and "is not complete" in result.output  # three still missing
    assert (rounds / "R1" / "summary.xlsx").exists()
    assert not [n for n in read() if n.startswith("boom")]

    # A new version of the tool looks at the file afresh.
    monkeypatch.setattr(verdicts, "tool_fingerprint", lambda: "0.2.0+another-build")
    log.unlink()
    assert run(cli, ["collect", str(empty), *base]).exit_code == 0
    assert [n for n in read() if n.startswith("boom")]


def test_every_csv_file_the_round_writes_opens_in_libreoffice_without_a_formula(
    tmp_path, libreoffice
):
    roster = write_roster(tmp_path / "units.csv")
    rounds = tmp_path / "rounds"
    base = ["--round", "R1", "--rounds-dir", str(rounds)]
    run = CliRunner().invoke
    assert (
        run(cli, ["distribute", "--allow-fallback", "--units", str(roster), *base]).exit_code == 0
    )
    drop = tmp_path / "drop"
    drop.mkdir()
    for qid in ("readiness", "risk"):
        name, data = returned(qid, "U03")
        (drop / name).write_bytes(data)
    (drop / "=cmd.xlsx").write_bytes(b"not a workbook")
    run(cli, ["collect", str(drop), *base])
    data_dir = tmp_path / "data"
    run(cli, ["consolidate", "--data", str(data_dir), *base])
    folder = rounds / "R1"
    written = [folder / "manifest.csv", folder / "received" / "index.csv"]
    written += [data_dir / "responses.csv", data_dir / "scores.csv"]
    for path in written:
        with path.open(encoding="utf-8", newline="") as fh:
            cells = {c for row in csv.reader(fh) for c in row}
        assert cells & {"'" + FORMULA_UNIT, "'" + FORMULA_SYSTEM} or path.name == "index.csv"
        libreoffice.load_csv(path)
        assert libreoffice.formula_cells() == [], path.name
        libreoffice.close_doc()
    # The check can fail: the same names written raw become formulas in LibreOffice.
    raw = tmp_path / "raw.csv"
    with raw.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["unit_name", "system_name"], [FORMULA_UNIT, "=1+1"]])
    libreoffice.load_csv(raw)
    assert libreoffice.formula_cells()
    libreoffice.close_doc()


@pytest.mark.parametrize(
    "name",
    [
        FRENCH_UNIT,
        "Gendarmerie – Unité d'investigation « numérique »",
        "Unité cybercriminalité, Nord-Est",
        'Ré, mi (Nord) <Équipe> "A"',
        "Ελληνική Αστυνομία",
        "Plain ASCII Unit",
    ],
)
def test_subjects_and_display_names_read_back_exactly_as_written(name):
    subject = f"[R1] Rappel : classeurs IA responsable pour {name} - échéance 2026-11-27"
    msg = compose(
        "reminder",
        "fr",
        {"unit_name": name},
        sender=COORDINATOR,
        to="unit@police.example",
        to_name=name,
        attachments=[],
    )
    msg.replace_header("Subject", subject)
    parsed = email.message_from_bytes(bytes(msg), policy=email.policy.strict)
    assert str(parsed["Subject"]) == subject
    assert parsed["To"].addresses[0].display_name == name
    assert parsed["To"].addresses[0].addr_spec == "unit@police.example"
    assert parsed["From"].addresses[0].display_name == COORDINATOR_NAME
    assert bytes(msg).isascii()


@pytest.mark.parametrize(
    "subject",
    [
        "Ελληνική Αστυνομία – Διεύθυνση Ηλεκτρονικού Εγκλήματος, υπενθύμιση για τον γύρο R1",
        "Rappel  –  deux  espaces, et un à la fin ",
    ],
)
def test_long_and_oddly_spaced_subjects_read_back_exactly(subject):
    msg = compose(
        "reminder", "en", {}, sender=COORDINATOR, to="unit@police.example", attachments=[]
    )
    msg.replace_header("Subject", subject)
    parsed = email.message_from_bytes(bytes(msg), policy=email.policy.strict)
    assert str(parsed["Subject"]) == subject


def _shape(value):
    """A JSON value's structure: keys and types, lists by their first item."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def test_the_status_json_documented_in_the_readme_is_what_status_prints(tmp_path):
    roster = write_roster(tmp_path / "units.csv")
    rounds = tmp_path / "rounds"
    base = ["--round", "R1", "--rounds-dir", str(rounds)]
    run = CliRunner().invoke
    due = date.today() + timedelta(days=3)
    assert run(
        cli,
        ["distribute", "--allow-fallback", "--units", str(roster), "--deadline", str(due), *base],
    )
    name, good = returned("readiness", "U05")
    box = mailbox.mbox(tmp_path / "replies.mbox")
    box.add(reply("U05", at(due, 9), [(name, good[:5000])]))
    box.add(reply("U99", at(due, 9), [("scan0001.xlsx", good[:4000])], sender="x@y.example"))
    box.add(reply("U01", at(due, 9), [returned("readiness", "U01")]))
    box.close()
    run(cli, ["collect", str(tmp_path / "replies.mbox"), *base])
    real = json.loads(run(cli, ["status", "--json", *base]).output)

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("`status --json` prints one JSON document", 1)[1]
    example = json.loads(section.split("```json", 1)[1].split("```", 1)[0])
    assert _shape(example) == _shape(real)
    assert all(_shape(row) == _shape(example["rows"][0]) for row in real["rows"])
    documented = section.split("```json", 1)[0]
    fields = [*real, *real["rows"][0], *real["unmatched"][0], *real["totals"]]
    assert not [f for f in fields if f"`{f}`" not in documented and f".{f}`" not in documented]
