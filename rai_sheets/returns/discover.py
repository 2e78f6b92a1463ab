"""Which input files to look at: explicit files, and folders searched recursively.

Anything found in a folder that is not spreadsheet-like is listed as skipped with the reason,
never silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .preflight import SPREADSHEET_SUFFIXES


@dataclass(frozen=True)
class Candidate:
    path: Path
    name: str  # as shown to the user
    skip_reason: str = ""


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
                out.append(Candidate(p, str(p), _skip_reason(p)))
        else:
            real = given.resolve()
            if real not in seen:
                seen.add(real)
                out.append(Candidate(given, str(given)))
    return out


def _skip_reason(p: Path) -> str:
    if p.name.startswith("~$"):
        return "an Excel lock file, left while the workbook was open"
    if p.name.startswith("."):
        return "a hidden file"
    if p.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return f"not a spreadsheet ({p.suffix or 'no extension'})"
    return ""
