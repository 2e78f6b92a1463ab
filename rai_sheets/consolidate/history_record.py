"""A consolidation as rows of the history store: its accepted returns, their answers and
their scores, streamed into `HistoryStore.replace_round` so that no large frame is built."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ..returns.returned import ReturnedFile
from ..scoring import metric_label
from .aggregate import LANG, Consolidation
from .history import HistoryStore, store_value


def _key(round_id: str, f: ReturnedFile) -> tuple[str, ...]:
    # a blank workbook has no ids: its names are what identify it (as validation groups them)
    return (
        round_id,
        f.questionnaire,
        f.unit_id or f.unit_name,
        f.system_id or f.system_name,
        f.version,
    )


def return_rows(c: Consolidation, round_id: str) -> Iterator[tuple[Any, ...]]:
    for f in c.kept:
        saved = f.saved_at.isoformat(sep=" ") if f.saved_at else ""
        key = _key(round_id, f)
        yield (*key, f.unit_name, f.system_name, f.lang, f.name, f.sha256, saved)


def answer_rows(c: Consolidation, round_id: str) -> Iterator[tuple[Any, ...]]:
    for f in c.kept:
        names = c.contents[f.questionnaire].input_names
        key = _key(round_id, f)
        for name, value in f.answers.items():
            if value is None or name not in names:
                continue
            q, fld = names[name]
            yield (*key, q.id, fld.key, *store_value(value))


def score_rows(c: Consolidation, round_id: str) -> Iterator[tuple[Any, ...]]:
    for f in c.kept:
        qn = c.contents[f.questionnaire]
        key = _key(round_id, f)
        for m in qn.metrics:
            value = f.scores.get(m.id)
            if value is None:
                continue
            yield (*key, m.id, value, str(metric_label(qn, m, value, LANG)))


def record(store: HistoryStore, c: Consolidation, round_id: str, round_date: date) -> None:
    """Write a consolidation's accepted returns as the round's rows, replacing earlier ones."""
    store.replace_round(
        round_id,
        round_date,
        return_rows(c, round_id),
        answer_rows(c, round_id),
        score_rows(c, round_id),
    )
