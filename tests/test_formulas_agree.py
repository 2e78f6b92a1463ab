"""One set of rules, two renderings: the formulas that LibreOffice computes in the workbook
equal what the Python scorer computes from the same answers, for many random answer sets:
partial ones (blanks, half-rated risks: results say "Incomplete") and complete ones (every
required answer given, so that bands and their caps, residual levels, N/A, the applicability
screening, the risk acceptance and stage-aware completion all compute)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rai_sheets.model import DATE, INTEGER, NUMBER, SELECT, Questionnaire
from rai_sheets.scoring import metric_label, score
from rai_sheets.workbook.generator import WorkbookSpec, write_workbook

TODAY = date.today()


HIGH = {"established", "advanced"}  # readiness answers that reach the bands a cap holds down


def answer_sets(qn: Questionnaire, complete: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Random answers for every input: codes for dropdowns, dates around today, free text.
    `complete`: every required answer is given (a risk's impact may stay blank only where its
    likelihood is "not applicable", which the scorer then ignores)."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, (_q, f) in qn.input_names.items():
        required = complete and (f.required or f.key == "status" or name.endswith("_stage"))
        if f.kind == SELECT and f.scale_id:
            codes = [c.code for c in qn.scales[f.scale_id].choices]
            high = sorted(HIGH & set(codes))
            choice = st.sampled_from(codes)
            if high:
                choice = st.one_of(choice, st.sampled_from(high))
            fields[name] = choice if required else st.one_of(st.none(), choice)
        elif f.kind == DATE:
            fields[name] = st.one_of(
                st.none(), st.integers(-400, 400).map(lambda d: TODAY + timedelta(days=d))
            )
        elif f.kind in (NUMBER, INTEGER):
            fields[name] = st.one_of(st.none(), st.integers(0, 1000))
        else:
            fields[name] = st.one_of(st.none(), st.sampled_from(["x", "see ref 12/2026", "n/a"]))
    return st.fixed_dictionaries(fields)


def to_cells(qn: Questionnaire, answers: dict[str, Any], lang: str) -> list[tuple[str, str, Any]]:
    cells = []
    for name, value in answers.items():
        q, f = qn.input_names[name]
        if value is None:
            cells.append((name, "blank", None))
        elif f.kind == SELECT and f.scale_id:
            cells.append((name, "text", qn.scales[f.scale_id].by_code(value).label.get(lang)))
        elif isinstance(value, date):
            cells.append((name, "date", value.isoformat()))
        elif isinstance(value, int):
            cells.append((name, "number", value))
        else:
            cells.append((name, "text", value))
    return cells


def assert_agree(qn: Questionnaire, lang: str, answers: dict[str, Any], lo) -> None:
    lo.set(to_cells(qn, answers, lang))
    lo.recalc()
    names = [m.name for m in qn.metrics]
    excel = dict(zip(names, lo.get(names), strict=True))
    python = score(qn, answers, TODAY)
    for m in qn.metrics:
        expected = metric_label(qn, m, python[m.id], lang)
        got = excel[m.name]
        if isinstance(expected, float | int) and not isinstance(expected, bool):
            assert isinstance(got, float), f"{m.name}: Excel {got!r}, Python {expected!r}"
            assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), (
                f"{m.name}: Excel {got!r}, Python {expected!r}"
            )
        else:
            assert got == expected, f"{m.name}: Excel {got!r}, Python {expected!r}"


@pytest.fixture(scope="module")
def loaded(libreoffice, questionnaires, tmp_path_factory):
    """Load each questionnaire's workbook into LibreOffice once, on demand."""
    folder = tmp_path_factory.mktemp("agree")
    state: dict[str, str] = {}

    def load(qid: str, lang: str = "en") -> Questionnaire:
        key = f"{qid}-{lang}"
        if state.get("current") != key:
            path = Path(folder) / f"{key}.xlsx"
            with path.open("wb") as fh:
                write_workbook(WorkbookSpec(questionnaires[qid], lang=lang), fh)
            libreoffice.load(path)
            state["current"] = key
        return questionnaires[qid]

    return load


AGREE = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.mark.parametrize("qid", ["readiness", "risk", "action"])
def test_formulas_agree_with_python_scorer(qid, loaded, libreoffice, questionnaires):
    qn = loaded(qid)

    @AGREE
    @given(answers=st.one_of(answer_sets(qn), answer_sets(qn, complete=True)))
    def check(answers):
        assert_agree(qn, "en", answers, libreoffice)

    check()


@pytest.mark.parametrize("qid", ["readiness", "risk", "action"])
def test_edge_cases_agree(qid, loaded, libreoffice):
    """All blank, all at one extreme, all "not applicable" where the scale allows it."""
    qn = loaded(qid)
    blank = {name: None for name in qn.input_names}
    assert_agree(qn, "en", blank, libreoffice)
    for pick in (0, -1):
        answers = dict(blank)
        for name, (_q, f) in qn.input_names.items():
            if f.kind == SELECT and f.scale_id:
                answers[name] = qn.scales[f.scale_id].choices[pick].code
        assert_agree(qn, "en", answers, libreoffice)


def test_formulas_agree_in_french(loaded, libreoffice, questionnaires):
    qn = loaded("risk", "fr")

    @settings(AGREE, max_examples=15)
    @given(answers=answer_sets(qn))
    def check(answers):
        assert_agree(qn, "fr", answers, libreoffice)

    check()
