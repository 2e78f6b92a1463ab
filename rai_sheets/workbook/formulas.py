"""The rules of rules.csv rendered as Excel formulas (the twin of `scoring/`).

Formulas use only functions that Excel 2010+, Excel on the web and LibreOffice share (IF,
IFERROR, INDEX, MATCH, LOOKUP, SUM, MAX, COUNT, SUMPRODUCT, AND, OR, NOT, ISNUMBER, TRIM,
TODAY). Item results and hidden helper columns sit on the question rows; aggregates read the
helpers. A result whose required answers are not all given shows the content's word for
"incomplete", as the Python scorer does.

`FormulaBuilder` is assembled from one class per rule family (readiness, risk, action) over
`References`, which knows where every cell is.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Metric, Question
from ..scoring import DONE, NOT_DUE, YES, label_key
from .formulas_risk import RiskFormulas
from .layout import BAND_LABELS, BAND_MINS, list_name, points_name
from .references import References, num, quote

__all__ = ["FormulaBuilder", "quote"]


class ReadinessFormulas(References):
    """Points, weighted percentages, bands and their caps, N/A and "don't know" counts."""

    def h_weighted(self, q: Question, here: str) -> str:
        ans, scale = self.input(q, "", here), q.scale_id or ""
        return (
            f"IFERROR(INDEX({points_name(scale)},MATCH({ans},{list_name(scale)},0))"
            f'*{num(q.weight)},"")'
        )

    def h_attainable(self, q: Question, here: str) -> str:
        max_pts = q.weight * self.qn.scales[q.scale_id or ""].max_points
        return f'IF(ISNUMBER({self.helper(q, "weighted", here)}),{num(max_pts)},"")'

    def h_critical_low(self, q: Question, here: str) -> str:
        if not q.critical:
            return "0"
        below = num(self.qn.critical_below)
        # Not applicable caps too: nested IFs, since N/A has no points to compare.
        return (
            f"IF({self.valid(q, '', here)},IF({self.is_na(q, here)},1,"
            f"IF({self.points(q, '', here)}<{below},1,0)),0)"
        )

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
        return (
            f"IF({self.total(qs, 'pending', here)}>0,{self.incomplete()},"
            f'IF(SUM({a})=0,"",SUM({w})/SUM({a})))'
        )

    def _capped(self, m: Metric, s: str, here: str, otherwise: str) -> str:
        """The cap band when a critical statement is low and the score reaches above it."""
        cap = self.qn.setting("critical_cap")
        ids = [b.id for b in self.qn.bands]
        if cap not in ids:
            return otherwise
        label = quote(self.qn.bands[ids.index(cap)].label.get(self.lang))
        reached = f"MATCH(LOOKUP({s},{BAND_MINS},{BAND_LABELS}),{BAND_LABELS},0)"
        low = self.total(self.scope(m), "critical_low", here)
        return f"IF(AND({low}>0,{reached}>{ids.index(cap) + 1}),{label},{otherwise})"

    def band(self, m: Metric, here: str) -> str:
        s = self.source(m, here)
        band = f"LOOKUP({s},{BAND_MINS},{BAND_LABELS})"
        if m.rule.param == "capped":
            band = self._capped(m, s, here, band)
        return f'IF(ISNUMBER({s}),{band},IF({s}={self.incomplete()},{self.incomplete()},""))'

    def band_cap(self, m: Metric, here: str) -> str:
        s = self.source(m, here)
        return f'IF(ISNUMBER({s}),{self._capped(m, s, here, quote(""))},"")'

    def critical_low(self, m: Metric, here: str) -> str:
        return self.total(self.scope(m), "critical_low", here)

    def mostly_na(self, m: Metric, here: str) -> str:
        qs = self.scope(m)
        share = f"{self.total(qs, 'na', here)}/{len(qs)}"
        yes, no = (self.setting(label_key("mostly_na", c)) for c in (YES, "no"))
        return f"IF({share}>{num(float(m.rule.param or 0.2))},{yes},{no})"

    def choice_count(self, m: Metric, here: str) -> str:
        terms = []
        for q in self.scope(m):
            f = q.na_field
            if f is not None and f.scale_id:
                label = self.label(f.scale_id, m.rule.param)
                terms.append(f"({self.input(q, f.key, here)}={label})*1")
        return "+".join(terms) or "0"

    def na_count(self, m: Metric, here: str) -> str:
        return self.total(self.scope(m), "na", here)

    def answered(self, m: Metric, here: str) -> str:
        qs = self.scope(m)
        if qs and qs[0].type == "risk":
            ranks = self.runs(qs, "rank_inherent", here)
            return (
                "+".join(f"SUMPRODUCT(--({r}>0))" for r in ranks) + f"+{self.total(qs, 'na', here)}"
            )
        key = "status" if qs and qs[0].type == "check" else ""
        return "+".join(f"{self.valid(q, key, here)}*1" for q in qs) or "0"


class ActionFormulas(References):
    """Stage-aware completion, status counts, overdue items and items done without evidence."""

    def h_stage_due(self, q: Question, here: str) -> str:
        if not self.qn.setting("current_stage"):
            return "1"
        if q.section_id not in self.qn.stage_order:
            return "1"
        stage = self.qn.stage_order.index(q.section_id) + 1
        return f"IFERROR(IF({self.stage_position(here)}>={stage},1,0),0)"

    def h_done(self, q: Question, here: str) -> str:
        st = self.input(q, "status", here)
        return (
            f'IF({self.helper(q, "stage_due", here)}=1,IF({self.is_na(q, here)},"",'
            f'IF({st}={self.label("status", DONE)},1,0)),"")'
        )

    def h_overdue(self, q: Question, here: str) -> str:
        due, st = self.input(q, "due", here), self.input(q, "status", here)
        return (
            f"IF(AND(ISNUMBER({due}),{due}<TODAY(),{st}<>{self.label('status', DONE)},"
            f"NOT({self.is_na(q, here)})),1,0)"
        )

    def h_no_evidence(self, q: Question, here: str) -> str:
        return (
            f"IF(AND({self.input(q, 'status', here)}={self.label('status', DONE)},"
            f"NOT({self.given(q, 'evidence', here)})),1,0)"
        )

    def completion(self, m: Metric, here: str) -> str:
        qs = self.scope(m)
        d = ",".join(self.runs(qs, "done", here))
        inc = self.incomplete()
        body = (
            f"IF({self.total(qs, 'stage_due', here)}=0,{self.setting(label_key('', NOT_DUE))},"
            f"IF({self.total(qs, 'pending', here)}>0,{inc},"
            f'IF(COUNT({d})=0,"",SUM({d})/COUNT({d}))))'
        )
        if not self.qn.setting("current_stage"):
            return body
        return f"IF(ISNUMBER({self.stage_position(here)}),{body},{inc})"

    def status_count(self, m: Metric, here: str) -> str:
        label = self.label("status", m.rule.param)
        return (
            "+".join(f"({self.input(q, 'status', here)}={label})*1" for q in self.scope(m)) or "0"
        )

    def done_without_evidence(self, m: Metric, here: str) -> str:
        return self.total(self.scope(m), "no_evidence", here)

    def overdue(self, m: Metric, here: str) -> str:
        return self.total(self.scope(m), "overdue", here)

    def check_attention(self, q: Question, here: str) -> str:
        flags = {
            "evidence": f"{self.helper(q, 'no_evidence', here)}=1",
            "overdue": f"{self.helper(q, 'overdue', here)}=1",
            "reason": f"AND({self.is_na(q, here)},NOT({self.given(q, 'notes', here)}))",
        }
        return self.first_flag(flags)


class FormulaBuilder(ReadinessFormulas, RiskFormulas, ActionFormulas):
    """Every helper and metric formula of one workbook."""

    def helper_formula(self, q: Question, key: str, here: str) -> str:
        if key == "pending":
            return self.h_pending(q, here)
        if key == "na":
            return f"IF({self.is_na(q, here)},1,0)"
        method: Callable[[Question, str], str] = getattr(self, f"h_{key}")
        return method(q, here)

    def h_pending(self, q: Question, here: str) -> str:
        if not q.required:
            return "0"
        if q.type == "risk":
            answered = f"OR({self.is_na(q, here)},{self.helper(q, 'rank_inherent', here)}>0)"
            screened = self.screened(here)
            pending = f"IF({answered},0,1)"
            return f"IF({screened},0,{pending})" if screened else pending
        if q.type == "check":
            due = self.helper(q, "stage_due", here)
            return f"IF(AND({due}=1,NOT({self.valid(q, 'status', here)})),1,0)"
        return f"IF({self.valid(q, '', here)},0,1)"

    def item_attention(self, m: Metric, here: str) -> str:
        q = self.scope(m)[0]
        return self.risk_attention(q, here) if q.type == "risk" else self.check_attention(q, here)

    def metric(self, m: Metric) -> str:
        here = self.plan.outputs[m.id].sheet
        rule: Callable[[Metric, str], str] = getattr(self, m.rule.rule)
        return rule(m, here)
