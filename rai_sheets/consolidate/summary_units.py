"""The summary's sheets per unit and per AI system: Readiness (units x dimensions, agency
figures, weakest dimensions, units below a band, a chart), Actions (completion per life-cycle
stage, overdue items, items done without evidence) and Decisions (the action workbooks'
decision logs, newest first, as a filterable table).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..i18n import joined
from .findings import below_band
from .summary_book import Sheet, SummaryBook


def write_readiness(book: SummaryBook) -> None:
    c = book.c
    qn = c.contents.get("readiness")
    if qn is None:
        return
    sections = qn.scope_ids("each:section")
    name = book.t("sheet.readiness")
    s = Sheet(book, name, [30] + [11] * len(sections) + [10, 14, 8, 9, 14])
    s.title(book.t("readiness.title"), book.subtitle())
    labels = [qn.scope_label("each:section", sid, c.lang) for sid in sections]
    if c.unit_level_hidden:
        s.heading(book.t("readiness.units"), book.t("readiness.hidden", n=c.min_group))
    else:
        legend = joined(
            (
                book.t("readiness.band_from", band=b.label.get(c.lang), low=f"{b.min_fraction:.0%}")
                for b in qn.bands
            ),
            c.lang,
        )
        s.heading(book.t("readiness.units"), book.t("readiness.units_note", legend=legend))
        rows = [
            [
                r["unit"],
                *[r[sid] for sid in sections],
                r["overall"],
                r["band"],
                r["na"],
                r["dont_know"],
                r["capped"],
            ]
            for _, r in c.readiness.sort_values(
                "overall", ascending=False, na_position="last"
            ).iterrows()
        ]
        first, last = s.table(
            [
                book.t("readiness.unit"),
                *labels,
                book.t("summary.overall"),
                book.t("readiness.band"),
                book.t("readiness.na"),
                book.t("readiness.dont_know"),
                book.t("readiness.capped"),
            ],
            rows,
            ["wrapb"] + ["pct"] * (len(sections) + 1) + ["center", "int", "int", "center"],
        )
        book.band_fills(s, first, last, 1, len(sections) + 2)
        col = len(sections) + 5  # the band a critical statement holds the unit down to
        book.band_fills(s, first, last, col, col)
        s.ws.freeze_panes(first, 1)
        _mostly_na(book, s)
    _agency(book, s, name)


def _agency(book: SummaryBook, s: Sheet, name: str) -> None:
    """The agency's figures per dimension, the weakest ones, the units below a band, a chart."""
    c = book.c
    stats = c.readiness_stats
    s.heading(book.t("readiness.agency"))
    rows = [[r.dimension, r.median, r.min, r.max, r.band, r.units] for r in stats.itertuples()]
    agency_first, agency_last = s.table(
        [
            book.t("overview.dimension"),
            book.t("readiness.median"),
            book.t("readiness.lowest"),
            book.t("readiness.highest"),
            book.t("readiness.band_of_median"),
            book.t("overview.units"),
        ],
        rows,
        ["wrapb", "pct", "pct", "pct", "center", "int"],
        charted=True,
    )
    book.band_fills(s, agency_first, agency_last, 1, 4)
    dims = stats[(stats["dimension_id"] != "overall") & stats["median"].notna()]
    weakest = dims.sort_values("median").head(3)
    s.heading(book.t("readiness.weakest"))
    s.table(
        [book.t("overview.dimension"), book.t("readiness.median")],
        [[r.dimension, r.median] for r in weakest.itertuples()],
        ["wrapb", "pct"],
    )
    qn = c.contents["readiness"]
    band = next((b.label.get(c.lang) for b in qn.bands if b.id == c.below_band), "")
    s.heading(book.t("readiness.below", band=band.lower()))
    if c.unit_level_hidden:
        s.text(s.row, 0, book.t("readiness.below_hidden"), "note")
        s.row += 2
    else:
        below = c.readiness[below_band(c)] if len(c.readiness) else c.readiness
        s.table(
            [book.t("readiness.unit"), book.t("summary.overall"), book.t("readiness.band")],
            [[r.unit, r.overall, r.band] for r in below.itertuples()],
            ["bold", "pct", "center"],
            empty=book.t("readiness.below_none"),
        )
    # the medians of the agency table, without its "Overall" row
    bar_chart(book, s, name, agency_first, agency_last - 1, book.t("readiness.chart"))


def bar_chart(book: SummaryBook, s: Sheet, sheet: str, first: int, last: int, title: str) -> None:
    if last < first:
        return
    chart = book.wb.add_chart({"type": "bar"})
    chart.add_series(
        {
            "categories": [sheet, first, 0, last, 0],
            "values": [sheet, first, 1, last, 1],
            "gap": 60,
            "data_labels": {"value": True, "num_format": "0%"},
            "fill": {"color": "#4472C4"},
        }
    )
    chart.set_title({"name": title, "name_font": {"size": 11}})
    chart.set_legend({"none": True})
    axis = {"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}}
    chart.set_x_axis(axis | {"reverse": book.rtl})  # bars grow from the right in Arabic
    # every dimension named: room for two lines of label per bar
    chart.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"size": 8}})
    height = 36 * (last - first + 1) + 90
    chart.set_size({"width": 640, "height": height})
    s.ws.insert_chart(s.row, 0, chart)
    s.row += height // 20 + 2


def _mostly_na(book: SummaryBook, s: Sheet) -> None:
    """Units whose answers leave out more than a fifth of a dimension as not applicable."""
    c = book.c
    flagged = c.readiness[c.readiness["mostly_na"] != ""] if len(c.readiness) else c.readiness
    s.heading(book.t("readiness.mostly_na"), book.t("readiness.mostly_na_note"))
    s.table(
        [book.t("readiness.unit"), book.t("readiness.dimensions")],
        [[r.unit, r.mostly_na] for r in flagged.itertuples()],
        ["bold", "wrap"],
        spans=[1, 6],
    )


def write_actions(book: SummaryBook) -> None:
    c = book.c
    qn = c.contents.get("action")
    if qn is None:
        return
    stages = qn.scope_ids("each:section")
    s = Sheet(book, book.t("sheet.actions"), [30, 22, 16] + [12] * len(stages) + [11, 10, 12])
    s.title(book.t("actions.title"), book.subtitle())
    s.heading(book.t("actions.completion"), book.t("actions.completion_note"))
    rows = [
        [
            r["system"],
            r["unit"],
            r["stage"],
            *[r[sid] for sid in stages],
            r["overall"],
            r["overdue"],
            r["done_without_evidence"],
        ]
        for _, r in c.actions.iterrows()
    ]
    first, last = s.table(
        [
            book.t("register.system"),
            book.t("register.unit"),
            book.t("actions.stage"),
            *[qn.scope_label("each:section", sid, c.lang) for sid in stages],
            book.t("summary.overall"),
            book.t("actions.overdue_items"),
            book.t("actions.no_evidence_items"),
        ],
        rows,
        ["wrapb", "wrap", "wrap"] + ["pct"] * (len(stages) + 1) + ["int", "int"],
        empty=book.t("actions.none"),
    )
    if last >= first:
        s.ws.conditional_format(
            first,
            3,
            last,
            3 + len(stages),
            {
                "type": "data_bar",
                "bar_color": "#9FC5E8",
                "bar_solid": True,
                "min_type": "num",
                "min_value": 0,
                "max_type": "num",
                "max_value": 1,
            },
        )
    _action_lists(book, s, max(len(stages) - 2, 1))


def _action_lists(book: SummaryBook, s: Sheet, text_span: int) -> None:
    """The overdue items, oldest first, and the items done without evidence."""
    c = book.c
    s.heading(book.t("actions.overdue", date=f"{c.generated_at:%Y-%m-%d}"))
    od = c.overdue
    rows = (
        [
            [r.system, r.stage, r.text, r.owner, r.due, r.days_late, r.status]
            for r in od.itertuples()
        ]
        if len(od)
        else []
    )
    s.table(
        [
            book.t("register.system"),
            book.t("actions.stage_of_item"),
            book.t("actions.action"),
            book.t("actions.owner"),
            book.t("actions.due"),
            book.t("actions.days_late"),
            book.t("actions.status"),
        ],
        rows,
        ["wrapb", "wrap", "wrap", "wrap", "date", "int", "center"],
        empty=book.t("actions.no_overdue"),
        spans=[1, 1, text_span + 1, 1, 1, 1, 1],
    )
    s.heading(book.t("actions.no_evidence"))
    ne = c.no_evidence
    rows = [[r.system, r.stage, r.text, r.owner] for r in ne.itertuples()] if len(ne) else []
    s.table(
        [
            book.t("register.system"),
            book.t("actions.stage_of_item"),
            book.t("actions.action"),
            book.t("actions.owner"),
        ],
        rows,
        ["wrapb", "wrap", "wrap", "wrap"],
        spans=[1, 1, text_span + 1, 1],
    )


def write_decisions(book: SummaryBook) -> None:
    """The action workbooks' decision logs, newest first."""
    c = book.c
    if "action" not in c.contents:
        return
    s = Sheet(book, book.t("sheet.decisions"), [11, 26, 18, 16, 36, 18, 12, 26, 30, 11])
    s.title(book.t("decisions.title"), book.subtitle())
    s.paragraph(book.t("decisions.note"), "note")
    s.row += 1
    rows: list[list[Any]] = [
        [
            _date(r.date),
            r.system,
            r.unit,
            r.stage,
            r.decision,
            r.decided_by,
            r.risk_level,
            r.conditions,
            r.rationale,
            _date(r.next_review),
        ]
        for r in c.decisions.itertuples()
    ]
    headers = [
        book.t("decisions.date"),
        book.t("register.system"),
        book.t("register.unit"),
        book.t("decisions.stage"),
        book.t("decisions.decision"),
        book.t("decisions.by"),
        book.t("decisions.level"),
        book.t("decisions.conditions"),
        book.t("decisions.rationale"),
        book.t("decisions.next_review"),
    ]
    styles = ["date", "wrapb", "wrap", "wrap", "wrap", "wrap", "center", "wrap", "wrap", "date"]
    first, last = s.list_table("Decisions", headers, rows, styles, book.t("decisions.none"))
    book.level_fills(s, first, last, 6, 6)


def _date(value: Any) -> Any:
    return value if value is not None and not pd.isna(value) else None
