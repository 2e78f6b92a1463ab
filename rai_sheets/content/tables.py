"""CSV content tables, read as strings, with problems that name file, line and column."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ..model import DEFAULT_LANGUAGE

ID_PATTERN = r"^[a-z][a-z0-9_]{0,30}$"


@dataclass(frozen=True)
class ContentProblem:
    file: str
    row: int | None  # line number in the CSV file (header is line 1)
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", line {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class ContentError(Exception):
    def __init__(self, problems: list[ContentProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Table:
    """One CSV table read as strings, remembering its file name for messages."""

    def __init__(self, path: Path, rel: str, problems: list[ContentProblem]):
        self.rel = rel
        self.problems = problems
        self.rows: list[dict[str, str]] = []
        self.columns: list[str] = []
        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.DictReader(fh)
                self.columns = [c.strip() for c in (reader.fieldnames or [])]
                for raw in reader:
                    if raw.get(None):  # csv puts the fields beyond the header there
                        self._extra_fields(reader.line_num, len(raw[None]))
                    self.rows.append(
                        {
                            (k or "").strip(): (v or "").strip()
                            for k, v in raw.items()
                            if k is not None
                        }
                    )
        except UnicodeDecodeError as exc:
            problems.append(
                ContentProblem(
                    rel, None, None, f"is not UTF-8 text ({exc.reason}). Save it as CSV UTF-8."
                )
            )
        except OSError as exc:
            problems.append(ContentProblem(rel, None, None, f"cannot be read: {exc.strerror}"))

    def _extra_fields(self, line: int, extra: int) -> None:
        self.problems.append(
            ContentProblem(
                self.rel,
                line,
                None,
                f"has {extra} field(s) more than the header: a text with a comma must be "
                'enclosed in double quotes ("...").',
            )
        )

    @classmethod
    def empty(cls, rel: str, problems: list[ContentProblem]) -> Table:
        """A table whose file is absent: no rows, problems still recorded against its name."""
        t = cls.__new__(cls)
        t.rel, t.problems, t.rows, t.columns = rel, problems, [], []
        return t

    def problem(self, index: int | None, column: str | None, message: str) -> None:
        self.problems.append(
            ContentProblem(self.rel, None if index is None else index + 2, column, message)
        )

    def text(self, row: dict[str, str], column: str) -> dict[str, str]:
        out = {DEFAULT_LANGUAGE: row.get(column, "")}
        for col in self.columns:
            if col.startswith(column + "::"):
                lang = col.split("::", 1)[1]
                if row.get(col):
                    out[lang] = row[col]
        return out

    def languages(self) -> set[str]:
        return {c.split("::", 1)[1] for c in self.columns if "::" in c}

    def require_columns(self, *columns: str) -> bool:
        missing = [c for c in columns if c not in self.columns]
        if missing and (self.rows or self.columns):
            self.problem(
                None,
                None,
                f"lacks the column(s) {', '.join(missing)}. "
                f"Add them to the header line (see FORMAT.md).",
            )
        return not missing

    def validate(self, schema: pa.DataFrameSchema) -> None:
        """Run a pandera schema lazily and turn each failure into a row-precise problem."""
        if not self.rows:
            return
        frame = pd.DataFrame(self.rows, columns=self.columns).fillna("")
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            for case in exc.failure_cases.itertuples():
                idx = case.index if isinstance(case.index, int) else None
                check = str(case.check)
                self.problem(
                    idx,
                    str(case.column) if case.column else None,
                    CHECK_MESSAGES.get(check.split("(")[0], check).format(value=case.failure_case),
                )


CHECK_MESSAGES = {
    "str_matches": '"{value}" is not a valid identifier: use lower-case letters, digits and _ '
    "(start with a letter, at most 31 characters).",
    "field_uniqueness": '"{value}" is used more than once; identifiers must be unique.',
    "isin": '"{value}" is not an allowed value here (see FORMAT.md).',
    "number": '"{value}" is not a number.',
    "not_nullable": "is empty; a value is required.",
    "not_blank": "is empty; a value is required.",
}


NOT_BLANK = pa.Check(lambda s: s.str.strip().str.len() > 0, name="not_blank")


def id_column(unique: bool = True) -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(ID_PATTERN), unique=unique)


def number_check() -> pa.Check:
    return pa.Check(lambda s: s.map(is_number_or_blank), element_wise=False, name="number")


def is_number_or_blank(v: str) -> bool:
    if v == "":
        return True
    try:
        float(v)
    except ValueError:
        return False
    return True
