"""The risk rules as Excel formulas: levels from the likelihood x impact matrix (the residual
is the inherent level unless a described mitigation and a full residual rating say otherwise),
counts, highest levels, the applicability test with its screening, and the risk acceptance."""

from __future__ import annotations

from ..model import Metric, Question
from ..scoring import INCOMPLETE, NOT_APPLICABLE, YES, label_key
from .layout import (
    LEVEL_LABELS,
    LEVEL_RANKS,
    MATRIX,
    MATRIX_COLS,
    MATRIX_ROWS,
    list_name,
    points_name,
)
from .references import References, quote


class RiskFormulas(References):
    """Levels, counts, highest levels, applicability, acceptance and the Attention column."""

    def _matrix_rank(self, q: Question, prefix: str, here: str) -> str:
        lik = self.input(q, prefix + "likelihood", here)
        imp = self.input(q, prefix + "impact", here)
        level = f"INDEX({MATRIX},MATCH({lik},{MATRIX_ROWS},0),MATCH({imp},{MATRIX_COLS},0))"
        return f"IFERROR(INDEX({LEVEL_RANKS},MATCH({level},{LEVEL_LABELS},0)),0)"

    def h_rank_inherent(self, q: Question, here: str) -> str:
        return f"IF({self.is_na(q, here)},0,{self._matrix_rank(q, '', here)})"

    def _reduced(self, q: Question, here: str, in_place: bool) -> str:
        inherent = self.helper(q, "rank_inherent", here)
        residual = self._matrix_rank(q, "residual_", here)
        tests = [f"{inherent}>0", self.given(q, "mitigation", here), f"{residual}>0"]
        if in_place:
            tests.append(
                f"{self.input(q, 'mitigation_status', here)}"
                f"={self.label('mitigation_status', 'in_place')}"
            )
        return f"IF(AND({','.join(tests)}),{residual},{inherent})"

    def h_rank_residual(self, q: Question, here: str) -> str:
        return self._reduced(q, here, in_place=False)

    def h_rank_in_place(self, q: Question, here: str) -> str:
        return self._reduced(q, here, in_place=True)

    def _level_of(self, rank: str) -> str:
        return f"INDEX({LEVEL_LABELS},MATCH({rank},{LEVEL_RANKS},0))"

    def _na_label(self) -> str:
        return self.setting(label_key("", NOT_APPLICABLE))

    def risk_level(self, m: Metric, here: str) -> str:
        q = self.scope(m)[0]
        rank = self.helper(q, f"rank_{m.rule.param}", here)
        return (
            f"IF({self.helper(q, 'na', here)}=1,{self._na_label()},"
            f'IF({rank}=0,"",{self._level_of(rank)}))'
        )

    def level_count(self, m: Metric, here: str) -> str:
        rank = self.qn.levels_by_id[m.scope_id or ""].rank
        runs = self.runs(self.qn.scored_questions(), f"rank_{m.rule.param}", here)
        return "+".join(f"SUMPRODUCT(--({r}={rank}))" for r in runs)

    def rated_count(self, m: Metric, here: str) -> str:
        runs = self.runs(self.scope(m), "rank_inherent", here)
        return "+".join(f"SUMPRODUCT(--({r}>0))" for r in runs) or "0"

    def mitigated_count(self, m: Metric, here: str) -> str:
        """Items lowered by a mitigation; with `planned`, those lowered only by one not yet
        in place (their in-place-only rank is above their residual rank)."""
        qs = self.scope(m)
        low, high = (
            ("rank_in_place", "rank_residual")
            if m.rule.param == "planned"
            else (
                "rank_inherent",
                "rank_residual",
            )
        )
        pairs = zip(self.runs(qs, high, here), self.runs(qs, low, here), strict=True)
        return "+".join(f"SUMPRODUCT(--({a}<{b}))" for a, b in pairs) or "0"

    def _max(self, qs: list[Question], which: str, here: str) -> str:
        return f"MAX({','.join(self.runs(qs, f'rank_{which}', here))})"

    def _pending(self, qs: list[Question], here: str) -> str:
        return f"{self.total(qs, 'pending', here)}>0"

    def highest_level(self, m: Metric, here: str) -> str:
        qs = self.scope(m)
        top = self._max(qs, m.rule.param, here)
        return (
            f"IF({self._pending(qs, here)},{self.setting(label_key('', INCOMPLETE))},"
            f'IF({top}=0,IF({self.total(qs, "na", here)}>0,{self._na_label()},""),'
            f"{self._level_of(top)}))"
        )

    def _risk_found(self, qs: list[Question], level_id: str, here: str) -> str:
        top = self._max(qs, "inherent", here)
        rank = self.qn.levels_by_id[level_id].rank
        key = "risk_at_or_above"
        yes, no, inc = (self.setting(label_key(key, c)) for c in (YES, "no", INCOMPLETE))
        return f'IF({top}>={rank},{yes},IF({self._pending(qs, here)},{inc},IF({top}=0,"",{no})))'

    def risk_at_or_above(self, m: Metric, here: str) -> str:
        return self._risk_found(self.scope(m), m.rule.param, here)

    def applicability(self, m: Metric, here: str) -> str:
        yes, no = self.label("yes_no", "yes"), self.label("yes_no", "no")
        core = self.setting_input("applicability_core_function", here)
        other = self.setting_input("applicability_other_effects", here)
        found = self._risk_found(self.scope(m), m.rule.param, here)
        said = {c: self.setting(label_key("risk_at_or_above", c)) for c in (YES, "no")}
        conclusion = {
            c: self.setting(label_key("applicability", c))
            for c in ("full", "screened", "core", INCOMPLETE)
        }
        screened = self.screened(here)
        rest = (
            f"IF(AND({core}={no},{found}={said['no']},{other}={no}),"
            f"{conclusion['core']},{conclusion[INCOMPLETE]})"
        )
        if screened:
            rest = f"IF({screened},{conclusion['screened']},{rest})"
        return f"IF(OR({core}={yes},{found}={said[YES]},{other}={yes}),{conclusion['full']},{rest})"

    def _record_gap(self, rank: str, here: str) -> str:
        """TRUE when the acceptance record does not cover a residual level of `rank`."""
        parts = {
            k: self.setting_question(f"acceptance_{k}") for k in ("by", "role", "date", "level")
        }
        missing = [f"NOT({self.given(q, '', here)})" for q in parts.values() if q]
        for key in ("role", "level"):
            q = parts[key]
            if q is not None:
                missing.append(f"{self._choice_points(q, here)}<{rank}")
        return f"OR({','.join(missing)})"

    def _choice_points(self, q: Question, here: str) -> str:
        scale = q.scale_id or ""
        return (
            f"IFERROR(INDEX({points_name(scale)},MATCH({self.input(q, '', here)},"
            f"{list_name(scale)},0)),0)"
        )

    def acceptance(self, m: Metric, here: str) -> str:
        qs = self.scope(m)
        top = self._max(qs, "residual", here)
        needed = self.qn.levels_by_id[m.rule.param].rank
        words = {c: self.setting(label_key("acceptance", c)) for c in (INCOMPLETE, "accepted")}
        gaps = self._gap_words(top, here)
        return (
            f"IF({self._pending(qs, here)},{words[INCOMPLETE]},"
            f'IF({top}<{needed},"",{gaps.format(ok=words["accepted"])}))'
        )

    def _gap_words(self, rank: str, here: str) -> str:
        """Why the record does not cover `rank`, in words (a template with {ok})."""
        parts = {
            k: self.setting_question(f"acceptance_{k}") for k in ("by", "role", "date", "level")
        }
        missing = ",".join(f"NOT({self.given(q, '', here)})" for q in parts.values() if q)
        role, level = parts["role"], parts["level"]
        assert role is not None and level is not None
        word = {
            c: self.setting(label_key("acceptance", c))
            for c in ("missing", "role_too_low", "level_too_low")
        }
        return (
            f"IF(OR({missing}),{word['missing']},"
            f"IF({self._choice_points(role, here)}<{rank},{word['role_too_low']},"
            f"IF({self._choice_points(level, here)}<{rank},{word['level_too_low']},{{ok}})))"
        )

    def risk_attention(self, q: Question, here: str) -> str:
        inherent, residual = (self.helper(q, k, here) for k in ("rank_inherent", "rank_residual"))
        lik, imp = self.valid(q, "likelihood", here), self.valid(q, "impact", here)
        res_lik, res_imp = (
            self.valid(q, "residual_likelihood", here),
            self.valid(q, "residual_impact", here),
        )
        na = f"{self.helper(q, 'na', here)}=1"
        flags = {
            "likelihood": f"AND({imp},NOT({lik}))",
            "impact": f"AND({lik},NOT({na}),NOT({imp}))",
            "reason": f"AND({na},NOT({self.given(q, 'note', here)}))",
            "mitigation": f"AND(OR({res_lik},{res_imp}),NOT({self.given(q, 'mitigation', here)}))",
            "residual": f"{res_lik}<>{res_imp}",
            "above": f"{residual}>{inherent}",
        }
        accept_from = self.qn.levels_by_id.get(self.qn.acceptance_level)
        if accept_from is not None:
            flags["acceptance"] = (
                f"AND({residual}>={accept_from.rank},{self._record_gap(residual, here)})"
            )
        return self.first_flag(flags)


__all__ = ["RiskFormulas", "quote"]
