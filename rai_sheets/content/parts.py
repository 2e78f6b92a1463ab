"""One function per content table: each reads its rows into the model and records, with file,
line and column, every problem it finds. `load.py` combines them into a Questionnaire."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandera.pandas as pa

from ..model import (
    DEFAULT_LANGUAGE,
    Band,
    Choice,
    CorePrinciple,
    Level,
    Principle,
    Question,
    Rule,
    Scale,
    Section,
    Text,
)
from ..scoring import RULES as RULE_FUNCTIONS
from .question_types import QUESTION_TYPES, families_mix, family_of, question_from_row
from .tables import (
    NOT_BLANK,
    ContentProblem,
    Table,
    id_column,
    is_number_or_blank,
    number_check,
)

RULES = set(RULE_FUNCTIONS)
SCOPES = ("all", "each:section", "each:core", "each:principle", "each:level", "each:question")
COLOUR = r"^#[0-9A-Fa-f]{6}$"


def read_principles(
    root: Path, problems: list[ContentProblem]
) -> tuple[tuple[CorePrinciple, ...], tuple[Principle, ...], set[str]]:
    cores_t = Table(root / "core_principles.csv", "core_principles.csv", problems)
    princ_t = Table(root / "principles.csv", "principles.csv", problems)
    cores_t.require_columns("core_id", "label")
    princ_t.require_columns("principle_id", "core_id", "label")
    cores_t.validate(pa.DataFrameSchema({"core_id": id_column()}))
    princ_t.validate(pa.DataFrameSchema({"principle_id": id_column(), "core_id": pa.Column(str)}))
    cores = tuple(CorePrinciple(r["core_id"], Text(cores_t.text(r, "label"))) for r in cores_t.rows)
    core_ids = {c.id for c in cores}
    principles = []
    for i, r in enumerate(princ_t.rows):
        if r.get("core_id") not in core_ids:
            princ_t.problem(
                i,
                "core_id",
                f'"{r.get("core_id")}" is not a core principle in core_principles.csv.',
            )
        principles.append(
            Principle(r["principle_id"], r.get("core_id", ""), Text(princ_t.text(r, "label")))
        )
    return cores, tuple(principles), cores_t.languages() | princ_t.languages()


def read_settings(t: Table) -> tuple[dict[str, Text], str]:
    t.require_columns("key", "value")
    settings = {r["key"]: Text(t.text(r, "value")) for r in t.rows if r.get("key")}
    version = settings.get("version", Text({})).get()
    if not version:
        t.problem(
            None, "key", 'needs a "version" row: the content version written into every workbook.'
        )
    return settings, version


def read_scales(t: Table, langs: set[str]) -> dict[str, Scale]:
    t.require_columns("scale_id", "code", "points", "label")
    t.validate(
        pa.DataFrameSchema(
            {
                "scale_id": id_column(unique=False),
                "code": id_column(unique=False),
                "points": pa.Column(str, number_check()),
                "label": pa.Column(str, NOT_BLANK),
            }
        )
    )
    choices: dict[str, list[Choice]] = {}
    seen_choice: set[tuple[str, str]] = set()
    for i, r in enumerate(t.rows):
        key = (r.get("scale_id", ""), r.get("code", ""))
        if key in seen_choice:
            t.problem(i, "code", f'"{key[1]}" appears twice in scale "{key[0]}".')
        seen_choice.add(key)
        pts = r.get("points", "")
        choices.setdefault(key[0], []).append(
            Choice(
                key[1],
                Text(t.text(r, "label")),
                float(pts) if pts and is_number_or_blank(pts) else None,
                Text(t.text(r, "description")),
            )
        )
    scales = {sid: Scale(sid, tuple(cs)) for sid, cs in choices.items()}
    for sid, scale in scales.items():
        for lang in langs | {DEFAULT_LANGUAGE}:
            labels = [c.label.get(lang).casefold() for c in scale.choices]
            if len(set(labels)) != len(labels):
                t.problem(
                    None,
                    f"label::{lang}" if lang != DEFAULT_LANGUAGE else "label",
                    f'scale "{sid}" has two choices with the same label; '
                    "a dropdown needs distinct labels.",
                )
    return scales


def read_sections(t: Table) -> tuple[Section, ...]:
    t.require_columns("section_id", "sheet", "label")
    t.validate(
        pa.DataFrameSchema(
            {
                "section_id": id_column(),
                "sheet": pa.Column(str, pa.Check.str_matches(r"^[A-Za-z][A-Za-z ]{0,29}$")),
                "label": pa.Column(str, NOT_BLANK),
            }
        )
    )
    return tuple(
        Section(
            r["section_id"],
            Text(t.text(r, "label")),
            Text(t.text(r, "description")),
            r.get("sheet", ""),
            Text({lang: name for lang, name in t.text(r, "sheet").items() if lang != "en"}),
        )
        for r in t.rows
    )


def read_questions(
    t: Table,
    scales: dict[str, Scale],
    sections: tuple[Section, ...],
    principle_ids: set[str],
) -> tuple[Question, ...]:
    t.require_columns("question_id", "section_id", "type", "label")
    t.validate(
        pa.DataFrameSchema(
            {
                "question_id": id_column(),
                "section_id": pa.Column(str),
                "type": pa.Column(str, pa.Check.isin(QUESTION_TYPES)),
                "label": pa.Column(str, NOT_BLANK),
            }
        )
    )
    section_ids = {s.id for s in sections}
    questions: list[Question] = []
    sheet_families: dict[str, tuple[str, int]] = {}
    for i, r in enumerate(t.rows):
        q = question_from_row(r, i, t, scales, section_ids, principle_ids)
        if q is None:
            continue
        sheet = next((s.sheet for s in sections if s.id == q.section_id), "")
        fam = family_of(q.type)
        if sheet in sheet_families and not families_mix(sheet_families[sheet][0], fam):
            t.problem(
                i,
                "type",
                f'a "{q.type}" question cannot share the sheet "{sheet}" '
                f"with the question on line {sheet_families[sheet][1]}; "
                "give its section a sheet of its own.",
            )
        sheet_families.setdefault(sheet, (fam, i + 2))
        questions.append(q)
    return tuple(questions)


def read_levels(t: Table) -> tuple[Level, ...]:
    if not (t.rows or t.columns):
        return ()
    t.require_columns("level_id", "rank", "colour", "label")
    t.validate(
        pa.DataFrameSchema(
            {
                "level_id": id_column(),
                "rank": pa.Column(str, pa.Check.str_matches(r"^[1-9][0-9]?$"), unique=True),
                "colour": pa.Column(str, pa.Check.str_matches(COLOUR)),
            }
        )
    )
    return tuple(
        Level(
            r["level_id"],
            Text(t.text(r, "label")),
            int(r.get("rank", "")) if r.get("rank", "").isdigit() else 0,
            r.get("colour", "#FFFFFF"),
        )
        for r in t.rows
    )


def read_matrix(
    t: Table, scales: Mapping[str, Scale], level_ids: set[str]
) -> dict[tuple[str, str], str]:
    """The likelihood x impact table: one row per likelihood, one column per impact."""
    matrix: dict[tuple[str, str], str] = {}
    if not (t.rows or t.columns):
        return matrix
    lik, imp = scales.get("likelihood"), scales.get("impact")
    if not lik or not imp:
        t.problem(None, None, 'needs the scales "likelihood" and "impact" in scales.csv.')
        return matrix
    rated_l = [c.code for c in lik.choices if c.points is not None]
    rated_i = [c.code for c in imp.choices if c.points is not None]
    if t.columns[:1] != ["likelihood"] or set(t.columns[1:]) != set(rated_i):
        t.problem(
            None,
            None,
            f"header must be likelihood followed by every impact code: "
            f"likelihood,{','.join(rated_i)}.",
        )
    for i, r in enumerate(t.rows):
        if r.get("likelihood") not in rated_l:
            t.problem(
                i,
                "likelihood",
                f'"{r.get("likelihood")}" is not a likelihood code: use one of '
                f"{', '.join(rated_l)}.",
            )
            continue
        for code in rated_i:
            lv = r.get(code, "")
            if lv not in level_ids:
                t.problem(
                    i,
                    code,
                    f'"{lv}" is not a level in levels.csv: use one of '
                    f"{', '.join(sorted(level_ids))}.",
                )
            matrix[(r["likelihood"], code)] = lv
    missing = [lk for lk in rated_l if lk not in {r.get("likelihood") for r in t.rows}]
    if missing:
        t.problem(None, "likelihood", f"has no row for {', '.join(missing)}.")
    return matrix


def read_bands(t: Table) -> tuple[Band, ...]:
    if not (t.rows or t.columns):
        return ()
    t.require_columns("band_id", "min_percent", "colour", "label")
    t.validate(
        pa.DataFrameSchema(
            {
                "band_id": id_column(),
                "min_percent": pa.Column(str, number_check()),
                "colour": pa.Column(str, pa.Check.str_matches(COLOUR)),
            }
        )
    )
    bands = []
    for r in t.rows:
        mp = r.get("min_percent", "")
        bands.append(
            Band(
                r["band_id"],
                Text(t.text(r, "label")),
                float(mp) / 100 if mp and is_number_or_blank(mp) else 0.0,
                r.get("colour", "#FFFFFF"),
            )
        )
    mins = [b.min_fraction for b in bands]
    if mins and (mins != sorted(mins) or mins[0] != 0 or len(set(mins)) != len(mins)):
        t.problem(
            None, "min_percent", "bands must start at 0 and rise strictly, lowest band first."
        )
    return tuple(bands)


def read_rules(t: Table) -> tuple[Rule, ...]:
    t.require_columns("metric_id", "rule", "scope", "label")
    t.validate(
        pa.DataFrameSchema(
            {
                "metric_id": pa.Column(
                    str, pa.Check.str_matches(r"^[a-z{][a-z0-9_{}]*$"), unique=True
                ),
                "rule": pa.Column(str, pa.Check.isin(sorted(RULES))),
                "scope": pa.Column(str, pa.Check.isin(SCOPES)),
            }
        )
    )
    rules = []
    for i, r in enumerate(t.rows):
        scope = r.get("scope", "")
        placeholder = "{" + scope.removeprefix("each:") + "}"
        if scope.startswith("each:") and placeholder not in r.get("metric_id", ""):
            t.problem(
                i,
                "metric_id",
                f"a rule over {scope} needs {placeholder} in its "
                "metric_id so that each metric has its own id.",
            )
        rules.append(
            Rule(
                r.get("metric_id", ""),
                r.get("rule", ""),
                scope,
                r.get("source", ""),
                r.get("param", ""),
                Text(t.text(r, "label")),
            )
        )
    return tuple(rules)


LEVEL_SCALE, ROLE_SCALE = "risk_level", "acceptance_role"


def level_scale(levels: tuple[Level, ...]) -> Scale:
    """The risk levels as a dropdown (points = rank), for answers that name a level."""
    ordered = sorted(levels, key=lambda lv: lv.rank)
    return Scale(LEVEL_SCALE, tuple(Choice(lv.id, lv.label, float(lv.rank)) for lv in ordered))


def read_acceptance(t: Table, levels: tuple[Level, ...]) -> Scale | None:
    """acceptance.csv: which role may accept which residual level, as a dropdown of roles whose
    points are the rank of the highest level each may accept."""
    if not (t.rows or t.columns):
        return None
    t.require_columns("role_id", "max_level", "label")
    t.validate(pa.DataFrameSchema({"role_id": id_column(), "label": pa.Column(str, NOT_BLANK)}))
    by_id = {lv.id: lv for lv in levels}
    if not levels:
        t.problem(None, None, "needs levels.csv: each role accepts up to a risk level.")
    choices = []
    for i, r in enumerate(t.rows):
        level = by_id.get(r.get("max_level", ""))
        if level is None and levels:
            t.problem(
                i,
                "max_level",
                f'"{r.get("max_level")}" is not a level in levels.csv: use one of '
                f"{', '.join(by_id)}.",
            )
        choices.append(
            Choice(
                r.get("role_id", ""),
                Text(t.text(r, "label")),
                float(level.rank) if level else 0.0,
            )
        )
    return Scale(ROLE_SCALE, tuple(choices))
