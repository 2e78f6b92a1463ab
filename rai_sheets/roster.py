"""The units roster: a CSV of units and the AI systems they own, read forgivingly.

Header `unit_id,unit_name,email,language,system_id,system_name`; headers match whatever their
case and spacing ("Unit ID" is unit_id). One row per unit, or one row per AI system with its
owning unit. Problems name the line and the column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .model import Unit

COLUMNS = ("unit_id", "unit_name", "email", "language", "system_id", "system_name")
REQUIRED = ("unit_id", "unit_name")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
LANG_RE = re.compile(r"^[a-z]{2,3}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
MAX_BYTES = 5_000_000
MAX_TEXT = 200


@dataclass(frozen=True)
class RosterProblem:
    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f", line {self.line}" if self.line else "")
        where += f", column {self.column}" if self.column else ""
        return f"{where}: {self.message}"


class RosterError(Exception):
    def __init__(self, problems: list[RosterProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Roster:
    path: str
    rows: tuple[Unit, ...]

    # Built once: validation looks a unit up for every returned file.
    @cached_property
    def _units_by_id(self) -> dict[str, Unit]:
        """One entry per unit (the first row that names it), in roster order."""
        seen: dict[str, Unit] = {}
        for r in self.rows:
            if r.unit_id not in seen:
                seen[r.unit_id] = Unit(r.unit_id, r.unit_name, r.email, r.language, row=r.row)
        return seen

    @cached_property
    def _systems_by_id(self) -> dict[str, Unit]:
        return {r.system_id: r for r in self.rows if r.system_id}

    @property
    def units(self) -> list[Unit]:
        return list(self._units_by_id.values())

    @property
    def systems(self) -> list[Unit]:
        return list(self._systems_by_id.values())

    def unit(self, unit_id: str) -> Unit | None:
        return self._units_by_id.get(unit_id)

    def system(self, system_id: str) -> Unit | None:
        return self._systems_by_id.get(system_id)


def _key(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower().lstrip("\ufeff"))


def read_roster(path: Path, languages: tuple[str, ...] = ()) -> Roster:
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RosterError(
            [RosterProblem(name, None, None, f"cannot be read: {exc.strerror}.")]
        ) from None
    if len(raw) > MAX_BYTES:
        raise RosterError([RosterProblem(name, None, None, "is larger than 5 MB; is it a roster?")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise RosterError(
                [
                    RosterProblem(
                        name,
                        None,
                        None,
                        "is not text. Save it from Excel as 'CSV UTF-8 (Comma delimited)'.",
                    )
                ]
            ) from None
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    problems: list[RosterProblem] = []
    try:
        header = next(reader)
    except StopIteration:
        raise RosterError(
            [
                RosterProblem(
                    name,
                    None,
                    None,
                    "is empty; it needs the header line " + ",".join(COLUMNS) + ".",
                )
            ]
        ) from None
    keys = [_key(h) for h in header]
    missing = [c for c in REQUIRED if c not in keys]
    if missing:
        raise RosterError(
            [
                RosterProblem(
                    name,
                    1,
                    None,
                    f"the header lacks {', '.join(missing)}. "
                    f"Expected: {','.join(COLUMNS)} (found: "
                    f"{','.join(h.strip() for h in header)}).",
                )
            ]
        )
    rows: list[Unit] = []
    names: dict[str, tuple[str, int]] = {}
    systems: dict[str, int] = {}
    for line_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        # Columns beyond the six are an agency's own notes and are ignored.
        rec = {
            k: (values[i].strip() if i < len(values) else "")
            for i, k in enumerate(keys)
            if k in COLUMNS
        }

        def bad(col: str, msg: str, line: int = line_no) -> None:
            problems.append(RosterProblem(name, line, col, msg))

        for col, value in rec.items():
            if CONTROL_RE.search(value):
                bad(col, "contains control characters; retype the value.")
            elif len(value) > MAX_TEXT:
                bad(
                    col,
                    f"is {len(value)} characters long; keep it under {MAX_TEXT} (it goes "
                    "into document properties and page footers).",
                )
        uid, sid = rec.get("unit_id", ""), rec.get("system_id", "")
        if not uid:
            bad("unit_id", "is empty; every row needs the id of a unit.")
        elif not ID_RE.match(uid):
            bad(
                "unit_id",
                f'"{uid}" is not a usable id: use letters, digits, ".", "_" or "-" '
                "(at most 64, starting with a letter or digit).",
            )
        if not rec.get("unit_name"):
            bad("unit_name", "is empty; give the unit's name as respondents know it.")
        elif uid in names and names[uid][0] != rec["unit_name"]:
            bad(
                "unit_name",
                f'"{rec["unit_name"]}" differs from "{names[uid][0]}" given for '
                f"unit {uid} on line {names[uid][1]}.",
            )
        names.setdefault(uid, (rec.get("unit_name", ""), line_no))
        email = rec.get("email", "")
        if email and not EMAIL_RE.match(email):
            bad("email", f'"{email}" is not an email address.')
        lang = rec.get("language", "").lower()
        if lang and not LANG_RE.match(lang):
            bad("language", f'"{lang}" is not a language code such as en or fr.')
        elif lang and languages and lang not in languages:
            bad(
                "language",
                f'"{lang}" has no translation in the content (available: {", ".join(languages)}).',
            )
        if sid:
            if not ID_RE.match(sid):
                bad(
                    "system_id",
                    f'"{sid}" is not a usable id: use letters, digits, ".", "_" or '
                    '"-" (at most 64).',
                )
            elif sid in systems:
                bad(
                    "system_id",
                    f'"{sid}" is already listed on line {systems[sid]}; each AI '
                    "system appears once, with its owning unit.",
                )
            systems.setdefault(sid, line_no)
            if not rec.get("system_name"):
                bad("system_name", f"is empty; give a name for system {sid}.")
        elif rec.get("system_name"):
            bad("system_id", "is empty but a system_name is given; add an id for the system.")
        rows.append(
            Unit(
                uid, rec.get("unit_name", ""), email, lang, sid, rec.get("system_name", ""), line_no
            )
        )
    if not rows and not problems:
        problems.append(RosterProblem(name, None, None, "has a header but no units."))
    if problems:
        raise RosterError(problems)
    return Roster(str(path), tuple(rows))
