"""The summary workbook's machinery: a book of cached formats, and sheets with a cursor that
write tables on a shared column grid, always as values and with text made inert."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..files import FORMULA_STARTS
from ..workbook.styles import NAVY
from .aggregate import Consolidation


class Sheet:
    """A worksheet with a cursor and a few typed writers; text is always written inert."""

    def __init__(self, book: SummaryBook, name: str, widths: list[int], landscape: bool = True):
        self.book = book
        self.ws: Worksheet = book.wb.add_worksheet(name)
        self.row = 0
        self.widths = widths
        for i, w in enumerate(widths):
            self.ws.set_column(i, i, w)
        if landscape:
            self.ws.set_landscape()
        self.ws.set_paper(9)
        self.ws.fit_to_pages(1, 0)
        self.ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        self.ws.hide_gridlines(2)
        footer = f"rai-sheets summary{' - round ' + book.c.round_id if book.c.round_id else ''}"
        self.ws.set_footer(f"&L{footer.replace('&', '&&')}&RPage &P of &N")

    def text(self, r: int, c: int, value: Any, style: str = "cell") -> None:
        s = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        quote = s.startswith(FORMULA_STARTS)
        self.ws.write_string(r, c, s, self.book.fmt(style, quote=quote))

    def number(self, r: int, c: int, value: Any, style: str = "int") -> None:
        if isinstance(value, str):  # a result in words, such as "Not yet due"
            self.text(r, c, value, "center")
        elif value is None or (isinstance(value, float) and pd.isna(value)):
            self.ws.write_blank(r, c, None, self.book.fmt(style))
        else:
            self.ws.write_number(r, c, float(value), self.book.fmt(style))

    def fill_where(
        self,
        first: int,
        last: int,
        c0: int,
        c1: int,
        colour: str,
        *,
        equals: str | None = None,
        between: tuple[float, float] | None = None,
    ) -> None:
        """Colour cells of a range that equal a text or fall between two numbers."""
        if last < first:
            return
        rule: dict[str, Any] = {"type": "cell", "format": self.book.fill(colour)}
        if equals is not None:
            rule |= {"criteria": "==", "value": '"' + equals.replace('"', '""') + '"'}
        elif between is not None:
            rule |= {"criteria": "between", "minimum": between[0], "maximum": between[1]}
        self.ws.conditional_format(first, c0, last, c1, rule)

    def title(self, text: str, subtitle: str = "") -> None:
        self.text(0, 0, text, "title")
        if subtitle:
            self.text(1, 0, subtitle, "subtitle")
        self.row = 3

    def heading(self, text: str, note: str = "") -> None:
        self.text(self.row, 0, text, "h2")
        self.row += 1
        if note:
            self.text(self.row, 0, note, "note")
            self.row += 1

    def table(
        self,
        headers: list[str],
        rows: list[list[Any]],
        styles: list[str],
        empty: str = "None.",
        spans: list[int] | None = None,
    ) -> tuple[int, int]:
        """Write a table at the cursor; return (first data row, last data row).

        `spans` gives how many grid columns each table column covers (merged), so that
        tables of different shapes share one sheet's column widths. Row heights follow the
        longest wrapped text, since spreadsheets do not fit them when a file is opened.
        """
        spans = spans or [1] * len(headers)
        starts = [sum(spans[:i]) for i in range(len(spans))]
        widths = [
            sum(self.widths[st : st + sp]) if st + sp <= len(self.widths) else 12
            for st, sp in zip(starts, spans, strict=True)
        ]
        self._row(self.row, headers, ["header"] * len(headers), starts, spans)
        self.ws.set_row(self.row, max(30, _height(headers, widths)))
        first = self.row + 1
        if not rows:
            self.text(first, 0, empty, "note")
            self.row = first + 2
            return first, first - 1
        for i, values in enumerate(rows):
            r = first + i
            self._row(r, values, styles, starts, spans)
            wrapped = [
                v if st.startswith("wrap") else "" for v, st in zip(values, styles, strict=True)
            ]
            height = _height(wrapped, widths)
            if height > 16:
                self.ws.set_row(r, height)
        last = first + len(rows) - 1
        self.row = last + 2
        return first, last

    def _row(
        self, r: int, values: list[Any], styles: list[str], starts: list[int], spans: list[int]
    ) -> None:
        for v, st, c, sp in zip(values, styles, starts, spans, strict=True):
            if sp > 1:
                self.ws.merge_range(r, c, r, c + sp - 1, "", self.book.fmt(st))
            if st == "date":
                if v is not None and not pd.isna(v):
                    self.ws.write_datetime(
                        r, c, pd.Timestamp(v).to_pydatetime(), self.book.fmt("date")
                    )
                else:
                    self.number(r, c, None, "date")
            elif st in ("int", "pct"):
                self.number(r, c, v, st)
            else:
                self.text(r, c, v, st)


def _height(texts: Sequence[Any], widths: Sequence[float]) -> int:
    """Points of row height that wrapped texts need in columns of these widths."""
    lines = 1
    for text, width in zip(texts, widths, strict=True):
        t = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
        if t:
            per_line = max(int(width * 1.15) - 1, 4)
            lines = max(lines, sum(-(-max(len(part), 1) // per_line) for part in t.split("\n")))
    return 13 * lines + 3


class SummaryBook:
    def __init__(self, c: Consolidation):
        self.c = c
        self.buf = io.BytesIO()
        self.wb: Workbook = xlsxwriter.Workbook(
            self.buf,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self._formats: dict[tuple[str, bool, str], Any] = {}

    STYLES: dict[str, dict[str, Any]] = {
        "title": {"bold": True, "font_size": 16, "font_color": NAVY},
        "subtitle": {"italic": True, "font_color": "#555555"},
        "h2": {"bold": True, "font_size": 12, "font_color": NAVY},
        "note": {"italic": True, "font_color": "#555555"},
        "header": {
            "bold": True,
            "font_color": "#FFFFFF",
            "bg_color": NAVY,
            "text_wrap": True,
            "border": 1,
            "valign": "vcenter",
        },
        "cell": {"border": 1, "valign": "top"},
        "wrap": {"border": 1, "text_wrap": True, "valign": "top"},
        "bold": {"border": 1, "bold": True, "valign": "top"},
        "wrapb": {"border": 1, "bold": True, "text_wrap": True, "valign": "top"},
        "center": {"border": 1, "align": "center", "valign": "top"},
        "int": {"border": 1, "num_format": "0", "align": "center", "valign": "top"},
        "pct": {"border": 1, "num_format": "0%", "align": "center", "valign": "top"},
        "date": {"border": 1, "num_format": "yyyy-mm-dd", "align": "center", "valign": "top"},
        "finding": {"text_wrap": True, "valign": "top", "font_size": 11},
        "big": {"bold": True, "font_size": 11, "border": 1, "align": "center"},
    }

    def fmt(self, style: str, quote: bool = False, fill: str = "") -> Any:
        key = (style, quote, fill)
        if key not in self._formats:
            props = {"font_name": "Calibri", "font_size": 10, **self.STYLES[style]}
            if quote:
                props["quote_prefix"] = True  # shown as text, never evaluated
            if fill:
                props["bg_color"] = fill
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def fill(self, colour: str) -> Any:
        """A background colour for conditional formats, made once per colour."""
        key = ("fill", False, colour)
        if key not in self._formats:
            self._formats[key] = self.wb.add_format({"bg_color": colour})
        return self._formats[key]

    def close(self) -> bytes:
        self.wb.set_properties(
            {
                "title": "Responsible AI - summary for leadership",
                "author": "rai-sheets",
                "comments": self.c.round_id,
            }
        )
        self.wb.close()
        return self.buf.getvalue()
