"""Old answers -> answers of the current content: what carries over, what must be answered
again, and what is no longer asked.

Used for both kinds of carrying: the last accepted answers of a unit pre-filled into its next
round's workbook (from the history store), and a return made from an older content version
migrated to the current one. Question ids follow the question map; each value must still be
valid for its question (a choice still on the list, a date, a number), or it is asked again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .. import i18n
from ..content.question_map import QuestionMap
from ..model import DATE, FREE_KINDS, INTEGER, NUMBER, SELECT, Question, Questionnaire
from ..workbook.spec import ANSWER, CHECK, REMOVED, Change
from .normalise import normalise

OldKey = tuple[str, str]  # (old question id, field key)


@dataclass
class CarryOver:
    answers: dict[str, Any] = field(default_factory=dict)  # in_ name -> value, carried
    changes: list[Change] = field(default_factory=list)


def carries(q: Question, fresh_dates: bool, roster_filled: bool = True) -> bool:
    """Whether a question's answer is carried at all: answers the roster fills in are not
    (where there is a roster entry), nor, for a new round, the date a form was filled in (a
    date question of its own)."""
    return not (q.prefill and roster_filled) and not (fresh_dates and q.type == DATE)


def valid(value: Any, kind: str, scale_id: str | None, qn: Questionnaire) -> bool:
    """A normalised value that the current question accepts as it stands."""
    if value is None:
        return False
    if kind == SELECT and scale_id:
        return isinstance(value, str) and value in {c.code for c in qn.scales[scale_id].choices}
    if kind == DATE:
        return hasattr(value, "isoformat")
    if kind in (NUMBER, INTEGER):
        return isinstance(value, float)
    return kind in FREE_KINDS or isinstance(value, str)


def carry_over(
    qn: Questionnaire,
    qmap: QuestionMap,
    version: str,
    old: Mapping[OldKey, Any],
    *,
    fresh_dates: bool = False,
    roster_filled: bool = True,
    asked: Iterable[str] | None = None,
    texts: Mapping[str, str] | None = None,
    lang: str = "en",
) -> CarryOver:
    """Carry `old` answers (raw or normalised, keyed by old id and field) into `qn`.

    `asked`: the old questions the source had, answered or not, so that questions that are
    new in `qn` can be listed; `texts`: the old question texts, so that reworded ones are.
    """
    out = CarryOver()
    why = partial(_why, lang=lang)
    reached: set[str] = set()
    gone: dict[str, str] = {}
    ask: dict[str, str] = {}
    check: dict[str, str] = {}
    same = version == qn.version
    for (old_id, key), raw in old.items():
        fate = qmap.fate(version, old_id) if not same else None
        new_ids = fate.new_ids if fate else (old_id,)
        reached.update(new_ids)
        if fate and fate.removed:
            if raw is not None:
                gone.setdefault(old_id, fate.note or why("removed"))
            continue
        if fate and fate.changed:
            for nid in new_ids:
                ask.setdefault(nid, fate.note or why("changed", old=old_id))
            continue
        nid = new_ids[0]
        q = qn.questions_by_id.get(nid)
        name = qn.field_names.get((nid, key))
        if q is None or name is None:
            if raw is not None:
                gone.setdefault(old_id, why("not_asked"))
            continue
        if raw is None or not carries(q, fresh_dates, roster_filled):
            continue
        fld = q.field(key)
        value = normalise(raw, fld.kind, fld.scale_id, qn)
        if valid(value, fld.kind, fld.scale_id, qn):
            out.answers[name] = value
            if nid != old_id and fate and fate.note:  # a plain rename carries silently
                check.setdefault(nid, fate.note)
        else:
            ask.setdefault(nid, why("invalid", answer=raw))
    if asked is not None:
        known = reached | {t for a in asked for t in _targets(qmap, version, a, same)}
        for q in qn.questions:
            if q.id not in known and carries(q, fresh_dates, roster_filled):
                ask.setdefault(q.id, why("new"))
    for qid, text in (texts or {}).items():
        q = qn.questions_by_id.get(qid)
        if q and qid not in ask and _squash(text) != _squash(q.label.get(lang)):
            check.setdefault(qid, why("reworded"))
    order = {q.id: i for i, q in enumerate(qn.questions)}

    def change(qid: str, why: str, kind: str) -> Change:
        q = qn.questions_by_id.get(qid)
        return Change(qid, why, kind, q.label.get(lang) if q else "")

    out.changes += [
        change(q, why, ANSWER) for q, why in sorted(ask.items(), key=lambda x: order.get(x[0], 0))
    ]
    out.changes += [
        change(q, why, CHECK)
        for q, why in sorted(check.items(), key=lambda x: order.get(x[0], 0))
        if q not in ask
    ]
    out.changes += [Change(old_id, why, REMOVED) for old_id, why in gone.items()]
    return out


def _why(reason: str, lang: str, **params: Any) -> str:
    """Why a question is listed on the Changes sheet, in the workbook's language."""
    return i18n.text(f"changes.why.{reason}", lang, **params)


def _targets(qmap: QuestionMap, version: str, old_id: str, same: bool) -> tuple[str, ...]:
    return (old_id,) if same else qmap.fate(version, old_id).new_ids


def _squash(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def split_name(name: str, qn: Questionnaire, qmap: QuestionMap, version: str) -> OldKey | None:
    """An old workbook's input name as (old question id, field key).

    Field keys are the current content's (`likelihood`, `residual_likelihood`, `01_date`...),
    longest first, and the old id must lead, through the map, to a current question that has
    that field, or be one the map removes.
    """
    body = name.removeprefix("in_")
    keys = sorted({f.key for _q, f in qn.inputs() if f.key}, key=len, reverse=True)
    candidates = [(body, "")] + [(body[: -len(k) - 1], k) for k in keys if body.endswith("_" + k)]
    for old_id, key in candidates:
        new_ids = (old_id,) if version == qn.version else qmap.fate(version, old_id).new_ids
        if any((nid, key) in qn.field_names for nid in new_ids):
            return old_id, key
    for old_id, key in candidates:
        if version != qn.version and old_id in {r.old_id for r in qmap.rows}:
            return old_id, key
    return None
