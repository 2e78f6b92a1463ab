"""Simulated respondents, for the demo, the tests and the benchmarks.

A respondent has a profile (how mature their unit is, how careful they are) and answers every
question the way such a unit plausibly would: mature units score high with few N/A; risky
systems get high likelihoods where it matters; diligent teams record evidence. Answers are
codes, dates and text, ready for `WorkbookSpec(answers=...)`, which writes them with the cached
results a spreadsheet application would have saved.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .model import DATE, INTEGER, NUMBER, SELECT, Question, Questionnaire

MITIGATIONS = [
    "Human review of every match by a trained examiner before any action",
    "Quarterly accuracy and bias testing on local data, results to the AI board",
    "Retention limited to 30 days; automatic deletion audited monthly",
    "Data-protection impact assessment updated and signed by the DPO",
    "Public notice on the force website and a complaints route",
    "Access limited to named users; all queries logged and sampled",
    "Vendor contract amended: audit rights and incident notice within 24 hours",
    "Operating procedure forbids action on the output alone",
]
OWNERS = [
    "Insp. Moreau",
    "Sgt. Okafor",
    "A. Lindqvist (legal)",
    "DPO office",
    "CIO team",
    "Supt. Haddad",
    "Innovation unit",
]
SYSTEM_FACTS = {
    "purpose": [
        "Search custody images for possible matches to a suspect's face",
        "Transcribe recorded interviews and emergency calls",
        "Read number plates at fixed cameras and flag vehicles of interest",
        "Triage seized devices by flagging likely abuse material",
        "Forecast burglary hot spots to plan patrols",
        "Draft incident reports from officers' notes",
    ],
    "data_used": [
        "Custody images held under national law; probe images from CCTV",
        "Audio recordings of interviews; vendor speech model",
        "Camera reads of plates; national vehicle database",
        "Images and videos from seized devices; hash lists",
    ],
    "people_affected": [
        "Suspects and members of the public captured on CCTV",
        "Interviewees, callers and officers",
        "All drivers passing the cameras",
    ],
    "vulnerable_groups": [
        "Children and victims whose images may be in the data",
        "Callers in distress; speakers of minority languages",
        "None identified",
    ],
}


@dataclass(frozen=True)
class Profile:
    maturity: float = 0.5  # 0 = nothing in place, 1 = advanced everywhere
    risk: float = 0.5  # 0 = benign system, 1 = high-stakes system
    diligence: float = 0.8  # how completely and carefully the respondent fills it in
    bias: tuple[tuple[str, float], ...] = ()  # (section id, offset): an agency's weak spots


def random_profile(rng: random.Random) -> Profile:
    return Profile(rng.betavariate(2, 2), rng.betavariate(2, 2), rng.uniform(0.7, 1.0))


def answers_for(
    qn: Questionnaire, rng: random.Random, profile: Profile | None = None, today: date | None = None
) -> dict[str, Any]:
    """A complete, valid answer set, shaped by the profile."""
    p = profile or random_profile(rng)
    today = today or date.today()
    out: dict[str, Any] = {}
    for q in qn.questions:
        if q.type == "scale":
            out[q.input_name(q.fields[0])] = _maturity(qn, q, rng, p)
        elif q.type == "risk":
            out |= _risk(qn, q, rng, p)
        elif q.type == "check":
            out |= _check(q, rng, p, today)
        elif q.type == "log":
            out |= _log(qn, q, rng, today)
        else:
            for f in q.fields:
                out[q.input_name(f)] = _simple(qn, q, f.kind, f.scale_id, rng, today)
    return out


def _pick(scale_codes: list[str], position: float) -> str:
    return scale_codes[max(0, min(len(scale_codes) - 1, round(position * (len(scale_codes) - 1))))]


def _maturity(qn: Questionnaire, q: Question, rng: random.Random, p: Profile) -> str:
    scale = qn.scales[q.scale_id or ""]
    rated = [c.code for c in scale.choices if c.points is not None]
    unrated = [c.code for c in scale.choices if c.points is None]
    if unrated and rng.random() < 0.04:
        return unrated[0]
    offset = dict(p.bias).get(q.section_id, 0.0)
    return _pick(rated, rng.gauss(p.maturity + offset, 0.2))


def _risk(qn: Questionnaire, q: Question, rng: random.Random, p: Profile) -> dict[str, Any]:
    lik = [c.code for c in qn.scales["likelihood"].choices if c.points is not None]
    imp = [c.code for c in qn.scales["impact"].choices if c.points is not None]
    # Most items of a benign system are rated low; a high-stakes one has a tail of severe items.
    lpos, ipos = rng.gauss(0.1 + p.risk * 0.45, 0.2), rng.gauss(0.15 + p.risk * 0.5, 0.22)
    out = {
        q.input_name(q.field("likelihood")): _pick(lik, lpos),
        q.input_name(q.field("impact")): _pick(imp, ipos),
    }
    if lpos + ipos > 0.9 or rng.random() < 0.25:
        out[q.input_name(q.field("mitigation"))] = rng.choice(MITIGATIONS)
        out[q.input_name(q.field("residual_likelihood"))] = _pick(lik, lpos - 0.35)
        out[q.input_name(q.field("residual_impact"))] = _pick(imp, ipos - rng.choice((0, 0.3)))
    return out


def _check(q: Question, rng: random.Random, p: Profile, today: date) -> dict[str, Any]:
    roll = rng.random()
    status = (
        "done"
        if roll < 0.25 + 0.5 * p.maturity
        else ("in_progress" if roll < 0.8 else ("na" if roll < 0.85 else "not_started"))
    )
    out: dict[str, Any] = {q.input_name(q.field("status")): status}
    if status in ("done", "in_progress") or rng.random() < 0.5:
        out[q.input_name(q.field("owner"))] = rng.choice(OWNERS)
        out[q.input_name(q.field("due"))] = today + timedelta(days=rng.randint(-45, 240))
    if status == "done" and rng.random() < p.diligence:
        out[q.input_name(q.field("evidence"))] = (
            f"DOC-{rng.randint(2024, 2026)}/{rng.randint(1, 999):03d}"
        )
    return out


def _log(qn: Questionnaire, q: Question, rng: random.Random, today: date) -> dict[str, Any]:
    out: dict[str, Any] = {}
    stages = [c.code for c in qn.scales["lifecycle"].choices]
    for n in range(1, rng.randint(1, 4) + 1):

        def name(key: str, n: int = n) -> str:
            return q.input_name(q.field(f"{n:02d}_{key}"))

        out[name("date")] = today - timedelta(days=rng.randint(10, 400))
        out[name("stage")] = stages[min(n - 1, len(stages) - 1)]
        out[name("decision")] = rng.choice(
            [
                "Proceed to procurement",
                "Approve pilot in one district",
                "Go-live approved",
                "Pause pending bias test",
            ]
        )
        out[name("decided_by")] = rng.choice(OWNERS)
        out[name("rationale")] = "See board minutes"
    return out


def _simple(
    qn: Questionnaire, q: Question, kind: str, scale_id: str | None, rng: random.Random, today: date
) -> Any:
    if kind == SELECT and scale_id:
        return rng.choice([c.code for c in qn.scales[scale_id].choices])
    if kind == DATE:
        return today - timedelta(days=rng.randint(0, 20))
    if kind in (NUMBER, INTEGER):
        return rng.randint(1, 50)
    if q.id in SYSTEM_FACTS:
        return rng.choice(SYSTEM_FACTS[q.id])
    return rng.choice(
        [
            "Insp. J. Rivera (head of unit); M. Chen (legal)",
            "Ch. Supt. Dubois and the innovation team",
            "Working group of four",
        ]
    )
