"""The leadership summary workbook: Overview, Readiness, Risk register, Actions, Coverage,
Issues. Values only (no formulas that can break), native charts, conditional formatting, and
every piece of returned text written as inert text.
"""

from __future__ import annotations

from ..issues import ACCEPTED, ACCEPTED_WITH_WARNINGS, REJECTED, SKIPPED
from .aggregate import LANG, MISSING, SUPERSEDED, Consolidation
from .findings import below_band
from .summary_book import Sheet, SummaryBook
from .trends_sheet import write_trends

STATUS_FILLS = {
    ACCEPTED: "#D9EAD3",
    ACCEPTED_WITH_WARNINGS: "#FFF2CC",
    REJECTED: "#F4CCCC",
    MISSING: "#E06666",
    SUPERSEDED: "#EEEEEE",
    SKIPPED: "#EEEEEE",
}


def render_summary(c: Consolidation) -> bytes:
    book = SummaryBook(c)
    _overview(book)
    _readiness(book)
    _register(book)
    _actions(book)
    write_trends(book)
    _coverage(book)
    _issues(book)
    return book.close()


def _subtitle(c: Consolidation) -> str:
    accepted = len(c.kept)
    parts = [
        f"Round {c.round_id}" if c.round_id else "All returns",
        f"produced {c.generated_at:%Y-%m-%d %H:%M}",
        f"{accepted} accepted workbook{'s' if accepted != 1 else ''}",
    ]
    return " | ".join(parts)


def _level_fills(book: SummaryBook, sheet: Sheet, first: int, last: int, c0: int, c1: int) -> None:
    qn = book.c.contents.get("risk")
    if qn:
        for lv in qn.levels:
            sheet.fill_where(first, last, c0, c1, lv.colour, equals=lv.label.get(LANG))


def _band_fills(book: SummaryBook, sheet: Sheet, first: int, last: int, c0: int, c1: int) -> None:
    """Scores coloured by the band they fall in, and band names by their own colour."""
    qn = book.c.contents.get("readiness")
    if not qn:
        return
    bands = qn.bands
    for i, b in enumerate(bands):
        upper = bands[i + 1].min_fraction if i + 1 < len(bands) else 10.0
        sheet.fill_where(first, last, c0, c1, b.colour, between=(b.min_fraction, upper - 1e-9))
        sheet.fill_where(first, last, c0, c1, b.colour, equals=b.label.get(LANG))


def _overview(book: SummaryBook) -> None:
    c = book.c
    s = Sheet(book, "Overview", [44, 13, 13, 13, 13, 13, 13], landscape=False)
    s.title("Responsible AI: summary for leadership", _subtitle(c))
    s.heading("What needs attention")
    for i, finding in enumerate(c.findings, start=1):
        s.ws.merge_range(s.row, 0, s.row, 6, "", book.fmt("finding"))
        s.text(s.row, 0, f"{i}. {finding}", "finding")
        s.ws.set_row(s.row, 15 * (len(finding) // 95 + 1) + 4)
        s.row += 1
    s.row += 1
    s.heading("Returns")
    rows = [
        [r.title, r.expected, r.returned, r.accepted, r.rejected, r.missing]
        for r in c.counts.itertuples()
    ]
    s.table(
        ["Questionnaire", "Expected", "Returned", "Accepted", "Rejected", "Missing"],
        rows,
        ["wrapb", "int", "int", "int", "int", "int"],
    )
    if len(c.readiness_stats):
        s.heading(
            "Readiness by dimension",
            "Median of the units' scores; each unit's scores are on the Readiness sheet.",
        )
        stats = c.readiness_stats
        rows = [[r.dimension, r.median, r.band, r.units] for r in stats.itertuples()]
        first, last = s.table(
            ["Dimension", "Median score", "Band", "Units"], rows, ["wrap", "pct", "center", "int"]
        )
        _band_fills(book, s, first, last, 1, 2)
        _bar_chart(book, s, "Overview", first, last - 1, "Median readiness by dimension")
    if len(c.register):
        qn = c.contents["risk"]
        s.heading("AI systems by highest inherent risk")
        levels = sorted(qn.levels, key=lambda lv: -lv.rank)
        rows = [
            [lv.label.get(LANG), int((c.register["highest_inherent"] == lv.label.get(LANG)).sum())]
            for lv in levels
        ]
        first, last = s.table(["Risk level", "AI systems"], rows, ["center", "int"])
        _level_fills(book, s, first, last, 0, 0)
    if len(c.actions):
        s.heading("Action workbooks")
        a = c.actions
        rows = [
            [
                len(a),
                a["overall"].median(),
                int(a["overdue"].sum()),
                int(a["done_without_evidence"].sum()),
            ]
        ]
        s.table(
            ["AI systems", "Median completion", "Overdue items", "Done without evidence"],
            rows,
            ["int", "pct", "int", "int"],
        )
    s.ws.activate()


def _bar_chart(
    book: SummaryBook, s: Sheet, sheet_name: str, first: int, last: int, title: str
) -> None:
    if last < first:
        return
    chart = book.wb.add_chart({"type": "bar"})
    chart.add_series(
        {
            "categories": [sheet_name, first, 0, last, 0],
            "values": [sheet_name, first, 1, last, 1],
            "gap": 60,
            "data_labels": {"value": True, "num_format": "0%"},
            "fill": {"color": "#4472C4"},
        }
    )
    chart.set_title({"name": title, "name_font": {"size": 11}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})
    height = 24 * (last - first + 1) + 90
    chart.set_size({"width": 640, "height": height})
    s.ws.insert_chart(s.row, 0, chart)
    s.row += height // 20 + 2


def _readiness(book: SummaryBook) -> None:
    c = book.c
    qn = c.contents.get("readiness")
    if qn is None:
        return
    sections = qn.scope_ids("each:section")
    s = Sheet(book, "Readiness", [30] + [11] * len(sections) + [10, 14, 8, 9, 14])
    s.title("Readiness by unit and dimension", _subtitle(c))
    labels = [qn.scope_label("each:section", sid) for sid in sections]
    legend = ", ".join(f"{b.label.get(LANG)} from {b.min_fraction:.0%}" for b in qn.bands)
    if c.unit_level_hidden:
        s.heading(
            "Units",
            f"Unit-level results are hidden: fewer than {c.min_group} units "
            "answered, so a unit could be recognised. Agency figures follow.",
        )
    else:
        s.heading("Units", f"Score = points earned / points attainable. Bands: {legend}.")
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
            ["Unit", *labels, "Overall", "Band", "N/A", "Don't know", "Band held down to"],
            rows,
            ["wrapb"] + ["pct"] * (len(sections) + 1) + ["center", "int", "int", "center"],
        )
        _band_fills(book, s, first, last, 1, len(sections) + 2)
        for b in qn.bands:  # the band a critical statement holds the unit down to
            col = len(sections) + 5
            s.fill_where(first, last, col, col, b.colour, equals=b.label.get(LANG))
        s.ws.freeze_panes(first, 1)
        _mostly_na(s, c)
    stats = c.readiness_stats
    s.heading("Agency figures per dimension")
    rows = [[r.dimension, r.median, r.min, r.max, r.band, r.units] for r in stats.itertuples()]
    agency_first, agency_last = s.table(
        ["Dimension", "Median", "Lowest", "Highest", "Band of median", "Units"],
        rows,
        ["wrapb", "pct", "pct", "pct", "center", "int"],
    )
    _band_fills(book, s, agency_first, agency_last, 1, 4)
    dims = stats[(stats["dimension_id"] != "overall") & stats["median"].notna()]
    weakest = dims.sort_values("median").head(3)
    s.heading("Weakest dimensions")
    s.table(
        ["Dimension", "Median"],
        [[r.dimension, r.median] for r in weakest.itertuples()],
        ["wrapb", "pct"],
    )
    band_label = next((b.label.get(LANG) for b in qn.bands if b.id == c.below_band), "")
    s.heading(f"Units below {band_label.lower()} overall" if band_label else "Units below")
    if c.unit_level_hidden:
        s.text(s.row, 0, "Hidden for this round (small group).", "note")
        s.row += 2
    else:
        below = c.readiness[below_band(c)] if len(c.readiness) else c.readiness
        s.table(
            ["Unit", "Overall", "Band"],
            [[r.unit, r.overall, r.band] for r in below.itertuples()],
            ["bold", "pct", "center"],
            empty="No unit is below this band.",
        )
    # the medians of the agency table, without its "Overall" row
    _bar_chart(book, s, "Readiness", agency_first, agency_last - 1, "Median readiness by dimension")


def _mostly_na(s: Sheet, c: Consolidation) -> None:
    """Units whose answers leave out more than a fifth of a dimension as not applicable."""
    flagged = c.readiness[c.readiness["mostly_na"] != ""] if len(c.readiness) else c.readiness
    s.heading(
        "Dimensions mostly not applicable",
        "More than a fifth of the dimension's statements marked not applicable: the score "
        "rests on the rest. Check the reasons given in the workbook.",
    )
    s.table(
        ["Unit", "Dimensions"],
        [[r.unit, r.mostly_na] for r in flagged.itertuples()],
        ["bold", "wrap"],
        empty="None.",
        spans=[1, 6],
    )


def _register(book: SummaryBook) -> None:
    c = book.c
    qn = c.contents.get("risk")
    if qn is None:
        return
    cores = qn.scope_ids("each:core")
    levels = sorted(qn.levels, key=lambda lv: -lv.rank)
    core_labels = [qn.scope_label("each:core", cid) for cid in cores]
    s = Sheet(
        book,
        "Risk register",
        [30, 22, 16, 13, 13, 13, 9, 11] + [9] * len(levels) + [13] * len(cores) + [30, 30],
    )
    s.title("Risk register of AI systems", _subtitle(c) + " | most severe first")
    s.heading(
        "AI systems",
        "Highest inherent level before mitigation; highest residual level (equal to the "
        "inherent level where no mitigation lowers it), and the same counting only mitigations "
        "already in place; items marked not applicable; items lowered only by a mitigation "
        "still planned; counts of risk items per inherent level; highest inherent level per "
        "core principle; the toolkit's applicability test; who accepted the remaining risk.",
    )
    rows = []
    for r in c.register.itertuples():
        rows.append(
            [
                r.system,
                r.unit,
                r.stage,
                r.highest_inherent,
                r.highest_residual,
                r.highest_in_place,
                r.n_na,
                f"{r.reduced_planned!s} of {r.reduced!s}" if r.reduced else "0",
                *[getattr(r, f"n_{lv.id}") for lv in levels],
                *[getattr(r, cid) for cid in cores],
                r.applicability,
                r.acceptance,
            ]
        )
    headers = [
        "AI system",
        "Owning unit",
        "Life-cycle stage",
        "Highest inherent",
        "Highest residual",
        "Highest residual, mitigations in place only",
        "Items N/A",
        "Lowered only by planned mitigations",
        *[lv.label.get(LANG) for lv in levels],
        *core_labels,
        "Applicability",
        "Risk acceptance",
    ]
    styles = (
        ["wrapb", "wrap", "wrap", "center", "center", "center", "int", "center"]
        + ["int"] * len(levels)
        + ["center"] * len(cores)
        + ["wrap", "wrap"]
    )
    first, last = s.table(headers, rows, styles, empty="No risk assessment accepted yet.")
    _level_fills(book, s, first, last, 3, 5)
    _level_fills(book, s, first, last, 8 + len(levels), 7 + len(levels) + len(cores))
    s.ws.freeze_panes(first, 1)
    _high_items(book, s, len(levels), len(cores))


def _high_items(book: SummaryBook, s: Sheet, n_levels: int, n_cores: int) -> None:
    """Every high and extremely high item with its mitigation, status and residual level."""
    s.heading("Extremely high and high risks, with their mitigations")
    high = book.c.high_items
    rows = [
        [
            r.system,
            r.item,
            r.principle,
            r.risk,
            r.inherent,
            r.mitigation or "(none: the residual stays at the inherent level)",
            r.status if r.mitigation else "",
            r.residual,
        ]
        for r in high.itertuples()
    ]
    # On the register's grid: the risk text spans the level columns, the mitigation the cores.
    spans = [1, 1, 1, 5 + n_levels, 1, max(n_cores - 1, 1), 1, 1]
    first, last = s.table(
        [
            "AI system",
            "Item",
            "Principle",
            "Risk",
            "Inherent",
            "Mitigation",
            "Status",
            "Residual",
        ],
        rows,
        ["wrapb", "cell", "wrap", "wrap", "center", "wrap", "center", "center"],
        empty="No item is rated high or extremely high.",
        spans=spans,
    )
    inherent_col = sum(spans[:4])
    residual_col = sum(spans[:7])
    _level_fills(book, s, first, last, inherent_col, inherent_col)
    _level_fills(book, s, first, last, residual_col, residual_col)


def _actions(book: SummaryBook) -> None:
    c = book.c
    qn = c.contents.get("action")
    if qn is None:
        return
    stages = qn.scope_ids("each:section")
    s = Sheet(book, "Actions", [30, 22, 16] + [12] * len(stages) + [11, 10, 12])
    text_span = max(len(stages) - 2, 1)  # the lists' action text spans the stage columns
    s.title("Responsible AI in action: progress per AI system", _subtitle(c))
    s.heading(
        "Completion per life-cycle stage",
        "Share of applicable items marked done, for the stages up to the system's current one; "
        "later stages are not yet due.",
    )
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
            "AI system",
            "Owning unit",
            "Current stage",
            *[qn.scope_label("each:section", sid) for sid in stages],
            "Overall",
            "Overdue items",
            "Done without evidence",
        ],
        rows,
        ["wrapb", "wrap", "wrap"] + ["pct"] * (len(stages) + 1) + ["int", "int"],
        empty="No action workbook accepted yet.",
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
    _action_lists(book, s, text_span)


def _action_lists(book: SummaryBook, s: Sheet, text_span: int) -> None:
    """The overdue items, oldest first, and the items done without evidence."""
    c = book.c
    s.heading(f"Overdue items (due before {c.generated_at:%Y-%m-%d} and not done)")
    od = c.overdue
    rows = (
        [
            [r.system, r.item, r.stage, r.text, r.owner, r.due, r.days_late, r.status]
            for r in od.itertuples()
        ]
        if len(od)
        else []
    )
    s.table(
        ["AI system", "Item", "Stage", "Action", "Owner", "Due", "Days late", "Status"],
        rows,
        ["wrapb", "cell", "wrap", "wrap", "wrap", "date", "int", "center"],
        empty="No overdue items.",
        spans=[1, 1, 1, text_span, 1, 1, 1, 1],
    )
    s.heading("Items marked done without evidence")
    ne = c.no_evidence
    rows = (
        [[r.system, r.item, r.stage, r.text, r.owner] for r in ne.itertuples()] if len(ne) else []
    )
    s.table(
        ["AI system", "Item", "Stage", "Action", "Owner"],
        rows,
        ["wrapb", "cell", "wrap", "wrap", "wrap"],
        empty="None.",
        spans=[1, 1, 1, text_span, 1],
    )


def _coverage(book: SummaryBook) -> None:
    c = book.c
    s = Sheet(book, "Coverage", [12, 12, 26, 12, 24, 20, 40, 60])
    roster = c.report.roster
    s.title(
        "Who returned what",
        _subtitle(c)
        + (" | against the roster" if roster else " | no roster given: missing units unknown"),
    )
    s.heading(
        "Every unit and AI system",
        "accepted: counted; superseded: replaced by a later "
        "return from the same unit (the workbook saved last counts); rejected: see why; "
        "missing: nothing received.",
    )
    cov = c.coverage
    order = {MISSING: 0, REJECTED: 1, ACCEPTED_WITH_WARNINGS: 2, SUPERSEDED: 3, ACCEPTED: 4}
    if len(cov):
        cov = cov.assign(o=cov["status"].map(order)).sort_values(
            ["questionnaire", "o", "unit_id", "system_id"], kind="stable"
        )
    rows = [
        [
            r.questionnaire,
            r.unit_id,
            r.unit_name,
            r.system_id,
            r.system_name,
            r.status,
            r.file,
            r.note,
        ]
        for r in cov.itertuples()
    ]
    first, last = s.table(
        ["Questionnaire", "Unit id", "Unit", "System id", "AI system", "Status", "File", "Note"],
        rows,
        ["cell", "cell", "wrap", "cell", "wrap", "center", "wrap", "wrap"],
    )
    for status, colour in STATUS_FILLS.items():
        s.fill_where(first, last, 5, 5, colour, equals=status)
    if last >= first:
        s.ws.autofilter(first - 1, 0, last, 7)
        s.ws.freeze_panes(first, 0)


def _issues(book: SummaryBook) -> None:
    c = book.c
    s = Sheet(book, "Issues", [40, 20, 9, 24, 12, 8, 90])
    s.title("Issues in returned files", _subtitle(c))
    iss = c.issues
    rows = [
        [r.file, r.status, r.severity, r.code, r.sheet, r.cell, r.message] for r in iss.itertuples()
    ]
    first, last = s.table(
        ["File", "Status", "Severity", "Code", "Sheet", "Cell", "Message"],
        rows,
        ["wrap", "center", "center", "cell", "cell", "cell", "wrap"],
        empty="No issues: every file was accepted.",
    )
    if last >= first:
        s.ws.autofilter(first - 1, 0, last, 6)
        s.ws.freeze_panes(first, 0)
