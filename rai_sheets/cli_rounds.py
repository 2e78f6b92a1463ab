"""The round commands: distribute, collect, status, remind. cli.py adds `COMMANDS` to the main
group; this module never imports it."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import render
from .cli_common import (
    EXIT_PROBLEMS,
    allow_fallback_option,
    content_dir_option,
    history_option,
    lang_option,
    prefill_option,
    progress_bar,
    rounds_dir_option,
    untranslated_note,
)
from .issues import printable
from .rounds.mail import SmtpSettings


def smtp_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--send",
                is_flag=True,
                help="Send through SMTP (otherwise only write .eml drafts to the round's outbox).",
            ),
            click.option(
                "--smtp-host",
                envvar="RAI_SHEETS_SMTP_HOST",
                default="",
                help="SMTP server (also RAI_SHEETS_SMTP_HOST).",
            ),
            click.option(
                "--smtp-port",
                envvar="RAI_SHEETS_SMTP_PORT",
                type=int,
                default=587,
                show_default=True,
                help="SMTP port (also RAI_SHEETS_SMTP_PORT).",
            ),
            click.option(
                "--smtp-security",
                type=click.Choice(["starttls", "ssl", "none"]),
                default="starttls",
                show_default=True,
                envvar="RAI_SHEETS_SMTP_SECURITY",
                help="STARTTLS on the plain port, implicit TLS, or none (a local relay).",
            ),
            click.option(
                "--smtp-user",
                envvar="RAI_SHEETS_SMTP_USER",
                default="",
                help="SMTP login; the password is read from RAI_SHEETS_SMTP_PASSWORD, "
                "never from the command line.",
            ),
        ]
    ):
        f = option(f)
    return f


def _smtp(send: bool, host: str, port: int, security: str, user: str) -> SmtpSettings | None:
    if not send:
        return None
    if not host:
        raise click.UsageError("--send needs --smtp-host (or RAI_SHEETS_SMTP_HOST)")
    return SmtpSettings(host, port, security, user, os.environ.get("RAI_SHEETS_SMTP_PASSWORD", ""))


def _report_mail(out: Any, what: str) -> None:
    click.echo(
        f"{len(out.drafts)} {what} message(s) written to {out.drafts[0].parent}/"
        if out.drafts
        else f"No {what} message to write."
    )
    if out.sent or out.failed:
        click.echo(f"Sent: {len(out.sent)}; failed: {len(out.failed)}.")
    for recipient, why in out.failed:
        click.echo(f"  failed: {recipient}: {why.removeprefix('failed: ')}")
    for unit in out.skipped:
        click.echo(f"  not sent: unit {unit} has no email address on the roster")


@click.command()
@click.argument("questionnaires", nargs=-1, metavar="[QUESTIONNAIRE]...")
@click.option(
    "--units",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Roster CSV with each unit's email address.",
)
@click.option("--round", "round_id", required=True, metavar="ID", help="Round id, e.g. 2026Q4.")
@click.option(
    "--from",
    "sender",
    default="",
    envvar="RAI_SHEETS_FROM",
    help="Sender address and name, e.g. 'AI Governance <ai@police.example>'.",
)
@click.option(
    "--deadline",
    default="",
    metavar="DATE",
    help="Return deadline, e.g. 2026-12-15: returns are on time up to the end of that day in "
    "the round's time zone (or 2026-12-15T17:00: up to that time).",
)
@click.option(
    "--timezone",
    default="",
    metavar="ZONE",
    envvar="RAI_SHEETS_TIMEZONE",
    help="The round's time zone, e.g. Europe/Paris, for the deadline and arrival times "
    "(default: the machine's; kept in round.json).",
)
@prefill_option
@history_option
@smtp_options
@allow_fallback_option
@rounds_dir_option
@content_dir_option
def distribute(
    questionnaires: tuple[str, ...],
    units: Path,
    round_id: str,
    sender: str,
    deadline: str,
    timezone: str,
    prefill_from: str,
    history: Path,
    send: bool,
    smtp_host: str,
    smtp_port: int,
    smtp_security: str,
    smtp_user: str,
    allow_fallback: bool,
    rounds_dir: Path,
    content_dir: Path | None,
) -> None:
    """Start a round: generate its workbooks and one email per recipient.

    Writes the round folder (roster, workbooks, manifest.csv, audit.jsonl) and .eml drafts that
    any mail client opens, attachments included. With --send, sends them through SMTP; a
    failure for one recipient does not stop the others, and a re-run sends only what was not
    sent. Exit 1 when any message failed.

    \b
    Examples:
      rai-sheets distribute --units units.csv --round 2026Q4 --deadline 2026-12-15 \\
          --from "AI Governance <ai@police.example>"
      RAI_SHEETS_SMTP_PASSWORD=... rai-sheets distribute --units units.csv --round 2026Q4 \\
          --send --smtp-host smtp.police.example --smtp-user ai-governance
      rai-sheets distribute --units units.csv --round 2027Q4 --prefill-from 2026Q4 ...
    """
    from .rounds.outgoing import distribute as run

    out = run(
        units,
        round_id,
        list(questionnaires) or None,
        sender=sender,
        deadline=deadline,
        timezone=timezone,
        prefill_from=prefill_from,
        history=history,
        rounds_dir=rounds_dir,
        content_dir=content_dir,
        smtp=_smtp(send, smtp_host, smtp_port, smtp_security, smtp_user),
        allow_fallback=allow_fallback,
    )
    click.echo(f"Round {round_id}: {out.new_workbooks} new workbook(s) in {out.round.folder}/sent")
    for line in untranslated_note(out.untranslated):
        click.echo(line)
    if prefill_from:
        click.echo(
            f"  {out.prefilled} of them pre-filled with their answers of round {prefill_from} "
            "(shaded blue for review)."
        )
    _report_mail(out, "invitation")
    if out.failed:
        sys.exit(EXIT_PROBLEMS)


def _report_collect(out: Any, round_id: str) -> None:
    """What a collect run did, and where the manifest stands."""
    click.echo(
        f"Stored {out.stored} new file(s) ({out.duplicates} already received) in "
        f"{out.round.folder}/received"
    )
    # names, senders and subjects come from the messages: shown with control characters escaped
    for name, why in out.refused:
        click.echo(printable(f"  refused {name}: {why}"))
    for text in out.without_attachment:
        click.echo(printable(f"  no spreadsheet attached: {text}"))
    for f in out.new_rejected:
        reason = next((i.message for i in f.issues if i.severity == "error"), "")
        who = f"{f.questionnaire} {f.unit_id} {f.system_id}".strip()
        click.echo(printable(f"  rejected ({who}): {f.name}: {reason}"))
    for f in out.unmatched:
        reason = f.issues[0].message if f.issues else "not a workbook of this round"
        click.echo(printable(f"  not matched to the round: {f.name}: {reason}"))
    counts = Counter(r.status for r in out.rows)
    click.echo(
        f"Manifest: {counts.get('accepted', 0) + counts.get('accepted-with-warnings', 0)} "
        f"accepted, {counts.get('rejected', 0)} rejected, {counts.get('missing', 0)} "
        f"missing of {len(out.rows)} workbooks. See: rai-sheets status --round {round_id}"
    )
    if out.complete:
        click.echo(f"Round {round_id} is complete: every expected return is accepted.")


@click.command()
@click.option("--round", "round_id", required=True, metavar="ID", help="The round to collect for.")
@click.argument("sources", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--imap",
    "imap_host",
    default="",
    metavar="HOST",
    help="Also read an IMAP mailbox, read-only (password from RAI_SHEETS_IMAP_PASSWORD).",
)
@click.option("--imap-user", default="", envvar="RAI_SHEETS_IMAP_USER", help="IMAP login.")
@click.option("--imap-folder", default="INBOX", show_default=True, help="IMAP folder to read.")
@click.option("--imap-port", type=int, default=993, show_default=True, help="IMAP port.")
@click.option(
    "--imap-security",
    type=click.Choice(["ssl", "starttls", "none"]),
    default="ssl",
    show_default=True,
    help="Implicit TLS, STARTTLS, or none (a local server).",
)
@rounds_dir_option
@content_dir_option
def collect(
    round_id: str,
    sources: tuple[Path, ...],
    imap_host: str,
    imap_user: str,
    imap_folder: str,
    imap_port: int,
    imap_security: str,
    rounds_dir: Path,
    content_dir: Path | None,
) -> None:
    """Take replies in: folders of files, .eml files, mbox files, Maildir folders, IMAP.

    Spreadsheet attachments are extracted safely (sanitised names, size limits, forwarded
    messages, zip files opened, duplicates recognised by hash), stored under their hash,
    validated, and matched to the manifest by the identifiers inside each workbook (a file
    that cannot be read, by its name or sender when these leave no doubt); the manifest is
    updated. Safe to run again. Exit 1 when this run brought a file that was refused,
    rejected or not matched; 0 otherwise (see `status` for the round as a whole).

    \b
    Examples:
      rai-sheets collect --round 2026Q4 ~/Downloads/replies.mbox
      rai-sheets collect --round 2026Q4 exported-mails/ saved-attachments/
      RAI_SHEETS_IMAP_PASSWORD=... rai-sheets collect --round 2026Q4 \\
          --imap imap.police.example --imap-user ai-governance
    """
    from .rounds.collect import collect as run
    from .rounds.mail import read_imap

    if not sources and not imap_host:
        raise click.UsageError("give at least one SOURCE (folder, .eml, mbox, Maildir) or --imap")
    incoming = (
        list(
            read_imap(
                imap_host,
                imap_user,
                os.environ.get("RAI_SHEETS_IMAP_PASSWORD", ""),
                imap_folder,
                imap_port,
                imap_security,
            )
        )
        if imap_host
        else []
    )
    progress, finish = progress_bar("Validating", True)
    try:
        out = run(
            round_id,
            list(sources),
            rounds_dir=rounds_dir,
            content_dir=content_dir,
            incoming=incoming,
            progress=progress,
        )
    finally:
        finish()
    _report_collect(out, round_id)
    if out.problems:
        sys.exit(EXIT_PROBLEMS)


@click.command()
@click.option("--round", "round_id", required=True, metavar="ID", help="The round to show.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@lang_option
@rounds_dir_option
def status(round_id: str, as_json: bool, lang: str, rounds_dir: Path) -> None:
    """The round at a glance: per unit and questionnaire, sent, returned, accepted, rejected,
    missing, late, each with why; the files not matched; the totals.

    Exit 0 when the round is complete (every expected return accepted, whatever happened
    before), 1 while any is missing or rejected."""
    from .rounds.status import status as run

    st = run(round_id, rounds_dir=rounds_dir)
    if as_json:
        click.echo(json.dumps(st.as_dict(), indent=2, ensure_ascii=False))
    else:
        render.round_status(st, lang)
    if not st.complete:
        sys.exit(EXIT_PROBLEMS)


@click.command()
@click.option("--round", "round_id", required=True, metavar="ID", help="The round to chase.")
@smtp_options
@rounds_dir_option
@content_dir_option
def remind(
    round_id: str,
    send: bool,
    smtp_host: str,
    smtp_port: int,
    smtp_security: str,
    smtp_user: str,
    rounds_dir: Path,
    content_dir: Path | None,
) -> None:
    """Write or send reminders to the units whose returns are missing or were rejected, and
    only to them; rejected returns get their feedback workbook attached."""
    from .rounds.outgoing import remind as run

    out = run(
        round_id,
        rounds_dir=rounds_dir,
        content_dir=content_dir,
        smtp=_smtp(send, smtp_host, smtp_port, smtp_security, smtp_user),
    )
    _report_mail(out, "reminder")
    if out.failed:
        sys.exit(EXIT_PROBLEMS)


COMMANDS = (distribute, collect, status, remind)
