"""What the command modules share: exit codes, the exceptions that carry them, common
options and the progress bar. Both cli.py and cli_rounds.py import it; neither imports the
other's commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .content.languages import Gaps
from .i18n import DEFAULT, LANGUAGES
from .issues import printable

EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 1, 2, 3


class ProblemsFound(click.ClickException):
    exit_code = EXIT_PROBLEMS

    def format_message(self) -> str:
        return printable(self.message)


class InternalError(click.ClickException):
    exit_code = EXIT_INTERNAL

    def format_message(self) -> str:
        return printable(self.message)


def bullets(items: Any) -> str:
    return "\n".join(f"  - {p}" for p in items)


SHOWN_GAPS = 30  # the rest is one `rai-sheets content check` away


def translation_missing(gaps: Gaps) -> str:
    """Why a workbook in a language was refused: what has no text in it, and the way out."""
    problems = gaps.problems()
    more = len(problems) - SHOWN_GAPS
    return (
        f"The content has no {gaps.lang} text for {gaps.count} string(s), so no workbook in "
        f"{gaps.lang} was written. Translate them (rai-sheets content check lists them all), "
        "or pass --allow-fallback to show them in English:\n"
        + bullets(problems[:SHOWN_GAPS])
        + (f"\n  ... and {more} more" if more > 0 else "")
    )


def untranslated_note(counts: dict[str, int]) -> list[str]:
    """One line per language that fell back to English, saying how many texts did."""
    return [
        f"{lang}: {n} string(s) have no {lang} text and are shown in English (--allow-fallback)."
        for lang, n in sorted(counts.items())
        if n
    ]


def progress_bar(
    label: str, enabled: bool
) -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A click progress bar on stderr, fed by the library's progress(done, total) callback.

    Shown only on a terminal, so that scripts and pipes get clean output.
    """
    if not enabled or not sys.stderr.isatty():
        return None, lambda: None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(
                length=total, label=label, file=sys.stderr, show_pos=True
            )
            state["bar"].__enter__()
        state["bar"].update(done - state.get("done", 0))
        state["done"] = done

    def finish() -> None:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)

    return update, finish


content_dir_option = click.option(
    "--content",
    "content_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    envvar="RAI_SHEETS_CONTENT",
    help="Folder of questionnaire content (default: the built-in "
    "source_content/; also RAI_SHEETS_CONTENT).",
)
rounds_dir_option = click.option(
    "--rounds-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="RAI_SHEETS_ROUNDS",
    default=Path("output/rounds"),
    show_default=True,
    help="Where round folders live (also RAI_SHEETS_ROUNDS).",
)
history_option = click.option(
    "--history",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="RAI_SHEETS_HISTORY",
    default=Path("output/history.sqlite"),
    show_default=True,
    help="The history store: one SQLite file holding every consolidated round "
    "(also RAI_SHEETS_HISTORY).",
)
lang_option = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=DEFAULT,
    show_default=True,
    help="Language of the console's own words (headers, totals) and of the messages about "
    "files that do not say their language; every other message is in the language of the "
    "workbook it is about.",
)
allow_fallback_option = click.option(
    "--allow-fallback",
    is_flag=True,
    help="Write workbooks in a language the content does not fully have, showing English "
    "where a text lacks a translation (and saying how many did). Without it such a "
    "workbook is refused, with the list of what is missing.",
)
prefill_option = click.option(
    "--prefill-from",
    default="",
    metavar="ROUND",
    help="Pre-fill each unit's and AI system's workbook with its last accepted answers of "
    "this round, from the history store, marked for review.",
)
