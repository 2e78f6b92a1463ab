"""Questionnaire (+ unit) -> workbook, written with xlsxwriter.

One call, `write_workbook`, writes one workbook: instructions first, the question sheets with
dropdowns and live formulas, the results with a chart, and the hidden `_lists` and `_meta`
sheets that carry the contract for reading back. User-supplied strings are always written with
`write_string`, so a roster entry such as `=cmd|...` stays text.
"""

from __future__ import annotations

from typing import IO

import xlsxwriter
from xlsxwriter.workbook import Workbook

from ..i18n import is_rtl
from ..scoring import helper_values, score
from .changes_sheet import changes_sheet
from .formulas import FormulaBuilder
from .hidden_sheets import lists_sheet, meta_sheet
from .instructions import write_instructions
from .layout import Plan, plan
from .question_sheet import question_sheet
from .results_sheet import results_sheet
from .spec import WorkbookSpec
from .styles import Styles

__all__ = ["WorkbookSpec", "write_workbook"]

WRITER_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def write_workbook(spec: WorkbookSpec, target: str | IO[bytes]) -> None:
    qn = spec.questionnaire
    p = plan(qn, spec.lang)
    wb = xlsxwriter.Workbook(target, WRITER_OPTIONS)
    st = Styles(wb, rtl=is_rtl(spec.lang))
    answers = dict(spec.answers)
    for q in qn.questions:
        if q.prefill and spec.unit:
            answers[q.input_name(q.fields[0])] = spec.unit.value(q.prefill)
    scores = score(qn, answers, spec.today)
    helpers = helper_values(qn, answers, spec.today)
    fb = FormulaBuilder(p, spec.lang)

    changes = changes_sheet(wb, st, spec, p) if spec.migrated_from else None
    write_instructions(wb, st, spec)
    for sp in p.sheets:
        question_sheet(wb, st, spec, sp, p, fb, answers, scores, helpers)
    results_sheet(wb, st, spec, p, fb, scores)
    lists_sheet(wb, st, qn, spec.lang)
    meta = spec.meta()
    meta_sheet(wb, meta, p, spec.carried_values())
    if changes is not None:
        changes.activate()  # a migrated workbook opens on what the respondent must do
    _define_names(wb, p)
    _properties(wb, spec, meta)
    wb.close()


def _define_names(wb: Workbook, p: Plan) -> None:
    for name, cell in p.inputs.items():
        wb.define_name(name, f"={cell.abs_ref}")
    for mid, cell in p.outputs.items():
        wb.define_name(f"out_{mid}", f"={cell.abs_ref}")


def _properties(wb: Workbook, spec: WorkbookSpec, meta: dict[str, str]) -> None:
    qn = spec.questionnaire
    for key, value in meta.items():
        if value:
            wb.set_custom_property(key, value)
    wb.set_properties(
        {
            "title": f"{qn.title.get(spec.lang)}"
            + (f" - {spec.unit.system_name or spec.unit.unit_name}" if spec.unit else ""),
            "subject": qn.title.get(spec.lang),
            "author": "rai-sheets",
            "company": "",
            "comments": f"{qn.id} {qn.version}",
            "created": spec.generated_at,
        }
    )
