"""The rules of rules.csv rendered as Excel formulas (the twin of `scoring.py`).

Formulas use only functions that Excel 2010+, Excel on the web and LibreOffice share (IF,
IFERROR, INDEX, MATCH, LOOKUP, SUM, MAX, COUNT, SUMPRODUCT, AND, OR, ISNUMBER, TODAY). Item
results and hidden helper columns sit on the question rows; aggregates read the helpers.
"""

from __future__ import annotations

from collections.abc import Iterable

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
from .model import Metric, Question, Questionnaire
from .scoring import DONE, NOT_APPLICABLE


def quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class FormulaBuilder:
    def __init__(self, plan: Plan, lang: str):
        self.plan = plan
        self.qn: Questionnaire = plan.questionnaire
        self.lang = lang

    # references --------------------------------------------------------------------------
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

    # helpers on question rows ------------------------------------------------------------
    def helper_formula(self, q: Question, key: str, here: str) -> str:
        if key in ("weighted", "attainable"):
            ans = self.input(q, "", here)
            scale = q.scale_id or ""
            if key == "weighted":
                return (
                    f"IFERROR(INDEX({points_name(scale)},MATCH({ans},{list_name(scale)},0))"
                    f'*{_num(q.weight)},"")'
                )
            max_pts = q.weight * self.qn.scales[scale].max_points
            return f'IF(ISNUMBER({self.helper(q, "weighted", here)}),{_num(max_pts)},"")'
        if key.startswith("rank_"):
            prefix = "" if key == "rank_inherent" else "residual_"
            return (
                f"IFERROR(INDEX({LEVEL_RANKS},MATCH({self._level_expr(q, prefix, here)},"
                f"{LEVEL_LABELS},0)),0)"
            )
        if key == "done":
            st = self.input(q, "status", here)
            na = self._status_label(NOT_APPLICABLE)
            done = self.label("status", DONE)
            if na is None:
                return f"IF({st}={done},1,0)"
            return f'IF({st}={na},"",IF({st}={done},1,0))'
        if key == "overdue":
            return f"IF({self._overdue(q, here)},1,0)"
        if key == "no_evidence":
            return f"IF({self._no_evidence(q, here)},1,0)"
        raise KeyError(key)

    def _status_label(self, code: str) -> str | None:
        try:
            return self.label("status", code)
        except KeyError:
            return None

    def _level_expr(self, q: Question, prefix: str, here: str) -> str:
        lik, imp = (
            self.input(q, prefix + "likelihood", here),
            self.input(q, prefix + "impact", here),
        )
        return f"INDEX({MATRIX},MATCH({lik},{MATRIX_ROWS},0),MATCH({imp},{MATRIX_COLS},0))"

    def _no_evidence(self, q: Question, here: str) -> str:
        return (
            f"AND({self.input(q, 'status', here)}={self.label('status', DONE)},"
            f'{self.input(q, "evidence", here)}="")'
        )

    def _overdue(self, q: Question, here: str) -> str:
        due, st = self.input(q, "due", here), self.input(q, "status", here)
        parts = [f"ISNUMBER({due})", f"{due}<TODAY()", f"{st}<>{self.label('status', DONE)}"]
        na = self._status_label(NOT_APPLICABLE)
        if na is not None:
            parts.append(f"{st}<>{na}")
        return f"AND({','.join(parts)})"

    # metrics -----------------------------------------------------------------------------
    def metric(self, m: Metric) -> str:
        here = self.plan.outputs[m.id].sheet
        qs = self.qn.scored_questions(m.rule.scope, m.scope_id)
        rule, param = m.rule.rule, m.rule.param
        if rule == "item_points":
            q = qs[0]
            ans, scale = self.input(q, "", here), q.scale_id or ""
            return (
                f'IF({ans}="","",IFERROR(INDEX({points_name(scale)},'
                f'MATCH({ans},{list_name(scale)},0))*1,""))'
            )
        if rule == "percent":
            w, a = (
                ",".join(self.runs(qs, "weighted", here)),
                ",".join(self.runs(qs, "attainable", here)),
            )
            return f'IF(SUM({a})=0,"",SUM({w})/SUM({a}))'
        if rule == "band":
            src = m.rule.source.replace(
                "{" + m.rule.scope.removeprefix("each:") + "}", m.scope_id or ""
            )
            s = self.ref(self.plan.outputs[src], here)
            return f'IF(ISNUMBER({s}),LOOKUP({s},{BAND_MINS},{BAND_LABELS}),"")'
        if rule == "answered":
            return "+".join(self._answered(q, here) for q in qs) or "0"
        if rule == "risk_level":
            q = qs[0]
            prefix = "" if param == "inherent" else "residual_"
            lik, imp = (
                self.input(q, prefix + "likelihood", here),
                self.input(q, prefix + "impact", here),
            )
            return f'IF(OR({lik}="",{imp}=""),"",IFERROR({self._level_expr(q, prefix, here)},""))'
        if rule == "level_count":
            rank = self.qn.levels_by_id[m.scope_id or ""].rank
            runs = self.runs(self.qn.scored_questions(), f"rank_{param}", here)
            return "+".join(f"SUMPRODUCT(--({r}={rank}))" for r in runs)
        if rule == "highest_level":
            top = self._max_rank(qs, param, here)
            return f'IF({top}=0,"",INDEX({LEVEL_LABELS},MATCH({top},{LEVEL_RANKS},0)))'
        if rule == "risk_at_or_above":
            return self._risk_found(qs, param, here)
        if rule == "applicability":
            yes, no = self.label("yes_no", "yes"), self.label("yes_no", "no")
            core = self.input(
                self.qn.questions_by_id[self.qn.setting("applicability_core_function")], "", here
            )
            other = self.input(
                self.qn.questions_by_id[self.qn.setting("applicability_other_effects")], "", here
            )
            found = self._risk_found(qs, param, here)
            return (
                f"IF(OR({core}={yes},{found}={self.setting('yes')},{other}={yes}),"
                f"{self.setting('applicability_full')},"
                f"IF(AND({core}={no},{found}={self.setting('no')},{other}={no}),"
                f"{self.setting('applicability_core')},{self.setting('applicability_incomplete')}))"
            )
        if rule == "completion":
            d = ",".join(self.runs(qs, "done", here))
            return f'IF(COUNT({d})=0,"",SUM({d})/COUNT({d}))'
        if rule == "status_count":
            label = self.label("status", param)
            return "+".join(f"({self.input(q, 'status', here)}={label})*1" for q in qs) or "0"
        if rule in ("done_without_evidence", "overdue"):
            key = "no_evidence" if rule == "done_without_evidence" else "overdue"
            return f"SUM({','.join(self.runs(qs, key, here))})"
        if rule == "item_attention":
            q = qs[0]
            return (
                f"IF({self.helper(q, 'no_evidence', here)}=1,"
                f"{self.setting('attention_evidence')},"
                f"IF({self.helper(q, 'overdue', here)}=1,"
                f'{self.setting("attention_overdue")},""))'
            )
        raise KeyError(rule)

    def _max_rank(self, qs: list[Question], which: str, here: str) -> str:
        return f"MAX({','.join(self.runs(qs, f'rank_{which}', here))})"

    def _risk_found(self, qs: list[Question], level_id: str, here: str) -> str:
        top = self._max_rank(qs, "inherent", here)
        rank = self.qn.levels_by_id[level_id].rank
        return f'IF({top}=0,"",IF({top}>={rank},{self.setting("yes")},{self.setting("no")}))'

    def _answered(self, q: Question, here: str) -> str:
        if q.type == "risk":
            return f"({self.helper(q, 'rank_inherent', here)}>0)*1"
        key = "status" if q.type == "check" else ""
        scale = q.field(key).scale_id or ""
        return f"ISNUMBER(MATCH({self.input(q, key, here)},{list_name(scale)},0))*1"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))
