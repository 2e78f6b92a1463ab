"""Mail going out for a round: the invitations (`distribute`) and the reminders (`remind`).

Each recipient gets one message with all their workbooks. Messages are always written to the
round's outbox as .eml drafts; with SMTP settings they are also sent, one recipient at a time,
and the manifest records each result as it happens, so that a re-run sends only what was not
sent and a failure for one recipient does not stop the others.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import string
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from .. import i18n
from ..consolidate.carry import Prefill, carried_answers
from ..consolidate.history import DEFAULT_HISTORY
from ..content.languages import untranslated
from ..content.load import default_content_dir, load_all, load_questionnaire
from ..files import atomic_write_bytes, safe_filename
from ..issues import ERROR, render_for_unit
from ..model import DEFAULT_LANGUAGE, Questionnaire
from ..roster import Roster, read_roster
from ..workbook.batch import generate
from . import verdicts
from .deadline import machine_timezone, parse_deadline, zone
from .folder import ManifestRow, Round, RoundError, feedback_path, open_round
from .mail import Smtp, SmtpSettings, compose, load_template

Progress = Callable[[int, int], None]


@dataclass
class Outcome:
    """What one distribute or remind run did."""

    round: Round
    drafts: list[Path] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already sent, or no address
    new_workbooks: int = 0
    prefilled: int = 0  # new workbooks carrying answers of an earlier round
    untranslated: dict[str, int] = field(default_factory=dict)  # language -> texts in English


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def distribute(
    units: Path,
    round_id: str,
    questionnaires: list[str] | None = None,
    *,
    sender: str,
    deadline: str = "",
    timezone: str = "",
    prefill_from: str = "",
    history: Path = DEFAULT_HISTORY,
    rounds_dir: Path | None = None,
    content_dir: Path | None = None,
    smtp: SmtpSettings | None = None,
    allow_fallback: bool = False,
    progress: Progress | None = None,
) -> Outcome:
    contents = {qn.id: qn for qn in load_all(questionnaires, content_dir)}
    prefill = (
        carried_answers(history, prefill_from, contents, content_dir) if prefill_from else None
    )
    roster = read_roster(
        units, tuple(sorted({lg for q in contents.values() for lg in q.languages}))
    )
    # Every unit's language, workbooks and messages alike, before anything is written.
    langs = {u.language or DEFAULT_LANGUAGE for u in roster.rows}
    root = content_dir or default_content_dir()
    fallback = untranslated(root, langs, contents, allow_fallback, email=True)
    rnd = _start_round(round_id, rounds_dir, units, sender, (deadline, timezone), sorted(contents))
    rows = rnd.read_manifest()
    out = Outcome(rnd, untranslated=fallback)
    new_rows = _new_workbooks(
        rnd, roster, list(contents), {r.key for r in rows}, content_dir, prefill, prefill_from
    )
    rows += new_rows
    out.new_workbooks = len(new_rows)
    out.prefilled = sum(1 for r in new_rows if r.key in _prefilled(prefill))
    rnd.write_manifest(rows)
    rnd.audit(
        "distribute",
        roster=str(units),
        questionnaires=sorted(contents),
        new_workbooks=out.new_workbooks,
        prefill_from=prefill_from,
        send=smtp is not None,
    )
    _mail(
        rnd,
        rows,
        "invitation",
        out,
        smtp,
        content_dir,
        progress,
        pending=lambda r: r.send_status != "sent",
    )
    return out


def _start_round(
    round_id: str,
    rounds_dir: Path | None,
    units: Path,
    sender: str,
    when: tuple[str, str],
    questionnaires: list[str],
) -> Round:
    """Open or create the round folder; it keeps the roster it was started with.

    `when` is the deadline and the time zone as given (either may be empty: a re-run keeps
    what the round has). round.json states what counts as on time, in words and as a time.
    """
    rnd = open_round(round_id, rounds_dir, create=True)
    if rnd.roster_path.exists() and rnd.roster_path.read_bytes() != units.read_bytes():
        raise RoundError(
            f"round {round_id} was distributed with another roster "
            f"({rnd.roster_path}); start a new round, or use that roster."
        )
    if not rnd.roster_path.exists():
        atomic_write_bytes(rnd.roster_path, units.read_bytes())
    deadline, timezone = when
    rnd.settings["timezone"] = timezone or rnd.settings.get("timezone") or machine_timezone()
    deadline = deadline or rnd.settings.get("deadline", "")
    try:
        zone(rnd.settings["timezone"])
        due = parse_deadline(deadline, rnd.settings["timezone"]) if deadline else None
    except ValueError as exc:
        raise RoundError(str(exc)) from None
    if due is not None:
        rnd.settings["deadline"] = due.given
        rnd.settings["on_time_until"] = due.on_time_until.isoformat()
        rnd.settings["deadline_rule"] = due.describe()
    rnd.settings.setdefault("created_at", _now())
    rnd.settings.update({"from": sender, "questionnaires": questionnaires})
    rnd.save_settings()
    return rnd


def _new_workbooks(
    rnd: Round,
    roster: Roster,
    questionnaires: list[str],
    known: set[tuple[str, str, str]],
    content_dir: Path | None,
    prefill: Prefill | None = None,
    prefill_from: str = "",
) -> list[ManifestRow]:
    """Workbooks the round does not have yet, moved into sent/, one manifest row each.

    They are generated into a scratch folder and only new ones are kept, so that a re-run
    never replaces a workbook that was already sent.
    """
    rows: list[ManifestRow] = []
    with tempfile.TemporaryDirectory(dir=rnd.folder) as scratch:
        generated = generate(
            questionnaires,
            units=roster,
            round_id=rnd.round_id,
            out_dir=Path(scratch),
            content_dir=content_dir,
            prefill=prefill,
            prefill_from=prefill_from,
            allow_fallback=True,  # distribute checked every language, messages included
        )
        sent_dir = rnd.sub("sent")
        for g in generated:
            unit = roster.system(g.system_id) if g.system_id else roster.unit(g.unit_id)
            assert unit is not None
            if (g.questionnaire, g.unit_id, g.system_id) in known:
                continue
            target = sent_dir / g.path.name
            shutil.move(str(g.path), target)
            rows.append(
                ManifestRow(
                    unit.unit_id,
                    unit.unit_name,
                    g.system_id,
                    unit.system_name if g.system_id else "",
                    g.questionnaire,
                    unit.email,
                    f"sent/{target.name}",
                    _sha256(target),
                    send_status="draft" if unit.email else "no address",
                )
            )
    return rows


def _prefilled(prefill: Prefill | None) -> set[tuple[str, str, str]]:
    """Manifest keys (questionnaire, unit, system) of the workbooks that carry answers."""
    return {key for key, answers in (prefill or {}).items() if answers}


def remind(
    round_id: str,
    *,
    rounds_dir: Path | None = None,
    content_dir: Path | None = None,
    smtp: SmtpSettings | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Reminders to the recipients whose workbooks are missing or were rejected, only."""
    rnd = open_round(round_id, rounds_dir)
    rows = rnd.read_manifest()
    out = Outcome(rnd)
    _mail(
        rnd,
        rows,
        "reminder",
        out,
        smtp,
        content_dir,
        progress,
        pending=lambda r: r.status in ("missing", "rejected"),
    )
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mail(
    rnd: Round,
    rows: list[ManifestRow],
    template: str,
    out: Outcome,
    smtp: SmtpSettings | None,
    content_dir: Path | None,
    progress: Progress | None,
    pending: Callable[[ManifestRow], bool],
) -> None:
    groups: dict[tuple[str, str], list[ManifestRow]] = {}
    for r in rows:
        if pending(r):
            groups.setdefault((r.unit_id, r.recipient), []).append(r)
    box = rnd.sub("outbox" if template == "invitation" else "outbox/reminders")
    # Read once for all messages: the questionnaires' titles and each unit's language.
    contents = {q: load_questionnaire(q, content_dir) for q in {r.questionnaire for r in rows}}
    languages: dict[str, str] = {}
    for unit in read_roster(rnd.roster_path).rows:  # a unit's first row with a language
        if unit.language:
            languages.setdefault(unit.unit_id, unit.language)
    messages: list[tuple[list[ManifestRow], EmailMessage, str]] = []
    for (unit_id, recipient), group in groups.items():
        msg = _message(rnd, template, group, contents, languages.get(unit_id, "en"), content_dir)
        name = safe_filename(f"{template}_{unit_id}_{recipient or 'no-address'}", 120) + ".eml"
        path = box / name
        atomic_write_bytes(path, bytes(msg))
        out.drafts.append(path)
        messages.append((group, msg, recipient))
    if smtp is None:
        rnd.audit(f"{template}-drafts", count=len(messages), outbox=str(box))
        return
    with Smtp(smtp) as conn:
        for i, (group, msg, recipient) in enumerate(messages):
            if not recipient:
                out.skipped.append(group[0].unit_id)
                continue
            result = conn.send(msg)
            now = _now()
            for r in group:
                if template == "invitation":
                    r.send_status, r.sent_at = result, now if result == "sent" else r.sent_at
                elif result == "sent":
                    r.reminded_at = now
            if result == "sent":
                out.sent.append(recipient)
            else:
                out.failed.append((recipient, result))
            rnd.write_manifest(rows)  # after each recipient: a crash loses nothing sent
            rnd.audit(
                f"{template}-send",
                recipient=recipient,
                unit=group[0].unit_id,
                workbooks=[r.file for r in group],
                result=result,
            )
            if progress:
                progress(i + 1, len(messages))


def _message(
    rnd: Round,
    template: str,
    group: list[ManifestRow],
    contents: dict[str, Questionnaire],
    lang: str,
    content_dir: Path | None,
) -> EmailMessage:
    first = group[0]
    titles: list[str] = []
    lines: list[str] = []
    blocks: dict[str, list[dict[str, str]]] = {"missing": [], "rejected": [], "damaged": []}
    attachments: list[tuple[str, bytes]] = []
    for r in group:
        qn = contents[r.questionnaire]
        title = qn.title.get(lang)
        short = qn.setting("short_title", lang) or title
        if short not in titles:
            titles.append(short)
        file = Path(r.file).name
        what = "  - " + (
            i18n.text("mail.workbook_for", lang, title=title, system=r.system_name, file=file)
            if r.system_name
            else i18n.text("mail.workbook", lang, title=title, file=file)
        )
        lines.append(what)
        attach = rnd.folder / r.file
        name = attach.name
        if template == "reminder" and r.status == "rejected" and unreadable(r):
            blocks["damaged"].append(_damage(rnd, r, what, lang))
            continue  # nothing to attach: the unit sends its own completed copy again
        if template == "reminder" and r.status == "rejected":
            blocks["rejected"].append({"workbook": what, "reason": r.issues[:200]})
            feedback = feedback_path(rnd, r)
            if feedback.exists():
                attach, name = feedback, feedback_attachment(r.file, lang)
        elif template == "reminder":
            blocks["missing"].append({"workbook": what})
        attachments.append((name, attach.read_bytes()))
    deadline = rnd.deadline
    values = {
        "unit_name": first.unit_name,
        "round": rnd.round_id,
        "deadline": deadline.shown if deadline else i18n.text("mail.no_deadline", lang),
        "titles": ", ".join(titles),
        "workbooks": "\n".join(lines),
        "coordinator": rnd.settings.get("from", ""),
    }
    texts = {
        name: _block(f"reminder_{name}", items, lang, content_dir) for name, items in blocks.items()
    }
    last = [name for name, text in texts.items() if text][-1:]
    for name in last:  # blocks are a blank line apart; the template follows the last one
        texts[name] = texts[name].removesuffix("\n")
    values.update(texts)
    msg_id = (
        f"<{rnd.round_id}.{first.unit_id}.{template}@rai-sheets.invalid>"
        if template == "invitation"
        else None
    )
    return compose(
        template,
        lang,
        values,
        sender=rnd.settings.get("from", ""),
        to=first.recipient,
        to_name=first.unit_name,
        attachments=attachments,
        content_dir=content_dir,
        message_id=msg_id,
        essential=tuple(blocks),
    )


def feedback_attachment(file: str, lang: str) -> str:
    """The name a feedback workbook is attached under: the workbook's, and what it is for in
    the unit's language (a French unit gets "risk_U02_S-1_2026Q4_a-corriger.xlsx")."""
    return f"{Path(file).stem}_{safe_filename(i18n.text('mail.feedback_suffix', lang))}.xlsx"


def _block(name: str, items: list[dict[str, str]], lang: str, content_dir: Path | None) -> str:
    """A reminder's paragraph from its template: one line per workbook, then what to do."""
    if not items:
        return ""
    line, body = load_template(name, lang, content_dir, head="Line")
    lines = "\n".join(string.Template(line).safe_substitute(i) for i in items)
    return string.Template(body).safe_substitute(lines=lines).rstrip("\n") + "\n\n"


def unreadable(r: ManifestRow) -> bool:
    """The row's return could not be read (it was matched by its name or sender, not by the
    identifiers inside it)."""
    return r.matched_by not in ("", "contents")


def _damage(rnd: Round, r: ManifestRow, what: str, lang: str) -> dict[str, str]:
    """What the unit is told about a return that could not be read: the file, when it came,
    and what was wrong with it, in the unit's language, without the coordinator's advice."""
    sha = Path(r.rejected_file).stem
    sidecar = rnd.folder / "received" / f"{sha}.json"
    info = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
    reasons = [
        render_for_unit(i.code, lang, **i.params)
        for i in verdicts.stored_issues(rnd, sha)
        if i.severity == ERROR
    ]
    return {
        "workbook": what,
        "file": info.get("original_name") or Path(r.rejected_file).name,
        "received": r.returned_at[:16].replace("T", " ") or "?",
        "reason": " ".join(reasons) or r.issues[:300],
    }
