"""The history store: every consolidation's accepted answers and scores, in one SQLite file.

Rows are keyed by round, questionnaire, unit, AI system, content version and question (answers)
or metric (scores). Re-consolidating a round replaces that round's rows in one transaction:
SQLite's journal makes the replacement all or nothing, so a run killed midway leaves the store
as it was. Rounds are ordered by the date the coordinator gives them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

DEFAULT_HISTORY = Path("output/history.sqlite")
SCHEMA_VERSION = "1"
SCHEMA = """
CREATE TABLE IF NOT EXISTS store (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rounds (
    round_id TEXT PRIMARY KEY,
    round_date TEXT NOT NULL,
    consolidated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS returns (
    round_id TEXT NOT NULL, questionnaire TEXT NOT NULL, unit_id TEXT NOT NULL,
    system_id TEXT NOT NULL, version TEXT NOT NULL, unit_name TEXT NOT NULL,
    system_name TEXT NOT NULL, language TEXT NOT NULL, file TEXT NOT NULL,
    sha256 TEXT NOT NULL, saved_at TEXT NOT NULL,
    PRIMARY KEY (round_id, questionnaire, unit_id, system_id)
);
CREATE TABLE IF NOT EXISTS answers (
    round_id TEXT NOT NULL, questionnaire TEXT NOT NULL, unit_id TEXT NOT NULL,
    system_id TEXT NOT NULL, version TEXT NOT NULL, question_id TEXT NOT NULL,
    field TEXT NOT NULL, kind TEXT NOT NULL, value,
    PRIMARY KEY (round_id, questionnaire, unit_id, system_id, question_id, field)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scores (
    round_id TEXT NOT NULL, questionnaire TEXT NOT NULL, unit_id TEXT NOT NULL,
    system_id TEXT NOT NULL, version TEXT NOT NULL, metric_id TEXT NOT NULL,
    value, label,
    PRIMARY KEY (round_id, questionnaire, unit_id, system_id, metric_id)
) WITHOUT ROWID;
"""
TABLES = ("returns", "answers", "scores")
KEY = ("round_id", "questionnaire", "unit_id", "system_id", "version")


class HistoryError(Exception):
    """The history store cannot be used (not a database, made by a newer rai-sheets...)."""


@dataclass(frozen=True)
class HeldRound:
    """One round in the store, with how many returns of each questionnaire it holds."""

    round_id: str
    round_date: date
    consolidated_at: str
    returns: dict[str, int]


class HistoryStore:
    """One SQLite file, created if absent. Use as a context manager."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(path), isolation_level=None)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.executescript(SCHEMA)
            self._check_schema()
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"the history store {path} cannot be used: {exc}") from None

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def _check_schema(self) -> None:
        row = self.db.execute("SELECT value FROM store WHERE key = 'schema'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO store VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            raise HistoryError(
                f"the history store {self.path} has schema {row[0]}, made by another "
                f"version of rai-sheets (this one reads schema {SCHEMA_VERSION})"
            )

    def replace_round(
        self,
        round_id: str,
        round_date: date,
        returns: Iterable[tuple[Any, ...]],
        answers: Iterable[tuple[Any, ...]],
        scores: Iterable[tuple[Any, ...]],
    ) -> None:
        """Replace one round's rows in a single transaction: all of it, or nothing."""
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
            for table in TABLES:
                db.execute(f"DELETE FROM {table} WHERE round_id = ?", (round_id,))  # noqa: S608
            db.execute(
                "INSERT OR REPLACE INTO rounds VALUES (?, ?, ?)",
                (round_id, round_date.isoformat(), datetime.now().isoformat(timespec="seconds")),
            )
            db.executemany("INSERT INTO returns VALUES (?,?,?,?,?,?,?,?,?,?,?)", returns)
            db.executemany("INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?)", answers)
            db.executemany("INSERT INTO scores VALUES (?,?,?,?,?,?,?,?)", scores)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def round_date(self, round_id: str) -> date | None:
        row = self.db.execute(
            "SELECT round_date FROM rounds WHERE round_id = ?", (round_id,)
        ).fetchone()
        return date.fromisoformat(row[0]) if row else None

    def rounds(self) -> list[HeldRound]:
        """The rounds held, oldest first (by their date, then their id)."""
        counts: dict[str, dict[str, int]] = {}
        for rid, qid, n in self.db.execute(
            "SELECT round_id, questionnaire, count(*) FROM returns GROUP BY 1, 2"
        ):
            counts.setdefault(rid, {})[qid] = n
        return [
            HeldRound(rid, date.fromisoformat(day), at, counts.get(rid, {}))
            for rid, day, at in self.db.execute(
                "SELECT round_id, round_date, consolidated_at FROM rounds "
                "ORDER BY round_date, round_id"
            )
        ]

    def query(self, sql: str, params: Iterable[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Rows of a read-only query, for the trend and export readers."""
        yield from self.db.execute(sql, tuple(params))


def store_value(value: Any) -> tuple[str, Any]:
    """(kind, value) as stored: dates as ISO text, numbers as numbers, the rest as text."""
    if isinstance(value, datetime):
        return "date", value.date().isoformat()
    if isinstance(value, date):
        return "date", value.isoformat()
    if isinstance(value, bool):
        return "text", str(value)
    if isinstance(value, int | float):
        return "number", float(value)
    return "text", str(value)


def stored_value(kind: str, value: Any) -> Any:
    """The value as the pipeline uses it, back from the store."""
    if value is None:
        return None
    if kind == "date":
        return date.fromisoformat(str(value))
    if kind == "number":
        return float(value)
    return str(value)
