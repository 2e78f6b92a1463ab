"""What the trends read from the history store: a few small frames, one query each.

Only the figures that trends compare are read (readiness percentages, each system's stage and
highest levels, the overdue action items), so that the store can hold many large rounds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from ..model import Questionnaire
from ..scoring import ATTENTION_OVERDUE
from .history import HistoryStore, unpack_answers, unpack_scores

READINESS_COLUMNS = ["round_id", "unit_id", "unit_name", "dimension_id", "percent"]
SYSTEM_COLUMNS = [
    "round_id",
    "system_id",
    "system_name",
    "unit_name",
    "stage",
    "inherent",
    "residual",
]
OVERDUE_COLUMNS = ["round_id", "system_id", "system_name", "question_id"]


@dataclass
class TrendData:
    rounds: list[str]  # oldest first
    dates: dict[str, date]
    returns: dict[str, dict[str, int]]  # round -> questionnaire -> returns held
    readiness: pd.DataFrame
    systems: pd.DataFrame
    overdue: pd.DataFrame


def read_trend_data(store: HistoryStore, contents: dict[str, Questionnaire]) -> TrendData:
    held = store.rounds()
    readiness = pd.DataFrame(columns=READINESS_COLUMNS)
    if "readiness" in contents:
        sections = contents["readiness"].scope_ids("each:section")
        metrics = [(f"{sid}_percent", sid) for sid in sections] + [("overall_percent", "overall")]
        rows = []
        for rid, unit, name, scores in _returns(store, "readiness", "scores"):
            held_scores = unpack_scores(scores)
            rows += [
                (rid, unit, name, dim, float(held_scores[m][0]))
                for m, dim in metrics
                if m in held_scores
            ]
        readiness = pd.DataFrame(rows, columns=READINESS_COLUMNS)
    return TrendData(
        [h.round_id for h in held],
        {h.round_id: h.round_date for h in held},
        {h.round_id: h.returns for h in held},
        readiness,
        _systems(store) if "risk" in contents else pd.DataFrame(columns=SYSTEM_COLUMNS),
        _overdue(store) if "action" in contents else pd.DataFrame(columns=OVERDUE_COLUMNS),
    )


def _returns(store: HistoryStore, questionnaire: str, *blobs: str) -> Iterator[tuple[Any, ...]]:
    """round, unit or system id, its name, then the columns asked for, of each return."""
    who = "system_id, system_name" if questionnaire != "readiness" else "unit_id, unit_name"
    return store.query(
        f"SELECT round_id, {who}, {', '.join(blobs)} FROM returns WHERE questionnaire = ?",  # noqa: S608
        (questionnaire,),
    )


def _systems(store: HistoryStore) -> pd.DataFrame:
    rows = []
    for rid, system, name, unit_name, answers, scores in _returns(
        store, "risk", "unit_name", "answers", "scores"
    ):
        stage = next(
            (v for q, fld, _, v in unpack_answers(answers) if (q, fld) == ("stage", "")), None
        )
        held = unpack_scores(scores)
        inherent, residual = (
            held.get(m, (None, None))[0] for m in ("highest_inherent", "highest_residual")
        )
        rows.append((rid, system, name, unit_name, stage, inherent, residual))
    return pd.DataFrame(rows, columns=SYSTEM_COLUMNS)


def _overdue(store: HistoryStore) -> pd.DataFrame:
    rows = []
    for rid, system, name, scores in _returns(store, "action", "scores"):
        rows += [
            (rid, system, name, m.removesuffix("_attention"))
            for m, (value, _) in unpack_scores(scores).items()
            if m.endswith("_attention") and value == ATTENTION_OVERDUE
        ]
    return pd.DataFrame(rows, columns=OVERDUE_COLUMNS)
