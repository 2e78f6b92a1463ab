"""What the action workbooks and the roster say beyond the scores: the decisions logged for each
AI system (newest first), and the AI systems that have no valid risk assessment.

A system has no valid risk assessment when none was received, when what was received was
rejected, or when the assessment accepted was made at an earlier life-cycle stage than the one
the system's action workbook says it has reached (the risk questionnaire is answered again at
every stage).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from ..issues import REJECTED
from ..model import Questionnaire
from ..returns.returned import ReturnedFile
from ..roster import Roster

DECISION_COLUMNS = (
    "date",
    "system_id",
    "system",
    "unit",
    "stage",
    "decision",
    "decided_by",
    "risk_level",
    "conditions",
    "rationale",
    "next_review",
)
UNASSESSED_COLUMNS = (
    "system_id",
    "system",
    "unit",
    "why",
    "assessed_at",
    "now_at",
    "inherent",  # the levels of the assessment made at an earlier stage
    "residual",
)
MISSING, REJECTED_WHY, EARLIER_STAGE = "missing", "rejected", "earlier-stage"


def decisions(files: Sequence[ReturnedFile], qn: Questionnaire, lang: str) -> pd.DataFrame:
    """Every filled row of every accepted action workbook's decision log, newest first."""
    rows: list[dict[str, Any]] = []
    logs = [q for q in qn.questions if q.type == "log"]
    for f in files:
        for q in logs:
            for n in sorted({fl.key.split("_", 1)[0] for fl in q.fields}):
                entry = {
                    key: f.answers.get(f"in_{q.id}_{n}_{key}")
                    for key in ("date", "stage", "decision", "decided_by", "risk_level")
                    + ("conditions", "rationale", "next_review")
                }
                if entry["decision"] or entry["date"]:
                    rows.append(_decision(f, qn, entry, lang))
    frame = pd.DataFrame(rows, columns=list(DECISION_COLUMNS))
    if len(frame):
        when = frame["date"].map(lambda d: d if isinstance(d, date) else date.min)
        frame = frame.assign(_when=when).sort_values(
            ["_when", "system"], ascending=[False, True], kind="stable"
        )
        frame = frame.drop(columns="_when")
    return frame.reset_index(drop=True)


def _decision(
    f: ReturnedFile, qn: Questionnaire, entry: dict[str, Any], lang: str
) -> dict[str, Any]:
    return {
        "date": entry["date"],
        "system_id": f.system_id,
        "system": f.system_name or f.system_id,
        "unit": f.unit_name or f.unit_id,
        "stage": _label(qn, "lifecycle", entry["stage"], lang),
        "decision": str(entry["decision"] or ""),
        "decided_by": str(entry["decided_by"] or ""),
        "risk_level": _label(qn, "risk_level", entry["risk_level"], lang),
        "conditions": str(entry["conditions"] or ""),
        "rationale": str(entry["rationale"] or ""),
        "next_review": entry["next_review"],
    }


def _label(qn: Questionnaire, scale_id: str, code: Any, lang: str) -> str:
    scale = qn.scales.get(scale_id)
    if code is None or code == "":
        return ""
    if scale is None or str(code) not in scale.codes:
        return str(code)
    return scale.by_code(str(code)).label.get(lang)


def unassessed(
    all_files: Sequence[ReturnedFile],
    kept: Sequence[ReturnedFile],
    roster: Roster | None,
    risk: Questionnaire,
    action: Questionnaire | None,
    lang: str,
) -> pd.DataFrame:
    """The AI systems (on the roster, else seen in any return) without a valid risk
    assessment: none received, only rejected ones, or one made at an earlier stage."""
    systems = _systems(all_files, roster)
    assessed = {f.system_id: f for f in kept if f.questionnaire == "risk"}
    now_at = {
        f.system_id: f.answers.get(f"in_{action.setting('current_stage')}")
        for f in kept
        if action is not None and f.questionnaire == "action"
    }
    rejected = {
        f.system_id for f in all_files if f.questionnaire == "risk" and f.status == REJECTED
    }
    order = list(risk.stage_order)
    rows = []
    for system_id, (name, unit) in systems.items():
        row = dict.fromkeys(UNASSESSED_COLUMNS, "") | {
            "system_id": system_id,
            "system": name,
            "unit": unit,
        }
        f = assessed.get(system_id)
        if f is None:
            rows.append(row | {"why": REJECTED_WHY if system_id in rejected else MISSING})
            continue
        at, now = f.answers.get("in_stage"), now_at.get(system_id)
        if at in order and now in order and order.index(str(now)) > order.index(str(at)):
            rows.append(
                row
                | {
                    "why": EARLIER_STAGE,
                    "assessed_at": _label(risk, "lifecycle", at, lang),
                    "now_at": _label(risk, "lifecycle", now, lang),
                    "inherent": _level(risk, f.scores.get("highest_inherent"), lang),
                    "residual": _level(risk, f.scores.get("highest_residual"), lang),
                }
            )
    return pd.DataFrame(rows, columns=list(UNASSESSED_COLUMNS))


def _level(qn: Questionnaire, level_id: Any, lang: str) -> str:
    level = qn.levels_by_id.get(str(level_id))
    return level.label.get(lang).lower() if level else ""


def _systems(files: Sequence[ReturnedFile], roster: Roster | None) -> dict[str, tuple[str, str]]:
    """system id -> (name, owning unit's name), from the roster or else the returns."""
    if roster is not None:
        return {
            s.system_id: (s.system_name or s.system_id, s.unit_name or s.unit_id)
            for s in roster.systems
        }
    out: dict[str, tuple[str, str]] = {}
    for f in files:
        if f.system_id and f.questionnaire and f.system_id not in out:
            out[f.system_id] = (f.system_name or f.system_id, f.unit_name or f.unit_id)
    return dict(sorted(out.items(), key=lambda kv: kv[1][0]))
