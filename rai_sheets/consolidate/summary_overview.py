"""The summary's first sheet, for a chief with five minutes: what needs attention, the colours
used, every AI system's risk before and after mitigation (and those with no valid assessment),
readiness by dimension with its change and target, the action workbooks' figures, the returns.
Every figure carries a few words saying what it means.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .decisions import EARLIER_STAGE
from .findings import unassessed_entry
from .summary_book import Sheet, Styled, SummaryBook, height_of

GRID_NAMES = 8  # names shown in one cell of the risk grid before "and N more"


def write_overview(book: SummaryBook) -> None:
    c = book.c
    qn = c.contents.get("risk")
    columns = max(len(qn.levels) if qn else 0, 4)
    s = Sheet(book, book.t("sheet.overview"), [30] + [16] * columns + [11], landscape=False)
    s.title(book.t("summary.title"), book.subtitle())
    s.heading(book.t("overview.attention"))
    for i, finding in enumerate(c.findings, start=1):
        s.paragraph(f"{i}. {finding}")
    s.row += 1
    _legend(book, s)
    _risk_grid(book, s)
    s.ws.set_h_pagebreaks([s.row])  # printed: risk on the first page, the rest after
    _readiness(book, s)
    _action_figures(book, s)
    _returns(book, s)
    s.ws.activate()


def _legend(book: SummaryBook, s: Sheet) -> None:
    """The colours of the risk levels and readiness bands, with the bands' ranges."""
    c = book.c
    entries: list[tuple[str, list[tuple[str, str]]]] = []
    risk, readiness = c.contents.get("risk"), c.contents.get("readiness")
    if risk:
        levels = sorted(risk.levels, key=lambda lv: -lv.rank)
        entries.append(
            (book.t("overview.legend_levels"), [(lv.label.get(c.lang), lv.colour) for lv in levels])
        )
    if readiness:
        bands = readiness.bands
        words = []
        for i, b in enumerate(bands):
            low = round(b.min_fraction * 100)
            if i + 1 < len(bands):
                high = round(bands[i + 1].min_fraction * 100) - 1
                label = book.t("overview.band_range", band=b.label.get(c.lang), low=low, high=high)
            else:
                label = book.t("overview.band_top", band=b.label.get(c.lang), low=low)
            words.append((label, b.colour))
        entries.append((book.t("overview.legend_bands"), words))
    if not entries:
        return
    s.heading(book.t("overview.legend"))
    slots = len(s.widths) - 1
    for label, items in entries:
        for start in range(0, len(items), slots):
            s.text(s.row, 0, label if start == 0 else "", "wrapb")
            shown = items[start : start + slots]
            for j, (item, colour) in enumerate(shown):
                s.ws.write_string(s.row, 1 + j, item, book.fmt("legend", fill=colour))
            texts = [label, *(item for item, _ in shown)]
            height = height_of(texts, s.widths[: len(texts)])  # a longer translation wraps
            s.ws.set_row(s.row, max(30, height + 2))
            s.row += 1
    s.row += 1


def _risk_grid(book: SummaryBook, s: Sheet) -> None:
    """Each AI system once: its highest inherent level (row) against its highest residual
    level (column); then the systems rated at no level and those without a valid assessment."""
    c = book.c
    qn = c.contents.get("risk")
    if qn is None:
        return
    levels = sorted(qn.levels, key=lambda lv: -lv.rank)
    u = c.unassessed
    earlier = set(u[u["why"] == EARLIER_STAGE]["system_id"]) if len(u) else set()
    reg = c.register[~c.register["system_id"].isin(earlier)] if len(c.register) else c.register
    s.heading(book.t("overview.grid"), book.t("overview.grid_note"))
    last = len(s.widths) - 1
    headers = [book.t("overview.grid_corner"), *[lv.label.get(c.lang) for lv in levels]]
    for j, h in enumerate(headers):
        fill = levels[j - 1].colour if j else ""
        s.ws.write_string(s.row, j, h, book.fmt("gridhead", fill=fill))
    s.ws.write_string(s.row, last, book.t("overview.grid_count"), book.fmt("gridhead"))
    s.ws.set_row(s.row, 42)
    s.row += 1
    for lv in levels:
        label = lv.label.get(c.lang)
        mine = reg[reg["highest_inherent"] == label] if len(reg) else reg
        cells = [
            _names(book, list(mine[mine["highest_residual"] == other.label.get(c.lang)]["system"]))
            if len(mine)
            else ""
            for other in levels
        ]
        _grid_row(book, s, label, cells, len(mine), lv.colour)
    if len(reg):
        unrated = reg[reg["rank"] == 0]
        if len(unrated):
            names = _names(book, list(unrated["system"]))
            _grid_row(book, s, book.t("overview.grid_unrated"), [names], len(unrated), "")
    who = [unassessed_entry(c, r) for r in u.itertuples()]
    none = _names(book, who) or book.t("overview.grid_all_assessed")
    _grid_row(book, s, book.t("overview.grid_unassessed"), [none], len(u), "", flag=len(u) > 0)
    s.text(s.row, 0, book.t("overview.grid_total"), "wrapb")
    for j in range(1, last):
        s.text(s.row, j, "", "cell")
    s.number(s.row, last, len(reg) + len(u))
    s.row += 2


def _grid_row(
    book: SummaryBook,
    s: Sheet,
    label: str,
    cells: list[str],
    count: int,
    colour: str,
    flag: bool = False,
) -> None:
    """One row of the grid: a label, names in each level's cell (or across them), a count."""
    last = len(s.widths) - 1
    s.ws.write_string(s.row, 0, label, book.fmt("flag" if flag else "wrapb", fill=colour))
    if len(cells) == 1 and last > 2:
        s.ws.merge_range(s.row, 1, s.row, last - 1, "", book.fmt("grid"))
    for j, value in enumerate(cells):
        s.text(s.row, 1 + j, value, "grid")
    s.number(s.row, last, count)
    widths = [
        s.widths[1] * (last - 1) if len(cells) == 1 else s.widths[1 + j] for j in range(len(cells))
    ]
    # names in 9-point type: a third more of them on a line than height_of counts
    height = max(height_of([label], [s.widths[0]]), height_of(cells, [w * 1.3 for w in widths]))
    s.ws.set_row(s.row, max(height, 18))
    s.row += 1


def _names(book: SummaryBook, values: list[str]) -> str:
    if len(values) <= GRID_NAMES:
        return "\n".join(values)
    rest = book.t("overview.grid_more", n=len(values) - GRID_NAMES + 1)
    return "\n".join([*values[: GRID_NAMES - 1], rest])


def _readiness(book: SummaryBook, s: Sheet) -> None:
    """The agency's median per dimension, its band, its change and the target."""
    c = book.c
    stats = c.readiness_stats
    if not len(stats):
        return
    t = c.trends
    dims = t.dimensions.set_index("dimension_id") if t is not None and len(t.dimensions) else None
    previous = t.previous if t is not None else ""
    s.heading(
        book.t("overview.readiness"),
        book.t("overview.readiness_note", since=previous)
        if previous
        else book.t("overview.readiness_note_first"),
    )
    rows = []
    for r in stats.itertuples():
        dim = str(r.dimension_id)
        d: Any = dims.loc[dim] if dims is not None and dim in dims.index else None
        change = d["change"] if d is not None and previous else ""
        target = d["target"] if d is not None else ""
        rows.append([r.dimension, r.median, r.band, change or "–", target or "–", r.units])
    change = (
        book.t("overview.change_since", since=previous) if previous else book.t("overview.change")
    )
    first, last = s.table(
        [
            book.t("overview.dimension"),
            book.t("overview.median"),
            book.t("overview.band"),
            change,
            book.t("overview.target"),
            book.t("overview.units"),
        ],
        rows,
        ["wrap", "pct", "center", "center", "center", "int"],
    )
    book.band_fills(s, first, last, 1, 2)
    book.band_fills(s, first, last, 4, 4)


def _action_figures(book: SummaryBook, s: Sheet) -> None:
    """The action workbooks in four or five figures, each with what it means."""
    c = book.c
    a = c.actions
    if not len(a):
        return
    s.heading(book.t("overview.actions"))
    roster = c.report.roster
    expected = len(roster.systems) if roster is not None else len(a)
    od = c.overdue
    rows: list[list[Any]] = [
        [book.t("overview.fig_systems"), len(a), book.t("overview.fig_systems_note", n=expected)],
        [  # a share; the others are counts
            book.t("overview.fig_median"),
            Styled(a["overall"].median(), "pct"),
            book.t("overview.fig_median_note"),
        ],
        [
            book.t("overview.fig_overdue"),
            int(a["overdue"].sum()),
            book.t(
                "overview.fig_overdue_note", systems=int(od["system"].nunique()) if len(od) else 0
            ),
        ],
        [
            book.t("overview.fig_evidence"),
            int(a["done_without_evidence"].sum()),
            book.t("overview.fig_evidence_note"),
        ],
    ]
    if len(c.decisions):
        latest = c.decisions.iloc[0]
        when = latest["date"].isoformat() if not pd.isna(latest["date"]) else "?"
        note = book.t(
            "overview.fig_decisions_note",
            date=when,
            system=latest["system"],
            decision=latest["decision"],
        )
        rows.append([book.t("overview.fig_decisions"), len(c.decisions), note])
    s.table(
        [book.t("overview.figure"), book.t("overview.value"), book.t("overview.meaning")],
        rows,
        ["wrapb", "int", "wrap"],
        spans=[1, 1, len(s.widths) - 2],
    )


def _returns(book: SummaryBook, s: Sheet) -> None:
    c = book.c
    s.heading(book.t("overview.returns"), book.t("overview.returns_note"))
    rows = [
        [r.title, r.expected, r.returned, r.accepted, r.rejected, r.missing]
        for r in c.counts.itertuples()
    ]
    s.table(
        [
            book.t("overview.questionnaire"),
            book.t("overview.expected"),
            book.t("overview.returned"),
            book.t("overview.accepted"),
            book.t("overview.rejected"),
            book.t("overview.missing"),
        ],
        rows,
        ["wrapb", "int", "int", "int", "int", "int"],
    )
