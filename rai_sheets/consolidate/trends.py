"""Change over rounds, as pure functions over the history: readiness per dimension and unit
against the previous round and the agency's target, each AI system's risk levels per round and
life-cycle stage, action items overdue round after round, and sentences about what changed.

Everything here takes the frames read from the history store (`trend_data.py`) and the
content, and returns frames and sentences, in the summary's language; the Trends sheet
(`trends_sheet.py`) writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..content.checks import readiness_target
from ..i18n import joined, text
from ..model import DEFAULT_LANGUAGE, Questionnaire
from ..scoring import band_of
from .trend_data import TrendData

OVERALL = "overall"
Finding = tuple[int, str]  # (priority, sentence), as findings.py ranks them


@dataclass
class Trends:
    rounds: list[str]  # every round held, oldest first
    current: str
    previous: str = ""  # the readiness round before the current one
    dimensions: pd.DataFrame = field(default_factory=pd.DataFrame)
    medians: pd.DataFrame = field(default_factory=pd.DataFrame)  # dimension x round
    units: pd.DataFrame = field(default_factory=pd.DataFrame)
    systems: pd.DataFrame = field(default_factory=pd.DataFrame)
    rose: pd.DataFrame = field(default_factory=pd.DataFrame)
    overdue_again: pd.DataFrame = field(default_factory=pd.DataFrame)
    overdue_previous: str = ""  # the round the overdue items are compared with
    findings: list[Finding] = field(default_factory=list)
    lang: str = DEFAULT_LANGUAGE  # of every label and sentence

    def t(self, key: str, **params: Any) -> str:
        return text(key, self.lang, **params)


def compute_trends(
    data: TrendData,
    contents: dict[str, Questionnaire],
    current: str,
    lang: str = DEFAULT_LANGUAGE,
) -> Trends:
    t = Trends(data.rounds, current, lang=lang)
    if "readiness" in contents:
        _readiness(t, data, contents["readiness"])
    if "risk" in contents:
        _systems(t, data, contents["risk"])
    if "action" in contents:
        _overdue(t, data, contents["action"])
    return t


def previous_round(data: TrendData, current: str, questionnaire: str) -> str:
    """The latest round before `current` that holds returns of this questionnaire."""
    if current not in data.rounds:
        return ""
    earlier = data.rounds[: data.rounds.index(current)]
    held = [r for r in earlier if data.returns.get(r, {}).get(questionnaire)]
    return held[-1] if held else ""


def change_words(before: float | None, now: float | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """'up 6 pts', 'down 1 pt', 'same', or 'new' when there is nothing to compare with."""
    if now is None or pd.isna(now):
        return ""
    if before is None or pd.isna(before):
        return text("trends.new", lang)
    points = round(abs(now - before) * 100)
    if points == 0:
        return text("trends.same", lang)
    way = "up" if now > before else "down"
    return text(f"trends.{way}_one", lang) if points == 1 else text(f"trends.{way}", lang, n=points)


def _band_label(qn: Questionnaire, value: float | None, lang: str) -> str:
    band = band_of(qn, None if value is None or pd.isna(value) else value)
    return next((b.label.get(lang) for b in qn.bands if b.id == band), "")


def _band_rank(qn: Questionnaire, value: float | None) -> int:
    band = band_of(qn, None if value is None or pd.isna(value) else value)
    return next((i for i, b in enumerate(qn.bands) if b.id == band), -1)


def _target(qn: Questionnaire, dimension_id: str, lang: str) -> tuple[str, float | None]:
    band_id = readiness_target(qn, "" if dimension_id == OVERALL else dimension_id)
    band = next((b for b in qn.bands if b.id == band_id), None)
    return (band.label.get(lang), band.min_fraction) if band else ("", None)


def _dimension_label(qn: Questionnaire, dimension_id: str, lang: str) -> str:
    if dimension_id == OVERALL:
        return text("summary.overall", lang)
    return qn.scope_label("each:section", dimension_id, lang)


# Readiness ---------------------------------------------------------------------------------
def _readiness(t: Trends, data: TrendData, qn: Questionnaire) -> None:
    frame = data.readiness
    dims = [*qn.scope_ids("each:section"), OVERALL]
    t.previous = previous_round(data, t.current, "readiness")
    held = [r for r in data.rounds if data.returns.get(r, {}).get("readiness")]
    medians: dict[Any, float] = (
        frame.groupby(["dimension_id", "round_id"])["percent"].median().to_dict()
        if len(frame)
        else {}
    )
    rows = []
    for d in dims:
        row: dict[str, Any] = {"dimension_id": d, "dimension": _dimension_label(qn, d, t.lang)}
        for r in held:
            row[r] = medians.get((d, r))
        rows.append(row)
    t.medians = pd.DataFrame(rows, columns=["dimension_id", "dimension", *held])
    summary = []
    for row in rows:
        before, now = row.get(t.previous), row.get(t.current)
        label, fraction = _target(qn, row["dimension_id"], t.lang)
        summary.append(
            {
                "dimension_id": row["dimension_id"],
                "dimension": row["dimension"],
                "previous": before,
                "current": now,
                "band": _band_label(qn, now, t.lang),
                "change": change_words(before, now, t.lang),
                "target": label,
                "against_target": _against(now, fraction, t.lang),
                "below": _below(now, fraction),
            }
        )
    t.dimensions = pd.DataFrame(summary)
    t.units = _units(t, frame, qn, dims)
    t.findings += _readiness_findings(t, frame, qn, dims)


def _below(now: float | None, target: float | None) -> bool:
    return not (target is None or now is None or pd.isna(now)) and now + 1e-9 < target


def _against(now: float | None, target: float | None, lang: str) -> str:
    if target is None or now is None or pd.isna(now):
        return ""
    short = round((target - now) * 100)
    if not _below(now, target):
        return text("trends.met", lang)
    return text("trends.below_by", lang, n=max(short, 1))


def _units(t: Trends, frame: pd.DataFrame, qn: Questionnaire, dims: list[str]) -> pd.DataFrame:
    """One row per unit of the current round: each dimension's score and its change."""
    now = frame[frame["round_id"] == t.current]
    before = frame[frame["round_id"] == t.previous]
    earlier: dict[tuple[str, str], float] = {
        (str(u), str(d)): float(p)
        for u, d, p in zip(
            before["unit_id"], before["dimension_id"], before["percent"], strict=True
        )
    }
    rows = []
    for unit_id, group in now.groupby("unit_id", sort=False):
        scores: dict[str, float] = {
            str(d): float(p) for d, p in zip(group["dimension_id"], group["percent"], strict=True)
        }
        name = str(group["unit_name"].iloc[0] or unit_id)
        row: dict[str, Any] = {"unit_id": unit_id, "unit": name}
        below = 0
        for d in dims:
            value = scores.get(d)
            was = earlier.get((str(unit_id), d))
            words = change_words(was, value, t.lang)
            row[d] = f"{value:.0%} ({words})" if value is not None else ""
            _, target = _target(qn, d, t.lang)
            below += d != OVERALL and target is not None and value is not None and value < target
        row["below_target"] = below
        row["score"] = scores.get(OVERALL)
        rows.append(row)
    out = pd.DataFrame(rows, columns=["unit_id", "unit", *dims, "below_target", "score"])
    return out.sort_values("score", ascending=False, na_position="last").reset_index(drop=True)


def _readiness_findings(
    t: Trends, frame: pd.DataFrame, qn: Questionnaire, dims: list[str]
) -> list[Finding]:
    out: list[Finding] = []
    if t.previous:
        scores: dict[tuple[str, str, str], float] = {
            (str(r), str(u), str(d)): float(p)
            for r, u, d, p in zip(
                frame["round_id"],
                frame["unit_id"],
                frame["dimension_id"],
                frame["percent"],
                strict=True,
            )
        }
        names = dict(zip(frame["unit_id"], frame["unit_name"], strict=False))
        units = list(dict.fromkeys(u for r, u, _d in scores if r == t.current))
        for d in dims:
            if d == OVERALL:
                continue
            moves = [
                (
                    u,
                    _band_rank(qn, scores[(t.previous, u, d)]),
                    _band_rank(qn, scores[(t.current, u, d)]),
                )
                for u in units
                if (t.previous, u, d) in scores and (t.current, u, d) in scores
            ]
            fell = [m for m in moves if m[2] < m[1]]
            rose = [m for m in moves if m[2] > m[1]]
            if fell:
                out.append((72, _band_sentence(t, qn, d, "fell", fell, names)))
            if rose:
                out.append((30, _band_sentence(t, qn, d, "rose", rose, names)))
    below = (
        t.dimensions[(t.dimensions["dimension_id"] != OVERALL) & t.dimensions["below"]]
        if len(t.dimensions)
        else t.dimensions
    )
    if len(below):
        which = [
            t.t(
                "trends.below_target_item",
                dimension=str(d).lower(),
                score=f"{float(now):.0%}",
                target=str(target).lower(),
            )
            for d, now, target in zip(
                below["dimension"], below["current"], below["target"], strict=True
            )
        ]
        sentence = t.t(
            "trends.below_target", n=len(below), total=len(dims) - 1, dimensions=_first(t, which)
        )
        out.append((45, sentence))
    return out


def _first(t: Trends, parts: list[str], limit: int = 3) -> str:
    """The first few of a list, and how many more."""
    shown = joined(parts[:limit], t.lang)
    more = len(parts) - limit
    return t.t("summary.and_more", names=shown, n=more) if more > 0 else shown


def _band_sentence(
    t: Trends, qn: Questionnaire, d: str, verb: str, moves: list[Any], names: dict[str, str]
) -> str:
    label = _dimension_label(qn, d, t.lang)
    who = [str(names.get(u) or u) for u, *_ in moves]
    n = len(moves)
    units = t.t("finding.units.one") if n == 1 else t.t("finding.units.many", n=n)
    steps = {(m[1], m[2]) for m in moves}
    if len(steps) == 1:
        was, now = next(iter(steps))
        bands = [b.label.get(t.lang).lower() for b in qn.bands]
        how = t.t("trends.from_to", was=bands[was], now=bands[now])
    else:
        how = t.t("trends.by_a_band")
    return t.t(
        f"trends.band_{verb}",
        dimension=label,
        how=how,
        units=units,
        round=t.previous,
        names=_first(t, who),
    )


# AI systems --------------------------------------------------------------------------------
def _level(qn: Questionnaire, level_id: Any, lang: str) -> tuple[str, int]:
    lv = qn.levels_by_id.get(str(level_id)) if level_id is not None else None
    return (lv.label.get(lang), lv.rank) if lv else ("", 0)


def _stage(qn: Questionnaire, code: Any, lang: str) -> str:
    scale = qn.scales.get("lifecycle")
    if scale is None or code is None:
        return str(code or "")
    return next((c.label.get(lang) for c in scale.choices if c.code == code), str(code))


def _systems(t: Trends, data: TrendData, qn: Questionnaire) -> None:
    """Each system's levels at every assessed round and stage, and those whose level rose."""
    order = {r: i for i, r in enumerate(data.rounds)}
    records = data.systems.to_dict("records")  # plain rows: thousands of systems stay quick
    records.sort(key=lambda r: (str(r["system_name"]), str(r["system_id"]), order[r["round_id"]]))
    rows, rose = [], []
    last: dict[str, Any] | None = None
    for r in records:
        if last is not None and last["system_id"] != r["system_id"]:
            last = None
        inherent, i_rank = _level(qn, r["inherent"], t.lang)
        residual, r_rank = _level(qn, r["residual"], t.lang)
        row = {
            "system_id": r["system_id"],
            "system": r["system_name"] or r["system_id"],
            "unit": r["unit_name"],
            "round": r["round_id"],
            "stage": _stage(qn, r["stage"], t.lang),
            "inherent": inherent,
            "residual": residual,
            "i_rank": i_rank,
            "r_rank": r_rank,
            "change": _level_change(t, last, (i_rank, r_rank), (inherent, residual)),
        }
        if r["round_id"] == t.current and last is not None:
            for which, key in (("inherent", "i_rank"), ("residual", "r_rank")):
                if row[key] > last[key]:
                    rose.append(
                        {
                            "system": row["system"],
                            "unit": row["unit"],
                            "which": t.t(f"trends.{which}"),
                            "was": last[which],
                            "now": row[which],
                            "since": last["round"],
                            "stage": row["stage"],
                        }
                    )
        rows.append(row)
        last = row
    t.systems = pd.DataFrame(rows)
    t.rose = pd.DataFrame(rose, columns=["system", "unit", "which", "was", "now", "since", "stage"])
    if len(t.rose):
        t.findings.append((85, _rose_sentence(t, t.rose)))


def _level_change(
    t: Trends, last: dict[str, Any] | None, ranks: tuple[int, int], labels: tuple[str, str]
) -> str:
    if last is None:
        return t.t("trends.first_assessment")
    parts = []
    none = t.t("trends.none")
    for which, rank, now in zip(("inherent", "residual"), ranks, labels, strict=True):
        was_rank = last["i_rank" if which == "inherent" else "r_rank"]
        if rank != was_rank:
            parts.append(
                t.t(
                    f"trends.level_{'rose' if rank > was_rank else 'fell'}",
                    which=t.t(f"trends.{which}"),
                    was=last[which].lower() or none,
                    now=now.lower() or none,
                )
            )
    return joined(parts, t.lang, semicolons=True) or t.t("trends.same_levels")


def _rose_sentence(t: Trends, rose: pd.DataFrame) -> str:
    systems = list(dict.fromkeys(rose["system"]))
    detail = []
    for name in systems:
        part = rose[rose["system"] == name].iloc[0]
        detail.append(
            t.t(
                "trends.rose_detail",
                system=name,
                which=part["which"],
                was=part["was"].lower(),
                now=part["now"].lower(),
                round=part["since"],
                stage=part["stage"].lower() or t.t("trends.unknown_stage"),
            )
        )
    n = len(systems)
    which = "trends.rose.one" if n == 1 else "trends.rose.many"
    return t.t(which, n=n, systems=_first(t, detail))


# Actions -----------------------------------------------------------------------------------
def _overdue(t: Trends, data: TrendData, qn: Questionnaire) -> None:
    """Items overdue now that were already overdue in the previous round's action workbook."""
    before = previous_round(data, t.current, "action")
    t.overdue_previous = before
    columns = ["system", "item", "stage", "text", "since", "rounds"]
    if not before:
        t.overdue_again = pd.DataFrame(columns=columns)
        return
    od = data.overdue
    by_round = {
        r: set(zip(g["system_id"], g["question_id"], strict=True))
        for r, g in od.groupby("round_id")
    }
    names = dict(zip(od["system_id"], od["system_name"], strict=True))
    held = [r for r in data.rounds if data.returns.get(r, {}).get("action")]
    upto = held[: held.index(t.current) + 1] if t.current in held else []
    rows = []
    for sid, qid in sorted(by_round.get(t.current, set()) & by_round.get(before, set())):
        streak = 0
        for r in reversed(upto):
            if (sid, qid) not in by_round.get(r, set()):
                break
            streak += 1
        q = qn.questions_by_id.get(qid)
        rows.append(
            {
                "system": names.get(sid) or sid,
                "item": qid,
                "stage": qn.scope_label("each:section", q.section_id, t.lang) if q else "",
                "text": q.label.get(t.lang) if q else qid,
                "since": upto[len(upto) - streak],
                "rounds": streak,
            }
        )
    t.overdue_again = (
        pd.DataFrame(rows, columns=columns)
        .sort_values(["rounds", "system"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    if rows:
        systems = t.overdue_again["system"].nunique()
        n = len(rows)
        sentence = t.t(
            "trends.overdue_again.one" if n == 1 else "trends.overdue_again.many",
            n=n,
            round=before,
            systems=t.t("finding.systems.one")
            if systems == 1
            else t.t("finding.systems.many", n=systems),
            item=_short(rows[0]["text"]),
            system=rows[0]["system"],
        )
        t.findings.append((62, sentence))


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
