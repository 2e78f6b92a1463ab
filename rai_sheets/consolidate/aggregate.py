"""Validated returns -> the summary frames that leadership reads.

Pure: takes the validation report (and the roster), returns a `Consolidation` of small pandas
frames and plain sentences. Writing them is report.py's and export.py's job.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import pandas as pd

from ..i18n import joined, text
from ..issues import ACCEPTED, ACCEPTED_WITH_WARNINGS, REJECTED, SKIPPED
from ..model import Questionnaire
from ..returns.report import ValidationReport
from ..returns.returned import ReturnedFile
from ..returns.validation import duplicate_key
from ..scoring import ACCEPTED as ACCEPTED_RISK
from ..scoring import YES, band_of, metric_label, reads_the_date, score, usable_answers
from .decisions import decisions, unassessed
from .risk_items import risk_items
from .trends import Trends

SUPERSEDED, MISSING = "superseded", "missing"
COVERAGE_COLUMNS = (
    "questionnaire",
    "unit_id",
    "unit_name",
    "system_id",
    "system_name",
    "status",
    "file",
    "note",
)
LANG = "en"  # the data files' labels; the summary's are in `Consolidation.lang`


@dataclass
class Consolidation:
    round_id: str
    generated_at: datetime
    contents: dict[str, Questionnaire]
    report: ValidationReport
    kept: list[ReturnedFile]
    superseded: list[ReturnedFile]
    counts: pd.DataFrame
    coverage: pd.DataFrame
    readiness: pd.DataFrame
    readiness_stats: pd.DataFrame
    register: pd.DataFrame
    high_items: pd.DataFrame  # the risk items to act on (risk_items.py)
    actions: pd.DataFrame
    overdue: pd.DataFrame
    no_evidence: pd.DataFrame
    issues: pd.DataFrame
    findings: list[str] = field(default_factory=list)
    trends: Trends | None = None  # change over the rounds in the history store
    min_group: int = 0
    below_band: str = ""
    lang: str = LANG  # the language of the summary's labels
    unassessed: pd.DataFrame = field(default_factory=pd.DataFrame)  # systems, no valid risk
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)  # the decision logs

    def kept_of(self, qid: str) -> list[ReturnedFile]:
        return [f for f in self.kept if f.questionnaire == qid]

    @property
    def unit_level_hidden(self) -> bool:
        return 0 < len(self.kept_of("readiness")) < self.min_group


def consolidate(
    report: ValidationReport,
    contents: dict[str, Questionnaire],
    *,
    round_id: str = "",
    today: date | None = None,
    min_group: int = 0,
    below_band: str = "",
    lang: str = LANG,
) -> Consolidation:
    today = today or date.today()
    usable = [
        f
        for f in report.files
        if f.status in (ACCEPTED, ACCEPTED_WITH_WARNINGS) and f.questionnaire in contents
    ]
    kept_ids = {id(f) for f in report.kept.values()}
    kept = [f for f in usable if id(f) in kept_ids]
    superseded = [f for f in usable if id(f) not in kept_ids]
    for f in kept:  # overdue is judged as of today, as the workbook would show it if opened now
        qn = contents[f.questionnaire]
        if f.scored_on != today and reads_the_date(qn):  # the reader did it, most often
            f.scores, f.scored_on = score(qn, usable_answers(qn, f.answers), today), today
    readiness_qn = contents.get("readiness")
    band = below_band or (
        readiness_qn.bands[len(readiness_qn.bands) // 2].id
        if readiness_qn and readiness_qn.bands
        else ""
    )
    c = Consolidation(
        round_id=round_id,
        generated_at=datetime.now().replace(microsecond=0),
        contents=contents,
        report=report,
        kept=kept,
        superseded=superseded,
        counts=pd.DataFrame(),
        coverage=pd.DataFrame(),
        readiness=pd.DataFrame(),
        readiness_stats=pd.DataFrame(),
        register=pd.DataFrame(),
        high_items=pd.DataFrame(),
        actions=pd.DataFrame(),
        overdue=pd.DataFrame(),
        no_evidence=pd.DataFrame(),
        issues=pd.DataFrame(),
        min_group=min_group,
        below_band=band,
        lang=lang,
    )
    c.coverage = _coverage(c)
    c.counts = _counts(c)
    if readiness_qn:
        c.readiness, c.readiness_stats = _readiness(c, readiness_qn)
    if "risk" in contents:
        c.register, c.high_items = _risk(c, contents["risk"])
        c.unassessed = unassessed(
            report.files, kept, report.roster, contents["risk"], contents.get("action"), lang
        )
    if "action" in contents:
        c.actions, c.overdue, c.no_evidence = _actions(c, contents["action"], today)
        c.decisions = decisions(c.kept_of("action"), contents["action"], lang)
    c.issues = _issues(report)
    return c


def label_of(qn: Questionnaire, scale_id: str, code: Any, lang: str = LANG) -> str:
    if code is None:
        return ""
    try:
        return qn.scales[scale_id].by_code(str(code)).label.get(lang)
    except KeyError:
        return str(code)


def _level(qn: Questionnaire, level_id: Any, lang: str = LANG) -> str:
    return qn.levels_by_id[level_id].label.get(lang) if level_id in qn.levels_by_id else ""


def band_label(qn: Questionnaire, band_id: Any, lang: str = LANG) -> str:
    return next((b.label.get(lang) for b in qn.bands if b.id == band_id), "")


def _who(f: ReturnedFile) -> str:
    return f.unit_name or f.unit_id or text("summary.unknown_unit")


def file_name(f: ReturnedFile) -> str:
    """The file's own name, without the folders the coordinator keeps it in."""
    return PurePath(f.name).name


# Coverage ----------------------------------------------------------------------------------
def _coverage(c: Consolidation) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    files = [f for f in c.report.files if f.status != SKIPPED and f.questionnaire]
    roster = c.report.roster
    # (key, (qid, unit, unit name, system, system name)); keys as validation groups returns
    expected: list[tuple[tuple[str, str, str], tuple[str, str, str, str, str]]] = []
    if roster is not None:
        for qid in c.contents:
            if qid == "readiness":
                expected += [
                    ((qid, u.unit_id, ""), (qid, u.unit_id, u.unit_name, "", ""))
                    for u in roster.units
                ]
            else:
                expected += [
                    (
                        (qid, s.unit_id, s.system_id),
                        (qid, s.unit_id, s.unit_name, s.system_id, s.system_name),
                    )
                    for s in roster.systems
                ]
    else:
        seen: set[tuple[str, str, str]] = set()
        for f in files:
            key = duplicate_key(f)
            if key not in seen:
                seen.add(key)
                ident = (f.questionnaire, f.unit_id, f.unit_name, f.system_id, f.system_name)
                expected.append((key, ident))
    kept = {duplicate_key(f): f for f in c.kept}
    by_key: dict[tuple[str, str, str], list[ReturnedFile]] = {}
    for f in files:
        by_key.setdefault(duplicate_key(f), []).append(f)
    for key, ident in expected:
        mine = by_key.get(key, [])
        if key in kept:
            f = kept[key]
            older = [o for o in mine if o is not f and o.status != REJECTED]
            note = (
                text(
                    "coverage.later_than",
                    c.lang,
                    files=joined((file_name(o) for o in older), c.lang),
                )
                if older
                else ""
            )
            rows.append(_cov_row(*ident, f.status, f.name, note))
            for o in older:
                later = text("coverage.superseded_by", c.lang, file=file_name(f))
                rows.append(_cov_row(*ident, SUPERSEDED, o.name, later))
        for o in mine:
            if o.status == REJECTED:
                errors = (i.message for i in o.issues if i.severity == "error")
                reasons = joined(errors, c.lang, semicolons=True)
                rows.append(_cov_row(*ident, REJECTED, o.name, reasons[:500]))
        if not mine:
            rows.append(_cov_row(*ident, MISSING, "", text("coverage.nothing_received", c.lang)))
    # Files that could not be read nor matched are listed on their own, never on the row of a
    # unit that may have sent nothing.
    for f in c.report.files:
        if f.status == REJECTED and not f.questionnaire:
            errors = (i.message for i in f.issues if i.severity == "error")
            reasons = joined(errors, c.lang, semicolons=True)
            note = text("coverage.unmatched", c.lang, reasons=reasons)[:500]
            rows.append(_cov_row("", "", "", "", "", REJECTED, f.name, note))
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def _cov_row(*values: str) -> dict[str, Any]:
    return dict(zip(COVERAGE_COLUMNS, values, strict=True))


def _counts(c: Consolidation) -> pd.DataFrame:
    rows = []
    cov = c.coverage
    roster = c.report.roster
    for qid in c.contents:
        part = cov[cov["questionnaire"] == qid] if len(cov) else cov
        targets = (
            part.drop_duplicates(["unit_id", "unit_name", "system_id", "system_name"])
            if len(part)
            else part
        )
        if roster is not None:
            expected = len(roster.units) if qid == "readiness" else len(roster.systems)
        else:
            expected = len(targets)
        accepted = len(c.kept_of(qid))
        returned = len(targets[targets["status"] != MISSING]) if len(targets) else 0
        rows.append(
            {
                "questionnaire": qid,
                "title": c.contents[qid].title.get(c.lang),
                "expected": expected,
                "returned": returned,
                "accepted": accepted,
                "rejected": returned - accepted,
                "missing": expected - returned if roster is not None else 0,
            }
        )
    return pd.DataFrame(rows)


# Readiness ---------------------------------------------------------------------------------
def _readiness(c: Consolidation, qn: Questionnaire) -> tuple[pd.DataFrame, pd.DataFrame]:
    sections = qn.scope_ids("each:section")
    rows = []
    for f in c.kept_of("readiness"):
        row: dict[str, Any] = {"unit_id": f.unit_id, "unit": _who(f)}
        for sid in sections:
            row[sid] = f.scores.get(f"{sid}_percent")
        row["overall"] = f.scores.get("overall_percent")
        row["band"] = band_label(qn, f.scores.get("overall_band"), c.lang)
        row["band_id"] = f.scores.get("overall_band")
        row |= _readiness_flags(qn, f, sections, c.lang)
        rows.append(row)
    frame = pd.DataFrame(
        rows, columns=["unit_id", "unit", *sections, "overall", "band", "band_id", *FLAGS]
    )
    stats = []
    for sid in [*sections, "overall"]:
        values = [v for v in frame[sid] if isinstance(v, float | int)] if len(frame) else []
        med = statistics.median(values) if values else None
        stats.append(
            {
                "dimension_id": sid,
                "dimension": text("summary.overall", c.lang)
                if sid == "overall"
                else qn.scope_label("each:section", sid, c.lang),
                "median": med,
                "min": min(values) if values else None,
                "max": max(values) if values else None,
                "units": len(values),
                "band": band_label(qn, band_of(qn, med), c.lang),
            }
        )
    return frame, pd.DataFrame(stats)


FLAGS = ("na", "dont_know", "capped", "mostly_na")


def _readiness_flags(
    qn: Questionnaire, f: ReturnedFile, sections: list[str], lang: str
) -> dict[str, Any]:
    """What the overall score does not show: statements marked N/A or "Don't know", a band held
    down by a critical statement, dimensions mostly not applicable."""
    s = f.scores
    return {
        "na": s.get("na", 0),
        "dont_know": s.get("dont_know", 0),
        "capped": band_label(qn, s.get("band_cap"), lang),
        "mostly_na": joined(
            (
                qn.scope_label("each:section", sid, lang)
                for sid in sections
                if s.get(f"{sid}_mostly_na") == YES
            ),
            lang,
        ),
    }


def _risk(c: Consolidation, qn: Questionnaire) -> tuple[pd.DataFrame, pd.DataFrame]:
    levels = sorted(qn.levels, key=lambda lv: -lv.rank)
    cores = qn.scope_ids("each:core")
    lang = c.lang
    rows = []
    for f in c.kept_of("risk"):
        s = f.scores
        top = s.get("highest_inherent")
        row: dict[str, Any] = {
            "system_id": f.system_id,
            "system": f.system_name or f.system_id,
            "unit": _who(f),
            "stage": label_of(qn, "lifecycle", f.answers.get("in_stage"), lang),
            "highest_inherent": _level(qn, top, lang),
            "highest_residual": _level(qn, s.get("highest_residual"), lang),
            "rank": qn.levels_by_id[top].rank if top in qn.levels_by_id else 0,
        }
        for lv in levels:
            row[f"n_{lv.id}"] = s.get(f"inherent_{lv.id}", 0)
        for core in cores:
            row[core] = _level(qn, s.get(f"{core}_highest"), lang)
        row |= _residual_facts(qn, f, lang)
        conclusion = s.get("applicability")
        row["applicability"] = qn.setting(f"applicability_{conclusion}", lang) if conclusion else ""
        row["applies"] = conclusion == "full"
        rows.append(row)
    sort_cols = ["rank"] + [f"n_{lv.id}" for lv in levels]
    register = pd.DataFrame(rows)
    if len(register):
        register = register.sort_values(sort_cols, ascending=False, kind="stable")
    accepted = {r["system_id"]: r["accepted_by"] for r in rows}
    items = risk_items(c.kept_of("risk"), qn, lang, accepted)
    return register.reset_index(drop=True), items


def _residual_facts(qn: Questionnaire, f: ReturnedFile, lang: str) -> dict[str, Any]:
    """How far the residual rests on mitigations only planned, the items marked N/A, and who
    accepted the remaining risk."""
    s = f.scores
    out: dict[str, Any] = {
        "highest_in_place": _level(qn, s.get("highest_residual_in_place"), lang),
        "residual_rank": qn.levels_by_id[str(s.get("highest_residual"))].rank
        if str(s.get("highest_residual")) in qn.levels_by_id
        else 0,
        "n_na": s.get("na", 0),
        "reduced": s.get("reduced", 0),
        "reduced_planned": s.get("reduced_planned", 0),
        "acceptance": "",
        "accepted_by": "",  # who accepted the remaining risk, in a role allowed to
    }
    metric = next((m for m in qn.metrics if m.rule.rule == "acceptance"), None)
    if metric is not None:
        state = s.get(metric.id)
        by = f.answers.get(f"in_{qn.setting('acceptance_by')}") or ""
        role = label_of(
            qn, "acceptance_role", f.answers.get(f"in_{qn.setting('acceptance_role')}"), lang
        )
        words = metric_label(qn, metric, state, lang) or qn.setting("accept_not_needed", lang)
        out["acceptance"] = f"{words}: {by} ({role})" if by and state else str(words)
        out["accepted_by"] = f"{by} ({role})" if by and state == ACCEPTED_RISK else str(words)
    return out


# Actions -----------------------------------------------------------------------------------
def _actions(
    c: Consolidation, qn: Questionnaire, today: date
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    stages = qn.scope_ids("each:section")
    lang = c.lang
    rows, overdue, missing_evidence = [], [], []
    for f in c.kept_of("action"):
        s = f.scores
        row: dict[str, Any] = {
            "system_id": f.system_id,
            "system": f.system_name or f.system_id,
            "unit": _who(f),
        }
        for sid in stages:
            m = qn.metrics_by_id[f"{sid}_completion"]
            value = s.get(m.id)
            row[sid] = value if not isinstance(value, str) else metric_label(qn, m, value, lang)
        row["stage"] = label_of(
            qn, "lifecycle", f.answers.get(f"in_{qn.setting('current_stage')}"), lang
        )
        row["overall"] = s.get("completion")
        row["overdue"] = s.get("overdue", 0)
        row["done_without_evidence"] = s.get("done_without_evidence", 0)
        rows.append(row)
        for q in qn.scored_questions():
            attention = s.get(f"{q.id}_attention")
            base = {
                "system": row["system"],
                "unit": row["unit"],
                "item": q.id,
                "stage": qn.scope_label("each:section", q.section_id, lang),
                "text": q.label.get(lang),
                "owner": f.answers.get(f"in_{q.id}_owner") or "",
            }
            if attention == "overdue":
                due = f.answers.get(f"in_{q.id}_due")
                overdue.append(
                    {
                        **base,
                        "due": due,
                        "days_late": (today - due).days if isinstance(due, date) else None,
                        "status": label_of(qn, "status", f.answers.get(f"in_{q.id}_status"), lang),
                    }
                )
            elif attention == "evidence":
                missing_evidence.append(base)
    actions = pd.DataFrame(
        rows,
        columns=[
            "system_id",
            "system",
            "unit",
            "stage",
            *stages,
            "overall",
            "overdue",
            "done_without_evidence",
        ],
    )
    od = pd.DataFrame(overdue)
    if len(od):
        od = od.sort_values("days_late", ascending=False, kind="stable").reset_index(drop=True)
    return actions, od, pd.DataFrame(missing_evidence)


# Issues ------------------------------------------------------------------------------------
ISSUE_COLUMNS = (
    "file",
    "status",
    "questionnaire",
    "unit_id",
    "unit",
    "system_id",
    "system",
    "severity",
    "code",
    "sheet",
    "cell",
    "message",
)


def _issues(report: ValidationReport) -> pd.DataFrame:
    rows = []
    for f in report.files:
        who = {
            "file": f.name,
            "status": f.status,
            "questionnaire": f.questionnaire,
            "unit_id": f.unit_id,
            "unit": f.unit_name,
            "system_id": f.system_id,
            "system": f.system_name,
        }
        if f.status == SKIPPED:
            rows.append(
                who
                | {"severity": "", "code": "", "sheet": "", "cell": "", "message": f.skipped_reason}
            )
        for i in f.issues:
            rows.append(
                who
                | {
                    "severity": i.severity,
                    "code": i.code,
                    "sheet": i.sheet,
                    "cell": i.cell,
                    "message": i.message,
                }
            )
    return pd.DataFrame(rows, columns=list(ISSUE_COLUMNS))
