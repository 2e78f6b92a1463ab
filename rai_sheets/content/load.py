"""Content tables -> Questionnaire, with problems that name file, row and column.

The questionnaires live as CSV tables in `source_content/<id>/` (see `source_content/FORMAT.md`).
Each table is read by its own function (parts.py); `load_questionnaire` combines them and raises
`ContentError` carrying every problem found; `check_content` returns them, and every text
missing in a language the content declares (languages.py), for `rai-sheets content check`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import UsageError
from ..model import DEFAULT_LANGUAGE, Questionnaire
from .checks import check_rules, check_sheet_names, check_targets
from .languages import completeness
from .parts import (
    LEVEL_SCALE,
    level_scale,
    read_acceptance,
    read_bands,
    read_levels,
    read_matrix,
    read_principles,
    read_questions,
    read_rules,
    read_scales,
    read_sections,
    read_settings,
)
from .question_map import FILE as QUESTION_MAP
from .question_map import load_question_map
from .tables import ContentError, ContentProblem, Table

QUESTIONNAIRE_IDS = ("readiness", "risk", "action")
TABLES = (
    "settings.csv",
    "sections.csv",
    "questions.csv",
    "scales.csv",
    "rules.csv",
)
OPTIONAL_TABLES = (
    "levels.csv",
    "matrix.csv",
    "bands.csv",
    "acceptance.csv",
)


def default_content_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "source_content"


def content_hash(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths, key=lambda p: p.as_posix()):
        h.update(p.name.encode())
        h.update(p.read_bytes().replace(b"\r\n", b"\n"))
    return h.hexdigest()[:16]


def load_questionnaire(qid: str, root: Path | None = None) -> Questionnaire:
    """Load one questionnaire; raise ContentError listing every problem found."""
    qn, problems = _load(qid, root or default_content_dir())
    if problems or qn is None:
        raise ContentError(_sorted(problems))
    return qn


def load_all(
    ids: Sequence[str] | None = None, content_dir: Path | None = None
) -> list[Questionnaire]:
    """The questionnaires asked for (all by default); UsageError for an unknown id."""
    root = content_dir or default_content_dir()
    known = available_questionnaires(root)
    wanted = list(ids) if ids else known
    unknown = [q for q in wanted if q not in known]
    if unknown:
        raise UsageError(
            f"unknown questionnaire {', '.join(unknown)}; available: "
            f"{', '.join(known) or 'none (is the content folder right?)'}"
        )
    return [load_questionnaire(q, root) for q in wanted]


def check_content(
    root: Path | None = None, ids: Iterable[str] | None = None
) -> list[ContentProblem]:
    root = root or default_content_dir()
    problems: list[ContentProblem] = []
    for qid in ids or available_questionnaires(root):
        problems += _load(qid, root)[1]
    if root.is_dir():
        problems += completeness(root)
    return _sorted(problems)


def _sorted(problems: list[ContentProblem]) -> list[ContentProblem]:
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


def _open(folder: Path, qid: str, name: str, problems: list[ContentProblem]) -> Table:
    path = folder / name
    if not path.exists():
        if name not in OPTIONAL_TABLES:
            problems.append(ContentProblem(f"{qid}/{name}", None, None, "is missing."))
        return Table.empty(f"{qid}/{name}", problems)
    return Table(path, f"{qid}/{name}", problems)


def _derived_scales(scales: dict, levels: tuple, t: dict[str, Table]) -> None:
    """Dropdowns made from other tables: the risk levels, and the roles that accept them."""
    if levels:
        if LEVEL_SCALE in scales:
            t["scales.csv"].problem(
                None,
                "scale_id",
                f'"{LEVEL_SCALE}" is made from levels.csv here; do not define it in scales.csv.',
            )
        scales[LEVEL_SCALE] = level_scale(levels)
    roles = read_acceptance(t["acceptance.csv"], levels)
    if roles is not None:
        scales[roles.id] = roles


def _load(qid: str, root: Path) -> tuple[Questionnaire | None, list[ContentProblem]]:
    problems: list[ContentProblem] = []
    folder = root / qid
    if not (folder / "questions.csv").is_file():
        return None, [
            ContentProblem(
                f"{qid}/", None, None, f"no questionnaire here: {folder} has no questions.csv."
            )
        ]
    cores, principles, langs = read_principles(root, problems)
    t = {name: _open(folder, qid, name, problems) for name in TABLES + OPTIONAL_TABLES}
    for table in t.values():
        langs |= table.languages()
    settings, version = read_settings(t["settings.csv"])
    scales = read_scales(t["scales.csv"], langs)
    sections = read_sections(t["sections.csv"])
    levels = read_levels(t["levels.csv"])
    _derived_scales(scales, levels, t)
    questions = read_questions(t["questions.csv"], scales, sections, {p.id for p in principles})
    if not questions and t["questions.csv"].rows == [] and not problems:
        t["questions.csv"].problem(None, None, "has no questions.")
    matrix = read_matrix(t["matrix.csv"], scales, {lv.id for lv in levels})
    bands = read_bands(t["bands.csv"])
    rules = read_rules(t["rules.csv"])
    # The question map says how older versions' answers carry over; it is not workbook content.
    tables = [p for p in folder.glob("*.csv") if p.name != QUESTION_MAP]
    files = [*tables, root / "core_principles.csv", root / "principles.csv"]
    qn = Questionnaire(
        id=qid,
        version=version,
        settings=settings,
        sections=sections,
        questions=questions,
        scales=scales,
        cores=cores,
        principles=principles,
        levels=levels,
        matrix=matrix,
        bands=bands,
        rules=rules,
        languages=tuple([DEFAULT_LANGUAGE] + sorted(langs - {DEFAULT_LANGUAGE})),
        content_hash=content_hash(p for p in files if p.exists()),
    )
    if not problems:
        check_rules(qn, t["rules.csv"], t["scales.csv"], t["settings.csv"])
        check_targets(qn, t["settings.csv"])
        check_sheet_names(qn, t["sections.csv"])
        load_question_map(qn, root, problems)
    return qn, problems
