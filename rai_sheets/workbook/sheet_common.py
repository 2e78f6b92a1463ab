"""Helpers shared by the sheets of a generated workbook: titles, page set-up, protection,
cached values and level colours."""

from __future__ import annotations

from typing import Any

from xlsxwriter.worksheet import Worksheet

from ..i18n import is_rtl, text
from ..model import Questionnaire
from .formulas import quote
from .layout import SheetPlan, col_letter
from .spec import WorkbookSpec
from .styles import Styles

ATTENTION_FILL, INCOMPLETE_FILL = "#FFD966", "#D9D9D9"
PROTECTION = {
    "format_columns": True,
    "format_rows": True,
    "select_locked_cells": True,
    "select_unlocked_cells": True,
}


FOOTER_NAME = 90  # a footer holds 255 characters in all: a unit and a system name fit


def footer_name(name: str) -> str:
    """A name as the footer shows it: '&' doubled (it starts a footer code), long names cut
    with a visible ellipsis rather than silently."""
    short = name if len(name) <= FOOTER_NAME else name[: FOOTER_NAME - 1] + "…"
    return short.replace("&", "&&")


def footer_text(spec: WorkbookSpec) -> str:
    who = ""
    if spec.unit:
        who = footer_name(spec.unit.unit_name) + (
            f" / {footer_name(spec.unit.system_name)}" if spec.unit.system_name else ""
        )
    qn = spec.questionnaire
    title = (qn.setting("short_title", spec.lang) or qn.id).replace("&", "&&")
    page = qn.say("footer_page", spec.lang)
    if is_rtl(spec.lang):
        # from the right: names, the questionnaire, the page; each part apart, so that the
        # page numbers do not mix into right-to-left words
        return f"&L{page}&C{title} {qn.version}&R{who}"
    # names on the left, the rest on the right: a long name cannot run into the title
    return f"&L{who}&R{title} {qn.version} - {page}"


def page_setup(ws: Worksheet, spec: WorkbookSpec, landscape: bool = True) -> None:
    """Paper, margins and footer; a right-to-left language's sheet reads and prints from the
    right (its first column on the right)."""
    if is_rtl(spec.lang):
        ws.right_to_left()
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.set_footer(footer_text(spec))


def sheet_title(ws: Worksheet, st: Styles, spec: WorkbookSpec, heading: str) -> None:
    ws.write_string(0, 0, heading, st.title)
    u = spec.unit
    parts = [spec.questionnaire.title.get(spec.lang)]
    if u:
        parts.append(u.unit_name + (f" / {u.system_name}" if u.system_name else ""))
    if spec.round_id:
        parts.append(text("workbook.round", spec.lang, round=spec.round_id))
    if spec.carried:
        parts.append(spec.carried_note)
    ws.write_string(1, 0, " | ".join(parts), st.subtitle)


def cached(value: Any) -> Any:
    return "" if value is None else value


def level_colours(
    ws: Worksheet,
    st: Styles,
    qn: Questionnaire,
    lang: str,
    first: int,
    last: int,
    sp: SheetPlan | None = None,
    cols: tuple[int, int] | None = None,
) -> None:
    """Colour level and band cells; the level is always written as text too."""
    c0, c1 = cols if cols else (0, len(sp.columns) - 1 if sp else 10)
    rng = f"{col_letter(c0)}{first + 1}:{col_letter(c1)}{last + 1}"
    for lv in qn.levels:
        ws.conditional_format(
            rng,
            {
                "type": "cell",
                "criteria": "==",
                "value": quote(lv.label.get(lang)),
                "format": st.fill(lv.colour),
            },
        )
    for b in qn.bands:
        ws.conditional_format(
            rng,
            {
                "type": "cell",
                "criteria": "==",
                "value": quote(b.label.get(lang)),
                "format": st.fill(b.colour),
            },
        )
    # attention flags and acceptance gaps in amber; "Incomplete" in grey, unlike any level
    flags = [k for k in qn.settings if k.startswith(("attention_", "accept_"))]
    fills = {k: ATTENTION_FILL for k in flags if k not in ("accept_accepted", "accept_not_needed")}
    fills["result_incomplete"] = INCOMPLETE_FILL
    for key, colour in fills.items():
        label = qn.setting(key, lang)
        if label:
            ws.conditional_format(
                rng,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": quote(label),
                    "format": st.fill(colour),
                },
            )
