"""Exceptions the library raises when work cannot go on as asked.

Problems found in returned files are not exceptions: they are `Issue`s (issues.py). These are
for requests that make no sense (an unknown questionnaire or language); the CLI turns them into
usage errors (exit 2).
"""

from __future__ import annotations


class UsageError(ValueError):
    """A request that cannot be carried out as asked (unknown questionnaire, language...)."""
