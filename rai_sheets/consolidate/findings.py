"""The five findings that most need attention, in plain sentences generated from the data.

Sentences name AI systems, units and items by their names, never by their ids, and come from
the interface catalogue (`i18n.text`) in the summary's language. The AI systems without a valid
risk assessment are always among the five, every one of them named.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..i18n import joined, text
from ..issues import REJECTED
from .aggregate import MISSING, Consolidation, band_label
from .decisions import EARLIER_STAGE

Finding = tuple[int, str]  # (priority, sentence)
NO_VALID_ASSESSMENT = 95  # above every other but a system rated extremely high
NAMED_UNASSESSED = 12  # systems a finding names; the Risk register lists every one


def counted(c: Consolidation, key: str, n: int, **params: Any) -> str:
    """The sentence `key` for a count: its `.one` form for 1, its `.many` form otherwise."""
    return text(f"{key}.{'one' if n == 1 else 'many'}", c.lang, n=n, **params)


def names(c: Consolidation, values: list[str], limit: int = 3) -> str:
    shown = joined(values[:limit], c.lang)
    if len(values) <= limit:
        return shown
    return text("summary.and_more", c.lang, names=shown, n=len(values) - limit)


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
        out.append((0, text("finding.nothing_accepted", c.lang)))
    return [sentence for _, sentence in sorted(out, key=lambda t: -t[0])[:5]]


def why_unassessed(c: Consolidation, row: Any) -> str:
    """Why a system has no valid risk assessment, in a few words."""
    if row.why == EARLIER_STAGE and row.inherent:
        return text(
            "unassessed.earlier_stage_levels",
            c.lang,
            then=row.assessed_at,
            now=row.now_at,
            inherent=row.inherent,
            residual=row.residual,
        )
    if row.why == EARLIER_STAGE:
        return text("unassessed.earlier_stage", c.lang, then=row.assessed_at, now=row.now_at)
    return text(f"unassessed.{row.why}", c.lang)


def unassessed_entry(c: Consolidation, row: Any) -> str:
    """A system without a valid risk assessment: its name, its unit and why."""
    return text(
        "unassessed.entry", c.lang, system=row.system, unit=row.unit, why=why_unassessed(c, row)
    )


def _unassessed(c: Consolidation) -> list[Finding]:
    """Every AI system without a valid risk assessment, by name: none may be left out. Past a
    dozen, the sentence names the first and says where all of them are (the Risk register)."""
    u = c.unassessed
    if not len(u):
        return []
    who = [unassessed_entry(c, r) for r in u.head(NAMED_UNASSESSED + 1).itertuples()]
    if len(u) <= NAMED_UNASSESSED:
        sentence = counted(c, "finding.unassessed", len(u), names=joined(who, c.lang))
    else:
        shown = joined(who[:NAMED_UNASSESSED], c.lang)
        more = len(u) - NAMED_UNASSESSED
        sentence = text("finding.unassessed.long", c.lang, n=len(u), names=shown, more=more)
    return [(NO_VALID_ASSESSMENT, sentence)]


def _risk_findings(c: Consolidation) -> list[Finding]:
    out = _unassessed(c)
    reg = c.register
    if not len(reg):
        return out
    extreme = reg[reg["rank"] == reg["rank"].max()]
    top_level = extreme.iloc[0]["highest_inherent"]
    if top_level:
        who = [f"{r.system} – {r.unit}" for r in extreme.itertuples()]
        sentence = counted(
            c, "finding.top_inherent", len(extreme), level=top_level.lower(), names=names(c, who)
        )
        out.append((100, sentence))
    top_two = sorted(c.contents["risk"].levels, key=lambda lv: -lv.rank)[:2]
    residual_bad = reg[reg["residual_rank"] >= min((lv.rank for lv in top_two), default=99)]
    if len(residual_bad):
        bad = names(c, list(residual_bad["system"]))
        out.append((80, counted(c, "finding.high_residual", len(residual_bad), names=bad)))
    out += _planned_findings(c)
    applies = int(reg["applies"].sum())
    out.append((40, counted(c, "finding.applies", len(reg), applies=applies)))
    return out


def _planned_findings(c: Consolidation) -> list[Finding]:
    """Systems whose residual level is lower only thanks to mitigations still planned."""
    qn = c.contents["risk"]
    rank = {lv.label.get(c.lang): lv.rank for lv in qn.levels}
    reg = c.register
    relying = reg[reg["highest_in_place"].map(rank.get) > reg["highest_residual"].map(rank.get)]
    if not len(relying):
        return []
    who = [
        text(
            "finding.planned_detail",
            c.lang,
            system=r.system,
            planned=str(r.highest_residual).lower(),
            today=str(r.highest_in_place).lower(),
        )
        for r in relying.itertuples()
    ]
    return [(75, counted(c, "finding.planned", len(relying), names=names(c, who)))]


def _coverage_findings(c: Consolidation) -> list[Finding]:
    out: list[Finding] = []
    missing = c.coverage[c.coverage["status"] == MISSING] if len(c.coverage) else c.coverage
    if len(missing):
        who = sorted({str(r.unit_name or r.unit_id) for r in missing.itertuples()})
        unmatched = [f for f in c.report.files if f.status == REJECTED and not f.questionnaire]
        also = counted(c, "finding.unmatched", len(unmatched)) if unmatched else ""
        sentence = counted(
            c,
            "finding.missing",
            len(missing),
            units=counted(c, "finding.units", len(who)),
            names=names(c, who),
            also=also,
        )
        out.append((90, sentence))
    rejected = [f for f in c.report.files if f.status == REJECTED]
    if rejected:
        out.append((60, counted(c, "finding.rejected", len(rejected))))
    return out


def _readiness_findings(c: Consolidation) -> list[Finding]:
    out: list[Finding] = []
    stats = c.readiness_stats
    if len(stats) and stats["median"].notna().any():
        dims = stats[(stats["dimension_id"] != "overall") & stats["median"].notna()]
        if len(dims):
            weakest = dims.sort_values("median").iloc[0]
            below = c.readiness[below_band(c)] if len(c.readiness) else c.readiness
            sentence = text(
                "finding.weakest",
                c.lang,
                dimension=weakest["dimension"].lower(),
                median=weakest["median"],
                band=weakest["band"].lower(),
            )
            if len(below) and not c.unit_level_hidden:
                band = band_label(c.contents["readiness"], c.below_band, c.lang).lower()
                sentence += counted(c, "finding.below_band", len(below), band=band)
            out.append((70, sentence + "."))
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
        sentence = counted(c, "finding.capped", len(capped), names=names(c, list(capped["unit"])))
        out.append((72, sentence))
    flagged = r[r["mostly_na"] != ""]
    where = [f"{x.unit} ({str(x.mostly_na).lower()})" for x in flagged.itertuples()]
    if len(flagged):
        out.append((55, counted(c, "finding.mostly_na", len(flagged), names=names(c, where))))
    return out


def _action_findings(c: Consolidation) -> list[Finding]:
    out: list[Finding] = []
    if len(c.overdue):
        worst = c.overdue.iloc[0]
        late = (
            counted(
                c,
                "finding.oldest_late",
                int(worst["days_late"]),
                action=_short(str(worst["text"])),
                system=worst["system"],
            )
            if worst["days_late"] is not None and not pd.isna(worst["days_late"])
            else ""
        )
        systems = counted(c, "finding.systems", int(c.overdue["system"].nunique()))
        sentence = counted(c, "finding.overdue", len(c.overdue), systems=systems, late=late)
        out.append((65, sentence))
    if len(c.no_evidence):
        out.append((50, counted(c, "finding.no_evidence", len(c.no_evidence))))
    return out


def _short(sentence: str, limit: int = 70) -> str:
    """An item's text, cut at a word where it is long, ending with an ellipsis."""
    sentence = sentence.rstrip(".")
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def below_band(c: Consolidation) -> pd.Series:
    """Readiness rows whose overall band is below the chosen one."""
    qn = c.contents["readiness"]
    order = [b.id for b in qn.bands]
    limit = order.index(c.below_band) if c.below_band in order else 0
    return c.readiness["band_id"].map(lambda b: b in order and order.index(b) < limit)
