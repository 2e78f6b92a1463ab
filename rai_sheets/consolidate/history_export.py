"""The history store as tidy CSV files for analysts: every round's rounds, responses and
scores, streamed to disk and made formula-safe like the round's own data export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..files import atomic_output, inert
from .history import HistoryStore, stored_value

WHO: tuple[str, ...] = ("round", "round_date", "questionnaire", "version", "unit_id")
WHO += ("unit_name", "system_id", "system_name")
EXPORTS: dict[str, tuple[tuple[str, ...], str]] = {
    "rounds": (
        ("round", "round_date", "consolidated_at", "questionnaire", "returns"),
        "SELECT o.round_id, o.round_date, o.consolidated_at, r.questionnaire, count(r.unit_id) "
        "FROM rounds o LEFT JOIN returns r ON r.round_id = o.round_id "
        "GROUP BY 1, 2, 3, 4 ORDER BY o.round_date, 1, 4",
    ),
    "responses": (
        (*WHO, "question_id", "field", "value"),
        "SELECT a.round_id, o.round_date, a.questionnaire, a.version, a.unit_id, r.unit_name, "
        "a.system_id, r.system_name, a.question_id, a.field, a.kind, a.value FROM answers a "
        "JOIN rounds o ON o.round_id = a.round_id JOIN returns r ON r.round_id = a.round_id "
        "AND r.questionnaire = a.questionnaire AND r.unit_id = a.unit_id "
        "AND r.system_id = a.system_id ORDER BY o.round_date, 1, 3, 5, 7, 9, 10",
    ),
    "scores": (
        (*WHO, "metric_id", "value", "label"),
        "SELECT s.round_id, o.round_date, s.questionnaire, s.version, s.unit_id, r.unit_name, "
        "s.system_id, r.system_name, s.metric_id, s.value, s.label FROM scores s "
        "JOIN rounds o ON o.round_id = s.round_id JOIN returns r ON r.round_id = s.round_id "
        "AND r.questionnaire = s.questionnaire AND r.unit_id = s.unit_id "
        "AND r.system_id = s.system_id ORDER BY o.round_date, 1, 3, 5, 7, 9",
    ),
}


def _responses(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    for *who, kind, value in rows:  # values as the data export writes them: ISO dates
        v = stored_value(kind, value)
        yield (*who, v.isoformat() if hasattr(v, "isoformat") else v)


def export_history(store: HistoryStore, out_dir: Path) -> list[Path]:
    """rounds.csv, responses.csv and scores.csv for every round held, oldest first."""
    written = []
    for name, (columns, sql) in EXPORTS.items():
        rows: Iterable[tuple[Any, ...]] = store.query(sql)
        if name == "responses":
            rows = _responses(rows)
        path = out_dir / f"{name}.csv"
        with atomic_output(path) as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(columns)
            writer.writerows([inert(v) for v in row] for row in rows)
            text.flush()
            text.detach()
        written.append(path)
    return written
