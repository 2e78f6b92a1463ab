"""Console rendering of reports: the one place that turns issues into lines for a terminal.

Every text that came from a returned file, a message or a roster is passed through
`printable` (control characters escaped) before it reaches the terminal."""

from __future__ import annotations

import click

from .consolidate.pipeline import ConsolidationResult
from .i18n import has, text
from .issues import (
    ACCEPTED,
    ACCEPTED_WITH_WARNINGS,
    ERROR,
    REJECTED,
    SKIPPED,
    WARNING,
    printable,
)
from .returns.migrate import Migration
from .returns.report import ValidationReport
from .rounds.status import RoundStatus
from .workbook.spec import ANSWER, CHECK, REMOVED

STATUS_COLOURS = {
    "accepted": "green",
    "accepted-with-warnings": "yellow",
    "rejected": "red",
    "skipped": "bright_black",
    "missing": "magenta",
}
MAX_ISSUES_PER_FILE = 25


def _fit(text: str, width: int) -> str:
    text = printable(text)
    return text if len(text) <= width else "..." + text[-(width - 3) :]


def _fit_start(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def validation_table(report: ValidationReport, lang: str = "en") -> None:
    """One line per file, then every issue; the frame in `lang`, each message in the language
    of the workbook it is about."""
    files = report.files
    width = min(max((len(f.name) for f in files), default=4), 60)
    t = {k: text(f"console.{k}", lang) for k in COLUMNS}
    head = (
        f"{t['file']:<{width}}  {t['status']:<22}  {t['questionnaire']:<13}  {t['unit']:<10}  "
        f"{t['system']:<10}  {t['errors']:>6}  {t['warnings']:>8}"
    )
    click.echo(head)
    for f in files:
        errors = sum(i.severity == ERROR for i in f.issues)
        warnings = len(f.issues) - errors
        shown = text(f"console.status.{f.status}", lang) if f.status else ""
        status = click.style(f"{shown:<22}", fg=STATUS_COLOURS.get(f.status))
        click.echo(
            f"{_fit(f.name, width):<{width}}  {status}  {_fit(f.questionnaire or '-', 13):<13}  "
            f"{_fit(f.unit_id or f.unit_name or '-', 10):<10}  "
            f"{_fit(f.system_id or '-', 10):<10}  {errors:>{len(t['errors'])}}  "
            f"{warnings:>{len(t['warnings'])}}"
        )
    with_issues = [f for f in files if f.issues or f.status == SKIPPED]
    if not with_issues:
        return
    click.echo("")
    marks = {
        ERROR: click.style(text("console.error", lang), fg="red"),
        WARNING: click.style(text("console.warning", lang), fg="yellow"),
    }
    for f in with_issues:
        if f.status == SKIPPED:
            line = text("console.skipped", lang, file=f.name, reason=f.skipped_reason)
            click.echo(printable(line))
            continue
        for issue in f.issues[:MAX_ISSUES_PER_FILE]:
            click.echo(f"{marks[issue.severity]} {issue}")
        extra = len(f.issues) - MAX_ISSUES_PER_FILE
        if extra > 0:
            click.echo(text("console.more_issues", lang, n=extra, file=printable(f.name)))


COLUMNS = ("file", "status", "questionnaire", "unit", "system", "errors", "warnings")


def validation_summary(report: ValidationReport, lang: str = "en") -> str:
    s = report.summary()
    line = text(
        "console.summary",
        lang,
        accepted=s[ACCEPTED],
        warnings=s[ACCEPTED_WITH_WARNINGS],
        rejected=s[REJECTED],
        skipped=s[SKIPPED],
        files=s["files"],
    )
    if s[REJECTED]:
        line += text("console.summary_rejected", lang)
    return line


def consolidation(result: ConsolidationResult, lang: str = "en") -> None:
    """Where the summary went, the counts, and what needs attention (the findings are in the
    summary's language)."""
    c = result.consolidation
    click.echo(text("console.summary_workbook", lang, path=result.summary))
    for path in result.data:
        click.echo(text("console.data", lang, path=path))
    for row in c.counts.itertuples():
        missing = (
            text("console.counts_missing", lang, n=row.missing)
            if c.report.roster is not None
            else ""
        )
        click.echo(
            text(
                "console.counts",
                lang,
                questionnaire=row.questionnaire,
                accepted=row.accepted,
                expected=row.expected,
                rejected=row.rejected,
                missing=missing,
            )
        )
    if c.superseded:
        click.echo(text("console.superseded", lang, n=len(c.superseded)))
    click.echo(text("console.attention", lang))
    for i, finding in enumerate(c.findings, start=1):
        click.echo(f"  {i}. {printable(finding)}")


def history_line(result: ConsolidationResult, lang: str = "en") -> str:
    return text(
        "console.history", lang, round=result.round_id, path=result.history, n=result.rounds_held
    )


def round_status(st: RoundStatus, lang: str = "en") -> None:
    due = st.deadline
    click.echo(
        text("round.round_due", lang, round=st.round_id, deadline=due.phrase())
        if due
        else text("round.round", lang, round=st.round_id)
    )
    t = {k: text(f"console.{k}", lang) for k in ("unit", "system", "questionnaire", "status")}
    t |= {k: text(f"round.{k}", lang) for k in ("name", "sent", "late", "why")}
    click.echo(
        f"{t['unit']:<8}  {t['name']:<28}  {t['system']:<10}  {t['questionnaire']:<13}  "
        f"{t['sent']:<4}  {t['status']:<22}  {t['late']:<4}  {t['why']}"
    )
    yes, no, late = (text(f"round.{k}", lang) for k in ("yes", "no", "late_mark"))
    for r in st.rows:
        key = f"console.status.{r.status}"
        shown = text(key, lang) if has(key) else r.status
        status = click.style(f"{shown:<22}", fg=STATUS_COLOURS.get(r.status, "red"))
        click.echo(
            f"{_fit(r.unit_id, 8):<8}  {_fit(r.unit_name, 28):<28}  "
            f"{_fit(r.system_id or '-', 10):<10}  {r.questionnaire:<13}  "
            f"{yes if r.sent else no:<4}  {status}  {late if r.late else '':<4}  "
            f"{printable(r.why[:100])}"
        )
    for u in st.unmatched:
        why = f" ({u['note']})" if u["note"] else ""
        line = text(
            "round.not_matched",
            lang,
            why=why,
            file=u["original_name"],
            sender=u["sender"] or text("round.unknown_sender", lang),
            issues=u["issues"][:120],
        )
        click.echo(printable(line))
    totals = st.totals()
    click.echo(
        text(
            "round.totals",
            lang,
            **{k: totals[k] for k in ("workbooks", "units", "sent", "returned", "accepted")},
            **{k: totals[k] for k in ("rejected", "missing", "late")},
            unmatched=totals["unmatched_files"],
        )
    )
    click.echo(st.verdict(lang))


def migration(m: Migration) -> None:
    """One old workbook: where it went, what was carried, what needs an answer."""
    if m.issues:
        for issue in m.issues:
            click.echo(f"{click.style('error', fg='red')} {issue}")
        return
    if m.path is None:
        click.echo(printable(f"{m.source}: {m.note}"))
        return
    who = " / ".join(x for x in (m.unit, m.system) if x) or "no unit"
    click.echo(
        printable(
            f"{m.source} ({m.questionnaire} {m.from_version}, {who}) -> {m.path}: "
            f"{m.carried} answer(s) carried over to version {m.to_version}"
        )
    )
    for kind, title in ((ANSWER, "to answer"), (CHECK, "to check"), (REMOVED, "not carried")):
        changes = [c for c in m.changes if c.kind == kind]
        if changes:
            click.echo(f"  {len(changes)} {title}:")
            for c in changes[:MAX_ISSUES_PER_FILE]:
                text = f' "{_fit_start(c.text, 60)}"' if c.text else ""
                click.echo(f"    {c.question_id}{text}: {c.reason}")
            if len(changes) > MAX_ISSUES_PER_FILE:
                click.echo(
                    f"    ... and {len(changes) - MAX_ISSUES_PER_FILE} more (see its Changes sheet)"
                )
