"""The history store as tidy CSV files for analysts: every round's rounds, responses and
scores, streamed to disk and made formula-safe like the round's own data export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..files import atomic_output, inert
from .history import HistoryStore, stored_value, unpack_answers, unpack_scores

WHO: tuple[str, ...] = ("round", "round_date", "questionnaire", "version", "unit_id")
WHO += ("unit_name", "system_id", "system_name")
COLUMNS = {
    "rounds": ("round", "round_date", "consolidated_at", "questionnaire", "returns"),
    "responses": (*WHO, "question_id", "field", "value"),
    "scores": (*WHO, "metric_id", "value", "label"),
}
ROUNDS = (
    "SELECT o.round_id, o.round_date, o.consolidated_at, r.questionnaire, count(r.unit_id) "
    "FROM rounds o LEFT JOIN returns r ON r.round_id = o.round_id "
    "GROUP BY 1, 2, 3, 4 ORDER BY o.round_date, 1, 4"
)
RETURNS = (
    "SELECT r.round_id, o.round_date, r.questionnaire, r.version, r.unit_id, r.unit_name, "
    "r.system_id, r.system_name, r.{} FROM returns r JOIN rounds o ON o.round_id = r.round_id "
    "ORDER BY o.round_date, 1, 3, 5, 7"
)


def _responses(store: HistoryStore) -> Iterator[tuple[Any, ...]]:
    for *who, answers in store.query(RETURNS.format("answers")):
        for question, fld, kind, value in sorted(unpack_answers(answers), key=lambda a: a[:2]):
            v = stored_value(kind, value)  # values as the data export writes them: ISO dates
            yield (*who, question, fld, v.isoformat() if hasattr(v, "isoformat") else v)


def _scores(store: HistoryStore) -> Iterator[tuple[Any, ...]]:
    for *who, scores in store.query(RETURNS.format("scores")):
        for metric, (value, label) in sorted(unpack_scores(scores).items()):
            yield (*who, metric, value, label)


def export_history(store: HistoryStore, out_dir: Path) -> list[Path]:
    """rounds.csv, responses.csv and scores.csv for every round held, oldest first."""
    written = []
    sources: dict[str, Iterable[tuple[Any, ...]]] = {
        "rounds": store.query(ROUNDS),
        "responses": _responses(store),
        "scores": _scores(store),
    }
    for name, rows in sources.items():
        path = out_dir / f"{name}.csv"
        with atomic_output(path) as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(COLUMNS[name])
            writer.writerows([inert(v) for v in row] for row in rows)
            text.flush()
            text.detach()
        written.append(path)
    return written
