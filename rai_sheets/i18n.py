"""Interface strings: the words the code itself writes for a person (sheet names, table headers,
validation alerts, the feedback frame, summary headings, console lines), in INTERPOL's four
languages, from two catalogues in `rai_sheets/locale/`:

- `interface.csv` (columns key, en, fr, es, ar): every interface string, read with
  `text(key, lang, **params)`, which fills `{placeholders}` with str.format;
- `messages.csv` (columns code, severity, en, fr, es, ar): the templates of the issues found in
  returned files (`issues.py` renders them).

Content strings (questions, scales, guidance, instructions) live in `source_content/` instead;
these are the tool's own. A string with no text in a language falls back to English; the test
suite checks that both catalogues are complete in all four languages.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "fr", "es", "ar")
DEFAULT = "en"
RIGHT_TO_LEFT = frozenset({"ar"})
LOCALE = Path(__file__).resolve().parent / "locale"
CATALOGUE_PATH = LOCALE / "interface.csv"
MESSAGES_PATH = LOCALE / "messages.csv"
PLACEHOLDER = re.compile(r"\{(\w+)[^{}]*\}")


def _rows(path: Path, key: str) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        ident = (row.get(key) or "").strip()
        if ident:
            out[ident] = {col: row.get(col) or "" for col in row if col}
    return out


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """key -> {language: text}; read once per process."""
    return {
        key: {lang: row.get(lang, "") for lang in LANGUAGES}
        for key, row in _rows(CATALOGUE_PATH, "key").items()
    }


@functools.cache
def messages() -> dict[str, dict[str, str]]:
    """issue code -> {"severity": ..., language: template}; read once per process."""
    return _rows(MESSAGES_PATH, "code")


def text(key: str, lang: str = DEFAULT, **params: Any) -> str:
    """The string `key` in `lang` (English where the catalogue has no translation yet)."""
    entry = catalogue()[key]  # an unknown key is a programming error: fail loudly in tests
    template = entry.get(lang) or entry[DEFAULT]
    return template.format(**params) if params else template


def joined(parts: Iterable[str], lang: str = DEFAULT, semicolons: bool = False) -> str:
    """Items of a list as a sentence in `lang` joins them (the Arabic comma in Arabic)."""
    return text("word.list_semicolon" if semicolons else "word.list_separator", lang).join(parts)


def has(key: str) -> bool:
    return key in catalogue()


def missing(lang: str) -> list[str]:
    """Interface keys and message codes that have no text in `lang`."""
    keys = [key for key, entry in catalogue().items() if not entry.get(lang)]
    return keys + [code for code, entry in messages().items() if not entry.get(lang)]


def placeholders(template: str) -> set[str]:
    return set(PLACEHOLDER.findall(template))


def is_rtl(lang: str) -> bool:
    """Written right to left: the workbook's sheets, alignment and charts are mirrored."""
    return lang in RIGHT_TO_LEFT
