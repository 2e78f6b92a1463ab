"""Per-item facts that the scoring rules read: points, risk ranks, statuses, "not applicable",
answered or still pending, and the workbook-wide conditions (the applicability screening, the
current life-cycle stage, the risk acceptance record).

Each method has a twin helper column or expression in `workbook/formulas.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cached_property
from typing import Any

from ..model import Question, Questionnaire

Answers = Mapping[str, Any]

# Codes of categorical results that are not content ids.
YES, NO = "yes", "no"
INCOMPLETE = "incomplete"  # required answers are missing: no result from part of them
NOT_APPLICABLE = "na"  # an item (or every item of a scope) marked not applicable
NOT_DUE = "not_due"  # a life-cycle stage after the current one
APPLY_FULL, APPLY_CORE, APPLY_SCREENED = "full", "core", "screened"
ACCEPTED, ACCEPT_MISSING, ACCEPT_ROLE, ACCEPT_LEVEL = (
    "accepted",
    "missing",
    "role_too_low",
    "level_too_low",
)
DONE, IN_PLACE = "done", "in_place"
# Attention flags on an item's row, in the order they are shown (the first that applies).
RISK_ATTENTION = ("likelihood", "impact", "reason", "mitigation", "residual", "above", "acceptance")
CHECK_ATTENTION = ("evidence", "overdue", "reason")
BAND_EPSILON = 1e-12  # spreadsheets compare with a tolerance of this order


def blank(v: object) -> bool:
    return v is None or v == ""


class Items:
    """What the rules need to know about each item of one set of answers.

    The answers do not change while they are scored, so each item's valid codes and risk
    ranks are worked out once: the rules of a risk assessment ask for them thousands of times.
    """

    def __init__(self, qn: Questionnaire, answers: Answers, today: date):
        self.qn = qn
        self.answers = answers
        self.today = today
        self._codes: dict[tuple[str, str], str | None] = {}
        self._ranks: dict[tuple[str, str], int] = {}
        self._na: dict[str, bool] = {}

    def value(self, q: Question, key: str = "") -> Any:
        return self.answers.get(self.qn.field_names[(q.id, key)])

    def code(self, q: Question, key: str = "") -> str | None:
        """A valid choice code of the field's scale, or None (blank or not in the list)."""
        at = (q.id, key)
        if at in self._codes:
            return self._codes[at]
        found = self._code(q, key)
        self._codes[at] = found
        return found

    def _code(self, q: Question, key: str) -> str | None:
        v = self.value(q, key)
        f = q.field(key)
        scale = self.qn.scales.get(f.scale_id or "")
        if not isinstance(v, str) or scale is None:
            return None
        allowed = scale.rated_codes if f.rated_only else scale.codes
        return v if v in allowed else None

    def setting_code(self, key: str) -> str | None:
        q = self.qn.questions_by_id.get(self.qn.setting(key))
        return self.code(q) if q else None

    # ---- any scored item -------------------------------------------------------------------
    def is_na(self, q: Question) -> bool:
        found = self._na.get(q.id)
        if found is None:
            found = self._na[q.id] = self._is_na(q)
        return found

    def _is_na(self, q: Question) -> bool:
        f = q.na_field
        if f is None or f.scale_id is None:
            return False
        return self.code(q, f.key) in self.qn.scales[f.scale_id].na_codes

    def reason_missing(self, q: Question) -> bool:
        f = q.reason_field
        return f is not None and self.is_na(q) and blank(self.value(q, f.key))

    def answered(self, q: Question) -> bool:
        if q.type == "risk":
            return self.is_na(q) or self.rank(q, "inherent") > 0
        return self.code(q, "status" if q.type == "check" else "") is not None

    def required_now(self, q: Question) -> bool:
        """Whether the item must be answered, given the screening and the current stage."""
        if not q.required:
            return False
        if q.type == "risk":
            return not self.screened
        if q.type == "check":
            return self.due(q)
        return True

    def pending(self, qs: list[Question]) -> int:
        return sum(self.required_now(q) and not self.answered(q) for q in qs)

    # ---- readiness -------------------------------------------------------------------------
    def points(self, q: Question) -> float | None:
        code = self.code(q)
        if code is None or q.scale_id is None:
            return None
        return self.qn.scales[q.scale_id].by_code(code).points

    def attainable(self, q: Question) -> float | None:
        if self.points(q) is None or q.scale_id is None:
            return None
        return q.weight * self.qn.scales[q.scale_id].max_points

    def critical_low(self, q: Question) -> bool:
        """A critical statement answered low, Don't know or Not applicable: what it asks for
        is not shown to be in place, so it caps the band."""
        if not q.critical:
            return False
        if self.is_na(q):
            return True
        pts = self.points(q)
        return pts is not None and pts < self.qn.critical_below

    # ---- risk ------------------------------------------------------------------------------
    def _matrix_rank(self, q: Question, prefix: str) -> int:
        lik, imp = self.code(q, prefix + "likelihood"), self.code(q, prefix + "impact")
        level = self.qn.matrix.get((lik or "", imp or ""))
        return self.qn.levels_by_id[level].rank if level else 0

    def mitigated(self, q: Question) -> bool:
        """A mitigation is described and the residual fully rated: only then does it count."""
        return not blank(self.value(q, "mitigation")) and self._matrix_rank(q, "residual_") > 0

    def rank(self, q: Question, which: str) -> int:
        """0 for no level; `residual` is the inherent level unless a mitigation counts;
        `in_place` counts only mitigations marked in place."""
        at = (q.id, which)
        found = self._ranks.get(at)
        if found is None:
            found = self._ranks[at] = self._rank(q, which)
        return found

    def _rank(self, q: Question, which: str) -> int:
        inherent = 0 if self.is_na(q) else self._matrix_rank(q, "")
        if which == "inherent" or inherent == 0 or not self.mitigated(q):
            return inherent
        if which == "in_place" and self.code(q, "mitigation_status") != IN_PLACE:
            return inherent
        return self._matrix_rank(q, "residual_")

    def residual_given(self, q: Question) -> tuple[bool, bool]:
        return (
            self.code(q, "residual_likelihood") is not None,
            self.code(q, "residual_impact") is not None,
        )

    @cached_property
    def screened(self) -> bool:
        """The applicability screening found a general-purpose tool outside core functions,
        with no other effect on rights: the risk items need not be rated."""
        if not self.qn.setting("applicability_general"):
            return False
        return (self.setting_code("applicability_general"), *self._core_other()) == (YES, NO, NO)

    def _core_other(self) -> tuple[str | None, str | None]:
        return (
            self.setting_code("applicability_core_function"),
            self.setting_code("applicability_other_effects"),
        )

    def acceptance_gap(self, rank: int) -> str | None:
        """Why the acceptance record does not cover a residual level of `rank`, or None."""
        record = [self.setting_value(f"acceptance_{k}") for k in ("by", "role", "date", "level")]
        if any(blank(v) for v in record):
            return ACCEPT_MISSING
        role_max, level_rank = (self._choice_points(k) for k in ("role", "level"))
        if role_max < rank:
            return ACCEPT_ROLE
        if level_rank < rank:
            return ACCEPT_LEVEL
        return None

    def setting_value(self, key: str) -> Any:
        """The answer to the question a setting names; an invalid choice counts as blank."""
        q = self.qn.questions_by_id.get(self.qn.setting(key))
        if q is None:
            return None
        return self.code(q) if q.fields[0].scale_id else self.value(q)

    def _choice_points(self, part: str) -> float:
        q = self.qn.questions_by_id[self.qn.setting(f"acceptance_{part}")]
        code = self.code(q)
        if code is None or q.scale_id is None:
            return 0
        return self.qn.scales[q.scale_id].by_code(code).points or 0

    # ---- action ----------------------------------------------------------------------------
    @cached_property
    def stage_index(self) -> int | None:
        """The position of the current life-cycle stage, or None when not given."""
        code = self.setting_code("current_stage")
        return None if code is None else self.qn.stage_order.index(code)

    def due(self, q: Question) -> bool:
        """Whether the item's stage is at or before the current one (any item, without a
        current-stage question; none while the current stage is not given)."""
        if not self.qn.setting("current_stage"):
            return True
        stage = (
            self.qn.stage_order.index(q.section_id) if q.section_id in self.qn.stage_order else -1
        )
        return self.stage_index is not None and stage <= self.stage_index

    def status(self, q: Question) -> str | None:
        return self.code(q, "status")

    def done(self, q: Question) -> int | None:
        if self.is_na(q):
            return None
        return int(self.status(q) == DONE)

    def no_evidence(self, q: Question) -> bool:
        return self.status(q) == DONE and blank(self.value(q, "evidence"))

    def overdue(self, q: Question) -> bool:
        due = self.value(q, "due")
        if isinstance(due, datetime):
            due = due.date()
        return (
            isinstance(due, date)
            and due < self.today
            and self.status(q) != DONE
            and not self.is_na(q)
        )
