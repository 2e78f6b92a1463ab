"""The five findings that most need attention, in plain sentences generated from the data."""

from __future__ import annotations

import pandas as pd

from ..issues import REJECTED
from .aggregate import LANG, MISSING, Consolidation, band_label


def _names(values: list[str], limit: int = 3) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


Finding = tuple[int, str]  # (priority, sentence)


def findings(c: Consolidation) -> list[str]:
    """Up to five plain sentences, most urgent first, each generated from the data."""
    out = [
        *_risk_findings(c),
        *_coverage_findings(c),
        *_readiness_findings(c),
        *_action_findings(c),
        *(c.trends.findings if c.trends else []),  # what changed since the previous round
    ]
    if not out:
        out.append((0, "No returns have been accepted yet."))
    return [text for _, text in sorted(out, key=lambda t: -t[0])[:5]]


def _risk_findings(c: Consolidation) -> list[Finding]:
    out: list[Finding] = []
    reg = c.register
    if len(reg):
        extreme = reg[reg["rank"] == reg["rank"].max()]
        top_level = extreme.iloc[0]["highest_inherent"]
        if top_level:
            who = [f"{r.system} – {r.unit}" for r in extreme.itertuples()]
            out.append(
                (
                    100,
                    f"{_plural(len(extreme), 'AI system carries', 'AI systems carry')} "
                    f"an inherent risk rated {top_level.lower()}: {_names(who)}.",
                )
            )
        residual_bad = reg[reg["highest_residual"].isin(_top_two_levels(c))]
        if len(residual_bad):
            out.append(
                (
                    80,
                    f"Even with every mitigation described in place, "
                    f"{_plural(len(residual_bad), 'system keeps', 'systems keep')} a "
                    f"high or extremely high residual risk: "
                    f"{_names(list(residual_bad['system']))}.",
                )
            )
        out += _planned_findings(c)
        applies = int(reg["applies"].sum())
        out.append(
            (
                40,
                f"The full toolkit applies to {applies} of "
                f"{_plural(len(reg), 'assessed AI system', 'assessed AI systems')}.",
            )
        )
    return out


def _planned_findings(c: Consolidation) -> list[Finding]:
    """Systems whose residual level is lower only thanks to mitigations still planned."""
    qn = c.contents["risk"]
    rank = {lv.label.get(LANG): lv.rank for lv in qn.levels}
    reg = c.register
    relying = reg[reg["highest_in_place"].map(rank.get) > reg["highest_residual"].map(rank.get)]
    if not len(relying):
        return []
    who = [
        f"{r.system} ({str(r.highest_residual).lower()} planned, "
        f"{str(r.highest_in_place).lower()} today)"
        for r in relying.itertuples()
    ]
    return [
        (
            75,
            f"{_plural(len(relying), 'system owes its', 'systems owe their')} lower residual "
            f"level to mitigations still only planned: {_names(who)}.",
        )
    ]


def _coverage_findings(c: Consolidation) -> list[Finding]:
    out: list[Finding] = []
    missing = c.coverage[c.coverage["status"] == MISSING] if len(c.coverage) else c.coverage
    if len(missing):
        who = sorted({str(r.unit_name or r.unit_id) for r in missing.itertuples()})
        unmatched = [f for f in c.report.files if f.status == REJECTED and not f.questionnaire]
        also = (
            (
                f"; {_plural(len(unmatched), 'unreadable file', 'unreadable files')} could not "
                "be matched to a unit (see Issues)"
            )
            if unmatched
            else ""
        )
        out.append(
            (
                90,
                f"{_plural(len(missing), 'expected return is', 'expected returns are')} "
                f"missing, from {_plural(len(who), 'unit', 'units')}: {_names(who)}{also}.",
            )
        )
    rejected = [f for f in c.report.files if f.status == REJECTED]
    if rejected:
        out.append(
            (
                60,
                f"{_plural(len(rejected), 'returned file was', 'returned files were')} "
                "rejected and must be corrected and sent again (see the Issues sheet).",
            )
        )
    return out


def _readiness_findings(c: Consolidation) -> list[Finding]:
    out: list[Finding] = []
    stats = c.readiness_stats
    if len(stats) and stats["median"].notna().any():
        dims = stats[(stats["dimension_id"] != "overall") & stats["median"].notna()]
        if len(dims):
            weakest = dims.sort_values("median").iloc[0]
            below = c.readiness[below_band(c)] if len(c.readiness) else c.readiness
            text = (
                f"The weakest readiness dimension is {weakest['dimension'].lower()} "
                f"(median {weakest['median']:.0%}, {weakest['band'].lower()})"
            )
            if len(below) and not c.unit_level_hidden:
                text += (
                    f"; {_plural(len(below), 'unit is', 'units are')} below "
                    f"{band_label(c.contents['readiness'], c.below_band).lower()} overall"
                )
            out.append((70, text + "."))
    out += _readiness_flags(c)
    return out


def _readiness_flags(c: Consolidation) -> list[Finding]:
    """Bands held down by a critical statement; dimensions mostly not applicable."""
    out: list[Finding] = []
    r = c.readiness
    if not len(r) or c.unit_level_hidden:
        return out
    capped = r[r["capped"] != ""]
    if len(capped):
        out.append(
            (
                72,
                f"{_plural(len(capped), 'unit has', 'units have')} a critical statement "
                f"(legal basis, impact assessment, human review...) at 0 or 1, which holds the "
                f"overall band down: {_names(list(capped['unit']))}.",
            )
        )
    flagged = r[r["mostly_na"] != ""]
    where = [f"{x.unit} ({str(x.mostly_na).lower()})" for x in flagged.itertuples()]
    if len(flagged):
        out.append(
            (
                55,
                f"{_plural(len(flagged), 'unit marked', 'units marked')} more than a fifth of a "
                f"dimension not applicable: "
                f"{_names(where)}.",
            )
        )
    return out


def _action_findings(c: Consolidation) -> list[Finding]:
    out: list[Finding] = []
    if len(c.overdue):
        worst = c.overdue.iloc[0]
        late = (
            f", the oldest {int(worst['days_late'])} days late ({worst['item']}, {worst['system']})"
            if worst["days_late"] is not None
            else ""
        )
        systems = c.overdue["system"].nunique()
        out.append(
            (
                65,
                f"{_plural(len(c.overdue), 'action item is', 'action items are')} "
                f"overdue across {_plural(systems, 'system', 'systems')}{late}.",
            )
        )
    if len(c.no_evidence):
        out.append(
            (
                50,
                f"{_plural(len(c.no_evidence), 'action item is', 'action items are')} "
                "marked done without any evidence reference.",
            )
        )
    return out


def _top_two_levels(c: Consolidation) -> list[str]:
    qn = c.contents.get("risk")
    if not qn:
        return []
    return [lv.label.get(LANG) for lv in sorted(qn.levels, key=lambda lv: -lv.rank)[:2]]


def below_band(c: Consolidation) -> pd.Series:
    """Readiness rows whose overall band is below the chosen one."""
    qn = c.contents["readiness"]
    order = [b.id for b in qn.bands]
    limit = order.index(c.below_band) if c.below_band in order else 0
    return c.readiness["band_id"].map(lambda b: b in order and order.index(b) < limit)
