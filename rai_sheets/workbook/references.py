"""Where every cell is, as a formula on one sheet writes it: inputs, helper columns, results,
quoted labels and the small expressions all rules share (is an answer valid, is it "not
applicable", is the risk assessment screened out, which stage is current)."""

from __future__ import annotations

from collections.abc import Iterable

from ..model import Metric, Question, Questionnaire
from ..scoring import INCOMPLETE, label_key
from .layout import Cell, Plan, col_letter, field_list, list_name, points_name, sheet_ref


def quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


class References:
    """Cell references and quoted labels, as a formula on sheet `here` writes them."""

    def __init__(self, plan: Plan, lang: str):
        self.plan = plan
        self.qn: Questionnaire = plan.questionnaire
        self.lang = lang

    def ref(self, cell: Cell, here: str) -> str:
        local = f"${col_letter(cell.col)}${cell.row + 1}"
        return local if cell.sheet == here else f"{sheet_ref(cell.sheet)}!{local}"

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

    def total(self, qs: Iterable[Question], key: str, here: str) -> str:
        """SUM of a helper over the items (0 for none)."""
        runs = self.runs(qs, key, here)
        return f"SUM({','.join(runs)})" if runs else "0"

    def label(self, scale_id: str, code: str) -> str:
        return quote(self.qn.scales[scale_id].by_code(code).label.get(self.lang))

    def setting(self, key: str) -> str:
        return quote(self.qn.setting(key, self.lang))

    def incomplete(self, rule: str = "") -> str:
        """The quoted words a result shows while required answers are missing."""
        return self.setting(label_key(rule, INCOMPLETE))

    def scope(self, m: Metric) -> list[Question]:
        return self.qn.metric_questions[m.id]

    def source(self, m: Metric, here: str) -> str:
        """The metric a rule reads (its `source` column), for this scope instance."""
        return self.ref(self.plan.outputs[m.source_id], here)

    # ---- shared expressions ------------------------------------------------------------------
    def valid(self, q: Question, key: str, here: str) -> str:
        """TRUE when a dropdown answer is one of its list's values (blank or typed-over: not)."""
        f = q.field(key)
        lst = field_list(self.qn, f.scale_id or "", f.rated_only)
        return f"ISNUMBER(MATCH({self.input(q, key, here)},{lst},0))"

    def given(self, q: Question, key: str, here: str) -> str:
        """TRUE when an answer is given: a valid choice, or any text (spaces do not count)."""
        f = q.field(key)
        if f.scale_id:
            return self.valid(q, key, here)
        return f'(TRIM({self.input(q, key, here)})<>"")'  # bracketed: used in sums too

    def points(self, q: Question, key: str, here: str) -> str:
        """The points of a choice (0 when not a valid choice or without points)."""
        scale = q.field(key).scale_id or ""
        return (
            f"IFERROR(INDEX({points_name(scale)},MATCH({self.input(q, key, here)},"
            f"{list_name(scale)},0))*1,0)"
        )

    def is_na(self, q: Question, here: str) -> str:
        """TRUE when the item's answer is a "not applicable" choice."""
        f = q.na_field
        codes = self.qn.scales[f.scale_id or ""].na_codes if f else ()
        if f is None or not codes:
            return "FALSE()"
        cell = self.input(q, f.key, here)
        return "OR(" + ",".join(f"{cell}={self.label(f.scale_id or '', c)}" for c in codes) + ")"

    def setting_question(self, key: str) -> Question | None:
        return self.qn.questions_by_id.get(self.qn.setting(key))

    def setting_input(self, key: str, here: str) -> str:
        q = self.setting_question(key)
        assert q is not None, key
        return self.input(q, "", here)

    def screened(self, here: str) -> str | None:
        """TRUE when the applicability screening takes the risk items out (None: no screening)."""
        if not self.qn.setting("applicability_general"):
            return None
        yes, no = self.label("yes_no", "yes"), self.label("yes_no", "no")
        general = self.setting_input("applicability_general", here)
        core = self.setting_input("applicability_core_function", here)
        other = self.setting_input("applicability_other_effects", here)
        return f"AND({general}={yes},{core}={no},{other}={no})"

    def stage_position(self, here: str) -> str:
        """The position of the current life-cycle stage in its list (an error when blank)."""
        return f"MATCH({self.setting_input('current_stage', here)},{list_name('lifecycle')},0)"

    def first_flag(self, flags: dict[str, str]) -> str:
        """The label of the first flag that holds: the Attention column."""
        out = '""'
        for code, test in reversed(list(flags.items())):
            out = f"IF({test},{self.setting(label_key('item_attention', code))},{out})"
        return out
