"""Which input files to look at: explicit files, and folders searched recursively.

Anything found in a folder that is not spreadsheet-like is listed as skipped with the reason,
never silently ignored. The reason is a key of the interface catalogue (and the file's suffix),
said in the language of the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..i18n import text
from .preflight import SPREADSHEET_SUFFIXES


@dataclass(frozen=True)
class Candidate:
    path: Path
    name: str  # as shown to the user
    skip_reason: str = ""  # a catalogue key (skip.*); see `skip_words`
    suffix: str = ""

    def skip_words(self, lang: str = "en") -> str:
        return skip_words(self.skip_reason, self.suffix, lang)


def skip_words(reason: str, suffix: str, lang: str = "en") -> str:
    """Why a file was skipped, in words."""
    return text(reason, lang, suffix=suffix) if reason else ""


def discover(paths: list[Path]) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[Path] = set()
    for given in paths:
        if given.is_dir():
            for p in sorted(given.rglob("*")):
                if p.is_dir():
                    continue
                real = p.resolve()
                if real in seen:
                    continue
                seen.add(real)
                out.append(Candidate(p, str(p), _skip_reason(p), p.suffix))
        else:
            real = given.resolve()
            if real not in seen:
                seen.add(real)
                out.append(Candidate(given, str(given)))
    return out


def _skip_reason(p: Path) -> str:
    if p.name.startswith("~$"):
        return "skip.lock_file"
    if p.name.startswith("."):
        return "skip.hidden"
    if p.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return "skip.not_spreadsheet" if p.suffix else "skip.no_extension"
    return ""
