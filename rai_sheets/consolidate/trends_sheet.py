"""The summary's Trends sheet: what changed since the previous round, in words, tables and a
chart (readiness per dimension over the rounds), from the frames of `trends.py`."""

from __future__ import annotations

from ..model import DEFAULT_LANGUAGE as LANG
from .summary_book import Sheet, SummaryBook
from .trends import OVERALL, Trends

SHEET = "Trends"
UP, DOWN = "#D9EAD3", "#F4CCCC"
GRID = [34, 22] + [13] * 12  # room for ten dimensions, the overall and a count


def write_trends(book: SummaryBook) -> None:
    t = book.c.trends
    if t is None:
        return
    s = Sheet(book, SHEET, GRID)
    held = ", ".join(t.rounds)
    s.title(
        "Trends: what changed since the previous round",
        f"Round {t.current} | rounds in the history: {held}",
    )
    s.heading("What changed")
    sentences = [text for _, text in sorted(t.findings, key=lambda f: -f[0])]
    if len(t.rounds) < 2:
        sentences = [
            "This is the only round in the history store, so there is nothing to compare "
            "with yet: trends appear from the next consolidated round."
        ]
    elif not sentences:
        sentences = ["No change worth reporting since the previous round."]
    for text in sentences:
        s.ws.merge_range(s.row, 0, s.row, 8, "", book.fmt("finding"))
        s.text(s.row, 0, f"- {text}", "finding")
        s.ws.set_row(s.row, 15 * (len(text) // 120 + 1) + 4)
        s.row += 1
    s.row += 1
    if len(t.medians):
        _readiness(book, s, t)
    if len(t.systems):
        _systems(book, s, t)
    if t.overdue_previous:
        _overdue(s, t)


def _band_fills(book: SummaryBook, s: Sheet, first: int, last: int, c0: int, c1: int) -> None:
    qn = book.c.contents["readiness"]
    for i, b in enumerate(qn.bands):
        upper = qn.bands[i + 1].min_fraction if i + 1 < len(qn.bands) else 10.0
        s.fill_where(first, last, c0, c1, b.colour, between=(b.min_fraction, upper - 1e-9))
        s.fill_where(first, last, c0, c1, b.colour, equals=b.label.get(LANG))


def _level_fills(book: SummaryBook, s: Sheet, first: int, last: int, c0: int, c1: int) -> None:
    for lv in book.c.contents["risk"].levels:
        s.fill_where(first, last, c0, c1, lv.colour, equals=lv.label.get(LANG))


def _change_fills(s: Sheet, first: int, last: int, c0: int, c1: int) -> None:
    """Green where a score went up, red where it went down: the words say it too."""
    if last < first:
        return
    for word, colour in (("up ", UP), ("down ", DOWN), ("rose", DOWN), ("fell", UP)):
        s.ws.conditional_format(
            first,
            c0,
            last,
            c1,
            {
                "type": "text",
                "criteria": "containing",
                "value": word,
                "format": s.book.fill(colour),
            },
        )


def _readiness(book: SummaryBook, s: Sheet, t: Trends) -> None:
    rounds = [c for c in t.medians.columns if c not in ("dimension_id", "dimension")]
    compared = f" against {t.previous}" if t.previous else ""
    s.heading(
        "Readiness by dimension, round by round",
        f"Agency median of the units' scores in each round; the change{compared}; the "
        "agency's target band (content settings `target` and `target_<dimension>`).",
    )
    summary = t.dimensions.set_index("dimension_id")
    medians = t.medians.set_index("dimension_id")
    rows = []
    for dim in medians.index:
        d = summary.loc[dim]
        values = [medians.loc[dim, r] for r in rounds]
        rows.append(
            [d["dimension"], *values, d["change"], d["band"], d["target"], d["against_target"]]
        )
    n = len(rounds)
    first, last = s.table(
        ["Dimension", *rounds, f"Change{compared}", "Band now", "Target", "Against target"],
        rows,
        ["wrapb"] + ["pct"] * n + ["center", "center", "center", "center"],
    )
    _band_fills(book, s, first, last, 1, n + 2)
    _change_fills(s, first, last, n + 1, n + 1)
    header = first - 1
    _line_chart(book, s, header, first, last - 1, n)  # the dimensions, without "Overall"
    _units(book, s, t)


def _line_chart(book: SummaryBook, s: Sheet, header: int, first: int, last: int, n: int) -> None:
    if last < first:
        return
    chart = book.wb.add_chart({"type": "line"})
    for row in range(first, last + 1):
        chart.add_series(
            {
                "name": [SHEET, row, 0],
                "categories": [SHEET, header, 1, header, n],
                "values": [SHEET, row, 1, row, n],
                "marker": {"type": "circle", "size": 5},
                "line": {"width": 2},
            }
        )
    chart.set_title({"name": "Agency median readiness by dimension", "name_font": {"size": 11}})
    chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
    chart.set_x_axis({"name": "Round"})
    chart.set_legend({"position": "right"})
    chart.set_size({"width": 860, "height": 340})
    s.ws.insert_chart(s.row, 0, chart)
    s.row += 19


def _units(book: SummaryBook, s: Sheet, t: Trends) -> None:
    qn = book.c.contents["readiness"]
    dims = [c for c in t.units.columns if c not in ("unit_id", "unit", "below_target", "score")]
    dims.remove(OVERALL)
    if book.c.unit_level_hidden:
        s.heading(
            "Readiness by unit",
            "Hidden for this round: fewer units answered than the minimum group size.",
        )
        return
    since = f"since {t.previous}" if t.previous else "(no earlier round to compare with)"
    s.heading(
        "Readiness by unit and dimension",
        f"Each unit's score now and its change {since}; 'new' where the unit has no score "
        "in that round. The last column counts the dimensions below the agency's target.",
    )
    rows = [
        [r["unit"], *[r[d] for d in dims], r[OVERALL], r["below_target"]]
        for _, r in t.units.iterrows()
    ]
    labels = [qn.scope_label("each:section", d) for d in dims]
    first, last = s.table(
        ["Unit", *labels, "Overall", "Dimensions below target"],
        rows,
        ["wrapb"] + ["wrap"] * (len(dims) + 1) + ["int"],
        empty="No readiness return was accepted in this round.",
    )
    _change_fills(s, first, last, 1, len(dims) + 1)
    if last >= first:
        s.ws.freeze_panes(first, 1)


def _systems(book: SummaryBook, s: Sheet, t: Trends) -> None:
    s.heading(
        "AI systems whose risk level rose",
        "Highest inherent (before mitigation) or residual (after) level, against the "
        "system's previous assessment.",
    )
    rows = [
        [r.system, r.unit, r.which, r.was, r.now, r.since, r.stage] for r in t.rose.itertuples()
    ]
    spans = [1, 1, 1, 1, 1, 1, 2]
    first, last = s.table(
        ["AI system", "Owning unit", "Level", "Was", "Now", "Since", "Life-cycle stage now"],
        rows,
        ["wrapb", "wrap", "center", "center", "center", "center", "wrap"],
        empty="No AI system's risk level rose since its previous assessment.",
        spans=spans,
    )
    _level_fills(book, s, first, last, 3, 4)
    s.heading("Risk levels of each AI system, round by round")
    rows = [
        [r.system, r.unit, r.round, r.stage, r.inherent, r.residual, r.change]
        for r in t.systems.itertuples()
    ]
    first, last = s.table(
        [
            "AI system",
            "Owning unit",
            "Round",
            "Life-cycle stage",
            "Highest inherent",
            "Highest residual",
            "Change since the previous assessment",
        ],
        rows,
        ["wrapb", "wrap", "center", "wrap", "center", "center", "wrap"],
        spans=[1, 1, 1, 2, 1, 1, 4],
    )
    _level_fills(book, s, first, last, 5, 6)
    _change_fills(s, first, last, 7, 10)


def _overdue(s: Sheet, t: Trends) -> None:
    s.heading(
        f"Action items overdue now and already overdue in {t.overdue_previous}",
        "Longest overdue first; 'overdue since' is the first of the consecutive rounds "
        "in which the item was overdue.",
    )
    rows = [[r.system, r.stage, r.text, r.since, r.rounds] for r in t.overdue_again.itertuples()]
    s.table(
        ["AI system", "Stage", "Action", "Overdue since", "Rounds overdue"],
        rows,
        ["wrapb", "wrap", "wrap", "center", "int"],
        empty="No action item was overdue in both rounds.",
        spans=[1, 1, 6, 1, 1],
    )
