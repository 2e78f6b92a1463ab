"""A stand-in translator for tests: a copy of the content where every text missing in a language
gets a marked version of the English ("es·Choose the stage..."), so that tests of the mechanics
(sheet names, reading back, mixed rounds, completeness) do not wait for, nor depend on, the
real translations. It writes what a translator's work adds: a `<column>::<lang>` column beside
the English one, and `email/<name>.<lang>.txt`.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from rai_sheets.content.languages import SKIPPED_TABLES, TEXT_COLUMNS, is_text_setting

MESSAGE_LIMIT = 255  # an input message (guidance, message_* settings) holds 255 characters


def marked(text: str, lang: str, column: str) -> str:
    """The fake translation of `text`: marked with its language, within the column's limits."""
    if column == "sheet":  # a sheet name: at most 30 characters, no ':' and the like
        return f"{lang.upper()} {text}"[:30].rstrip()
    out = f"{lang}·{text}"
    return out[:MESSAGE_LIMIT] if len(text) <= MESSAGE_LIMIT else out


def fake_translate(source: Path, target: Path, langs: tuple[str, ...]) -> Path:
    """Copy the content folder `source` to `target`, filling every gap in each of `langs`."""
    shutil.copytree(source, target)
    for path in sorted(target.rglob("*.csv")):
        if path.name not in SKIPPED_TABLES:
            _table(path, langs)
    for path in sorted((target / "email").glob("*.txt")):
        if "." in path.stem:
            continue
        for lang in langs:
            own = path.with_name(f"{path.stem}.{lang}.txt")
            if not own.exists():
                own.write_text(_template(path.read_text(encoding="utf-8"), lang), "utf-8")
    return target


def _table(path: Path, langs: tuple[str, ...]) -> None:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    if not rows:
        return
    header = list(rows[0].keys())
    for column in TEXT_COLUMNS:
        if column not in header:
            continue
        for lang in langs:
            target = f"{column}::{lang}"
            if target not in header:
                at = header.index(column) + 1
                while at < len(header) and header[at].startswith(column + "::"):
                    at += 1
                header.insert(at, target)
            for row in rows:
                english = row.get(column) or ""
                if not english or row.get(target):
                    continue
                if column == "value" and not is_text_setting(row.get("key", ""), english):
                    continue
                row[target] = marked(english, lang, column)
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows({h: row.get(h) or "" for h in header} for row in rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _template(text: str, lang: str) -> str:
    """An email template: its first line keeps its `Subject:`/`Line:` head, placeholders stay."""
    head, _, body = text.partition("\n\n")
    name, _, value = head.partition(":")
    return f"{name}: {lang}·{value.strip()}\n\n{lang}·{body}"
