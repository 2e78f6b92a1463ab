"""Question types: which input cells each type of question has, and how each is read from
a row of questions.csv."""

from __future__ import annotations

from ..model import DATE, INTEGER, LONGTEXT, NUMBER, SELECT, TEXT, Field, Question, Scale, Text
from .tables import Table

QUESTION_TYPES = (
    "scale",
    "select",
    "text",
    "longtext",
    "date",
    "number",
    "integer",
    "risk",
    "check",
    "log",
)


SIMPLE_KINDS = {
    "text": TEXT,
    "longtext": LONGTEXT,
    "date": DATE,
    "number": NUMBER,
    "integer": INTEGER,
}


PREFILL_COLUMNS = ("unit_id", "unit_name", "system_id", "system_name")


# Scales that the multi-input question types rely on.
TYPE_SCALES = {
    "risk": ("likelihood", "impact", "mitigation_status"),
    "check": ("status",),
    "log": ("lifecycle", "risk_level"),
}


LOG_FIELDS = (
    ("date", DATE, None),
    ("stage", SELECT, "lifecycle"),
    ("decision", LONGTEXT, None),
    ("decided_by", TEXT, None),
    ("risk_level", SELECT, "risk_level"),
    ("conditions", LONGTEXT, None),
    ("rationale", LONGTEXT, None),
    ("next_review", DATE, None),
)


def family_of(qtype: str) -> str:
    """Which table layout a question type is drawn in (see layout.py): scored statements
    ("form"), questions answered in words, dates or a choice ("text"), risks, checklist
    items, the decision log. "text" questions may share a "form" sheet."""
    return {"risk": "risk", "check": "check", "log": "log", "scale": "form"}.get(qtype, "text")


def families_mix(a: str, b: str) -> bool:
    """Whether questions of two families can be drawn on one sheet."""
    return a == b or {a, b} == {"form", "text"}


def question_from_row(
    r: dict[str, str],
    i: int,
    t: Table,
    scales: dict[str, Scale],
    section_ids: set[str],
    principle_ids: set[str],
) -> Question | None:
    """One row of questions.csv as a Question, or None when it cannot be one."""
    qtype = r.get("type", "")
    if qtype not in QUESTION_TYPES:
        return None
    principle = _principle(r, i, t, qtype, section_ids, principle_ids)
    scale_id = r.get("scale_id") or None
    if not _has_scales(r, i, t, qtype, scale_id, scales):
        return None
    required = _required(r, i, t)
    return Question(
        r.get("question_id", ""),
        r.get("section_id", ""),
        principle,
        qtype,
        scale_id,
        required,
        _weight(r, i, t),
        Text(t.text(r, "label")),
        Text(t.text(r, "guidance")),
        _prefill(r, i, t),
        _fields(r, i, t, qtype, scale_id, required),
        _critical(r, i, t, qtype),
    )


def _principle(
    r: dict[str, str],
    i: int,
    t: Table,
    qtype: str,
    section_ids: set[str],
    principle_ids: set[str],
) -> str | None:
    """The item's section and instrumental principle, checked against their tables."""
    if r.get("section_id") not in section_ids:
        t.problem(i, "section_id", f'"{r.get("section_id")}" is not a section in sections.csv.')
    principle = r.get("principle_id") or None
    if principle and principle not in principle_ids:
        t.problem(
            i,
            "principle_id",
            f'"{principle}" is not one of the 17 instrumental principles in principles.csv.',
        )
    if qtype in ("risk", "check", "scale") and not principle:
        t.problem(
            i,
            "principle_id",
            f"a {qtype} item must be tagged with its instrumental "
            "principle so that results roll up by principle.",
        )
    return principle


def _has_scales(
    r: dict[str, str],
    i: int,
    t: Table,
    qtype: str,
    scale_id: str | None,
    scales: dict[str, Scale],
) -> bool:
    if qtype in ("scale", "select") and (not scale_id or scale_id not in scales):
        t.problem(
            i,
            "scale_id",
            f'"{scale_id or ""}" is not a scale in scales.csv; a {qtype} question needs one.',
        )
        return False
    for needed in TYPE_SCALES.get(qtype, ()):
        if needed not in scales:
            t.problem(i, "type", f'a {qtype} item needs the scale "{needed}" in scales.csv.')
            return False
    return True


def _required(r: dict[str, str], i: int, t: Table) -> bool:
    required_s = r.get("required", "").lower()
    if required_s not in ("", "yes", "no"):
        t.problem(i, "required", f'"{r.get("required")}" must be yes or no.')
    return required_s == "yes"


def _critical(r: dict[str, str], i: int, t: Table, qtype: str) -> bool:
    value = r.get("critical", "").lower()
    if value not in ("", "yes", "no"):
        t.problem(i, "critical", f'"{r.get("critical")}" must be yes or no.')
    if value == "yes" and qtype != "scale":
        t.problem(i, "critical", "only a scale statement can be critical (it caps the band).")
    return value == "yes" and qtype == "scale"


def _weight(r: dict[str, str], i: int, t: Table) -> float:
    weight_s = r.get("weight", "") or "1"
    try:
        weight = float(weight_s)
        if weight <= 0:
            raise ValueError
    except ValueError:
        t.problem(i, "weight", f'"{weight_s}" is not a positive number.')
        weight = 1.0
    return weight


def _prefill(r: dict[str, str], i: int, t: Table) -> str | None:
    prefill = r.get("prefill") or None
    if prefill and prefill not in PREFILL_COLUMNS:
        t.problem(
            i,
            "prefill",
            f'"{prefill}" is not a roster column: use one of {", ".join(PREFILL_COLUMNS)}.',
        )
    return prefill


def _fields(
    r: dict[str, str], i: int, t: Table, qtype: str, scale_id: str | None, required: bool
) -> tuple[Field, ...]:
    """The input cells of a question of this type."""
    if qtype == "scale":
        return (Field("", SELECT, scale_id, required), Field("comment", LONGTEXT, None, False))
    if qtype == "select":
        return (Field("", SELECT, scale_id, required),)
    if qtype in SIMPLE_KINDS:
        return (Field("", SIMPLE_KINDS[qtype], None, required),)
    if qtype == "risk":
        return (
            Field("likelihood", SELECT, "likelihood", required),
            Field("impact", SELECT, "impact", required),
            Field("note", LONGTEXT, None, False),
            Field("mitigation", LONGTEXT, None, False),
            Field("mitigation_status", SELECT, "mitigation_status", False),
            Field("owner", TEXT, None, False),
            Field("due", DATE, None, False),
            Field("residual_likelihood", SELECT, "likelihood", False, rated_only=True),
            Field("residual_impact", SELECT, "impact", False, rated_only=True),
        )
    if qtype == "check":
        return (
            Field("status", SELECT, "status", required),
            Field("owner", TEXT, None, False),
            Field("due", DATE, None, False),
            Field("evidence", TEXT, None, False),
            Field("notes", LONGTEXT, None, False),
        )
    # log: a fixed number of rows, each with the same fields
    rows_s = r.get("rows", "") or "15"
    if not rows_s.isdigit() or not 1 <= int(rows_s) <= 200:
        t.problem(i, "rows", f'"{rows_s}" must be a whole number of rows from 1 to 200.')
        rows_s = "15"
    return tuple(
        Field(f"{n:02d}_{key}", kind, scale, False)
        for n in range(1, int(rows_s) + 1)
        for key, kind, scale in LOG_FIELDS
    )
