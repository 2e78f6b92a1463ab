"""Content tables -> Questionnaire, with problems that name file, row and column.

The questionnaires live as CSV tables in `source_content/<id>/` (see `source_content/FORMAT.md`).
`load_questionnaire` raises `ContentError` carrying every problem found; `check_content` returns
them for `rai-sheets content check`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pandera.pandas as pa

from .content_tables import (
    NOT_BLANK,
    ContentError,
    ContentProblem,
    Table,
    id_column,
    is_number_or_blank,
    number_check,
)
from .model import (
    DEFAULT_LANGUAGE,
    Band,
    Choice,
    CorePrinciple,
    Level,
    Principle,
    Question,
    Questionnaire,
    Rule,
    Scale,
    Section,
)
from .question_types import (
    QUESTION_TYPES,
    family_of,
    question_from_row,
)

QUESTIONNAIRE_IDS = ("readiness", "risk", "action")
RULES = {
    "item_points",
    "percent",
    "band",
    "answered",
    "risk_level",
    "level_count",
    "highest_level",
    "risk_at_or_above",
    "applicability",
    "completion",
    "status_count",
    "done_without_evidence",
    "overdue",
    "item_attention",
}
SCOPES = ("all", "each:section", "each:core", "each:principle", "each:level", "each:question")


def default_content_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "source_content"


def content_hash(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths, key=lambda p: p.as_posix()):
        h.update(p.name.encode())
        h.update(p.read_bytes().replace(b"\r\n", b"\n"))
    return h.hexdigest()[:16]


def load_principles(
    root: Path, problems: list[ContentProblem]
) -> tuple[tuple[CorePrinciple, ...], tuple[Principle, ...], set[str]]:
    cores_t = Table(root / "core_principles.csv", "core_principles.csv", problems)
    princ_t = Table(root / "principles.csv", "principles.csv", problems)
    cores_t.require_columns("core_id", "label")
    princ_t.require_columns("principle_id", "core_id", "label")
    cores_t.validate(pa.DataFrameSchema({"core_id": id_column()}))
    princ_t.validate(pa.DataFrameSchema({"principle_id": id_column(), "core_id": pa.Column(str)}))
    from .model import Text

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


def load_questionnaire(qid: str, root: Path | None = None) -> Questionnaire:
    """Load one questionnaire; raise ContentError listing every problem found."""
    qn, problems = _load(qid, root or default_content_dir())
    if problems or qn is None:
        raise ContentError(
            sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or ""))
        )
    return qn


def check_content(
    root: Path | None = None, ids: Iterable[str] | None = None
) -> list[ContentProblem]:
    root = root or default_content_dir()
    problems: list[ContentProblem] = []
    for qid in ids or available_questionnaires(root):
        problems += _load(qid, root)[1]
    return sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or ""))


def available_questionnaires(root: Path | None = None) -> list[str]:
    root = root or default_content_dir()
    found = (
        [p.name for p in sorted(root.iterdir()) if (p / "questions.csv").exists()]
        if root.is_dir()
        else []
    )
    ordered = [q for q in QUESTIONNAIRE_IDS if q in found]
    return ordered + [q for q in found if q not in ordered]


def _load(qid: str, root: Path) -> tuple[Questionnaire | None, list[ContentProblem]]:
    from .model import Text

    problems: list[ContentProblem] = []
    folder = root / qid
    if not (folder / "questions.csv").is_file():
        return None, [
            ContentProblem(
                f"{qid}/", None, None, f"no questionnaire here: {folder} has no questions.csv."
            )
        ]
    cores, principles, langs = load_principles(root, problems)
    principle_ids = {p.id for p in principles}

    def table(name: str, optional: bool = False) -> Table:
        path = folder / name
        if not path.exists():
            t = Table.__new__(Table)
            t.rel, t.problems, t.rows, t.columns = f"{qid}/{name}", problems, [], []
            if not optional:
                problems.append(ContentProblem(t.rel, None, None, "is missing."))
            return t
        return Table(path, f"{qid}/{name}", problems)

    settings_t = table("settings.csv")
    sections_t = table("sections.csv")
    questions_t = table("questions.csv")
    scales_t = table("scales.csv")
    levels_t = table("levels.csv", optional=True)
    matrix_t = table("matrix.csv", optional=True)
    bands_t = table("bands.csv", optional=True)
    rules_t = table("rules.csv")
    tables = [settings_t, sections_t, questions_t, scales_t, levels_t, matrix_t, bands_t, rules_t]
    for t in tables:
        langs |= t.languages()

    settings_t.require_columns("key", "value")
    settings = {
        r["key"]: Text(settings_t.text(r, "value")) for r in settings_t.rows if r.get("key")
    }
    version = settings.get("version", Text({})).get()
    if not version:
        settings_t.problem(
            None, "key", 'needs a "version" row: the content version written into every workbook.'
        )

    # Scales
    scales_t.require_columns("scale_id", "code", "points", "label")
    scales_t.validate(
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
    for i, r in enumerate(scales_t.rows):
        key = (r.get("scale_id", ""), r.get("code", ""))
        if key in seen_choice:
            scales_t.problem(i, "code", f'"{key[1]}" appears twice in scale "{key[0]}".')
        seen_choice.add(key)
        pts = r.get("points", "")
        choices.setdefault(key[0], []).append(
            Choice(
                key[1],
                Text(scales_t.text(r, "label")),
                float(pts) if pts and is_number_or_blank(pts) else None,
                Text(scales_t.text(r, "description")),
            )
        )
    scales = {sid: Scale(sid, tuple(cs)) for sid, cs in choices.items()}
    for sid, scale in scales.items():
        for lang in langs | {DEFAULT_LANGUAGE}:
            labels = [c.label.get(lang).casefold() for c in scale.choices]
            if len(set(labels)) != len(labels):
                scales_t.problem(
                    None,
                    f"label::{lang}" if lang != DEFAULT_LANGUAGE else "label",
                    f'scale "{sid}" has two choices with the same label; '
                    "a dropdown needs distinct labels.",
                )

    # Sections
    sections_t.require_columns("section_id", "sheet", "label")
    sections_t.validate(
        pa.DataFrameSchema(
            {
                "section_id": id_column(),
                "sheet": pa.Column(str, pa.Check.str_matches(r"^[A-Za-z][A-Za-z ]{0,29}$")),
                "label": pa.Column(str, NOT_BLANK),
            }
        )
    )
    sections = tuple(
        Section(
            r["section_id"],
            Text(sections_t.text(r, "label")),
            Text(sections_t.text(r, "description")),
            r.get("sheet", ""),
        )
        for r in sections_t.rows
    )
    section_ids = {s.id for s in sections}

    # Questions
    questions_t.require_columns("question_id", "section_id", "type", "label")
    questions_t.validate(
        pa.DataFrameSchema(
            {
                "question_id": id_column(),
                "section_id": pa.Column(str),
                "type": pa.Column(str, pa.Check.isin(QUESTION_TYPES)),
                "label": pa.Column(str, NOT_BLANK),
            }
        )
    )
    questions: list[Question] = []
    sheet_families: dict[str, tuple[str, int]] = {}
    for i, r in enumerate(questions_t.rows):
        q = question_from_row(r, i, questions_t, scales, section_ids, principle_ids)
        if q is None:
            continue
        sheet = next((s.sheet for s in sections if s.id == q.section_id), "")
        fam = family_of(q.type)
        if sheet in sheet_families and sheet_families[sheet][0] != fam:
            questions_t.problem(
                i,
                "type",
                f'a "{q.type}" question cannot share the sheet "{sheet}" '
                f"with the question on line {sheet_families[sheet][1]}; "
                "give its section a sheet of its own.",
            )
        sheet_families.setdefault(sheet, (fam, i + 2))
        questions.append(q)
    if not questions and questions_t.rows == [] and not problems:
        questions_t.problem(None, None, "has no questions.")

    # Risk levels and matrix
    levels: list[Level] = []
    if levels_t.rows or levels_t.columns:
        levels_t.require_columns("level_id", "rank", "colour", "label")
        levels_t.validate(
            pa.DataFrameSchema(
                {
                    "level_id": id_column(),
                    "rank": pa.Column(str, pa.Check.str_matches(r"^[1-9][0-9]?$"), unique=True),
                    "colour": pa.Column(str, pa.Check.str_matches(r"^#[0-9A-Fa-f]{6}$")),
                }
            )
        )
        for r in levels_t.rows:
            rank = r.get("rank", "")
            levels.append(
                Level(
                    r["level_id"],
                    Text(levels_t.text(r, "label")),
                    int(rank) if rank.isdigit() else 0,
                    r.get("colour", "#FFFFFF"),
                )
            )
    level_ids = {lv.id for lv in levels}
    matrix: dict[tuple[str, str], str] = {}
    if matrix_t.rows or matrix_t.columns:
        lik, imp = scales.get("likelihood"), scales.get("impact")
        if not lik or not imp:
            matrix_t.problem(
                None, None, 'needs the scales "likelihood" and "impact" in scales.csv.'
            )
        else:
            rated_l = [c.code for c in lik.choices if c.points is not None]
            rated_i = [c.code for c in imp.choices if c.points is not None]
            if matrix_t.columns[:1] != ["likelihood"] or set(matrix_t.columns[1:]) != set(rated_i):
                matrix_t.problem(
                    None,
                    None,
                    "header must be likelihood followed by every impact "
                    f"code: likelihood,{','.join(rated_i)}.",
                )
            for i, r in enumerate(matrix_t.rows):
                if r.get("likelihood") not in rated_l:
                    matrix_t.problem(
                        i,
                        "likelihood",
                        f'"{r.get("likelihood")}" is not a likelihood '
                        f"code: use one of {', '.join(rated_l)}.",
                    )
                    continue
                for code in rated_i:
                    lv = r.get(code, "")
                    if lv not in level_ids:
                        matrix_t.problem(
                            i,
                            code,
                            f'"{lv}" is not a level in levels.csv: use one of '
                            f"{', '.join(sorted(level_ids))}.",
                        )
                    matrix[(r["likelihood"], code)] = lv
            missing = [
                lk for lk in rated_l if lk not in {r.get("likelihood") for r in matrix_t.rows}
            ]
            if missing:
                matrix_t.problem(None, "likelihood", f"has no row for {', '.join(missing)}.")

    # Readiness bands
    bands: list[Band] = []
    if bands_t.rows or bands_t.columns:
        bands_t.require_columns("band_id", "min_percent", "colour", "label")
        bands_t.validate(
            pa.DataFrameSchema(
                {
                    "band_id": id_column(),
                    "min_percent": pa.Column(str, number_check()),
                    "colour": pa.Column(str, pa.Check.str_matches(r"^#[0-9A-Fa-f]{6}$")),
                }
            )
        )
        for r in bands_t.rows:
            mp = r.get("min_percent", "")
            bands.append(
                Band(
                    r["band_id"],
                    Text(bands_t.text(r, "label")),
                    float(mp) / 100 if mp and is_number_or_blank(mp) else 0.0,
                    r.get("colour", "#FFFFFF"),
                )
            )
        mins = [b.min_fraction for b in bands]
        if mins and (mins != sorted(mins) or mins[0] != 0 or len(set(mins)) != len(mins)):
            bands_t.problem(
                None, "min_percent", "bands must start at 0 and rise strictly, lowest band first."
            )

    # Rules
    rules_t.require_columns("metric_id", "rule", "scope", "label")
    rules_t.validate(
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
    for i, r in enumerate(rules_t.rows):
        scope = r.get("scope", "")
        placeholder = "{" + scope.removeprefix("each:") + "}"
        if scope.startswith("each:") and placeholder not in r.get("metric_id", ""):
            rules_t.problem(
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
                Text(rules_t.text(r, "label")),
            )
        )

    files = [p for p in folder.glob("*.csv")] + [
        root / "core_principles.csv",
        root / "principles.csv",
    ]
    qn = Questionnaire(
        id=qid,
        version=version,
        settings=settings,
        sections=sections,
        questions=tuple(questions),
        scales=scales,
        cores=cores,
        principles=principles,
        levels=tuple(levels),
        matrix=matrix,
        bands=tuple(bands),
        rules=tuple(rules),
        languages=tuple([DEFAULT_LANGUAGE] + sorted(langs - {DEFAULT_LANGUAGE})),
        content_hash=content_hash(p for p in files if p.exists()),
    )
    if not problems:
        _check_rules(qn, rules_t, levels_t, scales_t)
    return qn, problems


def _check_rules(qn: Questionnaire, rules_t: Table, levels_t: Table, scales_t: Table) -> None:
    """Cross-table checks: each rule has what it needs in the content."""
    metric_patterns = {r.metric for r in qn.rules}
    needs_levels = {
        "risk_level",
        "level_count",
        "highest_level",
        "risk_at_or_above",
        "applicability",
    }
    for i, rule in enumerate(qn.rules):
        if rule.rule in needs_levels and (not qn.levels or not qn.matrix):
            rules_t.problem(i, "rule", f'"{rule.rule}" needs levels.csv and matrix.csv.')
        if rule.rule == "band":
            if not qn.bands:
                rules_t.problem(i, "rule", '"band" needs bands.csv.')
            if rule.source not in metric_patterns:
                rules_t.problem(
                    i,
                    "source",
                    f'"{rule.source}" is not a metric_id in rules.csv; a '
                    "band reads the percent metric named here.",
                )
        if rule.rule in ("risk_level", "level_count", "highest_level") and rule.param not in (
            "inherent",
            "residual",
        ):
            rules_t.problem(i, "param", f'"{rule.param}" must be inherent or residual.')
        if rule.rule in ("risk_at_or_above", "applicability") and rule.param not in qn.levels_by_id:
            rules_t.problem(i, "param", f'"{rule.param}" must be a level id from levels.csv.')
        if rule.rule == "applicability":
            for key in ("core_function", "other_effects"):
                qid = qn.setting(f"applicability_{key}")
                if qid not in qn.questions_by_id:
                    rules_t.problem(
                        i,
                        "rule",
                        f'"applicability" needs the setting '
                        f"applicability_{key} naming a yes/no question.",
                    )
        if rule.rule in ("status_count",) and rule.param not in {
            c.code for c in qn.scales.get("status", _NO_SCALE).choices
        }:
            rules_t.problem(i, "param", f'"{rule.param}" is not a code of the status scale.')
    if "yes_no" in qn.scales:
        codes = {c.code for c in qn.scales["yes_no"].choices}
        if not {"yes", "no"} <= codes:
            scales_t.problem(None, "code", 'the scale "yes_no" needs the codes yes and no.')
    if "status" in qn.scales:
        codes = {c.code for c in qn.scales["status"].choices}
        if "done" not in codes:
            scales_t.problem(None, "code", 'the scale "status" needs the code done.')


_NO_SCALE = Scale("", ())
