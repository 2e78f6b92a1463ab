"""The summary's Trends sheet: what changed since the previous round, in words, tables and a
chart (readiness per dimension over the rounds), from the frames of `trends.py`."""

from __future__ import annotations

from ..i18n import is_rtl, joined
from .summary_book import Sheet, SummaryBook
from .trends import OVERALL, Trends

SHEET = "sheet.trends"  # its name, in the summary's language
UP, DOWN = "#D9EAD3", "#F4CCCC"
GRID = [34, 22] + [13] * 12  # room for ten dimensions, the overall and a count


def write_trends(book: SummaryBook) -> None:
    t = book.c.trends
    if t is None:
        return
    s = Sheet(book, book.t(SHEET), GRID)
    held = joined(t.rounds, book.c.lang)
    s.title(book.t("trends.title"), book.t("trends.subtitle", round=t.current, rounds=held))
    s.heading(book.t("trends.what_changed"))
    sentences = [text for _, text in sorted(t.findings, key=lambda f: -f[0])]
    if len(t.rounds) < 2:
        sentences = [book.t("trends.only_round")]
    elif not sentences:
        sentences = [book.t("trends.no_change")]
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
        s.fill_where(first, last, c0, c1, b.colour, equals=b.label.get(book.c.lang))


def _level_fills(book: SummaryBook, s: Sheet, first: int, last: int, c0: int, c1: int) -> None:
    for lv in book.c.contents["risk"].levels:
        s.fill_where(first, last, c0, c1, lv.colour, equals=lv.label.get(book.c.lang))


def _change_fills(s: Sheet, first: int, last: int, c0: int, c1: int) -> None:
    """Green where a score went up, red where it went down: the words say it too (each
    language's words for it are in the catalogue, and in its sentences)."""
    if last < first:
        return
    t = s.book.t
    words = [(t("trends.word_up"), UP), (t("trends.word_down"), DOWN)]
    words += [(t("trends.word_rose"), DOWN), (t("trends.word_fell"), UP)]
    for word, colour in words:
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
    compared = book.t("trends.against", round=t.previous) if t.previous else ""
    s.heading(
        book.t("trends.readiness_heading"), book.t("trends.readiness_note", compared=compared)
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
    headers = [
        book.t("trends.col_dimension"),
        *rounds,
        book.t("trends.col_change", compared=compared),
    ]
    headers += [book.t(f"trends.col_{k}") for k in ("band_now", "target", "against_target")]
    first, last = s.table(
        headers,
        rows,
        ["wrapb"] + ["pct"] * n + ["center", "center", "center", "center"],
        charted=True,
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
    sheet = s.ws.name
    for row in range(first, last + 1):
        chart.add_series(
            {
                "name": [sheet, row, 0],
                "categories": [sheet, header, 1, header, n],
                "values": [sheet, row, 1, row, n],
                "marker": {"type": "circle", "size": 5},
                "line": {"width": 2},
            }
        )
    chart.set_title({"name": book.t("trends.chart_title"), "name_font": {"size": 11}})
    chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
    rtl = is_rtl(book.c.lang)  # the rounds run from the right
    chart.set_x_axis({"name": book.t("trends.chart_round"), "reverse": rtl})
    chart.set_legend({"position": "left" if rtl else "right"})
    chart.set_size({"width": 860, "height": 340})
    s.ws.insert_chart(s.row, 0, chart)
    s.row += 19


def _units(book: SummaryBook, s: Sheet, t: Trends) -> None:
    qn = book.c.contents["readiness"]
    dims = [c for c in t.units.columns if c not in ("unit_id", "unit", "below_target", "score")]
    dims.remove(OVERALL)
    if book.c.unit_level_hidden:
        s.heading(book.t("trends.units_hidden_heading"), book.t("trends.units_hidden"))
        return
    since = (
        book.t("trends.since", round=t.previous) if t.previous else book.t("trends.nothing_before")
    )
    s.heading(book.t("trends.units_heading"), book.t("trends.units_note", since=since))
    rows = [
        [r["unit"], *[r[d] for d in dims], r[OVERALL], r["below_target"]]
        for _, r in t.units.iterrows()
    ]
    labels = [qn.scope_label("each:section", d, book.c.lang) for d in dims]
    first, last = s.table(
        [book.t("trends.col_unit"), *labels, book.t("summary.overall")]
        + [book.t("trends.col_below_target")],
        rows,
        ["wrapb"] + ["wrap"] * (len(dims) + 1) + ["int"],
        empty=book.t("trends.no_readiness"),
    )
    _change_fills(s, first, last, 1, len(dims) + 1)
    if last >= first:
        s.ws.freeze_panes(first, 1)


def _systems(book: SummaryBook, s: Sheet, t: Trends) -> None:
    s.heading(book.t("trends.rose_heading"), book.t("trends.rose_note"))
    rows = [
        [r.system, r.unit, r.which, r.was, r.now, r.since, r.stage] for r in t.rose.itertuples()
    ]
    spans = [1, 1, 1, 1, 1, 1, 2]
    keys = ("system", "owning_unit", "level", "was", "now", "since", "stage_now")
    first, last = s.table(
        [book.t(f"trends.col_{k}") for k in keys],
        rows,
        ["wrapb", "wrap", "center", "center", "center", "center", "wrap"],
        empty=book.t("trends.none_rose"),
        spans=spans,
    )
    _level_fills(book, s, first, last, 3, 4)
    s.heading(book.t("trends.levels_heading"))
    rows = [
        [r.system, r.unit, r.round, r.stage, r.inherent, r.residual, r.change]
        for r in t.systems.itertuples()
    ]
    keys = ("system", "owning_unit", "round", "stage", "inherent", "residual", "level_change")
    first, last = s.table(
        [book.t(f"trends.col_{k}") for k in keys],
        rows,
        ["wrapb", "wrap", "center", "wrap", "center", "center", "wrap"],
        spans=[1, 1, 1, 2, 1, 1, 4],
    )
    _level_fills(book, s, first, last, 5, 6)
    _change_fills(s, first, last, 7, 10)


def _overdue(s: Sheet, t: Trends) -> None:
    say = s.book.t
    s.heading(say("trends.overdue_heading", round=t.overdue_previous), say("trends.overdue_note"))
    rows = [[r.system, r.stage, r.text, r.since, r.rounds] for r in t.overdue_again.itertuples()]
    keys = ("system", "action_stage", "action", "overdue_since", "rounds_overdue")
    s.table(
        [say(f"trends.col_{k}") for k in keys],
        rows,
        ["wrapb", "wrap", "wrap", "center", "int"],
        empty=say("trends.none_overdue"),
        spans=[1, 1, 6, 1, 1],
    )
