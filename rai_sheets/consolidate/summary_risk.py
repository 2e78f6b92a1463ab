"""The summary's risk sheets: the Risk register (one row per AI system, most severe first, then
the systems without a valid risk assessment) and Risk items (every item at or above the level
that needs an acceptance, as a filterable table to work down: highest residual first, items
without any mitigation first within a level and marked).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .findings import why_unassessed
from .risk_items import attention_rank
from .summary_book import Sheet, Styled, SummaryBook


def write_register(book: SummaryBook) -> None:
    c = book.c
    qn = c.contents.get("risk")
    if qn is None:
        return
    s = Sheet(book, book.t("sheet.register"), [30, 22, 16, 13, 13, 13, 11, 13, 30, 26, 12])
    s.title(book.t("register.title"), book.subtitle())
    s.heading(book.t("register.systems"), book.t("register.systems_note"))
    changes = _changes(book)
    rows = [
        [
            r.system,
            r.unit,
            r.stage,
            r.highest_inherent,
            r.highest_residual,
            r.highest_in_place,
            r.n_na,
            book.t("register.of", part=r.reduced_planned, whole=r.reduced) if r.reduced else "0",
            r.acceptance,
            changes.get(str(r.system_id), ""),
            r.system_id,
        ]
        for r in c.register.itertuples()
    ]
    headers = [
        book.t("register.system"),
        book.t("register.unit"),
        book.t("register.stage"),
        book.t("register.inherent"),
        book.t("register.residual"),
        book.t("register.in_place"),
        book.t("register.na"),
        book.t("register.planned"),
        book.t("register.acceptance"),
        book.t("register.change"),
        book.t("register.system_id"),
    ]
    styles = ["wrapb", "wrap", "wrap", "center", "center", "center", "int", "center"]
    styles += ["wrap", "wrap", "cell"]
    first, last = s.table(headers, rows, styles, empty=book.t("register.none"))
    book.level_fills(s, first, last, 3, 5)
    s.ws.freeze_panes(first, 1)
    _profiles(book, s)
    _unassessed(book, s)


def _profiles(book: SummaryBook, s: Sheet) -> None:
    """Per system: the toolkit's applicability test, the items per inherent level and the
    highest inherent level per core principle."""
    c = book.c
    qn = c.contents["risk"]
    if not len(c.register):
        return
    cores = qn.scope_ids("each:core")
    levels = sorted(qn.levels, key=lambda lv: -lv.rank)
    s.heading(book.t("register.profiles"), book.t("register.profiles_note"))
    rows = [
        [
            r.system,
            r.applicability,
            *[getattr(r, f"n_{lv.id}") for lv in levels],
            *[getattr(r, cid) for cid in cores],
        ]
        for r in c.register.itertuples()
    ]
    headers = [
        book.t("register.system"),
        book.t("register.applicability"),
        *[book.t("register.items_at", level=lv.label.get(c.lang)) for lv in levels],
        *[qn.scope_label("each:core", cid, c.lang) for cid in cores],
    ]
    styles = ["wrapb", "wrap"] + ["int"] * len(levels) + ["center"] * len(cores)
    first, last = s.table(headers, rows, styles)
    start = 2 + len(levels)
    book.level_fills(s, first, last, start, start + len(cores) - 1)


def _changes(book: SummaryBook) -> dict[str, str]:
    """Each system's change since its previous assessment, from the history."""
    t = book.c.trends
    if t is None or not len(t.systems):
        return {}
    now = t.systems[t.systems["round"] == t.current]
    return dict(zip(now["system_id"], now["change"], strict=True))


def _unassessed(book: SummaryBook, s: Sheet) -> None:
    c = book.c
    s.heading(book.t("register.unassessed"), book.t("register.unassessed_note"))
    rows = [
        [r.system, r.unit, why_unassessed(c, r), r.system_id] for r in c.unassessed.itertuples()
    ]
    s.table(
        [
            book.t("register.system"),
            book.t("register.unit"),
            book.t("register.why"),
            book.t("register.system_id"),
        ],
        rows,
        ["wrapb", "wrap", "wrap", "cell"],
        empty=book.t("register.all_assessed"),
        spans=[1, 1, 6, 1],
    )


def write_risk_items(book: SummaryBook) -> None:
    c = book.c
    qn = c.contents.get("risk")
    if qn is None:
        return
    floor = next((lv for lv in qn.levels if lv.rank == attention_rank(qn)), None)
    s = Sheet(book, book.t("sheet.items"), [46, 22, 15, 12, 36, 11, 15, 11, 12, 26, 16])
    s.title(book.t("items.title"), book.subtitle())
    level = floor.label.get(c.lang).lower() if floor else ""
    s.paragraph(book.t("items.note", level=level), "note")
    s.row += 1
    headers = [
        book.t("items.risk"),
        book.t("register.system"),
        book.t("items.principle"),
        book.t("items.inherent"),
        book.t("items.mitigation"),
        book.t("items.status"),
        book.t("items.owner"),
        book.t("items.due"),
        book.t("items.residual"),
        book.t("items.accepted"),
        book.t("items.ids"),
    ]
    items = c.high_items
    rows = [_item_row(book, r) for r in items.itertuples()] if len(items) else []
    styles = ["wrap", "wrapb", "wrap", "center", "wrap", "center", "wrap", "date", "center"]
    first, last = s.list_table(
        "RiskItems", headers, rows, [*styles, "wrap", "cell"], book.t("items.none", level=level)
    )
    book.level_fills(s, first, last, 3, 3)
    book.level_fills(s, first, last, 8, 8)


def _item_row(book: SummaryBook, r: Any) -> list[Any]:
    # no mitigation is marked, so that the eye finds it on screen and on paper
    mitigation = Styled(book.t("items.no_mitigation"), "flag") if r.unmitigated else r.mitigation
    due = r.due if r.due is not None and not pd.isna(r.due) else None
    return [
        r.risk,
        r.system,
        r.principle,
        r.inherent,
        mitigation,
        r.status,
        r.owner,
        due,
        r.residual,
        r.accepted,
        f"{r.system_id} / {r.item}",
    ]
