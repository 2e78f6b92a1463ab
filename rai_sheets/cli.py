"""The `rai-sheets` command: parse, call one api function, render, set the exit code.

Exit codes: 0 success; 1 the input had problems (rejected files, broken content or roster);
2 usage error; 3 unexpected internal error (reported without a traceback; set
RAI_SHEETS_DEBUG=1 to see one).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__, api, cli_rounds, render
from .cli_common import (
    EXIT_PROBLEMS,
    InternalError,
    ProblemsFound,
    allow_fallback_option,
    bullets,
    content_dir_option,
    history_option,
    lang_option,
    prefill_option,
    progress_bar,
    rounds_dir_option,
    translation_missing,
    untranslated_note,
)
from .content.languages import TranslationMissing
from .content.tables import ContentError
from .i18n import LANGUAGES, text
from .roster import RosterError
from .rounds.folder import RoundError
from .rounds.mail import MailError


class Group(click.Group):
    """Turns library errors into clean messages and exit codes; no traceback reaches a user."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except ContentError as exc:
            raise ProblemsFound(
                "The questionnaire content has problems:\n" + bullets(exc.problems)
            ) from None
        except TranslationMissing as exc:
            raise ProblemsFound(translation_missing(exc.gaps)) from None
        except RosterError as exc:
            raise ProblemsFound("The roster has problems:\n" + bullets(exc.problems)) from None
        except (api.UsageError, RoundError) as exc:
            raise click.UsageError(str(exc)) from None
        except (MailError, api.HistoryError) as exc:
            raise ProblemsFound(str(exc)) from None
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            sys.stderr.close()
            raise click.exceptions.Exit(0) from None
        except OSError as exc:
            target = f" {exc.filename}" if exc.filename else ""
            raise InternalError(f"could not read or write{target}: {exc.strerror or exc}") from None
        except KeyboardInterrupt:
            raise click.Abort() from None
        except Exception as exc:  # the edge: report, never a traceback
            if os.environ.get("RAI_SHEETS_DEBUG") == "1":
                raise
            raise InternalError(
                f"unexpected internal error: {type(exc).__name__}: {exc}. "
                "Please report it with the command you ran "
                "(RAI_SHEETS_DEBUG=1 shows the details)."
            ) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rai-sheets")
def cli() -> None:
    """Excel workbooks for the INTERPOL/UNICRI Toolkit for Responsible AI Innovation in Law
    Enforcement: generate them per unit, validate what comes back, consolidate for leadership.

    \b
    Questionnaires: readiness (one per unit), risk and action (one per AI system).
    Languages: en, fr, es, ar. Each unit answers in its language from the roster;
    --lang sets the language of blank workbooks, the console, reports and the summary.
    Exit codes: 0 ok, 1 problems in the input, 2 usage error, 3 internal error.
    """


@cli.command()
@click.argument("questionnaires", nargs=-1, metavar="[QUESTIONNAIRE]...")
@click.option(
    "--units",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Roster CSV (unit_id,unit_name,email,language,system_id,system_name): one "
    "readiness workbook per unit, one risk and one action workbook per AI system.",
)
@click.option(
    "--round",
    "round_id",
    default="",
    metavar="ID",
    help="Round identifier recorded in each workbook and its file name, e.g. 2026Q4.",
)
@click.option(
    "--lang",
    default="en",
    show_default=True,
    metavar="CODE",
    help="Language of the workbooks (a unit's own language in the roster wins).",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Folder to write into.",
)
@click.option(
    "--password",
    envvar="RAI_SHEETS_SHEET_PASSWORD",
    default="",
    help="Password for sheet protection (default: protected without a password). "
    "Also RAI_SHEETS_SHEET_PASSWORD.",
)
@prefill_option
@history_option
@allow_fallback_option
@content_dir_option
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line.")
def generate(
    questionnaires: tuple[str, ...],
    units: Path | None,
    round_id: str,
    lang: str,
    out_dir: Path,
    password: str,
    prefill_from: str,
    history: Path,
    allow_fallback: bool,
    content_dir: Path | None,
    quiet: bool,
) -> None:
    """Write workbooks to fill in: blank ones, or one per unit and AI system with --units.

    \b
    Examples:
      rai-sheets generate                       # three blank workbooks in output/
      rai-sheets generate risk --lang fr
      rai-sheets generate --units units.csv --round 2026Q4 -o out/2026Q4
      rai-sheets generate --units units.csv --round 2027Q4 --prefill-from 2026Q4
    """
    progress, finish = progress_bar("Writing workbooks", not quiet and units is not None)
    try:
        files = api.generate(
            list(questionnaires) or None,
            units=units,
            round_id=round_id,
            lang=lang,
            out_dir=out_dir,
            content_dir=content_dir,
            password=password,
            prefill_from=prefill_from,
            history=history,
            allow_fallback=allow_fallback,
            progress=progress,
        )
    finally:
        finish()
    if not quiet and len(files) <= 20:
        for f in files:
            click.echo(f"  {f.path}")
    counts: dict[str, int] = {}
    for f in files:
        counts[f.questionnaire] = counts.get(f.questionnaire, 0) + 1
    summary = ", ".join(f"{n} {q}" for q, n in counts.items())
    click.echo(f"Wrote {len(files)} workbook(s) to {out_dir}/ ({summary}).")
    for line in untranslated_note({f.language: f.untranslated for f in files}):
        click.echo(line)
    if prefill_from:
        carried = [f for f in files if f.carried]
        click.echo(
            f"{len(carried)} pre-filled with their answers of round {prefill_from} "
            f"({sum(f.carried for f in carried)} answers, shaded blue for review); "
            f"{len(files) - len(carried)} had no accepted return in that round."
        )


@cli.group()
def content() -> None:
    """Work with the questionnaire content (source_content/)."""


@content.command("check")
@click.argument(
    "directory", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path)
)
def content_check(directory: Path | None) -> None:
    """Check questionnaire content: every problem with its file, line and column.

    DIRECTORY defaults to the built-in source_content/. Exit 0 when clean, 1 otherwise.
    """
    problems = api.content_check(directory)
    if problems:
        raise ProblemsFound(f"{len(problems)} problem(s) in the content:\n" + bullets(problems))
    ids = api.questionnaire_ids(directory)
    click.echo(f"Content is valid: {', '.join(ids)}.")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--units",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Roster CSV: each file's unit and AI system must be on it.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON document (files, issues, summary) instead of the table.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the issues as a workbook, one row per issue, filterable.",
)
@click.option(
    "--feedback",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write, for each file with issues, a copy of it with the cells marked and an "
    "Issues sheet first, ready to email back. Originals are never modified.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: one per CPU core).",
)
@lang_option
@content_dir_option
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line.")
def validate(
    paths: tuple[Path, ...],
    units: Path | None,
    as_json: bool,
    report: Path | None,
    feedback: Path | None,
    jobs: int | None,
    lang: str,
    content_dir: Path | None,
    quiet: bool,
) -> None:
    """Check returned workbooks: every file accepted, accepted with warnings, or rejected,
    with each problem named by file, sheet and cell.

    PATHS are files or folders (searched recursively; anything that is not a spreadsheet is
    listed as skipped). Exit 0 when every file is accepted (warnings allowed), 1 when any is
    rejected.

    \b
    Examples:
      rai-sheets validate returns/
      rai-sheets validate returns/ --units units.csv --report issues.xlsx --feedback feedback/
      rai-sheets validate returns/ --json > result.json
    """
    progress, finish = progress_bar("Validating", not (quiet or as_json))
    try:
        result = api.validate(
            list(paths), units=units, content_dir=content_dir, jobs=jobs, progress=progress
        ).speak(lang)
    finally:
        finish()
    if report:
        api.write_issue_report(result, report, lang)
    written = api.write_feedback(result, feedback, content_dir) if feedback else []
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        if not quiet:
            render.validation_table(result, lang)
        if report:
            click.echo(text("console.issue_report", lang, path=report))
        if feedback:
            click.echo(text("console.feedback_written", lang, n=len(written), folder=feedback))
        click.echo(render.validation_summary(result, lang))
    if result.rejected:
        sys.exit(EXIT_PROBLEMS)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--units",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Roster CSV: the units and AI systems expected to answer. Without it, "
    "missing returns cannot be listed.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The summary workbook, replaced atomically [default: output/summary.xlsx, or the "
    "round folder's summary.xlsx with --round and no PATHS].",
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write responses.csv and scores.csv (and .parquet with pyarrow) here.",
)
@click.option(
    "--round",
    "round_id",
    default="",
    metavar="ID",
    help="The round being consolidated; returns from another round are rejected.",
)
@click.option(
    "--min-group",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Hide unit-level readiness results when fewer units than this answered "
    "(for sensitive rounds).",
)
@click.option(
    "--below-band",
    default="",
    metavar="BAND",
    help="List units whose overall readiness is below this band (default: the middle band).",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: one per CPU core).",
)
@history_option
@click.option(
    "--round-date",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    metavar="DATE",
    help="The date that orders this round among the others in the history, e.g. 2026-12-15 "
    "[default: the round's deadline, else the date it was first recorded, else today].",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the summary workbook's own words (headings, findings) and of the "
    "console's; content labels follow it where the content has that language, English fills "
    "any gap. Each issue's message stays in the language of its workbook.",
)
@rounds_dir_option
@content_dir_option
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary lines.")
def consolidate(
    paths: tuple[Path, ...],
    units: Path | None,
    output: Path | None,
    data_dir: Path | None,
    round_id: str,
    min_group: int,
    below_band: str,
    jobs: int | None,
    history: Path,
    round_date: Any,
    lang: str,
    rounds_dir: Path,
    content_dir: Path | None,
    quiet: bool,
) -> None:
    """Validate returns and consolidate the accepted ones into the leadership summary.

    Every input file is accounted for: accepted, superseded by a later return from the same
    unit (the workbook saved last counts), rejected with its reasons, or skipped. Exit 0 when
    every file is accepted, 1 when any is rejected; with --round and no PATHS, 0 when every
    expected return of the round is accepted (earlier rejected files that were replaced do
    not count), 1 while any is missing or rejected.

    \b
    Examples:
      rai-sheets consolidate returns/ --units units.csv --round 2026Q4
      rai-sheets consolidate returns/ --units units.csv -o summary.xlsx --data data/
      rai-sheets consolidate --round 2026Q4     # a round run by email: its folder's returns
    """
    progress, finish = progress_bar("Validating", not quiet)
    options: dict[str, Any] = dict(
        data_dir=data_dir,
        content_dir=content_dir,
        jobs=jobs,
        min_group=min_group,
        below_band=below_band,
        history=history,
        round_date=round_date.date() if round_date else None,
        progress=progress,
        lang=lang,
    )
    try:
        if paths:
            result = api.consolidate(
                list(paths),
                units=units,
                round_id=round_id,
                output=output or Path("output/summary.xlsx"),
                **options,
            )
        elif round_id:
            from .rounds.collect import consolidate_round, round_verdict

            result = consolidate_round(round_id, rounds_dir=rounds_dir, output=output, **options)
            complete, verdict = round_verdict(round_id, result, lang)
        else:
            raise click.UsageError(
                "give the PATHS of the returns, or --round ID to consolidate "
                "a round collected with `rai-sheets collect`"
            )
    finally:
        finish()
    if not quiet:
        render.consolidation(result, lang)
    click.echo(render.history_line(result, lang))
    click.echo(render.validation_summary(result.report, lang))
    if not paths:  # a round: its exit status is the round's as it stands now
        click.echo(verdict)
        if not complete:
            sys.exit(EXIT_PROBLEMS)
    elif result.report.rejected:
        sys.exit(EXIT_PROBLEMS)


@cli.command()
@history_option
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Also write every round's tidy data here: rounds.csv, responses.csv, scores.csv.",
)
def history(history: Path, export_dir: Path | None) -> None:
    """List the rounds in the history store, oldest first, with their returns.

    Every consolidation records its accepted answers and scores in the store; re-consolidating
    a round replaces that round's rows. The summary's Trends sheet compares the rounds held.

    \b
    Examples:
      rai-sheets history
      rai-sheets history --history archive/history.sqlite --export data/all-rounds
    """
    rounds = api.history_rounds(history)
    if not rounds:
        click.echo(f"No round held yet in {history}: `rai-sheets consolidate` records one.")
        return
    ids = api.questionnaire_ids(None)
    click.echo(
        f"{'ROUND':<12}  {'DATE':<10}  "
        + "  ".join(f"{q.upper():>9}" for q in ids)
        + "  CONSOLIDATED"
    )
    for r in rounds:
        counts = "  ".join(f"{r.returns.get(q, 0):>9}" for q in ids)
        click.echo(
            f"{r.round_id:<12}  {r.round_date.isoformat():<10}  {counts}  {r.consolidated_at}"
        )
    click.echo(f"{len(rounds)} round(s) in {history} (accepted returns per questionnaire).")
    if export_dir:
        for path in api.history_export(export_dir, history):
            click.echo(f"Data: {path}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output/migrated"),
    show_default=True,
    help="Folder for the migrated workbooks.",
)
@content_dir_option
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line.")
def migrate(paths: tuple[Path, ...], out_dir: Path, content_dir: Path | None, quiet: bool) -> None:
    """Turn returns made from an older content version into workbooks of the current one.

    Every answer whose question still exists is carried over (shaded blue); a first sheet,
    Changes, and the console list the questions that are new or changed and need an answer.
    Renamed and split questions follow source_content/<questionnaire>/question_map.csv.
    PATHS are files or folders. Exit 1 when a file could not be migrated.

    \b
    Examples:
      rai-sheets migrate returns/action_U12_S-DOCS_2026Q4.xlsx -o to-send-back/
    """
    results = api.migrate(list(paths), out_dir, content_dir)
    for m in results:
        if not quiet or m.issues:
            render.migration(m)
    written = [m for m in results if m.path]
    failed = [m for m in results if m.issues]
    click.echo(
        f"{len(written)} workbook(s) migrated to {out_dir}/"
        + (f"; {len(failed)} could not be migrated." if failed else ".")
    )
    if failed:
        sys.exit(EXIT_PROBLEMS)


@cli.command()
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output/demo"),
    show_default=True,
    help="Folder for everything.",
)
def demo(out_dir: Path) -> None:
    """Run the whole pipeline on built-in example data (a fictional agency), two rounds.

    Writes a roster; last year's round, answered and consolidated into the history store;
    this year's workbooks, pre-filled with last year's answers; the units' replies (some
    answers changed, with the usual mistakes); then validates and consolidates them, with
    what changed since last year, and prints where each output is.
    """
    from .demo import PREVIOUS, ROUND, run_demo

    progress, finish = progress_bar("Validating", True)
    try:
        res = run_demo(out_dir, progress=progress)
    finally:
        finish()
    assert res.report is not None
    click.echo(render.validation_summary(res.report.report))
    click.echo("")
    click.echo(
        f"Two rounds: {PREVIOUS} answered and consolidated first, then {ROUND} sent "
        f"pre-filled with the answers of {PREVIOUS}; the summary shows what changed."
    )
    click.echo("")
    click.echo("Outputs:")
    for label, path in (
        ("roster", res.roster),
        (f"round {PREVIOUS}", res.previous),
        ("workbooks sent", res.sent),
        ("returns received", res.returns),
        ("leadership summary", res.summary),
        ("issues, one row each", res.issues),
        ("feedback to units", res.feedback),
        ("history of rounds", res.history),
    ):
        click.echo(f"  {label + ':':<22} {path}")
    for path in res.data:
        click.echo(f"  {'data:':<22} {path}")
    click.echo("")
    click.echo("Open the leadership summary first. Re-run the last step yourself with:")
    click.echo(
        f"  rai-sheets consolidate {res.returns} --units {res.roster} --round {ROUND} "
        f"-o {res.summary} --history {res.history}"
    )


def main() -> None:
    cli(prog_name="rai-sheets")


for _command in cli_rounds.COMMANDS:
    cli.add_command(_command)
