"""Many workbooks at once: blank ones, or one per unit (readiness) and per AI system (risk,
action) from a roster, each written atomically and named for whom it is."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from ..content.languages import untranslated
from ..content.load import default_content_dir, load_all
from ..errors import UsageError
from ..files import atomic_write_bytes, atomic_write_with, safe_filename
from ..model import DEFAULT_LANGUAGE, Questionnaire, Unit
from ..roster import Roster, read_roster
from .generator import write_workbook
from .personalise import PersonalisedWriter
from .spec import WorkbookSpec

Progress = Callable[[int, int], None]
PER_SYSTEM = {"risk", "action"}


@dataclass(frozen=True)
class GeneratedFile:
    path: Path
    questionnaire: str
    version: str
    unit_id: str = ""
    system_id: str = ""
    language: str = DEFAULT_LANGUAGE
    carried: int = 0  # answers pre-filled from an earlier round
    untranslated: int = 0  # texts of its language shown in English (with allow_fallback)


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
    prefill: Mapping[tuple[str, str, str], Mapping[str, Any]] | None = None,
    prefill_from: str = "",
    allow_fallback: bool = False,
    progress: Progress | None = None,
) -> list[GeneratedFile]:
    """Write blank workbooks, or one per unit (readiness) / AI system (risk, action).

    `prefill`, keyed by (questionnaire, unit id, system id), holds answers carried over from
    round `prefill_from`: those workbooks are written one by one, marked for review; the
    others keep the fast path of one template per questionnaire and language.

    A workbook is written in a language only when every text it shows has that language
    (TranslationMissing lists what lacks it), or, with `allow_fallback`, in English where not.
    """
    qns = load_all(questionnaires, content_dir)
    jobs = _jobs(qns, _roster(qns, units, lang))
    langs = {unit.language if unit and unit.language else lang for _, unit in jobs}
    root = content_dir or default_content_dir()
    fallback = untranslated(root, langs, [qn.id for qn in qns], allow_fallback)
    generated_at = datetime.now().replace(microsecond=0)
    out: list[GeneratedFile] = []
    writers: dict[tuple[str, str, bool], PersonalisedWriter] = {}
    for i, (qn, unit) in enumerate(jobs):
        unit_lang = unit.language if unit and unit.language else lang
        path = out_dir / workbook_name(qn.id, unit, round_id)
        spec = WorkbookSpec(qn, None, round_id, unit_lang, password, generated_at=generated_at)
        carried = _carried(prefill, qn, unit)
        if unit is None:
            atomic_write_with(path, partial(write_workbook, spec))
        elif carried:
            own = replace(
                spec,
                unit=unit,
                answers=carried,
                carried=frozenset(carried),
                carried_from=prefill_from,
            )
            atomic_write_with(path, partial(write_workbook, own))
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
                len(carried),
                fallback.get(unit_lang, 0),
            )
        )
        if progress:
            progress(i + 1, len(jobs))
    return out


def _roster(qns: list[Questionnaire], units: Path | Roster | None, lang: str) -> Roster | None:
    """The roster, its units' languages checked against the content's; UsageError for a
    language the content does not have at all."""
    for qn in qns:
        if lang not in qn.languages:
            raise UsageError(
                f'no "{lang}" translation in the {qn.id} content; available: '
                f"{', '.join(qn.languages)}"
            )
    if isinstance(units, Roster) or units is None:
        return units
    return read_roster(units, tuple(sorted({lg for qn in qns for lg in qn.languages})))


def _carried(
    prefill: Mapping[tuple[str, str, str], Mapping[str, Any]] | None,
    qn: Questionnaire,
    unit: Unit | None,
) -> dict[str, Any]:
    if not prefill or unit is None:
        return {}
    system = unit.system_id if qn.id in PER_SYSTEM else ""
    return dict(prefill.get((qn.id, unit.unit_id, system), {}))


def _jobs(
    qns: list[Questionnaire], roster: Roster | None
) -> list[tuple[Questionnaire, Unit | None]]:
    """(questionnaire, unit or AI system) for every workbook to write."""
    jobs: list[tuple[Questionnaire, Unit | None]] = []
    for qn in qns:
        if roster is None:
            jobs.append((qn, None))
        elif qn.id in PER_SYSTEM:
            jobs += [(qn, s) for s in roster.systems]
        else:
            jobs += [(qn, u) for u in roster.units]
    if roster is not None and not jobs:
        raise UsageError(
            "the roster lists no AI systems (system_id), so there is no risk or "
            "action workbook to make"
        )
    return jobs
