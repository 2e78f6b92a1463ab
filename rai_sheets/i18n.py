"""Interface strings: the words the code itself writes for a person (sheet names, table headers,
validation alerts, the feedback frame, summary headings, console lines), in INTERPOL's four
languages, from one catalogue: `rai_sheets/locale/interface.csv` (columns key, en, fr, es, ar).

Content strings (questions, scales, guidance, instructions) live in `source_content/` instead;
these are the tool's own. `text(key, lang, **params)` fills `{placeholders}` with str.format.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "fr", "es", "ar")
DEFAULT = "en"
CATALOGUE_PATH = Path(__file__).resolve().parent / "locale" / "interface.csv"


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """key -> {language: text}; read once per process."""
    with CATALOGUE_PATH.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        key = (row.get("key") or "").strip()
        if key:
            out[key] = {lang: row.get(lang) or "" for lang in LANGUAGES}
    return out


def text(key: str, lang: str = DEFAULT, **params: Any) -> str:
    """The string `key` in `lang` (English where the catalogue has no translation yet)."""
    entry = catalogue()[key]  # an unknown key is a programming error: fail loudly in tests
    template = entry.get(lang) or entry[DEFAULT]
    return template.format(**params) if params else template


def missing(lang: str) -> list[str]:
    """Keys that have no text in `lang`."""
    return [key for key, entry in catalogue().items() if not entry.get(lang)]
