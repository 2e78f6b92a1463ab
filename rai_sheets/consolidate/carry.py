"""Carry-forward: each unit's and AI system's last accepted answers of a round, read from the
history store and carried into the current content, ready to pre-fill its next workbook.

Answers go through the question map when the round was answered with an older content
version; the date a form was filled in and the answers the roster fills in are not carried.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..model import Questionnaire
from ..returns.carry_over import OldKey, carry_over
from ..returns.migrate import question_maps
from .history import HistoryStore, stored_value, unpack_answers

Prefill = dict[tuple[str, str, str], dict[str, Any]]  # (questionnaire, unit, system) -> answers


def carried_answers(
    history: Path, round_id: str, contents: dict[str, Questionnaire], content_dir: Path | None
) -> Prefill:
    """The answers to pre-fill, per questionnaire, unit and AI system, from one held round."""
    if not history.is_file():
        raise UsageError(
            f"there is no history store at {history}: consolidate a round first, or give --history"
        )
    found: dict[tuple[str, str, str], tuple[str, dict[OldKey, Any]]] = {}
    with HistoryStore(history) as store:
        held = [r.round_id for r in store.rounds()]
        if round_id not in held:
            raise UsageError(
                f'round "{round_id}" is not in the history store {history}; it holds: '
                f"{', '.join(held) or 'no round yet'}"
            )
        rows = store.query(
            "SELECT questionnaire, unit_id, system_id, version, answers FROM returns "
            "WHERE round_id = ? ORDER BY 1, 2, 3",
            (round_id,),
        )
        for qid, unit, system, version, answers in rows:
            if qid in contents:
                old = {(q, f): stored_value(kind, v) for q, f, kind, v in unpack_answers(answers)}
                found[(qid, unit, system)] = (version, old)
    maps = question_maps(contents, content_dir)
    out: Prefill = {}
    for (qid, unit, system), (version, old) in found.items():
        carried = carry_over(contents[qid], maps[qid], version, old, fresh_dates=True)
        out[(qid, unit, system)] = carried.answers
    return out
