"""Is the content complete in every language it declares?

A language is declared by any `<column>::<lang>` column anywhere in the content. Every text the
respondent or the coordinator reads must then have that language: labels, descriptions,
guidance, sheet names, the words settings, and the email templates (`email/<name>.<lang>.txt`).
Each missing one is a `ContentProblem` naming the file, the line and the column to fill in.

Settings that are not words are left out: the identifiers and numbers listed in
`NOT_TEXT_SETTINGS` (a question id, a band id, a threshold, the version) and any value without
a letter in it (a number, a symbol such as `*`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import i18n
from ..model import DEFAULT_LANGUAGE
from .tables import ContentProblem, Table

# The text columns of the content tables (the unsuffixed column is English).
TEXT_COLUMNS = ("label", "description", "guidance", "sheet", "value")
# Settings whose value is an identifier, a number or a flag, never words (see FORMAT.md).
NOT_TEXT_SETTINGS = frozenset(
    {
        "version",
        "critical_cap",
        "critical_below",
        "critical_mark",
        "current_stage",
        "review_carried",
        "target",
        "applicability_general",
        "applicability_core_function",
        "applicability_other_effects",
        "acceptance_by",
        "acceptance_role",
        "acceptance_date",
        "acceptance_level",
    }
)
NOT_TEXT_PREFIXES = ("target_",)
# Tables that hold no text for a person (the matrix holds level ids; the question map's notes
# are for the Changes sheet of a migrated workbook, and stay in the content's own language).
SKIPPED_TABLES = ("matrix.csv", "question_map.csv")
SHARED_TABLES = ("core_principles.csv", "principles.csv")
LETTER = re.compile(r"[^\W\d_]")


def is_text_setting(key: str, value: str) -> bool:
    """Whether a settings row holds words to translate."""
    if key in NOT_TEXT_SETTINGS or key.startswith(NOT_TEXT_PREFIXES):
        return False
    return bool(LETTER.search(value))


def content_tables(root: Path, qids: Iterable[str] | None = None) -> list[Path]:
    """The CSV tables that hold text: the shared ones, and those of the questionnaires."""
    folders = [root / q for q in qids] if qids is not None else _folders(root)
    tables = [root / name for name in SHARED_TABLES if (root / name).is_file()]
    for folder in folders:
        tables += [p for p in sorted(folder.glob("*.csv")) if p.name not in SKIPPED_TABLES]
    return tables


def _folders(root: Path) -> list[Path]:
    return [p for p in sorted(root.iterdir()) if (p / "questions.csv").is_file()]


def declared_languages(root: Path) -> list[str]:
    """The languages the content declares besides English, in order."""
    found: set[str] = set()
    for path in content_tables(root):
        found |= Table(path, path.name, []).languages()
    return sorted(found - {DEFAULT_LANGUAGE})


def missing_texts(
    root: Path, lang: str, qids: Iterable[str] | None = None, email: bool = True
) -> list[ContentProblem]:
    """Every text of the content (of `qids`, by default all) that has no `lang` version."""
    problems: list[ContentProblem] = []
    for path in content_tables(root, qids):
        rel = path.relative_to(root).as_posix()
        t = Table(path, rel, [])
        for i, row in enumerate(t.rows):
            for column in TEXT_COLUMNS:
                english = row.get(column, "")
                if not english or row.get(f"{column}::{lang}"):
                    continue
                if column == "value" and not is_text_setting(row.get("key", ""), english):
                    continue
                t.problem(i, f"{column}::{lang}", f'has no {lang} text for "{_short(english)}".')
        problems += t.problems
    if email:
        problems += missing_templates(root, lang)
    return problems


def missing_templates(root: Path, lang: str) -> list[ContentProblem]:
    """Email templates (`email/<name>.txt`) without their `<name>.<lang>.txt`."""
    folder = root / "email"
    if not folder.is_dir():
        return []
    return [
        ContentProblem(
            f"email/{p.stem}.{lang}.txt",
            None,
            None,
            f"is missing: the {lang} version of email/{p.name}.",
        )
        for p in sorted(folder.glob("*.txt"))
        if "." not in p.stem and not (folder / f"{p.stem}.{lang}.txt").exists()
    ]


def completeness(root: Path) -> list[ContentProblem]:
    """What every declared language lacks, for `rai-sheets content check`."""
    problems: list[ContentProblem] = []
    for lang in declared_languages(root):
        problems += missing_texts(root, lang)
    return problems


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57].rstrip() + "..."


# Interface strings a workbook shows (the rest of the catalogue is the console's and the
# summary's): a language the catalogue lacks them in would leave English in the workbook.
WORKBOOK_STRINGS = ("sheet.instructions", "sheet.results", "sheet.changes")
WORKBOOK_PREFIXES = ("setting.", "column.", "workbook.", "changes.")


def interface_gaps(lang: str) -> list[str]:
    """The keys of the workbook's own words (rai-sheets' interface catalogue) missing in
    `lang`."""
    return [
        k
        for k, entry in i18n.catalogue().items()
        if (k in WORKBOOK_STRINGS or k.startswith(WORKBOOK_PREFIXES)) and not entry.get(lang)
    ]


@dataclass(frozen=True)
class Gaps:
    """What a workbook (or message) in `lang` would show in English."""

    lang: str
    content: list[ContentProblem]  # each names the file, line and column to fill in
    interface: list[str]  # keys of rai-sheets' own catalogue

    @property
    def count(self) -> int:
        return len(self.content) + len(self.interface)

    def problems(self) -> list[ContentProblem]:
        if not self.interface:
            return self.content
        summary = ContentProblem(
            "rai_sheets/locale/interface.csv",
            None,
            self.lang,
            f"{len(self.interface)} of rai-sheets' own workbook words have no {self.lang} "
            f"text (for example {self.interface[0]}).",
        )
        return [*self.content, summary]


class TranslationMissing(Exception):
    """A workbook was asked for in a language the content (or rai-sheets) lacks texts in."""

    def __init__(self, gaps: Gaps):
        self.gaps = gaps
        super().__init__(f"{gaps.count} text(s) have no {gaps.lang} version")


def translation_gaps(root: Path, lang: str, qids: Iterable[str], email: bool = False) -> Gaps:
    """Every text a workbook (and with `email`, a message) in `lang` would show in English."""
    if lang == DEFAULT_LANGUAGE:
        return Gaps(lang, [], [])
    return Gaps(lang, missing_texts(root, lang, qids, email), interface_gaps(lang))


def untranslated(
    root: Path, langs: Iterable[str], qids: Iterable[str], allow_fallback: bool, email: bool = False
) -> dict[str, int]:
    """How many texts each language would show in English; raises TranslationMissing for the
    first incomplete language unless English may stand in (`allow_fallback`)."""
    counts: dict[str, int] = {}
    qids = list(qids)
    for lang in sorted(set(langs)):
        gaps = translation_gaps(root, lang, qids, email)
        if gaps.count and not allow_fallback:
            raise TranslationMissing(gaps)
        counts[lang] = gaps.count
    return counts
