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
from .scoring import score

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


NA_REASONS = {
    "readiness": [
        "The unit neither buys nor builds AI systems; the central IT department does.",
        "No AI system of this unit processes personal data.",
        "This unit has no contact with the public.",
    ],
    "risk": [
        "The system holds no personal data: it reads only vehicle plates on motorways.",
        "Nobody outside the agency deals with the system.",
        "No AI-specific law applies in this jurisdiction.",
        "The system cannot be used covertly: it runs only on seized devices.",
    ],
    "action": [
        "The system drafts no text.",
        "No one outside the agency deals with the system.",
        "No distressing material is handled.",
    ],
}
# level rank -> the role that may accept it, and people in that role
ACCEPTING_ROLES = {3: "senior_owner", 4: "chief_officer"}
ACCEPTORS = {3: ["Supt. R. Haddad", "Ch. Supt. A. Novak"], 4: ["Chief Constable M. Reyes"]}


@dataclass(frozen=True)
class Profile:
    maturity: float = 0.5  # 0 = nothing in place, 1 = advanced everywhere
    risk: float = 0.5  # 0 = benign system, 1 = high-stakes system
    diligence: float = 0.8  # how completely and carefully the respondent fills it in
    bias: tuple[tuple[str, float], ...] = ()  # (section id, offset): an agency's weak spots
    stage: str = ""  # the system's current life-cycle stage ("" = from its maturity)


def random_profile(rng: random.Random) -> Profile:
    return Profile(rng.betavariate(2, 2), rng.betavariate(2, 2), rng.uniform(0.7, 1.0))


def answers_for(
    qn: Questionnaire, rng: random.Random, profile: Profile | None = None, today: date | None = None
) -> dict[str, Any]:
    """A complete, valid answer set, shaped by the profile."""
    p = profile or random_profile(rng)
    today = today or date.today()
    out: dict[str, Any] = {}
    stage = _stage(qn, rng, p)
    acceptance = {qn.setting(f"acceptance_{k}") for k in ("by", "role", "date", "level")}
    for q in qn.questions:
        if q.type == "scale":
            out |= _maturity(qn, q, rng, p)
        elif q.type == "risk":
            out |= _risk(qn, q, rng, p)
        elif q.type == "check":
            out |= _check(qn, q, rng, p, today, stage)
        elif q.type == "log":
            out |= _log(qn, q, rng, today, stage)
        elif q.id in acceptance:
            continue
        else:
            for f in q.fields:
                out[q.input_name(f)] = _simple(qn, q, f.kind, f.scale_id, rng, today, p, stage)
    return out | _acceptance(qn, out, rng, today)


def revise(
    qn: Questionnaire,
    carried: dict[str, Any],
    rng: random.Random,
    profile: Profile,
    today: date,
    keep: float = 0.7,
    renew: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """A respondent's answers in the next round, from the workbook pre-filled with last
    round's: each question's carried answer is kept with probability `keep`, else answered
    afresh for the profile as it is now (always, in the sections `renew` names: what the
    respondent has looked at again); the life-cycle stage and anything not carried (the
    date the form is filled in, items now due) are answered afresh, and the acceptance is
    recorded again for the residual risk the answers now give."""
    fresh = answers_for(qn, rng, profile, today)
    acceptance = {qn.setting(f"acceptance_{k}") for k in ("by", "role", "date", "level")}
    out: dict[str, Any] = {}
    for q in qn.questions:
        if q.id in acceptance:
            continue
        names = [q.input_name(f) for f in q.fields]
        mine = {n: carried[n] for n in names if carried.get(n) not in (None, "")}
        lifecycle = any(f.scale_id == "lifecycle" for f in q.fields) and q.type != "log"
        if mine and not lifecycle and q.section_id not in renew and rng.random() < keep:
            out |= mine
        else:
            out |= {n: fresh[n] for n in names if n in fresh}
    return out | _acceptance(qn, out, rng, today)


def _stage(qn: Questionnaire, rng: random.Random, p: Profile) -> int:
    """The position of the system's current stage: mature units run systems further on."""
    if not qn.stage_order:
        return 0
    if p.stage in qn.stage_order:
        return qn.stage_order.index(p.stage)
    return max(0, min(len(qn.stage_order) - 2, round(p.maturity * 3 + rng.uniform(-1, 1))))


def _acceptance(
    qn: Questionnaire, answers: dict[str, Any], rng: random.Random, today: date
) -> dict[str, Any]:
    """Who accepted a High or Extremely high residual risk, in a role allowed to."""
    names = {
        k: qn.field_names.get((qn.setting(f"acceptance_{k}"), ""), "")
        for k in ("by", "role", "date", "level")
    }
    if not all(names.values()):
        return {}
    top = score(qn, answers, today).get("highest_residual")
    rank = qn.levels_by_id[str(top)].rank if top in qn.levels_by_id else 0
    if rank not in ACCEPTING_ROLES:
        return {}
    return {
        names["by"]: rng.choice(ACCEPTORS[rank]),
        names["role"]: ACCEPTING_ROLES[rank],
        names["date"]: today - timedelta(days=rng.randint(1, 30)),
        names["level"]: top,
    }


def _pick(scale_codes: list[str], position: float) -> str:
    return scale_codes[max(0, min(len(scale_codes) - 1, round(position * (len(scale_codes) - 1))))]


def _maturity(qn: Questionnaire, q: Question, rng: random.Random, p: Profile) -> dict[str, Any]:
    scale = qn.scales[q.scale_id or ""]
    levels = [c.code for c in scale.choices if c.points is not None and c.code != "dont_know"]
    answer, comment = q.input_name(q.fields[0]), q.input_name(q.field("comment"))
    roll = rng.random()
    if scale.na_codes and roll < 0.04:
        return {answer: scale.na_codes[0], comment: rng.choice(NA_REASONS["readiness"])}
    if "dont_know" in scale.codes and roll < 0.07:
        return {answer: "dont_know"}
    offset = dict(p.bias).get(q.section_id, 0.0)
    out = {answer: _pick(levels, rng.gauss(p.maturity + offset, 0.2))}
    if rng.random() < p.diligence * 0.5:
        out[comment] = (
            f"See {rng.choice(['policy', 'register', 'minutes'])} {rng.randint(1, 99):02d}"
        )
    return out


def _risk(qn: Questionnaire, q: Question, rng: random.Random, p: Profile) -> dict[str, Any]:
    scale = qn.scales["likelihood"]
    lik = list(scale.rated_codes)
    imp = list(qn.scales["impact"].rated_codes)

    def name(key: str) -> str:
        return q.input_name(q.field(key))

    if scale.na_codes and rng.random() < 0.05:
        return {name("likelihood"): scale.na_codes[0], name("note"): rng.choice(NA_REASONS["risk"])}
    # Most items of a benign system are rated low; a high-stakes one has a tail of severe items.
    lpos, ipos = rng.gauss(0.1 + p.risk * 0.45, 0.2), rng.gauss(0.15 + p.risk * 0.5, 0.22)
    out: dict[str, Any] = {name("likelihood"): _pick(lik, lpos), name("impact"): _pick(imp, ipos)}
    if lpos + ipos > 0.9 or rng.random() < 0.25:
        in_place = rng.random() < 0.3 + 0.5 * p.diligence * (1 - p.risk)
        out |= {
            name("mitigation"): rng.choice(MITIGATIONS),
            name("mitigation_status"): "in_place" if in_place else "planned",
            name("owner"): rng.choice(OWNERS),
            name("due"): date.today() + timedelta(days=rng.randint(-60 if in_place else 10, 200)),
        }
        # a realistic residual: lower where the mitigation works, never above the inherent
        out[name("residual_likelihood")] = _pick(lik, min(lpos, lpos - 0.35))
        out[name("residual_impact")] = _pick(imp, min(ipos, ipos - rng.choice((0, 0.3))))
    return out


def _check(
    qn: Questionnaire, q: Question, rng: random.Random, p: Profile, today: date, stage: int
) -> dict[str, Any]:
    position = qn.stage_order.index(q.section_id) if q.section_id in qn.stage_order else 0
    if position > stage:  # a later stage: not yet due, usually left blank
        return {} if rng.random() < 0.8 else {q.input_name(q.field("status")): "not_started"}
    roll = rng.random()
    # the current stage is under way; earlier stages are mostly finished
    done_share = (0.25 + 0.5 * p.maturity) if position == stage else 0.75 + 0.2 * p.maturity
    status = (
        "done"
        if roll < done_share
        else ("in_progress" if roll < 0.9 else ("na" if roll < 0.95 else "not_started"))
    )
    out: dict[str, Any] = {q.input_name(q.field("status")): status}
    if status == "na":
        out[q.input_name(q.field("notes"))] = rng.choice(NA_REASONS["action"])
        return out
    if status in ("done", "in_progress") or rng.random() < 0.5:
        out[q.input_name(q.field("owner"))] = rng.choice(OWNERS)
        out[q.input_name(q.field("due"))] = today + timedelta(days=rng.randint(-45, 240))
    if status == "done" and rng.random() < p.diligence:
        out[q.input_name(q.field("evidence"))] = (
            f"DOC-{rng.randint(2024, 2026)}/{rng.randint(1, 999):03d}"
        )
    return out


# The decision that closes each life-cycle stage, and one that may interrupt it.
DECISIONS = {
    "planning": "Proceed to procurement",
    "design": "Contract awarded; build and test with local data",
    "deployment": "Go-live approved in one district",
    "use": "Continue use after the annual review",
    "evaluation": "Continue, with the operating procedure revised",
}
PAUSE = "Pause pending an independent bias test"


def _log(
    qn: Questionnaire, q: Question, rng: random.Random, today: date, stage: int
) -> dict[str, Any]:
    """One decision per stage reached so far, oldest first, a few months apart."""
    out: dict[str, Any] = {}
    stages = [c.code for c in qn.scales["lifecycle"].choices][: stage + 1]
    when = today - timedelta(days=rng.randint(60, 120) * len(stages))
    for n, code in enumerate(stages, start=1):

        def name(key: str, n: int = n) -> str:
            return q.input_name(q.field(f"{n:02d}_{key}"))

        when += timedelta(days=rng.randint(40, 110))
        out[name("date")] = min(when, today)
        out[name("stage")] = code
        out[name("decision")] = PAUSE if rng.random() < 0.1 else DECISIONS.get(code, "Proceed")
        out[name("decided_by")] = rng.choice(ACCEPTORS[3] + ACCEPTORS[4])
        out[name("rationale")] = rng.choice(
            ["Board minutes of the month", "Legal advice and impact assessment", "Pilot results"]
        )
        if "risk_level" in qn.scales:
            out[name("risk_level")] = rng.choice(["medium", "high", "high", "extreme"])
            if rng.random() < 0.4:
                out[name("conditions")] = "Limited to one district until the review"
            out[name("next_review")] = out[name("date")] + timedelta(days=180)
    return out


def _simple(
    qn: Questionnaire,
    q: Question,
    kind: str,
    scale_id: str | None,
    rng: random.Random,
    today: date,
    p: Profile,
    stage: int,
) -> Any:
    if scale_id == "lifecycle" and qn.stage_order:  # the stage the system is at now
        return qn.stage_order[stage]
    if q.id == qn.setting("applicability_general"):
        return "no"  # the agency's systems are built or configured for policing
    if q.id == qn.setting("applicability_core_function"):
        return "yes" if p.risk > 0.2 else "no"
    if q.id == qn.setting("applicability_other_effects"):
        return "yes" if p.risk > 0.5 else "no"
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
