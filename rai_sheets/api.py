"""The library's front door: what the CLI calls and what a notebook user can call.

Nothing here prints or exits. Long work reports progress through an optional callback
`progress(done, total)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from .content import (
    ContentProblem,
    available_questionnaires,
    check_content,
    default_content_dir,
    load_questionnaire,
)
from .files import atomic_write_bytes, atomic_write_with, safe_filename
from .generator import PersonalisedWriter, WorkbookSpec, write_workbook
from .model import DEFAULT_LANGUAGE, Questionnaire, Unit
from .roster import Roster, read_roster

Progress = Callable[[int, int], None]
PER_SYSTEM = {"risk", "action"}


class UsageError(ValueError):
    """A request that cannot be carried out as asked (unknown questionnaire, language...)."""


@dataclass(frozen=True)
class GeneratedFile:
    path: Path
    questionnaire: str
    version: str
    unit_id: str = ""
    system_id: str = ""
    language: str = DEFAULT_LANGUAGE


def load_all(
    ids: Sequence[str] | None = None, content_dir: Path | None = None
) -> list[Questionnaire]:
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


def content_check(content_dir: Path | None = None) -> list[ContentProblem]:
    return check_content(content_dir)


def workbook_name(qid: str, unit: Unit | None, round_id: str = "") -> str:
    parts = [qid]
    if unit:
        parts.append(unit.unit_id)
        if qid in PER_SYSTEM and unit.system_id:
            parts.append(unit.system_id)
    else:
        parts.append("blank")
    if round_id:
        parts.append(round_id)
    return safe_filename("_".join(parts), 150) + ".xlsx"


def generate(
    questionnaires: Sequence[str] | None = None,
    *,
    units: Path | Roster | None = None,
    round_id: str = "",
    lang: str = DEFAULT_LANGUAGE,
    out_dir: Path = Path("output"),
    content_dir: Path | None = None,
    password: str = "",
    progress: Progress | None = None,
) -> list[GeneratedFile]:
    """Write blank workbooks, or one per unit (readiness) / AI system (risk, action)."""
    qns = load_all(questionnaires, content_dir)
    for qn in qns:
        if lang not in qn.languages:
            raise UsageError(
                f'no "{lang}" translation in the {qn.id} content; available: '
                f"{', '.join(qn.languages)}"
            )
    roster = (
        units
        if isinstance(units, Roster) or units is None
        else read_roster(units, tuple(sorted({lg for qn in qns for lg in qn.languages})))
    )
    generated_at = datetime.now().replace(microsecond=0)
    jobs: list[tuple[Questionnaire, Unit | None]] = []
    for qn in qns:
        if roster is None:
            jobs.append((qn, None))
        elif qn.id in PER_SYSTEM:
            jobs += [(qn, s) for s in roster.systems]
        else:
            jobs += [(qn, u) for u in roster.units]
    out: list[GeneratedFile] = []
    writers: dict[tuple[str, str, bool], PersonalisedWriter] = {}
    for i, (qn, unit) in enumerate(jobs):
        unit_lang = unit.language if unit and unit.language else lang
        path = out_dir / workbook_name(qn.id, unit, round_id)
        spec = WorkbookSpec(qn, None, round_id, unit_lang, password, generated_at=generated_at)
        if unit is None:
            atomic_write_with(path, partial(write_workbook, spec))
        else:
            key = (qn.id, unit_lang, qn.id in PER_SYSTEM)
            if key not in writers:
                writers[key] = PersonalisedWriter(spec, with_system=key[2])
            atomic_write_bytes(path, writers[key].render(unit))
        out.append(
            GeneratedFile(
                path,
                qn.id,
                qn.version,
                unit.unit_id if unit else "",
                unit.system_id if unit and qn.id in PER_SYSTEM else "",
                unit_lang,
            )
        )
        if progress:
            progress(i + 1, len(jobs))
    if roster is not None and not jobs:
        raise UsageError(
            "the roster lists no AI systems (system_id), so there is no risk or "
            "action workbook to make"
        )
    return out


def questionnaire_ids(content_dir: Path | None = None) -> list[str]:
    return available_questionnaires(content_dir or default_content_dir())
