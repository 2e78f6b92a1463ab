"""The history store: every consolidation's accepted returns, their answers and scores, in one
SQLite file.

A return is one row, keyed by round, questionnaire, unit and AI system, with its answers and its
scores as two JSON texts: a round of 10,000 returns is 10,000 rows, not three million, so that
recording it takes about a second and the store grows by tens of MB a round, not hundreds.
Re-consolidating a round replaces that round's rows in one transaction: SQLite's journal makes
the replacement all or nothing, so a run killed midway leaves the store as it was. Rounds are
ordered by the date the coordinator gives them. A store made by an earlier rai-sheets (schema 1,
a row per answer and per score) is converted when it is first opened, in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

DEFAULT_HISTORY = Path("output/history.sqlite")
SCHEMA_VERSION = "2"
RETURNS = """
CREATE TABLE IF NOT EXISTS returns (
    round_id TEXT NOT NULL, questionnaire TEXT NOT NULL, unit_id TEXT NOT NULL,
    system_id TEXT NOT NULL, version TEXT NOT NULL, unit_name TEXT NOT NULL,
    system_name TEXT NOT NULL, language TEXT NOT NULL, file TEXT NOT NULL,
    sha256 TEXT NOT NULL, saved_at TEXT NOT NULL,
    answers TEXT NOT NULL,  -- JSON: [[question_id, field, kind, value], ...]
    scores TEXT NOT NULL,  -- JSON: {metric_id: [value, label], ...}
    PRIMARY KEY (round_id, questionnaire, unit_id, system_id)
)"""
STORE = "CREATE TABLE IF NOT EXISTS store (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
SCHEMA = f"""
{STORE};
CREATE TABLE IF NOT EXISTS rounds (
    round_id TEXT PRIMARY KEY,
    round_date TEXT NOT NULL,
    consolidated_at TEXT NOT NULL
);
{RETURNS};
"""
RETURN_COLUMNS = (
    "round_id, questionnaire, unit_id, system_id, version, unit_name, system_name, language, "
    "file, sha256, saved_at"
)
Answer = tuple[str, str, str, Any]  # question_id, field, kind, value (as store_value gives it)


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
            self._open_schema()
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"the history store {path} cannot be used: {exc}") from None

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def _open_schema(self) -> None:
        self.db.execute(STORE)
        row = self.db.execute("SELECT value FROM store WHERE key = 'schema'").fetchone()
        if row is not None and row[0] == "1":
            self._convert_from_1()
        elif row is not None and row[0] != SCHEMA_VERSION:
            raise HistoryError(
                f"the history store {self.path} has schema {row[0]}, made by another "
                f"version of rai-sheets (this one reads schema {SCHEMA_VERSION})"
            )
        self.db.executescript(SCHEMA)
        if row is None:
            self.db.execute("INSERT INTO store VALUES ('schema', ?)", (SCHEMA_VERSION,))

    def _convert_from_1(self) -> None:
        """Schema 1 held a row per answer and per score: gather them into their returns."""
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ALTER TABLE returns RENAME TO returns_1")
            db.execute(RETURNS)
            keys = "round_id, questionnaire, unit_id, system_id"
            for ret in db.execute(f"SELECT {RETURN_COLUMNS} FROM returns_1").fetchall():  # noqa: S608
                where, key = f"WHERE ({keys}) = (?, ?, ?, ?)", ret[:4]
                answers = db.execute(
                    f"SELECT question_id, field, kind, value FROM answers {where} "  # noqa: S608
                    "ORDER BY question_id, field",
                    key,
                ).fetchall()
                scores = db.execute(
                    f"SELECT metric_id, value, label FROM scores {where} ORDER BY metric_id",  # noqa: S608
                    key,
                ).fetchall()
                db.execute(
                    "INSERT INTO returns VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (*ret, pack_answers(answers), pack_scores(scores)),
                )
            for table in ("returns_1", "answers", "scores"):
                db.execute(f"DROP TABLE {table}")  # noqa: S608
            db.execute("UPDATE store SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        db.execute("VACUUM")  # give back the space the rows per answer took

    def replace_round(
        self, round_id: str, round_date: date, returns: Iterable[tuple[Any, ...]]
    ) -> None:
        """Replace one round's returns in a single transaction: all of it, or nothing.

        Each return is its 11 columns, then its answers and its scores as `pack_answers` and
        `pack_scores` give them."""
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM returns WHERE round_id = ?", (round_id,))
            db.execute(
                "INSERT OR REPLACE INTO rounds VALUES (?, ?, ?)",
                (round_id, round_date.isoformat(), datetime.now().isoformat(timespec="seconds")),
            )
            db.executemany("INSERT INTO returns VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", returns)
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


def pack_answers(answers: Iterable[Answer]) -> str:
    return json.dumps([list(a) for a in answers], ensure_ascii=False, separators=(",", ":"))


def pack_scores(scores: Iterable[tuple[str, Any, Any]]) -> str:
    return json.dumps(
        {m: [v, label] for m, v, label in scores}, ensure_ascii=False, separators=(",", ":")
    )


def unpack_answers(text: str) -> list[Answer]:
    return [(q, fld, kind, value) for q, fld, kind, value in json.loads(text)]


def unpack_scores(text: str) -> dict[str, tuple[Any, Any]]:
    """metric_id -> (value, label)."""
    return {m: (v, label) for m, (v, label) in json.loads(text).items()}


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
