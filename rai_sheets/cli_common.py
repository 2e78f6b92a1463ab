"""What the command modules share: exit codes, the exceptions that carry them, common
options and the progress bar. Both cli.py and cli_rounds.py import it; neither imports the
other's commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

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
prefill_option = click.option(
    "--prefill-from",
    default="",
    metavar="ROUND",
    help="Pre-fill each unit's and AI system's workbook with its last accepted answers of "
    "this round, from the history store, marked for review.",
)
