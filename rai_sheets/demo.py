"""The whole pipeline on built-in example data: a fictional agency, its round, its mistakes.

Northshire Police (fictional) has thirteen units and nine AI systems. Every unit is sent its
workbooks; simulated respondents answer with varied, realistic patterns, and a few make the
usual mistakes: an out-of-list paste, a missing answer, a return made from last year's
template, a file damaged in transit, a unit that answers twice, one that never answers, and a
note that slips into the inbox. Then validation and consolidation, as a coordinator would run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from . import api
from .content.load import load_questionnaire
from .model import Questionnaire, Unit
from .simulate import Profile, answers_for
from .workbook.generator import WorkbookSpec, write_workbook

ROUND = "2026Q4"
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
# Systems whose life-cycle stage the story fixes: social-media monitoring is still being planned.
STAGES = {"S-OSINT": "planning", "S-FACE": "use", "S-ANPR": "use"}
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
    )
    write_roster(res.roster)
    api.generate(None, units=res.roster, round_id=ROUND, out_dir=res.sent)
    res.returns.mkdir(parents=True, exist_ok=True)
    contents = {q: load_questionnaire(q) for q in ("readiness", "risk", "action")}
    now = datetime.now().replace(microsecond=0)
    maturity = {uid: m for uid, _n, m, _s in AGENCY}
    risk = {sid: r for *_x, systems in AGENCY for sid, _sn, r in systems}
    for uid, name, _m, systems in AGENCY:
        unit = Unit(uid, name, language="fr" if uid == "U12" else "")
        if uid != "U13":  # Custody and Detention never answers
            _answer(
                res,
                contents["readiness"],
                unit,
                rng,
                Profile(maturity[uid], 0.5, 0.9, AGENCY_BIAS),
                now - timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8)),
            )
        for sid, sname, _r in systems:
            sysunit = replace(unit, system_id=sid, system_name=sname)
            stage = STAGES.get(sid, "")
            p = Profile(maturity[uid], risk[sid], rng.uniform(0.75, 1.0), stage=stage)
            if sid != "S-OSINT":  # the intelligence bureau has not assessed its system yet
                _answer(
                    res, contents["risk"], sysunit, rng, p, now - timedelta(days=rng.randint(1, 12))
                )
            _answer(
                res, contents["action"], sysunit, rng, p, now - timedelta(days=rng.randint(1, 12))
            )
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
        progress=progress,
    )
    api.write_issue_report(result.report, res.issues)
    api.write_feedback(result.report, res.feedback)
    res.data, res.report = result.data, result
    return res


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
    path = _path(res, qn.id, unit)
    spec = WorkbookSpec(
        qn,
        unit,
        ROUND,
        unit.language or "en",
        answers=answers,
        generated_at=saved,
        today=saved.date(),
    )
    with path.open("wb") as fh:
        write_workbook(spec, fh)
    return path


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
        Profile(0.6, 0.9, 1.0),
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
    _answer(res, old, unit, rng, Profile(0.35, 0.55, 0.8), now - timedelta(days=20))
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
    _answer(res, risk, face, rng, Profile(0.55, 0.95, 1.0), now - timedelta(hours=5))
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
        Profile(0.8, 0.35, 1.0),
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
    _answer(res, risk, hotspot, rng, Profile(0.3, 0.8, 0.9), now - timedelta(days=2), **accepted)
