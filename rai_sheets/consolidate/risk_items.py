"""The risk items a leader must act on, as one list: every item of an accepted risk assessment
rated at or above the level that needs an acceptance (High, in the default content) before or
after mitigation, with its mitigation (what, status, owner, due date), its residual level and
who accepted the system's remaining risk.

Sorted as a list to work down: the highest residual level first and, within a level, the items
without any mitigation first (their residual is their inherent level), then the highest
inherent level, then the AI system's name and the item's order in the questionnaire.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..model import Questionnaire
from ..returns.returned import ReturnedFile

ITEM_COLUMNS = (
    "system_id",
    "system",
    "unit",
    "item",
    "principle",
    "risk",
    "inherent",
    "inherent_rank",
    "mitigation",
    "status",
    "owner",
    "due",
    "residual",
    "residual_rank",
    "unmitigated",
    "accepted",
)
HIGH_RANK = 3  # when the content names no level that needs an acceptance


def attention_rank(qn: Questionnaire) -> int:
    """The lowest level rank the list shows: the level someone must accept, else High."""
    level = qn.levels_by_id.get(qn.acceptance_level)
    return level.rank if level else HIGH_RANK


def risk_items(
    files: Sequence[ReturnedFile],
    qn: Questionnaire,
    lang: str,
    accepted: Mapping[str, str],
) -> pd.DataFrame:
    """One row per system and item worth attention; `accepted` is each system's acceptance
    in words, shown on the items whose residual level needs one."""
    floor = attention_rank(qn)
    rows: list[dict[str, Any]] = []
    for f in files:
        for order, q in enumerate(qn.scored_questions()):
            row = _item(qn, f, q.id, lang)
            if row is None or max(row["inherent_rank"], row["residual_rank"]) < floor:
                continue
            row["order"] = order
            row["accepted"] = accepted.get(f.system_id, "") if row["residual_rank"] >= floor else ""
            rows.append(row)
    frame = pd.DataFrame(rows, columns=[*ITEM_COLUMNS, "order"])
    if len(frame):
        frame = frame.sort_values(
            ["residual_rank", "unmitigated", "inherent_rank", "system", "order"],
            ascending=[False, False, False, True, True],
            kind="stable",
        )
    return frame.drop(columns="order").reset_index(drop=True)


def _item(qn: Questionnaire, f: ReturnedFile, qid: str, lang: str) -> dict[str, Any] | None:
    s, a = f.scores, f.answers
    inherent = qn.levels_by_id.get(str(s.get(f"{qid}_inherent")))
    if inherent is None:  # not rated: not applicable, or not asked after the screening
        return None
    residual = qn.levels_by_id.get(str(s.get(f"{qid}_residual"))) or inherent
    q = qn.questions_by_id[qid]
    mitigation = str(a.get(f"in_{qid}_mitigation") or "")
    status = a.get(f"in_{qid}_mitigation_status")
    scale = qn.scales.get("mitigation_status")
    return {
        "system_id": f.system_id,
        "system": f.system_name or f.system_id,
        "unit": f.unit_name or f.unit_id,
        "item": qid,
        "principle": qn.principles_by_id[q.principle_id].label.get(lang)
        if q.principle_id in qn.principles_by_id
        else "",
        "risk": q.label.get(lang),
        "inherent": inherent.label.get(lang),
        "inherent_rank": inherent.rank,
        "mitigation": mitigation,
        "status": scale.by_code(str(status)).label.get(lang)
        if scale is not None and status and str(status) in scale.codes
        else "",
        "owner": str(a.get(f"in_{qid}_owner") or "") if mitigation else "",
        "due": a.get(f"in_{qid}_due") if mitigation else None,
        "residual": residual.label.get(lang),
        "residual_rank": residual.rank,
        "unmitigated": not mitigation,
    }
