"""What the trends read from the history store: a few small frames, one query each.

Only the figures that trends compare are read (readiness percentages, each system's stage and
highest levels, the overdue action items), so that the store can hold many large rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..model import Questionnaire
from ..scoring import ATTENTION_OVERDUE
from .history import HistoryStore

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
_RETURN = (
    "JOIN returns r ON r.round_id = s.round_id AND r.questionnaire = s.questionnaire "
    "AND r.unit_id = s.unit_id AND r.system_id = s.system_id"
)


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
        metrics = [f"{sid}_percent" for sid in sections] + ["overall_percent"]
        marks = ",".join("?" * len(metrics))
        rows = store.query(
            f"SELECT s.round_id, s.unit_id, r.unit_name, s.metric_id, s.value FROM scores s "  # noqa: S608
            f"{_RETURN} WHERE s.questionnaire = 'readiness' AND s.metric_id IN ({marks})",
            metrics,
        )
        readiness = pd.DataFrame(
            [(rid, u, n, m.removesuffix("_percent"), float(v)) for rid, u, n, m, v in rows],
            columns=READINESS_COLUMNS,
        )
    return TrendData(
        [h.round_id for h in held],
        {h.round_id: h.round_date for h in held},
        {h.round_id: h.returns for h in held},
        readiness,
        _systems(store) if "risk" in contents else pd.DataFrame(columns=SYSTEM_COLUMNS),
        _overdue(store) if "action" in contents else pd.DataFrame(columns=OVERDUE_COLUMNS),
    )


def _systems(store: HistoryStore) -> pd.DataFrame:
    def scalar(table: str, column: str, key: str) -> str:
        return (
            f"(SELECT x.value FROM {table} x WHERE x.round_id = r.round_id AND "
            "x.questionnaire = r.questionnaire AND x.unit_id = r.unit_id AND "
            f"x.system_id = r.system_id AND x.{column} = '{key}'"
            + (" AND x.field = ''" if table == "answers" else "")
            + ")"
        )

    rows = store.query(
        "SELECT r.round_id, r.system_id, r.system_name, r.unit_name, "  # noqa: S608
        f"{scalar('answers', 'question_id', 'stage')}, "
        f"{scalar('scores', 'metric_id', 'highest_inherent')}, "
        f"{scalar('scores', 'metric_id', 'highest_residual')} "
        "FROM returns r WHERE r.questionnaire = 'risk'"
    )
    return pd.DataFrame(list(rows), columns=SYSTEM_COLUMNS)


def _overdue(store: HistoryStore) -> pd.DataFrame:
    rows = store.query(
        f"SELECT s.round_id, s.system_id, r.system_name, s.metric_id FROM scores s {_RETURN} "  # noqa: S608
        "WHERE s.questionnaire = 'action' AND s.value = ? AND s.metric_id LIKE '%\\_attention' "
        "ESCAPE '\\'",
        (ATTENTION_OVERDUE,),
    )
    return pd.DataFrame(
        [(rid, sid, name, m.removesuffix("_attention")) for rid, sid, name, m in rows],
        columns=OVERDUE_COLUMNS,
    )
