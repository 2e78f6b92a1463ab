"""The leadership summary workbook: the chief's sheets first (Overview, Readiness, Risk
register, Risk items, Actions, Decisions, Trends), then the coordinator's with grey tabs
(Coverage, Issues). Values only (no formulas that can break), native charts, conditional
formatting, and every piece of returned text written as inert text. The words are the
interface catalogue's, in the summary's language (`Consolidation.lang`).
"""

from __future__ import annotations

from .aggregate import Consolidation
from .summary_admin import write_coverage, write_issues
from .summary_book import SummaryBook
from .summary_overview import write_overview
from .summary_risk import write_register, write_risk_items
from .summary_units import write_actions, write_decisions, write_readiness
from .trends_sheet import write_trends


def render_summary(c: Consolidation) -> bytes:
    book = SummaryBook(c)
    write_overview(book)
    write_readiness(book)
    write_register(book)
    write_risk_items(book)
    write_actions(book)
    write_decisions(book)
    write_trends(book)
    write_coverage(book)
    write_issues(book)
    return book.close()
