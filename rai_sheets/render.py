"""Console rendering of reports: the one place that turns issues into lines for a terminal.

Every text that came from a returned file, a message or a roster is passed through
`printable` (control characters escaped) before it reaches the terminal."""

from __future__ import annotations

import click

from .consolidate.pipeline import ConsolidationResult
from .issues import ERROR, REJECTED, SKIPPED, printable
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


def validation_table(report: ValidationReport) -> None:
    files = report.files
    width = min(max((len(f.name) for f in files), default=4), 60)
    head = (
        f"{'FILE':<{width}}  {'STATUS':<22}  {'QUESTIONNAIRE':<13}  {'UNIT':<10}  "
        f"{'SYSTEM':<10}  ERRORS  WARNINGS"
    )
    click.echo(head)
    for f in files:
        errors = sum(i.severity == ERROR for i in f.issues)
        warnings = len(f.issues) - errors
        status = click.style(f"{f.status:<22}", fg=STATUS_COLOURS.get(f.status))
        click.echo(
            f"{_fit(f.name, width):<{width}}  {status}  {_fit(f.questionnaire or '-', 13):<13}  "
            f"{_fit(f.unit_id or f.unit_name or '-', 10):<10}  "
            f"{_fit(f.system_id or '-', 10):<10}  {errors:>6}  {warnings:>8}"
        )
    with_issues = [f for f in files if f.issues or f.status == SKIPPED]
    if not with_issues:
        return
    click.echo("")
    for f in with_issues:
        if f.status == SKIPPED:
            click.echo(printable(f"[{f.name}] skipped: {f.skipped_reason}"))
            continue
        for issue in f.issues[:MAX_ISSUES_PER_FILE]:
            mark = (
                click.style("error", fg="red")
                if issue.severity == ERROR
                else click.style("warning", fg="yellow")
            )
            click.echo(f"{mark} {issue}")
        extra = len(f.issues) - MAX_ISSUES_PER_FILE
        if extra > 0:
            click.echo(
                f"  ... and {extra} more issue(s) in {printable(f.name)} (see --report or --json)"
            )


def validation_summary(report: ValidationReport) -> str:
    s = report.summary()
    line = (
        f"{s['accepted']} accepted, {s['accepted-with-warnings']} accepted with warnings, "
        f"{s['rejected']} rejected, {s['skipped']} skipped ({s['files']} files)."
    )
    if s[REJECTED]:
        line += " Rejected files need to be fixed and sent again."
    return line


def consolidation(result: ConsolidationResult) -> None:
    c = result.consolidation
    click.echo(f"Summary workbook: {result.summary}")
    for path in result.data:
        click.echo(f"Data: {path}")
    for row in c.counts.itertuples():
        missing = f", {row.missing} missing" if c.report.roster is not None else ""
        click.echo(
            f"  {row.questionnaire:<10} {row.accepted} accepted of {row.expected} "
            f"expected ({row.rejected} rejected{missing})"
        )
    if c.superseded:
        click.echo(
            f"  {len(c.superseded)} earlier return(s) superseded by a later one from the "
            "same unit (the workbook saved last counts)."
        )
    click.echo("What needs attention:")
    for i, finding in enumerate(c.findings, start=1):
        click.echo(f"  {i}. {printable(finding)}")


def round_status(st: RoundStatus) -> None:
    due = st.deadline
    click.echo(f"Round {st.round_id}" + (f", deadline {due.phrase()}" if due else ""))
    head = (
        f"{'UNIT':<8}  {'NAME':<28}  {'SYSTEM':<10}  {'QUESTIONNAIRE':<13}  {'SENT':<4}  "
        f"{'STATUS':<22}  LATE  WHY"
    )
    click.echo(head)
    for r in st.rows:
        status = click.style(f"{r.status:<22}", fg=STATUS_COLOURS.get(r.status, "red"))
        click.echo(
            f"{_fit(r.unit_id, 8):<8}  {_fit(r.unit_name, 28):<28}  "
            f"{_fit(r.system_id or '-', 10):<10}  {r.questionnaire:<13}  "
            f"{'yes' if r.sent else 'no':<4}  {status}  {'late' if r.late else '':<4}  "
            f"{printable(r.why[:100])}"
        )
    for u in st.unmatched:
        why = f" ({u['note']})" if u["note"] else ""
        click.echo(
            printable(
                f"not matched{why}: {u['original_name']} from {u['sender'] or 'unknown sender'}: "
                f"{u['issues'][:120]}"
            )
        )
    t = st.totals()
    click.echo(
        f"Totals: {t['workbooks']} workbooks for {t['units']} units: {t['sent']} sent, "
        f"{t['returned']} returned ({t['accepted']} accepted, {t['rejected']} rejected), "
        f"{t['missing']} missing, {t['late']} late; {t['unmatched_files']} file(s) not "
        "matched."
    )
    click.echo(st.verdict())


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
