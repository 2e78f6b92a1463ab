"""A coordinator runs a round by email: distribute through a real SMTP server, collect the
replies from real mailboxes, see who answered, remind the others, consolidate."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from rai_sheets.cli import cli
from rai_sheets.content.load import load_questionnaire
from rai_sheets.model import Unit
from rai_sheets.rounds.folder import open_round
from rai_sheets.simulate import Profile, answers_for
from rai_sheets.workbook.generator import WorkbookSpec, write_workbook


def coverage_of(summary: Path) -> list[dict]:
    """The summary's Coverage table, one dict per row keyed by its header."""
    rows = list(openpyxl.load_workbook(summary)["Coverage"].iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r and r[0] == "Questionnaire")
    return [dict(zip(rows[at], r, strict=False)) for r in rows[at + 1 :] if any(r)]


COORDINATOR = "ai-governance@police.example"
UNITS = [(f"U{i:02d}", f"Unit {i}", f"u{i:02d}@police.example") for i in range(1, 13)]
SYSTEMS = {
    "U01": ("S01", "Face search"),
    "U02": ("S02", "Plate reader"),
    "U03": ("S03", "Call transcription"),
    "U04": ("S04", "Device triage"),
}


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()  # recipients the server turns away

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


@pytest.fixture()
def smtp_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def distribute_args(
    roster: Path,
    rounds: Path,
    *extra: str,
    questionnaires: tuple[str, ...] = ("readiness",),
    sender: str = COORDINATOR,
) -> list[str]:
    """The coordinator's `distribute` command for round R1."""
    return [
        "distribute",
        *questionnaires,
        "--units",
        str(roster),
        "--round",
        "R1",
        "--from",
        sender,
        "--rounds-dir",
        str(rounds),
        *extra,
    ]


def smtp_args(port: int) -> list[str]:
    """Send through the test's SMTP server on 127.0.0.1 (a local relay: no TLS)."""
    return [
        "--send",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(port),
        "--smtp-security",
        "none",
    ]


def write_roster(path: Path) -> Path:
    lines = ["unit_id,unit_name,email,language,system_id,system_name"]
    for uid, name, mail in UNITS:
        if uid in SYSTEMS:
            sid, sname = SYSTEMS[uid]
            lines.append(f"{uid},{name},{mail},,{sid},{sname}")
        else:
            lines.append(f"{uid},{name},{mail},,,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def filled(qid: str, uid: str, seed: int, **changes) -> tuple[str, bytes]:
    """What a unit sends back: its own workbook, answered."""
    qn = load_questionnaire(qid)
    name = dict((u, n) for u, n, _ in UNITS)[uid]
    sid, sname = SYSTEMS.get(uid, ("", "")) if qid != "readiness" else ("", "")
    unit = Unit(uid, name, system_id=sid, system_name=sname)
    answers = {**answers_for(qn, random.Random(seed), Profile(0.6, 0.5, 1.0)), **changes}
    import io

    buf = io.BytesIO()
    write_workbook(WorkbookSpec(qn, unit, "R1", answers=answers), buf)
    filename = f"{qid}_{uid}{'_' + sid if sid else ''}_R1.xlsx"
    return filename, buf.getvalue()


def reply(
    uid: str,
    when: datetime,
    files: list[tuple[str, bytes]],
    html_only: bool = False,
    sender: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender or f"u{uid[1:]}@police.example"
    msg["To"] = COORDINATOR
    msg["Subject"] = f"RE: [R1] returns from {uid}"
    msg["Date"] = format_datetime(when.astimezone())
    msg["Message-ID"] = f"<{uid}.{when.timestamp():.0f}.{len(files)}@police.example>"
    if html_only:
        msg.set_content("<p>We will send it next week.</p>", subtype="html")
        return msg
    msg.set_content("Please find our return attached.")
    for name, data in files:
        msg.add_attachment(
            data,
            maintype="application",
            filename=name,
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return msg


def forwarded(inner: EmailMessage, uid: str, when: datetime) -> EmailMessage:
    outer = EmailMessage()
    outer["From"] = f"u{uid[1:]}@police.example"
    outer["To"] = COORDINATOR
    outer["Subject"] = "FW: our return"
    outer["Date"] = format_datetime(when.astimezone())
    outer["Message-ID"] = f"<fw.{uid}@police.example>"
    outer.set_content("Forwarding the return our deputy prepared.")
    outer.add_attachment(inner)  # message/rfc822
    return outer


def test_a_round_of_a_dozen_units_end_to_end(tmp_path, smtp_server):
    inbox, port = smtp_server
    roster = write_roster(tmp_path / "units.csv")
    rounds = tmp_path / "rounds"
    deadline = (datetime.now() + timedelta(days=7)).replace(microsecond=0, second=0)
    smtp = smtp_args(port)
    run = CliRunner().invoke
    result = run(
        cli,
        distribute_args(
            roster,
            rounds,
            "--deadline",
            deadline.isoformat(),
            *smtp,
            questionnaires=("readiness", "risk"),
            sender=f"AI Governance <{COORDINATOR}>",
        ),
    )
    assert result.exit_code == 0, result.output
    assert len(inbox.messages) == 12  # one per unit, all its workbooks attached
    by_to = {m["To"].addresses[0].addr_spec: m for m in inbox.messages}
    u01 = [p.get_filename() for p in by_to["u01@police.example"].iter_attachments()]
    assert sorted(u01) == ["readiness_U01_R1.xlsx", "risk_U01_S01_R1.xlsx"]
    rnd = open_round("R1", rounds)
    assert {r.send_status for r in rnd.read_manifest()} == {"sent"}
    # a re-run sends nothing again
    assert (
        run(
            cli,
            distribute_args(roster, rounds, *smtp, questionnaires=("readiness", "risk")),
        ).exit_code
        == 0
    )
    assert len(inbox.messages) == 12

    on_time, late = datetime.now(), deadline + timedelta(days=2)
    big = ("huge.xlsx", os.urandom(50 * 1024 * 1024))
    box = mailbox.mbox(tmp_path / "replies.mbox")
    for uid in ("U02", "U05", "U06"):
        box.add(reply(uid, on_time, [filled("readiness", uid, 1)]))
    box.add(reply("U01", on_time, [filled("readiness", "U01", 2), filled("risk", "U01", 2)]))
    box.add(reply("U02", on_time, [filled("risk", "U02", 3), big]))
    # a file named to escape the round folder
    name, data = filled("readiness", "U03", 4)
    box.add(reply("U03", on_time, [("../../etc/passwd.xlsx", data), filled("risk", "U03", 4)]))
    box.add(reply("U11", on_time, [], html_only=True))
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(
        forwarded(
            reply("U04", on_time, [filled("readiness", "U04", 5), filled("risk", "U04", 5)]),
            "U04",
            on_time,
        )
    )
    maildir.add(reply("U07", late, [filled("readiness", "U07", 6)]))
    maildir.add(reply("U08", on_time - timedelta(days=1), [filled("readiness", "U08", 7)]))
    maildir.add(reply("U08", on_time, [filled("readiness", "U08", 8)]))  # twice: this counts
    # Unit 9 sends unit 10's workbook; unit 11 never returns one; unit 12 pastes past a list
    maildir.add(reply("U09", on_time, [filled("readiness", "U10", 9)]))
    emls = tmp_path / "saved"
    emls.mkdir()
    (emls / "u12.eml").write_bytes(
        bytes(reply("U12", on_time, [filled("readiness", "U12", 10, in_lead_01="Sometimes")]))
    )

    result = run(
        cli,
        [
            "collect",
            "--round",
            "R1",
            str(tmp_path / "replies.mbox"),
            str(tmp_path / "Maildir"),
            str(emls),
            "--rounds-dir",
            str(rounds),
        ],
    )
    assert result.exit_code == 1, result.output  # a rejected return
    assert "refused huge.xlsx: attachment of 50 MB, over the 25 MB limit" in result.output
    assert "no spreadsheet attached: u11@police.example" in result.output
    received = rnd.folder / "received"
    assert all(p.parent == received for p in received.iterdir())
    assert not (tmp_path / "etc").exists() and not (rounds / "etc").exists()

    result = run(cli, ["status", "--round", "R1", "--json", "--rounds-dir", str(rounds)])
    assert result.exit_code == 1  # not complete: returns are missing or rejected
    st = json.loads(result.output)
    assert st["complete"] is False
    status = {(r["unit_id"], r["questionnaire"]): r for r in st["rows"]}
    accepted = {k for k, r in status.items() if r["status"].startswith("accepted")}
    assert accepted == {
        (u, "readiness") for u in ("U01", "U02", "U03", "U04", "U05", "U06", "U07", "U08", "U10")
    } | {(u, "risk") for u in ("U01", "U02", "U03", "U04")}
    assert {k for k, r in status.items() if r["status"] == "missing"} == {
        ("U09", "readiness"),
        ("U11", "readiness"),
    }
    assert status[("U12", "readiness")]["status"] == "rejected"
    assert '"Sometimes" is not a choice' in status[("U12", "readiness")]["why"]
    assert {k for k, r in status.items() if r["late"]} == {("U07", "readiness")}
    assert "returned by u09@police.example" in status[("U10", "readiness")]["why"]
    assert st["totals"]["missing"] == 2 and st["totals"]["rejected"] == 1
    manifest = {r.key: r for r in rnd.read_manifest()}
    assert manifest[("readiness", "U08", "")].returns == 2

    inbox.messages.clear()
    result = run(cli, ["remind", "--round", "R1", "--rounds-dir", str(rounds), *smtp])
    assert result.exit_code == 0, result.output
    assert sorted(m["To"].addresses[0].addr_spec for m in inbox.messages) == [
        "u09@police.example",
        "u11@police.example",
        "u12@police.example",
    ]
    u12 = next(m for m in inbox.messages if m["To"].addresses[0].addr_spec == "u12@police.example")
    names = [p.get_filename() for p in u12.iter_attachments()]
    assert names == ["readiness_U12_R1_feedback.xlsx"]
    feedback = next(u12.iter_attachments()).get_content()
    import io

    assert openpyxl.load_workbook(io.BytesIO(feedback)).sheetnames[0] == "Issues"

    result = run(cli, ["consolidate", "--round", "R1", "--rounds-dir", str(rounds)])
    assert result.exit_code == 1  # the rejected return is still there
    coverage = coverage_of(rnd.folder / "summary.xlsx")
    missing = {(r["Questionnaire"], r["Unit id"]) for r in coverage if r["Status"] == "Missing"}
    assert missing == {("Readiness", "U09"), ("Readiness", "U11")}
    audit = [json.loads(line) for line in (rnd.folder / "audit.jsonl").read_text().splitlines()]
    assert {
        "distribute",
        "invitation-send",
        "collect",
        "rebuild-manifest",
        "reminder-send",
        "consolidate",
    } <= {a["action"] for a in audit}


def _replies(folder: Path, count: int) -> Path:
    box = mailbox.mbox(folder / "many.mbox")
    base = datetime(2026, 11, 20, 9, 0)
    for i in range(count):
        uid = UNITS[i % len(UNITS)][0]  # each unit answers ten times, differently
        box.add(reply(uid, base + timedelta(minutes=i), [filled("readiness", uid, i)]))
    box.close()
    return folder / "many.mbox"


def test_killing_collect_midway_and_running_it_again_gives_the_same_manifest(tmp_path):
    roster = write_roster(tmp_path / "units.csv")
    rounds = tmp_path / "rounds"
    result = CliRunner().invoke(cli, distribute_args(roster, rounds))
    assert result.exit_code == 0, result.output
    clean = tmp_path / "clean"
    shutil.copytree(rounds, clean)
    mbox = _replies(tmp_path, 120)
    cmd = [sys.executable, "-m", "rai_sheets", "collect", "--round", "R1", str(mbox)]

    done = subprocess.run([*cmd, "--rounds-dir", str(clean)], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    proc = subprocess.Popen(
        [*cmd, "--rounds-dir", str(rounds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    received = rounds / "R1" / "received"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(received.glob("*.json"))) < 5:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored_at_kill = len(list(received.glob("*.json")))
    assert 5 <= stored_at_kill < 120, "the kill must land in the middle of the collection"
    done = subprocess.run([*cmd, "--rounds-dir", str(rounds)], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr

    manifest = (clean / "R1" / "manifest.csv").read_text()
    # the clean run really collected: every unit answered (ten times, so with a warning)
    assert manifest.count(",accepted-with-warnings,") == 12
    assert (rounds / "R1" / "manifest.csv").read_text() == (
        clean / "R1" / "manifest.csv"
    ).read_text()
    assert sorted(p.name for p in received.iterdir()) == sorted(
        p.name for p in (clean / "R1" / "received").iterdir()
    )
    assert not list(received.glob("*.part"))


def test_collect_reads_an_imap_mailbox_read_only(tmp_path, imap_server, monkeypatch):
    import imaplib

    roster = write_roster(tmp_path / "units.csv")
    rounds = tmp_path / "rounds"
    run = CliRunner().invoke
    assert (
        run(
            cli,
            distribute_args(roster, rounds),
        ).exit_code
        == 0
    )
    now = datetime.now()
    imap_server.deliver(
        [
            reply("U01", now, [filled("readiness", "U01", 1)]),
            forwarded(reply("U02", now, [filled("readiness", "U02", 2)]), "U02", now),
            reply("U03", now, [], html_only=True),
        ]
    )
    from .imap import PASSWORD, USER

    collect_imap = [
        "collect",
        "--round",
        "R1",
        "--imap",
        "127.0.0.1",
        "--imap-port",
        str(imap_server.port),
        "--imap-security",
        "none",
        "--imap-user",
        USER,
        "--rounds-dir",
        str(rounds),
    ]
    monkeypatch.setenv("RAI_SHEETS_IMAP_PASSWORD", PASSWORD)
    result = run(cli, collect_imap)
    assert result.exit_code == 0, result.output
    assert "Stored 2 new file(s)" in result.output
    assert "no spreadsheet attached: u03@police.example" in result.output
    statuses = {r.unit_id: r.status for r in open_round("R1", rounds).read_manifest()}
    assert statuses["U01"] == "accepted" and statuses["U02"] == "accepted"
    # read-only: nothing was marked as read
    conn = imaplib.IMAP4("127.0.0.1", imap_server.port)
    conn.login(USER, PASSWORD)
    conn.select("INBOX", readonly=True)
    _typ, flags = conn.fetch("1:*", "(FLAGS)")
    conn.logout()
    assert len(flags) == 3 and not any(b"\\Seen" in f for f in flags)
    # a wrong password is a clear message, not a traceback
    monkeypatch.setenv("RAI_SHEETS_IMAP_PASSWORD", "wrong")
    result = run(cli, collect_imap)
    assert result.exit_code == 1 and "cannot read the IMAP mailbox" in result.output
    assert "Traceback" not in result.output


def test_a_refused_recipient_does_not_stop_the_others_and_a_rerun_sends_only_it(
    tmp_path, smtp_server
):
    inbox, port = smtp_server
    roster = write_roster(tmp_path / "units.csv")
    rounds = tmp_path / "rounds"
    args = distribute_args(roster, rounds, *smtp_args(port))
    inbox.refuse = {"u05@police.example"}
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "failed: u05@police.example: recipient refused" in result.output
    assert len(inbox.messages) == 11
    rows = {r.unit_id: r for r in open_round("R1", rounds).read_manifest()}
    assert rows["U05"].send_status.startswith("failed") and not rows["U05"].sent_at
    assert all(r.send_status == "sent" for u, r in rows.items() if u != "U05")

    inbox.refuse = set()
    inbox.messages.clear()
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert [m["To"].addresses[0].addr_spec for m in inbox.messages] == ["u05@police.example"]
    assert open_round("R1", rounds).read_manifest()[4].send_status == "sent"


def test_a_round_that_does_not_exist_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["status", "--round", "R404", "--rounds-dir", str(tmp_path)])
    assert result.exit_code == 2 and "there is no round R404" in result.output


def test_a_round_that_received_a_crashing_attachment_keeps_collecting(tmp_path, monkeypatch):
    """The size checks that refuse such files before reading are switched off, and every cell
    is read by calamine (reading answers straight from the XML allocates nothing the file
    claims), so that the attachment really makes the reader abort: collecting and
    consolidating go on all the same, this time and every time after."""
    from rai_sheets.returns import reader

    from .hostile import huge_string_count

    monkeypatch.setattr(reader, "MAX_STRINGS_OVERSTATED", 10**15)
    monkeypatch.setattr(reader.WorkbookFile, "_read_direct", lambda self, sheet: None)
    roster = write_roster(tmp_path / "units.csv")
    rounds = tmp_path / "rounds"
    run = CliRunner().invoke
    assert run(cli, distribute_args(roster, rounds)).exit_code == 0
    saved = tmp_path / "saved"
    saved.mkdir()
    for uid, seed in (("U01", 1), ("U02", 2), ("U03", 3)):
        name, data = filled("readiness", uid, seed)
        (saved / name).write_bytes(data)
    huge_string_count(
        saved / "readiness_U03_R1.xlsx",
        saved / "readiness_U04_R1.xlsx",
        load_questionnaire("readiness"),
    )
    collect = ["collect", "--round", "R1", "--rounds-dir", str(rounds), str(saved)]

    first = run(cli, collect)
    assert first.exit_code == 1, first.output  # a return was rejected
    assert "Traceback" not in first.output
    assert "readiness_U04_R1.xlsx" in first.output
    assert "the reader asked for 48 GB at once" in first.output  # it really crashed
    status = {r.unit_id: r.status for r in open_round("R1", rounds).read_manifest()}
    # the unreadable file is U04's by its name (and its sender, had it come by mail)
    assert [status[u] for u in ("U01", "U02", "U03", "U04")] == ["accepted"] * 3 + ["rejected"]

    name, data = filled("readiness", "U05", 5)  # a later reply
    (saved / name).write_bytes(data)
    second = run(cli, collect)
    assert second.exit_code == 0, second.output  # nothing wrong came in this time
    assert "Stored 1 new file(s) (4 already received)" in second.output
    status = {r.unit_id: r.status for r in open_round("R1", rounds).read_manifest()}
    assert status["U05"] == "accepted"

    result = run(cli, ["consolidate", "--round", "R1", "--rounds-dir", str(rounds)])
    assert result.exit_code == 1, result.output  # the crashing file is listed as rejected
    assert "Traceback" not in result.output
    assert (rounds / "R1" / "summary.xlsx").exists()
    assert "4 accepted, 0 accepted with warnings, 1 rejected" in result.output
