"""The whole pipeline on built-in example data: a fictional agency, two rounds, their mistakes.

Northshire Police (fictional) has thirteen units and nine AI systems. Last year's round
(2025Q4) is answered and consolidated into the history store. This year's workbooks are sent
pre-filled with those answers; the simulated respondents review them, keep most, change some
(three units found gaps in their data, most made some progress, the report-drafting assistant
took on a riskier use and moved on to deployment, the seized-device triage went live without
a new risk assessment), and a few make the usual mistakes: an out-of-list paste, a missing
answer, a return made from last year's template, a file damaged in transit, a unit that
answers twice, one that never answers, and a note that slips into the inbox. Then validation
and consolidation, as a coordinator would run them, with what changed since last year.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from . import api
from .consolidate.carry import carried_answers
from .content.load import load_questionnaire
from .model import Questionnaire, Unit
from .simulate import Profile, answers_for, revise
from .workbook.generator import WorkbookSpec, write_workbook

ROUND, PREVIOUS = "2026Q4", "2025Q4"
# Where the fictional agency is weaker or stronger than its units' overall maturity.
AGENCY_BIAS = (
    ("lead", 0.12),
    ("gov", 0.05),
    ("data", -0.18),
    ("monitor", -0.22),
    ("community", -0.12),
    ("people", 0.04),
    ("procure", -0.06),
)
DOMAIN = "northshire.police.example"
# Each system's life-cycle stage last year and this year: social-media monitoring is still
# being planned; the report-drafting assistant and the transcription moved on.
STAGES = {
    "S-DRAFT": ("design", "deployment"),
    "S-FACE": ("use", "use"),
    "S-TRIAGE": ("deployment", "use"),
    "S-ANPR": ("use", "use"),
    "S-HOTSPOT": ("use", "use"),
    "S-SPEECH": ("design", "deployment"),
    "S-OSINT": ("planning", "planning"),
    "S-DARA": ("deployment", "use"),
    "S-DOCS": ("use", "use"),
}
PROGRESS = 0.06  # most units' maturity a year on
DATA_GAPS = {"U02", "U04", "U09"}  # units that found gaps in their data this year
RISKIER = {"S-DRAFT": 0.9}  # systems put to a riskier use this year
NOT_REASSESSED = {"S-TRIAGE"}  # live now, but its risk assessment is last year's
# unit id, unit name, maturity, [(system id, system name, risk)]
AGENCY: list[tuple[str, str, float, list[tuple[str, str, float]]]] = [
    ("U01", "Chief Officer's Office", 0.70, []),
    ("U02", "Innovation and Digital Unit", 0.80, [("S-DRAFT", "Report-drafting assistant", 0.35)]),
    (
        "U03",
        "Criminal Investigation Department",
        0.55,
        [("S-FACE", "Custody image search (facial recognition)", 0.95)],
    ),
    ("U04", "Digital Forensics Unit", 0.65, [("S-TRIAGE", "Seized-device triage", 0.7)]),
    ("U05", "Roads Policing", 0.45, [("S-ANPR", "Automatic number-plate recognition", 0.6)]),
    ("U06", "Neighbourhood Policing", 0.30, [("S-HOTSPOT", "Burglary hot-spot forecasting", 0.8)]),
    ("U07", "Contact Centre", 0.50, [("S-SPEECH", "Call and interview transcription", 0.45)]),
    (
        "U08",
        "Intelligence Bureau",
        0.40,
        [("S-OSINT", "Open-source social-media monitoring", 0.85)],
    ),
    ("U09", "Public Protection Unit", 0.60, [("S-DARA", "Domestic-abuse risk triage", 0.9)]),
    ("U10", "Professional Standards", 0.75, []),
    ("U11", "Legal Services", 0.85, []),
    ("U12", "Border and Ports Unit", 0.35, [("S-DOCS", "Travel-document checks", 0.55)]),
    ("U13", "Custody and Detention", 0.25, []),
]


@dataclass
class DemoResult:
    folder: Path
    roster: Path
    sent: Path
    returns: Path
    summary: Path
    issues: Path
    feedback: Path
    history: Path
    previous: Path  # last year's round: its returns and summary
    data: list[Path] = field(default_factory=list)
    report: api.ConsolidationResult | None = None


def write_roster(path: Path) -> Path:
    lines = ["unit_id,unit_name,email,language,system_id,system_name"]
    for uid, name, _m, systems in AGENCY:
        email = f"{name.split()[0].lower().strip(chr(39) + 's')}.{uid.lower()}@{DOMAIN}"
        lang = "fr" if uid == "U12" else ""
        if not systems:
            lines.append(f'{uid},"{name}",{email},{lang},,')
        for sid, sname, _r in systems:
            lines.append(f'{uid},"{name}",{email},{lang},{sid},"{sname}"')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_demo(folder: Path, progress: api.Progress | None = None, seed: int = 2026) -> DemoResult:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    res = DemoResult(
        folder,
        folder / "roster.csv",
        folder / "sent",
        folder / "returns",
        folder / "summary.xlsx",
        folder / "issues.xlsx",
        folder / "feedback",
        folder / "history.sqlite",
        folder / PREVIOUS,
    )
    res.history.unlink(missing_ok=True)  # the demo's two rounds, and nothing else
    write_roster(res.roster)
    contents = {q: load_questionnaire(q) for q in ("readiness", "risk", "action")}
    now = datetime.now().replace(microsecond=0)
    with _workers() as pool:
        _last_year(res, contents, rng, now - timedelta(days=365), pool)
        # This year's workbooks go out pre-filled with last year's accepted answers, written
        # by a worker while the units' replies are written here.
        send = partial(
            api.generate,
            None,
            units=res.roster,
            round_id=ROUND,
            out_dir=res.sent,
            prefill_from=PREVIOUS,
            history=res.history,
            allow_fallback=True,  # fictional units in several languages, whatever the state
        )  # of a translation
        sent = pool.submit(send) if pool else None
        carried = carried_answers(res.history, PREVIOUS, contents, None)
        replies = _this_year(res, contents, carried, rng, now)
        for job in replies:
            write_return(job)
        if sent is None:
            send()
        else:
            sent.result()
    _usual_mistakes(res, contents, rng, now)
    (res.returns / "cover-note.txt").write_text(
        "Please find our returns attached. Regards, Contact Centre\n", encoding="utf-8"
    )
    result = api.consolidate(
        [res.returns],
        units=res.roster,
        output=res.summary,
        data_dir=folder / "data",
        round_id=ROUND,
        history=res.history,
        round_date=now.date(),
        progress=progress,
    )
    api.write_issue_report(result.report, res.issues)
    api.write_feedback(result.report, res.feedback)
    res.data, res.report = result.data, result
    return res


def _systems() -> list[tuple[Unit, float, float]]:
    """(unit with its AI system, unit maturity, system risk) for every AI system."""
    return [
        (Unit(uid, name, language=_lang(uid), system_id=sid, system_name=sname), m, r)
        for uid, name, m, systems in AGENCY
        for sid, sname, r in systems
    ]


def _lang(unit_id: str) -> str:
    return "fr" if unit_id == "U12" else ""


def _last_year(
    res: DemoResult,
    contents: dict[str, Questionnaire],
    rng: random.Random,
    then: datetime,
    pool: ProcessPoolExecutor | None,
) -> None:
    """Last year's round, answered without mistakes by all but two, and consolidated into
    the history store under its own date."""
    returns = res.previous / "returns"
    returns.mkdir(parents=True, exist_ok=True)
    jobs: list[Job] = []
    for uid, name, maturity, _s in AGENCY:
        if uid != "U13":  # Custody and Detention never answers
            p = Profile(maturity, 0.5, 0.9, AGENCY_BIAS)
            saved = then - timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8))
            unit = Unit(uid, name, language=_lang(uid))
            answers = answers_for(contents["readiness"], rng, p, saved.date())
            jobs.append(_job(returns, contents["readiness"], unit, PREVIOUS, answers, saved))
    for unit, maturity, risk in _systems():
        sid = unit.system_id
        p = Profile(maturity, risk, rng.uniform(0.75, 1.0), stage=STAGES[sid][0])
        for qid in ("risk", "action"):
            if qid == "risk" and sid == "S-OSINT":  # not assessed yet
                continue
            saved = then - timedelta(days=rng.randint(1, 12))
            answers = answers_for(contents[qid], rng, p, saved.date())
            jobs.append(_job(returns, contents[qid], unit, PREVIOUS, answers, saved))
    if pool:
        list(pool.map(write_return, jobs))
    else:
        for job in jobs:
            write_return(job)
    api.consolidate(
        [returns],
        units=res.roster,
        output=res.previous / "summary.xlsx",
        round_id=PREVIOUS,
        history=res.history,
        round_date=then.date(),
        today=then.date(),
    )


def _this_year(
    res: DemoResult,
    contents: dict[str, Questionnaire],
    carried: dict[tuple[str, str, str], dict[str, Any]],
    rng: random.Random,
    now: datetime,
) -> list[Job]:
    """Each unit reviews its pre-filled workbook: keeps most answers, changes some."""
    res.returns.mkdir(parents=True, exist_ok=True)
    jobs: list[Job] = []
    for uid, name, maturity, _s in AGENCY:
        if uid == "U13":
            continue
        gaps = uid in DATA_GAPS
        bias = AGENCY_BIAS + ((("data", -0.4),) if gaps else ())
        p = Profile(maturity + PROGRESS, 0.5, 0.9, bias)
        saved = now - timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8))
        old = carried.get(("readiness", uid, ""), {})
        renew = frozenset({"data"} if gaps else ())
        answers = revise(contents["readiness"], old, rng, p, saved.date(), 0.8, renew)
        unit = Unit(uid, name, language=_lang(uid))
        jobs.append(_job(res.returns, contents["readiness"], unit, ROUND, answers, saved, old))
    for unit, maturity, risk in _systems():
        sid = unit.system_id
        for qid in ("risk", "action"):
            if qid == "risk" and sid == "S-OSINT":  # still not assessed
                continue
            redone = not (qid == "risk" and sid in NOT_REASSESSED)
            stage = STAGES[sid][1] if redone else STAGES[sid][0]
            p = Profile(maturity + PROGRESS, RISKIER.get(sid, risk), 0.9, stage=stage)
            saved = now - timedelta(days=rng.randint(1, 12))
            old = carried.get((qid, unit.unit_id, sid), {})
            keep = 0.0 if sid in RISKIER else 0.8 if redone else 1.0
            answers = revise(contents[qid], old, rng, p, saved.date(), keep)
            jobs.append(_job(res.returns, contents[qid], unit, ROUND, answers, saved, old))
    return jobs


Job = tuple[Path, WorkbookSpec]  # a return to write: where, and what


def _job(
    folder: Path,
    qn: Questionnaire,
    unit: Unit,
    round_id: str,
    answers: dict[str, Any],
    saved: datetime,
    carried: dict[str, Any] | None = None,
) -> Job:
    """A unit's return as the spreadsheet saved it; answers left as carried stay marked."""
    path = folder / api.workbook_name(qn.id, unit, round_id)
    kept = frozenset(k for k, v in (carried or {}).items() if answers.get(k) == v)
    spec = WorkbookSpec(
        qn,
        unit,
        round_id,
        unit.language or "en",
        answers=answers,
        generated_at=saved,
        today=saved.date(),
        carried=kept,
        carried_from=PREVIOUS if kept else "",
    )
    return path, spec


def write_return(job: Job) -> Path:
    path, spec = job
    with path.open("wb") as fh:
        write_workbook(spec, fh)
    return path


@contextlib.contextmanager
def _workers() -> Iterator[ProcessPoolExecutor | None]:
    """Two worker processes where the machine has the cores (and can fork), else none: the
    demo is the README's first command and should not keep anyone waiting."""
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool


def _path(res: DemoResult, qid: str, unit: Unit, suffix: str = "") -> Path:
    return res.returns / (
        api.workbook_name(qid, unit, ROUND).removesuffix(".xlsx") + suffix + ".xlsx"
    )


def _answer(
    res: DemoResult,
    qn: Questionnaire,
    unit: Unit,
    rng: random.Random,
    p: Profile,
    saved: datetime,
    **changes: object,
) -> Path:
    answers = {**answers_for(qn, rng, p, saved.date()), **changes}
    return write_return(_job(res.returns, qn, unit, ROUND, answers, saved))


def _usual_mistakes(
    res: DemoResult, contents: dict[str, Questionnaire], rng: random.Random, now: datetime
) -> None:
    readiness, risk, action = contents["readiness"], contents["risk"], contents["action"]
    # Neighbourhood Policing pasted a value from elsewhere past the dropdown
    _answer(
        res,
        readiness,
        Unit("U06", "Neighbourhood Policing"),
        rng,
        Profile(0.3, 0.5, 0.9),
        now - timedelta(days=3),
        in_data_02="Sometimes",
    )
    # Public Protection left one impact unrated
    _answer(
        res,
        risk,
        Unit(
            "U09",
            "Public Protection Unit",
            system_id="S-DARA",
            system_name="Domestic-abuse risk triage",
        ),
        rng,
        Profile(0.6, 0.9, 1.0, stage=STAGES["S-DARA"][1]),
        now - timedelta(days=2),
        in_vulner_1_likelihood="likely",  # rated, so that the blank impact is the mistake
        in_vulner_1_impact=None,
    )
    _wrong_role_accepts(res, risk, rng, now)
    # Border and Ports filled in last year's template
    old = replace(action, version="2025.2")
    unit = Unit(
        "U12",
        "Border and Ports Unit",
        language="fr",
        system_id="S-DOCS",
        system_name="Travel-document checks",
    )
    p = Profile(0.35, 0.55, 0.8, stage=STAGES["S-DOCS"][1])
    _answer(res, old, unit, rng, p, now - timedelta(days=20))
    # Roads Policing's readiness return was cut short by the mail gateway
    path = _path(res, "readiness", Unit("U05", "Roads Policing"))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    # CID sent its facial-recognition risk assessment twice; the later one counts
    face = Unit(
        "U03",
        "Criminal Investigation Department",
        system_id="S-FACE",
        system_name="Custody image search (facial recognition)",
    )
    first = _path(res, "risk", face)
    first.rename(first.with_name(first.stem + "_draft.xlsx"))
    p = Profile(0.55 + PROGRESS, 0.95, 1.0, stage=STAGES["S-FACE"][1])
    _answer(res, risk, face, rng, p, now - timedelta(hours=5))
    # Innovation's notes contain text that a spreadsheet would run as a formula
    _answer(
        res,
        action,
        Unit(
            "U02",
            "Innovation and Digital Unit",
            system_id="S-DRAFT",
            system_name="Report-drafting assistant",
        ),
        rng,
        Profile(0.8, 0.35, 1.0, stage=STAGES["S-DRAFT"][1]),
        now - timedelta(days=1),
        in_plan_1_notes='=HYPERLINK("http://attacker.example","click")',
    )


def _wrong_role_accepts(
    res: DemoResult, risk: Questionnaire, rng: random.Random, now: datetime
) -> None:
    """Neighbourhood Policing had its system owner accept an extremely high residual risk,
    which only the chief officer may accept."""
    hotspot = Unit(
        "U06",
        "Neighbourhood Policing",
        system_id="S-HOTSPOT",
        system_name="Burglary hot-spot forecasting",
    )
    accepted = {
        "in_equal_2_likelihood": "almost_certain",
        "in_equal_2_impact": "severe",
        "in_equal_2_mitigation": None,
        "in_equal_2_residual_likelihood": None,
        "in_equal_2_residual_impact": None,
        "in_accepted_by": "Insp. K. Marsh",
        "in_accepted_role": "system_owner",
        "in_accepted_on": now.date(),
        "in_accepted_level": "extreme",
    }
    p = Profile(0.3, 0.8, 0.9, stage=STAGES["S-HOTSPOT"][1])
    _answer(res, risk, hotspot, rng, p, now - timedelta(days=2), **accepted)
