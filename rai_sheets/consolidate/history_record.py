"""A consolidation as rows of the history store: each accepted return with its answers and its
scores, streamed into `HistoryStore.replace_round` so that no large frame is built."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ..returns.returned import ReturnedFile
from ..scoring import metric_label
from .aggregate import LANG, Consolidation
from .history import Answer, HistoryStore, pack_answers, pack_scores, store_value


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
        yield (
            *_key(round_id, f),
            f.unit_name,
            f.system_name,
            f.lang,
            f.name,
            f.sha256,
            saved,
            pack_answers(_answers(c, f)),
            pack_scores(_scores(c, f)),
        )


def _answers(c: Consolidation, f: ReturnedFile) -> Iterator[Answer]:
    names = c.contents[f.questionnaire].input_names
    for name, value in f.answers.items():
        if value is None or name not in names:
            continue
        q, fld = names[name]
        yield (q.id, fld.key, *store_value(value))


def _scores(c: Consolidation, f: ReturnedFile) -> Iterator[tuple[str, Any, Any]]:
    qn = c.contents[f.questionnaire]
    for m in qn.metrics:
        value = f.scores.get(m.id)
        if value is not None:
            yield (m.id, value, str(metric_label(qn, m, value, LANG)))


def record(store: HistoryStore, c: Consolidation, round_id: str, round_date: date) -> None:
    """Write a consolidation's accepted returns as the round's rows, replacing earlier ones."""
    store.replace_round(round_id, round_date, return_rows(c, round_id))
