"""The units roster: a CSV of units and the AI systems they own, read forgivingly.

Header `unit_id,unit_name,email,language,system_id,system_name`; headers match whatever their
case and spacing ("Unit ID" is unit_id). One row per unit, or one row per AI system with its
owning unit. Problems name the line and the column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
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
    reader, keys = _open_rows(_read_text(path), name)
    check = _RowChecker(name, languages)
    rows: list[Unit] = []
    for line_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        # Columns beyond the six are an agency's own notes and are ignored.
        rec = {
            k: (values[i].strip() if i < len(values) else "")
            for i, k in enumerate(keys)
            if k in COLUMNS
        }
        check(rec, line_no)
        rows.append(
            Unit(
                rec.get("unit_id", ""),
                rec.get("unit_name", ""),
                rec.get("email", ""),
                rec.get("language", "").lower(),
                rec.get("system_id", ""),
                rec.get("system_name", ""),
                line_no,
            )
        )
    if not rows and not check.problems:
        check.problems.append(RosterProblem(name, None, None, "has a header but no units."))
    if check.problems:
        raise RosterError(check.problems)
    return Roster(str(path), tuple(rows))


def _fail(name: str, message: str, line: int | None = None) -> RosterError:
    return RosterError([RosterProblem(name, line, None, message)])


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _fail(path.name, f"cannot be read: {exc.strerror}.") from None
    if len(raw) > MAX_BYTES:
        raise _fail(path.name, "is larger than 5 MB; is it a roster?")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise _fail(
            path.name, "is not text. Save it from Excel as 'CSV UTF-8 (Comma delimited)'."
        ) from None


def _open_rows(text: str, name: str) -> tuple[Iterator[list[str]], list[str]]:
    """A CSV reader in the file's own dialect, past its header; the header's column keys."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise _fail(name, "is empty; it needs the header line " + ",".join(COLUMNS) + ".") from None
    keys = [_key(h) for h in header]
    missing = [c for c in REQUIRED if c not in keys]
    if missing:
        raise _fail(
            name,
            f"the header lacks {', '.join(missing)}. Expected: {','.join(COLUMNS)} (found: "
            f"{','.join(h.strip() for h in header)}).",
            1,
        )
    return reader, keys


class _RowChecker:
    """Checks roster rows one by one, remembering what earlier lines said."""

    def __init__(self, name: str, languages: tuple[str, ...]):
        self.name = name
        self.languages = languages
        self.problems: list[RosterProblem] = []
        self.names: dict[str, tuple[str, int]] = {}
        self.systems: dict[str, int] = {}

    def bad(self, line: int, col: str, msg: str) -> None:
        self.problems.append(RosterProblem(self.name, line, col, msg))

    def __call__(self, rec: dict[str, str], line: int) -> None:
        for col, value in rec.items():
            if CONTROL_RE.search(value):
                self.bad(line, col, "contains control characters; retype the value.")
            elif len(value) > MAX_TEXT:
                self.bad(
                    line,
                    col,
                    f"is {len(value)} characters long; keep it under {MAX_TEXT} (it goes "
                    "into document properties and page footers).",
                )
        self._unit(rec, line)
        email = rec.get("email", "")
        if email and not EMAIL_RE.match(email):
            self.bad(line, "email", f'"{email}" is not an email address.')
        lang = rec.get("language", "").lower()
        if lang and not LANG_RE.match(lang):
            self.bad(line, "language", f'"{lang}" is not a language code such as en or fr.')
        elif lang and self.languages and lang not in self.languages:
            self.bad(
                line,
                "language",
                f'"{lang}" has no translation in the content (available: '
                f"{', '.join(self.languages)}).",
            )
        self._system(rec, line)

    def _unit(self, rec: dict[str, str], line: int) -> None:
        uid = rec.get("unit_id", "")
        if not uid:
            self.bad(line, "unit_id", "is empty; every row needs the id of a unit.")
        elif not ID_RE.match(uid):
            self.bad(
                line,
                "unit_id",
                f'"{uid}" is not a usable id: use letters, digits, ".", "_" or "-" '
                "(at most 64, starting with a letter or digit).",
            )
        if not rec.get("unit_name"):
            self.bad(line, "unit_name", "is empty; give the unit's name as respondents know it.")
        elif uid in self.names and self.names[uid][0] != rec["unit_name"]:
            first, first_line = self.names[uid]
            self.bad(
                line,
                "unit_name",
                f'"{rec["unit_name"]}" differs from "{first}" given for '
                f"unit {uid} on line {first_line}.",
            )
        self.names.setdefault(uid, (rec.get("unit_name", ""), line))

    def _system(self, rec: dict[str, str], line: int) -> None:
        sid = rec.get("system_id", "")
        if not sid:
            if rec.get("system_name"):
                self.bad(
                    line,
                    "system_id",
                    "is empty but a system_name is given; add an id for the system.",
                )
            return
        if not ID_RE.match(sid):
            self.bad(
                line,
                "system_id",
                f'"{sid}" is not a usable id: use letters, digits, ".", "_" or "-" (at most 64).',
            )
        elif sid in self.systems:
            self.bad(
                line,
                "system_id",
                f'"{sid}" is already listed on line {self.systems[sid]}; each AI '
                "system appears once, with its owning unit.",
            )
        self.systems.setdefault(sid, line)
        if not rec.get("system_name"):
            self.bad(line, "system_name", f"is empty; give a name for system {sid}.")
