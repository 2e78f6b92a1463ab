"""The coordinator's sheets at the end of the summary, with grey tabs: Coverage (every unit and
AI system on the roster, and what became of its return) and Issues (every problem found in a
returned file). Names first, file names without their folders, statuses in words; the ids in
the last columns, for filtering and for scripts.
"""

from __future__ import annotations

from pathlib import PurePath

from ..issues import ACCEPTED, ACCEPTED_WITH_WARNINGS, ERROR, REJECTED, SKIPPED, WARNING
from .aggregate import MISSING, SUPERSEDED
from .summary_book import Sheet, SummaryBook

STATUS_FILLS = {
    ACCEPTED: "#D9EAD3",
    ACCEPTED_WITH_WARNINGS: "#FFF2CC",
    REJECTED: "#F4CCCC",
    MISSING: "#E06666",
    SUPERSEDED: "#EEEEEE",
    SKIPPED: "#EEEEEE",
}
SEVERITY_FILLS = {ERROR: "#F4CCCC", WARNING: "#FFE599"}
ORDER = {MISSING: 0, REJECTED: 1, ACCEPTED_WITH_WARNINGS: 2, SUPERSEDED: 3, ACCEPTED: 4, SKIPPED: 5}


def status_words(book: SummaryBook, status: str) -> str:
    return book.t(f"status.{status}") if status else ""


def write_coverage(book: SummaryBook) -> None:
    c = book.c
    s = Sheet(book, book.t("sheet.coverage"), [14, 26, 28, 14, 30, 60, 9, 11], grey=True)
    roster = c.report.roster
    against = book.t("coverage.against_roster") if roster else book.t("coverage.no_roster")
    s.title(book.t("coverage.title"), f"{book.subtitle()} | {against}")
    s.heading(book.t("coverage.heading"), book.t("coverage.note"))
    cov = c.coverage
    content_order = {qid: i for i, qid in enumerate(c.contents)}
    if len(cov):
        cov = cov.assign(
            q=cov["questionnaire"].map(lambda q: content_order.get(q, -1)),
            o=cov["status"].map(ORDER),
        ).sort_values(["q", "o", "unit_id", "system_id"], kind="stable")
    titles = {
        qid: qn.setting("short_title", c.lang) or qn.title.get(c.lang)
        for qid, qn in c.contents.items()
    }
    rows = [
        [
            titles.get(str(r.questionnaire), str(r.questionnaire)),
            r.unit_name or r.unit_id,
            r.system_name or r.system_id,
            status_words(book, str(r.status)),
            PurePath(str(r.file)).name if r.file else "",
            r.note,
            r.unit_id,
            r.system_id,
        ]
        for r in cov.itertuples()
    ]
    headers = [
        book.t("overview.questionnaire"),
        book.t("readiness.unit"),
        book.t("register.system"),
        book.t("coverage.status"),
        book.t("coverage.file"),
        book.t("coverage.why"),
        book.t("coverage.unit_id"),
        book.t("register.system_id"),
    ]
    styles = ["wrap", "wrapb", "wrap", "wrapc", "wrap", "wrap", "cell", "cell"]
    first, last = s.list_table("Coverage", headers, rows, styles, book.t("summary.none"))
    for status, colour in STATUS_FILLS.items():
        s.fill_where(first, last, 3, 3, colour, equals=status_words(book, status))


def write_issues(book: SummaryBook) -> None:
    c = book.c
    s = Sheet(book, book.t("sheet.issues"), [30, 22, 24, 14, 11, 12, 7, 80, 20], grey=True)
    s.title(book.t("issues.title"), book.subtitle())
    iss = c.issues
    if len(iss):  # the rejected files first: they must come back
        iss = iss.assign(o=iss["status"].map(ORDER)).sort_values("o", kind="stable")
    rows = [
        [
            PurePath(str(r.file)).name,
            r.unit or r.unit_id,
            r.system or r.system_id,
            status_words(book, str(r.status)),
            book.t(f"severity.{r.severity!s}") if r.severity else "",
            r.sheet,
            r.cell,
            r.message,
            r.code,
        ]
        for r in iss.itertuples()
    ]
    headers = [
        book.t("coverage.file"),
        book.t("readiness.unit"),
        book.t("register.system"),
        book.t("coverage.status"),
        book.t("issues.severity"),
        book.t("issues.sheet"),
        book.t("issues.cell"),
        book.t("issues.message"),
        book.t("issues.code"),
    ]
    styles = ["wrap", "wrap", "wrap", "wrapc", "center", "cell", "cell", "wrap", "cell"]
    first, last = s.list_table("Issues", headers, rows, styles, book.t("issues.none"))
    for severity, colour in SEVERITY_FILLS.items():
        s.fill_where(first, last, 4, 4, colour, equals=book.t(f"severity.{severity}"))
    for status, colour in STATUS_FILLS.items():
        s.fill_where(first, last, 3, 3, colour, equals=status_words(book, status))
