"""The rules of rules.csv rendered as Excel formulas (the twin of `scoring.py`).

Formulas use only functions that Excel 2010+, Excel on the web and LibreOffice share (IF,
IFERROR, INDEX, MATCH, LOOKUP, SUM, MAX, COUNT, SUMPRODUCT, AND, OR, ISNUMBER, TODAY). Item
results and hidden helper columns sit on the question rows; aggregates read the helpers.

`FormulaBuilder` is assembled from one class per rule family (readiness, risk, action) over
`References`, which knows where every cell is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..model import Metric, Question, Questionnaire
from ..scoring import DONE, NOT_APPLICABLE
from .layout import (
    BAND_LABELS,
    BAND_MINS,
    LEVEL_LABELS,
    LEVEL_RANKS,
    MATRIX,
    MATRIX_COLS,
    MATRIX_ROWS,
    Cell,
    Plan,
    col_letter,
    list_name,
    points_name,
)


def quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


class References:
    """Cell references and quoted labels, as a formula on sheet `here` writes them."""

    def __init__(self, plan: Plan, lang: str):
        self.plan = plan
        self.qn: Questionnaire = plan.questionnaire
        self.lang = lang

    def ref(self, cell: Cell, here: str) -> str:
        local = f"${col_letter(cell.col)}${cell.row + 1}"
        return local if cell.sheet == here else f"'{cell.sheet}'!{local}"

    def input(self, q: Question, key: str, here: str) -> str:
        return self.ref(self.plan.inputs[q.input_name(q.field(key))], here)

    def helper(self, q: Question, key: str, here: str) -> str:
        return self.ref(self.plan.helpers[(q.id, key)], here)

    def runs(self, qs: Iterable[Question], key: str, here: str) -> list[str]:
        """Helper cells of `qs` grouped into ranges of consecutive rows."""
        cells = sorted((self.plan.helpers[(q.id, key)] for q in qs), key=lambda c: (c.sheet, c.row))
        out: list[str] = []
        start = prev = None
        for c in cells + [None]:
            if (
                c is not None
                and prev is not None
                and c.sheet == prev.sheet
                and c.row == prev.row + 1
            ):
                prev = c
                continue
            if start is not None and prev is not None:
                a, b = self.ref(start, here), self.ref(prev, here)
                out.append(a if start == prev else f"{a}:{b.split('!')[-1]}")
            start = prev = c
        return out

    def label(self, scale_id: str, code: str) -> str:
        return quote(self.qn.scales[scale_id].by_code(code).label.get(self.lang))

    def setting(self, key: str) -> str:
        return quote(self.qn.setting(key, self.lang))

    def scope(self, m: Metric) -> list[Question]:
        return self.qn.scored_questions(m.rule.scope, m.scope_id)

    def source(self, m: Metric, here: str) -> str:
        """The metric a rule reads (its `source` column), for this scope instance."""
        return self.ref(self.plan.outputs[m.source_id], here)


class ReadinessFormulas(References):
    """Points, weighted percentages and bands."""

    def weighted(self, q: Question, here: str) -> str:
        ans, scale = self.input(q, "", here), q.scale_id or ""
        return (
            f"IFERROR(INDEX({points_name(scale)},MATCH({ans},{list_name(scale)},0))"
            f'*{_num(q.weight)},"")'
        )

    def attainable(self, q: Question, here: str) -> str:
        max_pts = q.weight * self.qn.scales[q.scale_id or ""].max_points
        return f'IF(ISNUMBER({self.helper(q, "weighted", here)}),{_num(max_pts)},"")'

    def item_points(self, m: Metric, here: str) -> str:
        q = self.scope(m)[0]
        ans, scale = self.input(q, "", here), q.scale_id or ""
        return (
            f'IF({ans}="","",IFERROR(INDEX({points_name(scale)},'
            f'MATCH({ans},{list_name(scale)},0))*1,""))'
        )

    def percent(self, m: Metric, here: str) -> str:
        qs = self.scope(m)
        w = ",".join(self.runs(qs, "weighted", here))
        a = ",".join(self.runs(qs, "attainable", here))
        return f'IF(SUM({a})=0,"",SUM({w})/SUM({a}))'

    def band(self, m: Metric, here: str) -> str:
        s = self.source(m, here)
        return f'IF(ISNUMBER({s}),LOOKUP({s},{BAND_MINS},{BAND_LABELS}),"")'

    def answered(self, m: Metric, here: str) -> str:
        return "+".join(self._answered(q, here) for q in self.scope(m)) or "0"

    def _answered(self, q: Question, here: str) -> str:
        if q.type == "risk":
            return f"({self.helper(q, 'rank_inherent', here)}>0)*1"
        key = "status" if q.type == "check" else ""
        scale = q.field(key).scale_id or ""
        return f"ISNUMBER(MATCH({self.input(q, key, here)},{list_name(scale)},0))*1"


class RiskFormulas(References):
    """Levels from the likelihood x impact matrix, counts, highest levels, applicability."""

    def rank(self, q: Question, which: str, here: str) -> str:
        prefix = "" if which == "inherent" else "residual_"
        return (
            f"IFERROR(INDEX({LEVEL_RANKS},MATCH({self._level_expr(q, prefix, here)},"
            f"{LEVEL_LABELS},0)),0)"
        )

    def _level_expr(self, q: Question, prefix: str, here: str) -> str:
        lik = self.input(q, prefix + "likelihood", here)
        imp = self.input(q, prefix + "impact", here)
        return f"INDEX({MATRIX},MATCH({lik},{MATRIX_ROWS},0),MATCH({imp},{MATRIX_COLS},0))"

    def risk_level(self, m: Metric, here: str) -> str:
        q = self.scope(m)[0]
        prefix = "" if m.rule.param == "inherent" else "residual_"
        lik = self.input(q, prefix + "likelihood", here)
        imp = self.input(q, prefix + "impact", here)
        return f'IF(OR({lik}="",{imp}=""),"",IFERROR({self._level_expr(q, prefix, here)},""))'

    def level_count(self, m: Metric, here: str) -> str:
        rank = self.qn.levels_by_id[m.scope_id or ""].rank
        runs = self.runs(self.qn.scored_questions(), f"rank_{m.rule.param}", here)
        return "+".join(f"SUMPRODUCT(--({r}={rank}))" for r in runs)

    def highest_level(self, m: Metric, here: str) -> str:
        top = self._max_rank(self.scope(m), m.rule.param, here)
        return f'IF({top}=0,"",INDEX({LEVEL_LABELS},MATCH({top},{LEVEL_RANKS},0)))'

    def risk_at_or_above(self, m: Metric, here: str) -> str:
        return self._risk_found(self.scope(m), m.rule.param, here)

    def applicability(self, m: Metric, here: str) -> str:
        yes, no = self.label("yes_no", "yes"), self.label("yes_no", "no")
        core = self._setting_input("applicability_core_function", here)
        other = self._setting_input("applicability_other_effects", here)
        found = self._risk_found(self.scope(m), m.rule.param, here)
        return (
            f"IF(OR({core}={yes},{found}={self.setting('yes')},{other}={yes}),"
            f"{self.setting('applicability_full')},"
            f"IF(AND({core}={no},{found}={self.setting('no')},{other}={no}),"
            f"{self.setting('applicability_core')},{self.setting('applicability_incomplete')}))"
        )

    def _setting_input(self, key: str, here: str) -> str:
        return self.input(self.qn.questions_by_id[self.qn.setting(key)], "", here)

    def _max_rank(self, qs: list[Question], which: str, here: str) -> str:
        return f"MAX({','.join(self.runs(qs, f'rank_{which}', here))})"

    def _risk_found(self, qs: list[Question], level_id: str, here: str) -> str:
        top = self._max_rank(qs, "inherent", here)
        rank = self.qn.levels_by_id[level_id].rank
        return f'IF({top}=0,"",IF({top}>={rank},{self.setting("yes")},{self.setting("no")}))'


class ActionFormulas(References):
    """Completion, status counts, overdue items and items done without evidence."""

    def done(self, q: Question, here: str) -> str:
        st = self.input(q, "status", here)
        na = self._status_label(NOT_APPLICABLE)
        done = self.label("status", DONE)
        if na is None:
            return f"IF({st}={done},1,0)"
        return f'IF({st}={na},"",IF({st}={done},1,0))'

    def overdue_flag(self, q: Question, here: str) -> str:
        due, st = self.input(q, "due", here), self.input(q, "status", here)
        parts = [f"ISNUMBER({due})", f"{due}<TODAY()", f"{st}<>{self.label('status', DONE)}"]
        na = self._status_label(NOT_APPLICABLE)
        if na is not None:
            parts.append(f"{st}<>{na}")
        return f"IF(AND({','.join(parts)}),1,0)"

    def no_evidence_flag(self, q: Question, here: str) -> str:
        return (
            f"IF(AND({self.input(q, 'status', here)}={self.label('status', DONE)},"
            f'{self.input(q, "evidence", here)}=""),1,0)'
        )

    def _status_label(self, code: str) -> str | None:
        try:
            return self.label("status", code)
        except KeyError:
            return None

    def completion(self, m: Metric, here: str) -> str:
        d = ",".join(self.runs(self.scope(m), "done", here))
        return f'IF(COUNT({d})=0,"",SUM({d})/COUNT({d}))'

    def status_count(self, m: Metric, here: str) -> str:
        label = self.label("status", m.rule.param)
        return (
            "+".join(f"({self.input(q, 'status', here)}={label})*1" for q in self.scope(m)) or "0"
        )

    def done_without_evidence(self, m: Metric, here: str) -> str:
        return f"SUM({','.join(self.runs(self.scope(m), 'no_evidence', here))})"

    def overdue(self, m: Metric, here: str) -> str:
        return f"SUM({','.join(self.runs(self.scope(m), 'overdue', here))})"

    def item_attention(self, m: Metric, here: str) -> str:
        q = self.scope(m)[0]
        return (
            f"IF({self.helper(q, 'no_evidence', here)}=1,"
            f"{self.setting('attention_evidence')},"
            f"IF({self.helper(q, 'overdue', here)}=1,"
            f'{self.setting("attention_overdue")},""))'
        )


class FormulaBuilder(ReadinessFormulas, RiskFormulas, ActionFormulas):
    """Every helper and metric formula of one workbook."""

    def helper_formula(self, q: Question, key: str, here: str) -> str:
        helpers: dict[str, Callable[[Question, str], str]] = {
            "weighted": self.weighted,
            "attainable": self.attainable,
            "rank_inherent": lambda q, here: self.rank(q, "inherent", here),
            "rank_residual": lambda q, here: self.rank(q, "residual", here),
            "done": self.done,
            "overdue": self.overdue_flag,
            "no_evidence": self.no_evidence_flag,
        }
        return helpers[key](q, here)

    def metric(self, m: Metric) -> str:
        here = self.plan.outputs[m.id].sheet
        rule: Callable[[Metric, str], str] = getattr(self, m.rule.rule)
        return rule(m, here)
